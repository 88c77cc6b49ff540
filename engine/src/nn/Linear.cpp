// Linear, Embedding, Flatten.
#include "tapedeck/nn/Linear.h"

#include <cmath>

#include "Format.h"
#include "tapedeck/nn/Init.h"
#include "tapedeck/ops/Ops.h"

namespace td::nn {

Linear::Linear(int64_t inFeatures, int64_t outFeatures, bool bias)
    : Module("Linear"), m_inFeatures(inFeatures), m_outFeatures(outFeatures) {
  TD_CHECK(inFeatures > 0 && outFeatures > 0, "Linear", "features must be positive, got in_features=", inFeatures,
           ", out_features=", outFeatures);
  m_weight = registerParameter("weight", empty({outFeatures, inFeatures}));
  init::kaimingUniform_(m_weight, std::sqrt(5.0));
  if (bias) {
    m_bias = registerParameter("bias", empty({outFeatures}));
    double bound = 1.0 / std::sqrt(static_cast<double>(inFeatures));
    init::uniform_(m_bias, -bound, bound);
  }
}

std::string Linear::extraRepr() const {
  return td::detail::concat("in_features=", m_inFeatures, ", out_features=", m_outFeatures,
                            ", bias=", detail::pyBool(m_bias.defined()));
}

Tensor Linear::forward(const Tensor& x) { ApiScope api(callLocation()); return linear(x, m_weight, m_bias); }

Embedding::Embedding(int64_t numEmbeddings, int64_t embeddingDim)
    : Module("Embedding"), m_numEmbeddings(numEmbeddings), m_embeddingDim(embeddingDim) {
  TD_CHECK(numEmbeddings > 0 && embeddingDim > 0, "Embedding", "sizes must be positive, got ", numEmbeddings, ", ",
           embeddingDim);
  m_weight = registerParameter("weight", empty({numEmbeddings, embeddingDim}));
  init::normal_(m_weight);
}

std::string Embedding::extraRepr() const { return td::detail::concat(m_numEmbeddings, ", ", m_embeddingDim); }

Tensor Embedding::forward(const Tensor& indices) { ApiScope api(callLocation()); return embedding(m_weight, indices); }

Flatten::Flatten(int64_t startDim, int64_t endDim) : Module("Flatten"), m_startDim(startDim), m_endDim(endDim) {}

std::string Flatten::extraRepr() const {
  return td::detail::concat("start_dim=", m_startDim, ", end_dim=", m_endDim);
}

Tensor Flatten::forward(const Tensor& x) { ApiScope api(callLocation()); return x.flatten(m_startDim, m_endDim); }

}  // namespace td::nn
