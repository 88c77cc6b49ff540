// The IDE end to end: the real MainWindow, its runner and the embedded interpreter. A
// script is opened, breakpoints set, and the window's own actions run, pause, step and
// stop it; the assertions read what the user would see (the paused line, the variables,
// the tape, the console, the status bar). Prompts are answered by a TestPrompter; waits
// are on signals, with generous timeouts.
#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QImage>
#include <QLineEdit>
#include <QListWidget>
#include <QTableView>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

#include "BreakpointStore.h"
#include "MainWindow.h"
#include "Prompter.h"
#include "ScriptRunner.h"
#include "console/ConsoleWidget.h"
#include "documents/Autosave.h"
#include "curves/CurvesView.h"
#include "editor/CodeEditor.h"
#include "models/CallStackModel.h"
#include "models/TapeListModel.h"
#include "models/VariablesModel.h"

using td::app::MainWindow;
using td::app::PauseInfo;
using td::app::RunOutcome;

namespace {

constexpr int kTimeout = 60000;

/// Answers every question without a dialog.
class TestPrompter : public td::app::Prompter {
 public:
  SaveChoice askSaveChanges(QWidget*, const QString&) override { return SaveChoice::Discard; }
  QString openFileName(QWidget*, const QString&) override { return {}; }
  QString saveFileName(QWidget*, const QString&) override { return savePath; }
  bool askRecover(QWidget*, const QStringList&) override { return recover; }
  QString askText(QWidget*, const QString&, const QString&, const QString&, bool* ok) override {
    *ok = !text.isEmpty();
    return text;
  }
  void warn(QWidget*, const QString&, const QString& message) override { warnings << message; }

  bool recover = true;
  QString text;
  QString savePath;  ///< what Save As and exports are told (empty: cancelled)
  QStringList warnings;
};

// A two-layer model trained for three steps; the line numbers below are the tests'.
const QStringList kTrainLines = {
    "import torch",                                         // 1
    "import torch.nn as nn",                                // 2
    "",                                                     // 3
    "class Net(nn.Module):",                                // 4
    "    def __init__(self):",                              // 5
    "        super().__init__()",                           // 6
    "        self.fc1 = nn.Linear(2, 4)",                   // 7
    "        self.fc2 = nn.Linear(4, 1)",                   // 8
    "",                                                     // 9
    "    def forward(self, x):",                            // 10
    "        h = torch.relu(self.fc1(x))",                  // 11
    "        return self.fc2(h)",                           // 12
    "",                                                     // 13
    "def loss_of(model, x, y):",                            // 14
    "    out = model(x)",                                   // 15
    "    return ((out - y) ** 2).mean()",                   // 16
    "",                                                     // 17
    "torch.manual_seed(0)",                                 // 18
    "model = Net()",                                        // 19
    "x = torch.randn(8, 2)",                                // 20
    "y = torch.randn(8, 1)",                                // 21
    "opt = torch.optim.SGD(model.parameters(), lr=0.1)",    // 22
    "for step in range(3):",                                // 23
    "    opt.zero_grad()",                                  // 24
    "    loss = loss_of(model, x, y)",                      // 25
    "    loss.backward()",                                  // 26
    "    opt.step()",                                       // 27
    "print('grad is None:', model.fc1.weight.grad is None)",  // 28
};

}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir m_dir;
  TestPrompter* m_prompter = nullptr;
  std::unique_ptr<MainWindow> m_window;

  MainWindow* makeWindow() {
    auto prompter = std::make_unique<TestPrompter>();
    m_prompter = prompter.get();
    m_window = std::make_unique<MainWindow>(std::move(prompter));
    m_window->show();
    if (m_window->runState() == MainWindow::RunState::Starting) {
      QSignalSpy ready(m_window.get(), &MainWindow::runnerReady);
      if (!ready.wait(kTimeout)) qFatal("the runner did not start");
      if (!ready.at(0).at(0).toString().isEmpty()) qFatal("%s", qPrintable(ready.at(0).at(0).toString()));
    }
    return m_window.get();
  }

  QString writeScript(const QString& name, const QStringList& lines) {
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    file.write((lines.join('\n') + '\n').toUtf8());
    return path;
  }

  /// Opens `lines` as `name` in a fresh window.
  MainWindow* open(const QString& name, const QStringList& lines) {
    MainWindow* w = makeWindow();
    if (!w->openFile(writeScript(name, lines))) qFatal("could not open the script");
    return w;
  }

  /// Runs `trigger` (an action) and waits for the next pause.
  PauseInfo pauseAfter(const char* actionName) {
    QSignalSpy paused(m_window.get(), &MainWindow::runPaused);
    QSignalSpy shown(m_window.get(), &MainWindow::snapshotShown);
    m_window->action(actionName)->trigger();
    if (!paused.wait(kTimeout)) {
      qWarning("no pause; state: %s; console:\n%s", qPrintable(m_window->statusText()),
               qPrintable(m_window->console()->text()));
      return {};
    }
    if (shown.isEmpty()) shown.wait(kTimeout);
    return paused.takeFirst().at(0).value<PauseInfo>();
  }

  RunOutcome finishAfter(const char* actionName) {
    QSignalSpy finished(m_window.get(), &MainWindow::runFinished);
    m_window->action(actionName)->trigger();
    if (!finished.wait(kTimeout)) qWarning("the run did not finish; state: %s", qPrintable(m_window->statusText()));
    return finished.isEmpty() ? RunOutcome{} : finished.takeFirst().at(0).value<RunOutcome>();
  }

  /// A field of the variable `name` as the Variables dock's model has it: "value",
  /// "type" or "shape"; "<missing>" when there is no such variable.
  QString variable(const QString& name, const char* field = "value") const {
    td::widgets::VariablesModel* model = m_window->variablesModel();
    for (int i = 0; i < model->rowCount(); ++i) {
      const td::widgets::VariableRow& row = model->row(i);
      if (row.name != name) continue;
      const QString f = QString::fromLatin1(field);
      return f == "type" ? row.type : f == "shape" ? row.shape : row.value;
    }
    return QStringLiteral("<missing>");
  }

  QString evaluate(const QString& expression) {
    QSignalSpy evaluated(m_window.get(), &MainWindow::consoleEvaluated);
    QLineEdit* input = m_window->console()->input();
    input->setText(expression);
    QTest::keyClick(input, Qt::Key_Return);
    if (!evaluated.wait(kTimeout)) return QStringLiteral("<no answer>");
    return evaluated.takeFirst().at(0).toString().trimmed();
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setApplicationName("TapedeckTest");
    QCoreApplication::setOrganizationName("TapedeckTest");
    QSettings().clear();
    QDir(td::app::Autosave::defaultDirectory()).removeRecursively();
    QVERIFY(m_dir.isValid());
  }

  void cleanup() {
    if (m_window) {
      if (m_window->runner()->isRunning()) {
        QSignalSpy finished(m_window.get(), &MainWindow::runFinished);
        m_window->stopRun();
        finished.wait(kTimeout);
      }
      m_window->close();
      m_window.reset();
    }
  }

  void lineBreakpointLocalsAndLineSteps() {
    MainWindow* w = open("train.py", kTrainLines);
    const QString path = m_dir.filePath("train.py");
    w->currentEditor()->goToLine(25);
    w->action("toggleBreakpoint")->trigger();  // F9
    QCOMPARE(w->currentEditor()->breakpoints().keys(), QList<int>{25});
    PauseInfo pause = pauseAfter("run");
    QCOMPARE(pause.reason, QStringLiteral("line"));
    QCOMPARE(pause.line, 25);
    QCOMPARE(w->currentEditor()->executionLine(), 25);
    QVERIFY2(w->statusText().contains("paused at line 25"), qPrintable(w->statusText()));
    QCOMPARE(variable("step"), QStringLiteral("0"));
    QCOMPARE(variable("x", "shape"), QStringLiteral("[8, 2]"));
    QVERIFY(variable("model").contains("parameters"));
    QVERIFY(w->callStackModel()->rowCount() >= 1);

    pause = pauseAfter("stepInto");  // F11: into loss_of
    QCOMPARE(pause.line, 15);
    QCOMPARE(variable("model", "type"), QStringLiteral("Net"));
    // The innermost frame first, and it is the selected (paused) one.
    QVERIFY(w->callStackModel()->index(0).data().toString().startsWith("loss_of"));
    QCOMPARE(w->callStackModel()->selectedRow(), 0);
    pause = pauseAfter("stepOver");  // F10
    QCOMPARE(pause.line, 16);
    QCOMPARE(variable("out", "shape"), QStringLiteral("[8, 1]"));
    pause = pauseAfter("stepOut");  // Shift+F11: back in the loop
    QVERIFY2(pause.line == 25 || pause.line == 26, qPrintable(QString::number(pause.line)));
    pause = pauseAfter("run");  // Continue: the breakpoint again, one iteration on
    QCOMPARE(pause.line, 25);
    QCOMPARE(variable("step"), QStringLiteral("1"));
    w->breakpoints()->toggleLine(path, 25);
    const RunOutcome outcome = finishAfter("run");
    QCOMPARE(outcome.status, QStringLiteral("finished"));
    QVERIFY(w->console()->text().contains("grad is None: False"));
    QCOMPARE(w->runState(), MainWindow::RunState::Finished);
  }

  void stepOpRunToBackwardAndTheTape() {
    MainWindow* w = open("train_ops.py", kTrainLines);
    w->breakpoints()->toggleLine(m_dir.filePath("train_ops.py"), 25);
    PauseInfo pause = pauseAfter("run");
    QCOMPARE(pause.line, 25);
    const int before = w->tapeModel()->rowCount();
    quint64 last = 0;
    for (int i = 0; i < 3; ++i) {
      pause = pauseAfter("stepOp");
      QCOMPARE(pause.reason, QStringLiteral("step"));
      QVERIFY(pause.entry > last);
      QVERIFY(!pause.backward);
      last = pause.entry;
      // The op's line: inside forward() or loss_of(), in the user's file.
      QVERIFY2(QSet<int>({11, 12, 15, 16}).contains(pause.line), qPrintable(QString::number(pause.line)));
      QCOMPARE(w->currentEditor()->executionLine(), pause.line);
    }
    QCOMPARE(w->tapeModel()->rowCount(), before + 3);
    // The paused entry is the current row of the Tape dock.
    QCOMPARE(w->tapeModel()->currentEntry(), last);
    QCOMPARE(w->tapeView()->currentIndex().row(), w->tapeModel()->rowOfEntry(last));
    QVERIFY(w->statusText().contains("paused at op #"));
    pause = pauseAfter("runToBackward");
    QCOMPARE(pause.reason, QStringLiteral("backward start"));
    pause = pauseAfter("stepBackwardOp");
    QVERIFY(pause.backward);
    QVERIFY(w->statusText().contains("backward"));
    QCOMPARE(finishAfter("stop").status, QStringLiteral("stopped"));
  }

  void matmulBackwardBreakpointStepsForReal() {
    // nn.Linear records one `linear` op; this model multiplies with `@` itself.
    MainWindow* w = open("train_mm.py", {"import torch", "import torch.nn as nn", "fc1 = nn.Linear(2, 4)",
                                         "fc2 = nn.Linear(4, 1)", "x = torch.randn(8, 2)", "for step in range(2):",
                                         "    h = torch.relu(x @ fc1.weight.T + fc1.bias)",
                                         "    loss = (h @ fc2.weight.T + fc2.bias).pow(2).mean()",
                                         "    loss.backward()",
                                         "print('grad is None:', fc1.weight.grad is None)"});
    w->breakpoints()->addOp(td::app::OpBreakpoint{"matmul", false, true, true});
    PauseInfo pause = pauseAfter("run");
    QCOMPARE(pause.op, QStringLiteral("matmul"));
    QVERIFY(pause.backward);
    QCOMPARE(pause.iteration, 0u);
    // Paused inside the first backward: the gradient is not there yet.
    QCOMPARE(pause.line, 8);  // h @ fc2.weight.T, the last matmul, is differentiated first
    QCOMPARE(evaluate("fc1.weight.grad is None"), QStringLiteral("True"));
    w->breakpoints()->removeOp(0);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QVERIFY(w->console()->text().contains("grad is None: False"));
  }

  void nanBreakpointStopsAtTheOpThatMadeIt() {
    MainWindow* w = open("nan.py", {"import torch", "x = torch.tensor([1.0, -1.0])", "y = torch.log(x)",
                                    "print('after')"});
    w->breakpoints()->setBreakOnNonFinite(true);
    const PauseInfo pause = pauseAfter("run");
    QCOMPARE(pause.op, QStringLiteral("log"));
    QCOMPARE(pause.line, 3);
    QVERIFY(pause.description.contains("NaN"));
    w->breakpoints()->setBreakOnNonFinite(false);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
  }

  void pauseContinueAndStopAnInfiniteLoop() {
    MainWindow* w = open("loop.py", {"print('looping')", "n = 0", "while True:", "    n += 1"});
    w->action("run")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w->console()->text().contains("looping"), kTimeout);
    const PauseInfo pause = pauseAfter("pause");
    QVERIFY2(pause.line == 3 || pause.line == 4, qPrintable(QString::number(pause.line)));
    QVERIFY(variable("n") != QStringLiteral("<missing>"));
    w->action("run")->trigger();  // Continue
    QCOMPARE(w->runState(), MainWindow::RunState::Running);
    const PauseInfo again = pauseAfter("pause");
    QVERIFY(again.sequence > pause.sequence);
    w->action("run")->trigger();
    const RunOutcome stopped = finishAfter("stop");
    QVERIFY2(stopped.status == "stopped", qPrintable(stopped.message + "\n" + stopped.traceback));
    QCOMPARE(w->runState(), MainWindow::RunState::Stopped);
    // The next run works.
    w->currentEditor()->setPlainText("print('next run')\n");
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QVERIFY(w->console()->text().contains("next run"));
  }

  void breakpointSetWhileRunningStopsTheLoop() {
    // Without breakpoints nothing traces lines; one added while the loop runs arrives as a
    // pending call and turns tracing on for the frames already running.
    MainWindow* w = open("spin.py", {"print('spinning')", "n = 0", "while True:", "    n += 1"});
    w->action("run")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w->console()->text().contains("spinning"), kTimeout);
    QSignalSpy paused(w, &MainWindow::runPaused);
    w->breakpoints()->toggleLine(m_dir.filePath("spin.py"), 4);
    QVERIFY(paused.wait(kTimeout));
    const PauseInfo pause = paused.takeFirst().at(0).value<PauseInfo>();
    QCOMPARE(pause.line, 4);
    QCOMPARE(pause.reason, QStringLiteral("line"));
    w->breakpoints()->toggleLine(m_dir.filePath("spin.py"), 4);
    w->action("run")->trigger();
    QCOMPARE(finishAfter("stop").status, QStringLiteral("stopped"));
  }

  void tapeDockFollowsARunningScript() {
    MainWindow* w = open("live.py", {"import time", "import torch", "x = torch.ones(3, requires_grad=True)",
                                     "while True:", "    y = (x * 2).sum()", "    time.sleep(0.01)"});
    w->action("run")->trigger();
    // Unpaused, the Tape dock fills as ops run (refreshed four times a second).
    QTRY_VERIFY_WITH_TIMEOUT(w->tapeModel()->rowCount() >= 4, kTimeout);
    QCOMPARE(w->runState(), MainWindow::RunState::Running);
    const int seen = w->tapeModel()->rowCount();
    QTRY_VERIFY_WITH_TIMEOUT(w->tapeModel()->rowCount() > seen, kTimeout);
    QCOMPARE(w->tapeModel()->row(0).op, QStringLiteral("mul"));
    QCOMPARE(w->tapeModel()->row(0).line, 5);
    QCOMPARE(finishAfter("stop").status, QStringLiteral("stopped"));
  }

  void runToCursorAndRestart() {
    MainWindow* w = open("cursor.py", kTrainLines);
    w->currentEditor()->goToLine(27);  // opt.step()
    PauseInfo pause = pauseAfter("runToCursor");  // Ctrl+F10 from idle: runs to that line
    QCOMPARE(pause.line, 27);
    QCOMPARE(variable("step"), QStringLiteral("0"));
    w->currentEditor()->goToLine(24);
    pause = pauseAfter("runToCursor");  // from a pause: the next time line 24 runs
    QCOMPARE(pause.line, 24);
    QCOMPARE(variable("step"), QStringLiteral("1"));
    // Restart (Ctrl+Shift+F5): this run stops and a new one starts from the top.
    QSignalSpy finished(w, &MainWindow::runFinished);
    QSignalSpy started(w, &MainWindow::runStarted);
    w->action("restart")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, kTimeout);
    QCOMPARE(started.count(), 1);
    QCOMPARE(finished.at(0).at(0).value<RunOutcome>().status, QStringLiteral("stopped"));
    QCOMPARE(finished.at(1).at(0).value<RunOutcome>().status, QStringLiteral("finished"));
  }

  void errorsAreReportedAndTheIdeKeepsWorking() {
    MainWindow* w = open("broken.py", {"x = (1,", ""});
    RunOutcome outcome = finishAfter("run");
    QCOMPARE(outcome.status, QStringLiteral("failed"));
    QVERIFY(w->console()->text().contains("SyntaxError"));
    QCOMPARE(w->runState(), MainWindow::RunState::Failed);

    w->currentEditor()->setPlainText("def f():\n    raise ValueError('bad value')\nf()\n");
    outcome = finishAfter("run");
    QCOMPARE(outcome.status, QStringLiteral("failed"));
    QCOMPARE(outcome.line, 2);
    const QString console = w->console()->text();
    QVERIFY(console.contains("ValueError: bad value"));
    QVERIFY(console.contains("broken.py\", line 2"));
    QCOMPARE(w->currentEditor()->cursorLineNumber(), 2);  // the editor shows where

    w->currentEditor()->setPlainText("print(6 * 7)\n");
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QVERIFY(w->console()->text().contains("42"));
  }

  void inputReadsFromTheConsole() {
    MainWindow* w = open("ask.py", {"name = input('name? ')", "print('hello', name)"});
    QSignalSpy finished(w, &MainWindow::runFinished);
    w->action("run")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(w->console()->prompt(), QStringLiteral("input:"), kTimeout);
    QLineEdit* input = w->console()->input();
    input->setText("Ada");
    QTest::keyClick(input, Qt::Key_Return);
    QVERIFY(finished.wait(kTimeout));
    QVERIFY(w->console()->text().contains("hello Ada"));
  }

  void autosaveRestoresAnUnsavedBuffer() {
    MainWindow* w = makeWindow();
    w->setAutosaveInterval(50);
    td::widgets::CodeEditor* editor = w->newBuffer();
    QTest::keyClicks(editor, "typed but never saved");
    QVERIFY(w->isModified(editor));
    w->autosaveNow();
    m_window.reset();  // killed: no close, no question, the autosave stays

    MainWindow* again = makeWindow();
    m_prompter->recover = true;
    again->recoverAutosaved();
    QVERIFY(again->currentEditor() != nullptr);
    QCOMPARE(again->currentEditor()->toPlainText(), QStringLiteral("typed but never saved"));
    QVERIFY(again->isModified(again->currentEditor()));
  }

  void failedSaveKeepsTheOldFileAndTheBuffer() {
    MainWindow* w = open("keep.py", {"print('old')"});
    w->currentEditor()->selectAll();
    w->currentEditor()->insertPlainText("print('new')\n");  // typed: the buffer is modified
    QVERIFY(!w->saveCurrentAs(m_dir.filePath("keep.py/inside.py")));  // a file is in the way
    QCOMPARE(m_prompter->warnings.size(), 1);
    QVERIFY(m_prompter->warnings[0].contains("keep.py"));
    QVERIFY(w->isModified(w->currentEditor()));
    QVERIFY(w->saveCurrent());
    QFile file(m_dir.filePath("keep.py"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(file.readAll()), QStringLiteral("print('new')\n"));
  }

  void plotShowLandsInThePlotsDock() {
    if (!QFileInfo::exists("/usr/lib/python3/dist-packages/matplotlib")) {
      if (qEnvironmentVariable("CI") == "true") QFAIL("python3-matplotlib is missing (scripts/install-deps.sh installs it)");
      QSKIP("python3-matplotlib is not installed (scripts/install-deps.sh installs it)");
    }
    MainWindow* w = open("plot.py", {"import matplotlib.pyplot as plt", "plt.plot([1, 2, 3], [1, 4, 9])",
                                     "plt.title('squares')", "plt.show()", "print('shown')"});
    const RunOutcome outcome = finishAfter("run");
    QVERIFY2(outcome.status == "finished", qPrintable(w->console()->text()));
    QCOMPARE(w->plotsView()->count(), 1);  // shown before the run finished: signals keep their order
    QCOMPARE(w->plotsView()->item(0)->text(), QStringLiteral("Figure 1"));
    QVERIFY(!w->plotsView()->item(0)->icon().isNull());
    QVERIFY(w->console()->text().contains("shown"));
  }

  void lossCurveWithNoCodeInTheScript() {
    MainWindow* w = open("curve.py", kTrainLines);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    // Three steps, three backward() calls: three points, one per iteration.
    QCOMPARE(w->curvesView()->pointCount("loss"), 3);
    // A second run draws a new curve; the first stays (greyed).
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QCOMPARE(w->curvesView()->pointCount("loss"), 3);
    QCOMPARE(w->curvesView()->graphCount(), 2);
    // tapedeck.log(name, value, step) adds a named series, live.
    w->currentEditor()->setPlainText(
        "import tapedeck\nfor step in range(4):\n    tapedeck.log('accuracy', 0.2 * step)\n"
        "tapedeck.log('lr', 0.1, step=10)\n");
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QCOMPARE(w->curvesView()->pointCount("accuracy"), 4);
    QCOMPARE(w->curvesView()->pointCount("lr"), 1);
    // File > Export Curves as CSV writes every run's points where the user says.
    m_prompter->savePath = m_dir.filePath("curves.csv");
    w->action("exportCurvesCsv")->trigger();
    QFile csv(m_dir.filePath("curves.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(csv.readAll());
    QVERIFY2(text.startsWith("run,series,step,value\n") && text.contains(",accuracy,3,"), qPrintable(text));
  }

  void corruptSavedLayoutFallsBackToTheDefault() {
    QSettings().setValue("window/state", QByteArray("not a saved state at all"));
    MainWindow* w = makeWindow();
    for (const char* name :
         {"consoleDock", "variablesDock", "callStackDock", "tapeDock", "breakpointsDock", "plotsDock", "curvesDock"}) {
      auto* dock = w->findChild<QDockWidget*>(name);
      QVERIFY2(dock != nullptr && !dock->isHidden(), name);
    }
    w->findChild<QDockWidget*>("variablesDock")->hide();
    w->resetLayout();  // View > Reset Layout
    QVERIFY(!w->findChild<QDockWidget*>("variablesDock")->isHidden());
  }

  void scriptArgumentsReachSysArgv() {
    MainWindow* w = open("args.py", {"import sys", "print('argv', sys.argv[1:])"});
    m_prompter->text = "--epochs 3 \"two words\"";
    w->action("arguments")->trigger();
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QVERIFY2(w->console()->text().contains("argv ['--epochs', '3', 'two words']"), qPrintable(w->console()->text()));
  }

  void screenshotWhilePaused() {
    MainWindow* w = open("shot.py", kTrainLines);
    w->breakpoints()->toggleLine(m_dir.filePath("shot.py"), 26);
    QCOMPARE(pauseAfter("run").line, 26);
    const QImage image = w->grab().toImage();
    const QString folder = qEnvironmentVariable("TAPEDECK_TEST_OUTPUT", QDir::tempPath());
    QDir().mkpath(folder);
    QVERIFY(image.save(QDir(folder).filePath("ide_paused.png")));
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7)
      for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 20, "the window rendered blank");
  }
};

QTEST_MAIN(MainWindowTest)
#include "MainWindowTest.moc"
