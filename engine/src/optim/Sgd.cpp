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

/// One element's update from its old values (p, and the momentum buffer's b): the op-by-op
/// path's arithmetic, in its order and precision.
template <typename T, bool Momentum>
inline void sgdElement(T p, T d, T b, const SgdStep& s, T& pNew, T& bNew) {
  const T weightDecay = static_cast<T>(s.weightDecay), momentum = static_cast<T>(s.momentum);
  const T keep = static_cast<T>(s.dampeningKeep), negativeLr = static_cast<T>(s.negativeLr);
  if (s.weightDecay != 0.0) d = d + p * weightDecay;
  if constexpr (Momentum) {
    b = s.firstStep ? d : b * momentum + keep * d;
    bNew = b;
    d = s.nesterov ? d + b * momentum : b;
  }
  pNew = p + negativeLr * d;
}

/// The update in one pass, in place (`FromOld` false) or reading the old values from apart
/// (`paramOld`, `bufferOld`: where a recorder moved them, or a copy; see FusedSources).
/// (Flags are loop-invariant and pointers restrict-qualified, so the loop vectorises.)
template <typename T, bool Momentum, bool FromOld>
void fusedSgd(T* __restrict param, const T* __restrict grad, T* __restrict buffer, const T* __restrict paramOld,
              const T* __restrict bufferOld, int64_t n, const SgdStep& s) {
  for (int64_t i = 0; i < n; ++i) {
    T b = T(0);
    if constexpr (Momentum) b = FromOld ? bufferOld[i] : buffer[i];
    T p, bn;
    sgdElement<T, Momentum>(FromOld ? paramOld[i] : param[i], grad[i], b, s, p, bn);
    if constexpr (Momentum) buffer[i] = bn;
    param[i] = p;
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
      // A recorder holding the parameter or its momentum may move their memory instead of
      // copying it: the pass then reads the old values from `old` and fills fresh memory.
      detail::writeFusedFrom({&parameter, &momentum}, "SGD", [&](const detail::FusedSources& old) {
        TD_DISPATCH_FLOATING(parameter.dtype(), "SGD", [&] {
          scalar_t* p = parameter.data<scalar_t>();
          scalar_t* b = withMomentum ? momentum.data<scalar_t>() : nullptr;
          const scalar_t* g = grad.data<scalar_t>();
          const int64_t n = parameter.numel();
          if (old.anyMoved) {
            const scalar_t* bOld = withMomentum ? old.of<scalar_t>(1) : nullptr;
            withMomentum ? fusedSgd<scalar_t, true, true>(p, g, b, old.of<scalar_t>(0), bOld, n, step)
                         : fusedSgd<scalar_t, false, true>(p, g, b, old.of<scalar_t>(0), bOld, n, step);
          } else {
            withMomentum ? fusedSgd<scalar_t, true, false>(p, g, b, nullptr, nullptr, n, step)
                         : fusedSgd<scalar_t, false, false>(p, g, b, nullptr, nullptr, n, step);
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
