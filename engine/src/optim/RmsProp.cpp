// RMSprop: PyTorch's single-tensor update (plain, centered, with momentum): one fused
// pass over contiguous CPU memory, else written with in-place engine ops.
#include "tapedeck/optim/RmsProp.h"

#include <cmath>

#include "optim/FusedUpdate.h"
#include "tapedeck/ops/Ops.h"

namespace td::optim {

namespace {

/// The numbers of one update (see RmsProp::update).
struct RmsPropStep {
  double alpha, weightDecay, eps, momentum, negativeLr;
};

/// The update in one pass: the op-by-op path's arithmetic, in its order and precision.
/// `gradAvg` when centered, `momentumBuffer` with momentum, else null. (Flags are template
/// arguments and pointers restrict-qualified, so the loop vectorises.)
template <typename T, bool Centered, bool Momentum>
void fusedRmsProp(T* __restrict param, const T* __restrict grad, T* __restrict squareAvg, T* __restrict gradAvg,
                  T* __restrict momentumBuffer, int64_t n, const RmsPropStep& s) {
  const T alpha = static_cast<T>(s.alpha), oneMinusAlpha = static_cast<T>(1.0 - s.alpha);
  const T weightDecay = static_cast<T>(s.weightDecay), eps = static_cast<T>(s.eps);
  const T momentum = static_cast<T>(s.momentum), negativeLr = static_cast<T>(s.negativeLr);
  const bool decay = s.weightDecay != 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const T p = param[i];
    T g = grad[i];
    if (decay) g = g + p * weightDecay;
    const T sq = squareAvg[i] * alpha + oneMinusAlpha * (g * g);
    squareAvg[i] = sq;
    T average;
    if constexpr (Centered) {
      const T ga = gradAvg[i] * alpha + oneMinusAlpha * g;
      gradAvg[i] = ga;
      average = std::sqrt(sq - ga * ga);
    } else {
      average = std::sqrt(sq);
    }
    average = average + eps;
    T step = g / average;
    if constexpr (Momentum) {
      step = momentumBuffer[i] * momentum + step;
      momentumBuffer[i] = step;
    }
    param[i] = p + negativeLr * step;
  }
}

template <typename T>
void fusedRmsPropAny(T* param, const T* grad, T* squareAvg, T* gradAvg, T* momentumBuffer, int64_t n,
                     const RmsPropStep& s) {
  if (gradAvg != nullptr) {
    momentumBuffer != nullptr ? fusedRmsProp<T, true, true>(param, grad, squareAvg, gradAvg, momentumBuffer, n, s)
                              : fusedRmsProp<T, true, false>(param, grad, squareAvg, gradAvg, momentumBuffer, n, s);
  } else {
    momentumBuffer != nullptr ? fusedRmsProp<T, false, true>(param, grad, squareAvg, gradAvg, momentumBuffer, n, s)
                              : fusedRmsProp<T, false, false>(param, grad, squareAvg, gradAvg, momentumBuffer, n, s);
  }
}

}  // namespace

RmsProp::RmsProp(std::vector<Tensor> parameters, RmsPropOptions options)
    : Optimizer("RMSprop", std::move(parameters), options.lr), m_options(options) {
  TD_CHECK(options.eps >= 0.0, "RMSprop", "invalid epsilon ", options.eps);
  TD_CHECK(options.alpha >= 0.0, "RMSprop", "invalid alpha ", options.alpha);
  TD_CHECK(options.momentum >= 0.0, "RMSprop", "invalid momentum ", options.momentum);
  TD_CHECK(options.weightDecay >= 0.0, "RMSprop", "invalid weight decay ", options.weightDecay);
  registerHyperparameter("alpha", &m_options.alpha);
  registerHyperparameter("eps", &m_options.eps);
  registerHyperparameter("weight_decay", &m_options.weightDecay);
  registerHyperparameter("momentum", &m_options.momentum);
  registerHyperparameter("centered", &m_options.centered);
}

void RmsProp::update(Tensor& parameter, const Tensor& grad, ParamState& state) {
  const RmsPropOptions& o = m_options;
  Tensor squareAvg = zerosBuffer(state, "square_avg", parameter);
  Tensor gradAvg = o.centered ? zerosBuffer(state, "grad_avg", parameter) : Tensor();
  Tensor momentum = o.momentum > 0.0 ? zerosBuffer(state, "momentum_buffer", parameter) : Tensor();
  if (detail::fusable(parameter, grad, {&squareAvg, &gradAvg, &momentum})) {
    const RmsPropStep step{o.alpha, o.weightDecay, o.eps, o.momentum, -lr()};
    detail::writeFused({&parameter, &squareAvg, &gradAvg, &momentum}, "RMSprop", [&] {
      TD_DISPATCH_FLOATING(parameter.dtype(), "RMSprop", [&] {
        fusedRmsPropAny<scalar_t>(parameter.data<scalar_t>(), grad.data<scalar_t>(), squareAvg.data<scalar_t>(),
                                  gradAvg.defined() ? gradAvg.data<scalar_t>() : nullptr,
                                  momentum.defined() ? momentum.data<scalar_t>() : nullptr, parameter.numel(), step);
      });
    });
    return;
  }
  // Any other layout or device: op by op.
  Tensor g = grad;
  if (o.weightDecay != 0.0) g = add(g, mul(parameter, o.weightDecay));
  squareAvg.mul_(o.alpha);
  squareAvg.add_(mul(g, g), 1.0 - o.alpha);
  Tensor average;
  if (o.centered) {
    gradAvg.mul_(o.alpha);
    gradAvg.add_(g, 1.0 - o.alpha);
    average = sqrt(sub(squareAvg, mul(gradAvg, gradAvg)));
  } else {
    average = sqrt(squareAvg);
  }
  average.add_(o.eps);
  if (o.momentum > 0.0) {
    momentum.mul_(o.momentum);
    momentum.add_(div(g, average));
    parameter.add_(momentum, -lr());
  } else {
    parameter.add_(div(g, average), -lr());
  }
}

}  // namespace td::optim
