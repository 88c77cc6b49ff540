// The module tree (widgets/modules/ModuleTreeModel.cpp) under QAbstractItemModelTester:
// the tree from dotted paths, subtree totals, byte formatting, refresh without reset; and
// the view (widgets/modules/ModuleView.cpp): selection signals, selectPath, the memory
// line and bar, the empty state.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>

#include "modules/ModuleTreeModel.h"
#include "modules/ModuleView.h"

using td::widgets::MemorySummary;
using td::widgets::ModuleRow;
using td::widgets::ModuleTreeModel;
using td::widgets::ModuleView;

namespace {

ModuleRow module(const QString& path, const QString& type, qint64 parameters = 0,
                 const QStringList& shapes = {}, const QString& output = {}, qint64 parameterBytes = 0,
                 qint64 gradientBytes = 0, qint64 optimizerBytes = 0, qint64 savedBytes = 0) {
  return ModuleRow{path, type, parameters, shapes, output, parameterBytes, gradientBytes, optimizerBytes, savedBytes};
}

// root (MLP)
// ├── embedding  1,000,000 parameters, 4,000,000 B
// ├── encoder (Sequential)
// │   ├── 0 (Linear)  192 parameters, 768 B, grads 768 B, Adam 1536 B, saved 8192 B
// │   └── 1 (ReLU)    saved 8192 B
// └── head (Linear)   65 parameters, 260 B, grads 260 B, Adam 520 B, saved 8192 B
QList<ModuleRow> mlp() {
  return {
      module("", "MLP"),
      module("embedding", "Embedding", 1000000, {"weight [10000, 100]"}, "[32, 100]", 4000000),
      module("encoder", "Sequential", 0, {}, "[32, 64]"),
      module("encoder.0", "Linear", 192, {"weight [64, 2]", "bias [64]"}, "[32, 64]", 768, 768, 1536, 8192),
      module("encoder.1", "ReLU", 0, {}, "[32, 64]", 0, 0, 0, 8192),
      module("head", "Linear", 65, {"weight [1, 64]", "bias [1]"}, "[32, 1]", 260, 260, 520, 8192),
  };
}

QString text(const ModuleTreeModel& model, const QString& path, int column, int role = Qt::DisplayRole) {
  return model.indexOfPath(path, column).data(role).toString();
}

qint64 value(const ModuleTreeModel& model, const QString& path, int column, int role = ModuleTreeModel::ValueRole) {
  return model.indexOfPath(path, column).data(role).toLongLong();
}

/// The paths of the rows in every dataChanged range, as "parent path/first-last".
QStringList changedRanges(const QSignalSpy& spy) {
  QStringList out;
  for (const QList<QVariant>& signal : spy) {
    const auto topLeft = signal.at(0).value<QModelIndex>();
    const auto bottomRight = signal.at(1).value<QModelIndex>();
    out << topLeft.data(ModuleTreeModel::PathRole).toString() + QLatin1Char('-') +
               bottomRight.data(ModuleTreeModel::PathRole).toString();
    if (topLeft.column() != 0 || bottomRight.column() != ModuleTreeModel::ColumnCount - 1)
      out << QStringLiteral("columns %1-%2").arg(topLeft.column()).arg(bottomRight.column());
  }
  out.sort();
  return out;
}

}  // namespace

class ModuleViewTest : public QObject {
  Q_OBJECT

 private slots:
  void treeFromPathsUnderTester() {
    ModuleTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), 8);
    model.setRows(mlp());
    QCOMPARE(resets.count(), 1);
    QCOMPARE(model.rowCount(), 1);  // the root
    const QModelIndex root = model.index(0, 0);
    QCOMPARE(root.data(ModuleTreeModel::PathRole).toString(), QString(""));
    QCOMPARE(root.data().toString(), QStringLiteral("MLP"));  // the root shows its type
    QCOMPARE(model.rowCount(root), 3);
    QCOMPARE(model.index(1, 0, root).data().toString(), QStringLiteral("encoder"));
    const QModelIndex encoder = model.index(1, 0, root);
    QCOMPARE(model.rowCount(encoder), 2);
    QCOMPARE(model.index(0, 0, encoder).data().toString(), QStringLiteral("0"));  // the last component
    QCOMPARE(model.index(0, 0, encoder).data(ModuleTreeModel::PathRole).toString(), QStringLiteral("encoder.0"));
    QCOMPARE(model.index(1, 0, encoder).data().toString(), QStringLiteral("1"));
    QCOMPARE(model.index(0, 0, encoder).parent(), encoder);
    QCOMPARE(text(model, "head", ModuleTreeModel::TypeColumn), QStringLiteral("Linear"));
    QCOMPARE(text(model, "head", ModuleTreeModel::OutputColumn), QStringLiteral("[32, 1]"));
    QCOMPARE(model.rowCount(model.indexOfPath("head")), 0);
    // Children hang off column 0 only.
    QCOMPARE(model.rowCount(model.indexOfPath("encoder", ModuleTreeModel::TypeColumn)), 0);
  }

  void headers() {
    ModuleTreeModel model;
    const QStringList expected{"Module", "Type", "Parameters", "Output", "Params mem", "Grads mem",
                               "Optimizer mem", "Saved for backward"};
    QCOMPARE(model.columnCount(), int(expected.size()));
    for (int column = 0; column < model.columnCount(); ++column)
      QCOMPARE(model.headerData(column, Qt::Horizontal).toString(), expected.at(column));
    QVERIFY(!model.headerData(0, Qt::Vertical).isValid());
  }

  void sameModulesNewNumbersIsDataChangedNotReset() {
    ModuleTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setRows(mlp());
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    const QPersistentModelIndex encoderZero = model.indexOfPath("encoder.0");

    model.setRows(mlp());  // nothing changed: nothing emitted
    QCOMPARE(resets.count(), 0);
    QCOMPARE(changes.count(), 0);

    // A gradient of encoder.0 grew: it, encoder and the root changed (their totals), in
    // three ranges (one per parent); the rest did not.
    QList<ModuleRow> rows = mlp();
    rows[3].gradientBytes = 2048;
    model.setRows(rows);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(changedRanges(changes), (QStringList{"-", "encoder-encoder", "encoder.0-encoder.0"}));
    QCOMPARE(value(model, "encoder.0", ModuleTreeModel::GradientBytesColumn), qint64(2048));
    QCOMPARE(value(model, "", ModuleTreeModel::GradientBytesColumn), qint64(2048 + 260));
    QVERIFY(encoderZero.isValid());
    QCOMPARE(encoderZero.data(ModuleTreeModel::PathRole).toString(), QStringLiteral("encoder.0"));

    // Only an output shape changed: that row alone. The same set in another order keeps the
    // tree's order.
    changes.clear();
    rows[5].outputShape = "[16, 1]";
    std::reverse(rows.begin(), rows.end());
    model.setRows(rows);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(changedRanges(changes), QStringList{"head-head"});
    QCOMPARE(text(model, "head", ModuleTreeModel::OutputColumn), QStringLiteral("[16, 1]"));
    QCOMPARE(model.index(0, 0, model.index(0, 0)).data(ModuleTreeModel::PathRole).toString(), QStringLiteral("embedding"));

    // Two siblings changed: one range over both.
    changes.clear();
    rows = mlp();
    rows[3].savedBytes = 1;
    rows[4].savedBytes = 2;
    model.setRows(rows);
    // (and head is back to its first output shape: encoder and head share one range)
    QCOMPARE(changedRanges(changes), (QStringList{"-", "encoder-head", "encoder.0-encoder.1"}));

    // Another set of paths: a reset.
    changes.clear();
    rows.removeLast();
    model.setRows(rows);
    QCOMPARE(resets.count(), 1);
    QCOMPARE(changes.count(), 0);
    QVERIFY(!model.indexOfPath("head").isValid());
    rows << module("tail", "Linear");
    model.setRows(rows);  // as many paths as before, but not the same ones
    QCOMPARE(resets.count(), 2);
    QVERIFY(model.indexOfPath("tail").isValid());
    model.clear();
    QCOMPARE(resets.count(), 3);
    QCOMPARE(model.rowCount(), 0);
    model.clear();  // already empty: no reset
    QCOMPARE(resets.count(), 3);
  }

  void subtreeTotalsAreExact() {
    ModuleTreeModel model;
    model.setRows(mlp());
    using M = ModuleTreeModel;
    // The root: everything.
    QCOMPARE(value(model, "", M::ParametersColumn), qint64(1000257));
    QCOMPARE(value(model, "", M::ParameterBytesColumn), qint64(4001028));
    QCOMPARE(value(model, "", M::GradientBytesColumn), qint64(1028));
    QCOMPARE(value(model, "", M::OptimizerBytesColumn), qint64(2056));
    QCOMPARE(value(model, "", M::SavedBytesColumn), qint64(24576));
    QCOMPARE(value(model, "", M::ParametersColumn, M::OwnValueRole), qint64(0));
    QCOMPARE(model.totals(), (M::Totals{1000257, 4001028, 1028, 2056, 24576}));
    // encoder: its two children.
    QCOMPARE(model.subtreeTotals(model.indexOfPath("encoder")), (M::Totals{192, 768, 768, 1536, 16384}));
    QCOMPARE(value(model, "encoder", M::SavedBytesColumn), qint64(16384));
    QCOMPARE(value(model, "encoder", M::SavedBytesColumn, M::OwnValueRole), qint64(0));
    QCOMPARE(value(model, "encoder.1", M::SavedBytesColumn, M::OwnValueRole), qint64(8192));
    QVERIFY(!model.indexOfPath("encoder", M::TypeColumn).data(M::OwnValueRole).isValid());
    QCOMPARE(text(model, "encoder", M::TypeColumn, M::ValueRole), QStringLiteral("Sequential"));

    // Displayed: counts with separators, bytes formatted.
    QCOMPARE(text(model, "", M::ParametersColumn), QStringLiteral("1,000,257"));
    QCOMPARE(text(model, "", M::ParameterBytesColumn), QStringLiteral("3.8 MB"));
    QCOMPARE(text(model, "", M::GradientBytesColumn), QStringLiteral("1.0 KB"));
    QCOMPARE(text(model, "", M::OptimizerBytesColumn), QStringLiteral("2.0 KB"));
    QCOMPARE(text(model, "", M::SavedBytesColumn), QStringLiteral("24.0 KB"));
    QCOMPARE(text(model, "encoder", M::ParametersColumn), QStringLiteral("192"));
    QCOMPARE(text(model, "encoder", M::ParameterBytesColumn), QStringLiteral("768 B"));
    QCOMPARE(text(model, "encoder", M::OptimizerBytesColumn), QStringLiteral("1.5 KB"));
    QCOMPARE(text(model, "encoder.1", M::ParameterBytesColumn), QStringLiteral("0 B"));
    QCOMPARE(model.indexOfPath("", M::SavedBytesColumn).data(Qt::TextAlignmentRole).toInt(),
             int(Qt::AlignRight | Qt::AlignVCenter));

    // Tooltips: the exact total and the own/children split; the shapes in Module.
    QCOMPARE(text(model, "", M::ParameterBytesColumn, Qt::ToolTipRole),
             QStringLiteral("4,001,028 bytes\nown: 0\nchildren: 4,001,028"));
    QCOMPARE(text(model, "encoder.0", M::ParametersColumn, Qt::ToolTipRole),
             QStringLiteral("192 parameters\nown: 192\nchildren: 0"));
    QCOMPARE(text(model, "encoder.0", M::ModuleColumn, Qt::ToolTipRole),
             QStringLiteral("encoder.0: Linear\nweight [64, 2]\nbias [64]"));
    QCOMPARE(text(model, "", M::ModuleColumn, Qt::ToolTipRole),
             QStringLiteral("(root): MLP\nno parameters of its own"));
  }

  void formatting() {
    QCOMPARE(ModuleTreeModel::formatBytes(0), QStringLiteral("0 B"));
    QCOMPARE(ModuleTreeModel::formatBytes(512), QStringLiteral("512 B"));
    QCOMPARE(ModuleTreeModel::formatBytes(1023), QStringLiteral("1023 B"));
    QCOMPARE(ModuleTreeModel::formatBytes(1024), QStringLiteral("1.0 KB"));
    QCOMPARE(ModuleTreeModel::formatBytes(1536), QStringLiteral("1.5 KB"));
    QCOMPARE(ModuleTreeModel::formatBytes(2 * 1024 * 1024), QStringLiteral("2.0 MB"));
    QCOMPARE(ModuleTreeModel::formatBytes(1024 * 1024 - 1), QStringLiteral("1.0 MB"));  // not "1024.0 KB"
    QCOMPARE(ModuleTreeModel::formatBytes(1000 * 1024), QStringLiteral("1000.0 KB"));
    QCOMPARE(ModuleTreeModel::formatBytes(qint64(3) << 29), QStringLiteral("1.5 GB"));
    QCOMPARE(ModuleTreeModel::formatBytes(qint64(5) << 40), QStringLiteral("5.0 TB"));
    QCOMPARE(ModuleTreeModel::formatBytes(-1536), QStringLiteral("-1.5 KB"));
    QCOMPARE(ModuleTreeModel::formatCount(0), QStringLiteral("0"));
    QCOMPARE(ModuleTreeModel::formatCount(999), QStringLiteral("999"));
    QCOMPARE(ModuleTreeModel::formatCount(1000), QStringLiteral("1,000"));
    QCOMPARE(ModuleTreeModel::formatCount(123456), QStringLiteral("123,456"));
    QCOMPARE(ModuleTreeModel::formatCount(1234567), QStringLiteral("1,234,567"));
    QCOMPARE(ModuleTreeModel::formatCount(-1234), QStringLiteral("-1,234"));
  }

  void missingParentsHangUnderTheNearestAncestor() {
    ModuleTreeModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    // With a root: "layers" and "layers.0" are missing; a child comes before its parent.
    model.setRows({module("layers.0.attn.q", "Linear", 10), module("", "Transformer"),
                   module("layers.0.attn", "Attention", 1), module("norm", "LayerNorm", 4)});
    QCOMPARE(model.rowCount(), 1);
    const QModelIndex root = model.index(0, 0);
    QCOMPARE(model.rowCount(root), 2);
    const QModelIndex attn = model.indexOfPath("layers.0.attn");
    QCOMPARE(attn.parent(), root);
    QCOMPARE(attn.data().toString(), QStringLiteral("layers.0.attn"));  // relative to the root
    const QModelIndex q = model.indexOfPath("layers.0.attn.q");
    QCOMPARE(q.parent(), attn);
    QCOMPARE(q.data().toString(), QStringLiteral("q"));
    QCOMPARE(value(model, "", ModuleTreeModel::ParametersColumn), qint64(15));
    QCOMPARE(value(model, "layers.0.attn", ModuleTreeModel::ParametersColumn), qint64(11));

    // Without a root: the modules without an ancestor are the top level.
    model.setRows({module("a.b", "Block", 1), module("a.b.c.d", "Linear", 2), module("x", "Linear", 4)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, 0).data(ModuleTreeModel::PathRole).toString(), QStringLiteral("a.b"));
    QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("a.b"));
    QCOMPARE(model.index(1, 0).data().toString(), QStringLiteral("x"));
    QCOMPARE(model.indexOfPath("a.b.c.d").parent(), model.index(0, 0));
    QCOMPARE(model.indexOfPath("a.b.c.d").data().toString(), QStringLiteral("c.d"));
    QCOMPARE(model.totals().parameters, qint64(7));

    // A root without a type; a repeated path: the first row wins.
    model.setRows({module("", ""), module("fc", "Linear", 3), module("fc", "Conv2d", 99)});
    QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("(root)"));
    QCOMPARE(model.rows().size(), 2);
    QCOMPARE(text(model, "fc", ModuleTreeModel::TypeColumn), QStringLiteral("Linear"));
    QCOMPARE(model.totals().parameters, qint64(3));
  }

  void indexOfPath() {
    ModuleTreeModel model;
    model.setRows(mlp());
    const QModelIndex head = model.indexOfPath("head");
    QVERIFY(head.isValid());
    QCOMPARE(head.row(), 2);
    QCOMPARE(head.column(), 0);
    QCOMPARE(head.parent(), model.index(0, 0));
    QCOMPARE(head, model.index(2, 0, model.index(0, 0)));
    QCOMPARE(model.indexOfPath("encoder.1", ModuleTreeModel::OutputColumn),
             model.index(1, ModuleTreeModel::OutputColumn, model.indexOfPath("encoder")));
    QCOMPARE(model.indexOfPath(""), model.index(0, 0));
    QVERIFY(!model.indexOfPath("encoder.2").isValid());
    QVERIFY(!model.indexOfPath("head", ModuleTreeModel::ColumnCount).isValid());
    QCOMPARE(model.rowForPath("encoder.0")->parameters, qint64(192));
    QVERIFY(model.rowForPath("nope") == nullptr);
  }

  void viewEmptyStateAndExpansion() {
    ModuleView view;
    QVERIFY(view.isEmptyStateShown());
    QCOMPARE(view.emptyStateText(), QStringLiteral("Run or pause a script to see its modules"));
    view.setEmptyText(QStringLiteral("No nn.Module was called in this run"));
    QCOMPARE(view.emptyStateText(), QStringLiteral("No nn.Module was called in this run"));
    view.setEmptyText(QString());
    QCOMPARE(view.emptyStateText(), QStringLiteral("Run or pause a script to see its modules"));
    view.setRows({module("", "Net"), module("a", "Block"), module("a.b", "Block"), module("a.b.c", "Block"),
                  module("a.b.c.d", "Linear")});
    QVERIFY(!view.isEmptyStateShown());
    // Depth 2 shows: the root and "a" are expanded, "a.b" (showing) is not.
    QTreeView* tree = view.treeView();
    QVERIFY(tree->isExpanded(view.model()->indexOfPath("")));
    QVERIFY(tree->isExpanded(view.model()->indexOfPath("a")));
    QVERIFY(!tree->isExpanded(view.model()->indexOfPath("a.b")));
    view.clear();
    QVERIFY(view.isEmptyStateShown());
    QCOMPARE(view.model()->rowCount(), 0);
  }

  void viewEmitsModuleSelected() {
    ModuleView view;
    view.resize(800, 400);
    view.setRows(mlp());
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy selected(&view, &ModuleView::moduleSelected);
    QSignalSpy cleared(&view, &ModuleView::selectionCleared);
    QTreeView* tree = view.treeView();

    // A click on a row.
    const QRect rect = tree->visualRect(view.model()->indexOfPath("head", ModuleTreeModel::TypeColumn));
    QVERIFY(!rect.isEmpty());
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.at(0).at(0).toString(), QStringLiteral("head"));
    QCOMPARE(view.selectedPath(), QStringLiteral("head"));

    // Through the selection model; the root's path is "".
    tree->selectionModel()->select(view.model()->indexOfPath(""),
                                   QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(selected.count(), 2);
    QCOMPARE(selected.at(1).at(0).toString(), QString(""));
    QVERIFY(view.hasSelection());
    tree->clearSelection();
    QCOMPARE(cleared.count(), 1);
    QVERIFY(!view.hasSelection());
    QCOMPARE(selected.count(), 2);
  }

  void selectPathIsSilentAndExpands() {
    ModuleView view;
    view.setRows(mlp());
    QSignalSpy selected(&view, &ModuleView::moduleSelected);
    QTreeView* tree = view.treeView();
    tree->collapseAll();
    QVERIFY(view.selectPath("encoder.1"));
    QCOMPARE(view.selectedPath(), QStringLiteral("encoder.1"));
    QCOMPARE(tree->currentIndex().data(ModuleTreeModel::PathRole).toString(), QStringLiteral("encoder.1"));
    QVERIFY(tree->isExpanded(view.model()->indexOfPath("encoder")));
    QVERIFY(tree->isExpanded(view.model()->indexOfPath("")));
    QCOMPARE(selected.count(), 0);
    QVERIFY(!view.selectPath("encoder.9"));
    QCOMPARE(view.selectedPath(), QStringLiteral("encoder.1"));  // unchanged
  }

  void refreshKeepsSelectionAndExpansion() {
    ModuleView view;
    view.setRows(mlp());
    QSignalSpy selected(&view, &ModuleView::moduleSelected);
    QSignalSpy cleared(&view, &ModuleView::selectionCleared);
    QTreeView* tree = view.treeView();
    view.selectPath("encoder.0");

    // New numbers: no reset, the selection stays.
    QList<ModuleRow> rows = mlp();
    rows[3].gradientBytes = 4096;
    view.setRows(rows);
    QCOMPARE(view.selectedPath(), QStringLiteral("encoder.0"));

    // A new module (a reset): the selection and a collapsed-by-default expansion come back.
    rows << module("encoder.0.inner", "Identity");
    tree->expand(view.model()->indexOfPath("encoder.0"));
    view.setRows(rows);
    rows << module("encoder.0.inner.deep", "Identity");
    view.setRows(rows);  // encoder.0 is at depth 2: expanded only because it was
    QVERIFY(tree->isExpanded(view.model()->indexOfPath("encoder.0")));
    QCOMPARE(view.selectedPath(), QStringLiteral("encoder.0"));
    QCOMPARE(selected.count(), 0);
    QCOMPARE(cleared.count(), 0);

    // The selected module went away: selectionCleared.
    view.setRows(mlp().mid(0, 3));
    QVERIFY(!view.hasSelection());
    QCOMPARE(cleared.count(), 1);
    QCOMPARE(selected.count(), 0);
  }

  void memoryLineAndBar() {
    ModuleView view;
    QCOMPARE(view.memoryText(), QStringLiteral("Memory not measured yet"));
    view.setRows(mlp());
    // Not measured: the bar shows the modules' totals, saved for backward of the last forward.
    QCOMPARE(view.legendText(), QStringLiteral("Parameters 3.8 MB \u00b7 Gradients 1.0 KB \u00b7 Optimizer state "
                                               "2.0 KB \u00b7 Saved for backward 24.0 KB"));
    QCOMPARE(view.memorySegments().size(), 4);

    MemorySummary memory;
    memory.known = true;
    memory.iteration = 12;
    memory.tensorBytesPeak = 8 * 1024 * 1024;
    memory.savedBytesPeak = 512;
    memory.recorderBytes = 1536;
    view.setMemory(memory);
    QCOMPARE(view.memory(), memory);
    QCOMPARE(view.memoryText(),
             QStringLiteral("Iteration 12: peak 8.0 MB \u00b7 saved for backward peak 512 B \u00b7 recorder 1.5 KB"));
    const QList<ModuleView::MemorySegment> segments = view.memorySegments();
    QCOMPARE(segments.size(), 5);
    QCOMPARE(segments.at(0).label, QStringLiteral("Parameters"));
    QCOMPARE(segments.at(0).bytes, qint64(4001028));
    QCOMPARE(segments.at(1).bytes, qint64(1028));
    QCOMPARE(segments.at(2).label, QStringLiteral("Optimizer state"));
    QCOMPARE(segments.at(2).bytes, qint64(2056));
    QCOMPARE(segments.at(3).label, QStringLiteral("Saved for backward"));
    QCOMPARE(segments.at(3).bytes, qint64(512));  // the measured peak
    QCOMPARE(segments.at(4).label, QStringLiteral("Other"));
    QCOMPARE(segments.at(4).bytes, qint64(8388608 - 4001028 - 1028 - 2056 - 512));
    QVERIFY(view.legendText().endsWith(QStringLiteral("Saved for backward 512 B \u00b7 Other 4.2 MB")));

    // A peak below the parts: no Other.
    memory.tensorBytesPeak = 1024;
    view.setMemory(memory);
    QCOMPARE(view.memorySegments().size(), 4);

    // The bar paints offscreen.
    view.resize(600, 300);
    QVERIFY(!view.grab().isNull());

    view.clear();
    QVERIFY(!view.memory().known);
    QCOMPARE(view.memoryText(), QStringLiteral("Memory not measured yet"));
    QCOMPARE(view.legendText(), QStringLiteral("Parameters 0 B \u00b7 Gradients 0 B \u00b7 Optimizer state 0 B "
                                               "\u00b7 Saved for backward 0 B"));
  }
};

QTEST_MAIN(ModuleViewTest)
#include "ModuleViewTest.moc"
