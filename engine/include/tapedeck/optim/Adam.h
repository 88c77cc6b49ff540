#pragma once
// Adam and AdamW with PyTorch's update rules (torch.optim.Adam / AdamW), step t from 1:
//   g = grad (+ weightDecay * p for Adam; AdamW instead scales p by 1 - lr * weightDecay)
//   m = beta1 * m + (1 - beta1) * g          v = beta2 * v + (1 - beta2) * g^2
//   (amsgrad: vmax = max(vmax, v), used in place of v below)
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#include "tapedeck/optim/Optimizer.h"

namespace td::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  /// L2 penalty added to the gradient (Adam) or decoupled decay of the weights (AdamW).
  double weightDecay = 0.0;
  bool amsgrad = false;
};

/// AdamOptions with PyTorch's AdamW default weight decay (a separate struct, so
/// {.lr = 0.01} keeps the 1e-2 decay).
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weightDecay = 1e-2;
  bool amsgrad = false;
};

/// td::optim::Adam adam(model->parameters(), {.lr = 1e-2});
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> parameters, AdamOptions options = {});

 protected:
  Adam(std::string typeName, std::vector<Tensor> parameters, AdamOptions options, bool decoupledWeightDecay);
  void update(Tensor& parameter, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> bufferNames() const override { return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}; }

 private:
  AdamOptions m_options;
  bool m_decoupled;
};

/// Adam with decoupled weight decay: p *= 1 - lr * weightDecay before the Adam update.
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> parameters, AdamWOptions options = {});
};

}  // namespace td::optim
