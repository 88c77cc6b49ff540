// Graph memory is owned by the tensors that need it: a long training loop ends with
// the same live tensors, storages and tape entries as it had after warm-up.
#include <gtest/gtest.h>

#include "../support/RecordingObserver.h"
#include "tapedeck/Tapedeck.h"

namespace {

struct LiveCounts {
  int64_t tensors = td::TensorImpl::liveCount();
  int64_t storages = td::Storage::liveCount();
  int64_t entries = td::TapeEntry::liveCount();
};

::testing::AssertionResult sameCounts(const LiveCounts& before, const LiveCounts& after) {
  if (before.tensors == after.tensors && before.storages == after.storages && before.entries == after.entries)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "tensors " << before.tensors << " -> " << after.tensors << ", storages "
                                       << before.storages << " -> " << after.storages << ", tape entries "
                                       << before.entries << " -> " << after.entries;
}

/// A 4-16-3 MLP trained with cross_entropy and plain SGD.
class TinyMlp {
 public:
  TinyMlp() {
    td::manualSeed(5);
    m_parameters = {td::randn({16, 4}, td::DType::Float64) * 0.5, td::zeros({16}, td::DType::Float64),
                    td::randn({3, 16}, td::DType::Float64) * 0.25, td::zeros({3}, td::DType::Float64)};
    for (td::Tensor& p : m_parameters) p.setRequiresGrad();
  }

  enum class Reset { SetUndefined, ZeroInPlace };

  /// One step on a fresh random batch; returns the loss.
  double step(Reset reset) {
    td::Tensor x = td::randn({8, 4}, td::DType::Float64);
    td::Tensor target = td::randint(0, 3, {8});
    td::Tensor hidden = td::relu(td::linear(x, m_parameters[0], m_parameters[1]));
    td::Tensor logits = td::linear(hidden, m_parameters[2], m_parameters[3]);
    td::Tensor loss = td::crossEntropy(logits, target);
    loss.backward();
    {
      td::NoGradGuard noGrad;
      for (td::Tensor& p : m_parameters) {
        p.sub_(p.grad() * 0.05);
        if (reset == Reset::SetUndefined) {
          p.setGrad(td::Tensor());
        } else {
          p.grad().zero_();
        }
      }
    }
    return loss.item();
  }

 private:
  std::vector<td::Tensor> m_parameters;
};

TEST(Memory, TrainingLoopIsFlat) {
  TinyMlp model;
  double firstLoss = 0.0;
  for (int i = 0; i < 10; ++i) {
    double loss = model.step(TinyMlp::Reset::SetUndefined);
    if (i == 0) firstLoss = loss;
  }
  LiveCounts warm;
  double lastLoss = 0.0;
  for (int i = 10; i < 10000; ++i) lastLoss = model.step(TinyMlp::Reset::SetUndefined);
  LiveCounts end;
  EXPECT_TRUE(sameCounts(warm, end));
  EXPECT_LT(lastLoss, firstLoss * 2.0) << "training did not diverge";
}

TEST(Memory, TrainingLoopWithZeroedGradsAndAnObserverIsFlat) {
  tdtest::RecordingObserver observer(/*keepGradients=*/false);
  TinyMlp model;
  LiveCounts warm;
  {
    tdtest::ObserverScope scope(&observer);
    for (int i = 0; i < 10; ++i) model.step(TinyMlp::Reset::ZeroInPlace);
    observer.clear();  // the observer's own copies of entries are not the graph's
    warm = LiveCounts();
    for (int i = 10; i < 1000; ++i) {
      model.step(TinyMlp::Reset::ZeroInPlace);
      observer.clear();
    }
  }
  EXPECT_TRUE(sameCounts(warm, LiveCounts()));
}

TEST(Memory, AGraphDiesWithItsTensors) {
  td::Tensor w = td::randn({4, 4}, td::DType::Float64);
  w.setRequiresGrad();
  LiveCounts before;
  {
    td::Tensor h = td::tanh(td::matmul(w, w));
    td::Tensor loss = td::softmax(h, 1).sum();
    EXPECT_GT(td::TapeEntry::liveCount(), before.entries) << "a graph holds its entries while alive";
    // never backward: dropping the tensors frees the graph
  }
  EXPECT_TRUE(sameCounts(before, LiveCounts()));

  {
    td::Tensor loss = td::exp(w).sum();
    loss.backward(td::Tensor(), /*retainGraph=*/true);
    loss.backward();
  }
  w.setGrad(td::Tensor());
  EXPECT_TRUE(sameCounts(before, LiveCounts()));

  {
    td::Tensor loss = (w * w * w).sum();
    td::Tensor g = td::autograd::grad({loss}, {w}, {}, std::nullopt, /*createGraph=*/true)[0];
    td::Tensor second = td::autograd::grad({g.sum()}, {w})[0];
    EXPECT_EQ(second.numel(), 16);
  }
  EXPECT_TRUE(sameCounts(before, LiveCounts())) << "create_graph graphs are freed too";

  {
    td::Tensor h = w * 2.0;
    h.registerHook([](const td::Tensor& g) { return g * 2.0; });
    h.retainGrad();
    (h * h).sum().backward();
  }
  w.setGrad(td::Tensor());
  EXPECT_TRUE(sameCounts(before, LiveCounts())) << "hooks and retained gradients do not leak";
}

TEST(Memory, ErrorsDoNotLeak) {
  td::Tensor a = td::zeros({2, 3});
  td::Tensor b = td::zeros({3, 2});
  LiveCounts before;
  for (int i = 0; i < 100; ++i) {
    EXPECT_THROW(td::matmul(a, a), td::Error);
    EXPECT_THROW(td::add(a, b), td::Error);
    EXPECT_THROW(td::zeros({-1}), td::Error);
  }
  td::Tensor x = td::ones({3}, td::DType::Float64);
  x.setRequiresGrad();
  for (int i = 0; i < 100; ++i) {
    td::Tensor y = x.exp();
    y.add_(1.0);
    EXPECT_THROW(y.sum().backward(), td::Error);
  }
  x.setGrad(td::Tensor());
  LiveCounts after;
  EXPECT_EQ(after.entries, before.entries);
  EXPECT_EQ(after.storages, before.storages + 1);  // x
  EXPECT_EQ(after.tensors, before.tensors + 1);
}

}  // namespace
