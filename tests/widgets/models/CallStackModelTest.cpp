// The call stack list (widgets/models/CallStackModel.cpp) under QAbstractItemModelTester.
#include "models/CallStackModel.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QSignalSpy>
#include <QTest>

using td::widgets::CallStackModel;
using td::widgets::FrameRow;

namespace {

// Innermost last, as Python lists them.
QList<FrameRow> someFrames() {
  return {
      FrameRow{QStringLiteral("/home/ada/train.py"), 30, QStringLiteral("<module>")},
      FrameRow{QStringLiteral("/home/ada/train.py"), 21, QStringLiteral("train")},
      FrameRow{QStringLiteral("/home/ada/lib/model.py"), 12, QStringLiteral("forward")},
  };
}

}  // namespace

class CallStackModelTest : public QObject {
  Q_OBJECT

 private slots:
  void fillResetAndClearUnderTester() {
    CallStackModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    model.setFrames(someFrames(), 2);
    QCOMPARE(model.rowCount(), 3);
    model.setSelectedFrame(0);
    model.setFrames(someFrames().mid(0, 1), 0);
    QCOMPARE(model.rowCount(), 1);
    model.clear();
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.selectedRow(), -1);
    QCOMPARE(resets.count(), 3);
  }

  void innermostFrameIsShownFirst() {
    CallStackModel model;
    model.setFrames(someFrames(), 2);
    QCOMPARE(model.index(0).data().toString(), QStringLiteral("forward  model.py:12"));
    QCOMPARE(model.index(1).data().toString(), QStringLiteral("train  train.py:21"));
    QCOMPARE(model.index(2).data().toString(), QStringLiteral("<module>  train.py:30"));
    QCOMPARE(model.frameAt(0).function, QStringLiteral("forward"));
    QCOMPARE(model.frameAt(2).function, QStringLiteral("<module>"));
    QCOMPARE(model.frames(), someFrames());
  }

  void roles() {
    CallStackModel model;
    model.setFrames(someFrames(), 2);
    const QModelIndex innermost = model.index(0);
    QCOMPARE(innermost.data(Qt::ToolTipRole).toString(), QStringLiteral("/home/ada/lib/model.py:12"));
    QCOMPARE(innermost.data(CallStackModel::FileRole).toString(), QStringLiteral("/home/ada/lib/model.py"));
    QCOMPARE(innermost.data(CallStackModel::LineRole).toInt(), 12);
    QCOMPARE(innermost.data(CallStackModel::FrameIndexRole).toInt(), 2);
    QCOMPARE(model.index(2).data(CallStackModel::FrameIndexRole).toInt(), 0);
    QCOMPARE(model.frameIndexOfRow(1), 1);
    QCOMPARE(model.frameIndexOfRow(3), -1);
    QCOMPARE(model.rowOfFrame(0), 2);
    QCOMPARE(model.rowOfFrame(-1), -1);
  }

  void unknownLineIsLeftOut() {
    CallStackModel model;
    model.setFrames({FrameRow{QStringLiteral("<string>"), 0, QStringLiteral("<lambda>")}}, 0);
    QCOMPARE(model.index(0).data().toString(), QStringLiteral("<lambda>  <string>"));
    QCOMPARE(model.index(0).data(Qt::ToolTipRole).toString(), QStringLiteral("<string>"));
  }

  void selectionIsAFrameIndexShownAsARow() {
    CallStackModel model;
    model.setFrames(someFrames(), 2);
    QCOMPARE(model.selectedFrame(), 2);
    QCOMPARE(model.selectedRow(), 0);
    model.setFrames(someFrames(), 0);
    QCOMPARE(model.selectedRow(), 2);
    model.setFrames(someFrames(), 3);
    QCOMPARE(model.selectedFrame(), -1);
    QCOMPARE(model.selectedRow(), -1);
    model.setFrames(someFrames(), -1);
    QCOMPARE(model.selectedRow(), -1);
  }

  void selectedFrameIsBoldAndChangesOnlyTwoRows() {
    CallStackModel model;
    model.setFrames(someFrames(), 2);
    QVERIFY(model.index(0).data(Qt::FontRole).value<QFont>().bold());
    QVERIFY(!model.index(1).data(Qt::FontRole).isValid());

    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    model.setSelectedFrame(1);
    QCOMPARE(changes.count(), 2);
    QCOMPARE(changes.at(0).at(0).toModelIndex(), model.index(0));
    QCOMPARE(changes.at(0).at(1).toModelIndex(), model.index(0));
    QCOMPARE(changes.at(1).at(0).toModelIndex(), model.index(1));
    QCOMPARE(changes.at(1).at(1).toModelIndex(), model.index(1));
    QCOMPARE(changes.at(1).at(2).value<QList<int>>(), QList<int>{Qt::FontRole});
    QCOMPARE(model.selectedRow(), 1);
    QVERIFY(model.index(1).data(Qt::FontRole).value<QFont>().bold());
    QVERIFY(!model.index(0).data(Qt::FontRole).isValid());

    changes.clear();
    model.setSelectedFrame(1);
    QCOMPARE(changes.count(), 0);
    model.setSelectedFrame(-1);
    QCOMPARE(changes.count(), 1);
    QCOMPARE(model.selectedRow(), -1);
  }
};

QTEST_MAIN(CallStackModelTest)
#include "CallStackModelTest.moc"
