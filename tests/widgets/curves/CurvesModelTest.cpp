// CurvesModel without drawing: runs and series, points paired and kept raw, the shown
// values (sorted by step, smoothed), the CSV whatever the locale, and failures to write.
#include "curves/CurvesModel.h"

#include <QLocale>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using td::widgets::CurvesModel;

class CurvesModelTest : public QObject {
  Q_OBJECT

 private slots:
  void runsAndSeries() {
    CurvesModel model;
    QSignalSpy added(&model, &CurvesModel::seriesAdded);
    QSignalSpy appended(&model, &CurvesModel::pointsAppended);
    // Points before any run start the first one.
    QCOMPARE(model.append("loss", {0, 1}, {2.0, 1.5}), 0);
    QCOMPARE(model.runCount(), 1);
    QCOMPARE(model.append("loss", {2}, {1.25}), 0);
    QCOMPARE(added.count(), 1);
    QCOMPARE(appended.count(), 2);
    QCOMPARE(appended.at(1).at(0).toInt(), 0);
    QCOMPARE(appended.at(1).at(1).toInt(), 2);  // the first new raw point
    QCOMPARE(model.pointCount("loss"), 3);
    QCOMPARE(model.pointCount("accuracy"), 0);
    // A new run: the same name is a new series; the earlier one stays, not current.
    QSignalSpy started(&model, &CurvesModel::runStarted);
    model.startRun("second");
    QCOMPARE(started.count(), 1);
    QCOMPARE(model.pointCount("loss"), 0);
    QCOMPARE(model.append("loss", {0}, {3.0}), 1);
    QCOMPARE(model.seriesCount(), 2);
    QCOMPARE(model.series(0).run, 1);
    QCOMPARE(model.series(1).run, 2);
    QCOMPARE(model.series(1).runLabel, QStringLiteral("second"));
    QVERIFY(!model.isCurrent(0));
    QVERIFY(model.isCurrent(1));
    QCOMPARE(model.currentSeries("loss"), 1);
    // Steps and values pair up; nothing to pair is nothing appended.
    QCOMPARE(model.append("acc", {0, 1, 2}, {0.5}), 2);
    QCOMPARE(model.pointCount("acc"), 1);
    QCOMPARE(model.append("none", {}, {1.0}), -1);
    QCOMPARE(model.seriesCount(), 3);
    QSignalSpy cleared(&model, &CurvesModel::cleared);
    model.clear();
    QCOMPARE(cleared.count(), 1);
    QCOMPARE(model.seriesCount(), 0);
    QCOMPARE(model.runCount(), 0);
  }

  void shownValuesAreSortedAndSmoothed() {
    CurvesModel model;
    model.append("loss", {2, 0, 1, 1}, {30.0, 10.0, 20.0, 21.0});  // logged out of order
    QVector<double> steps, values;
    model.shown(0, &steps, &values);
    QCOMPARE(steps, (QVector<double>{0, 1, 1, 2}));
    QCOMPARE(values, (QVector<double>{10.0, 20.0, 21.0, 30.0}));  // equal steps keep their order
    QCOMPARE(model.shownValue("loss", 3), 30.0);
    QVERIFY(std::isnan(model.shownValue("loss", 4)));
    QVERIFY(std::isnan(model.shownValue("other", 0)));

    QSignalSpy changed(&model, &CurvesModel::smoothingChanged);
    model.setSmoothing(0.5);
    QCOMPARE(changed.count(), 1);
    model.setSmoothing(0.5);
    QCOMPARE(changed.count(), 1);  // no change, no signal
    CurvesModel ema;
    ema.append("x", {0, 1, 2, 3}, {1.0, 3.0, NAN, 3.0});
    ema.setSmoothing(0.5);
    ema.shown(0, &steps, &values);
    QCOMPARE(values[0], 1.0);  // debiased: the first point is itself
    QCOMPARE(values[1], (0.5 * 0.5 + 0.5 * 3.0) / 0.75);
    QVERIFY(std::isnan(values[2]));  // shown as it is, and it leaves the average alone
    QCOMPARE(values[3], (0.5 * 1.75 + 0.5 * 3.0) / 0.875);
    // The raw points are untouched.
    QCOMPARE(ema.series(0).values[1], 3.0);
    ema.setSmoothing(5.0);
    QCOMPARE(ema.smoothing(), 0.99);
    ema.setSmoothing(-1.0);
    QCOMPARE(ema.smoothing(), 0.0);
    ema.setSmoothing(NAN);
    QCOMPARE(ema.smoothing(), 0.0);
  }

  void csvWhateverTheLocale() {
    const QLocale before;
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));  // a decimal comma
    CurvesModel model;
    model.append("loss", {0, 1}, {0.1, 2.5e-7});
    model.startRun("lr 0.1, momentum");
    model.append("acc \"top-1\"", {10}, {0.5});
    const QByteArray csv = model.csv();
    QLocale::setDefault(before);
    QCOMPARE(csv, QByteArray("run,series,step,value\n"
                             ",loss,0,0.10000000000000001\n"
                             ",loss,1,2.4999999999999999e-07\n"
                             "\"lr 0.1, momentum\",\"acc \"\"top-1\"\"\",10,0.5\n"));
    QTemporaryDir dir;
    QString error;
    QVERIFY(model.exportCsv(dir.filePath("curves.csv"), &error));
    QFile file(dir.filePath("curves.csv"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), csv);
    const QString missing = dir.filePath("no-such-folder/curves.csv");
    QVERIFY(!model.exportCsv(missing, &error));
    QVERIFY2(error.contains(missing), qPrintable(error));
  }
};

QTEST_GUILESS_MAIN(CurvesModelTest)
#include "CurvesModelTest.moc"
