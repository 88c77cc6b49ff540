#pragma once
// The derivatives table (internal): one row per primitive, in op-table order.
#include <cstdint>
#include <vector>

#include "tapedeck/core/Tensor.h"
#include "tapedeck/ops/OpTable.h"

namespace td {

class OpNode;

/// What a formula sees: the gradients of the outputs, saved tensors, input metadata.
class GradContext {
 public:
  GradContext(OpNode& node, std::vector<Tensor>& grads) : m_node(node), m_grads(grads) {}
  const Tensor& grad(std::size_t i = 0) const { return m_grads[i]; }
  std::size_t numGrads() const { return m_grads.size(); }
  /// Saved input `i` (the row must save it).
  Tensor input(std::size_t i) const;
  /// Saved output 0 (the row must save it).
  Tensor result() const;
  /// Saved kernel by-product k (max_pool2d's indices).
  Tensor extra(std::size_t k) const;
  const IntList& inputShape(std::size_t i) const;
  DType inputType(std::size_t i) const;
  bool needs(std::size_t i) const;
  std::size_t numInputs() const;
  const OpAttrs& attrs() const;

 private:
  OpNode& m_node;
  std::vector<Tensor>& m_grads;
};

using GradFormula = std::vector<Tensor> (*)(const GradContext&);

struct DerivativeRow {
  OpId op;
  const char* formula;   // readable, for learners: "grad * result"
  uint8_t saveInputs;    // bit i: input i is saved
  bool saveResult;
  bool twice;            // the formula is itself differentiable
  GradFormula fn;        // null: not differentiable
};

const DerivativeRow& derivativeRow(OpId op);

}  // namespace td
