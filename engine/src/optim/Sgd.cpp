// SGD: PyTorch's single-tensor update, written with in-place engine ops.
#include "tapedeck/optim/Sgd.h"

#include "tapedeck/ops/Ops.h"

namespace td::optim {

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
