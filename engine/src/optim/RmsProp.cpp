// RMSprop: PyTorch's single-tensor update (plain, centered, with momentum), written with
// in-place engine ops.
#include "tapedeck/optim/RmsProp.h"

#include "tapedeck/ops/Ops.h"

namespace td::optim {

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
  Tensor g = grad;
  if (o.weightDecay != 0.0) g = add(g, mul(parameter, o.weightDecay));
  Tensor squareAvg = zerosBuffer(state, "square_avg", parameter);
  squareAvg.mul_(o.alpha);
  squareAvg.add_(mul(g, g), 1.0 - o.alpha);
  Tensor average;
  if (o.centered) {
    Tensor gradAvg = zerosBuffer(state, "grad_avg", parameter);
    gradAvg.mul_(o.alpha);
    gradAvg.add_(g, 1.0 - o.alpha);
    average = sqrt(sub(squareAvg, mul(gradAvg, gradAvg)));
  } else {
    average = sqrt(squareAvg);
  }
  average.add_(o.eps);
  if (o.momentum > 0.0) {
    Tensor momentum = zerosBuffer(state, "momentum_buffer", parameter);
    momentum.mul_(o.momentum);
    momentum.add_(div(g, average));
    parameter.add_(momentum, -lr());
  } else {
    parameter.add_(div(g, average), -lr());
  }
}

}  // namespace td::optim
