// bars_cnn: a small CNN tells vertical bars from horizontal ones in noisy 12x12 images.
//
// Teaches: convolutions find local patterns wherever they are. Conv2d-ReLU-MaxPool twice,
// then Flatten and Linear, trained with SGD and momentum on 400 images, tested on 200
// images it has never seen.
//
// Exits 0 at >= 90% held-out accuracy.
#include <cstdio>

#include "common/SyntheticData.h"
#include "tapedeck/nn/NN.h"
#include "tapedeck/optim/Optim.h"

using namespace td;

int main() {
  manualSeed(3);
  samples::Dataset train = samples::bars(400, 12, 0.3, 21);
  samples::Dataset test = samples::bars(200, 12, 0.3, 22);
  auto model = nn::make<nn::Sequential>(
      nn::make<nn::Conv2d>(1, 4, 3, 1, 1), nn::make<nn::ReLU>(), nn::make<nn::MaxPool2d>(2),
      nn::make<nn::Conv2d>(4, 8, 3, 1, 1), nn::make<nn::ReLU>(), nn::make<nn::MaxPool2d>(2), nn::make<nn::Flatten>(),
      nn::make<nn::Linear>(8 * 3 * 3, 2));
  nn::CrossEntropyLoss lossFn;
  optim::Sgd optimizer(model->parameters(), {.lr = 0.05, .momentum = 0.9});
  const int64_t batch = 40;
  for (int epoch = 0; epoch < 15; ++epoch) {
    double total = 0;
    for (int64_t start = 0; start < 400; start += batch) {
      optimizer.zeroGrad();
      Tensor loss = lossFn((*model)(train.inputs.narrow(0, start, batch)), train.targets.narrow(0, start, batch));
      loss.backward();
      optimizer.step();
      total += loss.item();
    }
    if (epoch % 5 == 0) std::printf("epoch %2d  loss %.4f\n", epoch, total / (400 / batch));
  }
  model->eval();
  double accuracy = samples::accuracy((*model)(test.inputs), test.targets);
  std::printf("held-out accuracy %.1f%%\n", 100 * accuracy);
  return accuracy >= 0.90 ? 0 : 1;
}
