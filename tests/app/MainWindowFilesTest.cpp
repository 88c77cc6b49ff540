// The IDE end to end, around the debugging: autosave and recovery, failed saves, the
// saved layout, script arguments, the Plots and Curves docks; the real MainWindow.
#include "MainWindowFixture.h"

#include <QDockWidget>
#include <QFileInfo>
#include <QGuiApplication>
#include <QScreen>
#include <QStatusBar>
#include <QListWidget>
#include <QTableView>
#include <QGraphicsItem>
#include <QLabel>
#include <QToolButton>
#include <QTreeView>

#include "BreakpointStore.h"
#include "tapedeck/autograd/Autograd.h"

#include <QCheckBox>

#include "curves/CurvesView.h"
#include <qcustomplot.h>
#include "editor/CodeEditor.h"
#include "graph/TapeGraphPanel.h"
#include "graph/TapeGraphView.h"
#include "inspector/TensorInspector.h"
#include "modules/ModuleTreeModel.h"
#include "modules/ModuleView.h"
#include "timeline/TimelineBar.h"
#include "models/TapeListModel.h"

using namespace tdtest;
namespace widgets = td::widgets;

class MainWindowFilesTest : public QObject, public MainWindowFixture {
  Q_OBJECT

 private slots:
  void initTestCase() { QVERIFY(setUp("TapedeckFilesTest")); }
  void cleanup() { tearDown(); }

  void autosaveRestoresAnUnsavedBuffer() {
    MainWindow* w = makeWindow();
    w->setAutosaveInterval(50);
    td::widgets::CodeEditor* editor = w->newBuffer();
    QTest::keyClicks(editor, "typed but never saved");
    QVERIFY(w->isModified(editor));
    QTest::qWait(400);     // the autosave timer's work, not a call
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

  void saveAsOntoAFileOpenInAnotherTabIsRefused() {
    MainWindow* w = open("first.py", {"print('first')"});
    const QString first = m_dir.filePath("first.py");
    QVERIFY(w->openFile(writeScript("second.py", {"print('second')"})));
    w->currentEditor()->insertPlainText("# edited\n");
    QVERIFY(!w->saveCurrentAs(first));
    QCOMPARE(m_prompter->warnings.size(), 1);
    QVERIFY2(m_prompter->warnings[0].contains("open in another tab"), qPrintable(m_prompter->warnings[0]));
    QFile file(first);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(file.readAll()), QStringLiteral("print('first')\n"));
    QVERIFY(w->isModified(w->currentEditor()));  // the edited buffer, kept as it was
    QCOMPARE(w->currentEditor()->property("path").toString(), m_dir.filePath("second.py"));
    QVERIFY(w->saveCurrentAs(first + ".copy.py"));  // another name: fine
  }

  void closingWithUnsavedChangesAsksFirst() {
    MainWindow* w = open("edited.py", {"print('on disk')"});
    w->currentEditor()->selectAll();
    w->currentEditor()->insertPlainText("print('typed')\n");
    // Cancel: the window stays open with the buffer as typed.
    m_prompter->saveChoice = td::app::Prompter::SaveChoice::Cancel;
    QVERIFY(!w->close());
    QCOMPARE(m_prompter->saveAsked, QStringList{"edited.py"});
    QVERIFY(w->isVisible());
    QVERIFY(w->isModified(w->currentEditor()));
    QCOMPARE(w->currentEditor()->toPlainText(), QStringLiteral("print('typed')\n"));
    // Save: the file has what was typed, and the window closes.
    m_prompter->saveChoice = td::app::Prompter::SaveChoice::Save;
    QVERIFY(w->close());
    QFile file(m_dir.filePath("edited.py"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(file.readAll()), QStringLiteral("print('typed')\n"));
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

  void aScriptCannotTakeMatplotlibOffTheIdesBackend() {
    if (!QFileInfo::exists("/usr/lib/python3/dist-packages/matplotlib")) {
      if (qEnvironmentVariable("CI") == "true") QFAIL("python3-matplotlib is missing (scripts/install-deps.sh installs it)");
      QSKIP("python3-matplotlib is not installed (scripts/install-deps.sh installs it)");
    }
    // An interactive backend would open windows beside the IDE and block plt.show().
    MainWindow* w = open("tk_plot.py", {"import matplotlib", "matplotlib.use('TkAgg')", "import matplotlib.pyplot as plt",
                                        "plt.switch_backend('QtAgg')", "plt.plot([1, 2, 3])", "plt.show()",
                                        "print('backend', matplotlib.get_backend())"});
    const RunOutcome outcome = finishAfter("run");
    QVERIFY2(outcome.status == "finished", qPrintable(w->console()->text()));
    QCOMPARE(w->plotsView()->count(), 1);
    QVERIFY(w->console()->text().contains("'TkAgg' ignored in the IDE"));
    QVERIFY(w->console()->text().contains("'QtAgg' ignored in the IDE"));
    QVERIFY(w->console()->text().contains("backend module://tapedeck.debug.mpl_backend"));
    // With keyword arguments: the same (tests/python/test_mpl_pin.py covers rcParams in a
    // fresh interpreter).
    w->currentEditor()->setPlainText(
        "import matplotlib\nimport matplotlib.pyplot as plt\nplt.switch_backend(newbackend='QtAgg')\n"
        "matplotlib.use(backend='TkAgg')\nplt.figure()\nplt.plot([3, 2, 1])\nplt.show()\n"
        "print('second', matplotlib.get_backend())\n");
    const RunOutcome again = finishAfter("run");
    QVERIFY2(again.status == "finished", qPrintable(w->console()->text()));
    QCOMPARE(w->plotsView()->count(), 2);
    QVERIFY(w->console()->text().contains("second module://tapedeck.debug.mpl_backend"));
  }

  void aConvolutionsSavedTensorsCountForItsModule() {
    // conv2d runs as a composite under its own scope ("0.conv2d") inside module "0": its
    // saved tensors are that module's (the row said 0 B).
    MainWindow* w = open("conv.py", {"import torch", "from torch import nn",
                                     "model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), "
                                     "nn.Linear(64, 2))",
                                     "model(torch.ones(2, 1, 6, 6)).sum().backward()"});
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    const td::widgets::ModuleTreeModel* modules = w->moduleView()->model();
    const td::widgets::ModuleRow* conv = modules->rowForPath(QStringLiteral("0"));
    QVERIFY(conv != nullptr);
    QCOMPARE(conv->type, QStringLiteral("Conv2d"));
    QVERIFY2(conv->savedBytes > 0, qPrintable(QString::number(conv->savedBytes)));
  }

  void anEndedRunsGraphIsTidiedWhenModuleBoxesOverlap() {
    // Two convolutions reading their biases through views: grown live, the module boxes end
    // up over each other; once the run has ended the graph is laid out anew, boxes apart.
    MainWindow* w = open("cnn.py", {"import torch", "from torch import nn", "import torch.nn.functional as F",
                                    "model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),",
                                    "                      nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),",
                                    "                      nn.Flatten(), nn.Linear(72, 2))",
                                    "opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)",
                                    "x, y = torch.randn(4, 1, 12, 12), torch.tensor([0, 1, 0, 1])",
                                    "for _ in range(2):",
                                    "    opt.zero_grad()",
                                    "    F.cross_entropy(model(x), y).backward()",
                                    "    opt.step()"});
    QVERIFY(w->graphPanel()->isVisible());
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    const td::widgets::TapeGraphModel* graph = w->graphPanel()->model();
    QVERIFY(graph->nodeCount() > 20);
    QVERIFY(!graph->groupsOverlap());
  }

  void theEditorKeepsItsHeightWhenTheInspectorFillsIn() {
    // The inspector's lines and tabs appear with its first tensor; the bottom dock area
    // must not grow for them and take the height from the editor.
    MainWindow* w = open("fill.py", {"import torch", "x = torch.ones(4, 3, requires_grad=True)",
                                     "(x * 2).sum().backward()"});
    w->resize(1280, 820);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QCoreApplication::processEvents();
    for (const char* dock : {"consoleDock", "inspectorDock"}) {
      w->findChild<QDockWidget*>(dock)->raise();
      QCoreApplication::processEvents();
      const int before = w->centralWidget()->height();
      QVERIFY(w->tapeModel()->rowCount() > 0);
      w->tapeView()->selectRow(0);
      QVERIFY(QTest::qWaitFor([&] { return !w->inspector()->value().title.isEmpty(); }, kTimeout) ||
              std::string(dock) == "consoleDock");
      QCoreApplication::processEvents();
      QCOMPARE(w->centralWidget()->height(), before);
    }
    QVERIFY(!w->inspector()->value().title.isEmpty());
  }

  void anEndedRunShowsTheLastTrainingStepAroundItsLoss() {
    // The spiral lesson: its last training step's graph is large; ended, the view is on the
    // loss that step's backward() started from (the graph's own iteration, not the evaluation).
    MainWindow* w = makeWindow();
    QVERIFY(w->openFile(QStringLiteral(TAPEDECK_SAMPLES_DIR "/spiral.py")));
    QVERIFY(w->graphPanel()->isVisible());
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    const td::widgets::TapeGraphModel* graph = w->graphPanel()->model();
    int loss = -1;
    for (int n = 0; n < graph->nodeCount(); ++n)
      if (const td::widgets::GraphEntry* e = graph->entryOf(n); e != nullptr && e->op == "nll_loss") loss = n;
    QVERIFY(loss >= 0);
    td::widgets::TapeGraphView* view = w->graphPanel()->view();
    const QRectF visible = view->mapToScene(view->viewport()->rect()).boundingRect();
    const td::layout::Rect box = graph->nodeBox(loss);
    // (Far from the graph's top left, where an unscrolled view would be.)
    QVERIFY(box.y > view->viewport()->height() || box.x > view->viewport()->width());
    QVERIFY2(visible.intersects(QRectF(box.x, box.y, box.width, box.height)),
             qPrintable(QStringLiteral("view %1,%2 %3x%4; loss at %5,%6")
                            .arg(visible.x()).arg(visible.y()).arg(visible.width()).arg(visible.height())
                            .arg(box.x).arg(box.y)));
  }

  void graphOfTheSpiralPausedMidBackward() {
    MainWindow* w = makeWindow();
    QVERIFY(w->openFile(QStringLiteral(TAPEDECK_SAMPLES_DIR "/spiral.py")));
    auto* graph = w->graphPanel();
    QVERIFY(graph->isVisible());  // in front by default
    // The backward step of the output layer in the first iteration, then one step more.
    w->breakpoints()->addOp(td::app::OpBreakpoint{"linear", false, true, true});
    PauseInfo pause = pauseAfter("run");
    QVERIFY(pause.backward);
    QCOMPARE(pause.op, QStringLiteral("linear"));
    w->breakpoints()->removeOp(0);
    pause = pauseAfter("stepBackwardOp");
    QVERIFY(pause.backward);
    const td::widgets::TapeGraphModel* model = graph->model();
    // The forward pass as a graph: three linear calls in their module groups, the
    // parameters by their qualified names.
    int linears = 0;
    QStringList leaves;
    for (int n = 0; n < model->nodeCount(); ++n) {
      if (model->node(n).label == QLatin1String("linear")) ++linears;
      if (model->node(n).kind == td::widgets::TapeGraphModel::NodeKind::Leaf) leaves << model->node(n).label;
    }
    QVERIFY2(linears >= 3, qPrintable(QString::number(linears)));
    // Composites (F.cross_entropy, written from primitives) are groups like module calls.
    QStringList groups;
    for (int g = 0; g < model->groupCount(); ++g) groups << model->group(g).path;
    QVERIFY2(groups.contains(QStringLiteral("cross_entropy")) && groups.contains(QStringLiteral("fc1")),
             qPrintable(groups.join(", ")));
    QVERIFY2(leaves.contains(QStringLiteral("fc1.weight")) && leaves.contains(QStringLiteral("out.bias")),
             qPrintable(leaves.join(", ")));
    // The step the debugger stands on is the highlighted node; backward has reached it.
    const int current = model->currentNode();
    QVERIFY(current >= 0);
    QCOMPARE(model->node(current).entryId, pause.entry);
    QVERIFY(model->currentIsBackward());
    QVERIFY(model->entryOf(current)->backwardRan);
    // Its card: the engine's derivative formula for the op, and the gradients that flowed
    // in and out of this step in the real run (norms: these tensors are not tiny).
    const QString card = model->cardText(current);
    QVERIFY2(pause.op == "linear" || pause.op == "relu", qPrintable(pause.op));
    const td::OpId op = pause.op == "linear" ? td::OpId::Linear : td::OpId::Relu;
    QVERIFY2(card.contains(QStringLiteral("backward: ") + QString::fromUtf8(td::derivativeFormula(op))),
             qPrintable(card));
    QVERIFY2(card.contains(QStringLiteral("grad in (w.r.t. output): ")) && card.contains(QStringLiteral("norm ")),
             qPrintable(card));
    QVERIFY2(card.contains(QStringLiteral("grad out → ")), qPrintable(card));
    auto* view = graph->view();
    view->setMiniMapVisible(false);
    view->setCardVisible(false);
    view->resetZoom();
    view->centerOn(view->nodeItem(current));
    QCoreApplication::processEvents();
    const QImage shot = view->viewport()->grab().toImage();
    const QString folder = qEnvironmentVariable("TAPEDECK_TEST_OUTPUT", QDir::tempPath());
    QDir().mkpath(folder);
    QVERIFY(w->grab().save(QDir(folder).filePath("ide_graph_spiral_mid_backward.png")));
    const td::layout::Rect b = model->nodeBox(current);
    const QRect box = view->mapFromScene(QRectF(b.x, b.y, b.width, b.height)).boundingRect().intersected(shot.rect());
    int highlighted = 0;
    for (int y = box.top(); y <= box.bottom(); ++y)
      for (int x = box.left(); x <= box.right(); ++x)
        highlighted += shot.pixelColor(x, y) == td::widgets::TapeGraphView::highlightColour() ? 1 : 0;
    QVERIFY2(highlighted > box.width() * box.height() / 4, qPrintable(QString::number(highlighted)));
    // The module view: the model's tree with its parameters, the shapes seen in this
    // forward, the bytes its ops saved for backward; picking a module outlines it in the graph.
    QSignalSpy shown(w, &MainWindow::snapshotShown);
    if (w->moduleView()->model()->rowCount() == 0) QVERIFY(shown.wait(kTimeout));
    const td::widgets::ModuleTreeModel* modules = w->moduleView()->model();
    const td::widgets::ModuleRow* root = modules->rowForPath(QString());
    QVERIFY(root != nullptr);
    QCOMPARE(root->type, QStringLiteral("SpiralNet"));
    QCOMPARE(root->outputShape, QStringLiteral("[32, 3]"));  // the logits
    const td::widgets::ModuleRow* fc1 = modules->rowForPath(QStringLiteral("fc1"));
    QVERIFY(fc1 != nullptr);
    QCOMPARE(fc1->parameters, 2 * 64 + 64);
    QCOMPARE(fc1->parameterBytes, (2 * 64 + 64) * 4);
    QCOMPARE(fc1->parameterShapes, (QStringList{"weight [64, 2]", "bias [64]"}));
    QCOMPARE(fc1->outputShape, QStringLiteral("[32, 64]"));
    QVERIFY(fc1->savedBytes > 0);
    QVERIFY(w->moduleView()->memory().known);
    w->moduleView()->treeView()->setCurrentIndex(modules->indexOfPath(QStringLiteral("fc2")));
    QCOMPARE(view->selectedModule(), QStringLiteral("fc2"));

    // File > Export Graph as SVG writes the drawing where the user says.
    m_prompter->savePath = m_dir.filePath("graph.svg");
    w->action("exportGraphSvg")->trigger();
    QVERIFY(QFileInfo(m_dir.filePath("graph.svg")).size() > 1000);

    // Clicking a node selects its entry in the Tape dock too.
    const int other = model->nodeOfEntry(model->node(current).entryId - 1) >= 0
                          ? model->nodeOfEntry(model->node(current).entryId - 1)
                          : current;
    view->centerOn(view->nodeItem(other));
    const td::layout::Rect ob = model->nodeBox(other);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {},
                      view->mapFromScene(QPointF(ob.x + ob.width / 2, ob.y + ob.height / 2)));
    QCOMPARE(view->selectedNode(), other);
    QCOMPARE(w->tapeView()->currentIndex().data(td::widgets::TapeListModel::EntryIdRole).toULongLong(),
             model->node(other).entryId);
    QCOMPARE(finishAfter("stop").status, QStringLiteral("stopped"));
  }

  void liveGraphGrowsWithoutMovingANode() {
    // A model training unpaused: two steps of a 1,000-op forward (a deep tanh chain, the
    // Graph dock refreshing four times a second), backward and an optimizer step. Every
    // node item, once made, stays where it is; the second iteration (the same program: its
    // forward, backward and update) takes over the first's nodes rather than starting anew.
    MainWindow* w = open("grow.py", {"import time", "import torch", "w = torch.randn(8, 8, requires_grad=True)",
                                     "x = torch.randn(4, 8)", "opt = torch.optim.SGD([w], lr=0.01)",
                                     "for step in range(2):", "    h = x", "    for i in range(500):",
                                     "        h = torch.tanh(h @ w)", "        if i % 100 == 0:",
                                     "            time.sleep(0.25)", "    loss = h.pow(2).mean()",
                                     "    opt.zero_grad()", "    loss.backward()", "    opt.step()"});
    const td::widgets::TapeGraphModel* model = w->graphPanel()->model();
    td::widgets::TapeGraphView* view = w->graphPanel()->view();
    QVector<QGraphicsItem*> items;
    QVector<QRectF> boxes;
    int batches = 0, moved = 0, biggest = 0;
    QObject::connect(model, &td::widgets::TapeGraphModel::nodesAdded, w, [&](int first, int count) {
      ++batches;
      for (int n = 0; n < static_cast<int>(items.size()) && n < view->nodeItemCount(); ++n)
        if (view->nodeItem(n) != items[n] || view->nodeItem(n)->boundingRect() != boxes[n]) ++moved;
      for (int n = first; n < first + count; ++n) {
        items << view->nodeItem(n);
        boxes << view->nodeItem(n)->boundingRect();
      }
      biggest = std::max(biggest, static_cast<int>(items.size()));
    });
    QObject::connect(model, &td::widgets::TapeGraphModel::reset, w, [&] {
      items.clear();
      boxes.clear();
    });
    QSignalSpy resets(model, &td::widgets::TapeGraphModel::reset);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QCOMPARE(moved, 0);
    QVERIFY2(batches >= 4, qPrintable(QString::number(batches)));  // it grew live, in several steps
    QVERIFY2(biggest >= 1000, qPrintable(QString::number(biggest)));
    QCOMPARE(resets.count(), 1);  // the run's start only
    QVERIFY2(model->nodeCount() >= 1000 + 2, qPrintable(QString::number(model->nodeCount())));
  }

  void timeTravelAndTheInspector() {
    MainWindow* w = open("travel.py", kTrainLines);
    w->breakpoints()->toggleLine(m_dir.filePath("travel.py"), 27);  // opt.step(), after backward
    QCOMPARE(pauseAfter("run").line, 27);
    QCOMPARE(pauseAfter("run").line, 27);  // the second iteration
    widgets::TimelineModel* timeline = w->timelineBar()->model();
    // Two iterations kept, each forward then backward.
    QVERIFY2(timeline->count() >= 2 * 8, qPrintable(QString::number(timeline->count())));
    QCOMPARE(timeline->cursor(), timeline->count() - 1);  // paused at a line: the newest position
    QVERIFY(timeline->at(timeline->cursor()).backward);
    // Step Op Back moves the view, not execution.
    w->action("stepOpBack")->trigger();
    const int back = timeline->cursor();
    QCOMPARE(back, timeline->count() - 2);
    // Paused at a line, Live is the newest position: back there is one click away.
    QCOMPARE(timeline->live(), timeline->count() - 1);
    QVERIFY(!timeline->atLive());
    QVERIFY(w->timelineBar()->text().contains("looking back"));
    const widgets::TimelinePosition p = timeline->at(back);
    QCOMPARE(w->graphPanel()->model()->node(w->graphPanel()->model()->currentNode()).entryId, p.entryId);
    QCOMPARE(w->inspector()->value().title, QStringLiteral("output of #%1 %2").arg(p.entryId).arg(p.op));
    QVERIFY(w->tapeModel()->rowOfEntry(p.entryId) >= 0);
    QCOMPARE(w->tapeView()->currentIndex().row(), w->tapeModel()->rowOfEntry(p.entryId));  // the Tape dock follows
    QVERIFY(w->inspector()->value().hasValues());
    QVERIFY(w->inspector()->gradient().has_value());  // its backward ran
    QCOMPARE(w->runState(), MainWindow::RunState::Paused);
    // Scrubbing into the previous iteration redraws the graph from the recorder.
    timeline->setCursor(0);
    QCOMPARE(w->graphPanel()->model()->nodeOfEntry(timeline->at(0).entryId) >= 0, true);
    // A parameter: its value as its reader saw it, its gradient, and its change since the
    // previous iteration (the optimizer's step, kept by the recorder's copy before write).
    timeline->goLive();
    QCOMPARE(w->graphPanel()->search(QStringLiteral("fc1.weight")), 1);
    QCOMPARE(w->inspector()->value().title, QStringLiteral("fc1.weight"));
    QCOMPARE(w->inspector()->value().shape, (QVector<qint64>{4, 2}));
    QVERIFY(w->inspector()->gradient().has_value());
    w->findChild<QToolButton*>("compareWithPrevious")->click();
    QVERIFY2(w->inspector()->differenceText().contains(QStringLiteral("8 of 8 elements changed")),
             qPrintable(w->findChild<QLabel*>("inspectorNote")->text()));
    // Any two positions: fc1.weight as the previous iteration read it, marked, against the
    // same parameter now (one step apart); then against itself (nothing changed).
    timeline->setCursor(0);
    QCOMPARE(w->graphPanel()->search(QStringLiteral("fc1.weight")), 1);
    w->findChild<QToolButton*>("markForComparison")->click();
    QVERIFY(w->findChild<QLabel*>("inspectorNote")->text().startsWith("marked: entry #"));
    timeline->goLive();
    QCOMPARE(w->graphPanel()->search(QStringLiteral("fc1.weight")), 1);
    w->findChild<QToolButton*>("compareWithMarked")->click();
    QVERIFY2(w->inspector()->differenceText().contains(QStringLiteral("8 of 8 elements changed")),
             qPrintable(w->findChild<QLabel*>("inspectorNote")->text()));
    QVERIFY(w->findChild<QLabel*>("inspectorNote")->text().contains("(marked)"));
    w->findChild<QToolButton*>("markForComparison")->click();
    w->findChild<QToolButton*>("compareWithMarked")->click();
    QVERIFY2(w->inspector()->differenceText().contains(QStringLiteral("0 of 8 elements changed")),
             qPrintable(w->inspector()->differenceText()));
    // A picture of the inspector and the module view, for people to look at.
    w->findChild<QDockWidget*>("inspectorDock")->raise();
    w->findChild<QDockWidget*>("modulesDock")->raise();
    QCoreApplication::processEvents();
    const QString folder = qEnvironmentVariable("TAPEDECK_TEST_OUTPUT", QDir::tempPath());
    QDir().mkpath(folder);
    QVERIFY(w->grab().save(QDir(folder).filePath("ide_inspector_modules.png")));
    QCOMPARE(finishAfter("stop").status, QStringLiteral("stopped"));
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
    QVERIFY2(m_prompter->saveFilters.last().startsWith("CSV files (*.csv)"), qPrintable(m_prompter->saveFilters.last()));
    QVERIFY2(w->statusBar()->currentMessage().contains("curves.csv"), qPrintable(w->statusBar()->currentMessage()));
    QFile csv(m_dir.filePath("curves.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(csv.readAll());
    QVERIFY2(text.startsWith("run,series,step,value\n") && text.contains(",accuracy,3,"), qPrintable(text));
    // Per-parameter gradient norms with one click: one series per parameter, one point per
    // backward().
    w->curvesView()->gradientNormsBox()->setChecked(true);
    // (Ticked after a run: it says they come with the next run.)
    QVERIFY2(w->statusBar()->currentMessage().contains("from the next run on"),
             qPrintable(w->statusBar()->currentMessage()));
    w->currentEditor()->setPlainText(kTrainLines.join('\n') + '\n');
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QCOMPARE(w->curvesView()->pointCount(QStringLiteral("‖grad‖ fc1.weight")), 3);
    QCOMPARE(w->curvesView()->pointCount(QStringLiteral("‖grad‖ fc2.bias")), 3);
    QVERIFY(w->curvesView()->shownValue(QStringLiteral("‖grad‖ fc1.weight"), 0) > 0.0);
    w->curvesView()->gradientNormsBox()->setChecked(false);
  }

  void curvesAfterAFewEpochsArePictured() {
    // Forty epochs of the training lines (no logging code): the loss curve, drawn in the
    // Curves dock, spans the plot from its first to its last point.
    QStringList lines = kTrainLines;
    lines[22] = QStringLiteral("for step in range(40):");
    MainWindow* w = open("epochs.py", lines);
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QCOMPARE(w->curvesView()->pointCount("loss"), 40);
    QVERIFY(w->curvesView()->shownValue("loss", 39) < w->curvesView()->shownValue("loss", 0));
    w->findChild<QDockWidget*>("curvesDock")->raise();
    QCoreApplication::processEvents();
    QCustomPlot* plot = w->curvesView()->plot();
    plot->replot();
    const QImage image = plot->grab().toImage();
    const QString folder = qEnvironmentVariable("TAPEDECK_TEST_OUTPUT", QDir::tempPath());
    QDir().mkpath(folder);
    QVERIFY(image.save(QDir(folder).filePath("ide_curves_after_training.png")));
    // Columns of the axis rect that hold the loss graph's colour: from its left tenth to its
    // right tenth (the curve is not a stub in one corner).
    const QColor colour = plot->graph(plot->graphCount() - 1)->pen().color();
    const QRect rect = plot->axisRect()->rect();
    QVERIFY2(rect.width() > 100, qPrintable(QString::number(rect.width())));
    const QRect legend = plot->legend->visible() ? plot->legend->outerRect() : QRect();  // its sample line
    auto columnHasCurve = [&](int x) {
      for (int y = rect.top(); y <= rect.bottom(); ++y) {
        if (legend.contains(x, y)) continue;
        const QColor c = image.pixelColor(x, y);
        if (std::abs(c.red() - colour.red()) < 40 && std::abs(c.green() - colour.green()) < 40 &&
            std::abs(c.blue() - colour.blue()) < 40)
          return true;
      }
      return false;
    };
    int first = -1, last = -1;
    for (int x = rect.left(); x <= rect.right(); ++x) {
      if (!columnHasCurve(x)) continue;
      if (first < 0) first = x;
      last = x;
    }
    QVERIFY2(first >= 0 && first < rect.left() + rect.width() / 10 && last > rect.right() - rect.width() / 10,
             qPrintable(QStringLiteral("curve from x=%1 to %2 in [%3, %4]")
                            .arg(first).arg(last).arg(rect.left()).arg(rect.right())));
  }

  void aNewWindowFitsTheScreen() {
    // No saved geometry: 1280x820 at most, within the screen's free area (the offscreen
    // screen here; a 1366x768 laptop), never below what the docks need. (While the docks were
    // being added side by side, before being tabbed, the window used to grow to 1,709 pixels.)
    QSettings().remove("window/geometry");
    QSettings().remove("window/state");
    MainWindow* w = makeWindow();
    const QSize minimum = w->minimumSizeHint();
    const QSize available = QGuiApplication::primaryScreen()->availableSize();
    QVERIFY2(w->width() <= std::max(1280, minimum.width()) && w->height() <= std::max(820, minimum.height()),
             qPrintable(QStringLiteral("%1x%2").arg(w->width()).arg(w->height())));
    QVERIFY(w->width() <= std::max(available.width(), minimum.width()));
    QVERIFY(w->height() <= std::max(available.height(), minimum.height()));
    QVERIFY(w->width() >= minimum.width() && w->height() >= minimum.height());
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

  void layoutIsRestoredAndAnOutdatedOneIsNot() {
    MainWindow* w = makeWindow();
    w->findChild<QDockWidget*>("plotsDock")->hide();
    QVERIFY(w->close());  // saves the layout
    MainWindow* again = makeWindow();
    QVERIFY(again->findChild<QDockWidget*>("plotsDock")->isHidden());
    // A layout saved by another version of the docks is not applied: the default is.
    QSettings().setValue("window/state", again->saveState(/*version=*/987654));
    m_window.reset();
    MainWindow* third = makeWindow();
    QVERIFY(!third->findChild<QDockWidget*>("plotsDock")->isHidden());
  }

  void scriptArgumentsReachSysArgv() {
    MainWindow* w = open("args.py", {"import sys", "print('argv', sys.argv[1:])"});
    m_prompter->text = "--epochs 3 \"two words\"";
    w->action("arguments")->trigger();
    QCOMPARE(finishAfter("run").status, QStringLiteral("finished"));
    QVERIFY2(w->console()->text().contains("argv ['--epochs', '3', 'two words']"), qPrintable(w->console()->text()));
  }
};

QTEST_MAIN(MainWindowFilesTest)
#include "MainWindowFilesTest.moc"
