#pragma once
// Autograd graph nodes (internal). A node is owned by the tensors it produced and
// by the nodes downstream of it, so the graph dies with its tensors. Each op node
// carries its TapeEntry: backward replays entries in reverse record order.
#include <memory>
#include <utility>
#include <vector>

#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/autograd/Tape.h"
#include "core/InlineVector.h"
#include "tapedeck/core/Tensor.h"

namespace td {

class Node;

/// Where a gradient goes: input slot `inputNr` of `node` (the node's output number).
struct Edge {
  std::shared_ptr<Node> node;
  uint32_t outputNr = 0;
};

/// A tensor kept for backward, with the version it had when saved.
struct SavedTensor {
  Tensor tensor;         // inputs: the tensor; outputs: a detached alias (no cycle)
  uint64_t version = 0;
  bool isOutput = false;
  uint32_t outputNr = 0;
};

struct InputMeta {
  IntList shape;
  DType dtype = DType::Float32;
  bool needsGrad = false;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  /// Gradients w.r.t. the inputs (one per nextEdges slot; undefined where not needed).
  virtual std::vector<Tensor> apply(std::vector<Tensor>&& gradOutputs, bool createGraph) = 0;
  /// "MulBackward0"-style name.
  virtual std::string name() const;
  /// Frees what backward needed (after a backward without retainGraph).
  virtual void releaseSaved() {}

  TapeEntry entry;                 // id 0 for accumulators (they run last)
  detail::InlineVector<Edge, 3> nextEdges;  // one per input
  detail::InlineVector<InputMeta, 1> outputsMeta;  // shape and dtype of each output (for zero grads)
  // Backward's scratch: which run last visited this node and the gradients it collected.
  uint64_t visitEpoch = 0;
  uint64_t bufferEpoch = 0;
  std::vector<Tensor> gradBuffer;
  std::vector<std::pair<int, std::pair<uint32_t, TensorHook>>> hooks;  // (handle, (outputNr, hook))
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained;  // retain_grad targets
  bool released = false;

  static int64_t liveCount();
};

class OpNode : public Node {
 public:
  std::vector<Tensor> apply(std::vector<Tensor>&& gradOutputs, bool createGraph) override;
  std::string name() const override;
  void releaseSaved() override {
    if (saved.empty()) return;
    saved.clear();
    released = true;
  }

  detail::InlineVector<SavedTensor, 3> saved;
  detail::InlineVector<InputMeta, 3> inputs;
  /// Returns saved tensor i, checking that no in-place op changed it since it was saved.
  Tensor unpack(std::size_t i);
};

class AccumulateNode : public Node {
 public:
  explicit AccumulateNode(const std::shared_ptr<TensorImpl>& leaf);
  ~AccumulateNode() override;
  std::vector<Tensor> apply(std::vector<Tensor>&& gradOutputs, bool createGraph) override;
  std::string name() const override { return "AccumulateGrad"; }
  std::weak_ptr<TensorImpl> leaf;
};

/// The node of a user-defined function: its backward is the user's.
class CustomNode : public Node {
 public:
  std::vector<Tensor> apply(std::vector<Tensor>&& gradOutputs, bool createGraph) override;
  std::string name() const override { return functionName + "Backward"; }
  void releaseSaved() override {
    backward = nullptr;  // drops what the function's context saved
    released = true;
  }

  std::string functionName;
  autograd::FunctionBackward backward;
  detail::InlineVector<InputMeta, 3> inputs;
};

namespace detail {
/// The edge a gradient for `t` should flow to (its gradFn, or its leaf accumulator).
Edge gradientEdge(const Tensor& t);
/// Reduces `grad` by summation to `shape` (undoes broadcasting).
Tensor sumToShape(const Tensor& grad, const IntList& shape);
/// Applies hooks registered on outputNr of `node`, and fills retained grads.
Tensor runTensorHooks(Node& node, uint32_t outputNr, Tensor grad);
}  // namespace detail

}  // namespace td
