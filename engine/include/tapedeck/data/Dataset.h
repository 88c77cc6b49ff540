#pragma once
// Datasets: indexed collections of (input, target) examples.
#include <cstdint>

#include "tapedeck/core/Tensor.h"

namespace td::data {

/// One example: an input tensor and its target (a 0-dim class index or value, usually).
struct Example {
  Tensor input;
  Tensor target;
};

/// An indexed collection of examples; get(i) for 0 <= i < size().
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  /// The i-th example; throws td::Error when i is out of range.
  virtual Example get(int64_t i) const = 0;
};

/// Examples are slices along the first dimension of `inputs` and `targets`, which must
/// have the same (non-zero-dim) first size. The tensors are shared, not copied.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor inputs, Tensor targets);
  int64_t size() const override;
  Example get(int64_t i) const override;
  const Tensor& inputs() const { return m_inputs; }
  const Tensor& targets() const { return m_targets; }

 private:
  Tensor m_inputs;
  Tensor m_targets;
};

}  // namespace td::data
