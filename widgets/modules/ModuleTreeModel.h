#pragma once
// The model's modules as a tree built from the rows' dotted paths: Module, Type,
// Parameters, Output, Params mem, Grads mem, Optimizer mem, Saved for backward. The
// number columns show subtree totals (the module's own plus its descendants'). A row whose
// parent path is missing hangs under its nearest existing ancestor ("layers.0.attn" under
// the root when "layers" and "layers.0" are absent), or at the top level when none exists.
// Made for a live view: new numbers for the same modules are a dataChanged, not a reset,
// so expansion and selection survive a refresh. GUI thread only.
#include <QAbstractItemModel>
#include <QHash>
#include <QList>

#include "modules/ModuleRows.h"

namespace td::widgets {

class ModuleTreeModel : public QAbstractItemModel {
  Q_OBJECT

 public:
  enum Column {
    ModuleColumn,
    TypeColumn,
    ParametersColumn,
    OutputColumn,
    ParameterBytesColumn,
    GradientBytesColumn,
    OptimizerBytesColumn,
    SavedBytesColumn,
    ColumnCount
  };
  enum Role {
    PathRole = Qt::UserRole + 1,  ///< the module's full path (QString), every column
    /// The column's value for sorting: the subtree total (qint64) in the number columns,
    /// the displayed text (QString) in the others.
    ValueRole,
    /// The module's own value (qint64) in the number columns; invalid in the others.
    OwnValueRole,
  };

  /// Sums over a subtree (or the whole model) of the rows' number fields.
  struct Totals {
    qint64 parameters = 0;
    qint64 parameterBytes = 0;
    qint64 gradientBytes = 0;
    qint64 optimizerBytes = 0;
    qint64 savedBytes = 0;

    friend bool operator==(const Totals&, const Totals&) = default;
  };

  /// Bytes for people, in binary units with the usual short names: below 1024 the exact
  /// count ("0 B", "512 B", "1023 B"), else one decimal in KB, MB, GB, TB, where 1 KB is
  /// 1024 B ("1.5 KB" for 1536, "2.0 MB" for 2 MiB). A value that would round to "1024.0"
  /// moves up a unit. Negative values get a "-". Not localised: the same text everywhere.
  static QString formatBytes(qint64 bytes);
  /// An exact count with ',' between thousands: "0", "999", "1,234,567". Not localised.
  static QString formatCount(qint64 count);

  explicit ModuleTreeModel(QObject* parent = nullptr);

  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  /// Display: Module shows the path relative to the shown parent (the last component when
  /// the parent path exists), or the type for the root; Parameters the subtree total with
  /// thousands separators; the memory columns the subtree total as formatBytes. ToolTip:
  /// in Module the full path, type and own parameter shapes; in the number columns the exact
  /// total and its own/children split. TextAlignment: right in the number columns. And the
  /// roles above.
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

  /// Shows `rows`, whose paths should be unique (for a repeated path the first row wins).
  /// Siblings keep the rows' order. When the set of paths is the current one (in any
  /// order) the tree keeps its shape and only the modules whose shown values changed are
  /// reported with dataChanged (the ancestors of a changed module included); otherwise the
  /// model resets.
  void setRows(QList<ModuleRow> rows);
  /// Removes all modules (a model reset when there were any).
  void clear();
  /// The shown rows: repeated paths dropped, in the tree's order of creation.
  const QList<ModuleRow>& rows() const { return m_rows; }
  /// The index of the module at `path` in `column`; invalid when there is none.
  QModelIndex indexOfPath(const QString& path, int column = ModuleColumn) const;
  /// The row of the module at `path`, or nullptr when there is none.
  const ModuleRow* rowForPath(const QString& path) const;
  /// The sums over every module.
  const Totals& totals() const { return m_totals; }
  /// The sums over the subtree at `index` (the module and its descendants); zero for an
  /// invalid index.
  Totals subtreeTotals(const QModelIndex& index) const;

 private:
  struct Node {
    int parent = -1;  ///< node index; -1 for a top-level module
    int row = 0;      ///< the row among its siblings
    QList<int> children;
    QString label;    ///< the Module column's text
    Totals subtree;
  };
  /// The shape and sums of a set of rows; node i shows rows[i].
  struct Tree {
    QList<ModuleRow> rows;
    QList<Node> nodes;
    QList<int> topLevel;
    QHash<QString, int> nodeOfPath;
    Totals totals;
  };
  static Tree buildTree(QList<ModuleRow> rows);
  int nodeOf(const QModelIndex& index) const { return int(index.internalId()); }

  QList<ModuleRow> m_rows;
  QList<Node> m_nodes;
  QList<int> m_topLevel;
  QHash<QString, int> m_nodeOfPath;
  Totals m_totals;
};

}  // namespace td::widgets
