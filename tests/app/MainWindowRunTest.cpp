// The IDE end to end, running scripts: each run starts fresh, Pause/Continue/Stop of a busy
// loop, output floods, input() from the console, errors with tracebacks, Run to Cursor and
// Restart, and the views that follow a running script (status bar, loss curve, Tape dock).
// The real MainWindow, its runner and the embedded interpreter (debugging: MainWindowTest).
#include "MainWindowFixture.h"

#include <QDockWidget>

#include "curves/CurvesView.h"
#include "editor/CodeEditor.h"
#include "models/TapeListModel.h"

using namespace tdtest;

class MainWindowRunTest : public QObject, public MainWindowFixture {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY(setUp("TapedeckRunTest")); }
  void cleanup() { tearDown(); }

  void eachRunStartsFreshAndMultiprocessingStartsPython() {
    // The same random numbers each run (the seed is reset), and a spawned child is a
    // Python interpreter (sys.executable), not another IDE: it exits with the code asked.
    MainWindow* w = open("fresh.py", {"import sys", "import multiprocessing as mp", "if __name__ == '__main__':",
                                      "    import torch", "    print('draw', torch.rand(1).item())",
                                      "    child = mp.get_context('spawn').Process(target=sys.exit, args=(3,))",
                                      "    child.start()", "    child.join()", "    print('child exit', child.exitcode)"});
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    const QString text = w->console()->text();
    QCOMPARE(text.count("child exit 3"), 2);
    const QStringList draws = text.split('\n').filter(QRegularExpression("^draw "));
    QCOMPARE(draws.size(), 2);
    QCOMPARE(draws[0], draws[1]);
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

  void aFloodOfOutputLeavesTheGuiResponsiveAndTheConsoleCapped() {
    MainWindow* w = open("flood.py", {"for i in range(300000):", "    print('line', i)", "print('end of flood')"});
    int ticks = 0;  // the GUI's event loop, while the flood runs
    QTimer tick;
    connect(&tick, &QTimer::timeout, [&ticks] { ++ticks; });
    tick.start(10);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QTRY_VERIFY_WITH_TIMEOUT(w->console()->text().contains("end of flood"), kTimeout);
    QVERIFY2(ticks >= 5, qPrintable(QString::number(ticks)));
    const qsizetype lines = w->console()->text().count('\n');
    QVERIFY2(lines <= w->console()->maximumLines() + 1, qPrintable(QString::number(lines)));
  }

  void statusBarFollowsTheIterationWhileRunning() {
    MainWindow* w = open("iterate.py", {"import torch", "w = torch.ones(2, requires_grad=True)", "print('iterating')",
                                        "while True:", "    (w * 2).sum().backward()"});
    w->action("run")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w->console()->text().contains("iterating"), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(
        w->iterationText().startsWith("iteration ") && w->iterationText().mid(10).toInt() >= 2, kTimeout);
    QCOMPARE(w->runState(), MainWindow::RunState::Running);
    QCOMPARE(finishAfter("stop").status, QStringLiteral("stopped"));
  }

  void theLossCurveGrowsWhileTheScriptRuns() {
    MainWindow* w = open("live_loss.py", {"import time", "import torch", "w = torch.ones(2, requires_grad=True)",
                                          "for step in range(1000):", "    (w * w).sum().backward()",
                                          "    time.sleep(0.01)"});
    w->action("run")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(w->curvesView()->pointCount("loss") >= 3, kTimeout);
    QCOMPARE(w->runState(), MainWindow::RunState::Running);
    const int seen = w->curvesView()->pointCount("loss");
    QTRY_VERIFY_WITH_TIMEOUT(w->curvesView()->pointCount("loss") > seen, kTimeout);  // and it keeps growing
    QCOMPARE(w->curvesView()->shownValue("loss", 0), 2.0);  // sum(w * w) with w = [1, 1]
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
    // Stopped while it waits for a line: the run ends, the prompt is the console's again,
    // and the next run reads its own line.
    w->action("run")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(w->console()->prompt(), QStringLiteral("input:"), kTimeout);
    QCOMPARE(finishAfter("stop").status, QStringLiteral("stopped"));  // (how fast: the stop_latency bench)
    QCOMPARE(w->console()->prompt(), QStringLiteral(">>>"));
    w->action("run")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(w->console()->prompt(), QStringLiteral("input:"), kTimeout);
    input->setText("Grace");
    QTest::keyClick(input, Qt::Key_Return);
    QVERIFY(finished.wait(kTimeout));
    QVERIFY(w->console()->text().contains("hello Grace"));
  }

};

QTEST_MAIN(MainWindowRunTest)
#include "MainWindowRunTest.moc"
