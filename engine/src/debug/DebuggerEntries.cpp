// The debugger's checks at each tape entry (see Debugger.h): requests, steps, data and
// gradient-norm checks, and breakpoints, decided on the executing thread as the tape
// reports each forward entry and backward step.
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "autograd/Node.h"
#include "autograd/Recording.h"
#include "debug/DebuggerBreakpoint.h"
#include "tapedeck/debug/Debugger.h"

namespace td::debug {

using ::td::detail::concat;

namespace {

/// The module call `path` lies inside that matches `glob`: the shortest non-empty prefix of
/// `path` ending at a component boundary that matches; empty when none does (the root, the
/// empty path, is no module).
std::string matchingModule(const std::string& glob, const std::string& path) {
  for (std::size_t end = 1; end <= path.size(); ++end) {
    if (end != path.size() && path[end] != '.') continue;
    if (scopeMatches(glob, path.substr(0, end))) return path.substr(0, end);
  }
  return {};
}

/// The checks without a recorder: a NaN/Inf pass, or, for a gradient-norm check (`norms`),
/// the full statistics.
RecordSummary summarize(const Tensor* values, std::size_t n, bool norms) {
  RecordSummary summary;
  for (std::size_t i = 0; i < n; ++i) {
    if (!values[i].defined() || !isFloating(values[i].dtype())) continue;
    if (!norms) {
      summary.nonFinite = summary.nonFinite || anyNonFinite(values[i]);
      continue;
    }
    const TensorStats stats = computeStats(values[i]);
    summary.nonFinite = summary.nonFinite || stats.nonFinite();
    summary.squaredNorm += stats.norm * stats.norm;
  }
  if (summary.nonFinite) summary.squaredNorm = std::numeric_limits<double>::infinity();
  return summary;
}

}  // namespace

bool Debugger::producesNonFinite(const Tensor* sources, std::size_t numSources, const Tensor* values,
                                 std::size_t numValues) {
  std::lock_guard lock(m_mutex);
  bool inherited = false;
  for (std::size_t i = 0; i < numSources && !inherited; ++i)
    inherited = sources[i].defined() && m_nonFiniteTensors.count(sources[i].id()) > 0;
  if (m_nonFiniteTensors.size() > kMaxNonFiniteTensors) m_nonFiniteTensors.clear();  // a long run gone NaN
  for (std::size_t i = 0; i < numValues; ++i)
    if (values[i].defined() && anyNonFinite(values[i])) m_nonFiniteTensors.insert(values[i].id());
  return !inherited;
}

void Debugger::atEntry(const TapeEntry& entry, Direction direction, const Tensor* values, std::size_t numValues,
                       const Tensor* sources, std::size_t numSources, const RecordSummary* summary) {
  // What the previous forward entry saw (module breakpoints compare with it).
  const ScopeId previousScope = m_previousScope;
  const uint64_t callsAtPrevious = m_callsAtPrevious;
  const uint64_t callsNow = Tape::scopeCallCount();
  if (direction == Direction::Forward) {
    m_previousScope = entry.scope;
    m_callsAtPrevious = callsNow;
  }
  if (m_quiet.load(std::memory_order_acquire)) return;
  // The recorder's summary passed the checks (a NaN-free output, a gradient whose norm the
  // recorder computed: the threshold is then compared below, under the lock).
  if (summary != nullptr && summary->checked && !summary->nonFinite && m_onlyDataChecks.load(std::memory_order_acquire) &&
      (direction == Direction::Forward || !m_checkNorms.load(std::memory_order_relaxed)))
    return;
  std::shared_ptr<const std::vector<Breakpoint>> breakpoints;
  bool pauseRequested = false, nonFinite = false;
  std::optional<StepKind> step;
  std::optional<double> gradNorm;
  {
    std::lock_guard lock(m_mutex);
    if (m_state == State::Stopping) throw Cancelled();
    breakpoints = m_breakpoints;
    pauseRequested = m_pauseRequested;
    step = m_state == State::Stepping ? m_step : std::nullopt;
    nonFinite = m_breakOnNonFinite;
    gradNorm = m_gradNormThreshold;
  }
  const bool backward = direction == Direction::Backward;
  // Strings are built only when something pauses or a module breakpoint needs them.
  auto name = [&] { return Tape::entryName(entry); };
  auto pause = [&](PauseReason reason, std::string description) {
    block(eventFor(entry, direction, reason, std::move(description)));
  };
  if (pauseRequested) return pause(PauseReason::Requested, "paused on request");
  if (step && (*step == StepKind::NextOp || (*step == StepKind::NextBackwardOp && backward)))
    return pause(PauseReason::Step, concat("step to ", name(), backward ? " (backward)" : ""));
  std::optional<RecordSummary> computed;
  auto checks = [&]() -> const RecordSummary& {
    if (summary != nullptr && summary->checked) return *summary;
    if (!computed) computed = summarize(values, numValues, backward && gradNorm.has_value());
    return *computed;
  };
  // The op that produced a NaN or Inf first: one whose non-finite values came in through
  // an input already seen non-finite (or, backward, an incoming gradient) passes them on.
  if (nonFinite && checks().nonFinite && producesNonFinite(sources, numSources, values, numValues))
    return pause(PauseReason::NonFinite, concat("NaN or Inf in the ", backward ? "gradient from the backward of " :
                                                "output of ", name()));
  if (backward && gradNorm) {
    const double norm = std::sqrt(checks().squaredNorm);
    if (norm > *gradNorm)
      return pause(PauseReason::GradNorm, concat("gradient norm ", norm, " above ", *gradNorm, " in the backward of ",
                                                 name()));
  }
  if (!breakpoints) return;
  for (const Breakpoint& b : *breakpoints) {
    switch (b.kind) {
      case Breakpoint::Kind::Op:
        if (b.op == entry.op && (backward ? b.backward : b.forward))
          return pause(PauseReason::OpBreakpoint, concat(b.description, backward ? " (backward)" : " (forward)"));
        break;
      case Breakpoint::Kind::Module: {
        // Entering: this entry is inside a module call matching the glob, and the previous
        // forward entry was not inside that same call: outside it, in a sibling that matches
        // too (layers.0, then layers.1), or in an earlier call of the same module (a cell
        // called once per time step). The call is told by its number (Tape::scopeCallOf):
        // one that began after the previous entry is new. A scope pushed by no call (a
        // composite's) is compared by path.
        if (backward || entry.scope == 0) break;
        if (entry.scope == previousScope && callsNow == callsAtPrevious) break;
        const std::string module = matchingModule(b.glob, Tape::scopeName(entry.scope));
        if (module.empty()) break;
        const ScopeId modulePath = Tape::internedId(module);  // 0: never interned, so no guard pushed it
        const uint64_t call = modulePath != 0 ? Tape::scopeCallOf(modulePath) : 0;
        const bool entered = call != 0 ? call > callsAtPrevious
                                       : module != matchingModule(b.glob, Tape::scopeName(previousScope));
        if (entered) return pause(PauseReason::ModuleBreakpoint, concat(b.description, " (", module, ")"));
        break;
      }
      case Breakpoint::Kind::Condition: {
        std::string failure;
        bool holds = false;
        try {
          holds = b.condition(entry);
        } catch (const ConditionFailed& error) {
          failure = error.what();  // the user's predicate raised: pause here and say so
        }
        if (!failure.empty()) return pause(PauseReason::Condition, concat(b.description, " raised ", failure));
        if (holds) return pause(PauseReason::Condition, b.description);
        break;
      }
    }
  }
}

bool Debugger::needsChecks(Direction direction) const {
  return (direction == Direction::Backward ? m_checkBackward : m_checkForward).load(std::memory_order_relaxed);
}

void Debugger::onForward(const TapeEntry& entry, const OpTensors& tensors) {
  if (m_recorder) {
    const RecordSummary summary = m_recorder->recordForward(entry, tensors, needsChecks(Direction::Forward));
    atEntry(entry, Direction::Forward, tensors.outputs, tensors.numOutputs, tensors.inputs, tensors.numInputs, &summary);
  } else {
    atEntry(entry, Direction::Forward, tensors.outputs, tensors.numOutputs, tensors.inputs, tensors.numInputs, nullptr);
  }
}

void Debugger::onBackwardStep(const TapeEntry& entry, const BackwardStep& step) {
  const Tensor* grads = step.gradInputs != nullptr ? step.gradInputs->data() : nullptr;
  const std::size_t n = step.gradInputs != nullptr ? step.gradInputs->size() : 0;
  const Tensor* incoming = step.gradOutputs != nullptr ? step.gradOutputs->data() : nullptr;
  const std::size_t m = step.gradOutputs != nullptr ? step.gradOutputs->size() : 0;
  if (m_recorder) {
    const RecordSummary summary = m_recorder->recordBackward(entry, step, needsChecks(Direction::Backward),
                                                             m_checkNorms.load(std::memory_order_relaxed));
    atEntry(entry, Direction::Backward, grads, n, incoming, m, &summary);
  } else {
    atEntry(entry, Direction::Backward, grads, n, incoming, m, nullptr);
  }
}

void Debugger::onBackwardBegin(const std::vector<Tensor>& roots) {
  if (m_recorder) m_recorder->recordBackwardBegin(roots);
  bool pause = false;
  {
    std::lock_guard lock(m_mutex);
    if (m_state == State::Stopping) throw Cancelled();
    pause = m_pauseRequested || (m_state == State::Stepping && m_step == StepKind::ToBackward);
  }
  if (!pause) return;
  PauseEvent event;
  event.reason = PauseReason::BackwardStart;
  event.description = "backward() starts";
  event.direction = Direction::Backward;
  event.iteration = Tape::iteration();
  event.loc = currentSourceLoc().resolved();  // the line that called backward()
  if (!roots.empty() && roots.front().defined() && roots.front().gradFn())
    event.rootEntry = roots.front().gradFn()->entry.id;
  block(std::move(event));
}

void Debugger::onBackwardEnd() {
  if (m_recorder) m_recorder->recordBackwardEnd();
}

void Debugger::onIterationEnd(uint64_t iteration) {
  bool pause = false;
  {
    std::lock_guard lock(m_mutex);
    if (m_state == State::Stopping) throw Cancelled();
    pause = m_state == State::Stepping && m_step == StepKind::ToIterationEnd;
  }
  if (!pause) return;
  PauseEvent event;
  event.reason = PauseReason::IterationEnd;
  event.description = concat("iteration ", iteration, " ended");
  event.iteration = iteration;
  event.loc = currentSourceLoc().resolved();  // the line whose op begins the next one
  block(std::move(event));
}

}  // namespace td::debug
