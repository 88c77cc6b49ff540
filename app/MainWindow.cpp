#include "MainWindow.h"

#include <QAction>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QItemSelectionModel>
#include <QListView>
#include <QListWidget>
#include <QTableView>
#include <QTreeView>
#include <QPixmap>
#include <QProcess>
#include <QMenuBar>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>

#include "AppInfo.h"
#include "BreakpointStore.h"
#include "BreakpointsPanel.h"
#include "Prompter.h"
#include "ScriptRunner.h"
#include "console/ConsoleWidget.h"
#include "curves/CurvesView.h"
#include "documents/Autosave.h"
#include "documents/RecentFiles.h"
#include "editor/CodeEditor.h"
#include "graph/TapeGraphPanel.h"
#include "graph/TapeGraphView.h"
#include "timeline/TimelineBar.h"
#include "models/CallStackModel.h"
#include "models/TapeListModel.h"
#include "models/VariablesModel.h"

namespace td::app {
namespace {

/// Bumped when the docks change, so an older saved layout falls back to the default.
constexpr int kLayoutVersion = 4;

/// The arguments as one line that QProcess::splitCommand reads back.
QString joinArguments(const QStringList& arguments) {
  QStringList quoted;
  for (QString a : arguments) {
    if (a.isEmpty() || a.contains(' ') || a.contains('"')) a = '"' + a.replace('"', "\"\"\"") + '"';
    quoted << a;
  }
  return quoted.join(' ');
}

/// The file type an export offers in its dialog.
QString exportFilter(const QString& format) {
  if (format == "csv") return QObject::tr("CSV files (*.csv);;All files (*)");
  if (format == "svg") return QObject::tr("SVG images (*.svg);;All files (*)");
  return QObject::tr("PNG images (*.png);;All files (*)");
}

}  // namespace

MainWindow::MainWindow(std::unique_ptr<Prompter> prompter, QWidget* parent)
    : QMainWindow(parent), m_prompter(prompter ? std::move(prompter) : std::make_unique<Prompter>()) {
  setObjectName("mainWindow");
  setWindowTitle(QStringLiteral("Tapedeck"));
  m_tabs = new QTabWidget(this);
  m_tabs->setObjectName("editorTabs");
  m_tabs->setTabsClosable(true);
  m_tabs->setMovable(true);
  m_tabs->setDocumentMode(true);
  setCentralWidget(m_tabs);
  connect(m_tabs, &QTabWidget::tabCloseRequested, this, [this](int index) { closeTab(index); });
  connect(m_tabs, &QTabWidget::currentChanged, this, [this] { updateActions(); });

  m_breakpoints = new BreakpointStore(this);
  m_recorderSettings = savedRecorderSettings();
  m_autosave = std::make_unique<Autosave>();
  m_recent = std::make_unique<RecentFiles>();

  createDocks();
  createActions();
  createMenus();

  m_stateLabel = new QLabel(this);
  m_stateLabel->setObjectName("runStateLabel");
  m_iterationLabel = new QLabel(this);
  statusBar()->addWidget(m_stateLabel, 1);
  statusBar()->addPermanentWidget(m_iterationLabel);

  // Sized once the docks are in place: while they were being added side by side, before
  // being tabbed, the window had grown to hold them all (1,709 pixels wide).
  resize(defaultWindowSize());
  m_defaultState = saveState(kLayoutVersion);
  restoreLayout();

  // The runner: the application's one interpreter, on its own thread.
  m_runner = ScriptRunner::shared();
  auto onReady = [this](const QString& error) {
    if (m_state != RunState::Starting) return;
    m_runnerReady = error.isEmpty();
    if (!error.isEmpty()) m_console->append(error + "\n", widgets::ConsoleWidget::Stream::Err);
    setState(RunState::Idle);
    emit runnerReady(error);
  };
  connect(m_runner, &ScriptRunner::ready, this, onReady);
  connect(m_runner, &ScriptRunner::started, this, [this] {
    setState(RunState::Running);
    emit runStarted();
  });
  connect(m_runner, &ScriptRunner::paused, this, &MainWindow::onPaused);
  connect(m_runner, &ScriptRunner::snapshotReady, this, &MainWindow::onSnapshot);
  connect(m_runner, &ScriptRunner::finished, this, &MainWindow::onFinished);
  connect(m_runner, &ScriptRunner::message, this, [this](const QString& text) {
    m_console->append(text + "\n", widgets::ConsoleWidget::Stream::Info);
  });
  connect(m_runner, &ScriptRunner::stepRefused, this, [this](const QString& reason) {
    m_console->append(reason + "\n", widgets::ConsoleWidget::Stream::Info);
    if (m_state == RunState::Running && m_runner->isPaused()) setState(RunState::Paused);  // still where it was
  });
  connect(m_runner, &ScriptRunner::evaluated, this, [this](const QString&, const QString& result) {
    drainOutput();
    m_console->append(result.endsWith('\n') || result.isEmpty() ? result : result + "\n",
                      widgets::ConsoleWidget::Stream::Out);
    m_console->flush();
    emit consoleEvaluated(result);
  });
  connect(m_runner, &ScriptRunner::figureShown, this, [this](const QByteArray& png, const QString& title) {
    QPixmap pixmap;
    if (!pixmap.loadFromData(png, "PNG")) return;
    auto* item = new QListWidgetItem(QIcon(pixmap), title, m_plots);
    item->setToolTip(title);
    m_plots->scrollToItem(item);
    if (auto* dock = findChild<QDockWidget*>("plotsDock")) dock->raise();
    emit figureShown(title);
  });
  connect(m_runner, &ScriptRunner::inputRequested, this, [this](const QString&) {
    drainOutput();
    m_inputPending = true;
    m_console->setPrompt(tr("input:"));
    m_console->input()->setFocus();
  });
  if (m_runner->isReady())  // a later window: the interpreter is already up
    QMetaObject::invokeMethod(this, [this, onReady] { onReady(m_runner->startError()); }, Qt::QueuedConnection);

  connect(m_breakpoints, &BreakpointStore::linesChanged, this, [this](const QString& file) {
    applyBreakpointMarks(file);
    m_runner->setLineBreakpoints(m_breakpoints->lines());
  });
  connect(m_breakpoints, &BreakpointStore::conditionsChanged, this,
          [this] { m_runner->setStopConditions(m_breakpoints->conditions()); });

  // Output reaches the console at display rate, never one signal per write; the Tape dock
  // follows a running script four times a second (a listing without statistics).
  m_outputTimer = new QTimer(this);
  m_outputTimer->setInterval(33);
  connect(m_outputTimer, &QTimer::timeout, this, &MainWindow::drainOutput);
  m_outputTimer->start();
  m_tapeTimer = new QTimer(this);
  m_tapeTimer->setInterval(250);
  connect(m_tapeTimer, &QTimer::timeout, this, [this] {
    if (m_state == RunState::Running && (m_tape->isVisible() || m_graph->isVisible())) refreshTape();
    if (m_state == RunState::Running) refreshCurves();
    // Running, the status bar follows the iteration (paused, it shows the pause's).
    if (m_state == RunState::Running)
      if (const std::optional<quint64> iteration = m_runner->runIteration())
        m_iterationLabel->setText(tr("iteration %1").arg(*iteration));
  });
  m_tapeTimer->start();

  m_autosaveTimer = new QTimer(this);
  m_autosaveTimer->setInterval(5000);
  connect(m_autosaveTimer, &QTimer::timeout, this, &MainWindow::autosaveNow);
  m_autosaveTimer->start();

  setState(RunState::Starting);
  updateActions();
}

MainWindow::~MainWindow() {
  // A run this window started ends with it (the runner and its interpreter stay).
  if (m_runner != nullptr && m_runner->isRunning() && !m_runningPath.isEmpty()) m_runner->stop();
}

void MainWindow::createDocks() {
  auto dock = [this](const QString& name, const QString& title, QWidget* widget, Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);
    d->setWidget(widget);
    addDockWidget(area, d);
    return d;
  };
  m_console = new widgets::ConsoleWidget(this);
  m_console->setObjectName("console");
  m_console->setPrompt(QStringLiteral(">>>"));
  connect(m_console, &widgets::ConsoleWidget::lineEntered, this, &MainWindow::onConsoleLine);
  connect(m_console, &widgets::ConsoleWidget::locationActivated, this,
          [this](const QString& file, int line) { showLocation(file, line, false); });
  auto* consoleDock = dock("consoleDock", tr("Console"), m_console, Qt::BottomDockWidgetArea);

  m_variablesModel = new widgets::VariablesModel(this);
  m_variables = new QTreeView(this);
  m_variables->setObjectName("variables");
  m_variables->setModel(m_variablesModel);
  connect(m_variables, &QTreeView::activated, this, [this](const QModelIndex& index) { inspectVariable(index.row()); });
  m_variables->setRootIsDecorated(false);
  m_variables->setUniformRowHeights(true);
  auto* variablesDock = dock("variablesDock", tr("Variables"), m_variables, Qt::RightDockWidgetArea);

  m_callStackModel = new widgets::CallStackModel(this);
  m_callStack = new QListView(this);
  m_callStack->setObjectName("callStack");
  m_callStack->setModel(m_callStackModel);
  connect(m_callStack, &QListView::activated, this, [this](const QModelIndex& index) {
    using widgets::CallStackModel;
    showLocation(index.data(CallStackModel::FileRole).toString(), index.data(CallStackModel::LineRole).toInt(), false);
    const int frame = index.data(CallStackModel::FrameIndexRole).toInt();
    m_callStackModel->setSelectedFrame(frame);
    if (m_state == RunState::Paused) m_runner->requestSnapshot(frame);
  });
  auto* stackDock = dock("callStackDock", tr("Call Stack"), m_callStack, Qt::RightDockWidgetArea);

  m_tapeModel = new widgets::TapeListModel(this);
  m_tape = new QTableView(this);
  m_tape->setObjectName("tape");
  m_tape->setModel(m_tapeModel);
  m_tape->verticalHeader()->hide();
  m_tape->horizontalHeader()->setStretchLastSection(true);
  m_tape->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_tape->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_tape->setSelectionMode(QAbstractItemView::SingleSelection);
  connect(m_tape->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& index) {
    if (index.isValid()) selectEntry(index.data(widgets::TapeListModel::EntryIdRole).toULongLong());
  });
  auto* tapeDock = dock("tapeDock", tr("Tape"), m_tape, Qt::BottomDockWidgetArea);

  m_breakpointsPanel = new BreakpointsPanel(m_breakpoints, m_prompter.get(), this);
  connect(m_breakpointsPanel, &BreakpointsPanel::lineActivated, this,
          [this](const QString& file, int line) { showLocation(file, line, false); });
  auto* breakpointsDock = dock("breakpointsDock", tr("Breakpoints"), m_breakpointsPanel, Qt::RightDockWidgetArea);

  // Figures a script shows (plt.show()), newest last; double-click opens one full size.
  m_plots = new QListWidget(this);
  m_plots->setObjectName("plots");
  m_plots->setViewMode(QListView::IconMode);
  m_plots->setIconSize(QSize(320, 240));
  m_plots->setResizeMode(QListView::Adjust);
  m_plots->setMovement(QListView::Static);
  auto* plotsDock = dock("plotsDock", tr("Plots"), m_plots, Qt::BottomDockWidgetArea);

  // Every backward() root scalar as the loss curve, with no code in the script.
  m_curves = new widgets::CurvesView(this);
  m_curves->setObjectName("curves");
  auto* curvesDock = dock("curvesDock", tr("Curves"), m_curves, Qt::BottomDockWidgetArea);
  // Per-parameter gradient norms with one click: tracked by the recorder while checked.
  connect(m_curves, &widgets::CurvesView::gradientNormsToggled, this, [this](bool on) {
    m_runner->setGradNormTracking(on);
    // Norms are taken after each backward() from now on: none for a run that has ended.
    if (on && m_state != RunState::Running && m_state != RunState::Paused)
      statusBar()->showMessage(tr("Per-parameter gradient norms are tracked from the next run on"), 8000);
  });

  // The tape as a graph with the time-travel bar under it, and the tensor inspector
  // (MainWindowViews.cpp).
  QDockWidget* graphDock = dock("graphDock", tr("Graph"), createGraphView(), Qt::RightDockWidgetArea);
  // A graph dock brought to the front while a script runs catches up at once.
  connect(graphDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
    if (visible && m_state == RunState::Running) refreshTape();
  });
  QDockWidget* inspectorDock = dock("inspectorDock", tr("Inspector"), createInspectorView(), Qt::BottomDockWidgetArea);
  // Brought to the front while paused at an op it has not shown anything for: that op.
  connect(inspectorDock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
    m_inspectorShown = visible;  // (a tab behind another one counts as not shown; isVisible() says yes)
    if (visible && m_state == RunState::Paused && m_pause.entry != 0 && m_inspectorPause != m_pause.sequence)
      inspectTensor(m_pause.entry, false, 0);
  });
  QDockWidget* modulesDock = dock("modulesDock", tr("Modules"), createModuleView(), Qt::RightDockWidgetArea);

  // The right column runs the window's full height (the bottom docks stop at it).
  setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
  setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);
  // The right column: the graph (and the module tree) on top, taller; the paused frame's
  // variables, the call stack and the breakpoints below. (Sized at the first show.)
  splitDockWidget(graphDock, variablesDock, Qt::Vertical);
  tabifyDockWidget(graphDock, modulesDock);
  graphDock->raise();
  tabifyDockWidget(variablesDock, stackDock);
  tabifyDockWidget(stackDock, breakpointsDock);
  variablesDock->raise();
  tabifyDockWidget(consoleDock, tapeDock);
  tabifyDockWidget(tapeDock, plotsDock);
  tabifyDockWidget(plotsDock, curvesDock);
  tabifyDockWidget(curvesDock, inspectorDock);
  consoleDock->raise();
}

QAction* MainWindow::makeAction(const QString& name, const QString& text, const QKeySequence& key) {
  auto* a = new QAction(text, this);
  a->setObjectName(name);
  if (!key.isEmpty()) a->setShortcut(key);
  m_actions.insert(name, a);
  return a;
}

QAction* MainWindow::action(const QString& name) const { return m_actions.value(name); }

void MainWindow::createActions() {
  connect(makeAction("new", tr("&New"), QKeySequence::New), &QAction::triggered, this, [this] { newBuffer(); });
  connect(makeAction("open", tr("&Open…"), QKeySequence::Open), &QAction::triggered, this, [this] {
    const QString path = m_prompter->openFileName(this, samplesDir());
    if (!path.isEmpty()) openFile(path);
  });
  connect(makeAction("save", tr("&Save"), QKeySequence::Save), &QAction::triggered, this, [this] { saveCurrent(); });
  connect(makeAction("saveAs", tr("Save &As…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)), &QAction::triggered, this, [this] {
    const QString path = m_prompter->saveFileName(this, currentPath());
    if (!path.isEmpty()) saveCurrentAs(path);
  });
  connect(makeAction("closeTab", tr("&Close"), QKeySequence::Close), &QAction::triggered, this,
          [this] { closeTab(m_tabs->currentIndex()); });
  connect(makeAction("quit", tr("&Quit"), QKeySequence::Quit), &QAction::triggered, this, &QWidget::close);

  connect(makeAction("run", tr("&Run / Continue"), Qt::Key_F5), &QAction::triggered, this, &MainWindow::runOrContinue);
  connect(makeAction("pause", tr("&Pause"), QKeySequence(Qt::CTRL | Qt::Key_Pause)), &QAction::triggered, this,
          &MainWindow::pauseRun);
  connect(makeAction("stop", tr("&Stop"), QKeySequence(Qt::SHIFT | Qt::Key_F5)), &QAction::triggered, this,
          &MainWindow::stopRun);
  connect(makeAction("restart", tr("R&estart"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_F5)), &QAction::triggered,
          this, &MainWindow::restartRun);
  connect(makeAction("stepOver", tr("Step &Over"), Qt::Key_F10), &QAction::triggered, this, &MainWindow::stepOver);
  connect(makeAction("stepInto", tr("Step &Into"), Qt::Key_F11), &QAction::triggered, this, &MainWindow::stepInto);
  connect(makeAction("stepOut", tr("Step O&ut"), QKeySequence(Qt::SHIFT | Qt::Key_F11)), &QAction::triggered, this,
          &MainWindow::stepOut);
  connect(makeAction("runToCursor", tr("Run to &Cursor"), QKeySequence(Qt::CTRL | Qt::Key_F10)), &QAction::triggered,
          this, &MainWindow::runToCursor);
  connect(makeAction("stepOp", tr("Step O&p"), QKeySequence(Qt::Key_F12)), &QAction::triggered, this,
          &MainWindow::stepOp);
  connect(makeAction("stepBackwardOp", tr("Step &Backward Op"), QKeySequence(Qt::SHIFT | Qt::Key_F12)),
          &QAction::triggered, this, &MainWindow::stepBackwardOp);
  connect(makeAction("runToBackward", tr("Run to Bac&kward"), QKeySequence(Qt::CTRL | Qt::Key_F12)),
          &QAction::triggered, this, &MainWindow::runToBackward);
  connect(makeAction("stepOpBack", tr("Step Op Bac&k (view)"), QKeySequence(Qt::ALT | Qt::Key_F12)),
          &QAction::triggered, this, [this] { m_timeline->model()->stepBack(); });
  connect(makeAction("toggleBreakpoint", tr("Toggle &Breakpoint"), Qt::Key_F9), &QAction::triggered, this,
          &MainWindow::toggleBreakpoint);
  connect(makeAction("breakOnNan", tr("Break on &NaN/Inf"), {}), &QAction::toggled, m_breakpoints,
          &BreakpointStore::setBreakOnNonFinite);
  m_actions["breakOnNan"]->setCheckable(true);
  connect(m_breakpoints, &BreakpointStore::conditionsChanged, this,
          [this] { m_actions["breakOnNan"]->setChecked(m_breakpoints->conditions().nonFinite); });
  connect(makeAction("addOpBreakpoint", tr("Add &Op Breakpoint…"), {}), &QAction::triggered, this,
          [this] { m_breakpointsPanel->addOp(); });
  connect(makeAction("recorderSettings", tr("&Recorder Settings…"), {}), &QAction::triggered, this,
          &MainWindow::editRecorderSettings);
  connect(makeAction("resetLayout", tr("&Reset Layout"), {}), &QAction::triggered, this, &MainWindow::resetLayout);
  // The Curves dock's data and picture, where the user says.
  auto exportCurves = [this](const QString& format) {
    const QString path = m_prompter->saveFileName(this, QDir::home().filePath("curves." + format), exportFilter(format));
    if (path.isEmpty()) return;
    QString error;
    const bool ok = format == "csv"   ? m_curves->exportCsv(path, &error)
                    : format == "svg" ? m_curves->exportSvg(path, &error)
                                      : m_curves->exportPng(path, &error);
    if (!ok) m_prompter->warn(this, tr("Export failed"), error);
    else statusBar()->showMessage(tr("Curves exported to %1").arg(path), 8000);
  };
  connect(makeAction("exportCurvesCsv", tr("Export Curves as &CSV…"), {}), &QAction::triggered, this,
          [exportCurves] { exportCurves("csv"); });
  connect(makeAction("exportCurvesPng", tr("Export Curves as &PNG…"), {}), &QAction::triggered, this,
          [exportCurves] { exportCurves("png"); });
  connect(makeAction("exportCurvesSvg", tr("Export Curves as &SVG…"), {}), &QAction::triggered, this,
          [exportCurves] { exportCurves("svg"); });
  // The tape graph as a picture.
  auto exportGraph = [this](const QString& format) {
    const QString path =
        m_prompter->saveFileName(this, QDir::home().filePath("tape-graph." + format), exportFilter(format));
    if (path.isEmpty()) return;
    QString error;
    const bool ok = format == "svg" ? m_graph->view()->exportSvg(path, &error) : m_graph->view()->exportPng(path, &error);
    if (!ok) m_prompter->warn(this, tr("Export failed"), error);
    else statusBar()->showMessage(tr("Graph exported to %1").arg(path), 8000);
  };
  connect(makeAction("exportGraphPng", tr("Export &Graph as PNG…"), {}), &QAction::triggered, this,
          [exportGraph] { exportGraph("png"); });
  connect(makeAction("exportGraphSvg", tr("Export Graph as S&VG…"), {}), &QAction::triggered, this,
          [exportGraph] { exportGraph("svg"); });
  connect(makeAction("arguments", tr("Script &Arguments…"), {}), &QAction::triggered, this, [this] {
    bool ok = false;
    const QString text = m_prompter->askText(this, tr("Script arguments"),
                                             tr("sys.argv[1:] for the next runs (split at spaces; quote with \"…\"):"),
                                             joinArguments(m_arguments), &ok);
    if (ok) m_arguments = QProcess::splitCommand(text);
  });
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(m_actions["new"]);
  file->addAction(m_actions["open"]);
  m_recentMenu = file->addMenu(tr("Open &Recent"));
  m_samplesMenu = file->addMenu(tr("Sa&mples"));
  file->addSeparator();
  file->addAction(m_actions["save"]);
  file->addAction(m_actions["saveAs"]);
  file->addAction(m_actions["closeTab"]);
  file->addSeparator();
  file->addAction(m_actions["exportCurvesCsv"]);
  file->addAction(m_actions["exportCurvesPng"]);
  file->addAction(m_actions["exportCurvesSvg"]);
  file->addAction(m_actions["exportGraphPng"]);
  file->addAction(m_actions["exportGraphSvg"]);
  file->addSeparator();
  file->addAction(m_actions["quit"]);
  refreshRecentMenu();
  fillSamplesMenu();

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  for (const char* name : {"run", "pause", "stop", "restart"}) run->addAction(m_actions[name]);
  run->addSeparator();
  run->addAction(m_actions["arguments"]);
  QMenu* debug = menuBar()->addMenu(tr("&Debug"));
  for (const char* name : {"stepOver", "stepInto", "stepOut", "runToCursor"}) debug->addAction(m_actions[name]);
  debug->addSeparator();
  for (const char* name : {"stepOp", "stepBackwardOp", "runToBackward", "stepOpBack"}) debug->addAction(m_actions[name]);
  debug->addSeparator();
  for (const char* name : {"toggleBreakpoint", "addOpBreakpoint", "breakOnNan"}) debug->addAction(m_actions[name]);
  debug->addSeparator();
  debug->addAction(m_actions["recorderSettings"]);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());
  view->addSeparator();
  view->addAction(m_actions["resetLayout"]);

  QToolBar* transport = addToolBar(tr("Debug"));
  transport->setObjectName("transportToolBar");
  for (const char* name : {"run", "pause", "stop", "restart"}) transport->addAction(m_actions[name]);
  transport->addSeparator();
  for (const char* name : {"stepOver", "stepInto", "stepOut", "stepOp", "stepBackwardOp", "runToBackward"})
    transport->addAction(m_actions[name]);
}

QSize MainWindow::defaultWindowSize() {
  QSize size(1280, 820);
  // Within the screen's free area (a 1366x768 laptop), never below what the docks need.
  if (const QScreen* screen = QGuiApplication::primaryScreen())
    size = size.boundedTo(screen->availableSize() * 0.95);
  layout()->activate();  // its minimum as the docks now stand, tabbed
  return size.expandedTo(minimumSizeHint());
}

void MainWindow::restoreLayout() {
  QSettings settings;
  const QByteArray geometry = settings.value("window/geometry").toByteArray();
  if (!geometry.isEmpty()) restoreGeometry(geometry);
  const QByteArray state = settings.value("window/state").toByteArray();
  // A corrupt or outdated state is refused by restoreState: the default layout stays.
  if (!state.isEmpty() && !restoreState(state, kLayoutVersion)) resetLayout();
  m_sizeDocksOnShow = state.isEmpty() || m_sizeDocksOnShow;
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  if (m_sizeDocksOnShow) applyDefaultSizes();
}

void MainWindow::applyDefaultSizes() {
  m_sizeDocksOnShow = false;
  // The default proportions, once the window has its size: a wide right column whose
  // graph takes most of the height.
  auto* graph = findChild<QDockWidget*>("graphDock");
  auto* variables = findChild<QDockWidget*>("variablesDock");
  resizeDocks({graph}, {width() * 9 / 20}, Qt::Horizontal);
  resizeDocks({graph, variables}, {height() * 5 / 8, height() * 3 / 8}, Qt::Vertical);
  resizeDocks({findChild<QDockWidget*>("consoleDock")}, {height() / 4}, Qt::Vertical);
}

void MainWindow::resetLayout() {
  restoreState(m_defaultState, kLayoutVersion);
  for (QDockWidget* dock : findChildren<QDockWidget*>()) dock->show();
  findChild<QDockWidget*>("consoleDock")->raise();
  findChild<QDockWidget*>("variablesDock")->raise();
  findChild<QDockWidget*>("graphDock")->raise();
  m_sizeDocksOnShow = true;
  if (isVisible()) applyDefaultSizes();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  for (int i = 0; i < m_tabs->count(); ++i) {
    auto* editor = qobject_cast<widgets::CodeEditor*>(m_tabs->widget(i));
    if (!maybeSave(editor)) {
      event->ignore();
      return;
    }
  }
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState(kLayoutVersion));
  // Saved or deliberately discarded: nothing is left to recover.
  for (int i = 0; i < m_tabs->count(); ++i)
    m_autosave->discard(autosaveKey(qobject_cast<widgets::CodeEditor*>(m_tabs->widget(i))));
  m_runner->stop();
  event->accept();
}

QString MainWindow::statusText() const { return m_stateLabel->text(); }
QString MainWindow::iterationText() const { return m_iterationLabel->text(); }

}  // namespace td::app
