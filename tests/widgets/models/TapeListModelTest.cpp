// The tape table (widgets/models/TapeListModel.cpp) under QAbstractItemModelTester, fed
// from fixtures (widgets/models/TapeFixture.h).
#include "models/TapeListModel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include "models/TapeFixture.h"

using td::widgets::TapeListModel;
using td::widgets::TapeRow;

namespace {

QList<TapeRow> tape(const char* text) {
  QString error;
  const QList<TapeRow> rows = td::widgets::parseTapeFixture(QString::fromUtf8(text), &error);
  if (!error.isEmpty()) qFatal("bad fixture: %s", qPrintable(error));
  return rows;
}

// y = mul(a, b); z = relu(y); backward z: ids 1-4, backward rows 3 and 4.
QList<TapeRow> fourRows() { return tape("y[3,2] = mul(a[3,2], b[2]); z = relu(y); backward z"); }

}  // namespace

class TapeListModelTest : public QObject {
  Q_OBJECT

 private slots:
  void headers() {
    TapeListModel model;
    const QStringList expected{QStringLiteral("#"),      QStringLiteral("Op"),
                               QStringLiteral("Direction"), QStringLiteral("Shapes"),
                               QStringLiteral("Scope"),  QStringLiteral("Line")};
    QCOMPARE(model.columnCount(), int(expected.size()));
    for (int column = 0; column < model.columnCount(); ++column)
      QCOMPARE(model.headerData(column, Qt::Horizontal).toString(), expected.at(column));
    QVERIFY(!model.headerData(0, Qt::Vertical).isValid());
  }

  void displayAndRoles() {
    TapeListModel model;
    QList<TapeRow> rows = fourRows();
    rows[0].file = QStringLiteral("/home/ada/train.py");
    rows[0].scope = QStringLiteral("model.fc1");
    rows[0].iteration = 5;
    model.setRows(rows);
    const auto text = [&](int row, int column) { return model.index(row, column).data().toString(); };
    QCOMPARE(text(0, TapeListModel::IdColumn), QStringLiteral("1"));
    QCOMPARE(text(0, TapeListModel::OpColumn), QStringLiteral("mul"));
    QCOMPARE(text(0, TapeListModel::DirectionColumn), QStringLiteral("forward"));
    QCOMPARE(text(0, TapeListModel::ShapesColumn), QStringLiteral("[3, 2] [2] \u2192 [3, 2]"));
    QCOMPARE(text(0, TapeListModel::ScopeColumn), QStringLiteral("model.fc1"));
    QCOMPARE(text(0, TapeListModel::LineColumn), QStringLiteral("train.py:1"));
    QCOMPARE(text(3, TapeListModel::DirectionColumn), QStringLiteral("backward"));
    QCOMPARE(text(3, TapeListModel::LineColumn), QStringLiteral("fixture.py:1"));

    const QModelIndex first = model.index(0, TapeListModel::LineColumn);
    QCOMPARE(first.data(Qt::ToolTipRole).toString(), QStringLiteral("/home/ada/train.py:1"));
    QCOMPARE(first.data(TapeListModel::EntryIdRole).toULongLong(), 1u);
    QCOMPARE(first.data(TapeListModel::FileRole).toString(), QStringLiteral("/home/ada/train.py"));
    QCOMPARE(first.data(TapeListModel::LineRole).toInt(), 1);
    QCOMPARE(first.data(TapeListModel::BackwardRole).toBool(), false);
    QCOMPARE(first.data(TapeListModel::IterationRole).toULongLong(), 5u);
    QCOMPARE(first.data(TapeListModel::CurrentRole).toBool(), false);
    const QModelIndex last = model.index(3, TapeListModel::OpColumn);
    QCOMPARE(last.data(TapeListModel::EntryIdRole).toULongLong(), 4u);
    QCOMPARE(last.data(TapeListModel::BackwardRole).toBool(), true);
    QCOMPARE(model.row(2).op, QStringLiteral("relu"));
  }

  void growingTapeIsAppendedNotReset() {
    TapeListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    const QList<TapeRow> rows = fourRows();

    model.setRows(rows.mid(0, 2));  // from empty: every list extends it
    model.setRows(rows);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(inserts.count(), 2);
    QCOMPARE(inserts.at(1).at(1).toInt(), 2);
    QCOMPARE(inserts.at(1).at(2).toInt(), 3);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.rows(), rows);

    model.setRows(rows);  // unchanged: nothing to say
    QCOMPARE(resets.count(), 0);
    QCOMPARE(inserts.count(), 2);
    QCOMPARE(changes.count(), 0);
  }

  void changedPrefixRowIsReportedNotReset() {
    TapeListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const QList<TapeRow> rows = fourRows();
    model.setRows(rows.mid(0, 3));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);

    QList<TapeRow> updated = rows;
    updated[1].shapes = QStringLiteral("[3, 2] \u2192 [3, 2]");
    model.setRows(updated);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(inserts.count(), 1);
    QCOMPARE(changes.count(), 1);
    QCOMPARE(changes.at(0).at(0).toModelIndex(), model.index(1, 0));
    QCOMPARE(changes.at(0).at(1).toModelIndex(), model.index(1, TapeListModel::ColumnCount - 1));
    QCOMPARE(model.index(1, TapeListModel::ShapesColumn).data().toString(), updated[1].shapes);
  }

  void otherPrefixResets() {
    TapeListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setRows(fourRows());
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);

    // Another tape with other ids (a new iteration's, say).
    QList<TapeRow> other = tape("h = tanh(x); backward h; k = exp(h)");
    for (TapeRow& row : other) row.id += 100;
    model.setRows(other);
    QCOMPARE(resets.count(), 1);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.rowOfEntry(1), -1);
    QCOMPARE(model.rowOfEntry(103), 2);

    model.setRows(other.mid(0, 2));  // shorter: a reset too
    QCOMPARE(resets.count(), 2);
    model.clear();
    QCOMPARE(resets.count(), 3);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(inserts.count(), 0);
  }

  void rowOfEntry() {
    TapeListModel model;
    QCOMPARE(model.rowOfEntry(1), -1);
    const QList<TapeRow> rows = fourRows();
    model.setRows(rows.mid(0, 1));
    model.setRows(rows);  // appended rows are found too
    for (int row = 0; row < rows.size(); ++row) QCOMPARE(model.rowOfEntry(rows.at(row).id), row);
    QCOMPARE(model.rowOfEntry(0), -1);
    QCOMPARE(model.rowOfEntry(5), -1);
  }

  void currentEntryChangesOnlyTheTwoRows() {
    TapeListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    model.setRows(fourRows());
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    const auto changedRow = [&](int signal) {
      const QModelIndex topLeft = changes.at(signal).at(0).toModelIndex();
      const QModelIndex bottomRight = changes.at(signal).at(1).toModelIndex();
      const QList<int> roles = changes.at(signal).at(2).value<QList<int>>();
      const bool wholeRow = topLeft.row() == bottomRight.row() && topLeft.column() == 0 &&
                            bottomRight.column() == TapeListModel::ColumnCount - 1 &&
                            roles.contains(TapeListModel::CurrentRole) &&
                            roles.contains(Qt::BackgroundRole);
      return wholeRow ? topLeft.row() : -1;
    };
    const auto isCurrent = [&](int row) {
      return model.index(row, 1).data(TapeListModel::CurrentRole).toBool();
    };

    model.setCurrentEntry(2);  // none before: only the new row
    QCOMPARE(changes.count(), 1);
    QCOMPARE(changedRow(0), 1);
    QCOMPARE(model.currentEntry(), 2u);
    QVERIFY(isCurrent(1));
    QVERIFY(model.index(1, 0).data(Qt::BackgroundRole).isValid());
    QVERIFY(!model.index(0, 0).data(Qt::BackgroundRole).isValid());

    changes.clear();
    model.setCurrentEntry(4);
    QCOMPARE(changes.count(), 2);
    QCOMPARE(changedRow(0), 1);
    QCOMPARE(changedRow(1), 3);
    QVERIFY(!isCurrent(1));
    QVERIFY(isCurrent(3));

    changes.clear();
    model.setCurrentEntry(4);
    QCOMPARE(changes.count(), 0);
    model.setCurrentEntry(0);
    QCOMPARE(changes.count(), 1);
    QCOMPARE(changedRow(0), 3);
    for (int row = 0; row < model.rowCount(); ++row) QVERIFY(!isCurrent(row));
  }

  void currentEntryMayArriveLater() {
    TapeListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const QList<TapeRow> rows = fourRows();
    model.setRows(rows.mid(0, 2));
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    model.setCurrentEntry(3);
    QCOMPARE(changes.count(), 0);
    model.setRows(rows);
    QVERIFY(model.index(2, 0).data(TapeListModel::CurrentRole).toBool());
    QVERIFY(!model.index(1, 0).data(TapeListModel::CurrentRole).toBool());
  }
};

QTEST_MAIN(TapeListModelTest)
#include "TapeListModelTest.moc"
