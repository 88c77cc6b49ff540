// The runner, driven from the GUI thread: pause, resume, stop and steps go to the C++
// debugger (and, for pure Python code, to pending calls); what needs Python is served by
// the paused thread as a job. Nothing here waits for the GIL.
#include "ScriptRunnerPython.h"  // first: Python's headers before Qt's `slots`

namespace td::app {

using detail::addPendingCall;
using detail::shapeText;
using detail::statsText;
using detail::str;

bool ScriptRunner::isRunning() const {
  std::lock_guard lock(m_mutex);
  return m_running;
}

bool ScriptRunner::isPaused() const {
  std::lock_guard lock(m_mutex);
  return m_running && m_debugger != nullptr && m_debugger->state() == debug::State::Paused;
}

void ScriptRunner::pause() {
  std::lock_guard lock(m_mutex);
  if (!m_running || m_debugger == nullptr) return;
  // At the next op (the debugger) or the next bytecode of pure Python code (a pending call
  // on Python's main thread, the runner), whichever comes first.
  m_pauseWanted = true;
  m_debugger->requestPause();
  addPendingCall([](void* self) { return static_cast<ScriptRunner*>(self)->pendingPause(); }, this);
}

int ScriptRunner::pendingPause() {
  if (!m_pauseWanted.exchange(false) || !m_python->run) return 0;
  try {
    m_python->run.attr("pause_now")();
  } catch (py::error_already_set& error) {
    error.restore();  // Cancelled (stopped while paused): raised in the script
    return -1;
  }
  return 0;
}

int ScriptRunner::pendingStop() {
  if (!m_stopWanted.exchange(false) || !m_python->run) return 0;
  try {
    m_python->run.attr("stop_now")();
  } catch (py::error_already_set& error) {
    error.restore();  // Cancelled, raised in the script like KeyboardInterrupt
    return -1;
  }
  return 0;
}

void ScriptRunner::resume() {
  std::lock_guard lock(m_mutex);
  if (m_running && m_debugger != nullptr) m_debugger->resume();
}

void ScriptRunner::stop() {
  {
    std::lock_guard lock(m_mutex);
    if (m_running && m_debugger != nullptr) {
      m_debugger->stop();
      m_stopWanted = true;
      addPendingCall([](void* self) { return static_cast<ScriptRunner*>(self)->pendingStop(); }, this);
    }
  }
  m_inputReady.notify_all();
}

void ScriptRunner::stepOp(bool backwardOnly) {
  std::lock_guard lock(m_mutex);
  if (m_running && m_debugger != nullptr)
    m_debugger->step(backwardOnly ? debug::StepKind::NextBackwardOp : debug::StepKind::NextOp);
}

void ScriptRunner::runToBackward() {
  std::lock_guard lock(m_mutex);
  if (m_running && m_debugger != nullptr) m_debugger->step(debug::StepKind::ToBackward);
}

bool ScriptRunner::serve(std::function<void()> job) {
  std::lock_guard lock(m_mutex);
  if (!m_running || m_debugger == nullptr) return false;
  return m_debugger->serve([job = std::move(job)] {
    py::gil_scoped_acquire gil;
    job();
  });
}

void ScriptRunner::stepLine(const QString& kind, const QString& file, int line) {
  const std::string k = kind.toStdString(), f = file.toStdString();
  bool queued = serve([this, k, f, line] {
    try {
      if (k == "to")
        m_python->run.attr("step")(k, f, line);
      else
        m_python->run.attr("step")(k);
    } catch (py::error_already_set& error) {
      emit stepRefused(QString::fromUtf8(error.what()).section('\n', 0, 0));
      return;  // stays paused
    }
    std::lock_guard lock(m_mutex);
    if (m_debugger != nullptr) m_debugger->resume();
  });
  if (!queued)
    emit stepRefused(QStringLiteral("%1 needs a paused run").arg(kind == "to" ? "Run to Cursor" : "A line step"));
}

void ScriptRunner::requestSnapshot(int frameIndex) {
  quint64 sequence = 0;
  {
    std::lock_guard lock(m_mutex);
    if (m_debugger != nullptr) {
      auto pause = m_debugger->currentPause();
      sequence = pause ? pause->sequence : 0;
    }
  }
  serve([this, frameIndex, sequence] {
    PausedSnapshot snapshot;
    snapshot.sequence = sequence;
    try {
      py::dict snap = m_python->run.attr("snapshot")(frameIndex);
      for (py::handle f : snap["frames"])
        snapshot.frames.push_back(FrameInfo{str(f["file"]), f["line"].cast<int>(), str(f["function"])});
      snapshot.selected = snap["selected"].cast<int>();
      for (py::handle v : snap["variables"]) {
        VariableInfo info{str(v["name"]), str(v["scope"]), str(v["type"]), str(v["value"]), {}, {}, {}};
        if (!v["shape"].is_none()) {
          info.shape = shapeText(v["shape"].cast<std::vector<int64_t>>());
          info.dtype = str(v["dtype"]);
          info.stats = statsText(v["stats"]);
          info.tensorId = v["id"].cast<quint64>();
        }
        snapshot.variables.push_back(std::move(info));
      }
      if (snap.contains("modules")) snapshot.modules = detail::moduleRows(snap["modules"]);
    } catch (py::error_already_set& error) {
      emit message(QStringLiteral("could not read the paused frame: %1").arg(QString::fromUtf8(error.what())));
    }
    emit snapshotReady(snapshot);
  });
}

bool ScriptRunner::evaluate(const QString& text, int frameIndex) {
  const std::string expression = text.toStdString();
  return serve([this, text, expression, frameIndex] {
    QString result;
    try {
      result = str(m_python->run.attr("evaluate")(expression, frameIndex));
    } catch (py::error_already_set& error) {
      result = QString::fromUtf8(error.what());
    }
    emit evaluated(text, result);
  });
}

void ScriptRunner::setLineBreakpoints(const QList<LineBreakpoint>& lines) {
  bool paused = false;
  {
    std::lock_guard lock(m_mutex);
    m_lines = lines;
    if (!m_running) return;  // the next run takes them
    paused = m_debugger != nullptr && m_debugger->state() == debug::State::Paused;
    m_linesPending = true;
  }
  if (paused && serve([this] { applyPendingLines(); })) return;
  // Running: Python's main thread (the runner) applies them between two bytecodes.
  addPendingCall([](void* self) {
    static_cast<ScriptRunner*>(self)->applyPendingLines();
    return 0;
  }, this);
}

void ScriptRunner::applyPendingLines() {
  QList<LineBreakpoint> lines;
  {
    std::lock_guard lock(m_mutex);
    lines = m_lines;
    m_linesPending = false;
  }
  if (!m_python->run) return;
  py::list items;
  for (const LineBreakpoint& b : lines)
    if (b.enabled)
      items.append(py::make_tuple(b.file.toStdString(), b.line,
                                  b.condition.trimmed().isEmpty() ? py::object(py::none())
                                                                  : py::object(py::str(b.condition.toStdString()))));
  try {
    py::list problems = m_python->run.attr("set_line_breakpoints")(items);
    for (py::handle p : problems) emit message(str(p));
  } catch (py::error_already_set& error) {
    emit message(QString::fromUtf8(error.what()));
  }
}

void ScriptRunner::setStopConditions(const StopConditions& conditions) {
  std::lock_guard lock(m_mutex);
  m_conditions = conditions;
  if (m_running && m_debugger != nullptr) applyConditions();
}

void ScriptRunner::applyConditions() {
  for (int id : m_conditionIds) m_debugger->removeBreakpoint(id);
  m_conditionIds.clear();
  for (const OpBreakpoint& b : m_conditions.ops) {
    if (!b.enabled) continue;
    if (OpId id; opFromName(b.op.toStdString(), id))
      m_conditionIds.push_back(m_debugger->addOpBreakpoint(id, b.forward, b.backward));
    else
      emit message(QStringLiteral("no op named '%1' (names as on the tape: matmul, relu, log, ...)").arg(b.op));
  }
  for (const ModuleBreakpoint& b : m_conditions.modules)
    if (b.enabled) m_conditionIds.push_back(m_debugger->addModuleBreakpoint(b.glob.toStdString()));
  m_debugger->setBreakOnNonFinite(m_conditions.nonFinite);
  m_debugger->setBreakOnGradNorm(m_conditions.gradNorm);
}

void ScriptRunner::provideInput(const QString& line) {
  {
    std::lock_guard lock(m_inputMutex);
    m_input.push_back(line.toStdString());
  }
  m_inputReady.notify_all();
}

void ScriptRunner::losses(std::size_t from, QVector<double>* steps, QVector<double>* values, std::size_t* total) const {
  quint64 first = 0;
  const std::shared_ptr<debug::Recorder> recorder = currentRecorder(&first);
  *total = 0;
  if (!recorder) return;
  for (const debug::LossPoint& p : recorder->losses(from)) {
    steps->push_back(static_cast<double>(p.iteration >= first ? p.iteration - first : 0));
    values->push_back(p.value);
  }
  *total = recorder->lossCount();
}

}  // namespace td::app
