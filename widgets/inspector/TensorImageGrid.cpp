#include "inspector/TensorImageGrid.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

#include "inspector/TensorSlice.h"

namespace td::widgets {
namespace {

constexpr int kMargin = 6;
constexpr int kSpacing = 4;

}  // namespace

TensorImageGrid::TensorImageGrid(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  clear();
}

void TensorImageGrid::clear() {
  m_tensor = TensorSnapshot();
  m_tileCount = m_channels = m_height = m_width = 0;
  m_message = tr("no tensor");
  m_colormap = TensorColormap();
  m_tiles.clear();
  update();
}

void TensorImageGrid::setTensor(const TensorSnapshot& tensor) {
  clear();
  m_tensor = tensor;
  m_message.clear();
  if (tensor.shape.size() != 4) {
    m_message = tr("Images need a 4-D tensor, N × C × H × W; this one is %1.").arg(shapeText(tensor.shape));
  } else if (!tensor.hasValues()) {
    m_message = tensor.unavailableReason();
  } else if (tensor.numel() == 0) {
    m_message = tr("no elements: %1").arg(shapeText(tensor.shape));
  }
  if (!m_message.isEmpty()) return;
  m_tileCount = tensor.shape[0] * tensor.shape[1];
  m_channels = tensor.shape[1];
  m_height = tensor.shape[2];
  m_width = tensor.shape[3];
  const TensorStatsRow stats = tensor.stats.computed ? tensor.stats : computeStatsRow(*tensor.values);
  m_colormap = TensorColormap::forRange(stats.min, stats.max, TensorColormap::Kind::Grey);
}

int TensorImageGrid::shownTiles() const { return static_cast<int>(std::min<qint64>(m_tileCount, kMaxTiles)); }

int TensorImageGrid::gridColumns() const {
  const int shown = shownTiles();
  if (shown == 0) return 0;
  const double side = std::sqrt(double(shown));
  // Whole n's per grid row while C is small, so a row of tiles reads as one n.
  if (m_channels <= 32) return static_cast<int>(m_channels * std::max<qint64>(1, qint64(side / double(m_channels))));
  return static_cast<int>(std::ceil(side));
}

int TensorImageGrid::gridRows() const {
  const int columns = gridColumns();
  return columns == 0 ? 0 : (shownTiles() + columns - 1) / columns;
}

QString TensorImageGrid::moreNote() const {
  if (m_tileCount <= kMaxTiles) return {};
  return tr("+%1 more tiles (N × C = %2 × %3 = %4)")
      .arg(m_tileCount - kMaxTiles)
      .arg(m_tensor.shape[0])
      .arg(m_channels)
      .arg(m_tileCount);
}

QRect TensorImageGrid::gridArea() const {
  const int note = moreNote().isEmpty() ? 0 : fontMetrics().height() + kMargin;
  return rect().adjusted(kMargin, kMargin, -kMargin, -kMargin - note);
}

QRect TensorImageGrid::tileRect(int tile) const {
  const int columns = gridColumns(), rows = gridRows();
  if (tile < 0 || tile >= shownTiles() || columns == 0) return {};
  const QRect area = gridArea();
  const double cellWidth = double(area.width() - (columns - 1) * kSpacing) / columns;
  const double cellHeight = double(area.height() - (rows - 1) * kSpacing) / rows;
  // Keep H:W: the tile is as large as the cell allows in both directions.
  const double scale = std::min(cellWidth / double(m_width), cellHeight / double(m_height));
  const int w = std::max(1, static_cast<int>(double(m_width) * scale));
  const int h = std::max(1, static_cast<int>(double(m_height) * scale));
  return QRect(area.left() + (tile % columns) * (w + kSpacing), area.top() + (tile / columns) * (h + kSpacing), w, h);
}

QImage TensorImageGrid::tileImage(int tile, QSize maxSize) const {
  SliceSelection selection;
  selection.rowDimension = 2;
  selection.columnDimension = 3;
  selection.index = {tile / m_channels, tile % m_channels, 0, 0};
  const SliceBlocks blocks = TensorSlice(m_tensor, selection).blockMeans(maxSize.height(), maxSize.width());
  QImage image(blocks.columns, blocks.rows, QImage::Format_RGB32);
  for (int r = 0; r < blocks.rows; ++r) {
    auto* line = reinterpret_cast<QRgb*>(image.scanLine(r));
    for (int c = 0; c < blocks.columns; ++c)
      line[c] = m_colormap.colour(blocks.means[std::size_t(r) * std::size_t(blocks.columns) + std::size_t(c)]);
  }
  return image;
}

void TensorImageGrid::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  if (!m_message.isEmpty()) {
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(rect().adjusted(kMargin, kMargin, -kMargin, -kMargin), Qt::AlignCenter | Qt::TextWordWrap,
                     m_message);
    return;
  }
  const QSize tileSize = tileRect(0).size();
  if (tileSize != m_cachedSize || m_tiles.size() != shownTiles()) {
    m_tiles.clear();
    for (int tile = 0; tile < shownTiles(); ++tile) m_tiles.push_back(tileImage(tile, tileSize));
    m_cachedSize = tileSize;
  }
  painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
  for (int tile = 0; tile < m_tiles.size(); ++tile) painter.drawImage(tileRect(tile), m_tiles[tile]);
  const QString note = moreNote();
  if (!note.isEmpty()) {
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRect(kMargin, gridArea().bottom() + kMargin, width() - 2 * kMargin, fontMetrics().height()),
                     Qt::AlignLeft | Qt::AlignVCenter, note);
  }
}

void TensorImageGrid::mouseMoveEvent(QMouseEvent* event) {
  const QPoint position = event->position().toPoint();
  for (int tile = 0; tile < shownTiles(); ++tile) {
    const QRect r = tileRect(tile);
    if (!r.contains(position)) continue;
    const qint64 h = std::min<qint64>(m_height - 1, qint64(double(position.y() - r.top()) / r.height() * m_height));
    const qint64 w = std::min<qint64>(m_width - 1, qint64(double(position.x() - r.left()) / r.width() * m_width));
    const QVector<qint64> index{tile / m_channels, tile % m_channels, h, w};
    const qint64 flat = ((index[0] * m_channels + index[1]) * m_height + h) * m_width + w;
    QToolTip::showText(event->globalPosition().toPoint(),
                       shapeText(index) + QStringLiteral(" = ") + formatTensorValue(*m_tensor.values, flat, true),
                       this);
    return;
  }
  QToolTip::hideText();
}

}  // namespace td::widgets
