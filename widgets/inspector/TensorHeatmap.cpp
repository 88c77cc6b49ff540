#include "inspector/TensorHeatmap.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace td::widgets {
namespace {

constexpr int kMargin = 6;
constexpr int kBarWidth = 14;
constexpr int kGap = 6;
constexpr int kMinimumSide = 24;  ///< a one-cell-thick slice still gets a visible strip

/// A colour bar label: integers and bools as integers, floats with 6 significant digits.
QString rangeLabel(double value, const TensorSlice& slice) {
  if (slice.values() != nullptr && !slice.values()->isFloating()) return QString::number(std::llround(value));
  return formatFloat(value, TensorValues::Type::Float64);
}

}  // namespace

TensorHeatmap::TensorHeatmap(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void TensorHeatmap::setSlice(const TensorSlice& slice) {
  m_slice = slice;
  m_message.clear();
  m_dirty = true;
  update();
}

void TensorHeatmap::clear(const QString& message) {
  m_slice = TensorSlice();
  m_message = message;
  m_dirty = true;
  update();
}

QRect TensorHeatmap::mapArea() const {
  const int labelWidth = fontMetrics().horizontalAdvance(QStringLiteral("-0.000000e+00"));
  return QRect(kMargin, kMargin, width() - 2 * kMargin - kGap - kBarWidth - kGap - labelWidth, height() - 2 * kMargin);
}

QRect TensorHeatmap::imageRect() const {
  const QRect area = mapArea();
  const qint64 rows = m_slice.rows(), columns = m_slice.columns();
  if (!m_slice.hasValues() || rows == 0 || columns == 0 || area.width() <= 0 || area.height() <= 0) return {};
  // Square cells when they fit; a thin slice is stretched to a visible strip.
  const double scale = std::min(double(area.width()) / double(columns), double(area.height()) / double(rows));
  const int w = std::clamp(static_cast<int>(std::lround(double(columns) * scale)), std::min(area.width(), kMinimumSide),
                           area.width());
  const int h = std::clamp(static_cast<int>(std::lround(double(rows) * scale)), std::min(area.height(), kMinimumSide),
                           area.height());
  return QRect(area.topLeft(), QSize(w, h));
}

void TensorHeatmap::render() const {
  const QRect target = imageRect();
  if (!m_dirty && target == m_renderedRect) return;
  m_dirty = false;
  m_renderedRect = target;
  if (target.isEmpty()) {
    m_image = QImage();
    m_blocks = SliceBlocks();
    m_colormap = TensorColormap();
    return;
  }
  m_blocks = m_slice.blockMeans(target.height(), target.width());
  m_colormap = TensorColormap::forRange(m_blocks.min, m_blocks.max);
  m_image = QImage(m_blocks.columns, m_blocks.rows, QImage::Format_RGB32);
  for (int r = 0; r < m_blocks.rows; ++r) {
    auto* line = reinterpret_cast<QRgb*>(m_image.scanLine(r));
    const double* means = m_blocks.means.data() + std::size_t(r) * std::size_t(m_blocks.columns);
    for (int c = 0; c < m_blocks.columns; ++c) line[c] = m_colormap.colour(means[c]);
  }
}

const QImage& TensorHeatmap::image() const {
  render();
  return m_image;
}

const TensorColormap& TensorHeatmap::colormap() const {
  render();
  return m_colormap;
}

QString TensorHeatmap::readoutAt(const QPoint& position) const {
  const QRect target = imageRect();
  if (!target.contains(position)) return {};
  render();
  const double fy = double(position.y() - target.top()) / target.height();
  const double fx = double(position.x() - target.left()) / target.width();
  const qint64 row = std::clamp<qint64>(static_cast<qint64>(fy * double(m_slice.rows())), 0, m_slice.rows() - 1);
  const qint64 column =
      std::clamp<qint64>(static_cast<qint64>(fx * double(m_slice.columns())), 0, m_slice.columns() - 1);
  QString text = m_slice.indexText(row, column) + QStringLiteral(" = ") +
                 formatTensorValue(*m_slice.values(), m_slice.flatIndex(row, column), /*fullPrecision=*/true);
  if (!m_image.isNull() && (m_blocks.rows < m_slice.rows() || m_blocks.columns < m_slice.columns())) {
    const int by = std::clamp(static_cast<int>(fy * m_blocks.rows), 0, m_blocks.rows - 1);
    const int bx = std::clamp(static_cast<int>(fx * m_blocks.columns), 0, m_blocks.columns - 1);
    const double mean = m_blocks.means[std::size_t(by) * std::size_t(m_blocks.columns) + std::size_t(bx)];
    text += tr("\npixel: mean of its block of about %1 × %2 cells = %3")
                .arg(m_slice.rows() / m_blocks.rows)
                .arg(m_slice.columns() / m_blocks.columns)
                .arg(formatFloat(mean, TensorValues::Type::Float64));
  }
  return text;
}

void TensorHeatmap::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  render();
  if (m_image.isNull()) {
    const QString text = !m_message.isEmpty()      ? m_message
                         : !m_slice.hasValues()    ? tr("no values")
                                                   : tr("no elements in this slice");
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, text);
    return;
  }
  const QRect target = imageRect();
  painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
  painter.drawImage(target, m_image);

  // Colour bar: min at the bottom, max at the top; NaN and Inf swatches below when present.
  const QFontMetrics metrics = fontMetrics();
  const int legendLines = int(m_blocks.hasNan) + int(m_blocks.hasInf);
  const int barLeft = mapArea().right() + 1 + kGap;
  const QRect bar(barLeft, kMargin + metrics.height() / 2, kBarWidth,
                  std::max(10, height() - 2 * kMargin - metrics.height() - legendLines * (metrics.height() + 2)));
  for (int y = 0; y < bar.height(); ++y) {
    const double t = bar.height() > 1 ? 1.0 - double(y) / (bar.height() - 1) : 0.5;
    painter.setPen(QColor::fromRgb(m_colormap.colourAt(t)));
    painter.drawLine(bar.left(), bar.top() + y, bar.right(), bar.top() + y);
  }
  painter.setPen(palette().color(QPalette::WindowText));
  painter.drawRect(bar.adjusted(0, 0, -1, -1));
  const int textLeft = bar.right() + kGap;
  const auto label = [&](int y, const QString& text) {
    painter.drawText(QPoint(textLeft, y + metrics.ascent() / 2), text);
  };
  if (m_blocks.finite > 0) {
    label(bar.top(), rangeLabel(m_colormap.max(), m_slice));
    label(bar.bottom(), rangeLabel(m_colormap.min(), m_slice));
    if (m_colormap.kind() == TensorColormap::Kind::Diverging) {
      const double zeroT = 0.5;  // two slopes: 0 sits mid-bar
      const int y = bar.top() + static_cast<int>(std::lround((1.0 - zeroT) * (bar.height() - 1)));
      if (y - bar.top() > metrics.height() && bar.bottom() - y > metrics.height()) label(y, QStringLiteral("0"));
    }
  } else {
    label(bar.top() + bar.height() / 2, tr("no finite values"));
  }
  int y = bar.bottom() + metrics.height() / 2 + 4;
  const auto swatch = [&](const QColor& colour, const QString& text) {
    painter.fillRect(QRect(barLeft, y, kBarWidth, metrics.height() - 2), colour);
    painter.drawText(QPoint(textLeft, y + metrics.ascent() - 1), text);
    y += metrics.height() + 2;
  };
  if (m_blocks.hasNan) swatch(TensorColormap::nanColour(), tr("NaN"));
  if (m_blocks.hasInf) swatch(TensorColormap::infColour(), tr("±Inf"));
}

void TensorHeatmap::mouseMoveEvent(QMouseEvent* event) {
  const QString text = readoutAt(event->position().toPoint());
  if (text.isEmpty())
    QToolTip::hideText();
  else
    QToolTip::showText(event->globalPosition().toPoint(), text, this);
  QWidget::mouseMoveEvent(event);
}

void TensorHeatmap::leaveEvent(QEvent* event) {
  QToolTip::hideText();
  QWidget::leaveEvent(event);
}

}  // namespace td::widgets
