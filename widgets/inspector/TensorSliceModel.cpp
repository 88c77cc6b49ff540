#include "inspector/TensorSliceModel.h"

#include <algorithm>
#include <limits>

namespace td::widgets {
namespace {

/// Qt's views count rows and columns in int.
int clampToInt(qint64 n) { return static_cast<int>(std::min<qint64>(n, std::numeric_limits<int>::max())); }

}  // namespace

TensorSliceModel::TensorSliceModel(QObject* parent) : QAbstractTableModel(parent) {}

void TensorSliceModel::setTensor(TensorSnapshot tensor) {
  const int rank = static_cast<int>(tensor.shape.size());
  const SliceSelection previous = m_slice.selection();
  const bool fits = m_hasTensor && previous.index.size() == rank;
  beginResetModel();
  m_tensor = std::move(tensor);
  m_hasTensor = true;
  m_slice = TensorSlice(m_tensor, fits ? previous : SliceSelection::defaultFor(rank));
  endResetModel();
  emit selectionChanged(m_slice.selection());
}

void TensorSliceModel::clear() {
  beginResetModel();
  m_tensor = TensorSnapshot();
  m_slice = TensorSlice();
  m_hasTensor = false;
  endResetModel();
}

QString TensorSliceModel::unavailableReason() const {
  return m_hasTensor ? m_tensor.unavailableReason() : QString();
}

void TensorSliceModel::setSelection(const SliceSelection& selection) {
  const TensorSlice next(m_tensor, selection);
  if (next.selection() == m_slice.selection()) return;
  const SliceSelection& now = m_slice.selection();
  const bool sameAxes = next.selection().rowDimension == now.rowDimension &&
                        next.selection().columnDimension == now.columnDimension && next.rows() == m_slice.rows() &&
                        next.columns() == m_slice.columns();
  if (sameAxes) {
    // Only a fixed index moved: same cells, new values.
    m_slice = next;
    if (rowCount() > 0 && columnCount() > 0)
      emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
  } else {
    beginResetModel();
    m_slice = next;
    endResetModel();
  }
  emit selectionChanged(m_slice.selection());
}

void TensorSliceModel::setRowDimension(int dimension) {
  SliceSelection selection = m_slice.selection();
  if (dimension == selection.rowDimension) return;
  // Picking the column dimension for the rows swaps the two.
  if (dimension == selection.columnDimension) selection.columnDimension = selection.rowDimension;
  selection.rowDimension = dimension;
  setSelection(selection);
}

void TensorSliceModel::setColumnDimension(int dimension) {
  SliceSelection selection = m_slice.selection();
  if (dimension == selection.columnDimension) return;
  if (dimension == selection.rowDimension) selection.rowDimension = selection.columnDimension;
  selection.columnDimension = dimension;
  setSelection(selection);
}

void TensorSliceModel::setIndex(int dimension, qint64 index) {
  SliceSelection selection = m_slice.selection();
  if (dimension < 0 || dimension >= selection.index.size()) return;
  selection.index[dimension] = index;
  setSelection(selection);
}

int TensorSliceModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !m_slice.hasValues()) return 0;
  return clampToInt(m_slice.rows());
}

int TensorSliceModel::columnCount(const QModelIndex& parent) const {
  if (parent.isValid() || !m_slice.hasValues()) return 0;
  return clampToInt(m_slice.columns());
}

QVariant TensorSliceModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) return {};
  const qint64 flat = m_slice.flatIndex(index.row(), index.column());
  const TensorValues& values = *m_slice.values();
  switch (role) {
    case Qt::DisplayRole: return formatTensorValue(values, flat);
    case Qt::ToolTipRole:
      return m_slice.indexText(index.row(), index.column()) + QStringLiteral(" = ") +
             formatTensorValue(values, flat, /*fullPrecision=*/true);
    case Qt::TextAlignmentRole:
      return values.type() == TensorValues::Type::Bool ? QVariant(int(Qt::AlignCenter))
                                                        : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    case ValueRole: return values.at(flat);
    case FlatIndexRole: return flat;
    case FullIndexRole: return QVariant::fromValue(QList<qint64>(m_slice.fullIndex(index.row(), index.column())));
    default: return {};
  }
}

QVariant TensorSliceModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (role != Qt::DisplayRole || section < 0) return {};
  const bool horizontal = orientation == Qt::Horizontal;
  if (section >= (horizontal ? columnCount() : rowCount())) return {};
  const int dimension = horizontal ? m_slice.selection().columnDimension : m_slice.selection().rowDimension;
  if (dimension >= 0) return QString::number(section);
  return horizontal ? QVariant(tr("value")) : QVariant();
}

}  // namespace td::widgets
