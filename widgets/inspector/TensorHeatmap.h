#pragma once
// The current 2-D slice as a heatmap: one image pixel per block of cells, at most the
// widget's pixel size (each pixel the mean of its block's finite values, so a 4096×4096
// slice draws from one pass over it), scaled up without smoothing when the slice is
// smaller. Colours from TensorColormap: diverging blue-white-red when the slice's values
// span 0, sequential otherwise; NaN magenta and ±Inf cyan (a block holding one shows it).
// A colour bar on the right labels the slice's finite min and max. Hovering shows the
// cell's full index and value as a tooltip. Renders lazily, at the first paint after a
// change of slice or size.
#include <QImage>
#include <QWidget>

#include "inspector/TensorColormap.h"
#include "inspector/TensorSlice.h"

namespace td::widgets {

class TensorHeatmap : public QWidget {
  Q_OBJECT

 public:
  explicit TensorHeatmap(QWidget* parent = nullptr);

  /// Shows `slice` (its values are shared, not copied).
  void setSlice(const TensorSlice& slice);
  const TensorSlice& slice() const { return m_slice; }
  /// Shows nothing, with `message` in place of the map (empty: "no values").
  void clear(const QString& message = {});

  /// Where the map is drawn in the widget, for the current size (empty without cells).
  QRect imageRect() const;
  /// The map at one pixel per block for the current size (rendered now if needed); null
  /// without values or cells.
  const QImage& image() const;
  /// The colours in use (its min and max are the slice's finite range).
  const TensorColormap& colormap() const;
  /// The text shown on hover at `position` (widget pixels): "[2, 0, 5] = 0.5", with the
  /// block's mean when a pixel covers several cells; empty outside the map.
  QString readoutAt(const QPoint& position) const;

  QSize sizeHint() const override { return {400, 300}; }
  QSize minimumSizeHint() const override { return {120, 80}; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  /// The area left of the colour bar, inside the margins.
  QRect mapArea() const;
  void render() const;

  TensorSlice m_slice;
  QString m_message;
  // Rendering cache, made at the first paint (or image()) after a change.
  mutable bool m_dirty = true;
  mutable QRect m_renderedRect;  ///< one pixel per block: a new size is a new image
  mutable QImage m_image;
  mutable SliceBlocks m_blocks;
  mutable TensorColormap m_colormap;
};

}  // namespace td::widgets
