// TapeGraphView and TapeGraphPanel offscreen: items never move or get re-created while
// 1,000 entries arrive in batches, the current node drawn in the highlight colour, the
// colour legend, export, the panel's search, and folding (collapsed calls, repeated blocks).
#include <QCheckBox>
#include <QDir>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include <cmath>
#include <limits>

#include "graph/TapeGraphPanel.h"
#include "GraphTapes.h"

using td::widgets::GraphEntry;
using td::widgets::GraphTensor;
using td::widgets::TapeGraphModel;
using td::widgets::TapeGraphPanel;
using td::widgets::TapeGraphView;
using namespace tdtest;

/// Shows `view` on `model` at the given size; whether the window was exposed.
bool showOn(TapeGraphView& view, TapeGraphModel& model, int width, int height, bool miniMap = true) {
  view.resize(width, height);
  view.setModel(&model);
  view.setMiniMapVisible(miniMap);
  view.show();
  return QTest::qWaitForWindowExposed(&view);
}

class TapeGraphViewTest : public QObject {
  Q_OBJECT

 private slots:
  void viewItemsStayPutWhileAThousandEntriesArrive();
  void theCurrentNodeIsDrawnInTheHighlightColour();
  void theCardStaysInsideTheViewAndOffTheNodeItExplains();
  void aColourEncodingShowsItsLegend();
  void exportsSvgAndPngAndSaysWhyItCannot();
  void panelSearchSelectsAndReports();
  void collapsedCallsAndRepeatedBlocksFold();
  void tidyMovesTheItemsAndKeepsTheSelection();
};

void TapeGraphViewTest::viewItemsStayPutWhileAThousandEntriesArrive() {
  TapeGraphModel model;
  TapeGraphView view;
  QVERIFY(showOn(view, model, 800, 600));
  const QVector<GraphEntry> tape = longTape(1000);
  QVector<QGraphicsItem*> items;
  QVector<QPointF> positions;
  QVector<QRectF> bounds;
  for (int from = 0; from < tape.size(); from += 125) {
    model.update(7, tape.mid(from, 125));
    model.setCurrent(tape[from + 124].id, false);
    QCoreApplication::processEvents();
    QCOMPARE(view.nodeItemCount(), model.nodeCount());
    for (int n = 0; n < items.size(); ++n) {
      QCOMPARE(view.nodeItem(n), items[n]);  // not re-created
      QCOMPARE(items[n]->pos(), positions[n]);
      QCOMPARE(items[n]->boundingRect(), bounds[n]);  // not moved
    }
    for (int n = static_cast<int>(items.size()); n < view.nodeItemCount(); ++n) {
      items << view.nodeItem(n);
      positions << view.nodeItem(n)->pos();
      bounds << view.nodeItem(n)->boundingRect();
    }
  }
  QCOMPARE(view.nodeItemCount(), 1000 + 1 + 250);
  // A graph this size does not fit in the view: the minimap shows; fitted, it goes.
  QVERIFY(view.miniMapShown());
  view.fitAll();
  QVERIFY(!view.miniMapShown());
  // Fitted, 1,251 nodes are a few pixels each: drawn from one image, the items hidden,
  // the current node marked in the highlight colour.
  QVERIFY(view.zoom() < TapeGraphView::kOverviewZoom);
  QVERIFY(view.overviewShown());
  QVERIFY(view.nodeItem(0)->scene() == nullptr);  // out of the scene meanwhile, kept
  QCoreApplication::processEvents();
  const QImage fitted = view.viewport()->grab().toImage();
  int drawn = 0, marked = 0;
  for (int y = 0; y < fitted.height(); ++y)
    for (int x = 0; x < fitted.width(); ++x) {
      const QColor c = fitted.pixelColor(x, y);
      drawn += c != QColor(Qt::white) ? 1 : 0;
      marked += c == TapeGraphView::highlightColour() ? 1 : 0;
    }
  QVERIFY2(drawn > 500, qPrintable(QString::number(drawn)));
  QVERIFY2(marked > 20, qPrintable(QString::number(marked)));
  // Exported while zoomed out: the whole graph, not the empty scene.
  QTemporaryDir dir;
  QVERIFY(view.exportPng(dir.filePath(QStringLiteral("fitted.png"))));
  QVERIFY(QImage(dir.filePath(QStringLiteral("fitted.png"))).height() > 1000);
  QVERIFY(view.overviewShown());
  QVERIFY(view.nodeItem(0)->scene() == nullptr);
  view.resetZoom();
  QVERIFY(!view.overviewShown());
  QCOMPARE(view.nodeItem(0)->scene(), view.scene());
  QCOMPARE(view.nodeItem(0), items[0]);
  QCOMPARE(view.nodeItem(0)->boundingRect(), bounds[0]);
  // Growing while zoomed out: the new items join the scene when the view zooms back in.
  view.fitAll();
  model.update(7, longTape(1004).mid(1000));
  QCOMPARE(view.nodeItemCount(), 1000 + 1 + 250 + 4 + 1);
  QVERIFY(view.nodeItem(view.nodeItemCount() - 1)->scene() == nullptr);
  view.resetZoom();
  QCOMPARE(view.nodeItem(view.nodeItemCount() - 1)->scene(), view.scene());
}

void TapeGraphViewTest::theCurrentNodeIsDrawnInTheHighlightColour() {
  QVector<GraphEntry> tape = smallTape();
  // Mid-backward: sum and relu done, matmul is the step the debugger stands on.
  tape[2].backwardRan = true;
  tape[2].gradOutputs = {tensor(0, {}, {}, {1.0})};
  tape[1].backwardRan = true;
  TapeGraphModel model;
  TapeGraphView view;
  QVERIFY(showOn(view, model, 600, 500));
  model.update(0, tape);
  model.setCurrent(1, true);
  view.resetZoom();
  view.setMiniMapVisible(false);  // the minimap draws the current node in the highlight too
  const int node = model.nodeOfEntry(1);
  view.centerOn(view.nodeItem(node));
  QCoreApplication::processEvents();
  const QImage shot = view.viewport()->grab().toImage();
  shot.save(QDir(outputFolder()).filePath(QStringLiteral("tape-graph-mid-backward.png")));
  const QRect box = view.mapFromScene(QRectF(model.nodeBox(node).x, model.nodeBox(node).y, model.nodeBox(node).width,
                                             model.nodeBox(node).height)).boundingRect();
  auto count = [&](const QRect& r, const QColor& colour) {
    int hits = 0;
    for (int y = std::max(0, r.top()); y <= std::min(shot.height() - 1, r.bottom()); ++y)
      for (int x = std::max(0, r.left()); x <= std::min(shot.width() - 1, r.right()); ++x)
        if (shot.pixelColor(x, y) == colour) ++hits;
    return hits;
  };
  const int highlighted = count(box, TapeGraphView::highlightColour());
  QVERIFY2(highlighted > box.width() * box.height() / 4, qPrintable(QStringLiteral("%1 px").arg(highlighted)));
  // No other node is highlighted.
  const int relu = model.nodeOfEntry(2);
  const QRect other = view.mapFromScene(QRectF(model.nodeBox(relu).x, model.nodeBox(relu).y, model.nodeBox(relu).width,
                                               model.nodeBox(relu).height)).boundingRect();
  QCOMPARE(count(other, TapeGraphView::highlightColour()), 0);
  // The gradient flowed back along relu's input edge (drawn, as a model fact).
  QVERIFY(model.gradientFlowed(2));
  QVERIFY(view.cardText().contains(QStringLiteral("matmul")));
}

void TapeGraphViewTest::theCardStaysInsideTheViewAndOffTheNodeItExplains() {
  TapeGraphModel model;
  TapeGraphView view;
  QVERIFY(showOn(view, model, 420, 380, false));
  model.update(0, longTape(60));  // larger than the view: it scrolls
  model.setCurrent(1, false);
  view.resetZoom();
  auto* card = view.viewport()->findChild<QLabel*>(QStringLiteral("graphCard"));
  QVERIFY(card != nullptr);
  const int node = model.nodeOfEntry(1);
  const QRectF box = view.nodeItem(node)->sceneBoundingRect();
  // The node in the view's top left corner, where the card goes first.
  const QRect area = view.viewport()->rect();
  view.centerOn(box.topLeft() + QPointF(area.width() / 2.0 - 12, area.height() / 2.0 - 12));
  view.setCardVisible(true);
  QCoreApplication::processEvents();
  QVERIFY(card->isVisible());
  const QRect nodeRect = view.mapFromScene(box).boundingRect();
  QVERIFY2(nodeRect.top() < 40, qPrintable(QStringLiteral("node at %1").arg(nodeRect.top())));
  QVERIFY2(!card->geometry().intersects(nodeRect),
           qPrintable(QStringLiteral("card %1,%2 %3x%4 over the node at %5,%6")
                          .arg(card->x()).arg(card->y()).arg(card->width()).arg(card->height())
                          .arg(nodeRect.x()).arg(nodeRect.y())));
  QVERIFY2(card->geometry().right() <= area.right(), qPrintable(QString::number(card->geometry().right())));
}

void TapeGraphViewTest::aColourEncodingShowsItsLegend() {
  TapeGraphModel model;
  TapeGraphView view;
  QVERIFY(showOn(view, model, 600, 400, false));
  model.update(0, smallTape());
  // The legend's colour ramp sits in the top right corner of the viewport.
  auto ends = [&view] {
    QCoreApplication::processEvents();
    const QImage shot = view.viewport()->grab().toImage();
    const int right = view.viewport()->width();
    return std::pair<QColor, QColor>{shot.pixelColor(right - 185, 15), shot.pixelColor(right - 45, 15)};
  };
  const auto plain = ends();  // by kind: no ramp, no legend
  QCOMPARE(plain.first, plain.second);
  model.setColourBy(TapeGraphModel::ColourBy::ForwardTime);
  view.viewport()->update();
  const auto ramp = ends();
  QVERIFY2(ramp.first != ramp.second, qPrintable(ramp.first.name() + " " + ramp.second.name()));
  QVERIFY(ramp.first != plain.first);
  // Back to kind: the legend goes.
  model.setColourBy(TapeGraphModel::ColourBy::Kind);
  view.viewport()->update();
  const auto again = ends();
  QCOMPARE(again.first, again.second);
}

void TapeGraphViewTest::exportsSvgAndPngAndSaysWhyItCannot() {
  TapeGraphModel model;
  TapeGraphView view;
  view.setModel(&model);
  model.update(0, smallTape());
  QTemporaryDir dir;
  const QString svg = dir.filePath(QStringLiteral("g.svg"));
  const QString png = dir.filePath(QStringLiteral("g.png"));
  QString error;
  QVERIFY2(view.exportSvg(svg, &error), qPrintable(error));
  QVERIFY2(view.exportPng(png, &error), qPrintable(error));
  QFile file(svg);
  QVERIFY(file.open(QIODevice::ReadOnly));
  const QByteArray text = file.readAll();
  QVERIFY(text.contains("<svg"));
  QVERIFY(text.contains("matmul"));
  const QImage image(png);
  QVERIFY(!image.isNull());
  QVERIFY(image.width() > 50 && image.height() > 50);
  QVERIFY(!view.exportPng(dir.filePath(QStringLiteral("missing/dir/g.png")), &error));
  QVERIFY2(error.contains(QStringLiteral("cannot write")), qPrintable(error));
}

void TapeGraphViewTest::panelSearchSelectsAndReports() {
  TapeGraphPanel panel;
  panel.model()->update(0, smallTape());
  QSignalSpy entries(&panel, &TapeGraphPanel::entrySelected);
  QSignalSpy tensors(&panel, &TapeGraphPanel::tensorSelected);
  QCOMPARE(panel.search(QStringLiteral("relu")), 1);
  QCOMPARE(entries.count(), 1);
  QCOMPARE(entries.at(0).at(0).toULongLong(), 2ull);
  QCOMPARE(panel.view()->selectedNode(), panel.model()->nodeOfEntry(2));
  QCOMPARE(panel.search(QStringLiteral("weight")), 1);
  QCOMPARE(tensors.at(0).at(0).toULongLong(), smallTensor("fc.weight"));
  QCOMPARE(panel.search(QStringLiteral("nothing like it")), 0);
  // A module chosen elsewhere (the module view) is outlined in the graph.
  QCOMPARE(panel.view()->selectModule(QStringLiteral("model.fc")), 1);
  QCOMPARE(panel.view()->selectModule(QStringLiteral("nothing")), 0);
  QCOMPARE(panel.view()->selectModule(QString()), 0);
  QVERIFY(panel.selectEntry(3));
  QCOMPARE(panel.view()->selectedNode(), panel.model()->nodeOfEntry(3));
  QVERIFY(!panel.selectEntry(999));
}

void TapeGraphViewTest::collapsedCallsAndRepeatedBlocksFold() {
  TapeGraphModel model;
  TapeGraphView view;
  view.resize(700, 500);
  view.setModel(&model);
  model.update(0, smallTape());
  QVERIFY(!model.isFolded());
  QSignalSpy folding(&model, &TapeGraphModel::foldingChanged);
  // Collapsing model.fc: its matmul and its weight become one node.
  model.setGroupCollapsed(1, true);
  QCOMPARE(folding.count(), 1);
  QVERIFY(model.isFolded());
  const TapeGraphModel::Folded& f = model.folded();
  QCOMPARE(static_cast<int>(f.graph.graph.nodes.size()), 4);  // input, the fc call, relu, sum
  const int call = f.graph.nodeOf[static_cast<std::size_t>(model.nodeOfEntry(1))];
  QCOMPARE(f.graph.nodeOf[static_cast<std::size_t>(model.nodeOfTensor(smallTensor("fc.weight")))], call);
  QCOMPARE(f.graph.sourceGroup[static_cast<std::size_t>(call)], 1);
  QVERIFY(view.foldedShown());
  QCOMPARE(view.foldedItemCount(), 4);
  QVERIFY(view.nodeItem(0)->scene() == nullptr);  // the live items wait outside the scene
  model.setGroupCollapsed(1, false);
  QVERIFY(!view.foldedShown());
  QCOMPARE(view.nodeItem(0)->scene(), view.scene());

  // Sixteen identical blocks under net: folded into one node ×16 (the first block reads
  // the input, the others the block before: one external input each).
  TapeGraphPanel panel;
  panel.model()->update(0, longTape(64));
  panel.findChild<QCheckBox*>("graphFoldRepeats")->setChecked(true);
  QVERIFY(panel.model()->foldRepeats());
  QVERIFY(panel.view()->foldedShown());
  const TapeGraphModel::Folded& blocks = panel.model()->folded();
  int repeated = 0;
  for (int r : blocks.graph.repeats) repeated = std::max(repeated, r);
  QVERIFY2(repeated >= 15, qPrintable(QString::number(repeated)));
  // The input, the run ×15, and the last block on its own (its output has no reader yet).
  QCOMPARE(panel.view()->foldedItemCount(), 1 + 1 + 5);
  // The entry the debugger stands on lights up the folded node holding it.
  panel.model()->setCurrent(40, false);
  const int holder = blocks.graph.nodeOf[static_cast<std::size_t>(panel.model()->nodeOfEntry(40))];
  QVERIFY(holder >= 0);
  panel.resize(700, 600);
  panel.show();
  QVERIFY(QTest::qWaitForWindowExposed(&panel));
  panel.view()->fitAll();
  panel.grab().save(QDir(outputFolder()).filePath(QStringLiteral("tape-graph-folded.png")));
  // Growing while folded lays out anew: still one node per run.
  panel.model()->update(0, longTape(68));
  QCOMPARE(panel.view()->foldedItemCount(), 1 + 1 + 5);
  panel.model()->setFoldRepeats(false);
  QVERIFY(!panel.findChild<QCheckBox*>("graphFoldRepeats")->isChecked());
  QVERIFY(!panel.view()->foldedShown());
}

void TapeGraphViewTest::tidyMovesTheItemsAndKeepsTheSelection() {
  TapeGraphPanel panel;
  TapeGraphView& view = *panel.view();
  panel.resize(900, 700);
  panel.show();
  QVERIFY(QTest::qWaitForWindowExposed(&panel));
  const td::widgets::GraphFixture f = cnnStepFixture();
  panel.model()->update(0, f.entries);
  QVERIFY(panel.model()->groupsOverlap());
  const int selected = panel.model()->nodeOfEntry(9);  // the second conv2d
  QVERIFY(selected >= 0);
  view.selectNode(selected);
  auto* tidy = panel.findChild<QToolButton*>(QStringLiteral("graphTidy"));
  QVERIFY(tidy != nullptr);
  tidy->click();
  QVERIFY(!panel.model()->groupsOverlap());
  QCOMPARE(view.nodeItemCount(), panel.model()->nodeCount());
  for (int n = 0; n < view.nodeItemCount(); ++n) {
    const td::layout::Rect box = panel.model()->nodeBox(n);
    const QRectF drawn = view.nodeItem(n)->mapRectToScene(view.nodeItem(n)->boundingRect());
    QVERIFY2(drawn.contains(QPointF(box.x + box.width / 2, box.y + box.height / 2)), qPrintable(QString::number(n)));
  }
  QCOMPARE(view.selectedNode(), selected);
  const td::layout::Rect bounds = panel.model()->bounds();
  QVERIFY(view.sceneRect().contains(QRectF(bounds.x, bounds.y, bounds.width, bounds.height)));
  QVERIFY(view.sceneRect().width() < bounds.width + 100);  // fitted to the new drawing
}

QTEST_MAIN(TapeGraphViewTest)
#include "TapeGraphViewTest.moc"
