#pragma once
// The dimension pickers of the tensor inspector: a combo box for the dimension along the
// rows, one for the columns ("—" for none), and a spin box with the index of every other
// dimension. Edits come out as a whole SliceSelection; the inspector applies it to the
// table and heatmap models and echoes the made-valid selection back with setSelection.
#include <QVector>
#include <QWidget>

#include "inspector/TensorSlice.h"

class QComboBox;
class QHBoxLayout;
class QSpinBox;

namespace td::widgets {

class TensorSliceControls : public QWidget {
  Q_OBJECT

 public:
  explicit TensorSliceControls(QWidget* parent = nullptr);

  /// Rebuilds the pickers for `shape` (no signal); the selection should be set next.
  void setShape(const QVector<qint64>& shape);
  /// Shows `selection` (made valid for the shape), emitting nothing.
  void setSelection(const SliceSelection& selection);
  const SliceSelection& selection() const { return m_selection; }

  QComboBox* rowBox() const { return m_rowBox; }
  QComboBox* columnBox() const { return m_columnBox; }
  /// The spin box of dimension `dimension`; null for the row and column dimensions
  /// (hidden) or out of range.
  QSpinBox* indexBox(int dimension) const;

 signals:
  /// The user picked another dimension or index. Picking the other box's dimension swaps.
  void selectionEdited(const td::widgets::SliceSelection& selection);

 private:
  void emitEdited();

  QVector<qint64> m_shape;
  SliceSelection m_selection;
  QComboBox* m_rowBox;
  QComboBox* m_columnBox;
  QHBoxLayout* m_indexLayout;
  QVector<QWidget*> m_indexCells;  ///< per dimension: a label and its spin box
  QVector<QSpinBox*> m_indexBoxes;
  bool m_updating = false;
};

}  // namespace td::widgets
