// Adam and AdamW: PyTorch's single-tensor update with bias correction: one fused pass
// over contiguous CPU memory, else written with in-place engine ops.
#include "tapedeck/optim/Adam.h"

#include <cmath>

#include "optim/FusedUpdate.h"
#include "tapedeck/ops/Ops.h"

namespace td::optim {

namespace {

/// The numbers of one update (see Adam::update).
struct AdamStep {
  double beta1, beta2;
  double weightDecay;    ///< added to the gradient (coupled), or 0
  double keep;           ///< the parameter's factor before the step (decoupled weight decay), or 1
  double epsScaled;      ///< eps · √bc2
  double stepScale;      ///< -lr · √bc2 / bc1
};

/// The numbers of one update, as T.
template <typename T>
struct AdamConsts {
  explicit AdamConsts(const AdamStep& s)
      : beta1(static_cast<T>(s.beta1)), beta2(static_cast<T>(s.beta2)), oneMinusBeta1(static_cast<T>(1.0 - s.beta1)),
        oneMinusBeta2(static_cast<T>(1.0 - s.beta2)), weightDecay(static_cast<T>(s.weightDecay)),
        keep(static_cast<T>(s.keep)), eps(static_cast<T>(s.epsScaled)), scale(static_cast<T>(s.stepScale)) {}
  T beta1, beta2, oneMinusBeta1, oneMinusBeta2, weightDecay, keep, eps, scale;
};

/// One element's update from its old values (p, m, v, the amsgrad maximum): the op-by-op
/// path's arithmetic, in its order and precision, without its passes and temporaries.
template <typename T, bool Decay, bool Keep, bool AmsGrad>
inline void adamElement(T p, T g, T m, T v, T kept, const AdamConsts<T>& c, T& pNew, T& mNew, T& vNew, T& keptNew) {
  if constexpr (Keep) p = p * c.keep;
  if constexpr (Decay) g = g + p * c.weightDecay;
  mNew = m * c.beta1 + c.oneMinusBeta1 * g;
  v = v * c.beta2 + c.oneMinusBeta2 * (g * g);
  vNew = v;
  if constexpr (AmsGrad) {
    v = v != v || v > kept ? v : kept;  // NaN wins, as maximum()
    keptNew = v;
  }
  pNew = p + c.scale * (mNew / (std::sqrt(v) + c.eps));
}

/// Where one update reads and writes: the tensors' memory, and, once a recorder moved some
/// of it away (FusedSources), the old values apart from it (`*Old`).
template <typename T>
struct AdamIo {
  T* param;
  const T* grad;
  T* expAvg;
  T* expAvgSq;
  T* maxSq;  ///< amsgrad, else null
  const T* paramOld;
  const T* expAvgOld;
  const T* expAvgSqOld;
  const T* maxSqOld;
  bool fromOld;  ///< the old values are apart: read them from the *Old pointers
};

/// The update in one pass over contiguous CPU memory, in place (`FromOld` false) or reading
/// the old values from apart (where a recorder moved them). (Flags are template arguments
/// and pointers restrict-qualified, so the loop vectorises.)
template <typename T, bool Decay, bool Keep, bool AmsGrad, bool FromOld>
void fusedLoop(T* __restrict param, const T* __restrict grad, T* __restrict expAvg, T* __restrict expAvgSq,
               T* __restrict maxSq, const T* __restrict paramOld, const T* __restrict expAvgOld,
               const T* __restrict expAvgSqOld, const T* __restrict maxSqOld, int64_t n, const AdamConsts<T>& c) {
  for (int64_t i = 0; i < n; ++i) {
    T kept = T(0);
    if constexpr (AmsGrad) kept = FromOld ? maxSqOld[i] : maxSq[i];
    T p, m, v, k;
    adamElement<T, Decay, Keep, AmsGrad>(FromOld ? paramOld[i] : param[i], grad[i], FromOld ? expAvgOld[i] : expAvg[i],
                                         FromOld ? expAvgSqOld[i] : expAvgSq[i], kept, c, p, m, v, k);
    expAvg[i] = m;
    expAvgSq[i] = v;
    if constexpr (AmsGrad) maxSq[i] = k;
    param[i] = p;
  }
}

template <typename T, bool Decay, bool Keep, bool AmsGrad>
void adamPass(const AdamIo<T>& io, int64_t n, const AdamConsts<T>& c) {
  if (io.fromOld)
    fusedLoop<T, Decay, Keep, AmsGrad, true>(io.param, io.grad, io.expAvg, io.expAvgSq, io.maxSq, io.paramOld,
                                             io.expAvgOld, io.expAvgSqOld, io.maxSqOld, n, c);
  else
    fusedLoop<T, Decay, Keep, AmsGrad, false>(io.param, io.grad, io.expAvg, io.expAvgSq, io.maxSq, nullptr, nullptr,
                                              nullptr, nullptr, n, c);
}

template <typename T>
void fusedUpdate(const AdamIo<T>& io, int64_t n, const AdamStep& s) {
  const AdamConsts<T> c(s);
  const bool decay = s.weightDecay != 0.0, keep = s.keep != 1.0, amsgrad = io.maxSq != nullptr;
  if (decay) {
    amsgrad ? adamPass<T, true, false, true>(io, n, c) : adamPass<T, true, false, false>(io, n, c);
  } else if (keep) {
    amsgrad ? adamPass<T, false, true, true>(io, n, c) : adamPass<T, false, true, false>(io, n, c);
  } else {
    amsgrad ? adamPass<T, false, false, true>(io, n, c) : adamPass<T, false, false, false>(io, n, c);
  }
}

}  // namespace

Adam::Adam(std::vector<Tensor> parameters, AdamOptions options)
    : Adam("Adam", std::move(parameters), options, false) {}

Adam::Adam(std::string typeName, std::vector<Tensor> parameters, AdamOptions options, bool decoupledWeightDecay)
    : Optimizer(typeName, std::move(parameters), options.lr), m_options(options), m_decoupled(decoupledWeightDecay) {
  TD_CHECK(options.eps >= 0.0, typeName, "invalid epsilon ", options.eps);
  TD_CHECK(options.beta1 >= 0.0 && options.beta1 < 1.0, typeName, "invalid beta1 ", options.beta1);
  TD_CHECK(options.beta2 >= 0.0 && options.beta2 < 1.0, typeName, "invalid beta2 ", options.beta2);
  TD_CHECK(options.weightDecay >= 0.0, typeName, "invalid weight decay ", options.weightDecay);
  registerHyperparameter("beta1", &m_options.beta1);
  registerHyperparameter("beta2", &m_options.beta2);
  registerHyperparameter("eps", &m_options.eps);
  registerHyperparameter("weight_decay", &m_options.weightDecay);
  registerHyperparameter("amsgrad", &m_options.amsgrad);
}

void Adam::update(Tensor& parameter, const Tensor& grad, ParamState& state) {
  const AdamOptions& o = m_options;
  const double lr = this->lr();
  const double t = static_cast<double>(state.step);
  const double biasCorrection1 = 1.0 - std::pow(o.beta1, t);
  const double biasCorrection2Sqrt = std::sqrt(1.0 - std::pow(o.beta2, t));
  Tensor expAvg = zerosBuffer(state, "exp_avg", parameter);
  Tensor expAvgSq = zerosBuffer(state, "exp_avg_sq", parameter);
  Tensor maxSq = o.amsgrad ? zerosBuffer(state, "max_exp_avg_sq", parameter) : Tensor();
  if (detail::fusable(parameter, grad, {&expAvg, &expAvgSq, &maxSq})) {
    const AdamStep step{o.beta1,
                        o.beta2,
                        m_decoupled ? 0.0 : o.weightDecay,
                        m_decoupled && o.weightDecay != 0.0 ? 1.0 - lr * o.weightDecay : 1.0,
                        o.eps * biasCorrection2Sqrt,
                        -lr * biasCorrection2Sqrt / biasCorrection1};
    // A recorder holding the parameter or its state may move their memory instead of
    // copying it: the pass reads the old values from `old` and fills fresh memory.
    detail::writeFusedFrom({&parameter, &expAvg, &expAvgSq, &maxSq}, m_decoupled ? "AdamW" : "Adam",
                           [&](const detail::FusedSources& old) {
      TD_DISPATCH_FLOATING(parameter.dtype(), "Adam", [&] {
        const AdamIo<scalar_t> io{parameter.data<scalar_t>(), grad.data<scalar_t>(), expAvg.data<scalar_t>(),
                                  expAvgSq.data<scalar_t>(), o.amsgrad ? maxSq.data<scalar_t>() : nullptr,
                                  old.of<scalar_t>(0), old.of<scalar_t>(1), old.of<scalar_t>(2),
                                  o.amsgrad ? old.of<scalar_t>(3) : nullptr, old.anyMoved};
        fusedUpdate<scalar_t>(io, parameter.numel(), step);
      });
    });
    return;
  }
  // Any other layout or device: op by op.
  Tensor g = grad;
  if (o.weightDecay != 0.0) {
    if (m_decoupled)
      parameter.mul_(1.0 - lr * o.weightDecay);
    else
      g = add(g, mul(parameter, o.weightDecay));
  }
  expAvg.mul_(o.beta1);
  expAvg.add_(g, 1.0 - o.beta1);
  expAvgSq.mul_(o.beta2);
  expAvgSq.add_(mul(g, g), 1.0 - o.beta2);

  Tensor second = expAvgSq;
  if (o.amsgrad) {
    maxSq.copy_(maximum(maxSq, expAvgSq));
    second = maxSq;
  }
  // lr/bc1 · m / (√v / √bc2 + eps), with √bc2 folded into the step: one pass fewer.
  Tensor denominator = sqrt(second);
  denominator.add_(o.eps * biasCorrection2Sqrt);
  parameter.add_(div(expAvg, denominator), -lr * biasCorrection2Sqrt / biasCorrection1);
}

AdamW::AdamW(std::vector<Tensor> parameters, AdamWOptions options)
    : Adam("AdamW", std::move(parameters),
           AdamOptions{.lr = options.lr, .beta1 = options.beta1, .beta2 = options.beta2, .eps = options.eps,
                       .weightDecay = options.weightDecay, .amsgrad = options.amsgrad},
           true) {}

}  // namespace td::optim
