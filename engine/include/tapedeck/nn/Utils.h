#pragma once
// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_. Both work in
// place on the parameters' gradients (under no-grad) and skip parameters without one.
#include <vector>

#include "tapedeck/core/Tensor.h"

namespace td::nn {

/// Scales all gradients together so their joint normType-norm (over every element of
/// every gradient; normType may be INFINITY) is at most maxNorm. Returns the norm before
/// clipping. maxNorm ≥ 0, normType > 0.
double clipGradNorm(const std::vector<Tensor>& parameters, double maxNorm, double normType = 2.0);

/// Clamps every gradient element into [-value, value]. value ≥ 0.
void clipGradValue(const std::vector<Tensor>& parameters, double value);

}  // namespace td::nn
