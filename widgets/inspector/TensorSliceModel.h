#pragma once
// A 2-D slice of an N-D tensor as a table (TensorSlice: a row dimension, a column
// dimension, an index for every other one). Virtual: data() reads the one value asked
// for, nothing is stored per cell, so a 4096×4096 tensor opens at once. A 0-d tensor is
// one cell, a 1-D one a column (or a row). Without values the model has no rows, and
// unavailableReason() says why. Headless: tested under QAbstractItemModelTester.
#include <QAbstractTableModel>

#include "inspector/TensorSlice.h"
#include "inspector/TensorSnapshot.h"

namespace td::widgets {

class TensorSliceModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Role {
    ValueRole = Qt::UserRole + 1,  ///< the value as a double (int64 beyond 2^53 rounded)
    FlatIndexRole,                 ///< the row-major flat index into the tensor (qint64)
    FullIndexRole,                 ///< the N-D index (QList<qint64>)
  };

  explicit TensorSliceModel(QObject* parent = nullptr);

  /// Shows `tensor` (a model reset). The selection is kept when it still fits the
  /// tensor's rank, else it becomes SliceSelection::defaultFor(rank).
  void setTensor(TensorSnapshot tensor);
  /// Shows nothing (no tensor, no reason).
  void clear();
  const TensorSnapshot& tensor() const { return m_tensor; }
  const TensorSlice& slice() const { return m_slice; }
  /// Whether the tensor's values are there; unavailableReason() otherwise.
  bool hasValues() const { return m_slice.hasValues(); }
  /// Why there are no rows ("dropped by the recorder's memory budget"); empty when the
  /// values are there or no tensor is set.
  QString unavailableReason() const;

  /// The selection as made valid (TensorSlice). A change of row or column dimension
  /// resets the model; a change of the other indices only emits dataChanged.
  const SliceSelection& selection() const { return m_slice.selection(); }
  void setSelection(const SliceSelection& selection);
  void setRowDimension(int dimension);
  void setColumnDimension(int dimension);
  /// The index of fixed dimension `dimension` (clamped into it).
  void setIndex(int dimension, qint64 index);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  /// Display: the value as formatTensorValue writes it ("nan", "-inf", "42", "true").
  /// ToolTip: "[2, 0, 5] = <value at full precision>". TextAlignment: right for numbers.
  /// And the roles above.
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  /// The index along the row or column dimension; "value" over the single column of a
  /// tensor without a column dimension (1-D, 0-d), nothing beside a single row.
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 signals:
  /// The selection changed (after the model was updated), from any setter.
  void selectionChanged(const td::widgets::SliceSelection& selection);

 private:
  TensorSnapshot m_tensor;
  TensorSlice m_slice;
  bool m_hasTensor = false;
};

}  // namespace td::widgets
