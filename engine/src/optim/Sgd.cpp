// SGD: PyTorch's single-tensor update: one fused pass over contiguous CPU memory, else
// written with in-place engine ops.
#include "tapedeck/optim/Sgd.h"

#include "optim/FusedUpdate.h"
#include "tapedeck/ops/Ops.h"

namespace td::optim {

namespace {

/// The numbers of one update (see Sgd::update).
struct SgdStep {
  double weightDecay;  ///< 0: none
  double momentum;
  double dampeningKeep;  ///< 1 - dampening
  double negativeLr;
  bool firstStep;  ///< the momentum buffer starts as the direction
  bool nesterov;
};

/// The update in one pass: the op-by-op path's arithmetic, in its order and precision.
/// (Flags are loop-invariant locals and pointers restrict-qualified, so the loop vectorises.)
template <typename T, bool Momentum>
void fusedSgd(T* __restrict param, const T* __restrict grad, T* __restrict buffer, int64_t n, const SgdStep& s) {
  const T weightDecay = static_cast<T>(s.weightDecay), momentum = static_cast<T>(s.momentum);
  const T keep = static_cast<T>(s.dampeningKeep), negativeLr = static_cast<T>(s.negativeLr);
  const bool decay = s.weightDecay != 0.0, first = s.firstStep, nesterov = s.nesterov;
  for (int64_t i = 0; i < n; ++i) {
    const T p = param[i];
    T d = grad[i];
    if (decay) d = d + p * weightDecay;
    if constexpr (Momentum) {
      const T b = first ? d : buffer[i] * momentum + keep * d;
      buffer[i] = b;
      d = nesterov ? d + b * momentum : b;
    }
    param[i] = p + negativeLr * d;
  }
}

}  // namespace

Sgd::Sgd(std::vector<Tensor> parameters, SgdOptions options)
    : Optimizer("SGD", std::move(parameters), options.lr), m_options(options) {
  TD_CHECK(options.momentum >= 0.0, "SGD", "invalid momentum ", options.momentum);
  TD_CHECK(options.weightDecay >= 0.0, "SGD", "invalid weight decay ", options.weightDecay);
  TD_CHECK(!options.nesterov || (options.momentum > 0.0 && options.dampening == 0.0), "SGD",
           "Nesterov momentum needs momentum > 0 and dampening = 0 (got momentum ", options.momentum,
           ", dampening ", options.dampening, ")");
  registerHyperparameter("momentum", &m_options.momentum);
  registerHyperparameter("dampening", &m_options.dampening);
  registerHyperparameter("weight_decay", &m_options.weightDecay);
  registerHyperparameter("nesterov", &m_options.nesterov);
}

void Sgd::update(Tensor& parameter, const Tensor& grad, ParamState& state) {
  {
    const bool withMomentum = m_options.momentum != 0.0;
    Tensor momentum = withMomentum ? buffer(state, "momentum_buffer") : Tensor();
    const bool firstStep = withMomentum && !momentum.defined();
    if (detail::fusable(parameter, grad, {&momentum})) {
      if (firstStep) momentum = buffer(state, "momentum_buffer") = zerosLike(parameter.detach());
      const SgdStep step{m_options.weightDecay, m_options.momentum, 1.0 - m_options.dampening, -lr(), firstStep,
                         m_options.nesterov};
      detail::writeFused({&parameter, &momentum}, "SGD", [&] {
        TD_DISPATCH_FLOATING(parameter.dtype(), "SGD", [&] {
          if (withMomentum) {
            fusedSgd<scalar_t, true>(parameter.data<scalar_t>(), grad.data<scalar_t>(), momentum.data<scalar_t>(),
                                     parameter.numel(), step);
          } else {
            fusedSgd<scalar_t, false>(parameter.data<scalar_t>(), grad.data<scalar_t>(), nullptr, parameter.numel(),
                                      step);
          }
        });
      });
      return;
    }
  }
  // Any other layout or device: op by op.
  Tensor direction = grad;
  if (m_options.weightDecay != 0.0) direction = add(direction, mul(parameter, m_options.weightDecay));
  if (m_options.momentum != 0.0) {
    Tensor& momentum = buffer(state, "momentum_buffer");
    if (!momentum.defined()) {
      momentum = direction.detach().clone();
    } else {
      momentum.mul_(m_options.momentum);
      momentum.add_(direction, 1.0 - m_options.dampening);
    }
    direction = m_options.nesterov ? add(direction, mul(momentum, m_options.momentum)) : momentum;
  }
  parameter.add_(direction, -lr());
}

}  // namespace td::optim
