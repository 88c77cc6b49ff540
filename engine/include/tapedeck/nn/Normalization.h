#pragma once
// Normalisation layers: LayerNorm, BatchNorm1d, BatchNorm2d.
#include <cstdint>

#include "tapedeck/nn/Module.h"

namespace td::nn {

/// Normalises over the trailing `normalizedShape` dims; weight ones, bias zeros.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(IntList normalizedShape, double eps = 1e-5, bool elementwiseAffine = true);
  explicit LayerNorm(int64_t normalizedSize, double eps = 1e-5, bool elementwiseAffine = true)
      : LayerNorm(IntList{normalizedSize}, eps, elementwiseAffine) {}
  std::string extraRepr() const override;
  /// Undefined without elementwise affine.
  const Tensor& weight() const { return m_weight; }
  const Tensor& bias() const { return m_bias; }

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  IntList m_shape;
  double m_eps;
  Tensor m_weight, m_bias;
};

/// Batch normalisation over channel dim 1. Training: normalises by the batch statistics
/// and, with trackRunningStats, updates running_mean/running_var (momentum, unbiased
/// variance) and counts num_batches_tracked. Eval: uses the running statistics (the
/// batch's when not tracking). Subclasses fix the input rank.
class BatchNorm : public Module {
 public:
  std::string extraRepr() const override;
  /// Undefined without affine.
  const Tensor& weight() const { return m_weight; }
  const Tensor& bias() const { return m_bias; }
  /// Undefined without trackRunningStats.
  const Tensor& runningMean() const { return m_runningMean; }
  const Tensor& runningVar() const { return m_runningVar; }
  const Tensor& numBatchesTracked() const { return m_numBatchesTracked; }

 protected:
  BatchNorm(std::string typeName, int64_t numFeatures, double eps, double momentum, bool affine,
            bool trackRunningStats);
  Tensor forward(const Tensor& x) override;
  /// Throws td::Error unless x has the subclass's rank.
  virtual void checkInput(const Tensor& x) const = 0;

 private:
  int64_t m_numFeatures;
  double m_eps, m_momentum;
  Tensor m_weight, m_bias, m_runningMean, m_runningVar, m_numBatchesTracked;
};

/// Over [N, C] or [N, C, L].
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true,
                       bool trackRunningStats = true)
      : BatchNorm("BatchNorm1d", numFeatures, eps, momentum, affine, trackRunningStats) {}

 protected:
  void checkInput(const Tensor& x) const override;
};

/// Over [N, C, H, W].
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true,
                       bool trackRunningStats = true)
      : BatchNorm("BatchNorm2d", numFeatures, eps, momentum, affine, trackRunningStats) {}

 protected:
  void checkInput(const Tensor& x) const override;
};

}  // namespace td::nn
