// linreg: linear regression, the "hello world" of gradient descent.
//
// Teaches: a model is parameters plus a loss; gradient descent walks the parameters
// downhill. nn::Linear(1, 1) with MSELoss and plain SGD recovers the slope and the
// intercept of noisy points drawn from y = 2.5 x - 0.7.
//
// Exits 0 when both are recovered within 0.05.
#include <cmath>
#include <cstdio>

#include "tapedeck/data/Synthetic.h"
#include "tapedeck/nn/NN.h"
#include "tapedeck/optim/Optim.h"

using namespace td;

int main() {
  manualSeed(1);
  const double slope = 2.5, intercept = -0.7;
  // 200 points y = intercept + slope * x + noise (a degree-1 polynomial), x in [-2, 2].
  data::TensorDataset data = data::synthetic::polynomial(200, 0.1, 7, {intercept, slope});
  Tensor inputs = data.inputs(), targets = data.targets().reshape({-1, 1});

  auto model = nn::make<nn::Linear>(1, 1);
  nn::MSELoss lossFn;
  optim::Sgd optimizer(model->parameters(), {.lr = 0.1});
  for (int epoch = 0; epoch < 200; ++epoch) {
    optimizer.zeroGrad();
    Tensor loss = lossFn((*model)(inputs), targets);
    loss.backward();
    optimizer.step();
    if (epoch % 50 == 0) std::printf("epoch %3d  loss %.5f\n", epoch, loss.item());
  }
  double w = model->weight().item(), b = model->bias().item();
  std::printf("learned y = %.3f x %+.3f   (true y = %.3f x %+.3f)\n", w, b, slope, intercept);
  return std::fabs(w - slope) < 0.05 && std::fabs(b - intercept) < 0.05 ? 0 : 1;
}
