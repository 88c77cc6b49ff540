// CurvesView: points land in the current run's graph per series, a new run keeps the old
// graphs (greyed, out of the legend), clear removes them, and the plot renders offscreen.
#include <qcustomplot.h>

#include <QImage>
#include <QTest>

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
