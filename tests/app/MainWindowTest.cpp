// The IDE end to end, debugging: the real MainWindow, its runner and the embedded
// interpreter. A script is opened, breakpoints set, and the window's own actions run,
// pause, step and stop it; the assertions read what the user would see (the paused line,
// the variables, the tape, the console, the status bar).
#include "MainWindowFixture.h"

#include <QApplication>
#include <QDockWidget>
#include <QImage>
#include <QRegularExpression>
#include <QSet>
#include <QTableView>
#include <QTableWidget>

#include "BreakpointStore.h"
#include "BreakpointsPanel.h"
#include <QTextCursor>
#include <QTreeView>
#include <QLineEdit>

#include "curves/CurvesView.h"
#include "editor/CodeEditor.h"
#include "graph/TapeGraphPanel.h"
#include "graph/TapeGraphView.h"
#include "inspector/TensorInspector.h"
#include "models/CallStackModel.h"
#include "models/TapeListModel.h"
#include "timeline/TimelineBar.h"

using namespace tdtest;

class MainWindowTest : public QObject, public MainWindowFixture {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY(setUp("TapedeckDebugTest")); }
  void cleanup() { tearDown(); }

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
    // A tensor variable opens in the inspector (activated: double-click or Enter), found
    // on the recorded tape: x, made by randn, read by the last forward.
    int xRow = -1;
    for (int r = 0; r < w->variablesModel()->rowCount(); ++r)
      if (w->variablesModel()->row(r).name == "x") xRow = r;
    QVERIFY(xRow >= 0);
    QVERIFY(w->variablesModel()->row(xRow).tensorId != 0);
    auto* variables = w->findChild<QTreeView*>("variables");
    emit variables->activated(w->variablesModel()->index(xRow, 0));
    QCOMPARE(w->inspector()->value().shape, (QVector<qint64>{8, 2}));
    QVERIFY2(w->inspector()->value().hasValues(), qPrintable(w->inspector()->value().missingReason));
    w->breakpoints()->toggleLine(path, 25);
    const RunOutcome outcome = finishAfter("run");
    QCOMPARE(outcome.status, QStringLiteral("finished"));
    QVERIFY(w->console()->text().contains("grad is None: False"));
    QCOMPARE(w->runState(), MainWindow::RunState::Finished);
    // The last pause's locals and stack went with it: the run is over.
    QCOMPARE(w->callStackModel()->rowCount(), 0);
    QCOMPARE(w->variablesModel()->rowCount(), 0);
  }

  void aLineBreakpointMovesWithItsStatementWhenLinesAreAddedAbove() {
    MainWindow* w = open("moving.py", kTrainLines);
    const QString path = m_dir.filePath("moving.py");
    w->breakpoints()->toggleLine(path, 25);
    QTextCursor top(w->currentEditor()->document());
    top.insertText(QStringLiteral("# two lines\n# above it\n"));
    QCOMPARE(w->breakpoints()->linesOf(path).keys(), QList<int>{27});
    QCOMPARE(w->currentEditor()->breakpoints().keys(), QList<int>{27});
    const PauseInfo pause = pauseAfter("run");  // the buffer runs as it stands
    QCOMPARE(pause.reason, QStringLiteral("line"));
    QCOMPARE(pause.line, 27);
    w->breakpoints()->toggleLine(path, 27);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
  }

  void stepOpRunToBackwardAndTheTape() {
    MainWindow* w = open("train_ops.py", kTrainLines);
    w->resetLayout();  // the default layout: the Console in front, the Inspector behind it
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
    // Behind the Console the inspector waits; brought to the front it shows the paused op,
    // and from then on each paused op's output.
    QVERIFY(!w->inspectorShown());
    QVERIFY(w->inspector()->value().title.isEmpty());
    w->findChild<QDockWidget*>("inspectorDock")->raise();
    QVERIFY(QTest::qWaitFor([&] { return w->inspectorShown(); }, kTimeout));
    QVERIFY2(w->inspector()->value().title.startsWith(QStringLiteral("output of #%1 ").arg(last)),
             qPrintable(w->inspector()->value().title));
    QCOMPARE(w->tapeModel()->rowCount(), before + 3);
    // The paused entry is the current row of the Tape dock.
    QCOMPARE(w->tapeModel()->currentEntry(), last);
    QCOMPARE(w->tapeView()->currentIndex().row(), w->tapeModel()->rowOfEntry(last));
    QVERIFY(w->statusText().contains("paused at op #"));
    pause = pauseAfter("runToBackward");
    QCOMPARE(pause.reason, QStringLiteral("backward start"));
    QCOMPARE(pause.line, 26);  // loss.backward()
    QCOMPARE(w->currentEditor()->executionLine(), 26);
    QVERIFY2(w->statusText().contains("paused at line 26"), qPrintable(w->statusText()));
    // The graph stands on the op backward starts from: the loss (the mean's division), the
    // newest entry.
    const td::widgets::TapeGraphModel* graph = w->graphPanel()->model();
    QVERIFY(graph->currentNode() >= 0);
    QCOMPARE(graph->entryOf(graph->currentNode())->op, QStringLiteral("div"));
    QCOMPARE(graph->entryOf(graph->currentNode())->id, w->tapeModel()->row(w->tapeModel()->rowCount() - 1).id);
    pause = pauseAfter("stepBackwardOp");
    QVERIFY(pause.backward);
    QVERIFY(w->statusText().contains("backward"));
    QCOMPARE(w->inspector()->value().title.section(' ', 0, 2), QStringLiteral("output of #%1").arg(pause.entry));
    // A tensor the user picks is shown while paused; the next step shows its op again.
    const int other = 0;  // the iteration's first entry: backward reaches it last
    const quint64 picked = w->tapeModel()->row(other).id;
    QVERIFY(picked != pause.entry);
    w->tapeView()->selectRow(other);
    QCOMPARE(w->inspector()->value().title.section(' ', 0, 2), QStringLiteral("output of #%1").arg(picked));
    pause = pauseAfter("stepBackwardOp");
    QCOMPARE(w->inspector()->value().title.section(' ', 0, 2), QStringLiteral("output of #%1").arg(pause.entry));
    QCOMPARE(finishAfter("stop").status, QStringLiteral("stopped"));
  }

  void backwardStartStandsOnTheLossNotALaterMetric() {
    // A metric computed after the loss is the newest op when backward() starts; the graph
    // stands on the op that made backward's root, the loss.
    MainWindow* w = open("metric.py", {"import torch",                                 // 1
                                       "x = torch.randn(8, 2)",                        // 2
                                       "w = torch.randn(2, 1, requires_grad=True)",   // 3
                                       "out = x @ w",                                  // 4
                                       "loss = (out * out).mean()",                    // 5
                                       "accuracy = (out > 0).float().mean()",          // 6
                                       "loss.backward()",                              // 7
                                       "print('done')"});                              // 8
    w->breakpoints()->toggleLine(m_dir.filePath("metric.py"), 6);
    QCOMPARE(pauseAfter("run").line, 6);
    const PauseInfo start = pauseAfter("runToBackward");
    QCOMPARE(start.reason, QStringLiteral("backward start"));
    QCOMPARE(start.line, 7);
    QVERIFY(start.rootEntry != 0);
    const td::widgets::TapeGraphModel* graph = w->graphPanel()->model();
    QVERIFY(graph->currentNode() >= 0);
    QCOMPARE(graph->entryOf(graph->currentNode())->id, start.rootEntry);
    QVERIFY(start.rootEntry != w->tapeModel()->row(w->tapeModel()->rowCount() - 1).id);  // the metric's op is newer
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
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
    // The editor marks both: the line that made the op, and the line running its backward.
    QCOMPARE(w->currentEditor()->originLine(), 8);
    QCOMPARE(w->currentEditor()->executionLine(), 9);
    QCOMPARE(evaluate("fc1.weight.grad is None"), QStringLiteral("True"));
    w->breakpoints()->removeOp(0);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QVERIFY(w->console()->text().contains("grad is None: False"));
  }

  void moduleBreakpointPausesUntilItsCheckboxIsCleared() {
    MainWindow* w = open("modules.py", {"import torch", "import torch.nn as nn",
                                        "model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))",
                                        "for step in range(3):", "    model(torch.ones(4, 2)).sum().backward()",
                                        "print('done')"});
    w->breakpoints()->addModule("2");
    QTableWidget* table = w->breakpointsPanel()->table();
    int row = -1;
    for (int r = 0; r < table->rowCount(); ++r)
      if (table->item(r, 1)->text() == "module" && table->item(r, 2)->text() == "2") row = r;
    QVERIFY(row >= 0);
    QCOMPARE(table->item(row, 0)->checkState(), Qt::Checked);
    const PauseInfo pause = pauseAfter("run");
    QCOMPARE(pause.reason, QStringLiteral("module breakpoint"));
    QCOMPARE(pause.scope, QStringLiteral("2"));
    // Cleared in the Breakpoints dock while paused: the next iterations run through.
    table->item(row, 0)->setCheckState(Qt::Unchecked);
    QVERIFY(!w->breakpoints()->conditions().modules.at(0).enabled);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QVERIFY(w->console()->text().contains("done"));
  }

  void lineBreakpointsConditionalDisabledAndKeptPerFile() {
    MainWindow* w = open("cond.py", {"total = 0", "for i in range(10):", "    total += i", "print('total', total)"});
    const QString path = m_dir.filePath("cond.py");
    w->breakpoints()->toggleLine(path, 3);
    w->breakpoints()->setLineCondition(path, 3, "i == 7");
    const PauseInfo pause = pauseAfter("run");
    QCOMPARE(pause.line, 3);
    QCOMPARE(variable("i"), QStringLiteral("7"));  // the condition held only there
    // Disabled while paused: the rest of the loop runs through.
    w->breakpoints()->setLineEnabled(path, 3, false);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QVERIFY(w->console()->text().contains("total 45"));
    // Kept with the file: a new window opening it has the breakpoint as it was left.
    MainWindow* again = makeWindow();
    QVERIFY(again->openFile(path));
    const QList<td::app::LineBreakpoint> lines = again->breakpoints()->lines();
    QCOMPARE(lines.size(), 1);
    QCOMPARE(lines[0].line, 3);
    QCOMPARE(lines[0].condition, QStringLiteral("i == 7"));
    QVERIFY(!lines[0].enabled);
  }

  void selectingATapeRowMovesTheEditorGraphAndInspector() {
    MainWindow* w = open("select.py", kTrainLines);
    w->breakpoints()->toggleLine(m_dir.filePath("select.py"), 27);  // opt.step(), after backward
    QCOMPARE(pauseAfter("run").line, 27);
    // The relu of forward() (line 11), chosen in the Tape dock as a user would.
    int row = -1;
    for (int r = 0; r < w->tapeModel()->rowCount(); ++r)
      if (w->tapeModel()->row(r).op == "relu" && !w->tapeModel()->row(r).backward) row = r;
    QVERIFY(row >= 0);
    const td::widgets::TapeRow chosen = w->tapeModel()->row(row);
    QCOMPARE(chosen.line, 11);
    w->tapeView()->selectRow(row);
    QCOMPARE(w->currentEditor()->cursorLineNumber(), 11);
    QCOMPARE(w->inspector()->value().title, QStringLiteral("output of #%1 relu").arg(chosen.id));
    const td::widgets::TapeGraphModel* graph = w->graphPanel()->model();
    QCOMPARE(w->graphPanel()->view()->selectedNode(), graph->nodeOfEntry(chosen.id));
    // Scrubbing the timeline moves the editor to each position's line.
    td::widgets::TimelineModel* timeline = w->timelineBar()->model();
    for (int i = 0; i < timeline->count(); i += 3) {
      timeline->setCursor(i);
      const td::widgets::TimelinePosition p = timeline->at(i);
      if (p.line > 0) QCOMPARE(w->currentEditor()->cursorLineNumber(), p.line);
    }
    QCOMPARE(finishAfter("stop").status, QStringLiteral("stopped"));
  }

  void opBreakpointDirectionIsEditedInTheDock() {
    MainWindow* w = makeWindow();
    w->breakpoints()->addOp(td::app::OpBreakpoint{"relu", true, true, true});
    QTableWidget* table = w->breakpointsPanel()->table();
    auto opRow = [table] {
      for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 1)->text() == "op") return r;
      return -1;
    };
    QVERIFY(opRow() >= 0);
    QCOMPARE(table->item(opRow(), 3)->text(), QStringLiteral("forward and backward"));
    QVERIFY(table->item(opRow(), 3)->flags() & Qt::ItemIsEditable);
    table->item(opRow(), 3)->setText("backward");
    QVERIFY(!w->breakpoints()->conditions().ops.at(0).forward);
    QVERIFY(w->breakpoints()->conditions().ops.at(0).backward);
    QCOMPARE(table->item(opRow(), 3)->text(), QStringLiteral("backward"));
    // Not a direction: refused with a reason, the breakpoint and its row as they were.
    table->item(opRow(), 3)->setText("sideways");
    QCOMPARE(m_prompter->warnings.size(), 1);
    QVERIFY(m_prompter->warnings[0].contains("sideways"));
    QVERIFY(w->breakpoints()->conditions().ops.at(0).backward && !w->breakpoints()->conditions().ops.at(0).forward);
    QTRY_COMPARE(table->item(opRow(), 3)->text(), QStringLiteral("backward"));
    table->item(opRow(), 3)->setText("both");
    QVERIFY(w->breakpoints()->conditions().ops.at(0).forward && w->breakpoints()->conditions().ops.at(0).backward);
    // A line breakpoint's condition typed into its cell: stored, and the table rebuilt only
    // once the cell's editor has closed (Qt warned of an editor that no longer belonged).
    QCoreApplication::processEvents();  // (the refreshes the edits above queued)
    QTest::failOnWarning(QRegularExpression(QStringLiteral("does not belong to this view")));
    const QString file = m_dir.filePath("conditions.py");
    w->breakpoints()->toggleLine(file, 3);
    int lineRow = -1;
    for (int r = 0; r < table->rowCount(); ++r)
      if (table->item(r, 1)->text() == "line") lineRow = r;
    QVERIFY(lineRow >= 0);
    w->findChild<QDockWidget*>("breakpointsDock")->raise();
    table->setCurrentCell(lineRow, 3);
    table->editItem(table->item(lineRow, 3));
    auto* cellEditor = table->viewport()->findChild<QLineEdit*>();
    QVERIFY(cellEditor != nullptr);
    QTest::keyClicks(cellEditor, QStringLiteral("i == 3"));
    QTest::keyClick(cellEditor, Qt::Key_Return);
    QTRY_COMPARE(w->breakpoints()->linesOf(file).value(3).condition, QStringLiteral("i == 3"));
    QCoreApplication::processEvents();
    w->breakpoints()->toggleLine(file, 3);
    // Add Op… refuses an op that does not exist and a direction that is not one, at once.
    for (const char* typed : {"matmull", "relu:sideways"}) {
      m_prompter->text = QString::fromLatin1(typed);
      w->breakpointsPanel()->addOp();
      QVERIFY2(m_prompter->warnings.last().contains(typed == QByteArray("matmull") ? "no op named 'matmull'"
                                                                                   : "'sideways' is not a direction"),
               qPrintable(m_prompter->warnings.last()));
      QCOMPARE(w->breakpoints()->conditions().ops.size(), 1);
    }
    m_prompter->text = QStringLiteral("log:backward");
    w->breakpointsPanel()->addOp();
    QCOMPARE(w->breakpoints()->conditions().ops.size(), 2);
    QVERIFY(!w->breakpoints()->conditions().ops.at(1).forward && w->breakpoints()->conditions().ops.at(1).backward);
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
    // Ended with NaN in the graph and the breakpoint off: the console says how to find the op.
    QVERIFY2(w->console()->text().contains("turn on Debug → Break on NaN/Inf"), qPrintable(w->console()->text()));
    MainWindow* clean = open("clean.py", {"import torch", "x = torch.tensor([1.0, 2.0])", "y = torch.log(x)"});
    clean->console()->clear();
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QVERIFY2(!clean->console()->text().contains("Break on NaN/Inf"), qPrintable(clean->console()->text()));
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
