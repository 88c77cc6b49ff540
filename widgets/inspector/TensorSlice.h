#pragma once
// A 2-D window on an N-D tensor: one dimension along the rows, one along the columns,
// every other dimension fixed at an index. Shared by the table model, the heatmap and the
// image grid so they show the same slice. Plain (no Qt widgets); reads values on demand.
#include <QVector>
#include <memory>
#include <vector>

#include "inspector/TensorSnapshot.h"

namespace td::widgets {

/// Which slice to show. A dimension of -1 means "none" (that side has one cell): a 1-D
/// tensor is one column (rowDimension 0, columnDimension -1) or one row (-1, 0); a 0-d
/// tensor is one cell. `index` holds an index per dimension; those of the row and column
/// dimensions are ignored.
struct SliceSelection {
  int rowDimension = -1;
  int columnDimension = -1;
  QVector<qint64> index;

  bool operator==(const SliceSelection&) const = default;
  /// The usual view of a tensor of `rank` dimensions: the last two as rows and columns
  /// (as NumPy prints), a 1-D tensor as one column, a scalar as one cell.
  static SliceSelection defaultFor(int rank);
};

/// Block means of a slice, at most a given size: what one heatmap pixel shows.
struct SliceBlocks {
  int rows = 0, columns = 0;
  /// Row-major, rows × columns: the mean of the finite values of each block; NaN when
  /// the block holds a NaN, ±inf (the first one's sign) when it holds an infinity and no NaN.
  std::vector<double> means;
  double min = 0, max = 0;  ///< over the slice's finite values (not the block means)
  qint64 finite = 0;        ///< finite values in the slice
  bool hasNan = false, hasInf = false;
};

class TensorSlice {
 public:
  TensorSlice() = default;
  /// The slice `selection` of `tensor`, made valid: dimensions out of range fall back to
  /// the default, a column dimension equal to the row one moves to another dimension, and
  /// indices are clamped into their dimension.
  TensorSlice(const TensorSnapshot& tensor, const SliceSelection& selection);

  /// The selection as made valid.
  const SliceSelection& selection() const { return m_selection; }
  const QVector<qint64>& shape() const { return m_shape; }
  int rank() const { return static_cast<int>(m_shape.size()); }
  /// The values, or null when the tensor has none (then rows() and columns() still
  /// describe the slice, but value() must not be called).
  const TensorValues* values() const { return m_values.get(); }
  bool hasValues() const { return m_values != nullptr; }
  /// Cells down and across; 0 rows when a fixed dimension has size 0.
  qint64 rows() const { return m_rows; }
  qint64 columns() const { return m_columns; }
  /// The flat index of cell (row, column); both must be in range.
  qint64 flatIndex(qint64 row, qint64 column) const { return m_base + row * m_rowStride + column * m_columnStride; }
  /// The value of cell (row, column); hasValues() and both in range.
  double value(qint64 row, qint64 column) const { return m_values->at(flatIndex(row, column)); }
  /// The full N-D index of cell (row, column).
  QVector<qint64> fullIndex(qint64 row, qint64 column) const;
  /// "[2, 0, 5]" for cell (row, column); "[]" for a scalar.
  QString indexText(qint64 row, qint64 column) const;

  /// Block means, at most maxRows × maxColumns blocks (each at least 1): cell row r falls
  /// in block row r·outRows/rows (columns alike), so block sizes differ by one cell at
  /// most. Reads every value of the slice once.
  /// Empty (0 × 0) without values or cells.
  SliceBlocks blockMeans(int maxRows, int maxColumns) const;

 private:
  SliceSelection m_selection;
  QVector<qint64> m_shape;
  std::shared_ptr<const TensorValues> m_values;
  qint64 m_rows = 0, m_columns = 0;
  qint64 m_base = 0, m_rowStride = 0, m_columnStride = 0;
};

}  // namespace td::widgets
