// Activation layers and Dropout: each calls the functional op it wraps.
#include "tapedeck/nn/Activation.h"

#include "tapedeck/ops/Ops.h"

namespace td::nn {

Tensor ReLU::forward(const Tensor& x) { ApiScope api(callLocation()); return relu(x); }

std::string LeakyReLU::extraRepr() const { return td::detail::concat("negative_slope=", m_negativeSlope); }
Tensor LeakyReLU::forward(const Tensor& x) { ApiScope api(callLocation()); return leakyRelu(x, m_negativeSlope); }

Tensor GELU::forward(const Tensor& x) { ApiScope api(callLocation()); return gelu(x); }
Tensor Tanh::forward(const Tensor& x) { ApiScope api(callLocation()); return tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { ApiScope api(callLocation()); return sigmoid(x); }

std::string Softmax::extraRepr() const { return td::detail::concat("dim=", m_dim); }
Tensor Softmax::forward(const Tensor& x) { ApiScope api(callLocation()); return softmax(x, m_dim); }

Dropout::Dropout(double p) : Module("Dropout"), m_p(p) {
  TD_CHECK(p >= 0.0 && p <= 1.0, "Dropout", "probability must be in [0, 1], got ", p);
}

std::string Dropout::extraRepr() const { return td::detail::concat("p=", m_p, ", inplace=False"); }

Tensor Dropout::forward(const Tensor& x) { ApiScope api(callLocation()); return isTraining() ? dropout(x, m_p, true) : x; }

}  // namespace td::nn
