#pragma once
// The module and memory view: a memory line and a stacked bar (parameters, gradients,
// optimizer state, saved for backward and the rest of the iteration's peak, with a legend)
// above the module tree (ModuleTreeModel). Selecting a module emits its path, for the graph
// to highlight the module's group. Without modules it shows a hint to run a script.
// A live refresh keeps the expansion and the selection; GUI thread only.
#include <QColor>
#include <QList>
#include <QWidget>

#include "modules/ModuleRows.h"

class QLabel;
class QStackedWidget;
class QTreeView;

namespace td::widgets {

class ModuleTreeModel;

namespace detail {
class MemoryBar;
}

class ModuleView : public QWidget {
  Q_OBJECT

 public:
  /// One part of the memory bar.
  struct MemorySegment {
    QString label;  ///< "Parameters", "Gradients", "Optimizer state", "Saved for backward", "Other"
    qint64 bytes = 0;
    QColor colour;
  };

  explicit ModuleView(QWidget* parent = nullptr);

  /// Shows `rows` (see ModuleTreeModel::setRows). After a reset the tree is expanded to
  /// depth 2 (the root, its children and grandchildren show), modules that were expanded
  /// and still exist are expanded again, the selected module is selected again when it still
  /// exists (without moduleSelected) and selectionCleared is emitted when it does not.
  void setRows(QList<ModuleRow> rows);
  /// What the view says while it has no module (empty: the default, to run or pause a script).
  void setEmptyText(const QString& text);
  /// Shows the iteration's memory measurement.
  void setMemory(const MemorySummary& memory);
  /// Selects the module at `path`, expanding its ancestors and scrolling to it; emits no
  /// moduleSelected (so a selection mirrored from the graph is not echoed back). False,
  /// with the selection unchanged, when there is no such module.
  bool selectPath(const QString& path);
  /// Removes the modules and the memory measurement: the empty state shows.
  void clear();

  ModuleTreeModel* model() const { return m_model; }
  QTreeView* treeView() const { return m_tree; }
  const MemorySummary& memory() const { return m_memory; }
  bool hasSelection() const;
  /// The selected module's path ("" is the root's); empty without a selection.
  QString selectedPath() const;
  /// Whether the "run or pause a script" hint shows instead of the tree.
  bool isEmptyStateShown() const;
  QString emptyStateText() const;
  /// The memory line: "Iteration 12: peak 2.0 MB · saved for backward peak 512 B ·
  /// recorder 1.5 KB", or "Memory not measured yet".
  QString memoryText() const;
  /// The bar's parts, left to right: Parameters, Gradients and Optimizer state (the module
  /// totals), Saved for backward (the iteration's peak when measured, else the modules'
  /// total of the last forward), then Other (the rest of the peak tensor memory) when the
  /// measured peak exceeds the others' sum.
  QList<MemorySegment> memorySegments() const;
  /// The legend as plain text: "Parameters 1.5 KB · Gradients 0 B · ...".
  QString legendText() const;

 signals:
  /// The user selected the module at `path` ("" for the root).
  void moduleSelected(const QString& path);
  /// The selection went away (the user's, or a refresh dropped the selected module).
  void selectionCleared();

 private:
  void onSelectionChanged();
  void rememberViewState();
  void restoreViewState();
  void refreshMemory();
  void refreshEmptyState();
  void selectSilently(const QString& path);

  ModuleTreeModel* m_model;
  QTreeView* m_tree;
  QStackedWidget* m_stack;
  QLabel* m_emptyLabel;
  QWidget* m_content;
  QLabel* m_memoryLabel;
  detail::MemoryBar* m_bar;
  QLabel* m_legendLabel;
  MemorySummary m_memory;
  bool m_selectingSilently = false;
  // Saved across a model reset.
  QStringList m_expandedPaths;
  bool m_hadSelection = false;
  QString m_selectedPathBeforeReset;
  bool m_resetting = false;  ///< between modelAboutToBeReset and modelReset
};

}  // namespace td::widgets
