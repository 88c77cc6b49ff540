#pragma once
// Float64 central-difference gradient checks: the full numerical Jacobian against
// the analytic one from td::autograd::grad (gradcheck), and the same check applied
// to the first derivative built with create_graph (gradgradcheck).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tapedeck/core/Tensor.h"

namespace tdtest {

using Inputs = std::vector<td::Tensor>;
using Outputs = std::vector<td::Tensor>;
/// The function under test: inputs to outputs (non-floating outputs are ignored by the checks).
using OpFunction = std::function<Outputs(const Inputs&)>;

struct GradCheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  /// Evaluate the numerical Jacobian under NoGradGuard (off when f itself differentiates).
  bool numericalUnderNoGrad = true;
};

/// Empty when every analytic Jacobian entry d out[k][j] / d in[i][a] matches the central
/// difference within atol + rtol * |numerical|; otherwise a description of the first mismatch.
/// Inputs are float64 where differentiable; the function must be deterministic.
std::string gradcheck(const OpFunction& f, const Inputs& inputs, const std::vector<bool>& differentiable,
                      const GradCheckOptions& options = {});

/// gradcheck of (inputs, v) -> autograd::grad(f(inputs), inputs, v, create_graph) with random
/// float64 cotangents v drawn from `seed`: checks second derivatives.
std::string gradgradcheck(const OpFunction& f, const Inputs& inputs, const std::vector<bool>& differentiable,
                          uint64_t seed, const GradCheckOptions& options = {});

/// A leaf with x's values and a non-contiguous layout (x itself when it has fewer than 2
/// elements): a transposed copy transposed back, or every other element of a larger buffer.
td::Tensor nonContiguousCopy(const td::Tensor& x);

}  // namespace tdtest
