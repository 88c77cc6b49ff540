#pragma once
// The IDE's main window: tabbed code editors in the middle; Console, Variables, Call
// Stack, Tape and Breakpoints docks around them (layout saved and restored); the
// transport controls in a toolbar and the Run and Debug menus; the run state and the
// iteration in the status bar. Files are saved atomically and unsaved buffers are
// autosaved, so nothing a user typed is lost. The runner (ScriptRunner) does the work on
// its own thread; this window drives it and shows what it reports.
#include <QHash>
#include <QMainWindow>
#include <functional>
#include <memory>

#include "Prompter.h"
#include "RunTypes.h"

class QAction;
class QLabel;
class QListView;
class QListWidget;
class QMenu;
class QTabWidget;
class QTableView;
class QTimer;
class QTreeView;

namespace td::widgets {
class CallStackModel;
class CodeEditor;
class CurvesView;
class ConsoleWidget;
class ModuleView;
class TapeGraphPanel;
class TensorInspector;
class TimelineBar;
class TapeListModel;
class VariablesModel;
}  // namespace td::widgets

namespace td::app {

class Autosave;
class BreakpointStore;
class BreakpointsPanel;
class RecentFiles;
class ScriptRunner;

/// What Debug → Recorder Settings… last kept (QSettings); the defaults where absent or out of range.
RecorderSettings savedRecorderSettings();

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  enum class RunState { Starting, Idle, Running, Paused, Finished, Failed, Stopped };

  /// `prompter`: who answers the window's questions (null: Qt's dialogs).
  explicit MainWindow(std::unique_ptr<Prompter> prompter = nullptr, QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Opens `path` in a tab (or shows its tab); false, with a warning, when it cannot be read.
  bool openFile(const QString& path);
  /// A new untitled buffer holding `text`.
  widgets::CodeEditor* newBuffer(const QString& text = {});
  bool saveCurrent();
  bool saveCurrentAs(const QString& path);
  /// Offers back the buffers a crashed or killed session left unsaved.
  void recoverAutosaved();
  void setAutosaveInterval(int milliseconds);
  /// Writes every modified buffer to the autosave folder now.
  void autosaveNow();

  widgets::CodeEditor* currentEditor() const;
  QString currentPath() const;
  bool isModified(widgets::CodeEditor* editor) const;
  QAction* action(const QString& name) const;  ///< "run", "pause", "stop", "stepOver", ...
  ScriptRunner* runner() const { return m_runner; }
  BreakpointStore* breakpoints() const { return m_breakpoints; }
  widgets::ConsoleWidget* console() const { return m_console; }
  widgets::VariablesModel* variablesModel() const { return m_variablesModel; }
  widgets::CallStackModel* callStackModel() const { return m_callStackModel; }
  widgets::TapeListModel* tapeModel() const { return m_tapeModel; }
  QTableView* tapeView() const { return m_tape; }
  QListWidget* plotsView() const { return m_plots; }
  widgets::CurvesView* curvesView() const { return m_curves; }
  widgets::TapeGraphPanel* graphPanel() const { return m_graph; }
  widgets::TimelineBar* timelineBar() const { return m_timeline; }
  widgets::TensorInspector* inspector() const { return m_inspector; }
  /// Whether the Inspector dock is in front (not a tab behind another dock).
  bool inspectorShown() const { return m_inspectorShown; }
  widgets::ModuleView* moduleView() const { return m_modules; }
  BreakpointsPanel* breakpointsPanel() const { return m_breakpointsPanel; }
  RunState runState() const { return m_state; }
  QString statusText() const;
  /// The status bar's iteration ("iteration 3"; empty when idle).
  QString iterationText() const;
  const PauseInfo& lastPause() const { return m_pause; }
  const PausedSnapshot& lastSnapshot() const { return m_snapshot; }
  const RunOutcome& lastOutcome() const { return m_outcome; }
  /// Arguments for the next runs' sys.argv[1:].
  void setScriptArguments(const QStringList& arguments) { m_arguments = arguments; }
  /// What the recorder keeps from the next run on (Debug → Recorder Settings…).
  const RecorderSettings& recorderSettings() const { return m_recorderSettings; }
  /// Asks for them (the prompter), keeps them in the settings and says so in the status bar.
  void editRecorderSettings();

 signals:
  void runnerReady(const QString& error);
  void runStarted();
  void runPaused(const td::app::PauseInfo& pause);
  /// The paused frame's stack and variables are shown.
  void snapshotShown();
  void runFinished(const td::app::RunOutcome& outcome);
  void consoleEvaluated(const QString& result);
  void figureShown(const QString& title);

 public slots:
  void runOrContinue();
  void pauseRun();
  void stopRun();
  void restartRun();
  void stepOver();
  void stepInto();
  void stepOut();
  void runToCursor();
  void stepOp();
  void stepBackwardOp();
  void runToBackward();
  void toggleBreakpoint();
  void resetLayout();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void showEvent(QShowEvent* event) override;

 private:
  // Construction (MainWindow.cpp).
  void createDocks();
  void applyDefaultSizes();
  QWidget* createGraphView();      ///< the graph panel over the timeline bar
  QWidget* createInspectorView();  ///< the inspector under its note and tools
  /// The timeline's positions (when the run stands still) with the pause as live.
  void refreshTimeline();
  void onTimelineCursor(int index);
  QWidget* createModuleView();
  /// The module view: `rows` (own numbers from Python) with what the recorder saw in the
  /// graph's iteration (output shapes, bytes saved for backward) and its memory.
  void showModules(QList<widgets::ModuleRow> rows);
  void createActions();
  void createMenus();
  void restoreLayout();
  /// The size of a window with no saved geometry: 1280x820 within the screen's free area.
  QSize defaultWindowSize();
  QAction* makeAction(const QString& name, const QString& text, const QKeySequence& key);
  // Files (MainWindowFiles.cpp).
  widgets::CodeEditor* addEditor(const QString& path, const QString& text);
  widgets::CodeEditor* editorFor(const QString& path) const;
  bool saveEditor(widgets::CodeEditor* editor, const QString& path);
  bool closeTab(int index);
  bool maybeSave(widgets::CodeEditor* editor);
  void updateTabTitle(widgets::CodeEditor* editor);
  void refreshRecentMenu();
  void fillSamplesMenu();
  QString autosaveKey(widgets::CodeEditor* editor) const;
  // Running and debugging (MainWindowRun.cpp).
  void startRun(bool pauseAtStart, const QString& runToFile = {}, int runToLine = 0);
  /// Runs `command` (a step) when paused; from idle, with `startIfIdle`, starts the run paused.
  void whenPaused(const std::function<void()>& command, bool startIfIdle);
  void setState(RunState state);
  void onPaused(const PauseInfo& pause);
  void onSnapshot(const PausedSnapshot& snapshot);
  void onFinished(const RunOutcome& outcome);
  void onConsoleLine(const QString& line);
  void showLocation(const QString& file, int line, bool execution);
  /// Clears the current-line marker in every editor, and the op's origin marker unless kept.
  void clearExecutionMarks(bool keepOrigin = false);
  void refreshTape();
  /// The graph laid out anew when the run has ended and its module boxes overlap
  /// (MainWindowViews.cpp); nothing while running or paused.
  void tidyEndedGraph();
  /// Selects entry `entryId` in every view (tape list, graph, inspector) and shows its
  /// source line.
  void selectEntry(quint64 entryId);
  /// Shows a tensor of an entry in the inspector (with its gradient once backward ran).
  void inspectTensor(quint64 entryId, bool input, int index);
  /// A tensor variable (its row in Variables) in the inspector, found on the recorded tape.
  void inspectVariable(int row);
  /// The inspected tensor's change since the previous iteration (same entry position).
  void compareWithPreviousIteration();
  /// Marks the inspected tensor; compareWithMarked shows the inspected one minus it.
  void markForComparison();
  void compareWithMarked();
  void refreshCurves();
  void drainOutput();
  void applyBreakpointMarks(const QString& file);
  void updateActions();

  std::unique_ptr<Prompter> m_prompter;
  QTabWidget* m_tabs = nullptr;
  widgets::ConsoleWidget* m_console = nullptr;
  QTreeView* m_variables = nullptr;
  widgets::VariablesModel* m_variablesModel = nullptr;
  QListView* m_callStack = nullptr;
  widgets::CallStackModel* m_callStackModel = nullptr;
  QTableView* m_tape = nullptr;
  widgets::TapeListModel* m_tapeModel = nullptr;
  QListWidget* m_plots = nullptr;
  widgets::CurvesView* m_curves = nullptr;
  widgets::TapeGraphPanel* m_graph = nullptr;
  widgets::TimelineBar* m_timeline = nullptr;
  widgets::TensorInspector* m_inspector = nullptr;
  widgets::ModuleView* m_modules = nullptr;
  QLabel* m_inspectorNote = nullptr;
  /// What the inspector shows: a tensor of an entry (input or output `index`).
  struct Inspected {
    quint64 entryId = 0;
    bool input = false;
    int index = 0;
  };
  Inspected m_inspected;
  Inspected m_marked;  ///< the tensor "Δ marked" compares against (entryId 0: none)
  quint64 m_inspectorPause = 0;  ///< the pause (sequence) during which the inspector last showed a tensor
  bool m_inspectorShown = false;  ///< the Inspector dock is in front (its visibilityChanged)
  bool m_markRunningLine = false;  ///< paused at an op: the next snapshot marks the running line
  bool m_refreshingViews = false;  ///< refreshTape is filling the views (not the user)
  bool m_sizeDocksOnShow = false;  ///< the default layout's proportions, at the first show
  std::size_t m_lossPoints = 0;  ///< loss points of this run already drawn
  std::size_t m_gradNormPoints = 0;  ///< gradient norm points of this run already drawn
  BreakpointsPanel* m_breakpointsPanel = nullptr;
  QLabel* m_stateLabel = nullptr;
  QLabel* m_iterationLabel = nullptr;
  QMenu* m_recentMenu = nullptr;
  QMenu* m_samplesMenu = nullptr;
  QHash<QString, QAction*> m_actions;
  QByteArray m_defaultState;

  BreakpointStore* m_breakpoints = nullptr;
  std::unique_ptr<Autosave> m_autosave;
  std::unique_ptr<RecentFiles> m_recent;
  QTimer* m_autosaveTimer = nullptr;
  QTimer* m_outputTimer = nullptr;
  QTimer* m_tapeTimer = nullptr;
  int m_untitledCount = 0;

  ScriptRunner* m_runner = nullptr;  ///< the application's (ScriptRunner::shared)
  bool m_runnerReady = false;
  RunState m_state = RunState::Starting;
  PauseInfo m_pause;
  PausedSnapshot m_snapshot;
  RunOutcome m_outcome;
  QString m_runningPath;
  QStringList m_arguments;
  RecorderSettings m_recorderSettings;
  bool m_restartPending = false;
  bool m_inputPending = false;
};

}  // namespace td::app
