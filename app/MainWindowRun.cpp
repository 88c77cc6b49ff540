// MainWindow: running and debugging. The transport actions go to the runner; pauses,
// snapshots and outcomes come back as signals and fill the editor marks, the Variables,
// Call Stack and Tape views, the console and the status bar.
#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QItemSelectionModel>
#include <QListView>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>

#include <algorithm>

#include "BreakpointStore.h"
#include <QScopedValueRollback>

#include "MainWindow.h"
#include "ScriptRunner.h"
#include "console/ConsoleWidget.h"
#include "documents/TextFiles.h"
#include "curves/CurvesView.h"
#include "editor/CodeEditor.h"
#include "models/CallStackModel.h"
#include "graph/TapeGraphPanel.h"
#include "graph/TapeGraphView.h"
#include "timeline/TimelineBar.h"
#include "models/TapeListModel.h"
#include "models/VariablesModel.h"
#include "modules/ModuleView.h"

namespace td::app {

using Stream = widgets::ConsoleWidget::Stream;

void MainWindow::startRun(bool pauseAtStart, const QString& runToFile, int runToLine) {
  widgets::CodeEditor* editor = currentEditor();
  if (!m_runnerReady || editor == nullptr || m_runner->isRunning()) return;
  QString path = editor->property("path").toString();
  if (path.isEmpty()) {
    // An untitled buffer runs from a file of its own in the data folder (its text, as typed).
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/untitled";
    QDir().mkpath(folder);
    path = QDir(folder).filePath(editor->property("untitledName").toString());
    const SaveResult saved = saveTextAtomically(path, editor->toPlainText());
    if (!saved.ok) {
      m_console->append(saved.error + "\n", Stream::Err);
      return;
    }
  }
  RunRequest request;
  request.path = path;
  request.source = editor->toPlainText();
  request.arguments = m_arguments;
  request.lines = m_breakpoints->lines();
  request.conditions = m_breakpoints->conditions();
  request.pauseAtStart = pauseAtStart;
  request.runToFile = runToFile;
  request.runToLine = runToLine;
  request.recorder = m_recorderSettings;
  m_runningPath = path;
  m_outcome = RunOutcome{};
  m_pause = PauseInfo{};
  m_inspectorPause = 0;  // each run's debugger numbers its pauses from 1 again
  m_snapshot = PausedSnapshot{};
  m_variablesModel->clear();
  m_callStackModel->clear();
  m_tapeModel->clear();
  m_graph->model()->clear();
  m_timeline->model()->clear();
  m_curves->startRun(QFileInfo(path).fileName());
  m_modules->setEmptyText(QString());
  m_lossPoints = 0;
  m_gradNormPoints = 0;
  clearExecutionMarks();
  m_console->flush();
  m_console->append(tr("▶ %1 %2\n").arg(QFileInfo(path).fileName(), m_arguments.join(' ')), Stream::Info);
  setState(RunState::Running);
  QMetaObject::invokeMethod(m_runner, [runner = m_runner, request] { runner->run(request); }, Qt::QueuedConnection);
}

void MainWindow::runOrContinue() {
  if (m_state == RunState::Paused) {
    clearExecutionMarks();
    setState(RunState::Running);
    m_runner->resume();
  } else if (!m_runner->isRunning()) {
    startRun(false);
  }
}

void MainWindow::pauseRun() { m_runner->pause(); }

void MainWindow::stopRun() {
  m_restartPending = false;
  m_runner->stop();
}

void MainWindow::restartRun() {
  if (m_runner->isRunning()) {
    m_restartPending = true;
    m_runner->stop();
  } else {
    startRun(false);
  }
}

void MainWindow::whenPaused(const std::function<void()>& command, bool startIfIdle) {
  if (m_state == RunState::Paused) {
    setState(RunState::Running);
    command();
  } else if (startIfIdle && !m_runner->isRunning()) {
    startRun(true);  // from idle, a step starts the run paused before its first line
  }
}

void MainWindow::stepOver() { whenPaused([this] { m_runner->stepLine("over"); }, true); }

void MainWindow::stepInto() { whenPaused([this] { m_runner->stepLine("into"); }, true); }

void MainWindow::stepOut() { whenPaused([this] { m_runner->stepLine("out"); }, false); }

void MainWindow::runToCursor() {
  widgets::CodeEditor* editor = currentEditor();
  if (editor == nullptr) return;
  const QString file = editor->property("path").toString();
  const int line = editor->cursorLineNumber();
  if (m_state == RunState::Paused)
    whenPaused([&] { m_runner->stepLine("to", file, line); }, false);
  else if (!m_runner->isRunning())
    startRun(false, file, line);
}

void MainWindow::stepOp() { whenPaused([this] { m_runner->stepOp(false); }, true); }

void MainWindow::stepBackwardOp() { whenPaused([this] { m_runner->stepOp(true); }, false); }

void MainWindow::runToBackward() { whenPaused([this] { m_runner->runToBackward(); }, false); }

void MainWindow::toggleBreakpoint() {
  widgets::CodeEditor* editor = currentEditor();
  if (editor == nullptr) return;
  const QString file = editor->property("path").toString();
  if (file.isEmpty()) {
    m_console->append(tr("Save the buffer to set breakpoints in it.\n"), Stream::Info);
    return;
  }
  m_breakpoints->toggleLine(file, editor->cursorLineNumber());
}

void MainWindow::applyBreakpointMarks(const QString& file) {
  widgets::CodeEditor* editor = editorFor(file);
  if (editor == nullptr) return;
  QMap<int, widgets::BreakpointMark> marks;
  for (const LineBreakpoint& b : m_breakpoints->linesOf(file)) {
    widgets::BreakpointMark mark;
    mark.enabled = b.enabled;
    mark.conditional = !b.condition.isEmpty();
    marks.insert(b.line, mark);
  }
  editor->setBreakpoints(marks);
}

void MainWindow::setState(RunState state) {
  m_state = state;
  QString text;
  switch (state) {
    case RunState::Starting: text = tr("starting Python…"); break;
    case RunState::Idle: text = tr("idle"); break;
    case RunState::Running: text = tr("running %1").arg(QFileInfo(m_runningPath).fileName()); break;
    case RunState::Paused:
      if (m_pause.entry != 0)
        text = tr("paused at op #%1 %2 (%3) — %4").arg(m_pause.entry).arg(m_pause.op,
                                                                            m_pause.backward ? tr("backward") : tr("forward"),
                                                                            m_pause.description);
      else if (m_pause.line > 0)
        text = tr("paused at line %1 — %2").arg(m_pause.line).arg(m_pause.description);
      else
        text = tr("paused — %1").arg(m_pause.description);
      break;
    case RunState::Finished: text = tr("finished"); break;
    case RunState::Failed: text = tr("failed: %1").arg(m_outcome.message); break;
    case RunState::Stopped: text = tr("stopped"); break;
  }
  m_stateLabel->setText(text);
  m_iterationLabel->setText(state == RunState::Paused ? tr("iteration %1").arg(m_pause.iteration) : QString());
  if (state != RunState::Paused) {
    // The paused frame's locals and stack describe a moment that is over once the run goes
    // on or ends: shown on, they would read as the program's current state.
    m_variablesModel->clear();
    m_callStackModel->clear();
  }
  updateActions();
}

void MainWindow::updateActions() {
  const bool running = m_state == RunState::Running, paused = m_state == RunState::Paused;
  const bool idle = m_runnerReady && !running && !paused && currentEditor() != nullptr;
  m_actions["run"]->setEnabled(idle || paused);
  m_actions["pause"]->setEnabled(running);
  m_actions["stop"]->setEnabled(running || paused);
  m_actions["restart"]->setEnabled(idle || running || paused);
  for (const char* name : {"stepOver", "stepInto", "stepOp"}) m_actions[name]->setEnabled(idle || paused);
  m_actions["runToCursor"]->setEnabled(idle || paused);
  for (const char* name : {"stepOut", "stepBackwardOp", "runToBackward"}) m_actions[name]->setEnabled(paused);
  // Time travel looks at what was recorded: whenever the run stands still.
  m_actions["stepOpBack"]->setEnabled(!running && m_state != RunState::Starting);
  m_timeline->setEnabled(!running);
  m_timeline->setEmptyText(running ? tr("recording: pause to look back in time") : QString());
}

void MainWindow::onPaused(const PauseInfo& pause) {
  if (!m_runner->isRunning()) return;  // a stale pause of a run that ended since
  drainOutput();
  m_pause = pause;
  m_markRunningLine = pause.entry != 0;
  setState(RunState::Paused);
  showLocation(pause.file, pause.line, true);
  m_runner->requestSnapshot(-1);
  refreshTape();
  refreshCurves();
  // Paused at an op, the inspector shows its output (with its gradient once backward ran),
  // as the graph and the editor move to it: a tensor picked meanwhile is one click away.
  // Behind another dock it waits until brought to the front (a large output is not copied
  // at every step for nobody).
  if (pause.entry != 0 && m_inspectorShown) inspectTensor(pause.entry, false, 0);
  emit runPaused(pause);
}

void MainWindow::onSnapshot(const PausedSnapshot& snapshot) {
  if (m_state != RunState::Paused || snapshot.sequence != m_pause.sequence) return;  // stale
  m_snapshot = snapshot;
  m_callStackModel->setFrames(snapshot.frames, snapshot.selected);
  if (const int row = m_callStackModel->selectedRow(); row >= 0)
    m_callStack->setCurrentIndex(m_callStackModel->index(row));
  m_variablesModel->setVariables(snapshot.variables);
  // Paused at an op, onPaused marked the line that created it; the line running now (a
  // loss.backward(), an optimizer.step(), or that same line in forward) is the paused
  // frame's, and takes the current-line marker: from the pause's first snapshot only (a
  // frame chosen in the Call Stack later must not move it).
  if (m_markRunningLine && snapshot.selected >= 0 && snapshot.selected < snapshot.frames.size()) {
    m_markRunningLine = false;
    const FrameInfo& frame = snapshot.frames[snapshot.selected];
    if (widgets::CodeEditor* editor = editorFor(frame.file); editor != nullptr && frame.line > 0) {
      clearExecutionMarks(/*keepOrigin=*/true);
      editor->setExecutionLine(frame.line);
    }
  }
  // A frame that sees no model (a helper function's) leaves the module view as it was.
  if (!snapshot.modules.isEmpty()) showModules(snapshot.modules);
  for (int c = 0; c < 4; ++c) m_variables->resizeColumnToContents(c);
  emit snapshotShown();
}

void MainWindow::onFinished(const RunOutcome& outcome) {
  drainOutput();
  m_outcome = outcome;
  m_inputPending = false;
  m_console->setPrompt(QStringLiteral(">>>"));
  clearExecutionMarks();
  // The run stands still now: the views list statistics and the timeline.
  m_state = outcome.status == "finished"  ? RunState::Finished
            : outcome.status == "stopped" ? RunState::Stopped
                                          : RunState::Failed;
  refreshTape();
  refreshCurves();
  m_modules->setEmptyText(outcome.modules.isEmpty() ? tr("No nn.Module was called in this run") : QString());
  showModules(outcome.modules);
  if (!m_breakpoints->conditions().nonFinite && m_graph->model()->firstNonFiniteNode() >= 0) {
    // The graph marks them; where they began may be iterations earlier (a NaN parameter
    // spreads to every later step), which only the breakpoint finds.
    m_console->append(tr("NaN or Inf values appear in the graph (marked). To stop at the op that first makes one, "
                         "turn on Debug → Break on NaN/Inf and run again.\n"),
                      Stream::Info);
  }
  if (outcome.status == "failed") {
    m_console->append(outcome.traceback.isEmpty() ? outcome.message + "\n" : outcome.traceback, Stream::Err);
    if (!outcome.file.isEmpty() && outcome.line > 0) showLocation(outcome.file, outcome.line, false);
  }
  m_console->append(tr("■ %1\n").arg(outcome.status == "failed" ? tr("failed") : outcome.message), Stream::Info);
  m_console->flush();
  setState(outcome.status == "finished" ? RunState::Finished
           : outcome.status == "stopped" ? RunState::Stopped
                                         : RunState::Failed);
  emit runFinished(outcome);
  if (m_restartPending) {
    m_restartPending = false;
    startRun(false);
  }
}

void MainWindow::onConsoleLine(const QString& line) {
  drainOutput();
  if (m_inputPending) {
    m_inputPending = false;
    m_console->setPrompt(QStringLiteral(">>>"));
    m_console->append(line + "\n", Stream::Echo);
    m_runner->provideInput(line);
    return;
  }
  m_console->append(QStringLiteral(">>> ") + line + "\n", Stream::Echo);
  if (m_state != RunState::Paused) {
    m_console->append(tr("(expressions are evaluated in the paused frame: pause the run first)\n"), Stream::Info);
    return;
  }
  m_runner->evaluate(line, m_callStackModel->selectedFrame());
}

void MainWindow::showLocation(const QString& file, int line, bool execution) {
  if (file.isEmpty() || line <= 0) return;
  widgets::CodeEditor* editor = editorFor(file);
  if (editor == nullptr && QFileInfo(file).isFile()) {
    if (openFile(file)) editor = currentEditor();
  }
  if (editor == nullptr) return;
  m_tabs->setCurrentWidget(editor);
  if (execution) {
    clearExecutionMarks();
    editor->setExecutionLine(line);
    if (m_pause.entry != 0) editor->setOriginLine(line);
  } else {
    editor->goToLine(line);
  }
}

void MainWindow::clearExecutionMarks(bool keepOrigin) {
  for (int i = 0; i < m_tabs->count(); ++i) {
    auto* editor = qobject_cast<widgets::CodeEditor*>(m_tabs->widget(i));
    editor->setExecutionLine(0);
    if (!keepOrigin) editor->setOriginLine(0);
  }
}

void MainWindow::refreshTape() {
  const QScopedValueRollback<bool> filling(m_refreshingViews, true);
  // One listing feeds both views. Statistics (the graph's colours and NaN marks) are
  // computed only when the run stands still: paused or ended.
  const bool still = m_state != RunState::Running;
  // Running, a hidden graph is left alone; standing still it is filled anyway (the module
  // view reads it, and a dock shown later has it).
  const bool graphShown = m_graph->isVisible() || still;
  const bool ended = m_state == RunState::Finished || m_state == RunState::Stopped || m_state == RunState::Failed;
  // Ended, the graph shows the last iteration that ran a backward (a training step), not
  // the optimizer's last update or an evaluation that may follow it.
  const ScriptRunner::TapeView tape =
      m_runner->tapeView(graphShown, still, 5000, ended ? ScriptRunner::kLastTrainingIteration : -1);
  // A tape that only grew is appended to (the view keeps its scroll and selection).
  m_tapeModel->setRows(tape.rows);
  m_tapeModel->setCurrentEntry(m_state == RunState::Paused ? m_pause.entry : 0);
  if (graphShown && tape.any) {
    m_graph->model()->update(tape.iteration, tape.graph);
    // The entry the debugger stands on; a backward step highlights its forward op.
    quint64 current = m_state == RunState::Paused ? m_pause.entry : 0;
    bool backward = m_state == RunState::Paused && m_pause.backward;
    if (current != 0 && m_graph->model()->nodeOfEntry(current) < 0) {
      for (const TapeRow& row : tape.rows)
        if (row.id == current && row.backward) current = 0;  // an op run by a derivative
    }
    if (current == 0 && m_state == RunState::Paused && m_pause.rootEntry != 0) {
      // backward() is about to start from the op that made its root (the loss): shown there,
      // not wherever the view last was.
      current = m_pause.rootEntry;
      backward = false;
    }
    m_graph->model()->setCurrent(current, backward);
    tidyEndedGraph();
    // Ended, the graph shows the last training step around its loss, not wherever following
    // the run left the view (often the optimizer's last ops).
    if (ended && tape.lossRoot != 0 && m_graph->view()->followCurrent())  // (Follow off: the user's view stays)
      m_graph->view()->reveal(m_graph->model()->nodeOfEntry(tape.lossRoot));
  }
  // Time travel covers what the recorder keeps: listed when the run stands still.
  if (still) refreshTimeline();
  if (const int row = m_tapeModel->rowOfEntry(m_pause.entry); row >= 0 && m_state == RunState::Paused) {
    const QSignalBlocker quiet(m_tape->selectionModel());  // not the user selecting a row
    m_tape->selectRow(row);
    m_tape->scrollTo(m_tapeModel->index(row, 0));
  }
}

void MainWindow::selectEntry(quint64 entryId) {
  const int row = m_tapeModel->rowOfEntry(entryId);
  if (row >= 0 && m_tape->currentIndex().row() != row) {
    const QSignalBlocker quiet(m_tape->selectionModel());
    m_tape->selectRow(row);
    m_tape->scrollTo(m_tapeModel->index(row, 0));
  }
  m_graph->selectEntry(entryId);
  inspectTensor(entryId, false, 0);
  if (row >= 0) showLocation(m_tapeModel->row(row).file, m_tapeModel->row(row).line, false);
}

void MainWindow::refreshCurves() {
  QVector<double> steps, values;
  std::size_t total = 0;
  m_runner->losses(m_lossPoints, &steps, &values, &total);
  m_lossPoints = total;
  m_curves->append(tr("loss"), steps, values);
  // tapedeck.log(name, value, step): one series per name.
  QMap<QString, QPair<QVector<double>, QVector<double>>> series;
  for (const ScriptRunner::Scalar& s : m_runner->takeScalars()) {
    series[s.name].first.push_back(s.step);
    series[s.name].second.push_back(s.value);
  }
  for (auto it = series.cbegin(); it != series.cend(); ++it) m_curves->append(it.key(), it->first, it->second);
  // Per-parameter gradient norms (when the Curves dock's check box is on).
  QMap<QString, QPair<QVector<double>, QVector<double>>> norms;
  m_runner->gradNorms(m_gradNormPoints, &norms, &total);
  m_gradNormPoints = total;
  for (auto it = norms.cbegin(); it != norms.cend(); ++it)
    m_curves->append(QStringLiteral("‖grad‖ ") + it.key(), it->first, it->second);
}

void MainWindow::drainOutput() {
  std::size_t dropped = 0;
  const QList<OutputBuffer::Chunk> chunks = m_runner->output().take(&dropped);
  if (dropped > 0) m_console->append(tr("… %1 bytes of output dropped\n").arg(dropped), Stream::Info);
  for (const OutputBuffer::Chunk& chunk : chunks)
    m_console->append(chunk.text, chunk.stream == OutputBuffer::Stream::Err ? Stream::Err : Stream::Out);
}

QString RecorderSettings::keepName(Keep keep) {
  switch (keep) {
    case Keep::Values: return QStringLiteral("values");
    case Keep::Statistics: return QStringLiteral("statistics");
    case Keep::Tape: return QStringLiteral("tape");
  }
  return QStringLiteral("values");
}

std::optional<RecorderSettings::Keep> RecorderSettings::keepNamed(const QString& name) {
  for (Keep keep : {Keep::Values, Keep::Statistics, Keep::Tape})
    if (keepName(keep) == name) return keep;
  return std::nullopt;
}

RecorderSettings savedRecorderSettings() {
  // Out-of-range or unreadable values (an edited or old settings file) fall back to the defaults.
  const QSettings settings;
  RecorderSettings saved;
  if (const auto keep = RecorderSettings::keepNamed(settings.value("recorder/keep").toString())) saved.keep = *keep;
  bool ok = false;
  const qint64 budget = settings.value("recorder/budgetMiB", saved.budgetMiB).toLongLong(&ok);
  if (ok && budget >= 0 && budget <= RecorderSettings::kMaxBudgetMiB) saved.budgetMiB = budget;
  const int previous = settings.value("recorder/previousIterations", saved.previousIterations).toInt(&ok);
  if (ok && previous >= 0 && previous <= RecorderSettings::kMaxPreviousIterations) saved.previousIterations = previous;
  return saved;
}

void MainWindow::editRecorderSettings() {
  RecorderSettings edited = m_recorderSettings;
  if (!m_prompter->askRecorderSettings(this, &edited)) return;
  edited.budgetMiB = std::clamp<qint64>(edited.budgetMiB, 0, RecorderSettings::kMaxBudgetMiB);
  edited.previousIterations = std::clamp(edited.previousIterations, 0, RecorderSettings::kMaxPreviousIterations);
  m_recorderSettings = edited;
  QSettings settings;
  settings.setValue("recorder/budgetMiB", edited.budgetMiB);
  settings.setValue("recorder/previousIterations", edited.previousIterations);
  settings.setValue("recorder/keep", RecorderSettings::keepName(edited.keep));
  const QString message =
      edited.keep == RecorderSettings::Keep::Values
          ? tr("The recorder keeps %1 MiB of values and %2 previous iterations from the next run on")
                .arg(edited.budgetMiB)
                .arg(edited.previousIterations)
          : tr("The recorder keeps %1 of the current and %2 previous iterations, and no values, from the next "
               "run on")
                .arg(edited.keep == RecorderSettings::Keep::Statistics ? tr("statistics") : tr("the tape"))
                .arg(edited.previousIterations);
  statusBar()->showMessage(message, 8000);
}

}  // namespace td::app
