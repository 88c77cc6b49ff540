// Parameter initialisation (torch.nn.init), drawn from the global generator.
#include "tapedeck/nn/Init.h"

#include <cmath>

#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace td::nn::init {

std::pair<int64_t, int64_t> fans(const Tensor& weight) {
  TD_CHECK(weight.defined() && weight.dim() >= 2, "init",
           "fan in and fan out need a weight of at least 2 dims, got shape ",
           weight.defined() ? shapeString(weight.shape()) : std::string("(undefined)"));
  int64_t receptiveField = 1;
  for (int64_t d = 2; d < weight.dim(); ++d) receptiveField *= weight.shape()[d];
  return {weight.shape()[1] * receptiveField, weight.shape()[0] * receptiveField};
}

Tensor& uniform_(Tensor& t, double low, double high) {
  NoGradGuard noGrad;
  Tensor draw = rand(t.shape(), TensorOptions(t.dtype()));
  return t.copy_(add(mul(draw, high - low), low));
}

Tensor& normal_(Tensor& t, double mean, double std) {
  NoGradGuard noGrad;
  Tensor draw = randn(t.shape(), TensorOptions(t.dtype()));
  return t.copy_(add(mul(draw, std), mean));
}

Tensor& constant_(Tensor& t, double value) {
  NoGradGuard noGrad;
  return t.fill_(value);
}

Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

Tensor& kaimingUniform_(Tensor& t, double a) {
  double gain = std::sqrt(2.0 / (1.0 + a * a));
  double bound = gain * std::sqrt(3.0 / static_cast<double>(fans(t).first));
  return uniform_(t, -bound, bound);
}

Tensor& xavierUniform_(Tensor& t, double gain) {
  auto [fanIn, fanOut] = fans(t);
  double bound = gain * std::sqrt(6.0 / static_cast<double>(fanIn + fanOut));
  return uniform_(t, -bound, bound);
}

}  // namespace td::nn::init
