#pragma once
// The time-travel bar under the graph: a slider over TimelineModel's positions, back and
// forward buttons, where the cursor is, and Live to return to where execution stands.
#include <QWidget>

#include "timeline/TimelineModel.h"

class QLabel;
class QSlider;
class QToolButton;

namespace td::widgets {

class TimelineBar : public QWidget {
  Q_OBJECT

 public:
  explicit TimelineBar(QWidget* parent = nullptr);
  TimelineModel* model() const { return m_model; }
  QSlider* slider() const { return m_slider; }
  QString text() const;
  /// What the bar says while no position is listed (empty: "nothing recorded yet"); a
  /// running script's app says that positions come when it pauses.
  void setEmptyText(const QString& text);

 private:
  void sync();

  TimelineModel* m_model;
  QSlider* m_slider;
  QToolButton* m_back;
  QToolButton* m_forward;
  QToolButton* m_live;
  QLabel* m_label;
  QString m_emptyText;
};

}  // namespace td::widgets
