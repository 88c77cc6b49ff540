// xor_mlp: the smallest problem a straight line cannot solve.
//
// Teaches: a hidden layer bends the decision boundary. A 2-8-1 MLP (nn::Sequential of
// Linear, Tanh, Linear) learns XOR with BCEWithLogitsLoss and SGD with momentum; the
// modules name themselves on the tape ("0", "1", "2").
//
// Exits 0 when all four points are classified right.
#include <cstdio>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/nn/NN.h"
#include "tapedeck/optim/Optim.h"

using namespace td;

int main() {
  manualSeed(0);
  Tensor x = fromVector(std::vector<float>{0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  Tensor y = fromVector(std::vector<float>{0, 1, 1, 0}, {4, 1});

  auto model = nn::make<nn::Sequential>(nn::make<nn::Linear>(2, 8), nn::make<nn::Tanh>(), nn::make<nn::Linear>(8, 1));
  nn::BCEWithLogitsLoss lossFn;
  optim::Sgd optimizer(model->parameters(), {.lr = 0.5, .momentum = 0.9});

  for (int step = 0; step <= 300; ++step) {
    optimizer.zeroGrad();
    Tensor loss = lossFn((*model)(x), y);
    loss.backward();
    optimizer.step();
    if (step % 100 == 0) std::printf("step %3d  loss %.5f\n", step, loss.item());
  }

  NoGradGuard noGrad;
  Tensor p = sigmoid((*model)(x));
  int right = 0;
  for (int i = 0; i < 4; ++i) {
    double prob = p.select(0, i).item();
    bool ok = (prob > 0.5) == (y.select(0, i).item() > 0.5);
    right += ok;
    std::printf("xor(%g, %g) -> %.3f %s\n", x.select(0, i).select(0, 0).item(), x.select(0, i).select(0, 1).item(),
                prob, ok ? "ok" : "WRONG");
  }
  std::printf("%d of 4 right\n", right);
  return right == 4 ? 0 : 1;
}
