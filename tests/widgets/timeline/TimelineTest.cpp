// Time travel's cursor: positions in the order they ran, the cursor staying put while the
// data refreshes when the user looks back, the live position, and the bar's controls.
#include <QSignalSpy>
#include <QSlider>
#include <QtTest>

#include "timeline/TimelineBar.h"

using td::widgets::TimelineBar;
using td::widgets::TimelineModel;
using td::widgets::TimelinePosition;

namespace {

/// Forward 1..3 then backward 3..1, in iteration 5.
QVector<TimelinePosition> positions() {
  QVector<TimelinePosition> out;
  for (quint64 id = 1; id <= 3; ++id) out << TimelinePosition{id, false, 5, QStringLiteral("op%1").arg(id), {}, 0};
  for (quint64 id = 3; id >= 1; --id) out << TimelinePosition{id, true, 5, QStringLiteral("op%1").arg(id), {}, 0};
  return out;
}

}  // namespace

class TimelineTest : public QObject {
  Q_OBJECT

 private slots:
  void cursorStartsLiveAndSteps() {
    TimelineModel model;
    QSignalSpy moved(&model, &TimelineModel::cursorChanged);
    model.setPositions(positions(), 4);  // paused at op2's backward step
    QCOMPARE(model.cursor(), 4);
    QVERIFY(model.atLive());
    QCOMPARE(model.indexOf(2, true), 4);
    QCOMPARE(model.indexOf(2, false), 1);
    QCOMPARE(model.indexOf(9, false), -1);
    QVERIFY(model.stepBack());
    QCOMPARE(model.cursor(), 3);
    QVERIFY(!model.atLive());
    QCOMPARE(model.at(model.cursor()).entryId, 3u);
    QVERIFY(model.at(model.cursor()).backward);
    QCOMPARE(model.describe(3), QStringLiteral("iteration 5 · #3 op3 (backward) · 4 of 6"));
    model.setCursor(0);
    QVERIFY(!model.stepBack());
    model.setCursor(99);  // clamped
    QCOMPARE(model.cursor(), 5);
    QVERIFY(!model.stepForward());
    model.goLive();
    QCOMPARE(model.cursor(), 4);
    QVERIFY(moved.count() >= 5);
  }

  void refreshKeepsALookingBackCursorAndFollowsALiveOne() {
    TimelineModel model;
    model.setPositions(positions(), 1);
    model.setCursor(0);  // looking back at op1's forward
    QVector<TimelinePosition> more = positions();
    more.prepend(TimelinePosition{0, false, 4, QStringLiteral("older"), {}, 0});
    model.setPositions(more, 5);
    QCOMPARE(model.at(model.cursor()).entryId, 1u);  // the same position, one index later
    QCOMPARE(model.cursor(), 1);
    // A live cursor follows execution.
    model.goLive();
    model.setPositions(positions(), 2);
    QCOMPARE(model.cursor(), 2);
    // Without a live position (paused at a line, or ended) the newest is followed.
    model.setPositions(positions().mid(0, 4), -1);
    QCOMPARE(model.cursor(), 3);
    model.setPositions(positions(), -1);
    QCOMPARE(model.cursor(), 5);
    model.setCursor(1);
    model.goLive();  // no live position: the newest
    QCOMPARE(model.cursor(), 5);
    model.clear();
    QCOMPARE(model.count(), 0);
    QCOMPARE(model.describe(0), QString());
  }

  void barDrivesTheModel() {
    TimelineBar bar;
    QCOMPARE(bar.text(), QStringLiteral("nothing recorded yet"));
    bar.setEmptyText(QStringLiteral("recording: pause to look back in time"));  // (a run going on)
    QCOMPARE(bar.text(), QStringLiteral("recording: pause to look back in time"));
    bar.setEmptyText(QString());
    QCOMPARE(bar.text(), QStringLiteral("nothing recorded yet"));
    bar.model()->setPositions(positions(), 5);
    QCOMPARE(bar.slider()->maximum(), 5);
    QCOMPARE(bar.slider()->value(), 5);
    bar.slider()->setValue(2);
    QCOMPARE(bar.model()->cursor(), 2);
    QVERIFY(bar.text().contains(QStringLiteral("#3 op3")));
    QVERIFY(bar.text().contains(QStringLiteral("looking back")));
    bar.model()->goLive();
    QCOMPARE(bar.slider()->value(), 5);
    QVERIFY(!bar.text().contains(QStringLiteral("looking back")));
  }
};

QTEST_MAIN(TimelineTest)
#include "TimelineTest.moc"
