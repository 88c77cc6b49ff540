#pragma once
// The tape: every op the engine runs becomes a TapeEntry; observers see entries as
// they happen (forward) and as backward replays them in reverse. This is the one
// seam through which the IDE and the debugger learn everything.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tapedeck/core/SmallVector.h"
#include "tapedeck/core/Export.h"
#include "tapedeck/core/SourceLocation.h"
#include "tapedeck/core/Tensor.h"
#include "tapedeck/ops/OpTable.h"

namespace td {

enum class Direction : uint8_t { Forward, Backward };

/// Interned scope path ("encoder.layer1.fc"); 0 is the root (no scope).
using ScopeId = uint32_t;

using IdList = SmallVector<uint64_t, 4>;

/// One recorded op application.
struct TapeEntry {
  uint64_t id = 0;                  // monotonic in the process
  OpId op = OpId::Add;
  bool differentiable = false;      // recorded for autograd (an input required grad, grad mode on)
  bool inplace = false;             // an in-place method (add_, relu_, ...) wrote the result into its input
  Direction direction = Direction::Forward;  // Backward: made by a derivative formula under create_graph
  uint64_t createdBy = 0;           // for Direction::Backward, the entry whose backward ran this op
  uint64_t iteration = 0;
  ScopeId scope = 0;
  // The outermost scope call (Tape::scopeCallOf) that began on this thread since its previous
  // observed entry, by path; 0 when none did, or when no observer saw this one. Tells two
  // calls of one module back to back apart.
  ScopeId enteredScope = 0;
  SourceLoc loc;
  uint32_t customName = 0;          // for OpId::Custom: the function's name (Tape::internedString)
  IdList inputIds;
  IdList outputIds;
  IdList savedIds;
  OpAttrs attrs;

  TapeEntry();
  ~TapeEntry();
  TapeEntry(const TapeEntry& other);
  TapeEntry& operator=(const TapeEntry& other);
  /// Live TapeEntry objects in the process (for leak tests).
  static int64_t liveCount();
};

/// Tensors of one op application, as the observer sees them (valid during the call).
struct OpTensors {
  const Tensor* inputs = nullptr;
  std::size_t numInputs = 0;
  const Tensor* outputs = nullptr;
  std::size_t numOutputs = 0;
};

/// Gradients flowing through one backward step: into the entry (w.r.t. its outputs)
/// and out of it (w.r.t. its inputs; undefined where an input needs none).
struct BackwardStep {
  const std::vector<Tensor>* gradOutputs = nullptr;
  const std::vector<Tensor>* gradInputs = nullptr;
};

/// Sees the tape. Called synchronously on the executing thread, holding no engine lock,
/// so an implementation may block (the debugger pauses a model this way).
class TapeObserver {
 public:
  virtual ~TapeObserver() = default;
  virtual void onForward(const TapeEntry& entry, const OpTensors& tensors) { (void)entry; (void)tensors; }
  /// `roots` are the tensors backward starts from.
  virtual void onBackwardBegin(const std::vector<Tensor>& roots) { (void)roots; }
  virtual void onBackwardStep(const TapeEntry& entry, const BackwardStep& step) { (void)entry; (void)step; }
  virtual void onBackwardEnd() {}
  /// An iteration ended (backward returned and a new op other than an in-place write began, as an optimizer's
  /// update stays with its backward; tapedeck step(); or 10,000 entries).
  virtual void onIterationEnd(uint64_t iteration) { (void)iteration; }
};

class Tape {
 public:
  /// Observers are not owned; remove before destroying.
  static void addObserver(TapeObserver* observer);
  static void removeObserver(TapeObserver* observer);
  static bool hasObservers() { return s_hasObservers.load(std::memory_order_relaxed); }

  /// For an observer, in onBackwardBegin/Step/End: whether that backward is autograd::grad's
  /// (it returns the gradients and leaves every .grad as it was) rather than backward()'s.
  static bool inGradCall();

  /// The current iteration number (starts at 0).
  static uint64_t iteration();
  /// Ends the current iteration explicitly (a script that never calls backward).
  static void step();
  /// Whether the current iteration has begun: an entry was recorded in it, or a
  /// backward() returned (a run starting now would share it).
  static bool iterationStarted();
  /// Entries without a backward after which an iteration ends on its own.
  static constexpr uint64_t kMaxEntriesPerIteration = 10000;

  /// Scope paths.
  static ScopeId currentScope();
  /// Scope calls: every ScopeGuard that changes the path (a module's forward, an optimizer's
  /// step; not the outermost module, whose ops keep the caller's path) is one call, numbered
  /// from 1 in the process in the order they begin. How many have begun so far:
  static uint64_t scopeCallCount();
  /// The number of the innermost call active on this thread whose path is `scope`; 0 when
  /// none is (a composite's scope, or a path no guard pushed). Two calls of one module back
  /// to back have one path and two numbers.
  static uint64_t scopeCallOf(ScopeId scope);
  /// The id `text` was interned with, without interning it; 0 when it never was.
  static uint32_t internedId(const std::string& text);
  static std::string scopeName(ScopeId id);
  /// Interns a name (parameter names, file names); returns a stable id, 0 for "".
  static uint32_t intern(const std::string& text);
  static const std::string& internedString(uint32_t id);
  /// An entry's display name: the op's ("matmul"), or for OpId::Custom the custom function's
  /// or the optimizer's ("SGD").
  static std::string entryName(const TapeEntry& entry);

  TD_SHARED_STATE static inline std::atomic<bool> s_hasObservers{false};
};

/// RAII: ops (and backward passes) run on this thread during its lifetime are not shown
/// to observers and do not end an iteration; gradients still flow. For the debugger's own
/// work while paused: an expression evaluated in the paused frame is not part of the run.
class UnobservedScope {
 public:
  UnobservedScope();
  ~UnobservedScope();
  UnobservedScope(const UnobservedScope&) = delete;
  UnobservedScope& operator=(const UnobservedScope&) = delete;

 private:
  bool m_previous;
};

/// RAII: pushes `name` onto this thread's scope path for its lifetime
/// (modules and composites; "encoder" then "fc" gives "encoder.fc"), as one scope call
/// (Tape::scopeCallOf) when that changes the path.
class ScopeGuard {
 public:
  explicit ScopeGuard(const std::string& name);
  explicit ScopeGuard(ScopeId absolutePath, bool absolute);
  ~ScopeGuard();
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;

 private:
  void enter(ScopeId scope);
  ScopeId m_previous;
  uint64_t m_call = 0;
};

}  // namespace td
