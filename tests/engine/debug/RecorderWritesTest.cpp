// The recorder before in-place writes: the old value of what it holds is kept first (a
// parameter's value from before step(), relu_'s input, a partial write), by a copy or by
// taking the old memory while the write goes to fresh memory; fills kept as constants; a
// failed write leaving the tensor as it was.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "../support/Recording.h"
#include "core/AllocationFaults.h"
#include "optim/FusedUpdate.h"
#include "tapedeck/Tapedeck.h"
#include "tapedeck/debug/Recorder.h"
#include "tapedeck/optim/Adam.h"
#include "tapedeck/optim/RmsProp.h"
#include "tapedeck/optim/Sgd.h"

namespace {

using namespace tdtest;  // the harness, and the recorder's types it names

/// The optimizers with state the fused passes write, by the names the tests loop over.
constexpr const char* kStatefulOptimizers[] = {"SGD with momentum", "Adam", "RMSprop, centered, with momentum"};

std::unique_ptr<td::optim::Optimizer> makeOptimizer(const std::string& kind, const td::Tensor& p) {
  if (kind == "Adam") return std::make_unique<td::optim::Adam>(std::vector{p}, td::optim::AdamOptions{.lr = 0.1});
  if (kind == "RMSprop, centered, with momentum")
    return std::make_unique<td::optim::RmsProp>(std::vector{p},
                                                td::optim::RmsPropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
  return std::make_unique<td::optim::Sgd>(std::vector{p}, td::optim::SgdOptions{.lr = 0.1, .momentum = 0.9});
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

    // The optimizer's entry: the parameter it read (before its write) and the one it wrote.
    const std::vector<EntryRecord> entries = newest(r.recorder);
    ASSERT_FALSE(entries.empty());
    const std::optional<EntryRecord> update = r.recorder.entry(entries.back().entry.id);
    ASSERT_TRUE(update);
    EXPECT_EQ(update->name, adam ? "Adam" : "SGD");
    ASSERT_EQ(update->inputs.size(), 2u);
    ASSERT_EQ(update->inputs[0].state, ValueState::Held);
    EXPECT_EQ(update->inputs[0].value.toVector(), before) << "read before the step";
    EXPECT_EQ(update->inputs[0].stats.max, 1.0);
    ASSERT_EQ(update->outputs[0].state, ValueState::Held);
    EXPECT_EQ(update->outputs[0].value.toVector(), w.toVector()) << "written by the step";
  }
}

TEST(Recorder, AnInPlaceEntryShowsItsInputAsReadBeforeTheWrite) {
  // The engine writes in place first and records after (no autograd to record): the entry's
  // input on the written memory is the value before the write, its output the one after.
  Recording r;
  td::Tensor a = td::mul(f64({1e300, -2.0, 3.0}), 1.0);  // known to the recorder: held
  a.mul_(1e10);                                           // 1e300 * 1e10 overflows to Inf
  td::Tensor b = td::relu(f64({-1.0, 2.0}));
  b.add_(b);  // both inputs are the written memory
  const std::vector<EntryRecord> entries = newest(r.recorder);
  ASSERT_GE(entries.size(), 4u);
  const std::optional<EntryRecord> mul = r.recorder.entry(entries[entries.size() - 3].entry.id);
  ASSERT_TRUE(mul);
  ASSERT_TRUE(mul->entry.inplace);
  ASSERT_EQ(mul->inputs[0].state, ValueState::Held);
  EXPECT_EQ(mul->inputs[0].value.toVector(), (std::vector<double>{1e300, -2.0, 3.0}));
  EXPECT_EQ(mul->inputs[0].stats.infs, 0) << "the input had no Inf: this op made it";
  EXPECT_EQ(mul->inputs[0].stats.max, 1e300);
  EXPECT_EQ(mul->outputs[0].stats.infs, 1);
  const std::optional<EntryRecord> add = r.recorder.entry(entries.back().entry.id);
  ASSERT_TRUE(add);
  ASSERT_EQ(add->inputs.size(), 2u);
  for (const td::debug::TensorRecord& input : add->inputs) EXPECT_EQ(input.value.toVector(), (std::vector<double>{0.0, 2.0}));
  EXPECT_EQ(add->outputs[0].value.toVector(), (std::vector<double>{0.0, 4.0}));
  // The entry before the write still shows what it made.
  EXPECT_EQ(r.recorder.entry(entries[entries.size() - 2].entry.id)->outputs[0].value.toVector(),
            (std::vector<double>{0.0, 2.0}));

  // A write the recorder saw under another id (relu_ with autograd: its entry's output is
  // the result tensor) leaves what it knows of y one version behind: the next in-place
  // entry's input is then not kept, rather than the pre-relu_ values it did not read.
  td::Tensor w = f64({-1.0, 2.0});
  w.setRequiresGrad();
  td::Tensor y = td::mul(w, 1.0);
  y.relu_();
  {
    td::NoGradGuard noGrad;
    y.add_(1.0);
  }
  const std::optional<EntryRecord> added = r.recorder.entry(newest(r.recorder).back().entry.id);
  ASSERT_TRUE(added);
  ASSERT_TRUE(added->entry.inplace);
  EXPECT_EQ(added->inputs[0].state, ValueState::NotKept);
  EXPECT_EQ(added->outputs[0].value.toVector(), (std::vector<double>{1.0, 3.0}));

  // Memory the recorder never held: its old values are gone, and the entry says so instead
  // of showing the new ones as its input.
  td::Tensor fresh = f64({1.0, 2.0});
  fresh.mul_(3.0);
  const std::optional<EntryRecord> unseen = r.recorder.entry(newest(r.recorder).back().entry.id);
  ASSERT_TRUE(unseen);
  EXPECT_EQ(unseen->inputs[0].state, ValueState::NotKept);
  EXPECT_FALSE(unseen->inputs[0].stats.computed);
  EXPECT_EQ(unseen->outputs[0].value.toVector(), (std::vector<double>{3.0, 6.0}));
}

TEST(Recorder, MovesALargeParameterAndItsStateBeforeTheOptimizerWritesThem) {
  // A parameter of 8 KB: the recorder keeps its memory (and the optimizer state's) instead
  // of copying it, the fused pass reads the old values there and fills fresh memory. Under
  // a small budget it holds some of them only: the pass then reads the others from a copy.
  // Every way, the parameter steps exactly as a twin stepped with no recorder.
  std::vector<double> init(1024);
  for (std::size_t i = 0; i < init.size(); ++i) init[i] = 0.001 * static_cast<double>(i) - 0.5;
  for (const char* kind : kStatefulOptimizers) {
    for (const std::size_t budget : {std::size_t{256} << 20, std::size_t{20000}, std::size_t{9000}}) {
      SCOPED_TRACE(std::string(kind) + ", budget " + std::to_string(budget));
      td::Tensor w = f64(init), twin = f64(init);
      w.setRequiresGrad();
      twin.setRequiresGrad();
      auto optimizer = makeOptimizer(kind, w), twinOptimizer = makeOptimizer(kind, twin);
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

TEST(Recorder, AnOptimizerStepThatRunsOutOfMemoryLeavesTheParameterAndItsStateAsTheyWere) {
  // Memory runs out at each allocation of a step in turn: before anything moved, after the
  // recorder moved the parameter, after the pass moved part of the state. Every time the
  // step throws, the parameter, its state and the recorder's value of it are as before,
  // and the step retried, and the one after, match a twin's that never failed.
  std::vector<double> init(1024);  // 8 KB: moved, not copied
  for (std::size_t i = 0; i < init.size(); ++i) init[i] = 0.002 * static_cast<double>(i) - 1.0;
  for (const char* kind : kStatefulOptimizers) {
    int failures = 0;
    for (int64_t allowed = 0; allowed < 32; ++allowed) {
      SCOPED_TRACE(std::string(kind) + ", failing after " + std::to_string(allowed) + " allocations");
      td::Tensor w = f64(init), twin = f64(init);
      w.setRequiresGrad();
      twin.setRequiresGrad();
      auto optimizer = makeOptimizer(kind, w), twinOptimizer = makeOptimizer(kind, twin);
      Recording r;
      auto twinStep = [&] {
        td::UnobservedScope unseen;
        td::sum(td::mul(twin, twin)).backward();
        twinOptimizer->step();
        twinOptimizer->zeroGrad();
      };
      // A first step makes the state; the second fails.
      for (int step = 0; step < 2; ++step) twinStep();
      td::sum(td::mul(w, w)).backward();
      optimizer->step();
      optimizer->zeroGrad();
      const std::vector<double> before = w.toVector();
      const td::optim::StateDict stateBefore = optimizer->stateDict();
      td::sum(td::mul(w, w)).backward();
      const uint64_t mulId = findOp(newest(r.recorder), td::OpId::Mul)->entry.id;
      td::detail::failAllocationAfter(allowed);
      bool threw = false;
      try {
        optimizer->step();
      } catch (const td::Error& e) {
        threw = true;
        EXPECT_NE(std::string(e.what()).find("out of memory"), std::string::npos) << e.what();
      }
      td::detail::failAllocationAfter(-1);
      if (!threw) {
        ASSERT_EQ(w.toVector(), twin.toVector());
        break;  // the step needs fewer allocations than that: every one has failed once
      }
      ++failures;
      ASSERT_EQ(w.toVector(), before) << "the parameter as it was";
      const td::optim::StateDict stateAfter = optimizer->stateDict();
      ASSERT_EQ(stateAfter.size(), stateBefore.size());
      for (std::size_t i = 0; i < stateBefore.size(); ++i) {
        ASSERT_EQ(stateAfter[i].first, stateBefore[i].first);
        ASSERT_EQ(stateAfter[i].second.toVector(), stateBefore[i].second.toVector()) << stateBefore[i].first;
      }
      const std::optional<EntryRecord> mul = r.recorder.entry(mulId);
      ASSERT_TRUE(mul);
      ASSERT_EQ(mul->inputs[0].state, ValueState::Held);
      ASSERT_EQ(mul->inputs[0].value.toVector(), before) << "the recorder's value of it, too";
      optimizer->step();  // retried: the step it would have been
      optimizer->zeroGrad();
      ASSERT_EQ(w.toVector(), twin.toVector());
      twinStep();
      td::sum(td::mul(w, w)).backward();
      optimizer->step();
      optimizer->zeroGrad();
      ASSERT_EQ(w.toVector(), twin.toVector()) << "and the one after";
    }
    EXPECT_GE(failures, 2) << kind << ": a failure before anything moved, and one after the parameter moved";
  }
}

TEST(Recorder, AFusedPassMovesTheStateNoRecorderHeldOnceTheParameterMoved) {
  // The recorder holds the parameter (8 KB: it moves it), not the optimizer state: the pass
  // moves the state's memory too, where it can, instead of copying its bytes; a state that
  // is a view of a larger storage cannot move and is copied.
  std::vector<double> init(1024);
  for (std::size_t i = 0; i < init.size(); ++i) init[i] = 0.25 * static_cast<double>(i);
  Recording r;
  td::Tensor param = f64(init);
  const td::Tensor read = td::mul(param, 2.0);  // the recorder holds param
  td::Tensor state = f64(init);
  td::Tensor wide = f64(std::vector<double>(2048, 3.0));
  td::Tensor part = wide.slice(0, 0, 1024);  // half of its storage
  const void* paramMemory = param.rawData();
  const void* stateMemory = state.rawData();
  const void* partMemory = part.rawData();
  const td::optim::detail::FusedSources sources = td::optim::detail::beforeFusedWriteFrom({&param, &state, &part});
  ASSERT_TRUE(sources.anyMoved);
  ASSERT_TRUE(sources.moved[0]) << "the recorder moved the parameter it holds";
  EXPECT_NE(param.rawData(), paramMemory);
  ASSERT_TRUE(sources.moved[1]) << "the state no recorder held moved too";
  EXPECT_TRUE(sources.copies[1].empty()) << "and was not copied";
  EXPECT_NE(state.rawData(), stateMemory);
  EXPECT_EQ(sources.data[1], stateMemory) << "the pass reads its old values where they were";
  EXPECT_FALSE(sources.moved[2]) << "a view of half a storage cannot move";
  EXPECT_EQ(sources.copies[2].size(), 1024 * sizeof(double));
  EXPECT_EQ(part.rawData(), partMemory);
  EXPECT_EQ(sources.of<double>(1)[1023], init[1023]);
  EXPECT_EQ(sources.of<double>(2)[5], 3.0);
  // (The pass defines every written byte; a failed one restores what moved.)
  td::optim::detail::restoreMoved({&param, &state, &part}, sources);
  EXPECT_EQ(state.toVector(), init);
  EXPECT_EQ(param.toVector(), init);
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
  const std::optional<EntryRecord> fill = newestOp(r.recorder, td::OpId::Fill);
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
  bool refused = false;
  try {
    flags.mul_(other);  // the kernel refuses bool (after the recorder moved the memory)
  } catch (const td::Error&) {
    refused = true;
  }
  EXPECT_EQ(flags.toVector(), std::vector<double>(n, refused ? 1.0 : 0.0))
      << (refused ? "the refused write left the old value" : "the write went ahead");
}

}  // namespace
