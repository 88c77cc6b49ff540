// The debugger's protocol between the run thread and the thread controlling it: the state
// machine (running, paused, stepping, stopping, finished, failed) with its blocking hooks,
// and jobs served by the paused thread. Timeouts are generous.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../support/DebuggedRun.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Debugger.h"

namespace {

using namespace std::chrono_literals;
using td::debug::Debugger;
using td::debug::State;
using td::debug::StepKind;
using tdtest::DebuggedRun;
using tdtest::leaf;

constexpr auto kWait = 10s;

TEST(Debugger, StateMachineAndBlockingHooks) {
  Debugger debugger;
  std::atomic<int> blocked{0}, woken{0};
  debugger.setBlockingHooks([&] { ++blocked; }, [&] { ++woken; });
  EXPECT_EQ(debugger.state(), State::Running);
  debugger.resume();  // not paused: nothing happens
  EXPECT_EQ(debugger.state(), State::Running);
  debugger.addOpBreakpoint(td::OpId::Exp);
  DebuggedRun run(debugger, [&] { td::exp(td::exp(leaf({1.0}))); });
  auto p = debugger.waitForPause(0, kWait);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(debugger.state(), State::Paused);  // (the hook runs just after the pause is published)
  debugger.step(StepKind::NextOp);
  auto q = debugger.waitForPause(p->sequence, kWait);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->sequence, p->sequence + 1);
  debugger.resume();
  run.join();
  EXPECT_EQ(debugger.state(), State::Finished);
  EXPECT_EQ(blocked.load(), 2);
  EXPECT_EQ(woken.load(), 2);
  EXPECT_FALSE(debugger.waitForPause(q->sequence, 10ms).has_value());
}

TEST(Debugger, SteppingStoppingAndFailedStates) {
  // Stepping: from a pause until the next one, seen while the thread runs no op.
  {
    Debugger debugger;
    debugger.addOpBreakpoint(td::OpId::Exp);
    std::promise<void> gate;
    std::shared_future<void> open = gate.get_future().share();
    DebuggedRun run(debugger, [&] {
      td::exp(leaf({1.0}));
      open.wait();
    });
    auto p = debugger.waitForPause(0, kWait);
    ASSERT_TRUE(p.has_value());
    debugger.step(StepKind::ToBackward);
    // The paused thread takes the command as it wakes; then it runs no op, still stepping.
    const auto until = std::chrono::steady_clock::now() + kWait;
    while (debugger.state() != State::Stepping && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
    EXPECT_EQ(debugger.state(), State::Stepping);
    gate.set_value();
    run.join();
    EXPECT_EQ(debugger.state(), State::Finished);  // no backward came: the run ended
  }
  // Stopping: asked while the thread runs no op; it ends at its next op, cancelled.
  {
    Debugger debugger;
    std::promise<void> gate, started;
    std::shared_future<void> open = gate.get_future().share();
    DebuggedRun run(debugger, [&] {
      started.set_value();
      open.wait();
      td::exp(leaf({1.0}));
    });
    started.get_future().wait();
    debugger.stop();
    EXPECT_EQ(debugger.state(), State::Stopping);
    gate.set_value();
    run.join();
    EXPECT_TRUE(run.cancelled);
    EXPECT_EQ(debugger.state(), State::Finished);
  }
  // Failed: the run raised.
  {
    Debugger debugger;
    DebuggedRun run(debugger, [&] { throw std::runtime_error("the script failed"); });
    run.join();
    EXPECT_EQ(debugger.state(), State::Failed);
    EXPECT_STREQ(stateName(debugger.state()), "failed");
  }
}

TEST(Debugger, ServedJobsRunOnThePausedThreadInOrderBeforeTheNextCommand) {
  Debugger debugger;
  std::atomic<int> blocked{0}, woken{0};
  debugger.setBlockingHooks([&] { ++blocked; }, [&] { ++woken; });
  EXPECT_FALSE(debugger.serve([] {}));  // not paused: refused
  debugger.addOpBreakpoint(td::OpId::Exp);
  std::thread::id worker;
  std::vector<std::thread::id> ranOn;
  std::vector<int> order;
  DebuggedRun run(debugger, [&] {
    worker = std::this_thread::get_id();
    td::exp(leaf({1.0}));
    order.push_back(99);  // after the resume
  });
  auto p = debugger.waitForPause(0, kWait);
  ASSERT_TRUE(p.has_value());
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(debugger.serve([&, i] {
      ranOn.push_back(std::this_thread::get_id());
      order.push_back(i);
      if (i == 1) throw std::runtime_error("a failing job does not end the pause");
    }));
  debugger.resume();
  run.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 99}));
  ASSERT_EQ(ranOn.size(), 3u);
  for (auto id : ranOn) EXPECT_EQ(id, worker);
  // Each job runs between the hooks (woken, then blocked again): 1 pause + 3 jobs.
  EXPECT_EQ(blocked.load(), 4);
  EXPECT_EQ(woken.load(), 4);
}

TEST(Debugger, AServedJobLetsGoOfWhatItHoldsBeforeTakingTheLockAgain) {
  // A Python job holds a callable whose release takes the GIL, and a thread holding the GIL
  // may be waiting for the debugger's lock (serve() called from Python): releasing the job
  // under that lock deadlocked. Here the release asks for the lock from another thread.
  Debugger debugger;
  debugger.addOpBreakpoint(td::OpId::Exp);
  DebuggedRun run(debugger, [&] { td::exp(leaf({1.0})); });
  auto p = debugger.waitForPause(0, kWait);
  ASSERT_TRUE(p.has_value());
  std::thread asker;
  std::promise<void> asked;
  std::future<void> answered = asked.get_future();
  std::atomic<bool> released{false}, lockFree{false};
  auto held = std::shared_ptr<int>(new int(0), [&](int* v) {
    delete v;
    asker = std::thread([&] {
      (void)debugger.currentPause();
      asked.set_value();
    });
    lockFree = answered.wait_for(2s) == std::future_status::ready;
    released = true;
  });
  ASSERT_TRUE(debugger.serve([held = std::move(held)] {}));
  debugger.resume();  // (after the job: served jobs run before the next command)
  run.join();
  if (asker.joinable()) asker.join();
  EXPECT_TRUE(released.load());
  EXPECT_TRUE(lockFree.load()) << "the served job was let go of under the debugger's lock";
}

}  // namespace
