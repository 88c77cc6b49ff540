// The debugger's checks at each tape entry (see Debugger.h): requests, steps, data and
// gradient-norm checks, and breakpoints, decided on the executing thread as the tape
// reports each forward entry and backward step.
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "autograd/Recording.h"
#include "debug/DebuggerBreakpoint.h"
#include "tapedeck/debug/Debugger.h"

namespace td::debug {

using ::td::detail::concat;

namespace {

/// Whether `path` lies inside a module matching `glob` (the path or one of its prefixes
/// ending at a component boundary matches).
bool insideMatching(const std::string& glob, const std::string& path) {
  for (std::size_t end = 0; end <= path.size(); ++end) {
    if (end != path.size() && path[end] != '.') continue;
    if (scopeMatches(glob, path.substr(0, end))) return true;
  }
  return false;
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

void Debugger::atEntry(const TapeEntry& entry, Direction direction, const Tensor* values, std::size_t numValues,
                       const RecordSummary* summary) {
  if (m_quiet.load(std::memory_order_acquire)) {
    if (direction == Direction::Forward) m_previousScope = entry.scope;
    return;
  }
  // The recorder's summary passed the checks (a NaN-free output, a gradient whose norm the
  // recorder computed: the threshold is then compared below, under the lock).
  if (summary != nullptr && summary->checked && !summary->nonFinite && m_onlyDataChecks.load(std::memory_order_acquire) &&
      (direction == Direction::Forward || !m_checkNorms.load(std::memory_order_relaxed))) {
    if (direction == Direction::Forward) m_previousScope = entry.scope;
    return;
  }
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
  const ScopeId previousScope = m_previousScope;
  if (!backward) m_previousScope = entry.scope;
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
  if (nonFinite && checks().nonFinite)
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
        // Entering: this entry's module matches and the previous forward entry's did not.
        if (backward || entry.scope == 0 || entry.scope == previousScope) break;
        const std::string scope = Tape::scopeName(entry.scope);
        if (insideMatching(b.glob, scope) && !insideMatching(b.glob, Tape::scopeName(previousScope)))
          return pause(PauseReason::ModuleBreakpoint, concat(b.description, " (", scope, ")"));
        break;
      }
      case Breakpoint::Kind::Condition:
        if (b.condition(entry)) return pause(PauseReason::Condition, b.description);
        break;
    }
  }
}

bool Debugger::needsChecks(Direction direction) const {
  return (direction == Direction::Backward ? m_checkBackward : m_checkForward).load(std::memory_order_relaxed);
}

void Debugger::onForward(const TapeEntry& entry, const OpTensors& tensors) {
  if (m_recorder) {
    const RecordSummary summary = m_recorder->recordForward(entry, tensors, needsChecks(Direction::Forward));
    atEntry(entry, Direction::Forward, tensors.outputs, tensors.numOutputs, &summary);
  } else {
    atEntry(entry, Direction::Forward, tensors.outputs, tensors.numOutputs, nullptr);
  }
}

void Debugger::onBackwardStep(const TapeEntry& entry, const BackwardStep& step) {
  const Tensor* grads = step.gradInputs != nullptr ? step.gradInputs->data() : nullptr;
  const std::size_t n = step.gradInputs != nullptr ? step.gradInputs->size() : 0;
  if (m_recorder) {
    const RecordSummary summary = m_recorder->recordBackward(entry, step, needsChecks(Direction::Backward),
                                                             m_checkNorms.load(std::memory_order_relaxed));
    atEntry(entry, Direction::Backward, grads, n, &summary);
  } else {
    atEntry(entry, Direction::Backward, grads, n, nullptr);
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
  block(std::move(event));
}

}  // namespace td::debug
