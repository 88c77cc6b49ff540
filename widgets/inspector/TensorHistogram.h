#pragma once
// A histogram of a tensor's finite values on QCustomPlot (bars), with the NaN, +Inf and
// -Inf counts written beside it. 64 equal bins between the finite min and max; integer
// tensors whose range fits in 64 get one bin per integer, bools one bin each for false
// and true.
#include <QVector>
#include <QWidget>

#include "inspector/TensorSnapshot.h"

class QCPBars;
class QCustomPlot;
class QLabel;

namespace td::widgets {

/// Bin i covers [start + i·width, start + (i+1)·width); the last one includes its end.
struct HistogramBins {
  double start = 0, width = 1;
  QVector<qint64> counts;
  qint64 nans = 0, positiveInfs = 0, negativeInfs = 0;

  qint64 total() const;  ///< finite values counted
};

/// Bins `values`' finite values into `bins` (at least 1) equal bins, or per integer as
/// described above. One pass, two when `stats` is null or not computed (it gives min/max).
HistogramBins computeHistogram(const TensorValues& values, int bins = 64, const TensorStatsRow* stats = nullptr);

class TensorHistogram : public QWidget {
  Q_OBJECT

 public:
  explicit TensorHistogram(QWidget* parent = nullptr);

  /// Shows the histogram of `tensor`'s values, or its unavailableReason().
  void setTensor(const TensorSnapshot& tensor);
  void clear();
  const HistogramBins& bins() const { return m_bins; }
  /// The text beside the plot ("NaN 3\n+Inf 1\n-Inf 0\nfinite 96"), or the reason there
  /// are no values.
  QString countsText() const;
  QCustomPlot* plot() const { return m_plot; }

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  static QString binsText(const HistogramBins& bins);

  QCustomPlot* m_plot;
  QCPBars* m_bars;
  QLabel* m_counts;
  HistogramBins m_bins;
};

}  // namespace td::widgets
