// The recorder: entries with values and gradients, the copy it
// takes before an in-place write (a parameter's value from before step()), eviction
// within the budget, the iteration window, memory figures, queries from another thread,
// and the debugger reading the recorder while paused.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <thread>

#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Debugger.h"
#include "tapedeck/debug/Recorder.h"
#include "tapedeck/optim/Adam.h"
#include "tapedeck/optim/RmsProp.h"
#include "tapedeck/optim/Sgd.h"

namespace {

using td::debug::EntryRecord;
using td::debug::Recorder;
using td::debug::RecorderOptions;
using td::debug::ValueState;

td::Tensor f64(std::vector<double> values) { return td::fromVector(values, {}, td::DType::Float64); }

/// The entries of the recorder's newest iteration.
std::vector<EntryRecord> newest(const Recorder& recorder) {
  const std::vector<uint64_t> kept = recorder.iterations();
  return kept.empty() ? std::vector<EntryRecord>{} : recorder.entries(kept.back());
}

const EntryRecord* findOp(const std::vector<EntryRecord>& entries, td::OpId op) {
  for (const EntryRecord& e : entries)
    if (e.entry.op == op) return &e;
  return nullptr;
}

// --- the recorder ----------------------------------------------------------------------

/// Attaches a recorder for a scope and starts a fresh iteration.
struct Recording {
  explicit Recording(RecorderOptions options = {}) : recorder(options) {
    td::Tape::step();
    recorder.attach();
  }
  ~Recording() { recorder.detach(); }
  Recorder recorder;
};

TEST(Recorder, KeepsEntriesWithStatisticsValuesAndGradients) {
  Recording r;
  td::Tensor x = f64({1.0, 2.0});
  x.setRequiresGrad();
  td::Tensor y = td::exp(x);
  td::Tensor loss = td::sum(y);
  loss.backward();

  const std::vector<EntryRecord> entries = newest(r.recorder);
  const EntryRecord* exp = findOp(entries, td::OpId::Exp);
  ASSERT_NE(exp, nullptr);
  ASSERT_EQ(exp->outputs.size(), 1u);
  EXPECT_EQ(exp->name, "exp");
  EXPECT_EQ(exp->outputs[0].shape, (std::vector<int64_t>{2}));
  EXPECT_NEAR(exp->outputs[0].stats.max, std::exp(2.0), 1e-12);
  EXPECT_EQ(exp->inputs[0].tensorId, x.id());
  EXPECT_GT(exp->savedBytes, 0);

  const std::optional<EntryRecord> full = r.recorder.entry(exp->entry.id);
  ASSERT_TRUE(full);
  ASSERT_EQ(full->outputs[0].state, ValueState::Held);
  EXPECT_EQ(full->outputs[0].value.toVector(), y.toVector());
  // Backward filled the gradients: d sum / d y = 1, d y / d x = exp(x).
  EXPECT_TRUE(full->backwardRan);
  ASSERT_EQ(full->gradOutputs.size(), 1u);
  EXPECT_EQ(full->gradOutputs[0].value.toVector(), (std::vector<double>{1.0, 1.0}));
  ASSERT_EQ(full->gradInputs.size(), 1u);
  EXPECT_EQ(full->gradInputs[0].value.toVector(), y.toVector());
  EXPECT_NEAR(full->gradInputs[0].stats.norm, std::hypot(std::exp(1.0), std::exp(2.0)), 1e-12);
  // The snapshot is a private copy: changing the tensor later does not change it.
  EXPECT_NE(full->outputs[0].value.storage().data(), y.storage().data());
}

TEST(Recorder, ListingsNameParametersAndCopyOnlySmallValuesFromAnIndex) {
  Recording r;
  td::Tensor w = f64({1.0, 2.0, 3.0});
  w.setRequiresGrad().setName("fc1.weight");
  td::Tensor big = td::fromVector(std::vector<double>(64, 0.5), {}, td::DType::Float64);
  td::Tensor y = td::mul(w, f64({2.0, 2.0, 2.0}));
  td::Tensor z = td::add(big, big);
  td::Tensor s = td::sum(y);
  const uint64_t iteration = r.recorder.iterations().back();

  td::debug::EntryQuery query;
  query.valuesUpTo = 16;
  const std::vector<EntryRecord> all = r.recorder.entries(iteration, query);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].inputs[0].name, "fc1.weight");
  EXPECT_EQ(all[0].inputs[1].name, "");
  EXPECT_EQ(all[0].outputs[0].value.toVector(), (std::vector<double>{2.0, 4.0, 6.0}));
  EXPECT_FALSE(all[1].outputs[0].value.defined());  // 64 elements: not copied
  EXPECT_EQ(all[1].outputs[0].state, ValueState::Held);

  query.fromIndex = 2;
  const std::vector<EntryRecord> tail = r.recorder.entries(iteration, query);
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].entry.id, all[2].entry.id);
  query.fromIndex = 3;
  EXPECT_TRUE(r.recorder.entries(iteration, query).empty());
  // A plain listing copies no value at all.
  EXPECT_FALSE(r.recorder.entries(iteration)[0].outputs[0].value.defined());

  // Each entry keeps the module call that began before it (a graph draws two back-to-back
  // calls of one module as two groups).
  for (int call = 0; call < 2; ++call) {
    td::ScopeGuard cell("cell");
    y = td::mul(y, 2.0);
  }
  const std::vector<EntryRecord> cells = r.recorder.entries(r.recorder.iterations().back());
  ASSERT_GE(cells.size(), 2u);
  const td::ScopeId cell = td::Tape::intern("cell");
  EXPECT_EQ(cells[cells.size() - 2].entry.enteredScope, cell);
  EXPECT_EQ(cells.back().entry.enteredScope, cell);
  EXPECT_EQ(r.recorder.entry(cells.back().entry.id)->entry.enteredScope, cell);
}

TEST(Recorder, CopiesAParameterBeforeTheOptimizerWritesIt) {
  // SGD and Adam both update a contiguous parameter in one fused pass (optim/FusedUpdate).
  for (const bool adam : {false, true}) {
    SCOPED_TRACE(adam ? "Adam" : "SGD");
    Recording r;
    td::Tensor w = f64({1.0, -1.0});
    w.setRequiresGrad();
    std::unique_ptr<td::optim::Optimizer> optimizer;
    if (adam) optimizer = std::make_unique<td::optim::Adam>(std::vector{w}, td::optim::AdamOptions{.lr = 0.5});
    else optimizer = std::make_unique<td::optim::Sgd>(std::vector{w}, td::optim::SgdOptions{.lr = 0.5});
    const std::vector<double> before = w.toVector();
    td::Tensor loss = td::sum(td::mul(w, w));
    const uint64_t mulId = findOp(newest(r.recorder), td::OpId::Mul)->entry.id;
    loss.backward();
    EXPECT_EQ(r.recorder.copyBytes(), 0u);
    const uint64_t versionBefore = w.version();
    optimizer->step();
    ASSERT_NE(w.toVector(), before);
    EXPECT_GT(w.version(), versionBefore) << "the write is counted (saved tensors compare it)";
    EXPECT_GE(r.recorder.copyBytes(), 2 * sizeof(double));

    const std::optional<EntryRecord> mul = r.recorder.entry(mulId);
    ASSERT_TRUE(mul);
    ASSERT_EQ(mul->inputs[0].state, ValueState::Held);
    EXPECT_EQ(mul->inputs[0].value.toVector(), before) << "the parameter as the forward saw it";
    EXPECT_EQ(mul->inputs[0].stats.max, 1.0);
    EXPECT_EQ(w.storage().watchCount(), 1) << "the optimizer's own entry references the new value";
  }
}

TEST(Recorder, MovesALargeParameterAndItsStateBeforeTheOptimizerWritesThem) {
  // A parameter of 8 KB: the recorder keeps its memory (and the optimizer state's) instead
  // of copying it, the fused pass reads the old values there and fills fresh memory. Under
  // a small budget it holds some of them only: the pass then reads the others from a copy.
  // Every way, the parameter steps exactly as a twin stepped with no recorder.
  std::vector<double> init(1024);
  for (std::size_t i = 0; i < init.size(); ++i) init[i] = 0.001 * static_cast<double>(i) - 0.5;
  for (const char* kind : {"SGD with momentum", "Adam", "RMSprop, centered, with momentum"}) {
    for (const std::size_t budget : {std::size_t{256} << 20, std::size_t{20000}, std::size_t{9000}}) {
      SCOPED_TRACE(std::string(kind) + ", budget " + std::to_string(budget));
      auto make = [&](const td::Tensor& p) -> std::unique_ptr<td::optim::Optimizer> {
        if (kind[0] == 'A') return std::make_unique<td::optim::Adam>(std::vector{p}, td::optim::AdamOptions{.lr = 0.1});
        if (kind[0] == 'R')
          return std::make_unique<td::optim::RmsProp>(
              std::vector{p}, td::optim::RmsPropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
        return std::make_unique<td::optim::Sgd>(std::vector{p}, td::optim::SgdOptions{.lr = 0.1, .momentum = 0.9});
      };
      td::Tensor w = f64(init), twin = f64(init);
      w.setRequiresGrad();
      twin.setRequiresGrad();
      auto optimizer = make(w), twinOptimizer = make(twin);
      RecorderOptions options;
      options.budgetBytes = budget;
      Recording r(options);
      for (int step = 0; step < 3; ++step) {
        {
          td::UnobservedScope unseen;  // the twin: nothing recorded, nothing held
          td::sum(td::mul(twin, twin)).backward();
          twinOptimizer->step();
          twinOptimizer->zeroGrad();
        }
        const std::vector<double> before = w.toVector();
        td::sum(td::mul(w, w)).backward();
        const uint64_t mulId = findOp(newest(r.recorder), td::OpId::Mul)->entry.id;
        const void* memory = w.rawData();
        optimizer->step();
        optimizer->zeroGrad();
        ASSERT_EQ(w.toVector(), twin.toVector()) << "step " << step;
        if (budget > init.size() * sizeof(double) * 8) {
          const std::optional<EntryRecord> mul = r.recorder.entry(mulId);
          ASSERT_TRUE(mul);
          ASSERT_EQ(mul->inputs[0].state, ValueState::Held);
          EXPECT_EQ(mul->inputs[0].value.toVector(), before) << "the parameter as the forward saw it, step " << step;
          EXPECT_NE(w.rawData(), memory) << "moved, not copied: the step wrote fresh memory";
        }
      }
    }
  }
}

TEST(Recorder, AFillIsKeptAsItsConstantSoTheWriteIntoItStaysInPlace) {
  Recording r;
  td::Tensor acc = f64({5.0, 5.0, 5.0, 5.0});
  acc.fill_(0.0);  // as zero_grad() does
  const std::size_t held = r.recorder.heldBytes();
  const std::size_t copies = r.recorder.copyBytes();
  const void* memory = acc.storage().data();
  acc.add_(f64({1.0, 2.0, 3.0, 4.0}));  // accumulating into the zeros: no copy, no move
  EXPECT_EQ(acc.storage().data(), memory);
  EXPECT_EQ(r.recorder.copyBytes(), copies);
  const std::vector<EntryRecord> entries = newest(r.recorder);
  const EntryRecord* fillEntry = findOp(entries, td::OpId::Fill);
  ASSERT_NE(fillEntry, nullptr);
  const std::optional<EntryRecord> fill = r.recorder.entry(fillEntry->entry.id);
  ASSERT_TRUE(fill);
  ASSERT_EQ(fill->outputs.size(), 1u);
  EXPECT_EQ(fill->outputs[0].state, ValueState::Held);  // rebuilt from its statistics
  EXPECT_EQ(fill->outputs[0].value.toVector(), (std::vector<double>{0.0, 0.0, 0.0, 0.0}));
  EXPECT_EQ(fill->outputs[0].value.dtype(), td::DType::Float64);
  EXPECT_LE(held, r.recorder.heldBytes());
}

TEST(Recorder, CopiesBeforeReluInPlaceAndTheWriteStillGoesAhead) {
  Recording r;
  td::Tensor x = f64({-1.0, 2.0});
  td::Tensor y = td::mul(x, 3.0);
  const uint64_t mulId = findOp(newest(r.recorder), td::OpId::Mul)->entry.id;
  y.relu_();
  EXPECT_EQ(y.toVector(), (std::vector<double>{0.0, 6.0}));
  EXPECT_EQ(r.recorder.entry(mulId)->outputs[0].value.toVector(), (std::vector<double>{-3.0, 6.0}));

  // A result with history written into a tensor the recorder references: allowed, as
  // without the recorder (its references do not count as sharing the memory).
  td::Tensor plain = td::mul(x, 1.0);
  td::Tensor g = f64({1.0, 1.0});
  g.setRequiresGrad();
  EXPECT_NO_THROW(plain.add_(g));
  EXPECT_TRUE(plain.requiresGrad());
}

TEST(Recorder, AWriteToPartOfAStorageKeepsDenseAndStridedValuesAsTheyWere) {
  Recording r;
  td::Tensor base = td::fromVector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3}, td::DType::Float64);
  td::Tensor dense = td::mul(base, 1.0);        // its output: a dense value (copied with memcpy)
  td::Tensor strided = td::neg(dense.t());      // reads a transposed view: a strided value
  td::Tensor tail = td::exp(dense.narrow(0, 1, 1));  // reads a dense view at an offset
  const std::vector<EntryRecord> entries = newest(r.recorder);
  const uint64_t mulId = findOp(entries, td::OpId::Mul)->entry.id;
  const uint64_t negId = findOp(entries, td::OpId::Neg)->entry.id;
  const uint64_t expId = findOp(entries, td::OpId::Exp)->entry.id;
  td::Tensor row = dense.narrow(0, 1, 1);
  row.add_(f64({10.0, 10.0, 10.0}));            // covers half the storage: no move, copies
  EXPECT_EQ(dense.toVector(), (std::vector<double>{1, 2, 3, 14, 15, 16}));
  EXPECT_EQ(r.recorder.entry(mulId)->outputs[0].value.toVector(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  const std::optional<EntryRecord> neg = r.recorder.entry(negId);
  ASSERT_TRUE(neg);
  EXPECT_EQ(neg->inputs[0].shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(neg->inputs[0].value.toVector(), (std::vector<double>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(r.recorder.entry(expId)->inputs[0].value.toVector(), (std::vector<double>{4, 5, 6}));
}

TEST(Recorder, CopiesASmallValueWhenAWriteCoversIt) {
  // A move costs the write fresh memory and its inputs a view onto the old: a small value
  // (up to Recorder::kCopyBelowBytes) is copied instead, and the write stays in place.
  Recording r;
  td::Tensor y = td::mul(f64({1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0}), 1.0);
  const uint64_t mulId = findOp(newest(r.recorder), td::OpId::Mul)->entry.id;
  const void* before = y.storage().data();
  y.add_(y);
  EXPECT_EQ(y.storage().data(), before) << "the write stayed in place";
  EXPECT_EQ(y.toVector()[9], 20.0);
  EXPECT_EQ(r.recorder.entry(mulId)->outputs[0].value.toVector()[9], 10.0);
  EXPECT_EQ(r.recorder.copyBytes(), 10 * sizeof(double));
  // The iteration's memory counts the copy, now and at its peak.
  const td::debug::IterationMemory memory = r.recorder.memory().back();
  EXPECT_EQ(memory.copyBytes, static_cast<int64_t>(10 * sizeof(double)));
  EXPECT_EQ(memory.copyBytesPeak, static_cast<int64_t>(10 * sizeof(double)));
}

TEST(Recorder, KeepsTheOldMemoryInsteadOfCopyingWhenAWriteCoversIt) {
  Recording r;
  std::vector<double> values(1000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
  td::Tensor y = td::mul(f64(values), 1.0);
  const uint64_t mulId = findOp(newest(r.recorder), td::OpId::Mul)->entry.id;
  const void* before = y.storage().data();
  y.add_(y);  // reads itself: the kernel reads the moved memory, writes fresh memory
  EXPECT_NE(y.storage().data(), before) << "the write went to fresh memory";
  EXPECT_EQ(y.toVector()[999], 1998.0);
  EXPECT_EQ(r.recorder.entry(mulId)->outputs[0].value.toVector(), values);

  // Gradients accumulating into a gradient the recorder holds (from the first backward).
  td::Tape::step();
  td::Tensor w = f64({1.0, 2.0});
  w.setRequiresGrad();
  td::sum(td::mul(w, 3.0)).backward();  // w.grad adopts mul's input gradient, which the recorder holds
  const uint64_t firstMul = findOp(newest(r.recorder), td::OpId::Mul)->entry.id;
  td::sum(td::mul(w, 3.0)).backward();  // accumulates into it in place
  EXPECT_EQ(w.grad().toVector(), (std::vector<double>{6.0, 6.0}));
  const std::optional<EntryRecord> early = r.recorder.entry(firstMul);
  ASSERT_TRUE(early);
  ASSERT_GE(early->gradInputs.size(), 1u);  // the scalar operand needs none
  EXPECT_EQ(early->gradInputs[0].value.toVector(), (std::vector<double>{3.0, 3.0}));
}

TEST(Recorder, FillStatisticsAreThoseOfTheStoredValue) {
  Recording r;
  td::Tensor x = td::zeros({8});
  x.fill_(1e39);  // float32 stores Inf
  const std::vector<EntryRecord> entries = newest(r.recorder);
  const EntryRecord* fill = findOp(entries, td::OpId::Fill);
  ASSERT_NE(fill, nullptr);
  EXPECT_EQ(fill->outputs[0].stats.infs, 8);
  EXPECT_EQ(fill->outputs[0].stats.finite, 0);
}

TEST(Recorder, AWriteThatFailsAfterTheMemoryMovedLeavesTheTensorAsItWas) {
  Recording r;
  // Larger than Recorder::kCopyBelowBytes, so the write moves the memory (smaller is copied).
  constexpr std::size_t n = 8192;
  td::Tensor flags = td::gt(td::fromVector(std::vector<double>(n, 1.0), {}, td::DType::Float64), 0.0);
  ASSERT_EQ(flags.dtype(), td::DType::Bool);
  td::Tensor other = td::gt(td::fromVector(std::vector<double>(n, -1.0), {}, td::DType::Float64), 0.0);
  try {
    flags.mul_(other);  // may be refused for bool; if so, flags must be untouched
  } catch (const td::Error&) {
  }
  const std::vector<double> after = flags.toVector();
  const bool multiplied = after == std::vector<double>(n, 0.0);
  EXPECT_TRUE(multiplied || after == std::vector<double>(n, 1.0)) << "neither the old nor the new value";
}

TEST(Recorder, DropsTheOldestValuesOverBudgetAndKeepsTheirStatistics) {
  Recording r(RecorderOptions{.budgetBytes = 3 * 100 * sizeof(double)});
  td::Tensor x = td::ones({100}, td::DType::Float64);
  std::vector<td::Tensor> keep;
  for (int i = 0; i < 6; ++i) keep.push_back(td::mul(x, double(i)));
  EXPECT_LE(r.recorder.heldBytes(), r.recorder.budget());
  const std::vector<EntryRecord> entries = newest(r.recorder);
  ASSERT_EQ(entries.size(), 6u);
  const std::optional<EntryRecord> first = r.recorder.entry(entries.front().entry.id);
  EXPECT_EQ(first->outputs[0].state, ValueState::Dropped);
  EXPECT_FALSE(first->outputs[0].value.defined());
  EXPECT_EQ(first->outputs[0].stats.zeros, 100) << "statistics stay after the value goes";
  const std::optional<EntryRecord> last = r.recorder.entry(entries.back().entry.id);
  EXPECT_EQ(last->outputs[0].state, ValueState::Held);
  EXPECT_EQ(last->outputs[0].value.toVector()[0], 5.0);
  // Lowering the budget drops at once; dropped memory is no longer watched.
  r.recorder.setBudget(0);
  EXPECT_EQ(r.recorder.heldBytes(), 0u);
  EXPECT_EQ(keep.back().storage().watchCount(), 0);
}

TEST(Recorder, StatisticsOfDroppedValuesSurviveManyIterations) {
  // Hundreds of values come and go (the list of values is compacted now and then, and the
  // statistics with it): after every iteration, those of the kept ones match their values.
  Recording r(RecorderOptions{.budgetBytes = 10 * 8 * sizeof(double), .previousIterations = 1});
  td::Tensor x = f64({1.0, -2.0, 3.0, 0.0, 5.0, -6.0, 7.0, 8.0});
  std::map<uint64_t, double> factors;  // entry id -> the factor its output was multiplied by
  int dropped = 0;
  for (int iteration = 0; iteration < 60; ++iteration) {
    td::Tape::step();
    for (int k = 0; k < 10; ++k) {
      const double factor = iteration * 10 + k;
      td::Tensor y = td::mul(x, factor);
      factors[newest(r.recorder).back().entry.id] = factor;
    }
    for (uint64_t kept : r.recorder.iterations()) {
      for (const EntryRecord& e : r.recorder.entries(kept)) {
        ASSERT_EQ(factors.count(e.entry.id), 1u);
        const double factor = factors[e.entry.id];
        ASSERT_EQ(e.outputs.size(), 1u);
        ASSERT_EQ(e.outputs[0].stats.numel, 8);
        ASSERT_DOUBLE_EQ(e.outputs[0].stats.max, factor * 8.0)
            << "entry " << e.entry.id << ", iteration " << iteration;
        ASSERT_EQ(e.outputs[0].stats.zeros, factor == 0.0 ? 8 : 1);
        dropped += e.outputs[0].state == ValueState::Dropped;
      }
    }
  }
  EXPECT_GT(dropped, 0) << "some values went over the budget";
}

TEST(Recorder, KeepsTheCurrentAndPreviousIterationsOnly) {
  Recording r(RecorderOptions{.previousIterations = 1});
  std::vector<uint64_t> ids;
  for (int i = 0; i < 4; ++i) {
    td::Tensor t = td::mul(td::ones({2}), 2.0);
    ids.push_back(findOp(newest(r.recorder), td::OpId::Mul)->entry.id);
    td::Tape::step();
  }
  td::Tensor t = td::mul(td::ones({2}), 2.0);
  EXPECT_EQ(r.recorder.iterations().size(), 2u);
  EXPECT_FALSE(r.recorder.entry(ids[0]));
  EXPECT_FALSE(r.recorder.entry(ids[2]));
  EXPECT_TRUE(r.recorder.entry(ids[3]));
}

TEST(Recorder, ReportsLiveAndPeakMemoryPerIteration) {
  Recording r;
  td::Tensor w = td::randn({64, 64});
  w.setRequiresGrad();
  td::Tensor h = td::relu(td::matmul(w, w));
  td::Tensor loss = td::sum(td::mul(h, h));
  const td::debug::IterationMemory mid = r.recorder.memory().back();
  EXPECT_GT(mid.savedBytes, 0);
  EXPECT_GE(mid.tensorBytesPeak, 3 * 64 * 64 * 4);
  EXPECT_GT(mid.recorderBytes, 0);
  loss.backward();
  const td::debug::IterationMemory end = r.recorder.memory().back();
  EXPECT_EQ(end.savedBytes, 0) << "backward released what the forward saved";
  EXPECT_EQ(end.savedBytesPeak, mid.savedBytesPeak);
  EXPECT_GE(end.entries, 4u);
}

TEST(Recorder, ChainOfOpsThatLedToAnEntry) {
  Recording r;
  td::Tensor x = td::ones({2});
  td::Tensor a = td::exp(x);
  td::Tensor b = td::mul(a, 2.0);
  td::Tensor c = td::log(td::sub(b, 5.0));
  const std::vector<EntryRecord> entries = newest(r.recorder);
  const uint64_t logId = findOp(entries, td::OpId::Log)->entry.id;
  const std::vector<uint64_t> chain = r.recorder.ancestors(logId);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(r.recorder.entry(chain[0], false)->entry.op, td::OpId::Sub);
  EXPECT_EQ(r.recorder.entry(chain[1], false)->entry.op, td::OpId::Mul);
  EXPECT_EQ(r.recorder.entry(chain[2], false)->entry.op, td::OpId::Exp);
}

TEST(Recorder, QueriesFromAnotherThreadWhileTheRunRecords) {
  Recording r(RecorderOptions{.budgetBytes = 64 * 1024, .previousIterations = 1});
  std::atomic<bool> done{false};
  std::thread runner([&] {
    td::Tensor w = td::randn({32, 32});
    w.setRequiresGrad();
    td::optim::Sgd sgd({w}, {.lr = 0.01});
    for (int i = 0; i < 60; ++i) {
      td::Tensor loss = td::sum(td::relu(td::matmul(w, w)));
      loss.backward();
      sgd.step();
      sgd.zeroGrad();
    }
    done = true;
  });
  int64_t seen = 0;
  auto query = [&] {
    for (uint64_t iteration : r.recorder.iterations())
      for (const EntryRecord& e : r.recorder.entries(iteration))
        if (std::optional<EntryRecord> full = r.recorder.entry(e.entry.id))
          for (const td::debug::TensorRecord& out : full->outputs)
            if (out.state == ValueState::Held) seen += out.value.numel();
  };
  while (!done) query();  // while the run records (how many rounds depends on the machine)
  runner.join();
  query();
  EXPECT_GT(seen, 0);
  EXPECT_LE(r.recorder.heldBytes(), r.recorder.budget());
}

TEST(Recorder, DestroyingItUnwatchesTheMemoryItReferenced) {
  td::Tensor y;
  {
    Recording r;
    y = td::mul(td::ones({4}), 2.0);
    EXPECT_EQ(y.storage().watchCount(), 1);
  }
  EXPECT_EQ(y.storage().watchCount(), 0);
}

TEST(Recorder, TheDebuggerPausedAtANanCanReadTheEntryAndItsChain) {
  auto recorder = std::make_shared<Recorder>();
  td::debug::Debugger debugger;
  debugger.setRecorder(recorder);
  debugger.setBreakOnNonFinite(true);
  td::Tape::step();
  debugger.attach();
  std::thread runner([&] {
    try {
      td::Tensor x = f64({1.0, -1.0});
      td::Tensor y = td::log(td::mul(x, 2.0));
      debugger.finish(false);
    } catch (...) {
      debugger.finish(true);
    }
  });
  const std::optional<td::debug::PauseEvent> pause = debugger.waitForPause(0, std::chrono::seconds(10));
  ASSERT_TRUE(pause);
  EXPECT_EQ(pause->op, td::OpId::Log);
  const std::optional<EntryRecord> entry = recorder->entry(pause->entryId);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->outputs[0].stats.nans, 1);
  EXPECT_EQ(entry->inputs[0].stats.min, -2.0);
  const std::vector<uint64_t> chain = recorder->ancestors(pause->entryId);
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_EQ(recorder->entry(chain[0])->entry.op, td::OpId::Mul);
  debugger.setBreakOnNonFinite(false);
  debugger.resume();
  runner.join();
  debugger.detach();
  EXPECT_EQ(debugger.state(), td::debug::State::Finished);
}

}  // namespace
