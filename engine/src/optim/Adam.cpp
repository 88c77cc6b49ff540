// Adam and AdamW: PyTorch's single-tensor update with bias correction, written with
// in-place engine ops.
#include "tapedeck/optim/Adam.h"

#include <cmath>

#include "tapedeck/ops/Ops.h"

namespace td::optim {

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
  double lr = this->lr();
  Tensor g = grad;
  if (o.weightDecay != 0.0) {
    if (m_decoupled)
      parameter.mul_(1.0 - lr * o.weightDecay);
    else
      g = add(g, mul(parameter, o.weightDecay));
  }
  Tensor expAvg = zerosBuffer(state, "exp_avg", parameter);
  Tensor expAvgSq = zerosBuffer(state, "exp_avg_sq", parameter);
  expAvg.mul_(o.beta1);
  expAvg.add_(g, 1.0 - o.beta1);
  expAvgSq.mul_(o.beta2);
  expAvgSq.add_(mul(g, g), 1.0 - o.beta2);

  double t = static_cast<double>(state.step);
  double biasCorrection1 = 1.0 - std::pow(o.beta1, t);
  double biasCorrection2Sqrt = std::sqrt(1.0 - std::pow(o.beta2, t));
  Tensor second = expAvgSq;
  if (o.amsgrad) {
    Tensor maxExpAvgSq = zerosBuffer(state, "max_exp_avg_sq", parameter);
    maxExpAvgSq.copy_(maximum(maxExpAvgSq, expAvgSq));
    second = maxExpAvgSq;
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
