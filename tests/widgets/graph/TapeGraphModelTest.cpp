// TapeGraphModel without rendering: nodes, leaves, edges and module groups, live growth
// that never moves a node, backward (gradients, values, the node card), the first NaN,
// colour encodings and search, and a new iteration taking over the nodes.
#include <QSignalSpy>
#include <QtTest>

#include <cmath>

#include "graph/TapeGraphView.h"
#include "GraphTapes.h"

using td::widgets::GraphEntry;
using td::widgets::GraphTensor;
using td::widgets::TapeGraphModel;
using td::widgets::TapeGraphView;
using namespace tdtest;


class TapeGraphModelTest : public QObject {
  Q_OBJECT

 private slots:
  void nodesLeavesEdgesAndModuleGroups();
  void growingAddsNodesAndNeverMovesOnes();
  void backwardFillsGradientsValuesAndTheCard();
  void marksTheFirstNonFiniteOp();
  void colourEncodingsAndSearch();
  void aNewIterationTakesOverTheNodesWhileItMatches();
  void tidyLaysOutAnewWithoutOverlappingModules();
};

void TapeGraphModelTest::nodesLeavesEdgesAndModuleGroups() {
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
  // One module called again right after itself (a cell once per time step): its entries
  // have one scope, and each call's first entry says a call began. Three groups, side by
  // side under net; an op of the outer call after them stays in net's one group.
  const td::widgets::GraphFixture unrolled = td::widgets::parseGraphFixture(
      u"net: h0[2] = exp(x[2]); +net.cell: h1[2] = tanh(h0); +net.cell: h2[2] = tanh(h1); "
      u"+net.cell: h3[2] = tanh(h2); net: y[2] = exp(h3)");
  QCOMPARE(unrolled.entries.size(), 5);
  QCOMPARE(unrolled.entries[1].entered, QStringLiteral("net.cell"));
  QVERIFY(unrolled.entries[4].entered.isEmpty());
  TapeGraphModel cells;
  cells.update(0, unrolled.entries);
  QCOMPARE(cells.groupCount(), 4);  // net, and three calls of net.cell in it
  for (int g = 1; g < 4; ++g) {
    QCOMPARE(cells.group(g).path, QStringLiteral("net.cell"));
    QCOMPARE(cells.group(g).parent, 0);
    QCOMPARE(cells.node(cells.nodeOfEntry(quint64(g) + 1)).group, g);
  }
  QCOMPARE(cells.node(cells.nodeOfEntry(5)).group, 0);
  // A call of an outer module begun anew closes its open children with it.
  QVector<GraphEntry> blocks = unrolled.entries;
  blocks[2].entered = QStringLiteral("net");
  TapeGraphModel outer;
  outer.update(0, blocks);
  QCOMPARE(outer.groupCount(), 5);  // net, net.cell; net, net.cell; net.cell
  QCOMPARE(outer.group(2).path, QStringLiteral("net"));
  QCOMPARE(outer.group(3).parent, 2);
  QCOMPARE(outer.node(outer.nodeOfEntry(5)).group, 2);
}

void TapeGraphModelTest::growingAddsNodesAndNeverMovesOnes() {
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

void TapeGraphModelTest::backwardFillsGradientsValuesAndTheCard() {
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
  mul.gradInputs = {tensor(10, {}, {}, {-3.0}), tensor(11, {}, {}, {2.0})};
  model.update(0, {mul});
  QCOMPARE(changed.count(), 1);
  QVERIFY(changed.at(0).at(0).value<QVector<int>>().contains(node));
  QVERIFY(model.gradientFlowed(0));
  QVERIFY(model.gradientFlowed(1));
  // An input that got no gradient (id 0: an integer target, a constant) shows no flow.
  GraphEntry noGrad = mul;
  noGrad.gradInputs[1] = GraphTensor{};
  TapeGraphModel partial;
  partial.update(0, {noGrad});
  QVERIFY(partial.gradientFlowed(0));
  QVERIFY(!partial.gradientFlowed(1));
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

void TapeGraphModelTest::marksTheFirstNonFiniteOp() {
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

void TapeGraphModelTest::colourEncodingsAndSearch() {
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

void TapeGraphModelTest::aNewIterationTakesOverTheNodesWhileItMatches() {
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
  // A new call of an open module where the previous iteration had none (a cell run once
  // more per step) is another grouping: the graph starts over rather than keep the groups.
  QVector<GraphEntry> again = longTape(20, 601);
  QVector<GraphEntry> regrouped = longTape(20, 701);
  regrouped[3].entered = regrouped[3].scope;
  model.update(6, again);
  const int before = resets.count();
  const int groups = model.groupCount();
  model.update(7, regrouped);
  QCOMPARE(resets.count(), before + 1);
  QCOMPARE(model.groupCount(), groups + 1);
  // The same calls again take over the nodes.
  QVector<GraphEntry> same = longTape(20, 801);
  same[3].entered = same[3].scope;
  model.update(8, same);
  QCOMPARE(resets.count(), before + 1);
  QCOMPARE(model.groupCount(), groups + 1);
}

void TapeGraphModelTest::tidyLaysOutAnewWithoutOverlappingModules() {
  // Growing the cnn_bars lesson's training step leaves module boxes over each other.
  const td::widgets::GraphFixture f = cnnStepFixture();
  TapeGraphModel model;
  model.update(0, f.entries);
  QVERIFY(model.groupsOverlap());
  const int nodes = model.nodeCount(), edges = model.edgeCount(), groups = model.groupCount();
  QSignalSpy laidOut(&model, &TapeGraphModel::laidOut);
  QSignalSpy resets(&model, &TapeGraphModel::reset);
  model.tidy();
  QCOMPARE(laidOut.count(), 1);
  QCOMPARE(resets.count(), 0);  // the same graph, moved
  QVERIFY(!model.groupsOverlap());
  QCOMPARE(model.nodeCount(), nodes);
  QCOMPARE(model.edgeCount(), edges);
  QCOMPARE(model.groupCount(), groups);
  for (int g = 0; g < groups; ++g)
    for (int n = 0; n < nodes; ++n) {
      bool member = false;
      for (int a = model.node(n).group; a >= 0; a = model.group(a).parent) member = member || a == g;
      if (member) QVERIFY(model.groupBox(g).contains(model.nodeBox(n)));
    }
  // Growing continues from the new places without moving them.
  QVector<td::layout::Rect> boxes;
  for (int n = 0; n < nodes; ++n) boxes << model.nodeBox(n);
  QVector<GraphEntry> more = f.entries;
  more << entry(100, QStringLiteral("mul"), QString(), {tensor(f.tensorOf.value(QStringLiteral("t9445")), {})},
                tensor(9001, {}));
  model.update(0, more);
  QCOMPARE(model.nodeCount(), nodes + 1);
  for (int n = 0; n < nodes; ++n) {
    QCOMPARE(model.nodeBox(n).x, boxes[n].x);
    QCOMPARE(model.nodeBox(n).y, boxes[n].y);
  }
  // An empty graph has nothing to lay out.
  TapeGraphModel empty;
  QSignalSpy none(&empty, &TapeGraphModel::laidOut);
  empty.tidy();
  QCOMPARE(none.count(), 0);
  QVERIFY(!empty.groupsOverlap());
}

QTEST_MAIN(TapeGraphModelTest)
#include "TapeGraphModelTest.moc"
