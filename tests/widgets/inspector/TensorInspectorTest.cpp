// The tensor inspector (widgets/inspector): snapshot values and statistics, differenceOf,
// the slice model under QAbstractItemModelTester on odd tensors (0-sized, 0-d, 1-D, 5-D,
// int64, bool, all-NaN, huge, values missing), exact cell texts, heatmap colours, the
// image grid (an offscreen screenshot under $TAPEDECK_TEST_OUTPUT), the histogram, and
// the inspector widget on every odd tensor.
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QImage>
#include <QLabel>
#include <QSet>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <cmath>
#include <limits>
#include <numeric>

#include "inspector/TensorColormap.h"
#include "inspector/TensorHeatmap.h"
#include "inspector/TensorHistogram.h"
#include "inspector/TensorImageGrid.h"
#include "inspector/TensorInspector.h"
#include "inspector/TensorSliceControls.h"
#include "inspector/TensorSliceModel.h"
#include "inspector/TensorSnapshot.h"

using namespace td::widgets;

namespace {

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TensorSnapshot snapshotOf(QVector<qint64> shape, std::shared_ptr<const TensorValues> values,
                          const QString& title = QStringLiteral("t")) {
  TensorSnapshot t;
  t.title = title;
  t.shape = shape;
  t.strides = contiguousStrides(shape);
  t.dtype = values ? values->dtype() : QStringLiteral("float32");
  t.device = QStringLiteral("cpu");
  t.values = std::move(values);
  return t;
}

TensorSnapshot floats(QVector<qint64> shape, std::vector<float> values, const QString& title = QStringLiteral("t")) {
  return snapshotOf(std::move(shape), TensorValues::fromFloat32(std::move(values)), title);
}

/// 0, 1, 2, … as float32.
std::vector<float> iota(qint64 n) {
  std::vector<float> values(static_cast<std::size_t>(n));
  std::iota(values.begin(), values.end(), 0.0f);
  return values;
}

/// A varied, sign-changing pattern in [-1, 1) (so every tile of an image grid differs);
/// a multiplicative hash, cheap for 16 M values.
std::vector<float> wave(qint64 n) {
  std::vector<float> values(static_cast<std::size_t>(n));
  for (qint64 i = 0; i < n; ++i)
    values[std::size_t(i)] = float((std::uint64_t(i) * 2654435761ULL) % 1000) / 500.0f - 1.0f;
  return values;
}

/// Every odd tensor the inspector must survive, by name (made once: one is 64 MB).
const QList<QPair<QString, TensorSnapshot>>& oddTensors() {
  static const QList<QPair<QString, TensorSnapshot>> tensors = [] {
    QList<QPair<QString, TensorSnapshot>> list;
    list << qMakePair(QStringLiteral("empty [0, 3]"), floats({0, 3}, {}));
    list << qMakePair(QStringLiteral("empty middle [2, 0, 3]"), floats({2, 0, 3}, {}));
    list << qMakePair(QStringLiteral("scalar"), floats({}, {2.5f}));
    list << qMakePair(QStringLiteral("1-D [5]"), floats({5}, iota(5)));
    list << qMakePair(QStringLiteral("5-D [2, 1, 3, 2, 2]"), floats({2, 1, 3, 2, 2}, iota(24)));
    list << qMakePair(QStringLiteral("int64 [2, 3]"),
                      snapshotOf({2, 3}, TensorValues::fromInt64({1, -2, 9007199254740993LL, 0, 7,
                                                                  std::numeric_limits<std::int64_t>::min()})));
    list << qMakePair(QStringLiteral("bool [2, 2]"), snapshotOf({2, 2}, TensorValues::fromBool({true, false, false, true})));
    list << qMakePair(QStringLiteral("all-NaN [3, 3]"), floats({3, 3}, std::vector<float>(9, kNan)));
    list << qMakePair(QStringLiteral("huge [64, 64, 64, 64]"), floats({64, 64, 64, 64}, wave(64 * 64 * 64 * 64)));
    TensorSnapshot missing = floats({3, 4}, {});
    missing.values.reset();
    missing.missingReason = QStringLiteral("dropped by the recorder's memory budget");
    missing.stats.computed = true;
    missing.stats.numel = 12;
    missing.stats.finite = 12;
    missing.stats.max = 3;
    list << qMakePair(QStringLiteral("values missing [3, 4]"), missing);
    list << qMakePair(QStringLiteral("values not matching [2, 3]"), floats({2, 3}, iota(5)));
    return list;
  }();
  return tensors;
}

QString text(const QAbstractItemModel& model, int row, int column, int role = Qt::DisplayRole) {
  return model.index(row, column).data(role).toString();
}

QString outputDir() {
  const QString root = qEnvironmentVariableIsSet("TAPEDECK_TEST_OUTPUT")
                           ? qEnvironmentVariable("TAPEDECK_TEST_OUTPUT")
                           : QDir::temp().filePath(QStringLiteral("tapedeck-test-output"));
  const QString dir = QDir(root).filePath(QStringLiteral("inspector"));
  QDir().mkpath(dir);
  return dir;
}

}  // namespace

class TensorInspectorTest : public QObject {
  Q_OBJECT

 private slots:
  void valuesKeepTheirDtype() {
    const auto f = TensorValues::fromFloat32({1.5f, -2.0f});
    QCOMPARE(f->dtype(), QStringLiteral("float32"));
    QCOMPARE(f->size(), qint64(2));
    QCOMPARE(f->at(1), -2.0);
    QVERIFY(f->isFloating());
    const auto i = TensorValues::fromInt64({9007199254740993LL});
    QCOMPARE(i->integerAt(0), std::int64_t(9007199254740993LL));  // beyond 2^53, exact
    QVERIFY(!i->isFloating());
    const auto b = TensorValues::fromBoolBytes({0, 7, 1});
    QCOMPARE(b->dtype(), QStringLiteral("bool"));
    QCOMPARE(b->at(1), 1.0);  // nonzero bytes are true, kept as 1
    QCOMPARE(TensorValues::fromFloat64({0.25})->type(), TensorValues::Type::Float64);
    QCOMPARE(floats({}, {1.0f}).numel(), qint64(1));
    QCOMPARE(floats({2, 0, 3}, {}).numel(), qint64(0));
    QVERIFY(!floats({2, 3}, iota(5)).hasValues());
  }

  void statisticsOverFiniteValues() {
    const TensorStatsRow row = computeStatsRow(*TensorValues::fromFloat32({1, -2, 0, kNan, kInf, 3}));
    QVERIFY(row.computed);
    QCOMPARE(row.numel, qint64(6));
    QCOMPARE(row.finite, qint64(4));
    QCOMPARE(row.zeros, qint64(1));
    QCOMPARE(row.nans, qint64(1));
    QCOMPARE(row.infs, qint64(1));
    QCOMPARE(row.min, -2.0);
    QCOMPARE(row.max, 3.0);
    QCOMPARE(row.mean, 0.5);
    QVERIFY(std::abs(row.std - std::sqrt(3.25)) < 1e-12);  // population std
    QVERIFY(std::abs(row.norm - std::sqrt(14.0)) < 1e-12);

    const TensorStatsRow ints = computeStatsRow(*TensorValues::fromInt64({4, 0, -2}));
    QCOMPARE(ints.finite, qint64(3));
    QCOMPARE(ints.min, -2.0);
    QCOMPARE(ints.mean, 2.0 / 3.0);
    QCOMPARE(ints.zeros, qint64(1));
    const TensorStatsRow bools = computeStatsRow(*TensorValues::fromBool({true, false, true}));
    QCOMPARE(bools.max, 1.0);
    QCOMPARE(bools.zeros, qint64(1));
    const TensorStatsRow nans = computeStatsRow(*TensorValues::fromFloat32({kNan, kNan}));
    QCOMPARE(nans.finite, qint64(0));
    QCOMPARE(nans.nans, qint64(2));
    QCOMPARE(nans.min, 0.0);  // no finite values: the numbers stay 0
    // A large mean next to a small spread keeps its digits (shifted by the first value).
    const TensorStatsRow shifted = computeStatsRow(*TensorValues::fromFloat64({1e9 + 1, 1e9 + 3}));
    QCOMPARE(shifted.std, 1.0);
  }

  void valueTexts() {
    const auto f = TensorValues::fromFloat32({kNan, -kInf, kInf, 1.0f / 3.0f, 123456789.0f, 0.1f, -0.0f});
    QCOMPARE(formatTensorValue(*f, 0), QStringLiteral("nan"));
    QCOMPARE(formatTensorValue(*f, 1), QStringLiteral("-inf"));
    QCOMPARE(formatTensorValue(*f, 2), QStringLiteral("inf"));
    QCOMPARE(formatTensorValue(*f, 3), QStringLiteral("0.333333"));
    QCOMPARE(formatTensorValue(*f, 4), QStringLiteral("1.23457e+08"));
    QCOMPARE(formatTensorValue(*f, 5, true), QStringLiteral("0.1"));  // float32's shortest, not 0.100000001
    QCOMPARE(formatTensorValue(*f, 3, true), QStringLiteral("0.33333334"));
    QCOMPARE(formatTensorValue(*f, 1, true), QStringLiteral("-inf"));
    const auto d = TensorValues::fromFloat64({1.0 / 3.0});
    QCOMPARE(formatTensorValue(*d, 0, true), QStringLiteral("0.3333333333333333"));
    const auto i = TensorValues::fromInt64({9007199254740993LL, -42});
    QCOMPARE(formatTensorValue(*i, 0), QStringLiteral("9007199254740993"));
    QCOMPARE(formatTensorValue(*i, 1), QStringLiteral("-42"));
    const auto b = TensorValues::fromBool({true, false});
    QCOMPARE(formatTensorValue(*b, 0), QStringLiteral("true"));
    QCOMPARE(formatTensorValue(*b, 1), QStringLiteral("false"));
    QCOMPARE(shapeText({}), QStringLiteral("[]"));
    QCOMPARE(shapeText({8, 3, 5, 5}), QStringLiteral("[8, 3, 5, 5]"));
    QCOMPARE(contiguousStrides({8, 3, 5, 5}), (QVector<qint64>{75, 25, 5, 1}));
  }

  void differenceBetweenTapePositions() {
    TensorSnapshot before = floats({2, 2}, {1, 2, 3, 4}, QStringLiteral("w"));
    TensorSnapshot after = floats({2, 2}, {1, 2.5f, 3, 0}, QStringLiteral("w"));
    after.tensorId = 9;
    QString error = QStringLiteral("stale");
    const std::optional<TensorSnapshot> d = differenceOf(before, after, &error);
    QVERIFY(d.has_value());
    QVERIFY(error.isEmpty());
    QCOMPARE(d->dtype, QStringLiteral("float32"));
    QCOMPARE(d->shape, (QVector<qint64>{2, 2}));
    QCOMPARE(d->tensorId, quint64(9));
    QCOMPARE(d->values->at(0), 0.0);
    QCOMPARE(d->values->at(1), 0.5);
    QCOMPARE(d->values->at(3), -4.0);
    QVERIFY(d->stats.computed);
    QCOMPARE(d->stats.zeros, qint64(2));
    QCOMPARE(d->stats.min, -4.0);

    // Promotion: int64 - bool is int64, float64 wins over float32.
    const auto ints = differenceOf(snapshotOf({2}, TensorValues::fromBool({true, false})),
                                   snapshotOf({2}, TensorValues::fromInt64({5, 5})), nullptr);
    QCOMPARE(ints->dtype, QStringLiteral("int64"));
    QCOMPARE(ints->values->integerAt(0), std::int64_t(4));
    const auto wide = differenceOf(floats({1}, {1.0f}), snapshotOf({1}, TensorValues::fromFloat64({1.25})), nullptr);
    QCOMPARE(wide->dtype, QStringLiteral("float64"));
    QCOMPARE(wide->values->at(0), 0.25);

    QVERIFY(!differenceOf(floats({2, 2}, iota(4)), floats({4}, iota(4)), &error));
    QCOMPARE(error, QStringLiteral("the shapes differ: [2, 2] before, [4] after"));
    TensorSnapshot dropped = floats({2, 2}, {});
    dropped.values.reset();
    dropped.missingReason = QStringLiteral("dropped by the recorder's memory budget");
    QVERIFY(!differenceOf(dropped, after, &error));
    QCOMPARE(error, QStringLiteral("the value before is dropped by the recorder's memory budget"));
  }

  void sliceModelOnOddTensors_data() {
    QTest::addColumn<int>("which");
    const auto list = oddTensors();
    for (int i = 0; i < list.size(); ++i) QTest::newRow(qPrintable(list[i].first)) << i;
  }

  void sliceModelOnOddTensors() {
    QFETCH(int, which);
    const TensorSnapshot tensor = oddTensors().at(which).second;
    TensorSliceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTensor(tensor);
    const int rank = int(tensor.shape.size());
    if (!tensor.hasValues()) {
      QCOMPARE(model.rowCount(), 0);
      QVERIFY(!model.unavailableReason().isEmpty());
    }
    // Every choice of row and column dimension, and a move of every fixed index: each
    // cell must read the value at the flat index of its full N-D index.
    const QVector<qint64> strides = contiguousStrides(tensor.shape);
    for (int rowDim = -1; rowDim < rank; ++rowDim) {
      for (int columnDim = -1; columnDim < rank; ++columnDim) {
        model.setRowDimension(rowDim);
        model.setColumnDimension(columnDim);
        for (int d = 0; d < rank; ++d) model.setIndex(d, tensor.shape[d] - 1);
        const SliceSelection& s = model.selection();
        QVERIFY(s.rowDimension >= -1 && s.rowDimension < rank);
        QVERIFY(s.columnDimension >= -1 && s.columnDimension < rank);
        QVERIFY(rank == 0 || s.rowDimension != s.columnDimension);
        const int rows = model.rowCount(), columns = model.columnCount();
        for (int r = 0; r < std::min(rows, 3); ++r) {
          for (int c = 0; c < std::min(columns, 3); ++c) {
            const QVector<qint64> index = model.slice().fullIndex(r, c);
            qint64 flat = 0;
            for (int d = 0; d < rank; ++d) flat += index[d] * strides[d];
            QCOMPARE(model.index(r, c).data(TensorSliceModel::FlatIndexRole).toLongLong(), flat);
            QCOMPARE(text(model, r, c), formatTensorValue(*tensor.values, flat));
            QCOMPARE(text(model, r, c, Qt::ToolTipRole),
                     shapeText(index) + " = " + formatTensorValue(*tensor.values, flat, true));
          }
        }
      }
    }
    model.setSelection(SliceSelection::defaultFor(rank));
    model.clear();
    QCOMPARE(model.rowCount(), 0);
  }

  void sliceModelShapesAndTexts() {
    TensorSliceModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setTensor(floats({}, {2.5f}));  // 0-d: one cell
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.columnCount(), 1);
    QCOMPARE(text(model, 0, 0), QStringLiteral("2.5"));
    QCOMPARE(text(model, 0, 0, Qt::ToolTipRole), QStringLiteral("[] = 2.5"));
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), QStringLiteral("value"));

    model.setTensor(floats({5}, iota(5)));  // 1-D: a column, or a row
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.columnCount(), 1);
    QCOMPARE(model.headerData(4, Qt::Vertical).toString(), QStringLiteral("4"));
    model.setColumnDimension(0);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.columnCount(), 5);
    QCOMPARE(text(model, 0, 3), QStringLiteral("3"));

    model.setTensor(floats({2, 3}, {kNan, -kInf, kInf, 1.5f, -0.000123456789f, 1e10f}));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 3);
    QCOMPARE(text(model, 0, 0), QStringLiteral("nan"));
    QCOMPARE(text(model, 0, 1), QStringLiteral("-inf"));
    QCOMPARE(text(model, 0, 2), QStringLiteral("inf"));
    QCOMPARE(text(model, 1, 0), QStringLiteral("1.5"));
    QCOMPARE(text(model, 1, 1), QStringLiteral("-0.000123457"));
    QCOMPARE(text(model, 1, 2), QStringLiteral("1e+10"));
    QCOMPARE(text(model, 1, 0, Qt::ToolTipRole), QStringLiteral("[1, 0] = 1.5"));
    QCOMPARE(model.index(1, 0).data(TensorSliceModel::ValueRole).toDouble(), 1.5);
    QVERIFY(std::isnan(model.index(0, 0).data(TensorSliceModel::ValueRole).toDouble()));
    QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("2"));
    QCOMPARE(model.headerData(1, Qt::Vertical).toString(), QStringLiteral("1"));
    model.setRowDimension(1);  // the column dimension: the two swap (a transpose)
    QCOMPARE(model.selection().columnDimension, 0);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(text(model, 2, 1), QStringLiteral("1e+10"));

    model.setTensor(snapshotOf({2, 3}, TensorValues::fromInt64({1, -2, 9007199254740993LL, 0, 7, -1})));
    QCOMPARE(model.selection().rowDimension, 1);  // same rank: the transpose was kept
    model.setSelection(SliceSelection::defaultFor(2));
    QCOMPARE(text(model, 0, 2), QStringLiteral("9007199254740993"));
    QCOMPARE(text(model, 0, 1), QStringLiteral("-2"));
    model.setTensor(snapshotOf({2, 2}, TensorValues::fromBool({true, false, false, true})));
    QCOMPARE(text(model, 0, 0), QStringLiteral("true"));
    QCOMPARE(text(model, 0, 1), QStringLiteral("false"));

    // A fixed index moves: same cells, new values, no reset.
    model.setTensor(floats({2, 1, 3, 2, 2}, iota(24)));
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 2);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setIndex(2, 2);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(text(model, 1, 1), QStringLiteral("11"));  // [0, 0, 2, 1, 1]: 8 + 2 + 1
    QCOMPARE(text(model, 1, 1, Qt::ToolTipRole), QStringLiteral("[0, 0, 2, 1, 1] = 11"));
    model.setIndex(2, 99);  // clamped into the dimension
    QCOMPARE(model.selection().index[2], qint64(2));
    model.setIndex(0, 1);
    QCOMPARE(text(model, 0, 0), QStringLiteral("20"));

    TensorSnapshot dropped = floats({3, 4}, {});
    dropped.values.reset();
    dropped.missingReason = QStringLiteral("dropped by the recorder's memory budget");
    model.setTensor(dropped);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.unavailableReason(), QStringLiteral("dropped by the recorder's memory budget"));
  }

  void largeTensorOpensAtOnce() {
    const TensorSnapshot big = floats({4096, 4096}, wave(4096LL * 4096));
    TensorSliceModel model;
    QElapsedTimer timer;
    timer.start();
    model.setTensor(big);
    QCOMPARE(model.rowCount(), 4096);
    QCOMPARE(model.columnCount(), 4096);
    QCOMPARE(text(model, 4095, 4095), formatTensorValue(*big.values, 4096LL * 4096 - 1));
    QVERIFY2(timer.elapsed() < 250, qPrintable(QString::number(timer.elapsed()) + " ms"));  // nothing per cell

    TensorHeatmap heatmap;
    heatmap.resize(300, 200);
    heatmap.setSlice(model.slice());
    const QImage& image = heatmap.image();
    QVERIFY(!image.isNull());
    QVERIFY(image.width() <= heatmap.imageRect().width() && image.height() <= heatmap.imageRect().height());
    QVERIFY(image.width() < 4096);
  }

  void heatmapColours() {
    TensorHeatmap heatmap;
    heatmap.resize(240, 200);
    heatmap.show();
    const TensorSnapshot diverging = floats({2, 2}, {-1.0f, 0.5f, 0.0f, 2.0f});
    heatmap.setSlice(TensorSlice(diverging, SliceSelection::defaultFor(2)));
    const QImage& image = heatmap.image();
    QCOMPARE(image.size(), QSize(2, 2));
    QCOMPARE(heatmap.colormap().kind(), TensorColormap::Kind::Diverging);
    QCOMPARE(image.pixelColor(0, 0), TensorColormap::blueEnd());  // min
    QCOMPARE(image.pixelColor(1, 1), TensorColormap::redEnd());   // max
    QCOMPARE(image.pixelColor(0, 1), QColor(Qt::white));          // 0
    const QColor half = image.pixelColor(1, 0);                   // 0.5: a light red
    QVERIFY(half.red() > half.blue());
    // On screen: the corners of the drawn map, scaled up without smoothing.
    const QImage shot = heatmap.grab().toImage();
    const QRect r = heatmap.imageRect();
    QVERIFY(r.width() >= 100);
    QCOMPARE(shot.pixelColor(r.topLeft() + QPoint(2, 2)), TensorColormap::blueEnd());
    QCOMPARE(shot.pixelColor(r.bottomRight() - QPoint(2, 2)), TensorColormap::redEnd());
    QCOMPARE(heatmap.readoutAt(r.topLeft() + QPoint(1, 1)), QStringLiteral("[0, 0] = -1"));
    QCOMPARE(heatmap.readoutAt(r.bottomRight() - QPoint(1, 1)), QStringLiteral("[1, 1] = 2"));
    QVERIFY(heatmap.readoutAt(QPoint(heatmap.width() - 1, heatmap.height() - 1)).isEmpty());

    // All of one sign: sequential, min at the dark end, max at the bright one; NaN apart.
    heatmap.setSlice(TensorSlice(floats({2, 2}, {1, 2, kNan, 4}), SliceSelection::defaultFor(2)));
    QCOMPARE(heatmap.colormap().kind(), TensorColormap::Kind::Sequential);
    QCOMPARE(heatmap.image().pixelColor(0, 0), QColor(68, 1, 84));
    QCOMPARE(heatmap.image().pixelColor(1, 1), QColor(253, 231, 37));
    QCOMPARE(heatmap.image().pixelColor(0, 1), TensorColormap::nanColour());
    heatmap.setSlice(TensorSlice(floats({1, 2}, {kInf, kNan}), SliceSelection::defaultFor(2)));
    QCOMPARE(heatmap.image().pixelColor(0, 0), TensorColormap::infColour());
    heatmap.grab();  // no finite value: still paints
    heatmap.clear();
    QVERIFY(heatmap.image().isNull());
    heatmap.grab();
  }

  void histogramBins() {
    const HistogramBins f = computeHistogram(*TensorValues::fromFloat64({0, 0.5, 1, NAN, INFINITY, -INFINITY}), 2);
    QCOMPARE(f.start, 0.0);
    QCOMPARE(f.width, 0.5);
    QCOMPARE(f.counts, (QVector<qint64>{1, 2}));  // the max lands in the last bin
    QCOMPARE(f.nans, qint64(1));
    QCOMPARE(f.positiveInfs, qint64(1));
    QCOMPARE(f.negativeInfs, qint64(1));
    const HistogramBins ints = computeHistogram(*TensorValues::fromInt64({1, 2, 2, 5}));
    QCOMPARE(ints.start, 0.5);
    QCOMPARE(ints.counts, (QVector<qint64>{1, 2, 0, 0, 1}));  // one bin per integer
    const HistogramBins bools = computeHistogram(*TensorValues::fromBool({true, false, true}));
    QCOMPARE(bools.counts, (QVector<qint64>{1, 2}));
    const HistogramBins nans = computeHistogram(*TensorValues::fromFloat32({kNan, kNan, kNan}));
    QVERIFY(nans.counts.isEmpty());
    QCOMPARE(nans.nans, qint64(3));
    const HistogramBins wide = computeHistogram(*TensorValues::fromFloat32(iota(1000)));
    QCOMPARE(wide.counts.size(), 64);
    QCOMPARE(wide.total(), qint64(1000));

    TensorHistogram view;
    view.resize(400, 300);
    view.setTensor(snapshotOf({6}, TensorValues::fromFloat64({0, 0.5, 1, NAN, INFINITY, -INFINITY})));
    QCOMPARE(view.countsText(), QStringLiteral("NaN 1\n+Inf 1\n-Inf 1\nfinite 3"));
    QCOMPARE(view.bins().counts.size(), 64);
    view.grab();
  }

  void imageGridScreenshot() {
    TensorSnapshot weight = floats({8, 3, 5, 5}, wave(8 * 3 * 5 * 5), QStringLiteral("conv1.weight"));
    weight.op.clear();
    TensorInspector inspector;
    inspector.resize(900, 700);
    inspector.show();
    inspector.setTensor(weight);
    QVERIFY(inspector.isTabAvailable(TensorInspector::ImagesTab));
    inspector.setCurrentTab(TensorInspector::ImagesTab);
    QCOMPARE(inspector.currentTab(), TensorInspector::ImagesTab);
    const QImage shot = inspector.grab().toImage();
    const QString path = QDir(outputDir()).filePath(QStringLiteral("conv_weight_8x3x5x5_images.png"));
    QVERIFY2(shot.save(path), qPrintable(path));

    TensorImageGrid* grid = inspector.images(TensorInspector::ValueSide);
    QVERIFY(grid->message().isEmpty());
    QCOMPARE(grid->tileCount(), qint64(24));
    QCOMPARE(grid->shownTiles(), 24);
    QCOMPARE(grid->gridColumns(), 3);  // one grid row per output channel
    QCOMPARE(grid->gridRows(), 8);
    QVERIFY(grid->moreNote().isEmpty());
    QCOMPARE(grid->colormap().kind(), TensorColormap::Kind::Diverging);
    const QImage tiles = grid->grab().toImage();
    const QColor background = tiles.pixelColor(1, 1);
    QSet<QRgb> all;
    QVector<QImage> first;
    for (int tile = 0; tile < grid->shownTiles(); ++tile) {
      const QRect r = grid->tileRect(tile);
      QVERIFY(r.width() >= 5 && r.height() >= 5);
      QSet<QRgb> colours;
      int differFromBackground = 0;
      for (int y = r.top(); y <= r.bottom(); ++y)
        for (int x = r.left(); x <= r.right(); ++x) {
          const QRgb pixel = tiles.pixel(x, y);
          colours.insert(pixel);
          differFromBackground += pixel != background.rgb();
        }
      QVERIFY2(colours.size() >= 3, qPrintable(QStringLiteral("tile %1 is uniform").arg(tile)));
      QVERIFY(differFromBackground > r.width() * r.height() / 2);
      all.unite(colours);
      if (tile < 2) first << tiles.copy(r);
    }
    QVERIFY(first[0] != first[1]);  // tiles show their own (n, c)
    QVERIFY(all.size() > 30);

    // More tiles than the cap: a note says how many are not drawn.
    grid->setTensor(floats({20, 16, 2, 2}, wave(20 * 16 * 4)));
    QCOMPARE(grid->shownTiles(), TensorImageGrid::kMaxTiles);
    QCOMPARE(grid->moreNote(), QStringLiteral("+64 more tiles (N × C = 20 × 16 = 320)"));
    grid->grab();
    // Non-negative values: the grey scale.
    grid->setTensor(floats({1, 2, 2, 2}, iota(8)));
    QCOMPARE(grid->colormap().kind(), TensorColormap::Kind::Grey);
    grid->setTensor(floats({3, 4}, iota(12)));
    QVERIFY(grid->message().contains("4-D"));
  }

  void inspectorOnOddTensors_data() { sliceModelOnOddTensors_data(); }

  void inspectorOnOddTensors() {
    QFETCH(int, which);
    const TensorSnapshot tensor = oddTensors().at(which).second;
    TensorInspector inspector;
    inspector.resize(800, 600);
    inspector.show();
    const int rank = int(tensor.shape.size());
    for (bool withGradient : {false, true}) {
      if (withGradient)
        inspector.setTensor(tensor, tensor);
      else
        inspector.setTensor(tensor);
      QCOMPARE(inspector.isTabAvailable(TensorInspector::ImagesTab), rank == 4);
      QVERIFY(inspector.isTabAvailable(TensorInspector::TableTab));
      QVERIFY(inspector.isTabAvailable(TensorInspector::HistogramTab));
      for (int tab = 0; tab < TensorInspector::TabCount; ++tab) {
        inspector.setCurrentTab(TensorInspector::Tab(tab));
        QVERIFY(!inspector.grab().isNull());
      }
      inspector.setCurrentTab(TensorInspector::TableTab);
      QCOMPARE(inspector.model(TensorInspector::ValueSide)->rowCount() > 0,
               tensor.hasValues() && tensor.numel() > 0);
      QCOMPARE(inspector.table(TensorInspector::GradientSide)->isVisibleTo(&inspector),
               withGradient && tensor.hasValues());
      QCOMPARE(inspector.unavailableText().isEmpty(), tensor.hasValues());
      QCOMPARE(inspector.sliceControls()->isVisibleTo(&inspector), rank >= 1 && tensor.hasValues());
      if (withGradient) QVERIFY(inspector.statisticsText().contains("\ngradient: "));
    }
    if (!tensor.values && tensor.stats.computed) {
      QCOMPARE(inspector.unavailableText(),
               QStringLiteral("value dropped by the recorder's memory budget — statistics above were kept"));
      QVERIFY(inspector.statisticsText().startsWith("min 0 · max 3 · "));
    }
    // Images falls back to Table when the next tensor is not 4-D.
    inspector.setCurrentTab(TensorInspector::ImagesTab);
    const TensorInspector::Tab before = inspector.currentTab();
    QCOMPARE(before == TensorInspector::ImagesTab, rank == 4);
    inspector.setTensor(floats({2}, {1, 2}));
    QCOMPARE(inspector.currentTab(), before == TensorInspector::ImagesTab ? TensorInspector::TableTab : before);
    inspector.clear();
    QCOMPARE(inspector.titleText(), QStringLiteral("No tensor selected"));
    inspector.grab();
  }

  void inspectorHeaderAndSourceLink() {
    TensorSnapshot t = floats({2, 3}, {0, 1, -2, 3, kNan, kInf}, QStringLiteral("output of #12 matmul"));
    t.tensorId = 12;
    t.op = QStringLiteral("matmul");
    t.file = QStringLiteral("/home/ada/train.py");
    t.line = 25;
    TensorInspector inspector;
    inspector.setTensor(t);
    QCOMPARE(inspector.titleText(), QStringLiteral("output of #12 matmul"));
    QCOMPARE(inspector.propertiesText(), QStringLiteral("[2, 3] · float32 · cpu · strides [3, 1] · id 12"));
    QCOMPARE(inspector.originText(), QStringLiteral("made by matmul at train.py:25"));
    QCOMPARE(inspector.statisticsText(),
             QStringLiteral("min -2 · max 3 · mean 0.5 · std 1.80278 · norm 3.74166 · zeros 1 · NaN 1 · Inf 1"));
    QSignalSpy requested(&inspector, &TensorInspector::sourceRequested);
    QLabel* origin = nullptr;
    for (QLabel* label : inspector.findChildren<QLabel*>())
      if (label->text().contains("<a href")) origin = label;
    QVERIFY(origin != nullptr);
    QVERIFY(origin->text().contains("train.py:25"));
    emit origin->linkActivated(QStringLiteral("source"));
    QCOMPARE(requested.count(), 1);
    QCOMPARE(requested.at(0).at(0).toString(), QStringLiteral("/home/ada/train.py"));
    QCOMPARE(requested.at(0).at(1).toInt(), 25);
    // An op's input (a parameter it read): read by that op, not made by it.
    t.readByOp = true;
    t.title = QStringLiteral("0.weight");
    inspector.setTensor(t);
    QCOMPARE(inspector.originText(), QStringLiteral("read by matmul at train.py:25"));

    TensorSnapshot leaf = floats({1}, {1});
    leaf.stats = TensorStatsRow();
    leaf.values.reset();
    inspector.setTensor(leaf);
    QCOMPARE(inspector.originText(), QStringLiteral("leaf tensor"));
    QCOMPARE(inspector.statisticsText(), QStringLiteral("statistics not computed"));
    QCOMPARE(inspector.unavailableText(), QStringLiteral("value not recorded"));
  }

  void inspectorSharesTheSlice() {
    TensorInspector inspector;
    inspector.resize(800, 600);
    inspector.show();
    const TensorSnapshot value = floats({2, 3, 4}, iota(24), QStringLiteral("x"));
    std::vector<float> negated = iota(24);
    for (float& v : negated) v = -v;
    inspector.setTensor(value, floats({2, 3, 4}, negated, QStringLiteral("x.grad")));
    auto* valueModel = inspector.model(TensorInspector::ValueSide);
    auto* gradModel = inspector.model(TensorInspector::GradientSide);
    QCOMPARE(valueModel->rowCount(), 3);  // the last two dimensions
    QCOMPARE(valueModel->columnCount(), 4);

    TensorSliceControls* controls = inspector.sliceControls();
    QSpinBox* dim0 = controls->indexBox(0);
    QVERIFY(dim0 != nullptr);
    QVERIFY(controls->indexBox(1) == nullptr);
    dim0->setValue(1);
    QCOMPARE(inspector.selection().index[0], qint64(1));
    QCOMPARE(text(*valueModel, 0, 0), QStringLiteral("12"));
    QCOMPARE(text(*gradModel, 0, 0), QStringLiteral("-12"));
    QCOMPARE(inspector.heatmap(TensorInspector::ValueSide)->slice().selection(), inspector.selection());
    QCOMPARE(inspector.heatmap(TensorInspector::GradientSide)->slice().selection(), inspector.selection());

    // Rows along dimension 0: the picker's item for it, activated as a user would.
    QComboBox* rows = controls->rowBox();
    const int item = rows->findData(0);
    rows->setCurrentIndex(item);
    emit rows->activated(item);
    QCOMPARE(inspector.selection().rowDimension, 0);
    QCOMPARE(valueModel->rowCount(), 2);
    QCOMPARE(gradModel->rowCount(), 2);
    QVERIFY(controls->indexBox(1) != nullptr);  // dimension 1 is fixed now
    QCOMPARE(inspector.heatmap(TensorInspector::ValueSide)->slice().rows(), qint64(2));
    // For a reader of the test output: the value and its gradient, side by side.
    inspector.setSelection(SliceSelection::defaultFor(3));
    inspector.grab().save(QDir(outputDir()).filePath(QStringLiteral("value_and_gradient_table.png")));
    inspector.setCurrentTab(TensorInspector::HeatmapTab);
    const QImage shot = inspector.grab().toImage();
    QVERIFY(shot.save(QDir(outputDir()).filePath(QStringLiteral("value_and_gradient_heatmap.png"))));
    // The gradient is the negated value: the value's heatmap is sequential from 0, the
    // gradient's the same sequence from 0 downwards, so their first cells' colours differ.
    TensorHeatmap* valueMap = inspector.heatmap(TensorInspector::ValueSide);
    TensorHeatmap* gradientMap = inspector.heatmap(TensorInspector::GradientSide);
    QVERIFY(valueMap->isVisible() && gradientMap->isVisible());
    QCOMPARE(valueMap->image().pixelColor(0, 0), QColor(68, 1, 84));        // 0, the min
    QCOMPARE(gradientMap->image().pixelColor(0, 0), QColor(253, 231, 37));  // -0 = 0, the max
  }

  void inspectorShowsADifference() {
    TensorInspector inspector;
    inspector.resize(600, 400);
    inspector.show();
    inspector.setDifference(floats({2, 2}, {1, 2, 3, 4}, QStringLiteral("w")),
                            floats({2, 2}, {1, 2.5f, 3, 0}, QStringLiteral("w")));
    QCOMPARE(inspector.titleText(), QStringLiteral("w: after − before"));
    QCOMPARE(inspector.differenceText(), QStringLiteral("after − before: max |diff| 4 · 2 of 4 elements changed"));
    QCOMPARE(text(*inspector.model(TensorInspector::ValueSide), 1, 1), QStringLiteral("-4"));
    QCOMPARE(text(*inspector.model(TensorInspector::ValueSide), 0, 1), QStringLiteral("0.5"));
    inspector.grab();

    inspector.setDifference(floats({2, 2}, iota(4), QStringLiteral("w")), floats({4}, iota(4), QStringLiteral("w")));
    QCOMPARE(inspector.model(TensorInspector::ValueSide)->rowCount(), 0);
    QCOMPARE(inspector.unavailableText(),
             QStringLiteral("difference cannot be computed: the shapes differ: [2, 2] before, [4] after"));
    inspector.grab();
    inspector.setTensor(floats({2}, {1, 2}));
    QVERIFY(inspector.differenceText().isEmpty());
  }
};

QTEST_MAIN(TensorInspectorTest)
#include "TensorInspectorTest.moc"
