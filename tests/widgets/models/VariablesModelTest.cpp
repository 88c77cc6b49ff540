// The variables table (widgets/models/VariablesModel.cpp) under QAbstractItemModelTester.
#include "models/VariablesModel.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QSignalSpy>
#include <QTest>

using td::widgets::VariableRow;
using td::widgets::VariablesModel;

namespace {

VariableRow variable(const QString& name, const QString& scope, const QString& type,
                     const QString& value, const QString& shape = {}, const QString& dtype = {},
                     const QString& stats = {}) {
  return VariableRow{name, scope, type, value, shape, dtype, stats};
}

QList<VariableRow> someVariables() {
  return {
      variable(QStringLiteral("x"), QStringLiteral("local"), QStringLiteral("Tensor"),
               QStringLiteral("tensor([[1, 2],\n        [3, 4],\n        [5, 6]])"),
               QStringLiteral("[3, 2]"), QStringLiteral("float32"),
               QStringLiteral("min 1  max 6  mean 3.5")),
      variable(QStringLiteral("step"), QStringLiteral("local"), QStringLiteral("int"),
               QStringLiteral("7")),
      variable(QStringLiteral("lr"), QStringLiteral("global"), QStringLiteral("float"),
               QStringLiteral("0.01")),
  };
}

}  // namespace

class VariablesModelTest : public QObject {
  Q_OBJECT

 private slots:
  void fillResetAndClearUnderTester() {
    VariablesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), int(VariablesModel::ColumnCount));

    model.setVariables(someVariables());
    QCOMPARE(model.rowCount(), 3);
    model.setVariables({someVariables().at(2)});
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.row(0).name, QStringLiteral("lr"));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(resets.count(), 3);
    // A table has no children anywhere.
    model.setVariables(someVariables());
    QCOMPARE(model.rowCount(model.index(0, 0)), 0);
    QCOMPARE(model.columnCount(model.index(0, 0)), 0);
  }

  void headers() {
    VariablesModel model;
    const QStringList expected{QStringLiteral("Name"), QStringLiteral("Value"),
                               QStringLiteral("Type"), QStringLiteral("Shape"),
                               QStringLiteral("Statistics")};
    QCOMPARE(int(expected.size()), model.columnCount());
    for (int column = 0; column < model.columnCount(); ++column)
      QCOMPARE(model.headerData(column, Qt::Horizontal).toString(), expected.at(column));
    QVERIFY(!model.headerData(VariablesModel::ColumnCount, Qt::Horizontal).isValid());
    QVERIFY(!model.headerData(0, Qt::Horizontal, Qt::ToolTipRole).isValid());
  }

  void displayText() {
    VariablesModel model;
    model.setVariables(someVariables());
    const auto text = [&](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(text(0, VariablesModel::NameColumn), QStringLiteral("x"));
    // A multi-line value shows its first line, cut with an ellipsis.
    QCOMPARE(text(0, VariablesModel::ValueColumn), QStringLiteral("tensor([[1, 2],\u2026"));
    QCOMPARE(text(0, VariablesModel::TypeColumn), QStringLiteral("Tensor"));
    QCOMPARE(text(0, VariablesModel::ShapeColumn), QStringLiteral("[3, 2] float32"));
    QCOMPARE(text(0, VariablesModel::StatisticsColumn), QStringLiteral("min 1  max 6  mean 3.5"));
    QCOMPARE(text(1, VariablesModel::ValueColumn), QStringLiteral("7"));
    QCOMPARE(text(1, VariablesModel::ShapeColumn), QString());
  }

  void longValuesAreCutAndTooltipsHoldThemWhole() {
    VariablesModel model;
    const QString longValue(VariablesModel::MaximumShownValueLength + 50, QLatin1Char('9'));
    model.setVariables({variable(QStringLiteral("big"), QStringLiteral("local"),
                                 QStringLiteral("int"), longValue)});
    const QString shown = model.index(0, VariablesModel::ValueColumn).data().toString();
    QCOMPARE(shown.size(), VariablesModel::MaximumShownValueLength + 1);
    QVERIFY(shown.endsWith(QChar(0x2026)));
    for (int column = 0; column < VariablesModel::StatisticsColumn; ++column)
      QCOMPARE(model.index(0, column).data(Qt::ToolTipRole).toString(), longValue);

    model.setVariables(someVariables());
    QCOMPARE(model.index(0, VariablesModel::ValueColumn).data(Qt::ToolTipRole).toString(),
             someVariables().at(0).value);
    QCOMPARE(model.index(0, VariablesModel::StatisticsColumn).data(Qt::ToolTipRole).toString(),
             QStringLiteral("min 1  max 6  mean 3.5"));
  }

  void globalsAreGreyAndScopeRole() {
    VariablesModel model;
    model.setVariables(someVariables());
    for (int column = 0; column < model.columnCount(); ++column) {
      QVERIFY(!model.index(0, column).data(Qt::ForegroundRole).isValid());
      const QVariant foreground = model.index(2, column).data(Qt::ForegroundRole);
      QVERIFY(foreground.isValid());
      const QColor color = foreground.value<QColor>();
      QCOMPARE(color.red(), color.green());
      QCOMPARE(color.green(), color.blue());
      QCOMPARE(model.index(0, column).data(VariablesModel::ScopeRole).toString(),
               QStringLiteral("local"));
      QCOMPARE(model.index(2, column).data(VariablesModel::ScopeRole).toString(),
               QStringLiteral("global"));
    }
  }

  void rowAndVariables() {
    VariablesModel model;
    model.setVariables(someVariables());
    QCOMPARE(model.row(1), someVariables().at(1));
    QCOMPARE(model.variables(), someVariables());
    QVERIFY(!model.index(3, 0).isValid());
    QVERIFY(!model.data(QModelIndex()).isValid());
  }
};

QTEST_MAIN(VariablesModelTest)
#include "VariablesModelTest.moc"
