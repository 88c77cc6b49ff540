#include "inspector/TensorHistogram.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <algorithm>
#include <cmath>
#include <type_traits>

namespace td::widgets {

qint64 HistogramBins::total() const {
  qint64 sum = 0;
  for (qint64 count : counts) sum += count;
  return sum;
}

HistogramBins computeHistogram(const TensorValues& values, int bins, const TensorStatsRow* stats) {
  HistogramBins result;
  const TensorStatsRow own = stats != nullptr && stats->computed ? *stats : computeStatsRow(values);
  bins = std::max(bins, 1);
  if (values.type() == TensorValues::Type::Bool) {
    result.start = -0.5;
    result.width = 1.0;
    bins = 2;
  } else if (own.finite == 0) {
    bins = 0;
  } else if (!values.isFloating() && own.max - own.min < bins) {
    result.start = own.min - 0.5;
    result.width = 1.0;
    bins = static_cast<int>(own.max - own.min) + 1;
  } else if (own.max > own.min) {
    result.start = own.min;
    result.width = (own.max - own.min) / bins;
  } else {  // one finite value: one bin around it
    result.width = own.min != 0.0 ? std::fabs(own.min) * 0.1 : 1.0;
    result.start = own.min - result.width / 2;
    bins = 1;
  }
  result.counts.fill(0, bins);
  if (bins == 0) {
    result.nans = own.nans;
    values.visit([&](const auto& data) {
      for (const auto raw : data)
        if (std::isinf(static_cast<double>(raw))) ++(raw > 0 ? result.positiveInfs : result.negativeInfs);
    });
    return result;
  }
  values.visit([&](const auto& data) {
    using T = typename std::decay_t<decltype(data)>::value_type;
    for (const auto raw : data) {
      const double x = static_cast<double>(raw);
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(x)) {
          ++result.nans;
          continue;
        }
        if (std::isinf(x)) {
          ++(x > 0 ? result.positiveInfs : result.negativeInfs);
          continue;
        }
      }
      // Clamped as a double: the max lands in the last bin, and stale statistics cannot
      // make an out-of-range cast.
      ++result.counts[static_cast<int>(std::clamp((x - result.start) / result.width, 0.0, double(bins - 1)))];
    }
  });
  return result;
}

namespace {

/// Replots unless the plot is hidden (a side-by-side pane not shown): a plot never shown
/// has no paint buffer yet and QCustomPlot warns; showEvent replots instead.
void replotIfVisible(QCustomPlot* plot) {
  if (plot->isVisible()) plot->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace

TensorHistogram::TensorHistogram(QWidget* parent)
    : QWidget(parent), m_plot(new QCustomPlot(this)), m_bars(new QCPBars(m_plot->xAxis, m_plot->yAxis)),
      m_counts(new QLabel(this)) {
  m_plot->setMinimumSize(160, 120);  // QCustomPlot warns when laid out at size 0
  m_plot->xAxis->setLabel(tr("value"));
  m_plot->yAxis->setLabel(tr("count"));
  m_bars->setPen(QPen(QColor(31, 119, 180)));
  m_bars->setBrush(QColor(31, 119, 180, 160));
  m_counts->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_counts->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_plot, 1);
  layout->addWidget(m_counts);
  clear();
}

void TensorHistogram::clear() {
  m_bins = HistogramBins();
  m_bars->data()->clear();
  m_counts->setText(binsText(m_bins));
  replotIfVisible(m_plot);
}

void TensorHistogram::setTensor(const TensorSnapshot& tensor) {
  if (!tensor.hasValues()) {
    clear();
    m_counts->setText(tensor.unavailableReason());
    return;
  }
  m_bins = computeHistogram(*tensor.values, 64, &tensor.stats);
  QVector<double> keys, counts;
  keys.reserve(m_bins.counts.size());
  counts.reserve(m_bins.counts.size());
  for (int i = 0; i < m_bins.counts.size(); ++i) {
    keys.push_back(m_bins.start + (i + 0.5) * m_bins.width);
    counts.push_back(double(m_bins.counts[i]));
  }
  m_bars->setWidth(m_bins.width);
  m_bars->setData(keys, counts, /*alreadySorted=*/true);
  m_plot->rescaleAxes();
  if (!m_bins.counts.isEmpty())
    m_plot->xAxis->setRange(m_bins.start, m_bins.start + m_bins.width * double(m_bins.counts.size()));
  m_plot->yAxis->setRangeLower(0);
  m_counts->setText(binsText(m_bins));
  replotIfVisible(m_plot);
}

void TensorHistogram::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  m_plot->replot(QCustomPlot::rpQueuedReplot);  // data may have changed while hidden
}

QString TensorHistogram::countsText() const { return m_counts->text(); }

QString TensorHistogram::binsText(const HistogramBins& bins) {
  return tr("NaN %1\n+Inf %2\n-Inf %3\nfinite %4")
      .arg(bins.nans)
      .arg(bins.positiveInfs)
      .arg(bins.negativeInfs)
      .arg(bins.total());
}

}  // namespace td::widgets
