// CurvesView: points land in the current run's graph per series, a new run keeps the old
// graphs (greyed, out of the legend), clear removes them, and the plot renders offscreen.
#include <qcustomplot.h>

#include <QFile>
#include <QImage>
#include <QLocale>
#include <QTemporaryDir>
#include <QWheelEvent>
#include <QTest>
#include <clocale>
#include <cmath>
#include <string>

#include "curves/CurvesView.h"

using td::widgets::CurvesView;

class CurvesViewTest : public QObject {
  Q_OBJECT

 private slots:
  void appendsPerSeriesAndRun() {
    CurvesView view;
    view.startRun("run 1");
    view.append("loss", {0, 1, 2}, {1.0, 0.5, 0.25});
    view.append("loss", {3}, {0.125});
    view.append("accuracy", {0, 1}, {0.5, 0.75});
    QCOMPARE(view.pointCount("loss"), 4);
    QCOMPARE(view.pointCount("accuracy"), 2);
    QCOMPARE(view.graphCount(), 2);
    view.append("loss", {}, {});  // nothing to add: nothing changes
    QCOMPARE(view.pointCount("loss"), 4);

    view.startRun("run 2");
    QCOMPARE(view.pointCount("loss"), 0);  // the new run starts empty
    view.append("loss", {0}, {2.0});
    QCOMPARE(view.graphCount(), 3);  // the first run's two graphs stay
    QCOMPARE(view.plot()->legend->itemCount(), 1);  // only the current run in the legend
    view.clear();
    QCOMPARE(view.graphCount(), 0);
  }

  void smoothingAndLogScaleChangeOnlyWhatIsShown() {
    CurvesView view;
    view.append("loss", {0, 1, 2}, {1.0, 3.0, 3.0});
    QCOMPARE(view.shownValue("loss", 1), 3.0);
    view.setSmoothing(0.5);
    // Debiased EMA: 1; (0.5*0.5 + 0.5*3 ... ) / (1 - 0.25) = (0.25 + 1.5)/0.75
    QCOMPARE(view.shownValue("loss", 0), 1.0);
    QVERIFY(std::abs(view.shownValue("loss", 1) - (0.5 * 0.5 * 1.0 + 0.5 * 3.0) / 0.75) < 1e-12);
    view.append("loss", {3}, {3.0});  // appended points are smoothed too
    QCOMPARE(view.pointCount("loss"), 4);
    QVERIFY(view.shownValue("loss", 3) < 3.0);
    view.setSmoothing(0.0);
    QCOMPARE(view.shownValue("loss", 1), 3.0);  // the raw points were kept
    view.setLogScale(true);
    QVERIFY(view.logScale());
    view.setLogScale(false);
    QVERIFY(!view.logScale());
  }

  void exportsCsvWhateverTheLocaleAndPng() {
    QTemporaryDir dir;
    const char* previous = std::setlocale(LC_NUMERIC, nullptr);
    const std::string saved = previous != nullptr ? previous : "C";
    std::setlocale(LC_NUMERIC, "de_DE.UTF-8");  // a decimal comma, when the locale exists
    QLocale::setDefault(QLocale(QLocale::German));
    CurvesView view;
    view.resize(300, 200);
    view.startRun("run, one");
    view.append("loss", {0, 1}, {0.5, 0.25});
    QString error;
    QVERIFY2(view.exportCsv(dir.filePath("curves.csv"), &error), qPrintable(error));
    QFile file(dir.filePath("curves.csv"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(file.readAll()),
             QStringLiteral("run,series,step,value\n\"run, one\",loss,0,0.5\n\"run, one\",loss,1,0.25\n"));
    QVERIFY(!view.exportCsv(dir.filePath("no/such/folder/curves.csv"), &error));
    QVERIFY(error.contains("curves.csv"));
    QVERIFY(view.exportPng(dir.filePath("curves.png"), &error));
    QVERIFY(!QImage(dir.filePath("curves.png")).isNull());
    QVERIFY2(view.exportSvg(dir.filePath("curves.svg"), &error), qPrintable(error));
    QFile svg(dir.filePath("curves.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("<svg"));
    QLocale::setDefault(QLocale::c());
    std::setlocale(LC_NUMERIC, saved.c_str());
  }

  void hoverReadoutNamesTheNearestPoint() {
    CurvesView view;
    view.resize(400, 300);
    view.show();
    view.append("loss", {0, 1, 2, 3, 4}, {4.0, 3.0, 2.0, 1.5, 1.0});
    view.plot()->replot();
    const QCPGraph* graph = view.plot()->graph(0);
    const QPoint onPoint(qRound(graph->keyAxis()->coordToPixel(2.0)), qRound(graph->valueAxis()->coordToPixel(2.0)));
    QCOMPARE(view.readoutAt(onPoint), QStringLiteral("loss: step 2, value 2"));
    QVERIFY(view.readoutAt(QPoint(1, 1)).isEmpty());  // far from every point
  }

  void wheelZoomsAndDragPans() {
    CurvesView view;
    view.resize(500, 350);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVector<double> steps, values;
    for (int i = 0; i <= 100; ++i) {
      steps << i;
      values << 1.0 / (1 + i);
    }
    view.append("loss", steps, values);
    view.plot()->replot();
    QCPAxis* x = view.plot()->xAxis;
    const QCPRange before = x->range();
    QCOMPARE(before.lower, 0.0);
    QCOMPARE(before.upper, 100.0);
    // The wheel over the middle of the plot zooms in around it.
    const QPointF middle = view.plot()->axisRect()->center();
    QWheelEvent wheel(middle, view.plot()->mapToGlobal(middle), QPoint(), QPoint(0, 240), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(view.plot(), &wheel);
    const QCPRange zoomed = x->range();
    QVERIFY2(zoomed.size() < before.size() * 0.9, qPrintable(QString::number(zoomed.size())));
    QVERIFY(zoomed.lower > before.lower && zoomed.upper < before.upper);
    // Dragging to the left pans towards later steps, keeping the width.
    const QPoint from = middle.toPoint(), to = from - QPoint(100, 0);
    QTest::mousePress(view.plot(), Qt::LeftButton, {}, from);
    QMouseEvent move(QEvent::MouseMove, QPointF(to), view.plot()->mapToGlobal(QPointF(to)), Qt::NoButton, Qt::LeftButton,
                     Qt::NoModifier);
    QCoreApplication::sendEvent(view.plot(), &move);
    QTest::mouseRelease(view.plot(), Qt::LeftButton, {}, to);
    const QCPRange panned = x->range();
    QVERIFY2(panned.lower > zoomed.lower, qPrintable(QStringLiteral("%1 -> %2").arg(zoomed.lower).arg(panned.lower)));
    QVERIFY(std::abs(panned.size() - zoomed.size()) < 1e-9 * zoomed.size() + 1e-9);
  }

  void rendersTheCurveAcrossThePlot() {
    CurvesView view;
    view.resize(400, 300);
    view.append("loss", {0, 1, 2, 3, 4}, {4.0, 3.0, 2.0, 1.5, 1.0});
    const QImage image = view.grab().toImage();
    // The curve's colour appears both in the left and in the right half of the plot.
    const QColor blue(31, 119, 180);
    auto hasCurve = [&](int from, int to) {
      for (int x = from; x < to; ++x)
        for (int y = 0; y < image.height(); ++y) {
          const QColor c = image.pixelColor(x, y);
          if (std::abs(c.red() - blue.red()) < 40 && std::abs(c.green() - blue.green()) < 40 &&
              std::abs(c.blue() - blue.blue()) < 40)
            return true;
        }
      return false;
    };
    QVERIFY(hasCurve(image.width() / 5, image.width() / 2));
    QVERIFY(hasCurve(image.width() / 2, image.width() * 9 / 10));
  }
};

QTEST_MAIN(CurvesViewTest)
#include "CurvesViewTest.moc"
