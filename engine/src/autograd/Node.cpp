// Graph nodes: op nodes run their derivative formula, accumulators write leaf grads.
#include "autograd/Node.h"

#include <atomic>
#include <bit>
#include <cctype>

#include "autograd/Derivatives.h"
#include "autograd/Recording.h"
#include "ops/OpUtils.h"
#include "tapedeck/backends/Backend.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace td {
namespace {
std::atomic<int64_t> g_liveNodes{0};
}

Node::Node() { g_liveNodes.fetch_add(1, std::memory_order_relaxed); }
namespace {
/// The nodes a dying graph still has to release (see ~Node). A thread's queue is gone at
/// its exit; a node dying after that (a static tensor's graph) releases recursively.
thread_local bool t_nodeQueueGone = false;
struct NodeQueue {
  std::vector<std::shared_ptr<Node>> pending;
  bool draining = false;
  ~NodeQueue() { t_nodeQueueGone = true; }
};
thread_local NodeQueue t_nodeQueue;
}  // namespace

Node::~Node() {
  g_liveNodes.fetch_sub(1, std::memory_order_relaxed);
  // A graph dies from its end: each node would destroy the one before it inside its own
  // destructor, and a chain of 100,000 ops would overflow the stack. Its input nodes are
  // queued instead (all of them: one may appear twice, as in y * y), and the outermost
  // destructor releases the queue, one reference at a time.
  if (t_nodeQueueGone) return;
  NodeQueue& queue = t_nodeQueue;
  for (Edge& edge : nextEdges)
    if (edge.node) queue.pending.push_back(std::move(edge.node));
  if (queue.draining) return;
  queue.draining = true;
  while (!queue.pending.empty()) {
    std::shared_ptr<Node> next = std::move(queue.pending.back());
    queue.pending.pop_back();
    next.reset();  // its destructor queues its own inputs' nodes
  }
  queue.draining = false;
}

int64_t Node::liveCount() { return g_liveNodes.load(); }
std::string Node::name() const { return "Node"; }

std::string OpNode::name() const {
  // "max_pool2d" -> "MaxPool2DBackward0", as PyTorch names its grad_fns.
  std::string out;
  bool upper = true;
  for (char ch : opName(entry.op)) {
    if (ch == '_') { upper = true; continue; }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
    upper = false;
  }
  return out + "Backward0";
}

Tensor OpNode::unpack(std::size_t i) {
  TD_ASSERT(i < saved.size(), "saved tensor ", i, " of ", opName(entry.op));
  SavedTensor& s = saved[i];
  const Storage& storage = s.tensor.storage();
  if (storage.version() != s.version) {
    const char* writer = storage.lastWriterOp() ? storage.lastWriterOp() : "an in-place op";
    throw Error(detail::concat(
        "backward: one of the tensors needed for gradient computation has been modified by an in-place operation: ",
        opName(entry.op), " at ", entry.loc.str(), " saved its ", s.isOutput ? "result" : "input", " (", 
        detail::describe(s.tensor), ", version ", s.version, "), and ", writer, " at ",
        storage.lastWriterLoc().str(), " modified it (now version ", storage.version(),
        "). Use the out-of-place op, or clone() before modifying."));
  }
  if (!s.isOutput) return s.tensor;
  // Rebuild the output with this node as its history, so create_graph sees it.
  Tensor out = s.tensor.detach();
  AutogradMeta& meta = out.impl()->meta();
  meta.requiresGrad = true;
  meta.gradFn = shared_from_this();
  meta.outputNr = s.outputNr;
  return out;
}

std::vector<Tensor> OpNode::apply(std::vector<Tensor>&& gradOutputs, bool createGraph) {
  const DerivativeRow& row = derivativeRow(entry.op);
  TD_ASSERT(row.fn != nullptr, "no formula for ", opName(entry.op));
  if (released)
    throw Error(detail::concat("backward: trying to backward through the graph a second time (", opName(entry.op),
                               " at ", entry.loc.str(), "): its saved tensors were freed after the first backward; ",
                               "pass retainGraph=true (retain_graph=True) to the first backward"));
  if (createGraph && !row.twice)
    throw Error(detail::concat("backward: ", opName(entry.op), " at ", entry.loc.str(),
                               " supports first-order gradients only; create_graph is not available through it"));
  GradContext context(*this, gradOutputs);
  std::vector<Tensor> grads = row.fn(context);
  grads.resize(nextEdges.size());
  return grads;
}

AccumulateNode::AccumulateNode(const std::shared_ptr<TensorImpl>& leafImpl) : leaf(leafImpl) {
  outputsMeta.push_back(InputMeta{leafImpl->shape, leafImpl->dtype, true});
  detail::adjustLiveEntries(-1);  // its entry is a placeholder, not a tape entry
}

AccumulateNode::~AccumulateNode() { detail::adjustLiveEntries(1); }

std::vector<Tensor> AccumulateNode::apply(std::vector<Tensor>&& gradOutputs, bool createGraph) {
  std::shared_ptr<TensorImpl> impl = leaf.lock();
  if (!impl || !gradOutputs[0].defined()) return {};
  Tensor grad = std::move(gradOutputs[0]);
  AutogradMeta& meta = impl->meta();
  for (auto& [handle, hook] : meta.hooks) {
    Tensor replaced = hook(grad);
    if (replaced.defined()) grad = replaced;
  }
  if (!meta.grad) {
    if (createGraph) {
      meta.grad = grad.clone().implPtr();  // recorded: stays in the graph, never aliases a shared gradient
    } else if (grad.implPtr().use_count() == 1 &&
               grad.impl()->storage.use_count() - grad.storage().watchCount() == 1 && !grad.gradFn() &&
               grad.isContiguous()) {
      // Nobody else holds this gradient: adopt it without a copy (a recorder's reference
      // does not count: it copies before anyone writes).
      meta.grad = grad.implPtr();
    } else {
      meta.grad = grad.detach().clone().implPtr();
    }
  } else if (createGraph) {
    meta.grad = add(Tensor(meta.grad), grad).implPtr();
  } else {
    Tensor existing(meta.grad);
    if (existing.isContiguous() && existing.dtype() == grad.dtype() && existing.shape() == grad.shape()) {
      // Accumulate in place with the add kernel: no allocation, nothing on the tape.
      Tensor inputs[2] = {existing, grad};
      // A recorder holding the old gradient takes its memory; the sum reads it from there.
      if (std::shared_ptr<Storage> previous = existing.storage().aboutToWrite(detail::coversStorage(existing))) {
        for (Tensor& input : inputs)  // grad may share existing's memory (a hook returning p.grad)
          if (input.impl()->storage == existing.impl()->storage) input = detail::onStorage(input, previous);
      }
      runKernel(OpId::Add, inputs, 2, &existing, 1, OpAttrs{});
      existing.storage().bumpVersion("accumulate_grad", entry.loc);
    } else {
      NoGradGuard noGrad;
      existing.add_(grad.detach());
    }
  }
  return {};
}

// --- GradContext -------------------------------------------------------------------
Tensor GradContext::input(std::size_t i) const {
  const DerivativeRow& row = derivativeRow(m_node.entry.op);
  TD_ASSERT(row.saveInputs & (1u << i), "input ", i, " of ", opName(m_node.entry.op), " is not saved");
  return m_node.unpack(static_cast<std::size_t>(std::popcount(static_cast<unsigned>(row.saveInputs & ((1u << i) - 1)))));
}

Tensor GradContext::result() const {
  const DerivativeRow& row = derivativeRow(m_node.entry.op);
  TD_ASSERT(row.saveResult, "the result of ", opName(m_node.entry.op), " is not saved");
  return m_node.unpack(static_cast<std::size_t>(std::popcount(static_cast<unsigned>(row.saveInputs))));
}

Tensor GradContext::extra(std::size_t k) const {
  const DerivativeRow& row = derivativeRow(m_node.entry.op);
  std::size_t base = static_cast<std::size_t>(std::popcount(static_cast<unsigned>(row.saveInputs))) +
                     (row.saveResult ? 1 : 0);
  return m_node.saved[base + k].tensor;
}

const IntList& GradContext::inputShape(std::size_t i) const { return m_node.inputs[i].shape; }
DType GradContext::inputType(std::size_t i) const { return m_node.inputs[i].dtype; }
bool GradContext::needs(std::size_t i) const { return i < m_node.inputs.size() && m_node.inputs[i].needsGrad; }
std::size_t GradContext::numInputs() const { return m_node.inputs.size(); }
const OpAttrs& GradContext::attrs() const { return m_node.entry.attrs; }

namespace detail {

Edge gradientEdge(const Tensor& t) {
  AutogradMeta& meta = t.impl()->meta();
  if (meta.gradFn) return Edge{meta.gradFn, meta.outputNr};
  if (!meta.accumulator) meta.accumulator = std::make_shared<AccumulateNode>(t.implPtr());
  return Edge{meta.accumulator, 0};
}

Tensor sumToShape(const Tensor& grad, const IntList& shape) {
  if (!grad.defined() || grad.shape() == shape) return grad;
  int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  IntList dims;
  for (int64_t d = 0; d < grad.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && grad.shape()[d] != 1)) dims.push_back(d);
  Tensor out = dims.empty() ? grad : sum(grad, dims, true);
  return out.shape() == shape ? out : out.reshape(shape);
}

Tensor runTensorHooks(Node& node, uint32_t outputNr, Tensor grad) {
  if (!grad.defined()) return grad;
  for (auto& [handle, entry] : node.hooks) {
    if (entry.first != outputNr) continue;
    Tensor replaced = entry.second(grad);
    if (replaced.defined()) grad = replaced;
  }
  for (auto& [nr, weak] : node.retained) {
    if (nr != outputNr) continue;
    if (auto impl = weak.lock()) impl->meta().grad = grad.detach().clone().implPtr();
  }
  return grad;
}

}  // namespace detail
std::optional<GradFnInfo> gradFnInfo(const Tensor& t) {
  if (!t.defined() || !t.gradFn()) return std::nullopt;
  const Node& node = *t.gradFn();
  return GradFnInfo{node.name(), node.entry.op, node.entry.id};
}

}  // namespace td
