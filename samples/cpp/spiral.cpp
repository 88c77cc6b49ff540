// spiral: three interleaved spiral arms, a classic that needs a nonlinear model.
//
// Teaches: multi-class classification with cross-entropy, and Adam. A 2-64-64-3 ReLU MLP
// separates three spirals; accuracy is computed in eval mode without recording.
//
// Exits 0 at >= 90% training accuracy.
#include <cstdio>

#include "common/SampleUtils.h"
#include "tapedeck/data/Synthetic.h"
#include "tapedeck/nn/NN.h"
#include "tapedeck/optim/Optim.h"

using namespace td;

int main() {
  manualSeed(2);
  data::TensorDataset data = data::synthetic::spirals(300, 0.2, 11, 3);
  auto model = nn::make<nn::Sequential>(nn::make<nn::Linear>(2, 64), nn::make<nn::ReLU>(), nn::make<nn::Linear>(64, 64),
                                        nn::make<nn::ReLU>(), nn::make<nn::Linear>(64, 3));
  nn::CrossEntropyLoss lossFn;
  optim::Adam optimizer(model->parameters(), {.lr = 1e-2});
  for (int epoch = 0; epoch < 400; ++epoch) {
    optimizer.zeroGrad();
    Tensor loss = lossFn((*model)(data.inputs()), data.targets());
    loss.backward();
    optimizer.step();
    if (epoch % 100 == 0) std::printf("epoch %3d  loss %.4f\n", epoch, loss.item());
  }
  model->eval();
  double accuracy = samples::accuracy((*model)(data.inputs()), data.targets());
  std::printf("training accuracy %.1f%%\n", 100 * accuracy);
  return accuracy >= 0.90 ? 0 : 1;
}
