// The visual debugging views in the main window: the tape graph with its time-travel bar,
// and the tensor inspector. They read snapshots the runner takes from the recorder; a
// selection in any of them (graph node, tape row, timeline position) shows everywhere.
#include <QDockWidget>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QSet>
#include <QStatusBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "MainWindow.h"
#include "ScriptRunner.h"
#include "graph/TapeGraphPanel.h"
#include "models/VariablesModel.h"
#include "inspector/TensorInspector.h"
#include "modules/ModuleView.h"
#include "timeline/TimelineBar.h"

namespace td::app {

QWidget* MainWindow::createGraphView() {
  auto* box = new QWidget(this);
  m_graph = new widgets::TapeGraphPanel(box);
  m_graph->setObjectName("graph");
  m_timeline = new widgets::TimelineBar(box);
  m_timeline->setObjectName("timeline");
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(m_graph, 1);
  layout->addWidget(m_timeline);

  connect(m_graph, &widgets::TapeGraphPanel::entrySelected, this, &MainWindow::selectEntry);
  connect(m_graph, &widgets::TapeGraphPanel::tensorSelected, this, [this](quint64 tensorId) {
    // A leaf: its value as the last op that read it saw it (for a parameter, its use in
    // the forward pass rather than the optimizer's step that may open the iteration).
    const widgets::TapeGraphModel* model = m_graph->model();
    const int leaf = model->nodeOfTensor(tensorId);
    for (int e = model->edgeCount() - 1; e >= 0; --e) {
      if (model->edge(e).from != leaf) continue;
      inspectTensor(model->node(model->edge(e).to).entryId, true, model->edge(e).input);
      return;
    }
  });
  connect(m_graph, &widgets::TapeGraphPanel::sourceRequested, this,
          [this](const QString& file, int line) { showLocation(file, line, false); });
  connect(m_timeline->model(), &widgets::TimelineModel::cursorChanged, this, &MainWindow::onTimelineCursor);
  return box;
}

QWidget* MainWindow::createInspectorView() {
  auto* box = new QWidget(this);
  m_inspector = new widgets::TensorInspector(box);
  m_inspector->setObjectName("inspector");
  m_inspectorNote = new QLabel(tr("Click a node in the graph or a row of the tape to inspect its tensor."), box);
  m_inspectorNote->setObjectName("inspectorNote");
  auto* compare = new QToolButton(box);
  compare->setObjectName("compareWithPrevious");
  compare->setText(tr("Δ previous iteration"));
  compare->setToolTip(tr("Show how this tensor changed since the previous iteration (the same entry there)"));
  // Any two tape positions: mark one, inspect the other, and take the difference.
  auto* mark = new QToolButton(box);
  mark->setObjectName("markForComparison");
  mark->setText(tr("Mark"));
  mark->setToolTip(tr("Mark this tensor as the one to compare against (any entry, any kept iteration)"));
  auto* compareMarked = new QToolButton(box);
  compareMarked->setObjectName("compareWithMarked");
  compareMarked->setText(tr("Δ marked"));
  compareMarked->setToolTip(tr("Show how the tensor shown differs from the marked one (this − marked)"));
  auto* tools = new QHBoxLayout;
  tools->setContentsMargins(4, 2, 4, 2);
  tools->addWidget(m_inspectorNote, 1);
  tools->addWidget(compare);
  tools->addWidget(mark);
  tools->addWidget(compareMarked);
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addLayout(tools);
  layout->addWidget(m_inspector, 1);
  connect(compare, &QToolButton::clicked, this, &MainWindow::compareWithPreviousIteration);
  connect(mark, &QToolButton::clicked, this, &MainWindow::markForComparison);
  connect(compareMarked, &QToolButton::clicked, this, &MainWindow::compareWithMarked);
  connect(m_inspector, &widgets::TensorInspector::sourceRequested, this,
          [this](const QString& file, int line) { showLocation(file, line, false); });
  // In a scroll area: the inspector's lines and tabs, shown with its first tensor, raise
  // its minimum height, and the bottom dock area grew for it at the editor's expense. Now
  // a short dock scrolls instead.
  auto* scroll = new QScrollArea(this);
  scroll->setObjectName("inspectorScroll");
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidget(box);
  return scroll;
}

QWidget* MainWindow::createModuleView() {
  m_modules = new widgets::ModuleView(this);
  m_modules->setObjectName("modules");
  // A module picked here is outlined (every call of it) in the graph.
  connect(m_modules, &widgets::ModuleView::moduleSelected, this, [this](const QString& path) {
    m_graph->view()->selectModule(path);
  });
  connect(m_modules, &widgets::ModuleView::selectionCleared, this, [this] { m_graph->view()->selectModule({}); });
  return m_modules;
}

void MainWindow::showModules(QList<widgets::ModuleRow> rows) {
  // Per module path: bytes its own ops saved for backward, and the shape of the last
  // output produced inside its last call (its output), from the graph's iteration.
  QHash<QString, qint64> saved;
  QHash<QString, QString> output;
  QSet<QString> paths;
  for (const widgets::ModuleRow& row : rows)
    if (!row.path.isEmpty()) paths.insert(row.path);
  const widgets::TapeGraphModel* graph = m_graph->model();
  for (int n = 0; n < graph->nodeCount(); ++n) {
    const widgets::GraphEntry* e = graph->entryOf(n);
    if (e == nullptr || graph->isStale(n) || e->scope.isEmpty()) continue;
    // Only scopes inside the model count (not "optimizer.step" and the like).
    QString path = e->scope;
    while (!path.isEmpty() && !paths.contains(path)) path = path.section(QLatin1Char('.'), 0, -2);
    if (path.isEmpty()) continue;
    // Its nearest module's own: a composite's scope inside it (conv2d's, say) is not a
    // module of its own, and its ops' saved tensors are that module's.
    saved[path] += e->savedBytes;
    if (e->outputs.isEmpty()) continue;
    QStringList shape;
    for (qint64 d : e->outputs[0].shape) shape << QString::number(d);
    const QString text = QLatin1Char('[') + shape.join(QStringLiteral(", ")) + QLatin1Char(']');
    output[QString()] = text;  // the outermost model: the last output inside any of its calls
    for (;; path = path.section(QLatin1Char('.'), 0, -2)) {
      output[path] = text;
      if (!path.contains(QLatin1Char('.'))) break;
    }
  }
  for (widgets::ModuleRow& row : rows) {
    row.savedBytes = row.path.isEmpty() ? 0 : saved.value(row.path);
    row.outputShape = output.value(row.path);
  }
  m_modules->setRows(std::move(rows));
  m_modules->setMemory(m_runner->memorySummary());
}

void MainWindow::inspectVariable(int row) {
  if (row < 0 || row >= m_variablesModel->rowCount()) return;
  const widgets::VariableRow& variable = m_variablesModel->row(row);
  if (variable.tensorId == 0) return;  // not a tensor
  const std::optional<ScriptRunner::Place> place = m_runner->placeOfTensor(variable.tensorId);
  if (!place) {
    // Made outside the tape (from data, before the run recorded) and read by no kept op.
    statusBar()->showMessage(tr("%1 is on no recorded entry: the recorder has not seen it (made from data, or "
                                "older than the iterations it keeps)").arg(variable.name), 8000);
    return;
  }
  // Shown first: the dock brought to the front then has nothing more to show for the pause.
  inspectTensor(place->entryId, place->input, place->index);
  if (QDockWidget* dock = findChild<QDockWidget*>(QStringLiteral("inspectorDock"))) {
    dock->show();
    dock->raise();
  }
}

void MainWindow::inspectTensor(quint64 entryId, bool input, int index) {
  m_inspected = {entryId, input, index};
  if (m_state == RunState::Paused) m_inspectorPause = m_pause.sequence;
  ScriptRunner::Inspected tensor = m_runner->inspect(entryId, input, index);
  m_inspectorNote->setText(tensor.found ? tr("entry #%1, %2 %3").arg(entryId).arg(input ? tr("input") : tr("output")).arg(index)
                                        : tensor.value.missingReason);
  m_inspector->setTensor(std::move(tensor.value), std::move(tensor.gradient));
}

void MainWindow::compareWithPreviousIteration() {
  if (m_inspected.entryId == 0) return;
  const quint64 earlier = m_runner->sameEntryEarlier(m_inspected.entryId);
  if (earlier == 0) {
    m_inspectorNote->setText(tr("the previous iteration is not kept, or ran a different program at this entry"));
    return;
  }
  ScriptRunner::Inspected before = m_runner->inspect(earlier, m_inspected.input, m_inspected.index);
  ScriptRunner::Inspected after = m_runner->inspect(m_inspected.entryId, m_inspected.input, m_inspected.index);
  m_inspectorNote->setText(tr("change from entry #%1 (previous iteration) to #%2").arg(earlier).arg(m_inspected.entryId));
  m_inspector->setDifference(std::move(before.value), std::move(after.value));
}

void MainWindow::markForComparison() {
  if (m_inspected.entryId == 0) {
    m_inspectorNote->setText(tr("nothing to mark: inspect a tensor first"));
    return;
  }
  m_marked = m_inspected;
  m_inspectorNote->setText(tr("marked: entry #%1, %2 %3 — inspect another position, then Δ marked")
                               .arg(m_marked.entryId)
                               .arg(m_marked.input ? tr("input") : tr("output"))
                               .arg(m_marked.index));
}

void MainWindow::compareWithMarked() {
  if (m_marked.entryId == 0 || m_inspected.entryId == 0) {
    m_inspectorNote->setText(tr("mark a tensor first, then inspect the one to compare with it"));
    return;
  }
  ScriptRunner::Inspected before = m_runner->inspect(m_marked.entryId, m_marked.input, m_marked.index);
  ScriptRunner::Inspected after = m_runner->inspect(m_inspected.entryId, m_inspected.input, m_inspected.index);
  auto gone = [this](const ScriptRunner::Inspected& t, const QString& which, quint64 id) {
    if (t.found) return false;
    const QString reason = t.value.missingReason;
    m_inspectorNote->setText(tr("the %1 entry #%2 is no longer kept%3")
                                 .arg(which)
                                 .arg(id)
                                 .arg(reason.isEmpty() ? QString() : QStringLiteral(": ") + reason));
    return true;
  };
  if (gone(before, tr("marked"), m_marked.entryId) || gone(after, tr("inspected"), m_inspected.entryId)) return;
  m_inspectorNote->setText(tr("change from entry #%1 (marked) to #%2").arg(m_marked.entryId).arg(m_inspected.entryId));
  m_inspector->setDifference(std::move(before.value), std::move(after.value));
}

void MainWindow::refreshTimeline() {
  QVector<widgets::TimelinePosition> positions = m_runner->timeline();
  int live = -1;
  if (m_state == RunState::Paused && m_pause.entry != 0) {
    for (int i = 0; i < positions.size(); ++i)
      if (positions[i].entryId == m_pause.entry && positions[i].backward == m_pause.backward) live = i;
  }
  // Paused at a line, or ended: execution stands after the newest recorded position, which
  // Live returns to (a look back from there says so).
  if (live < 0 && !positions.isEmpty()) live = static_cast<int>(positions.size()) - 1;
  m_timeline->model()->setPositions(std::move(positions), live);
  // A new stop: the views show where execution stands (a look back starts from there).
  m_timeline->model()->goLive();
}

void MainWindow::onTimelineCursor(int index) {
  if (m_refreshingViews || index < 0) return;
  widgets::TimelineModel* timeline = m_timeline->model();
  const widgets::TimelinePosition p = timeline->at(index);
  // The graph shows the position's iteration (an earlier one is drawn from the recorder)
  // with the position highlighted; the inspector and the editor follow. Execution stays.
  const ScriptRunner::TapeView tape = m_runner->tapeView(true, true, 0, static_cast<qint64>(p.iteration));
  if (tape.any) m_graph->model()->update(tape.iteration, tape.graph);
  tidyEndedGraph();
  m_graph->model()->setCurrent(p.entryId, p.backward);
  selectEntry(p.entryId);  // the Tape dock's row too, when it lists that entry
  inspectTensor(p.entryId, false, 0);
  if (!p.file.isEmpty() && p.line > 0) showLocation(p.file, p.line, false);
}

void MainWindow::tidyEndedGraph() {
  // Growing live never moves a node, which can leave module boxes over each other; once the
  // run has ended nothing grows any more, so such a drawing is laid out anew. (Paused, the
  // nodes stay put: stepping adds to the drawing the user is reading.)
  if (m_state != RunState::Finished && m_state != RunState::Stopped && m_state != RunState::Failed) return;
  widgets::TapeGraphModel* graph = m_graph->model();
  if (graph->nodeCount() <= widgets::TapeGraphModel::kAutoTidyNodes && graph->groupsOverlap()) graph->tidy();
}

}  // namespace td::app
