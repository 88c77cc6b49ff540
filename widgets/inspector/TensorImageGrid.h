#pragma once
// A 4-D N×C×H×W tensor (conv feature maps, conv weights) as a grid of H×W tiles, one per
// (n, c) in row-major order: one grid row per n when C is at most 32, else wrapped into
// a near-square grid. At most kMaxTiles tiles; a note says how many more there are.
// Every tile uses the same scale, the whole tensor's finite range: grey (black → white)
// when the values do not span 0, diverging blue-white-red when they do (TensorColormap;
// NaN magenta, ±Inf cyan). A tile larger than its cell shows block means. Renders
// lazily at paint; tiles fit the widget, cells kept at H:W.
#include <QImage>
#include <QWidget>

#include "inspector/TensorColormap.h"
#include "inspector/TensorSnapshot.h"

namespace td::widgets {

class TensorImageGrid : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kMaxTiles = 256;

  explicit TensorImageGrid(QWidget* parent = nullptr);

  /// Shows `tensor`; a tensor that is not 4-D or has no values shows a message instead.
  void setTensor(const TensorSnapshot& tensor);
  void clear();

  /// Tiles the tensor has (N × C), and how many are drawn (at most kMaxTiles).
  qint64 tileCount() const { return m_tileCount; }
  int shownTiles() const;
  /// Grid columns and rows for the shown tiles.
  int gridColumns() const;
  int gridRows() const;
  /// Where tile `tile` (0 … shownTiles() - 1, n·C + c) is drawn at the current size.
  QRect tileRect(int tile) const;
  /// "+K more tiles (N × C = T)" when capped; empty otherwise.
  QString moreNote() const;
  /// The shared scale (whole tensor's finite min and max).
  const TensorColormap& colormap() const { return m_colormap; }
  /// What replaces the grid (not 4-D, no values, no elements); empty when it is drawn.
  QString message() const { return m_message; }

  QSize sizeHint() const override { return {480, 360}; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  /// The tile `tile` as an image of at most maxSize (block means).
  QImage tileImage(int tile, QSize maxSize) const;
  QRect gridArea() const;

  TensorSnapshot m_tensor;
  qint64 m_tileCount = 0;
  qint64 m_channels = 0, m_height = 0, m_width = 0;
  QString m_message;
  TensorColormap m_colormap;
  // Tile images for m_cachedSize, made at the first paint after a change.
  mutable QVector<QImage> m_tiles;
  mutable QSize m_cachedSize;
};

}  // namespace td::widgets
