// The tape graph: TapeGraphModel without rendering (nodes, leaves, edges, module groups,
// backward, NaN, colour, search, a new iteration taking over the nodes) and TapeGraphView
// offscreen (items never move or get re-created while 1,000 entries arrive in batches, the
// current node is drawn in the highlight colour, export).
#include <QCheckBox>
#include <QDir>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QImage>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

#include "graph/TapeGraphPanel.h"
#include "models/TapeFixture.h"

using td::widgets::GraphEntry;
using td::widgets::GraphTensor;
using td::widgets::TapeGraphModel;
using td::widgets::TapeGraphPanel;
using td::widgets::TapeGraphView;

namespace {

GraphTensor tensor(quint64 id, QVector<qint64> shape, QString name = {}, QVector<double> values = {}) {
  GraphTensor t;
  t.id = id;
  t.shape = std::move(shape);
  t.name = std::move(name);
  t.values = std::move(values);
  return t;
}

GraphEntry entry(quint64 id, QString op, QString scope, QVector<GraphTensor> inputs, GraphTensor output) {
  GraphEntry e;
  e.id = id;
  e.op = std::move(op);
  e.scope = std::move(scope);
  e.file = QStringLiteral("/tmp/train.py");
  e.line = static_cast<int>(id) + 10;
  e.inputs = std::move(inputs);
  e.outputs = {std::move(output)};
  return e;
}

/// x (input) and fc.weight -> matmul (model.fc) -> relu (model) -> sum, in the tape's
/// text form (widgets/models/TapeFixture.h).
td::widgets::GraphFixture smallFixture() {
  QString error;
  td::widgets::GraphFixture f = td::widgets::parseGraphFixture(u"model.fc: y[4,2] = matmul(x[4,3], fc.weight[3,2])\n"
                                                               u"model: r[4,2] = relu(y)\n"
                                                               u"s[] = sum(r) {2.5}",
                                                               &error);
  if (!error.isEmpty()) qFatal("%s", qPrintable(error));
  return f;
}
QVector<GraphEntry> smallTape() { return smallFixture().entries; }
/// The id the small tape's tensor `name` has ("x", "fc.weight", "s").
quint64 smallTensor(const char* name) { return smallFixture().tensorOf.value(QString::fromLatin1(name)); }

/// A chain of `n` entries, each reading the previous output and a parameter of its block
/// (blocks of 4 entries under "net.layers.K").
QVector<GraphEntry> longTape(int n, quint64 firstId = 1) {
  QVector<GraphEntry> out;
  quint64 previous = 5000;
  for (int i = 0; i < n; ++i) {
    const int block = i / 4;
    const GraphTensor in = tensor(previous, {8, 8});
    const GraphTensor param = tensor(9000 + block, {8, 8}, QStringLiteral("layers.%1.weight").arg(block));
    const GraphTensor result = tensor(10000 + i, {8, 8});
    const QString scope = QStringLiteral("net.layers.%1").arg(block);
    out << (i % 4 == 0 ? entry(firstId + i, QStringLiteral("matmul"), scope, {in, param}, result)
                       : entry(firstId + i, QStringLiteral("tanh"), scope, {in}, result));
    previous = result.id;
  }
  return out;
}

QString outputFolder() {
  QString dir = qEnvironmentVariable("TAPEDECK_TEST_OUTPUT");
  if (dir.isEmpty()) dir = QDir::temp().filePath(QStringLiteral("tapedeck-test-output"));
  QDir().mkpath(dir);
  return dir;
}

}  // namespace

class TapeGraphTest : public QObject {
  Q_OBJECT

 private slots:
  void nodesLeavesEdgesAndModuleGroups();
  void growingAddsNodesAndNeverMovesOnes();
  void backwardFillsGradientsValuesAndTheCard();
  void marksTheFirstNonFiniteOp();
  void colourEncodingsAndSearch();
  void aNewIterationTakesOverTheNodesWhileItMatches();
  void viewItemsStayPutWhileAThousandEntriesArrive();
  void theCurrentNodeIsDrawnInTheHighlightColour();
  void aColourEncodingShowsItsLegend();
  void exportsSvgAndPngAndSaysWhyItCannot();
  void panelSearchSelectsAndReports();
  void collapsedCallsAndRepeatedBlocksFold();
};

void TapeGraphTest::nodesLeavesEdgesAndModuleGroups() {
  TapeGraphModel model;
  model.update(0, smallTape());
  // Two leaves (x, fc.weight) and three ops.
  QCOMPARE(model.nodeCount(), 5);
  QCOMPARE(model.edgeCount(), 4);
  const int matmul = model.nodeOfEntry(1);
  const int x = model.nodeOfTensor(smallTensor("x"));
  const int w = model.nodeOfTensor(smallTensor("fc.weight"));
  QVERIFY(matmul >= 0 && x >= 0 && w >= 0);
  QCOMPARE(model.node(x).kind, TapeGraphModel::NodeKind::Leaf);
  QCOMPARE(model.node(x).label, QStringLiteral("input"));
  QCOMPARE(model.node(w).label, QStringLiteral("fc.weight"));
  QCOMPARE(model.node(matmul).label, QStringLiteral("matmul"));
  QCOMPARE(model.node(matmul).shape, QStringLiteral("[4, 2]"));
  QCOMPARE(model.node(model.nodeOfEntry(3)).shape, QStringLiteral("[]"));
  // Groups: model, model.fc inside it; the parameter sits in the call that reads it.
  QCOMPARE(model.groupCount(), 2);
  QCOMPARE(model.group(0).path, QStringLiteral("model"));
  QCOMPARE(model.group(1).path, QStringLiteral("model.fc"));
  QCOMPARE(model.group(1).parent, 0);
  QCOMPARE(model.node(matmul).group, 1);
  QCOMPARE(model.node(w).group, 1);
  QCOMPARE(model.node(x).group, -1);
  QCOMPARE(model.node(model.nodeOfEntry(2)).group, 0);
  QCOMPARE(model.node(model.nodeOfEntry(3)).group, -1);
  // The relu reads matmul's output; the edge carries its shape.
  bool found = false;
  for (int e = 0; e < model.edgeCount(); ++e) {
    if (model.edge(e).from == matmul && model.edge(e).to == model.nodeOfEntry(2)) {
      found = true;
      QCOMPARE(model.edge(e).shape, QStringLiteral("[4, 2]"));
    }
  }
  QVERIFY(found);
  // Every node is placed, inside its group's box, below its inputs.
  for (int n = 0; n < model.nodeCount(); ++n) QVERIFY(!model.nodeBox(n).empty());
  QVERIFY(model.groupBox(1).contains(model.nodeBox(matmul)));
  QVERIFY(model.groupBox(0).contains(model.groupBox(1)));
  QVERIFY(model.nodeBox(model.nodeOfEntry(2)).y > model.nodeBox(matmul).y);
  // A second call of a module after another is another group.
  TapeGraphModel again;
  QVector<GraphEntry> calls = smallTape();
  calls << entry(4, QStringLiteral("mul"), QStringLiteral("model.fc"), {tensor(smallTensor("s"), {})}, tensor(999, {}));
  again.update(0, calls);
  QCOMPARE(again.groupCount(), 4);  // model, model.fc, then model and model.fc again
}

void TapeGraphTest::growingAddsNodesAndNeverMovesOnes() {
  TapeGraphModel model;
  QSignalSpy added(&model, &TapeGraphModel::nodesAdded);
  QSignalSpy resets(&model, &TapeGraphModel::reset);
  const QVector<GraphEntry> tape = longTape(60);
  QVector<td::layout::Rect> boxes;
  for (int from = 0; from < tape.size(); from += 7) {
    // A live view sends everything so far (already-known entries are updates).
    model.update(3, tape.mid(0, from + 7));
    for (int n = 0; n < boxes.size(); ++n) {
      QCOMPARE(model.nodeBox(n).x, boxes[n].x);
      QCOMPARE(model.nodeBox(n).y, boxes[n].y);
    }
    boxes.clear();
    for (int n = 0; n < model.nodeCount(); ++n) boxes << model.nodeBox(n);
  }
  QCOMPARE(resets.count(), 0);  // an empty graph has nothing to reset
  QVERIFY(added.count() >= 8);
  QCOMPARE(model.nodeCount(), 60 + 1 + 15);  // ops, the input, one weight per block
  // An entry older than the newest that was never seen is ignored, not appended.
  model.update(3, {entry(0, QStringLiteral("late"), QString(), {}, tensor(1, {1}))});
  QCOMPARE(model.nodeCount(), 76);
}

void TapeGraphTest::backwardFillsGradientsValuesAndTheCard() {
  // A scalar lesson: a * b = c, the values on the nodes.
  GraphEntry mul = entry(1, QStringLiteral("mul"), QString(),
                         {tensor(1, {}, QStringLiteral("a"), {2.0}), tensor(2, {}, QStringLiteral("b"), {-3.0})},
                         tensor(3, {}, {}, {-6.0}));
  mul.formula = QStringLiteral("grad * other");
  TapeGraphModel model;
  model.update(0, {mul});
  const int node = model.nodeOfEntry(1);
  const int a = model.nodeOfTensor(1);
  QVERIFY(model.node(node).showsValues);
  QCOMPARE(model.valueLines(node), QStringList{QStringLiteral("data -6")});
  QCOMPARE(model.valueLines(a), QStringList{QStringLiteral("data 2")});
  QVERIFY(!model.gradientFlowed(0));
  QVERIFY(model.cardText(node).contains(QStringLiteral("backward has not reached it")));

  QSignalSpy changed(&model, &TapeGraphModel::nodesChanged);
  mul.backwardRan = true;
  mul.gradOutputs = {tensor(0, {}, {}, {1.0})};
  mul.gradInputs = {tensor(0, {}, {}, {-3.0}), tensor(0, {}, {}, {2.0})};
  model.update(0, {mul});
  QCOMPARE(changed.count(), 1);
  QVERIFY(changed.at(0).at(0).value<QVector<int>>().contains(node));
  QVERIFY(model.gradientFlowed(0));
  QVERIFY(model.gradientFlowed(1));
  QCOMPARE(model.valueLines(node), (QStringList{QStringLiteral("data -6"), QStringLiteral("grad 1")}));
  // The leaf's gradient is what its reader sent back: d(a*b)/da = b.
  QCOMPARE(model.valueLines(a), (QStringList{QStringLiteral("data 2"), QStringLiteral("grad -3")}));
  const QString card = model.cardText(node);
  QVERIFY2(card.contains(QStringLiteral("backward: grad * other")), qPrintable(card));
  QVERIFY2(card.contains(QStringLiteral("grad in (w.r.t. output): [1]")), qPrintable(card));
  QVERIFY2(card.contains(QStringLiteral("grad out → a: [-3]")), qPrintable(card));
  QVERIFY2(card.contains(QStringLiteral("grad out → b: [2]")), qPrintable(card));
  QVERIFY(model.cardText(a).contains(QStringLiteral("grad (sum over its readers): [-3]")));
  // Saved for backward, on demand: mul keeps both inputs.
  mul.savedIds = {1, 2};
  mul.savedBytes = 16;
  model.update(0, {mul});
  QVERIFY(model.edgeSaved(0));
  QVERIFY(model.cardText(node).contains(QStringLiteral("saved for backward: a, b (16 bytes)")));
  TapeGraphView view;
  view.setModel(&model);
  QCOMPARE(view.edgePen(0).style(), Qt::SolidLine);
  view.setShowSaved(true);
  QCOMPARE(view.edgePen(0).style(), Qt::DashLine);
  // A tensor of more than 16 elements shows no values on its node.
  TapeGraphModel big;
  big.update(0, {entry(1, QStringLiteral("exp"), QString(), {tensor(1, {5, 5})}, tensor(2, {5, 5}))});
  QVERIFY(!big.node(big.nodeOfEntry(1)).showsValues);
  QVERIFY(big.valueLines(big.nodeOfEntry(1)).isEmpty());
  // The taller value node was sized for its lines when placed.
  QVERIFY(model.nodeBox(node).height > big.nodeBox(big.nodeOfEntry(1)).height);
}

void TapeGraphTest::marksTheFirstNonFiniteOp() {
  QVector<GraphEntry> tape = smallTape();
  tape[1].outputs[0].nonFinite = true;  // relu made the first NaN
  tape[2].outputs[0].nonFinite = true;  // and sum carried it on
  TapeGraphModel model;
  model.update(0, tape);
  QCOMPARE(model.firstNonFiniteNode(), model.nodeOfEntry(2));
  QVERIFY(model.nonFinite(model.nodeOfEntry(3)));
  QVERIFY(!model.nonFinite(model.nodeOfEntry(1)));
  QVERIFY(model.cardText(model.nodeOfEntry(2)).contains(QStringLiteral("relu")));
}

void TapeGraphTest::colourEncodingsAndSearch() {
  QVector<GraphEntry> tape = smallTape();
  for (int i = 0; i < tape.size(); ++i) {
    tape[i].outputs[0].statsKnown = true;
    tape[i].outputs[0].maxAbs = std::pow(10.0, i);
    tape[i].savedBytes = 100 * (i + 1);
  }
  TapeGraphModel model;
  model.update(0, tape);
  const int first = model.nodeOfEntry(1), last = model.nodeOfEntry(3);
  QCOMPARE(model.colourValue(first), -1.0);  // Kind: no value
  QSignalSpy colours(&model, &TapeGraphModel::coloursChanged);
  model.setColourBy(TapeGraphModel::ColourBy::ForwardTime);
  QCOMPARE(colours.count(), 1);
  QCOMPARE(model.colourValue(first), 0.0);
  QCOMPARE(model.colourValue(last), 1.0);
  QCOMPARE(model.colourValue(model.nodeOfTensor(smallTensor("x"))), -1.0);  // a leaf has no forward time
  model.setColourBy(TapeGraphModel::ColourBy::SavedBytes);
  QCOMPARE(model.colourMin(), 100.0);
  QCOMPARE(model.colourMax(), 300.0);
  QCOMPARE(model.colourValue(model.nodeOfEntry(2)), 0.5);
  model.setColourBy(TapeGraphModel::ColourBy::OutputMagnitude);
  QVERIFY(model.colourValue(first) < model.colourValue(model.nodeOfEntry(2)));
  QCOMPARE(model.colourValue(last), 1.0);
  model.setColourBy(TapeGraphModel::ColourBy::GradientNorm);
  QCOMPARE(model.colourValue(first), -1.0);  // backward has not run
  QVERIFY(model.colourTitle().contains(QStringLiteral("gradient")));

  QCOMPARE(model.find(QStringLiteral("RELU")), QVector<int>{model.nodeOfEntry(2)});
  QCOMPARE(model.find(QStringLiteral("fc.weight")), QVector<int>{model.nodeOfTensor(smallTensor("fc.weight"))});
  // By module: every node in model.fc's call (the parameter and the matmul).
  QCOMPARE(model.find(QStringLiteral("model.fc")).size(), 2);
  QVERIFY(model.find(QStringLiteral("  ")).isEmpty());
}

void TapeGraphTest::aNewIterationTakesOverTheNodesWhileItMatches() {
  TapeGraphModel model;
  model.update(0, longTape(12, 1));
  const int nodes = model.nodeCount();
  QSignalSpy resets(&model, &TapeGraphModel::reset);
  QSignalSpy added(&model, &TapeGraphModel::nodesAdded);
  // Iteration 1: the same program with new ids (a new batch; the same parameters).
  QVector<GraphEntry> next = longTape(12, 101);
  for (GraphEntry& e : next) {
    for (GraphTensor& t : e.inputs) if (t.name.isEmpty()) t.id += 100000;
    for (GraphTensor& t : e.outputs) t.id += 100000;
  }
  model.update(1, next.mid(0, 5));
  QCOMPARE(resets.count(), 0);
  QCOMPARE(added.count(), 0);
  QCOMPARE(model.nodeCount(), nodes);
  QCOMPARE(model.nodeOfEntry(101), model.nodeOfEntry(101));
  QVERIFY(model.nodeOfEntry(101) >= 0);
  QVERIFY(model.nodeOfEntry(1) < 0);  // the old ids are gone
  QVERIFY(!model.isStale(model.nodeOfEntry(105)));
  // The rest still shows the previous iteration, faded.
  int stale = 0;
  for (int n = 0; n < model.nodeCount(); ++n) stale += model.isStale(n) ? 1 : 0;
  QCOMPARE(stale, 7 + 1);  // seven ops and the weight of their last block
  QVERIFY(model.cardText(nodes - 1).contains(QStringLiteral("previous iteration")));
  model.update(1, next);
  QCOMPARE(model.nodeCount(), nodes);
  for (int n = 0; n < model.nodeCount(); ++n) QVERIFY(!model.isStale(n));
  // Iteration 2 does something else at its third entry: the graph starts over.
  QVector<GraphEntry> other = longTape(12, 201);
  other[2].op = QStringLiteral("sigmoid");
  model.update(2, other);
  QCOMPARE(resets.count(), 1);
  QCOMPARE(model.nodeCount(), nodes);
  QCOMPARE(model.node(model.nodeOfEntry(203)).label, QStringLiteral("sigmoid"));
  // A longer iteration grows past the old nodes without starting over.
  model.update(3, longTape(16, 301));
  QCOMPARE(resets.count(), 2);  // ids of other[2..] differ from longTape's: starts over once
  model.update(4, longTape(20, 401));
  QCOMPARE(resets.count(), 2);
  QCOMPARE(model.nodeCount(), 20 + 1 + 5);
  QCOMPARE(model.groupCount(), 1 + 1 + 5);  // net, net.layers, one per block: none twice
  // A smaller last batch is drawn anew (a node shows its shape).
  QVector<GraphEntry> smaller = longTape(20, 501);
  smaller[3].outputs[0].shape = {4, 8};
  model.update(5, smaller);
  QCOMPARE(resets.count(), 3);
  QCOMPARE(model.node(model.nodeOfEntry(504)).shape, QStringLiteral("[4, 8]"));
}

void TapeGraphTest::viewItemsStayPutWhileAThousandEntriesArrive() {
  TapeGraphModel model;
  TapeGraphView view;
  view.resize(800, 600);
  view.setModel(&model);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
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

void TapeGraphTest::theCurrentNodeIsDrawnInTheHighlightColour() {
  QVector<GraphEntry> tape = smallTape();
  // Mid-backward: sum and relu done, matmul is the step the debugger stands on.
  tape[2].backwardRan = true;
  tape[2].gradOutputs = {tensor(0, {}, {}, {1.0})};
  tape[1].backwardRan = true;
  TapeGraphModel model;
  TapeGraphView view;
  view.resize(600, 500);
  view.setModel(&model);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
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

void TapeGraphTest::aColourEncodingShowsItsLegend() {
  TapeGraphModel model;
  TapeGraphView view;
  view.resize(600, 400);
  view.setModel(&model);
  view.setMiniMapVisible(false);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
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

void TapeGraphTest::exportsSvgAndPngAndSaysWhyItCannot() {
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

void TapeGraphTest::panelSearchSelectsAndReports() {
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

void TapeGraphTest::collapsedCallsAndRepeatedBlocksFold() {
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

QTEST_MAIN(TapeGraphTest)
#include "TapeGraphTest.moc"
