#pragma once
// Parameter initialisation as torch.nn.init: each fills its tensor in place (under
// NoGradGuard, so it works on parameters) from the global generator (td::manualSeed),
// and returns it.
#include <cstdint>
#include <utility>

#include "tapedeck/core/Tensor.h"

namespace td::nn::init {

/// (fan_in, fan_out) of a weight of at least 2 dims: [out, in, kernel...].
std::pair<int64_t, int64_t> fans(const Tensor& weight);

Tensor& uniform_(Tensor& t, double low = 0.0, double high = 1.0);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0);
Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);
/// U(-bound, bound), bound = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a²)) (the
/// leaky-ReLU gain, fan-in mode). a = sqrt(5) gives bound = 1 / sqrt(fan_in), PyTorch's
/// default for Linear and Conv2d.
Tensor& kaimingUniform_(Tensor& t, double a = 0.0);
/// U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)).
Tensor& xavierUniform_(Tensor& t, double gain = 1.0);

}  // namespace td::nn::init
