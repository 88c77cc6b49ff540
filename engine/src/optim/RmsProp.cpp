// RMSprop: PyTorch's single-tensor update (plain, centered, with momentum): one fused
// pass over contiguous CPU memory, else written with in-place engine ops.
#include "tapedeck/optim/RmsProp.h"

#include <cmath>
#include <type_traits>

#include "optim/FusedUpdate.h"
#include "tapedeck/ops/Ops.h"

namespace td::optim {

namespace {

/// The numbers of one update (see RmsProp::update).
struct RmsPropStep {
  double alpha, weightDecay, eps, momentum, negativeLr;
};

/// One element's update from its old values (p, the averages, the momentum buffer's b):
/// the op-by-op path's arithmetic, in its order and precision.
template <typename T, bool Centered, bool Momentum>
inline void rmsPropElement(T p, T g, T sq, T ga, T b, const RmsPropStep& s, T& pNew, T& sqNew, T& gaNew, T& bNew) {
  const T alpha = static_cast<T>(s.alpha), oneMinusAlpha = static_cast<T>(1.0 - s.alpha);
  if (s.weightDecay != 0.0) g = g + p * static_cast<T>(s.weightDecay);
  sq = sq * alpha + oneMinusAlpha * (g * g);
  sqNew = sq;
  T average;
  if constexpr (Centered) {
    ga = ga * alpha + oneMinusAlpha * g;
    gaNew = ga;
    average = std::sqrt(sq - ga * ga);
  } else {
    average = std::sqrt(sq);
  }
  average = average + static_cast<T>(s.eps);
  T step = g / average;
  if constexpr (Momentum) {
    step = b * static_cast<T>(s.momentum) + step;
    bNew = step;
  }
  pNew = p + static_cast<T>(s.negativeLr) * step;
}

/// Where one update reads and writes (see AdamIo in Adam.cpp): `gradAvg` when centered,
/// `momentumBuffer` with momentum, else null; the `*Old` values apart once a recorder moved
/// some of the memory (FusedSources), else null.
template <typename T>
struct RmsPropIo {
  T* param;
  const T* grad;
  T* squareAvg;
  T* gradAvg;
  T* momentumBuffer;
  const T* paramOld;
  const T* squareAvgOld;
  const T* gradAvgOld;
  const T* momentumBufferOld;
};

/// The update in one pass, in place (`FromOld` false) or reading the old values from apart.
/// (Flags are template arguments and pointers restrict-qualified, so the loop vectorises.)
template <typename T, bool Centered, bool Momentum, bool FromOld>
void fusedRmsProp(T* __restrict param, const T* __restrict grad, T* __restrict squareAvg, T* __restrict gradAvg,
                  T* __restrict momentumBuffer, const T* __restrict paramOld, const T* __restrict squareAvgOld,
                  const T* __restrict gradAvgOld, const T* __restrict momentumBufferOld, int64_t n,
                  const RmsPropStep& s) {
  for (int64_t i = 0; i < n; ++i) {
    const T p = FromOld ? paramOld[i] : param[i];
    const T sq = FromOld ? squareAvgOld[i] : squareAvg[i];
    T ga = T(0), b = T(0);
    if constexpr (Centered) ga = FromOld ? gradAvgOld[i] : gradAvg[i];
    if constexpr (Momentum) b = FromOld ? momentumBufferOld[i] : momentumBuffer[i];
    T pNew, sqNew, gaNew, bNew;
    rmsPropElement<T, Centered, Momentum>(p, grad[i], sq, ga, b, s, pNew, sqNew, gaNew, bNew);
    squareAvg[i] = sqNew;
    if constexpr (Centered) gradAvg[i] = gaNew;
    if constexpr (Momentum) momentumBuffer[i] = bNew;
    param[i] = pNew;
  }
}

template <typename T, bool FromOld>
void fusedRmsPropAny(const RmsPropIo<T>& io, int64_t n, const RmsPropStep& s) {
  const bool centered = io.gradAvg != nullptr, momentum = io.momentumBuffer != nullptr;
  auto run = [&](auto centeredFlag, auto momentumFlag) {
    // (In place, no pointer stands for the old values: the restrict-qualified ones never alias.)
    fusedRmsProp<T, decltype(centeredFlag)::value, decltype(momentumFlag)::value, FromOld>(
        io.param, io.grad, io.squareAvg, io.gradAvg, io.momentumBuffer, FromOld ? io.paramOld : nullptr,
        FromOld ? io.squareAvgOld : nullptr, FromOld ? io.gradAvgOld : nullptr,
        FromOld ? io.momentumBufferOld : nullptr, n, s);
  };
  if (centered) {
    momentum ? run(std::true_type{}, std::true_type{}) : run(std::true_type{}, std::false_type{});
  } else {
    momentum ? run(std::false_type{}, std::true_type{}) : run(std::false_type{}, std::false_type{});
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
    // A recorder holding the parameter or its state may move their memory instead of
    // copying it: the pass then reads the old values from `old` and fills fresh memory.
    detail::writeFusedFrom({&parameter, &squareAvg, &gradAvg, &momentum}, "RMSprop",
                           [&](const detail::FusedSources& old) {
      TD_DISPATCH_FLOATING(parameter.dtype(), "RMSprop", [&] {
        const RmsPropIo<scalar_t> io{parameter.data<scalar_t>(),
                                     grad.data<scalar_t>(),
                                     squareAvg.data<scalar_t>(),
                                     gradAvg.defined() ? gradAvg.data<scalar_t>() : nullptr,
                                     momentum.defined() ? momentum.data<scalar_t>() : nullptr,
                                     old.of<scalar_t>(0),
                                     old.of<scalar_t>(1),
                                     gradAvg.defined() ? old.of<scalar_t>(2) : nullptr,
                                     momentum.defined() ? old.of<scalar_t>(3) : nullptr};
        if (old.anyMoved) fusedRmsPropAny<scalar_t, true>(io, parameter.numel(), step);
        else fusedRmsPropAny<scalar_t, false>(io, parameter.numel(), step);
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
