#pragma once
// The recorded tape as a table, one row per entry: #, Op, Direction, Shapes, Scope,
// Line. Made for a live view: a tape that only grew is appended to, not reset, so the
// view keeps its scroll position and selection. One entry can be marked current (the
// one the debugger stands on) and is highlighted. GUI thread only.
#include <QAbstractTableModel>
#include <QHash>
#include <QList>

#include "models/DebugRows.h"

namespace td::widgets {

class TapeListModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { IdColumn, OpColumn, DirectionColumn, ShapesColumn, ScopeColumn, LineColumn, ColumnCount };
  enum Role {
    EntryIdRole = Qt::UserRole + 1,  ///< the entry's id (quint64)
    FileRole,                        ///< the full source path (QString)
    LineRole,                        ///< the 1-based source line (int)
    BackwardRole,                    ///< whether it is a backward entry (bool)
    IterationRole,                   ///< the training iteration (quint64)
    CurrentRole,                     ///< whether it is the current entry (bool)
  };

  explicit TapeListModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  /// Display: the id, op, "forward" or "backward", shapes, scope and "file.py:12" (file
  /// name only). ToolTip: the full "path:line" in the Line column, the text in Shapes and
  /// Scope. Background: a highlight on the current entry. The roles above in every column.
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  /// Shows `rows`; ids must be unique. When the current rows' ids are a prefix of the new
  /// rows' ids, only the new rows are inserted (rowsInserted) and prefix rows whose other
  /// fields changed are reported with dataChanged; otherwise the model resets. Compares
  /// every current row, so O(rowCount()).
  void setRows(QList<TapeRow> rows);
  /// Removes all rows (a model reset); the current entry id is kept.
  void clear();
  const QList<TapeRow>& rows() const { return m_rows; }
  /// The entry at `row`, which must be in [0, rowCount()).
  const TapeRow& row(int row) const;
  /// The row of the entry with `id`, or -1 when there is none.
  int rowOfEntry(quint64 id) const;

  /// Marks the entry with `id` current (0: none). The id may be absent: it is marked
  /// when a row with it arrives. Emits dataChanged for the old and new current rows only.
  void setCurrentEntry(quint64 id);
  quint64 currentEntry() const { return m_currentEntry; }

 private:
  bool isCurrent(const TapeRow& entry) const {
    return m_currentEntry != 0 && entry.id == m_currentEntry;
  }
  void emitRowChanged(int row, const QList<int>& roles);
  void indexRows(qsizetype from);

  QList<TapeRow> m_rows;
  QHash<quint64, int> m_rowOfId;
  quint64 m_currentEntry = 0;
};

}  // namespace td::widgets
