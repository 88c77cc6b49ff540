// tape_tour: a tour of the tape, on the smallest network that needs a hidden layer.
//
// Teaches: every op you run becomes a TapeEntry (an id, the op, the module scope, the
// ids of the tensors that went in and came out, and *your* source line); backward()
// replays those entries in reverse; a TapeObserver sees both, which is all the IDE
// needs to draw the graph. Along the way a 2-4-1 MLP, built from raw parameter
// tensors, learns XOR with plain SGD written by hand.
//
// Exits 0 when all four XOR points end up on the right side of 0.5, 1 otherwise.
#include <cstdio>
#include <string>
#include <vector>

#include "tapedeck/Tapedeck.h"

namespace {

// "fc1.weight#3" for a named tensor (a parameter), "#17" for the rest.
std::string label(uint64_t id, const td::Tensor* tensors, std::size_t count) {
  for (std::size_t i = 0; tensors != nullptr && i < count; ++i) {
    if (tensors[i].defined() && tensors[i].id() == id && !tensors[i].name().empty()) {
      return tensors[i].name() + "#" + std::to_string(id);
    }
  }
  return "#" + std::to_string(id);
}

std::string labels(const td::IdList& ids, const td::Tensor* tensors, std::size_t count) {
  std::string text;
  for (uint64_t id : ids) text += (text.empty() ? "" : ", ") + label(id, tensors, count);
  return "(" + text + ")";
}

std::string where(const td::SourceLoc& loc) {
  if (!loc.known()) return "<unknown>";
  std::string file = loc.file;
  return file.substr(file.find_last_of('/') + 1) + ":" + std::to_string(loc.line);
}

std::string shapes(const std::vector<td::Tensor>* grads) {
  std::string text;
  for (std::size_t i = 0; grads != nullptr && i < grads->size(); ++i) {
    const td::Tensor& g = (*grads)[i];
    text += (i ? " " : "") + (g.defined() ? td::shapeString(g.shape()) : std::string("-"));
  }
  return text;
}

/// Prints each tape entry as the engine records it, and each backward step as it runs.
class TapePrinter : public td::TapeObserver {
 public:
  void onForward(const td::TapeEntry& entry, const td::OpTensors& tensors) override {
    std::string scope = td::Tape::scopeName(entry.scope);
    std::printf("  #%-4llu %-10s %-8s %-32s -> %-8s %-17s%s\n", static_cast<unsigned long long>(entry.id),
                std::string(td::opName(entry.op)).c_str(), scope.empty() ? "-" : scope.c_str(),
                labels(entry.inputIds, tensors.inputs, tensors.numInputs).c_str(),
                labels(entry.outputIds, tensors.outputs, tensors.numOutputs).c_str(), where(entry.loc).c_str(),
                entry.differentiable ? "" : "  (seen, not recorded for autograd)");
  }
  void onBackwardBegin(const std::vector<td::Tensor>& roots) override {
    std::printf("\nbackward() from #%llu: the same entries, replayed in reverse\n",
                roots.empty() ? 0ULL : static_cast<unsigned long long>(roots.front().id()));
    std::printf("  %-5s %-10s %-24s %s\n", "entry", "op", "grad in (per output)", "grads out (per input)");
  }
  void onBackwardStep(const td::TapeEntry& entry, const td::BackwardStep& step) override {
    std::printf("  #%-4llu %-10s %-24s %s\n", static_cast<unsigned long long>(entry.id),
                std::string(td::opName(entry.op)).c_str(), shapes(step.gradOutputs).c_str(),
                shapes(step.gradInputs).c_str());
  }
  void onBackwardEnd() override { std::printf("backward() done: every parameter has a .grad\n\n"); }
};

/// A 2-4-1 perceptron: tanh hidden layer, sigmoid output. Each layer opens a scope, so
/// the tape (and the IDE's graph) can group its ops under "mlp.fc1" and "mlp.fc2".
struct Mlp {
  td::Tensor w1, b1, w2, b2;

  td::Tensor operator()(const td::Tensor& x) const {
    td::ScopeGuard mlp("mlp");
    td::Tensor hidden;
    {
      td::ScopeGuard fc1("fc1");
      hidden = td::tanh(td::matmul(x, w1) + b1);
    }
    td::ScopeGuard fc2("fc2");
    return td::sigmoid(td::matmul(hidden, w2) + b2);
  }
  std::vector<td::Tensor*> parameters() { return {&w1, &b1, &w2, &b2}; }
};

// A parameter: a leaf tensor that requires grad, drawn from N(0, 0.5²).
td::Tensor parameter(const td::IntList& shape, const std::string& name) {
  td::Tensor p = td::randn(shape) * 0.5;  // no input requires grad, so the result is a leaf
  p.setRequiresGrad().setName(name);
  return p;
}

}  // namespace

int main() {
  td::manualSeed(7);

  // XOR: the four corners of the unit square; the target is 1 where exactly one input is.
  const td::Tensor x = td::fromVector(std::vector<float>{0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  const td::Tensor y = td::fromVector(std::vector<float>{0, 1, 1, 0}, {4, 1});

  Mlp model{parameter({2, 4}, "fc1.weight"), parameter({4}, "fc1.bias"), parameter({4, 1}, "fc2.weight"),
            parameter({1}, "fc2.bias")};
  std::printf("Parameters (a tensor's id is stable; the tape refers to tensors by id):\n");
  for (td::Tensor* p : model.parameters()) {
    std::printf("  %-11s #%-4llu %s\n", p->name().c_str(), static_cast<unsigned long long>(p->id()),
                td::shapeString(p->shape()).c_str());
  }
  std::printf("  %-11s #%-4llu %s\n  %-11s #%-4llu %s\n", "x", static_cast<unsigned long long>(x.id()),
              td::shapeString(x.shape()).c_str(), "y", static_cast<unsigned long long>(y.id()),
              td::shapeString(y.shape()).c_str());

  const int steps = 500;
  const double learningRate = 2.0;
  TapePrinter printer;
  td::Tape::addObserver(&printer);  // watch the first iteration only
  std::printf("\nIteration 0, forward: one entry per op, in the order they ran\n");
  std::printf("  %-5s %-10s %-8s %-32s    %-8s %s\n", "entry", "op", "scope", "inputs", "outputs", "your line");

  for (int step = 0; step < steps; ++step) {
    td::Tensor loss;
    {
      td::Tensor prediction = model(x);
      td::ScopeGuard scope("loss");
      loss = td::binaryCrossEntropy(prediction, y);
    }
    loss.backward();

    // Plain SGD. Under NoGradGuard nothing is recorded for autograd, but an attached
    // observer still sees these ops, flagged as not recorded.
    {
      td::NoGradGuard noGrad;
      td::ScopeGuard scope("sgd");
      for (td::Tensor* p : model.parameters()) {
        p->sub_(p->grad() * learningRate);
        p->grad().zero_();
      }
    }

    if (step == 0) {
      td::Tape::removeObserver(&printer);
      std::printf("\nTraining (observer detached: recording now costs one branch per op)\n");
    }
    if (step % 100 == 0 || step == steps - 1) std::printf("  step %3d  loss %.5f\n", step, loss.item());
  }

  td::Tensor prediction;
  {
    td::NoGradGuard noGrad;
    prediction = model(x);
  }
  const std::vector<double> inputs = x.toVector();
  const std::vector<double> probabilities = prediction.toVector();
  const std::vector<double> targets = y.toVector();
  int correct = 0;
  std::printf("\nPredictions\n");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const bool right = (probabilities[i] > 0.5) == (targets[i] > 0.5);
    correct += right ? 1 : 0;
    std::printf("  xor(%.0f, %.0f) = %.0f   predicted %.3f   %s\n", inputs[2 * i], inputs[2 * i + 1], targets[i],
                probabilities[i], right ? "ok" : "WRONG");
  }
  std::printf("%d of 4 right\n", correct);
  return correct == 4 ? 0 : 1;
}
