// Backward: collect the nodes reachable from the roots and replay them in reverse
// record order (descending entry id, a valid topological order), accumulators last.
#include <algorithm>
#include <cmath>

#include "autograd/Node.h"
#include "autograd/Recording.h"
#include "ops/OpUtils.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace td {

namespace {
std::atomic<int> g_anomalyGuards{0};
}  // namespace

AnomalyMode::AnomalyMode() {
  g_anomalyGuards.fetch_add(1);
  detail::g_slowPathUsers.fetch_add(1);
}
AnomalyMode::~AnomalyMode() {
  g_anomalyGuards.fetch_sub(1);
  detail::g_slowPathUsers.fetch_sub(1);
}
bool AnomalyMode::enabled() { return g_anomalyGuards.load(std::memory_order_relaxed) > 0; }

namespace {

std::atomic<uint64_t> g_backwardEpoch{0};

/// Runs the graph task. With captures, the gradients reaching them are returned and
/// leaves are not accumulated (autograd::grad); without, leaves accumulate (backward).
/// Nodes keep their visit mark and gradient buffer (tagged with this run's epoch), so a
/// run allocates no maps. Two threads must not run backward through the same nodes at once
/// (leaf accumulators are shared by every graph that uses the leaf), and a backward cannot
/// start inside another on the same thread (checked).
std::vector<Tensor> runBackward(const std::vector<Tensor>& roots, const std::vector<Tensor>& rootGrads,
                                bool retainGraph, bool createGraph, const std::vector<Edge>* captureEdges) {
  thread_local int t_running = 0;
  TD_CHECK(t_running == 0, "backward",
           "starting a backward inside a hook or formula of another backward is not supported yet");
  struct Running {
    detail::RecordState& state = detail::recordState();
    bool gradCall = state.gradCall;
    explicit Running(bool capturing) {
      ++t_running;
      state.gradCall = capturing;  // what observers ask through Tape::inGradCall
    }
    ~Running() {
      --t_running;
      state.gradCall = gradCall;
    }
  } running(captureEdges != nullptr);
  const uint64_t epoch = g_backwardEpoch.fetch_add(1) + 1;
  std::vector<Edge> rootEdges;
  for (const Tensor& r : roots) rootEdges.push_back(detail::gradientEdge(r));

  // Collect every node reachable from the roots.
  std::vector<Node*> order;
  std::vector<Node*> stack;
  auto visit = [&](Node* n) {
    if (n == nullptr || n->visitEpoch == epoch) return;
    n->visitEpoch = epoch;
    stack.push_back(n);
  };
  for (const Edge& e : rootEdges) visit(e.node.get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    order.push_back(n);
    for (std::size_t i = 0; i < n->nextEdges.size(); ++i) visit(n->nextEdges[i].node.get());
  }
  std::sort(order.begin(), order.end(), [](Node* a, Node* b) { return a->entry.id > b->entry.id; });

  auto deliver = [&](const Edge& edge, Tensor grad) {
    Node* target = edge.node.get();
    if (target == nullptr || !grad.defined()) return;
    if (target->bufferEpoch != epoch) {
      target->bufferEpoch = epoch;
      target->gradBuffer.clear();
      target->gradBuffer.resize(target->outputsMeta.size());
    }
    Tensor& slot = target->gradBuffer[edge.outputNr];
    slot = slot.defined() ? add(slot, grad) : std::move(grad);
  };
  for (std::size_t i = 0; i < roots.size(); ++i) deliver(rootEdges[i], rootGrads[i]);

  std::vector<Tensor> captured(captureEdges ? captureEdges->size() : 0);
  bool observe = Tape::hasObservers() && !detail::recordState().unobserved;
  // Everything backward runs (formulas, gradient sums, zero fills) belongs to a backward
  // step: observers see it through onBackwardStep, not onForward.
  detail::RecordState& state = detail::recordState();
  struct Restore {
    detail::RecordState& state;
    bool inFormula;
    uint64_t owner;
    ~Restore() {
      state.inFormula = inFormula;
      state.formulaOwner = owner;
    }
  } restore{state, state.inFormula, state.formulaOwner};
  state.inFormula = true;
  const SourceLoc callLoc = currentSourceLoc();
  detail::CallContext& context = detail::callContext();
  struct RestoreLoc {
    detail::CallContext& context;
    SourceLoc loc;
    ~RestoreLoc() { context.loc = loc; }
  } restoreLoc{context, context.loc};
  if (observe) detail::notifyBackwardBegin(roots);
  // On any exit: observers hear the end, and gradients left on nodes (after a throw) go.
  struct Finish {
    const std::vector<Node*>& order;
    uint64_t epoch;
    bool observe;
    ~Finish() {
      for (Node* n : order)
        if (n->bufferEpoch == epoch) {
          n->bufferEpoch = 0;
          n->gradBuffer.clear();
        }
      if (observe) detail::notifyBackwardEnd();
    }
  } finish{order, epoch, observe};

  std::vector<Tensor> observedGrads;
  for (Node* node : order) {
    if (node->bufferEpoch != epoch) continue;  // no gradient reached it
    node->bufferEpoch = 0;
    std::vector<Tensor> grads = std::move(node->gradBuffer);
    node->gradBuffer = std::vector<Tensor>();
    grads.resize(node->outputsMeta.size());
    bool isAccumulator = node->entry.id == 0;
    for (std::size_t k = 0; k < grads.size(); ++k) {
      if (!node->hooks.empty() || !node->retained.empty())
        grads[k] = detail::runTensorHooks(*node, static_cast<uint32_t>(k), grads[k]);
      if (captureEdges)
        for (std::size_t c = 0; c < captureEdges->size(); ++c)
          if ((*captureEdges)[c].node.get() == node && (*captureEdges)[c].outputNr == k) captured[c] = grads[k];
    }
    if (isAccumulator && captureEdges) continue;
    if (!isAccumulator)
      for (std::size_t k = 0; k < grads.size(); ++k)
        if (!grads[k].defined())
          grads[k] = zeros(node->outputsMeta[k].shape, TensorOptions(node->outputsMeta[k].dtype));

    std::vector<Tensor> gradInputs;
    {
      if (node->released)
        throw Error(detail::concat(
            "backward: trying to backward through the graph a second time (", opName(node->entry.op), " at ",
            node->entry.loc.str(), "): its saved tensors were freed after the first backward; pass "
            "retainGraph=true (retain_graph=True) to the first backward (at ", callLoc.str(), ")"));
      GradMode::setEnabled(createGraph);
      state.formulaOwner = node->entry.id;
      // Ops a formula runs carry the forward op's line (errors there name it).
      ApiScope api(node->entry.loc);
      context.loc = node->entry.loc;
      // Observers see a step's incoming gradients after it ran: a copy of the handles (in a
      // vector reused from step to step), but not for a leaf's accumulator (no step is
      // reported for it), which adopts a gradient nobody else holds instead of cloning it.
      if (observe && !isAccumulator) observedGrads.assign(grads.begin(), grads.end());
      gradInputs = node->apply(std::move(grads), createGraph);
    }
    if (isAccumulator) continue;

    if (AnomalyMode::enabled())
      for (const Tensor& g : gradInputs)
        if (detail::hasNonFinite(g))
          throw Error(detail::concat("anomaly: the backward of ", opName(node->entry.op), " (forward at ",
                                     node->entry.loc.str(), ") produced NaN or Inf in its gradient (",
                                     detail::describe(g), ")"));
    if (observe) {
      BackwardStep step{&observedGrads, &gradInputs};
      detail::notifyBackwardStep(node->entry, step);
      observedGrads.clear();  // (keeps its capacity)
    }
    if (!retainGraph) node->releaseSaved();
    for (std::size_t i = 0; i < gradInputs.size() && i < node->nextEdges.size(); ++i)
      deliver(node->nextEdges[i], std::move(gradInputs[i]));
  }
  return captured;
}

/// Checks roots and builds their seed gradients.
std::vector<Tensor> seedGrads(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads, const char* op) {
  TD_CHECK(!roots.empty(), op, "no tensors to differentiate");
  TD_CHECK(grads.empty() || grads.size() == roots.size(), op, "got ", grads.size(), " gradients for ", roots.size(),
           " tensors");
  std::vector<Tensor> seeds;
  for (std::size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    detail::checkDefined(r, op, "tensors");
    TD_CHECK(r.requiresGrad(), op, "element ", i, " of tensors does not require grad and has no grad_fn (",
             detail::describe(r), ")");
    Tensor g = grads.empty() ? Tensor() : grads[i];
    if (!g.defined()) {
      TD_CHECK(r.numel() == 1, op, "grad can be implicitly created only for scalar outputs, got ",
               detail::describe(r), "; pass a gradient of the same shape");
      g = onesLike(r);
    } else {
      TD_CHECK(g.shape() == r.shape(), op, "gradient of shape ", shapeString(g.shape()),
               " does not match tensor of shape ", shapeString(r.shape()));
    }
    seeds.push_back(g);
  }
  return seeds;
}

struct GradModeRestore {
  bool previous = GradMode::enabled();
  ~GradModeRestore() { GradMode::setEnabled(previous); }
};

}  // namespace

namespace autograd {

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads, bool retainGraph, bool createGraph,
              SourceLoc loc) {
  ApiScope api(loc);
  GradModeRestore restore;
  std::vector<Tensor> seeds = seedGrads(roots, grads, "backward");
  struct Done {
    ~Done() { detail::noteBackwardReturned(); }
  } done;
  runBackward(roots, seeds, retainGraph || createGraph, createGraph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& gradOutputs, std::optional<bool> retainGraph, bool createGraph,
                         bool allowUnused, SourceLoc loc) {
  ApiScope api(loc);
  GradModeRestore restore;
  std::vector<Tensor> seeds = seedGrads(outputs, gradOutputs, "grad");
  std::vector<Edge> captureEdges;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    detail::checkDefined(inputs[i], "grad", "inputs");
    TD_CHECK(inputs[i].requiresGrad(), "grad", "input ", i, " does not require grad (", detail::describe(inputs[i]),
             ")");
    captureEdges.push_back(detail::gradientEdge(inputs[i]));
  }
  struct Done {
    ~Done() { detail::noteBackwardReturned(); }
  } done;
  std::vector<Tensor> result =
      runBackward(outputs, seeds, retainGraph.value_or(createGraph), createGraph, &captureEdges);
  for (std::size_t i = 0; i < result.size(); ++i) {
    TD_CHECK(result[i].defined() || allowUnused, "grad", "input ", i, " (", detail::describe(inputs[i]),
             ") was not used to compute the outputs; pass allowUnused=true to get an undefined gradient");
    if (result[i].defined() && !createGraph) result[i] = result[i].detach();
  }
  return result;
}

}  // namespace autograd
}  // namespace td
