#pragma once
// The tape graph with its tools: search (by op, parameter or module; Enter goes to the
// next match), the colour encoding with its legend, fit / 100%, follow the current entry,
// the node card for learners. Emits the entry or tensor the user picked, so the IDE can
// select it everywhere (inspector, editor line, tape list).
#include <QWidget>

#include "graph/TapeGraphModel.h"
#include "graph/TapeGraphView.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QToolButton;

namespace td::widgets {

class TapeGraphPanel : public QWidget {
  Q_OBJECT

 public:
  explicit TapeGraphPanel(QWidget* parent = nullptr);

  TapeGraphModel* model() const { return m_model; }
  TapeGraphView* view() const { return m_view; }
  QLineEdit* searchField() const { return m_search; }
  QComboBox* colourField() const { return m_colour; }

  /// Selects the node of entry `entryId` without emitting; false when the graph has none.
  bool selectEntry(quint64 entryId);
  /// Runs the search and goes to the first match after the selection; returns the
  /// number of matches.
  int search(const QString& text);

 signals:
  /// The user clicked an op node (its entry) or a leaf (its tensor; entryId 0).
  void entrySelected(quint64 entryId);
  void tensorSelected(quint64 tensorId);
  /// Double-click: go to the node's source line.
  void sourceRequested(const QString& file, int line);

 private:
  void onNodeSelected(int node);

  TapeGraphModel* m_model;
  TapeGraphView* m_view;
  QLineEdit* m_search;
  QLabel* m_matches;
  QComboBox* m_colour;
  int m_lastMatch = -1;
};

}  // namespace td::widgets
