#pragma once
// The debugger core: stop conditions checked as the tape records, and the pause/step
// protocol. A Debugger is a TapeObserver: when a condition holds, the executing thread
// publishes a PauseEvent and blocks (holding no engine lock) until another thread says
// continue, step or stop. Stop makes the executing thread throw debug::Cancelled at its
// next op or wait. Qt-free: the IDE, a Python script or a test drive it alike.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "tapedeck/autograd/Tape.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/debug/Recorder.h"

namespace td::debug {

/// running: ops run freely; paused: the executing thread is blocked; stepping: running
/// until a step request is met; stopping: a stop was requested and not yet honoured;
/// finished / failed: the run ended (finish()).
enum class State { Running, Paused, Stepping, Stopping, Finished, Failed };
const char* stateName(State state);

enum class PauseReason { OpBreakpoint, ModuleBreakpoint, NonFinite, GradNorm, Condition, Step, BackwardStart,
                         IterationEnd, Requested, Line };
const char* reasonName(PauseReason reason);

/// What a step request runs to.
enum class StepKind {
  NextOp,          ///< the next tape entry, forward or backward
  NextBackwardOp,  ///< the next backward step
  ToBackward,      ///< the start of the next backward()
  ToIterationEnd,  ///< the end of the current iteration
};

/// Why and where the executing thread stopped (a snapshot: plain values).
struct PauseEvent {
  uint64_t sequence = 0;  ///< 1, 2, ... per debugger: tells one pause from the next
  PauseReason reason = PauseReason::Requested;
  std::string description;  ///< "NaN or Inf in the output of log", "breakpoint on matmul (backward)", ...
  uint64_t entryId = 0;     ///< 0 when not at an entry (backward start, iteration end, a line)
  OpId op = OpId::Add;
  std::string name;         ///< the entry's display name (Tape::entryName): "matmul", "SGD"
  Direction direction = Direction::Forward;
  uint64_t iteration = 0;
  std::string scope;  ///< module path of the entry
  SourceLoc loc;      ///< resolved (file, line)
  uint64_t rootEntry = 0;  ///< backward start: the entry that made the first root (the loss); else 0
};

/// Thrown on the executing thread when the run is stopped.
class Cancelled : public Error {
 public:
  Cancelled() : Error("debugger: the run was stopped") {}
};

/// Thrown by a condition breakpoint's predicate that failed (the user's callable raised):
/// the run pauses at that entry and the pause says why, as a line breakpoint whose
/// condition raises does.
class ConditionFailed : public Error {
 public:
  explicit ConditionFailed(const std::string& why) : Error(why) {}
};

class Debugger : public TapeObserver {
 public:
  Debugger();
  ~Debugger() override;  ///< detaches
  Debugger(const Debugger&) = delete;
  Debugger& operator=(const Debugger&) = delete;

  /// Starts and stops observing the tape (attach also resets the state to running).
  void attach();
  void detach();

  // --- stop conditions (thread-safe; each returns an id for removeBreakpoint) -------
  int addOpBreakpoint(OpId op, bool forward = true, bool backward = true);
  /// Entering a module whose scope path matches `glob` ('*' matches within one path
  /// component, '**' across components): "encoder.layers.*.attn", "fc1".
  int addModuleBreakpoint(const std::string& glob);
  /// A predicate on each entry (forward and backward); runs on the executing thread. One
  /// that throws ConditionFailed pauses there, saying why; any other exception goes on.
  int addCondition(std::function<bool(const TapeEntry&)> condition, std::string description = "condition");
  /// False when no breakpoint has that id (never added, or removed already).
  bool removeBreakpoint(int id);
  /// The first NaN or Inf produced by any op, forward (outputs) or backward (gradients).
  void setBreakOnNonFinite(bool enabled);
  /// A backward step whose input-gradient norm (L2 over all its gradients) exceeds `threshold`.
  void setBreakOnGradNorm(std::optional<double> threshold);

  /// The recorder that keeps this run's entries, statistics and values (set before
  /// attach; null for none). The debugger forwards the tape to it first, so a pause at
  /// an entry can already query it, and its NaN and grad-norm checks read the recorder's
  /// statistics instead of a second pass.
  void setRecorder(std::shared_ptr<Recorder> recorder);
  std::shared_ptr<Recorder> recorder() const { return m_recorder; }

  // --- control, from any thread -------------------------------------------------------
  /// Pauses at the next op (or line, or wait).
  void requestPause();
  /// Continues a paused run.
  void resume();
  /// Continues until `kind` is met, then pauses.
  void step(StepKind kind);
  /// Ends the run: the executing thread throws Cancelled at its next op, line or wait.
  void stop();
  State state() const;
  /// Waits for a pause with a sequence number after `afterSequence`; nullopt on timeout
  /// or when the run finished first.
  std::optional<PauseEvent> waitForPause(uint64_t afterSequence, std::chrono::milliseconds timeout);
  /// The current pause (when paused).
  std::optional<PauseEvent> currentPause() const;
  /// Runs `job` on the paused executing thread, which stays paused (between the blocking
  /// hooks: in Python it holds the GIL while the job runs). Jobs run in order, before a
  /// command given after them (serve then resume: the job runs first). Returns false, and
  /// drops the job, when not paused. A job's exceptions are swallowed: report through it.
  bool serve(std::function<void()> job);

  // --- the executing side -------------------------------------------------------------
  /// Honours a pending pause or stop at a point that is not a tape entry (a Python line,
  /// a long wait): blocks when a pause is pending, throws Cancelled when stopping.
  void checkpoint(const SourceLoc& loc = {});
  /// Pauses the executing thread with the given event (the Python line stepper uses this,
  /// so there is one pause mechanism); returns when resumed, throws Cancelled on stop.
  void pauseHere(PauseEvent event);
  /// The run ended (normally, or with an error): waiters wake, state finished or failed.
  void finish(bool failed = false);
  /// Called on the executing thread just before it blocks and just after it wakes
  /// (the Python layer releases and retakes the GIL here).
  void setBlockingHooks(std::function<void()> beforeBlock, std::function<void()> afterWake);
  /// Called on the executing thread with each pause before it blocks.
  void setPauseListener(std::function<void(const PauseEvent&)> listener);

  // TapeObserver
  void onForward(const TapeEntry& entry, const OpTensors& tensors) override;
  void onBackwardBegin(const std::vector<Tensor>& roots) override;
  void onBackwardEnd() override;
  void onBackwardStep(const TapeEntry& entry, const BackwardStep& step) override;
  void onIterationEnd(uint64_t iteration) override;

 private:
  struct Breakpoint;
  enum class Command { None, Resume, Step, Stop };

  /// Checks stop and step requests and the conditions for an entry; pauses when one holds.
  /// `values` (outputs forward, input gradients backward) are checked for NaN and the
  /// gradient norm, from `summary` when the recorder made one; `sources` (inputs forward,
  /// the gradients coming in backward) tell whether a NaN was produced or passed on.
  void atEntry(const TapeEntry& entry, Direction direction, const Tensor* values, std::size_t numValues,
               const Tensor* sources, std::size_t numSources, const RecordSummary* summary);
  /// Entries whose `values` hold a NaN or Inf: whether none came in through `sources` (the
  /// entry produced it); the non-finite values are remembered either way.
  bool producesNonFinite(const Tensor* sources, std::size_t numSources, const Tensor* values, std::size_t numValues);
  PauseEvent eventFor(const TapeEntry& entry, Direction direction, PauseReason reason, std::string description) const;
  /// Blocks until a command arrives; applies it. Throws Cancelled on stop.
  void block(PauseEvent event);
  void throwIfStopping();
  /// Whether this entry's NaN or gradient-norm checks are on (the recorder then computes
  /// their statistics at once, on the executing thread).
  bool needsChecks(Direction direction) const;
  /// Adds `breakpoint` with a fresh id (under the lock); returns the id.
  int addBreakpoint(Breakpoint breakpoint);

  mutable std::mutex m_mutex;
  std::condition_variable m_changed;
  State m_state = State::Running;
  Command m_command = Command::None;
  std::optional<StepKind> m_step;
  bool m_pauseRequested = false;
  uint64_t m_sequence = 0;
  std::optional<PauseEvent> m_pause;
  std::vector<std::function<void()>> m_jobs;  ///< served by the paused thread, in order
  /// Replaced, never changed in place: the executing thread takes a reference per entry
  /// instead of copying the list (and its callables) on every op.
  std::shared_ptr<const std::vector<Breakpoint>> m_breakpoints;
  int m_nextId = 1;
  bool m_breakOnNonFinite = false;
  std::optional<double> m_gradNormThreshold;
  /// Whether forward / backward entries need their checks' statistics at once (read per
  /// entry without the lock; set with the two above).
  std::atomic<bool> m_checkForward{false};
  std::atomic<bool> m_checkBackward{false};
  std::atomic<bool> m_checkNorms{false};  ///< a gradient-norm threshold is set
  /// Nothing to check at an entry (see refreshQuiet): atEntry takes no lock then.
  std::atomic<bool> m_quiet{false};
  /// Nothing but the data checks (NaN/Inf, gradient norm): an entry whose recorded summary
  /// passes them needs no lock either.
  std::atomic<bool> m_onlyDataChecks{false};
  void refreshQuiet();
  uint32_t m_previousScope = 0;
  /// Tape::scopeCallCount() at the previous forward entry: a scope call numbered above it
  /// began after that entry (a module breakpoint's module entered anew).
  uint64_t m_callsAtPrevious = 0;
  /// Tensors seen holding a NaN or Inf (ids), under m_mutex: an op reading one passes it on.
  std::unordered_set<uint64_t> m_nonFiniteTensors;
  static constexpr std::size_t kMaxNonFiniteTensors = 1u << 20;
  bool m_attached = false;
  std::shared_ptr<Recorder> m_recorder;
  std::function<void()> m_beforeBlock;
  std::function<void()> m_afterWake;
  std::function<void(const PauseEvent&)> m_listener;
};

/// Whether `path` ("encoder.layers.3.attn") matches `glob` ("encoder.layers.*.attn").
bool scopeMatches(const std::string& glob, const std::string& path);

}  // namespace td::debug
