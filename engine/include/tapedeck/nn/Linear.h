#pragma once
// Layers over the feature dims: Linear, Embedding, Flatten.
#include <cstdint>

#include "tapedeck/nn/Module.h"

namespace td::nn {

/// y = x Wᵀ + b over the last dim. weight [out, in] and bias [out] start U(-k, k),
/// k = 1/sqrt(in), as PyTorch.
class Linear : public Module {
 public:
  Linear(int64_t inFeatures, int64_t outFeatures, bool bias = true);
  std::string extraRepr() const override;
  int64_t inFeatures() const { return m_inFeatures; }
  int64_t outFeatures() const { return m_outFeatures; }
  const Tensor& weight() const { return m_weight; }
  /// Undefined without bias.
  const Tensor& bias() const { return m_bias; }

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  int64_t m_inFeatures, m_outFeatures;
  Tensor m_weight, m_bias;
};

/// Looks up rows of weight [numEmbeddings, embeddingDim] (starts N(0, 1)) by int64 index.
class Embedding : public Module {
 public:
  Embedding(int64_t numEmbeddings, int64_t embeddingDim);
  std::string extraRepr() const override;
  int64_t numEmbeddings() const { return m_numEmbeddings; }
  int64_t embeddingDim() const { return m_embeddingDim; }
  const Tensor& weight() const { return m_weight; }

 protected:
  Tensor forward(const Tensor& indices) override;

 private:
  int64_t m_numEmbeddings, m_embeddingDim;
  Tensor m_weight;
};

/// Flattens dims startDim..endDim into one (the batch dim stays by default).
class Flatten : public Module {
 public:
  explicit Flatten(int64_t startDim = 1, int64_t endDim = -1);
  std::string extraRepr() const override;

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  int64_t m_startDim, m_endDim;
};

}  // namespace td::nn
