// The debugger core: each stop condition, the step requests, pause/continue/stop from a
// second thread (the run in a worker thread), and no deadlock when pausing inside backward
// (also under create_graph). The state machine and served jobs: DebuggerProtocolTest.cpp.
// Timeouts are generous; latency is a bench figure, not a test.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "../support/DebuggedRun.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Debugger.h"
#include "tapedeck/nn/NN.h"

namespace {

using tdtest::DebuggedRun;
using tdtest::leaf;
using namespace std::chrono_literals;
using td::debug::Debugger;
using td::debug::PauseReason;
using td::debug::State;
using td::debug::StepKind;

constexpr auto kWait = 10s;


TEST(Debugger, OpBreakpointPausesAtTheOpWithItsLineAndResumes) {
  Debugger debugger;
  debugger.addOpBreakpoint(td::OpId::Log, true, false);
  int line = 0;
  DebuggedRun run(debugger, [&] {
    td::Tensor x = leaf({1.0, 2.0});
    td::Tensor y = td::exp(x);
    line = __LINE__ + 1;
    td::Tensor z = td::log(y);
    td::sum(z).backward();
  });
  auto pause = debugger.waitForPause(0, kWait);
  ASSERT_TRUE(pause.has_value());
  EXPECT_EQ(pause->reason, PauseReason::OpBreakpoint);
  EXPECT_EQ(pause->op, td::OpId::Log);
  EXPECT_EQ(pause->direction, td::Direction::Forward);
  EXPECT_EQ(debugger.state(), State::Paused);
  EXPECT_EQ(static_cast<int>(pause->loc.line), line);
  EXPECT_NE(std::string(pause->loc.file).find("DebuggerTest.cpp"), std::string::npos);
  debugger.resume();
  run.join();
  EXPECT_EQ(debugger.state(), State::Finished);
  EXPECT_FALSE(run.cancelled);
}

TEST(Debugger, BackwardBreakpointThenStepBackwardOpByOp) {
  {
    Debugger debugger;
    debugger.addOpBreakpoint(td::OpId::Mul, false, true);
    DebuggedRun run(debugger, [&] {
      td::Tensor x = leaf({1.0, 2.0});
      td::Tensor y = td::mul(x, x);
      td::Tensor z = td::exp(y);
      td::sum(z).backward();
    });
    auto first = debugger.waitForPause(0, kWait);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->op, td::OpId::Mul);
    EXPECT_EQ(first->direction, td::Direction::Backward);
    debugger.resume();
  }  // joined and detached: a debugger observes (and pauses) until detached

  // Stepping backward from the start of backward: sum, then exp, then mul.
  Debugger stepper;
  std::vector<td::OpId> seen;
  std::atomic<bool> go{false};  // the step request is in place before the run starts
  uint32_t backwardLine = 0;
  DebuggedRun second(stepper, [&] {
    while (!go) std::this_thread::yield();
    td::Tensor x = leaf({1.0, 2.0});
    td::Tensor z = td::exp(td::mul(x, x));
    backwardLine = __LINE__ + 1;
    td::sum(z).backward();
  });
  stepper.step(StepKind::ToBackward);
  go = true;
  auto start = stepper.waitForPause(0, kWait);
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ(start->reason, PauseReason::BackwardStart);
  EXPECT_EQ(start->loc.line, backwardLine) << "the pause points at the line that called backward()";
  uint64_t sequence = start->sequence;
  for (int i = 0; i < 3; ++i) {
    stepper.step(StepKind::NextBackwardOp);
    auto p = stepper.waitForPause(sequence, kWait);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->direction, td::Direction::Backward);
    EXPECT_GT(p->sequence, sequence);
    if (i == 0) {
      EXPECT_EQ(start->rootEntry, p->entryId) << "backward starts from the entry that made the root";
    }
    sequence = p->sequence;
    seen.push_back(p->op);
  }
  stepper.resume();
  second.join();
  EXPECT_EQ(seen, (std::vector<td::OpId>{td::OpId::Sum, td::OpId::Exp, td::OpId::Mul}));
}

TEST(Debugger, FirstNonFiniteForwardAndBackward) {
  Debugger forward;
  forward.setBreakOnNonFinite(true);
  DebuggedRun run(forward, [&] {
    td::Tensor x = leaf({1.0, -1.0});
    td::Tensor y = td::exp(x);
    td::Tensor z = td::log(td::sub(x, 0.5));  // log(-1.5) is NaN
    td::sum(td::add(y, z)).backward();
  });
  auto p = forward.waitForPause(0, kWait);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->reason, PauseReason::NonFinite);
  EXPECT_EQ(p->op, td::OpId::Log);
  EXPECT_NE(p->description.find("output of log"), std::string::npos);
  // Still on: the add that reads log's NaN passes it on, and does not stop.
  forward.resume();
  const auto again = forward.waitForPause(p->sequence, std::chrono::milliseconds(500));
  if (again) forward.resume();
  EXPECT_FALSE(again.has_value()) << "stopped again at " << td::opName(again->op);
  run.join();

  Debugger backward;
  backward.setBreakOnNonFinite(true);
  DebuggedRun run2(backward, [&] {
    td::Tensor x = leaf({0.0, 4.0});
    td::sum(td::sqrt(x)).backward();  // d sqrt(x) at 0 is Inf
  });
  auto q = backward.waitForPause(0, kWait);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->direction, td::Direction::Backward);
  EXPECT_EQ(q->op, td::OpId::Sqrt);
  backward.resume();
  run2.join();
}

TEST(Debugger, GradNormModuleAndConditionBreakpoints) {
  Debugger norm;
  norm.setBreakOnGradNorm(100.0);
  DebuggedRun run(norm, [&] {
    td::Tensor x = leaf({1.0, 2.0});
    td::sum(td::mul(x, 1000.0)).backward();
  });
  auto p = norm.waitForPause(0, kWait);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->reason, PauseReason::GradNorm);
  norm.resume();
  run.join();

  Debugger module;
  module.addModuleBreakpoint("encoder.layers.*.attn");
  DebuggedRun run2(module, [&] {
    td::Tensor x = leaf({1.0});
    td::ScopeGuard encoder("encoder");
    {
      td::ScopeGuard layers("layers");
      td::ScopeGuard zero("0");
      td::Tensor a = td::exp(x);  // encoder.layers.0: no stop
      td::ScopeGuard attn("attn");
      td::Tensor b = td::exp(a);  // encoder.layers.0.attn: stop (entering)
      td::Tensor c = td::exp(b);  // still inside: no second stop
    }
  });
  auto m = module.waitForPause(0, kWait);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->reason, PauseReason::ModuleBreakpoint);
  EXPECT_EQ(m->scope, "encoder.layers.0.attn");
  module.resume();
  EXPECT_FALSE(module.waitForPause(m->sequence, 200ms).has_value());
  run2.join();

  // Siblings that match one glob each stop, and "*" matches every top-level call but never
  // the root (no module) around them.
  for (const char* glob : {"layers.*", "*"}) {
    Debugger siblings;
    siblings.addModuleBreakpoint(glob);
    DebuggedRun run4(siblings, [&] {
      td::Tensor x = td::exp(leaf({1.0}));  // the root: no module
      td::ScopeGuard layers("layers");
      for (const char* name : {"0", "1"}) {
        td::ScopeGuard layer(name);
        x = td::exp(td::exp(x));  // the first of the two enters
      }
    });
    std::vector<std::string> stops;
    uint64_t after = 0;
    while (auto s = siblings.waitForPause(after, 500ms)) {
      stops.push_back(s->scope);
      after = s->sequence;
      siblings.resume();
    }
    run4.join();
    if (std::string(glob) == "*")
      EXPECT_EQ(stops, (std::vector<std::string>{"layers.0"})) << glob;  // inside "layers" throughout
    else
      EXPECT_EQ(stops, (std::vector<std::string>{"layers.0", "layers.1"})) << glob;
  }

  // One module called again right away (a cell once per time step): each call is entered
  // anew, though no op of another scope runs between them; a nested module's ops, and
  // the outer call's ops after it, belong to the call around them.
  Debugger cells;
  cells.addModuleBreakpoint("cell");
  DebuggedRun run5(cells, [&] {
    td::Tensor h = leaf({1.0});
    for (int step = 0; step < 3; ++step) {
      td::ScopeGuard cell("cell");
      h = td::exp(h);  // enters this step's call
      {
        td::ScopeGuard inner("gate");
        h = td::tanh(h);  // cell.gate: inside the same call of cell
      }
      h = td::exp(h);  // back in the same call: no stop
    }
  });
  std::vector<td::OpId> cellStops;
  uint64_t seen = 0;
  while (auto s = cells.waitForPause(seen, 500ms)) {
    EXPECT_EQ(s->scope, "cell");
    cellStops.push_back(s->op);
    seen = s->sequence;
    cells.resume();
  }
  run5.join();
  EXPECT_EQ(cellStops, (std::vector<td::OpId>(3, td::OpId::Exp)));

  // Modules called at the top inside a matching scope keep that scope: one call of it, one
  // stop, however many modules run in it.
  Debugger experiment;
  experiment.addModuleBreakpoint("experiment");
  DebuggedRun run6(experiment, [&] {
    td::ScopeGuard scope("experiment");
    auto relu = td::nn::make<td::nn::ReLU>();
    td::Tensor x = (*relu)(leaf({1.0}));
    x = (*relu)(x);
  });
  std::size_t experimentStops = 0;
  seen = 0;
  while (auto s = experiment.waitForPause(seen, 500ms)) {
    ++experimentStops;
    seen = s->sequence;
    experiment.resume();
  }
  run6.join();
  EXPECT_EQ(experimentStops, 1u);

  Debugger condition;
  condition.addCondition([](const td::TapeEntry& e) { return e.op == td::OpId::Exp && e.inputIds.size() == 1; },
                         "an exp");
  DebuggedRun run3(condition, [&] { td::exp(leaf({1.0})); });
  auto c = condition.waitForPause(0, kWait);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->description, "an exp");
  condition.resume();
  run3.join();

  // A predicate that fails pauses at that entry and says why; the run goes on after.
  Debugger failing;
  const int failingId = failing.addCondition(
      [](const td::TapeEntry& e) -> bool {
        if (e.op == td::OpId::Exp) throw td::debug::ConditionFailed("KeyError: 'exp'");
        return false;
      },
      "picky");
  DebuggedRun run4(failing, [&] { td::exp(leaf({1.0})); });
  auto f = failing.waitForPause(0, kWait);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->description, "picky raised KeyError: 'exp'");
  failing.resume();
  run4.join();
  EXPECT_TRUE(failing.removeBreakpoint(failingId));
  EXPECT_FALSE(failing.removeBreakpoint(failingId)) << "removed already";
  EXPECT_FALSE(failing.removeBreakpoint(12345)) << "never added";
}

TEST(Debugger, StepToTheEndOfTheIteration) {
  Debugger debugger;
  std::atomic<int> phase{0};
  std::atomic<bool> go{false};
  DebuggedRun run(debugger, [&] {
    while (!go) std::this_thread::yield();
    td::Tensor x = leaf({1.0});
    td::sum(td::exp(x)).backward();
    phase = 1;
    td::exp(x);  // the first op after backward ends the iteration
    phase = 2;
  });
  debugger.step(StepKind::ToIterationEnd);
  go = true;
  auto p = debugger.waitForPause(0, kWait);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->reason, PauseReason::IterationEnd);
  EXPECT_EQ(phase.load(), 1);
  debugger.resume();
  run.join();
  EXPECT_EQ(phase.load(), 2);
}

TEST(Debugger, StopWhilePausedRunningAndWaiting) {
  {  // paused
    Debugger debugger;
    debugger.addOpBreakpoint(td::OpId::Exp);
    DebuggedRun run(debugger, [&] { td::exp(leaf({1.0})); });
    ASSERT_TRUE(debugger.waitForPause(0, kWait).has_value());
    debugger.stop();
    run.join();
    EXPECT_TRUE(run.cancelled);
  }
  {  // inside a long run of engine ops
    Debugger debugger;
    std::atomic<bool> started{false};
    DebuggedRun run(debugger, [&] {
      td::Tensor x = leaf({1.0});
      started = true;
      for (;;) x = td::add(x, 1.0);
    });
    while (!started) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(20ms);
    const auto asked = std::chrono::steady_clock::now();
    debugger.stop();
    run.join();
    EXPECT_TRUE(run.cancelled);
    EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
  }
  {  // in a wait that calls checkpoint (what the Python layer does around sleeps)
    Debugger debugger;
    DebuggedRun run(debugger, [&] {
      for (;;) {
        debugger.checkpoint();
        std::this_thread::sleep_for(5ms);
      }
    });
    std::this_thread::sleep_for(20ms);
    debugger.stop();
    run.join();
    EXPECT_TRUE(run.cancelled);
  }
}

TEST(Debugger, PauseOnRequestAndStepForwardOpByOp) {
  Debugger debugger;
  std::atomic<bool> started{false};
  DebuggedRun run(debugger, [&] {
    td::Tensor x = leaf({1.0});
    started = true;
    for (int i = 0; i < 1000000; ++i) x = td::add(x, 1.0);
  });
  while (!started) std::this_thread::sleep_for(1ms);
  debugger.requestPause();
  auto p = debugger.waitForPause(0, kWait);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->reason, PauseReason::Requested);
  uint64_t sequence = p->sequence;
  uint64_t entry = p->entryId;
  for (int i = 0; i < 3; ++i) {
    debugger.step(StepKind::NextOp);
    auto q = debugger.waitForPause(sequence, kWait);
    ASSERT_TRUE(q.has_value());
    EXPECT_EQ(q->reason, PauseReason::Step);
    EXPECT_GT(q->entryId, entry);  // one op further each time, no lost or double wake-up
    sequence = q->sequence;
    entry = q->entryId;
  }
  debugger.stop();
  run.join();
  EXPECT_TRUE(run.cancelled);
}

TEST(Debugger, PauseRequestedRightAfterResumeIsKept) {
  Debugger debugger;
  const int id = debugger.addOpBreakpoint(td::OpId::Exp);
  DebuggedRun run(debugger, [&] {
    td::Tensor x = td::exp(leaf({1.0}));
    for (int i = 0; i < 1000000; ++i) x = td::add(x, 1.0);
  });
  auto p = debugger.waitForPause(0, kWait);
  ASSERT_TRUE(p.has_value());
  debugger.removeBreakpoint(id);
  debugger.resume();
  debugger.requestPause();  // before the worker took the resume up: must not be lost
  auto q = debugger.waitForPause(p->sequence, kWait);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->reason, PauseReason::Requested);
  debugger.stop();
  run.join();
  EXPECT_TRUE(run.cancelled);
}

TEST(Debugger, NoDeadlockPausingInsideBackwardWithCreateGraph) {
  Debugger debugger;
  debugger.addOpBreakpoint(td::OpId::PowScalar, false, true);
  std::vector<double> second;
  DebuggedRun run(debugger, [&] {
    td::Tensor x = leaf({2.0});
    td::Tensor y = td::pow(x, 3.0);
    td::Tensor g = td::autograd::grad({y}, {x}, {}, std::nullopt, true)[0];
    second = td::autograd::grad({g}, {x})[0].toVector();
  });
  auto p = debugger.waitForPause(0, kWait);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->direction, td::Direction::Backward);
  debugger.setPauseListener(nullptr);
  debugger.removeBreakpoint(1);
  debugger.resume();
  run.join();
  EXPECT_EQ(second, (std::vector<double>{12.0}));
}

TEST(Debugger, ScopeGlobs) {
  using td::debug::scopeMatches;
  EXPECT_TRUE(scopeMatches("encoder.layers.*.attn", "encoder.layers.3.attn"));
  EXPECT_FALSE(scopeMatches("encoder.layers.*.attn", "encoder.layers.3.x.attn"));
  EXPECT_TRUE(scopeMatches("encoder.**.attn", "encoder.layers.3.x.attn"));
  EXPECT_TRUE(scopeMatches("fc1", "fc1"));
  EXPECT_FALSE(scopeMatches("fc1", "fc10"));
  EXPECT_TRUE(scopeMatches("*", "fc1"));
  EXPECT_FALSE(scopeMatches("*", "a.b"));
}

}  // namespace
