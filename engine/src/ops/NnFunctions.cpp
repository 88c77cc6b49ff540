// Functions of nn layers: dropout and normalisation.
#include "core/Generator.h"
#include "ops/OpUtils.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace td {
using namespace detail;

Tensor dropout(const Tensor& x, double p, bool training, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "dropout", "input");
  TD_CHECK(p >= 0.0 && p <= 1.0, "dropout", "probability must be in [0, 1], got ", p);
  if (!training || p == 0.0) return x;
  CompositeScope scope("dropout");
  checkFloating(x, "dropout");
  if (p == 1.0) return mul(x, 0.0);
  Tensor keep = lt(rand(x.shape(), TensorOptions(x.dtype())), 1.0 - p).to(x.dtype());
  return mul(x, mul(keep, 1.0 / (1.0 - p)));
}

Tensor layerNorm(const Tensor& x, const IntList& normalizedShape, const Tensor& weight, const Tensor& bias,
                 double eps, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("layer_norm");
  checkDefined(x, "layer_norm", "input");
  checkFloating(x, "layer_norm");
  int64_t k = static_cast<int64_t>(normalizedShape.size());
  TD_CHECK(k > 0 && k <= x.dim(), "layer_norm", "normalized_shape ", shapeString(normalizedShape),
           " does not fit input of shape ", shapeString(x.shape()));
  for (int64_t i = 0; i < k; ++i)
    TD_CHECK(x.shape()[x.dim() - k + i] == normalizedShape[i], "layer_norm", "normalized_shape ",
             shapeString(normalizedShape), " does not match the last dims of input of shape ",
             shapeString(x.shape()));
  IntList dims;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) dims.push_back(i);
  Tensor mu = mean(x, dims, true);
  Tensor centered = sub(x, mu);
  Tensor variance = mean(mul(centered, centered), dims, true);
  Tensor out = mul(centered, rsqrt(add(variance, eps)));
  if (weight.defined()) {
    TD_CHECK(weight.shape() == normalizedShape, "layer_norm", "weight of shape ", shapeString(weight.shape()),
             " does not match normalized_shape ", shapeString(normalizedShape));
    out = mul(out, weight);
  }
  if (bias.defined()) {
    TD_CHECK(bias.shape() == normalizedShape, "layer_norm", "bias of shape ", shapeString(bias.shape()),
             " does not match normalized_shape ", shapeString(normalizedShape));
    out = add(out, bias);
  }
  return out;
}

Tensor batchNorm(const Tensor& x, const Tensor& runningMean, const Tensor& runningVar, const Tensor& weight,
                 const Tensor& bias, bool training, double momentum, double eps, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("batch_norm");
  checkDefined(x, "batch_norm", "input");
  checkFloating(x, "batch_norm");
  TD_CHECK(x.dim() >= 2, "batch_norm", "input must be at least 2-D [N, C, ...], got ", shapeString(x.shape()));
  int64_t c = x.shape()[1];
  auto checkPerChannel = [&](const Tensor& t, const char* what) {
    if (t.defined())
      TD_CHECK(t.dim() == 1 && t.shape()[0] == c, "batch_norm", what, " of shape ", shapeString(t.shape()),
               " does not match ", c, " channels of input of shape ", shapeString(x.shape()));
  };
  checkPerChannel(runningMean, "running_mean");
  checkPerChannel(runningVar, "running_var");
  checkPerChannel(weight, "weight");
  checkPerChannel(bias, "bias");
  IntList dims{0}, channelShape(x.dim(), 1);
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  channelShape[1] = c;
  Tensor mu, variance;
  if (training) {
    int64_t count = x.numel() / std::max<int64_t>(c, 1);
    TD_CHECK(count != 1, "batch_norm", "expected more than 1 value per channel when training, got input of shape ",
             shapeString(x.shape()));
    mu = mean(x, dims, true);
    Tensor centered = sub(x, mu);
    variance = mean(mul(centered, centered), dims, true);
    if (runningMean.defined() && runningVar.defined()) {
      NoGradGuard noGrad;
      Tensor unbiased = mul(variance.detach().view({c}), count > 1 ? static_cast<double>(count) / (count - 1) : 1.0);
      Tensor& rm = const_cast<Tensor&>(runningMean);
      Tensor& rv = const_cast<Tensor&>(runningVar);
      rm.mul_(1.0 - momentum).add_(mu.detach().view({c}), momentum);
      rv.mul_(1.0 - momentum).add_(unbiased, momentum);
    }
  } else {
    TD_CHECK(runningMean.defined() && runningVar.defined(), "batch_norm",
             "running_mean and running_var are needed in eval mode");
    mu = runningMean.view(channelShape);
    variance = runningVar.view(channelShape);
  }
  Tensor out = mul(sub(x, mu), rsqrt(add(variance, eps)));
  if (weight.defined()) out = mul(out, weight.view(channelShape));
  if (bias.defined()) out = add(out, bias.view(channelShape));
  return out;
}

}  // namespace td
