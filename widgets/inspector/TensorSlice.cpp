#include "inspector/TensorSlice.h"

#include <QStringList>
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

namespace td::widgets {

SliceSelection SliceSelection::defaultFor(int rank) {
  SliceSelection selection;
  if (rank >= 2) {
    selection.rowDimension = rank - 2;
    selection.columnDimension = rank - 1;
  } else if (rank == 1) {
    selection.rowDimension = 0;
  }
  selection.index.fill(0, std::max(rank, 0));
  return selection;
}

TensorSlice::TensorSlice(const TensorSnapshot& tensor, const SliceSelection& selection)
    : m_selection(selection), m_shape(tensor.shape) {
  if (tensor.hasValues()) m_values = tensor.values;
  const int rank = this->rank();
  SliceSelection& s = m_selection;
  const auto valid = [rank](int d) { return d >= -1 && d < rank; };
  if (rank == 0) {
    s.rowDimension = s.columnDimension = -1;
  } else if (!valid(s.rowDimension) || !valid(s.columnDimension) ||
             (s.rowDimension == -1 && s.columnDimension == -1)) {
    const SliceSelection fallback = SliceSelection::defaultFor(rank);
    s.rowDimension = fallback.rowDimension;
    s.columnDimension = fallback.columnDimension;
  } else if (s.rowDimension == s.columnDimension) {
    // The row dimension was just chosen: the columns move to another dimension.
    s.columnDimension = rank == 1 ? -1 : (s.rowDimension == rank - 1 ? rank - 2 : rank - 1);
  }
  s.index.resize(rank);
  const QVector<qint64> strides = contiguousStrides(m_shape);
  bool emptyFixed = false;
  for (int d = 0; d < rank; ++d) {
    const qint64 size = m_shape[d];
    if (d == s.rowDimension || d == s.columnDimension) {
      s.index[d] = 0;
      continue;
    }
    if (size <= 0) emptyFixed = true;
    s.index[d] = std::clamp<qint64>(s.index[d], 0, std::max<qint64>(size - 1, 0));
    m_base += s.index[d] * strides[d];
  }
  const auto extent = [this](int d) { return d < 0 ? qint64(1) : std::max<qint64>(m_shape[d], 0); };
  m_rows = emptyFixed ? 0 : extent(s.rowDimension);
  m_columns = extent(s.columnDimension);
  m_rowStride = s.rowDimension < 0 ? 0 : strides[s.rowDimension];
  m_columnStride = s.columnDimension < 0 ? 0 : strides[s.columnDimension];
}

QVector<qint64> TensorSlice::fullIndex(qint64 row, qint64 column) const {
  QVector<qint64> index = m_selection.index;
  if (m_selection.rowDimension >= 0) index[m_selection.rowDimension] = row;
  if (m_selection.columnDimension >= 0) index[m_selection.columnDimension] = column;
  return index;
}

QString TensorSlice::indexText(qint64 row, qint64 column) const { return shapeText(fullIndex(row, column)); }

SliceBlocks TensorSlice::blockMeans(int maxRows, int maxColumns) const {
  SliceBlocks blocks;
  if (!m_values || m_rows == 0 || m_columns == 0) return blocks;
  blocks.rows = static_cast<int>(std::min<qint64>(m_rows, std::max(maxRows, 1)));
  blocks.columns = static_cast<int>(std::min<qint64>(m_columns, std::max(maxColumns, 1)));
  const std::size_t cells = std::size_t(blocks.rows) * std::size_t(blocks.columns);
  std::vector<double> sums(cells, 0.0);
  std::vector<qint64> counts(cells, 0);
  // Per block: 0 all finite so far, 1 +inf seen, 2 -inf seen, 3 NaN seen (wins).
  std::vector<std::uint8_t> nonFinite(cells, 0);
  std::vector<int> columnBlock(static_cast<std::size_t>(m_columns));
  for (qint64 c = 0; c < m_columns; ++c)
    columnBlock[std::size_t(c)] = static_cast<int>(c * blocks.columns / m_columns);
  double min = std::numeric_limits<double>::infinity(), max = -min;
  qint64 finite = 0;
  m_values->visit([&](const auto& data) {
    using T = typename std::decay_t<decltype(data)>::value_type;
    for (qint64 r = 0; r < m_rows; ++r) {
      const std::size_t rowBlock = std::size_t(r * blocks.rows / m_rows) * std::size_t(blocks.columns);
      double* sum = sums.data() + rowBlock;
      qint64* count = counts.data() + rowBlock;
      std::uint8_t* flag = nonFinite.data() + rowBlock;
      qint64 flat = m_base + r * m_rowStride;
      for (qint64 c = 0; c < m_columns; ++c, flat += m_columnStride) {
        const double x = static_cast<double>(data[static_cast<std::size_t>(flat)]);
        const int b = columnBlock[std::size_t(c)];
        if constexpr (std::is_floating_point_v<T>) {
          if (!std::isfinite(x)) {
            if (std::isnan(x))
              flag[b] = 3;
            else if (flag[b] == 0)
              flag[b] = x > 0 ? 1 : 2;
            continue;
          }
        }
        sum[b] += x;
        ++count[b];
        min = std::min(min, x);
        max = std::max(max, x);
        ++finite;
      }
    }
  });
  blocks.means.resize(cells);
  for (std::size_t i = 0; i < cells; ++i) {
    switch (nonFinite[i]) {
      case 3: blocks.means[i] = std::numeric_limits<double>::quiet_NaN(); blocks.hasNan = true; break;
      case 1: blocks.means[i] = std::numeric_limits<double>::infinity(); blocks.hasInf = true; break;
      case 2: blocks.means[i] = -std::numeric_limits<double>::infinity(); blocks.hasInf = true; break;
      default: blocks.means[i] = sums[i] / static_cast<double>(counts[i]); break;
    }
  }
  blocks.finite = finite;
  if (finite > 0) {
    blocks.min = min;
    blocks.max = max;
  }
  return blocks;
}

}  // namespace td::widgets
