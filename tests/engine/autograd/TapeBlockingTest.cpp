// Observers that block: the executing thread waits inside a forward or backward callback
// while another thread looks on, and goes on where it stopped when released.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "../support/RecordingObserver.h"
#include "tapedeck/Tapedeck.h"

namespace {

using tdtest::ObserverScope;

td::Tensor leaf(std::vector<double> values) {
  td::Tensor x = td::fromVector(values, {static_cast<int64_t>(values.size())}, td::DType::Float64);
  x.setRequiresGrad();
  return x;
}

/// Pauses the worker thread inside the callback for `blockOn` until released; ignores
/// every other thread.
class BlockingObserver : public td::TapeObserver {
 public:
  BlockingObserver(td::OpId blockOn, bool onBackward) : m_blockOn(blockOn), m_onBackward(onBackward) {}

  void setWorker(std::thread::id id) {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_worker = id;
  }
  void onForward(const td::TapeEntry& entry, const td::OpTensors&) override {
    if (!m_onBackward) maybeBlock(entry);
  }
  void onBackwardStep(const td::TapeEntry& entry, const td::BackwardStep&) override {
    if (m_onBackward) maybeBlock(entry);
  }
  bool waitUntilPaused() {
    std::unique_lock<std::mutex> lock(m_mutex);
    return m_changed.wait_for(lock, std::chrono::seconds(20), [&] { return m_paused; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(m_mutex);
    m_released = true;
    m_changed.notify_all();
  }
  std::thread::id pausedOn() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_pausedOn;
  }

 private:
  void maybeBlock(const td::TapeEntry& entry) {
    std::unique_lock<std::mutex> lock(m_mutex);
    if (std::this_thread::get_id() != m_worker || entry.op != m_blockOn || m_released) return;
    m_pausedOn = std::this_thread::get_id();
    m_paused = true;
    m_changed.notify_all();
    m_changed.wait(lock, [&] { return m_released; });
  }

  td::OpId m_blockOn;
  bool m_onBackward;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::thread::id m_worker;
  std::thread::id m_pausedOn;
  bool m_paused = false;
  bool m_released = false;
};

/// While the worker is paused inside an observer, another thread can still run the
/// engine (no engine lock is held across the callback).
bool engineUsableFromAnotherThread() {
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread other([done] {
    td::Tensor m = td::ones({4, 4}, td::DType::Float64);
    m.setRequiresGrad();
    td::Tensor loss = td::matmul(m, m).sum();
    loss.backward();
    *done = true;
  });
  for (int i = 0; i < 2000 && !*done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  bool finished = *done;
  if (finished) {
    other.join();
  } else {
    other.detach();  // stuck on an engine lock: releasing the worker lets it finish
  }
  return finished;
}

TEST(Tape, AnObserverMayBlockTheForwardThread) {
  BlockingObserver observer(td::OpId::Mul, /*onBackward=*/false);
  ObserverScope scope(&observer);
  std::atomic<int> stage{0};
  std::atomic<bool> ready{false};
  std::thread worker([&] {
    while (!ready) std::this_thread::yield();  // wait until the observer knows this thread
    td::Tensor x = td::ones({3}, td::DType::Float64);
    td::Tensor a = td::add(x, x);
    stage = 1;
    td::Tensor b = a * x;  // the observer pauses here
    stage = 2;
    td::Tensor c = td::exp(b);
    stage = 3;
  });
  const std::thread::id workerId = worker.get_id();
  observer.setWorker(workerId);
  ready = true;
  bool paused = observer.waitUntilPaused();
  if (paused) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(stage.load(), 1) << "the worker is held inside onForward of mul";
    EXPECT_TRUE(engineUsableFromAnotherThread());
    EXPECT_EQ(stage.load(), 1);
    EXPECT_EQ(observer.pausedOn(), workerId) << "observers run on the executing thread";
  }
  observer.release();
  worker.join();
  ASSERT_TRUE(paused) << "the worker never paused inside onForward of mul";
  EXPECT_EQ(stage.load(), 3);
}

TEST(Tape, AnObserverMayBlockTheBackwardThread) {
  BlockingObserver observer(td::OpId::Exp, /*onBackward=*/true);
  ObserverScope scope(&observer);
  std::atomic<int> stage{0};
  std::atomic<bool> ready{false};
  td::Tensor x = leaf({0.5, 1.0});
  std::thread worker([&] {
    td::Tensor loss = td::exp(x).sum();
    while (!ready) std::this_thread::yield();  // wait until the observer knows this thread
    stage = 1;
    loss.backward();
    stage = 2;
  });
  observer.setWorker(worker.get_id());
  ready = true;
  bool paused = observer.waitUntilPaused();
  if (paused) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(stage.load(), 1) << "the worker is held inside onBackwardStep of exp";
    EXPECT_FALSE(x.grad().defined()) << "the leaf's gradient is not accumulated yet";
    EXPECT_TRUE(engineUsableFromAnotherThread());
  }
  observer.release();
  worker.join();
  ASSERT_TRUE(paused);
  EXPECT_EQ(stage.load(), 2);
  EXPECT_TRUE(x.grad().defined());
}

}  // namespace
