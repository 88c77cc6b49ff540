#pragma once
// RMSprop with PyTorch's update rule (torch.optim.RMSprop):
//   g = grad + weightDecay * p
//   v = alpha * v + (1 - alpha) * g^2
//   centered: a = alpha * a + (1 - alpha) * g, and v - a^2 replaces v below
//   d = sqrt(v) + eps
//   momentum > 0: b = momentum * b + g / d, p = p - lr * b;  else p = p - lr * g / d
#include "tapedeck/optim/Optimizer.h"

namespace td::optim {

struct RmsPropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weightDecay = 0.0;
  double momentum = 0.0;
  bool centered = false;
};

/// td::optim::RmsProp rmsprop(model->parameters(), {.lr = 1e-3, .momentum = 0.9});
class RmsProp : public Optimizer {
 public:
  RmsProp(std::vector<Tensor> parameters, RmsPropOptions options = {});

 protected:
  void update(Tensor& parameter, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> bufferNames() const override { return {"square_avg", "momentum_buffer", "grad_avg"}; }

 private:
  RmsPropOptions m_options;
};

}  // namespace td::optim
