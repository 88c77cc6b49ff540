// The debugger core: stop conditions and the pause/step protocol (see Debugger.h). What it
// checks at each tape entry is in DebuggerEntries.cpp.
#include "tapedeck/debug/Debugger.h"

#include <utility>

#include "autograd/Recording.h"
#include "debug/DebuggerBreakpoint.h"

namespace td::debug {

using ::td::detail::concat;

const char* stateName(State state) {
  switch (state) {
    case State::Running: return "running";
    case State::Paused: return "paused";
    case State::Stepping: return "stepping";
    case State::Stopping: return "stopping";
    case State::Finished: return "finished";
    case State::Failed: return "failed";
  }
  return "?";
}

const char* reasonName(PauseReason reason) {
  switch (reason) {
    case PauseReason::OpBreakpoint: return "op breakpoint";
    case PauseReason::ModuleBreakpoint: return "module breakpoint";
    case PauseReason::NonFinite: return "NaN or Inf";
    case PauseReason::GradNorm: return "gradient norm";
    case PauseReason::Condition: return "condition";
    case PauseReason::Step: return "step";
    case PauseReason::BackwardStart: return "backward start";
    case PauseReason::IterationEnd: return "iteration end";
    case PauseReason::Requested: return "pause requested";
    case PauseReason::Line: return "line";
  }
  return "?";
}

namespace {

/// '*' matches within one component (no '.'), '**' across components.
bool globMatch(const char* glob, const char* text) {
  if (*glob == '\0') return *text == '\0';
  if (glob[0] == '*' && glob[1] == '*') {
    for (const char* t = text;; ++t) {
      if (globMatch(glob + 2, t)) return true;
      if (*t == '\0') return false;
    }
  }
  if (*glob == '*') {
    for (const char* t = text;; ++t) {
      if (globMatch(glob + 1, t)) return true;
      if (*t == '\0' || *t == '.') return false;
    }
  }
  return *text != '\0' && *glob == *text && globMatch(glob + 1, text + 1);
}

}  // namespace

bool scopeMatches(const std::string& glob, const std::string& path) { return globMatch(glob.c_str(), path.c_str()); }

Debugger::Debugger() = default;

void Debugger::setRecorder(std::shared_ptr<Recorder> recorder) {
  std::lock_guard lock(m_mutex);
  TD_CHECK(!m_attached, "debugger", "set the recorder before attach()");
  m_recorder = std::move(recorder);
}

Debugger::~Debugger() { detach(); }

void Debugger::attach() {
  {
    std::lock_guard lock(m_mutex);
    if (m_attached) return;
    m_attached = true;
    m_state = State::Running;
    m_command = Command::None;
    m_step.reset();
    m_pauseRequested = false;
    m_pause.reset();
    m_nonFiniteTensors.clear();  // a new run: any NaN is a first again
    refreshQuiet();
  }
  Tape::addObserver(this);
}

void Debugger::detach() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_attached) return;
    m_attached = false;
  }
  Tape::removeObserver(this);
}

int Debugger::addOpBreakpoint(OpId op, bool forward, bool backward) {
  Breakpoint b;
  b.kind = Breakpoint::Kind::Op;
  b.op = op;
  b.forward = forward;
  b.backward = backward;
  b.description = concat("breakpoint on ", opName(op));
  return addBreakpoint(std::move(b));
}

int Debugger::addModuleBreakpoint(const std::string& glob) {
  TD_CHECK(!glob.empty(), "debugger", "a module breakpoint needs a module path or glob");
  Breakpoint b;
  b.kind = Breakpoint::Kind::Module;
  b.glob = glob;
  b.description = concat("entering module ", glob);
  return addBreakpoint(std::move(b));
}

int Debugger::addCondition(std::function<bool(const TapeEntry&)> condition, std::string description) {
  TD_CHECK(condition != nullptr, "debugger", "a condition breakpoint needs a callable");
  Breakpoint b;
  b.kind = Breakpoint::Kind::Condition;
  b.condition = std::move(condition);
  b.description = std::move(description);
  return addBreakpoint(std::move(b));
}

int Debugger::addBreakpoint(Breakpoint breakpoint) {
  std::lock_guard lock(m_mutex);
  breakpoint.id = m_nextId++;
  auto list = m_breakpoints ? std::make_shared<std::vector<Breakpoint>>(*m_breakpoints)
                            : std::make_shared<std::vector<Breakpoint>>();
  list->push_back(std::move(breakpoint));
  m_breakpoints = std::move(list);
  refreshQuiet();
  return m_breakpoints->back().id;
}

bool Debugger::removeBreakpoint(int id) {
  // The old list goes after the lock: a condition's Python callable takes the GIL to go.
  std::shared_ptr<const std::vector<Breakpoint>> old;
  std::lock_guard lock(m_mutex);
  if (!m_breakpoints) return false;
  auto list = std::make_shared<std::vector<Breakpoint>>(*m_breakpoints);
  if (std::erase_if(*list, [id](const Breakpoint& b) { return b.id == id; }) == 0) return false;
  old = std::exchange(m_breakpoints, std::move(list));
  refreshQuiet();
  return true;
}

void Debugger::setBreakOnNonFinite(bool enabled) {
  std::lock_guard lock(m_mutex);
  m_breakOnNonFinite = enabled;
  m_checkForward = m_breakOnNonFinite;
  m_checkBackward = m_breakOnNonFinite || m_gradNormThreshold.has_value();
  refreshQuiet();
}

void Debugger::setBreakOnGradNorm(std::optional<double> threshold) {
  TD_CHECK(!threshold || *threshold >= 0.0, "debugger", "the gradient-norm threshold must be >= 0, got ", *threshold);
  std::lock_guard lock(m_mutex);
  m_gradNormThreshold = threshold;
  m_checkBackward = m_breakOnNonFinite || m_gradNormThreshold.has_value();
  m_checkNorms = m_gradNormThreshold.has_value();
  refreshQuiet();
}

// --- control ----------------------------------------------------------------------------

void Debugger::requestPause() {
  std::lock_guard lock(m_mutex);
  // Paused with a resume or step not yet taken up by the executing thread counts as
  // running: the request holds for after it wakes.
  const bool waking = m_state == State::Paused && (m_command == Command::Resume || m_command == Command::Step);
  if (m_state == State::Running || m_state == State::Stepping || waking) m_pauseRequested = true;
  refreshQuiet();
}

void Debugger::resume() {
  std::lock_guard lock(m_mutex);
  m_step.reset();
  if (m_state == State::Paused) {
    m_command = Command::Resume;
    m_changed.notify_all();
  } else if (m_state == State::Stepping) {
    m_state = State::Running;
  }
  refreshQuiet();
}

void Debugger::step(StepKind kind) {
  std::lock_guard lock(m_mutex);
  if (m_state == State::Stopping || m_state == State::Finished || m_state == State::Failed) return;
  m_step = kind;
  if (m_state == State::Paused) {
    m_command = Command::Step;
    m_changed.notify_all();
  } else {
    m_state = State::Stepping;
  }
  refreshQuiet();
}

void Debugger::stop() {
  std::lock_guard lock(m_mutex);
  if (m_state == State::Finished || m_state == State::Failed) return;
  if (m_state == State::Paused) m_command = Command::Stop;
  m_state = State::Stopping;
  refreshQuiet();
  m_changed.notify_all();
}

State Debugger::state() const {
  std::lock_guard lock(m_mutex);
  return m_state;
}

std::optional<PauseEvent> Debugger::waitForPause(uint64_t afterSequence, std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  m_changed.wait_for(lock, timeout, [&] {
    return (m_pause && m_pause->sequence > afterSequence) || m_state == State::Finished || m_state == State::Failed;
  });
  if (m_pause && m_pause->sequence > afterSequence) return m_pause;
  return std::nullopt;
}

std::optional<PauseEvent> Debugger::currentPause() const {
  std::lock_guard lock(m_mutex);
  return m_pause;
}

bool Debugger::serve(std::function<void()> job) {
  std::lock_guard lock(m_mutex);
  if (m_state != State::Paused || m_command != Command::None || !job) return false;
  m_jobs.push_back(std::move(job));
  m_changed.notify_all();
  return true;
}

void Debugger::finish(bool failed) {
  std::lock_guard lock(m_mutex);
  m_state = failed ? State::Failed : State::Finished;
  refreshQuiet();
  m_pause.reset();
  m_changed.notify_all();
}

// The hooks replaced go after the lock (swapped into the arguments, which outlive it): one
// that holds a Python callable takes the GIL to let go of it.
void Debugger::setBlockingHooks(std::function<void()> beforeBlock, std::function<void()> afterWake) {
  std::lock_guard lock(m_mutex);
  m_beforeBlock.swap(beforeBlock);
  m_afterWake.swap(afterWake);
}

void Debugger::setPauseListener(std::function<void(const PauseEvent&)> listener) {
  std::lock_guard lock(m_mutex);
  m_listener.swap(listener);
}

// --- the executing side -------------------------------------------------------------------

void Debugger::throwIfStopping() {
  std::lock_guard lock(m_mutex);
  if (m_state == State::Stopping) throw Cancelled();
}

void Debugger::checkpoint(const SourceLoc& loc) {
  bool pause = false;
  {
    std::lock_guard lock(m_mutex);
    if (m_state == State::Stopping) throw Cancelled();
    pause = m_pauseRequested;
  }
  if (!pause) return;
  PauseEvent event;
  event.reason = PauseReason::Requested;
  event.description = "paused on request";
  event.iteration = Tape::iteration();
  event.loc = loc.resolved();
  block(std::move(event));
}

void Debugger::pauseHere(PauseEvent event) { block(std::move(event)); }

void Debugger::block(PauseEvent event) {
  std::function<void(const PauseEvent&)> listener;
  std::function<void()> beforeBlock, afterWake;
  {
    std::lock_guard lock(m_mutex);
    if (m_state == State::Stopping) throw Cancelled();
    event.sequence = ++m_sequence;
    m_pause = event;
    m_state = State::Paused;
    m_command = Command::None;
    m_pauseRequested = false;
    m_step.reset();
    refreshQuiet();
    listener = m_listener;
    beforeBlock = m_beforeBlock;
    afterWake = m_afterWake;
    m_changed.notify_all();
  }
  if (listener) listener(event);
  if (beforeBlock) beforeBlock();
  Command command;
  {
    std::unique_lock lock(m_mutex);
    for (;;) {
      m_changed.wait(lock, [&] { return m_command != Command::None || !m_jobs.empty(); });
      if (m_jobs.empty()) break;
      std::function<void()> job = std::move(m_jobs.front());
      m_jobs.erase(m_jobs.begin());
      lock.unlock();
      if (afterWake) afterWake();
      try {
        job();
      } catch (...) {  // the job reports its own failures (serve's contract)
      }
      job = nullptr;  // before the lock: letting go of a Python callable takes the GIL
      if (beforeBlock) beforeBlock();
      lock.lock();
    }
    command = m_command;
    m_command = Command::None;
    m_pause.reset();
    if (command == Command::Stop) m_state = State::Stopping;
    else m_state = command == Command::Step ? State::Stepping : State::Running;
    refreshQuiet();
  }
  if (afterWake) afterWake();
  if (command == Command::Stop) throw Cancelled();
}

PauseEvent Debugger::eventFor(const TapeEntry& entry, Direction direction, PauseReason reason,
                              std::string description) const {
  PauseEvent event;
  event.reason = reason;
  event.description = std::move(description);
  event.entryId = entry.id;
  event.op = entry.op;
  event.name = Tape::entryName(entry);
  event.direction = direction;
  event.iteration = entry.iteration;
  event.scope = Tape::scopeName(entry.scope);
  event.loc = entry.loc.resolved();
  return event;
}

void Debugger::refreshQuiet() {
  // (Under m_mutex.) Nothing for atEntry to do but follow the module scope: running, no
  // request, no breakpoint and no data check. Then it takes no lock.
  const bool onlyData =
      m_state == State::Running && !m_pauseRequested && !m_step && (!m_breakpoints || m_breakpoints->empty());
  m_onlyDataChecks.store(onlyData, std::memory_order_release);
  m_quiet.store(onlyData && !m_breakOnNonFinite && !m_gradNormThreshold, std::memory_order_release);
}

}  // namespace td::debug
