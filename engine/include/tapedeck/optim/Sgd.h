#pragma once
// Stochastic gradient descent with PyTorch's update rule (torch.optim.SGD):
//   g = grad + weightDecay * p
//   b = g on the first step, else momentum * b + (1 - dampening) * g
//   g = g + momentum * b (nesterov) or b (momentum > 0)
//   p = p - lr * g
#include "tapedeck/optim/Optimizer.h"

namespace td::optim {

struct SgdOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weightDecay = 0.0;
  /// Needs momentum > 0 and dampening = 0.
  bool nesterov = false;
};

/// td::optim::Sgd sgd(model->parameters(), {.lr = 0.1, .momentum = 0.9});
class Sgd : public Optimizer {
 public:
  Sgd(std::vector<Tensor> parameters, SgdOptions options = {});

 protected:
  void update(Tensor& parameter, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> bufferNames() const override { return {"momentum_buffer"}; }

 private:
  SgdOptions m_options;
};

}  // namespace td::optim
