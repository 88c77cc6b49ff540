#pragma once
// The variables of the selected frame as a flat table: Name, Value, Type, Shape,
// Statistics. Globals are drawn grey. GUI thread only.
#include <QAbstractTableModel>
#include <QList>

#include "models/DebugRows.h"

namespace td::widgets {

class VariablesModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { NameColumn, ValueColumn, TypeColumn, ShapeColumn, StatisticsColumn, ColumnCount };
  enum Role {
    /// The row's scope, "local" or "global" (QString), in every column.
    ScopeRole = Qt::UserRole + 1,
  };

  /// Values longer than this, or spanning several lines, are cut in the Value column
  /// (with "…"); the tooltip has them whole.
  static constexpr int MaximumShownValueLength = 200;

  explicit VariablesModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  /// Display: the fields (Shape shows the shape then the dtype, "[3, 2] float32").
  /// ToolTip: the full value; in the Statistics column the full statistics.
  /// Foreground: grey for globals, none for locals. ScopeRole: the scope.
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  /// Replaces all rows (a model reset), in the given order.
  void setVariables(QList<VariableRow> variables);
  /// Removes all rows (a model reset).
  void clear();
  /// The row's variable; `row` must be in [0, rowCount()).
  const VariableRow& row(int row) const;
  const QList<VariableRow>& variables() const { return m_variables; }

 private:
  QList<VariableRow> m_variables;
};

}  // namespace td::widgets
