// checkpoint: save a trained model, load it into a fresh one, get the same answers.
//
// Teaches: a model's state is its state dict (named parameters and buffers), stored as a
// safetensors file; loading checks every name and shape before it changes anything, and
// the optimizer's state saves the same way so training can resume exactly.
//
// Exits 0 when the reloaded model's outputs are identical to the trained model's.
#include <cstdio>
#include <cstring>
#include <string>

#include <unistd.h>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/data/Synthetic.h"
#include "tapedeck/io/SafeTensors.h"
#include "tapedeck/nn/NN.h"
#include "tapedeck/optim/Optim.h"

using namespace td;

namespace {
std::shared_ptr<nn::Sequential> makeModel() {
  return nn::make<nn::Sequential>(nn::make<nn::Linear>(2, 32), nn::make<nn::ReLU>(), nn::make<nn::Linear>(32, 2));
}
}  // namespace

int main() {
  manualSeed(5);
  data::TensorDataset moons = data::synthetic::twoMoons(200, 0.1, 3);
  Tensor x = moons.inputs(), y = moons.targets();
  auto model = makeModel();
  optim::Adam optimizer(model->parameters(), {.lr = 1e-2});
  for (int step = 0; step < 200; ++step) {
    optimizer.zeroGrad();
    Tensor loss = crossEntropy((*model)(x), y);
    loss.backward();
    optimizer.step();
  }
  const std::string path = "/tmp/tapedeck_checkpoint_" + std::to_string(::getpid()) + ".safetensors";
  td::save(path, model->stateDict());
  std::printf("saved %zu tensors to %s\n", model->stateDict().size(), path.c_str());

  manualSeed(99);  // a fresh model starts from different weights
  auto restored = makeModel();
  restored->loadStateDict(td::load(path));
  std::remove(path.c_str());

  NoGradGuard noGrad;
  Tensor a = (*model)(x), b = (*restored)(x);
  bool identical = std::memcmp(a.rawData(), b.rawData(), static_cast<std::size_t>(a.numel()) * sizeof(float)) == 0;
  std::printf("reloaded model: outputs %s\n", identical ? "identical" : "DIFFERENT");
  return identical ? 0 : 1;
}
