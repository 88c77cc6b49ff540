#pragma once
// The Breakpoints dock: every breakpoint in one table (lines with their enabled box and
// an editable condition, ops, modules) and the data breakpoints (first NaN/Inf, gradient
// norm above a threshold). Edits go to the BreakpointStore, which is the truth.
#include <QWidget>

class QCheckBox;
class QDoubleSpinBox;
class QTableWidget;

namespace td::app {

class BreakpointStore;
class Prompter;

class BreakpointsPanel : public QWidget {
  Q_OBJECT

 public:
  BreakpointsPanel(BreakpointStore* store, Prompter* prompter, QWidget* parent = nullptr);
  QTableWidget* table() const { return m_table; }
  QCheckBox* nonFiniteBox() const { return m_nonFinite; }

 signals:
  /// A line breakpoint row was activated: show that line.
  void lineActivated(const QString& file, int line);

 public slots:
  void refresh();
  void addOp();
  void addModule();
  void removeSelected();

 private:
  void onItemChanged(int row, int column);
  BreakpointStore* m_store;
  Prompter* m_prompter;
  QTableWidget* m_table;
  QCheckBox* m_nonFinite;
  QCheckBox* m_gradNorm;
  QDoubleSpinBox* m_gradNormThreshold;
  bool m_refreshing = false;
  /// An edit of a cell is going to the store: the table is rebuilt after it, not while
  /// the cell's editor is still closing.
  bool m_applying = false;
};

}  // namespace td::app
