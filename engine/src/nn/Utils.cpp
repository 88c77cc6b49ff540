// Gradient clipping.
#include "tapedeck/nn/Utils.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace td::nn {

namespace {

/// The defined gradients of `parameters`, each parameter once.
std::vector<Tensor> gradients(const std::vector<Tensor>& parameters) {
  std::vector<Tensor> grads;
  std::unordered_set<const TensorImpl*> seen;
  for (const Tensor& p : parameters) {
    if (!p.defined() || !seen.insert(p.impl()).second) continue;
    Tensor g = p.grad();
    if (g.defined()) grads.push_back(std::move(g));
  }
  return grads;
}

}  // namespace

double clipGradNorm(const std::vector<Tensor>& parameters, double maxNorm, double normType) {
  TD_CHECK(maxNorm >= 0.0, "clipGradNorm", "max_norm must be non-negative, got ", maxNorm);
  TD_CHECK(normType > 0.0, "clipGradNorm", "norm_type must be positive, got ", normType);
  NoGradGuard noGrad;
  std::vector<Tensor> grads = gradients(parameters);
  if (grads.empty()) return 0.0;
  double total = 0.0;
  if (std::isinf(normType)) {
    for (const Tensor& g : grads)
      if (g.numel() > 0) total = std::max(total, amax(abs(g.to(DType::Float64))).item());
  } else {
    for (const Tensor& g : grads) {
      Tensor g64 = abs(g.to(DType::Float64));
      total += sum(normType == 2.0 ? mul(g64, g64) : pow(g64, normType)).item();
    }
    total = std::pow(total, 1.0 / normType);
  }
  double coefficient = maxNorm / (total + 1e-6);
  if (coefficient < 1.0)
    for (Tensor& g : grads) g.mul_(coefficient);
  return total;
}

void clipGradValue(const std::vector<Tensor>& parameters, double value) {
  TD_CHECK(value >= 0.0, "clipGradValue", "clip value must be non-negative, got ", value);
  NoGradGuard noGrad;
  for (Tensor& g : gradients(parameters)) g.clamp_(-value, value);
}

}  // namespace td::nn
