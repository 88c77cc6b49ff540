#pragma once
// Time travel over the recorded tape: every position the recorder keeps, in the order the
// program ran them (each iteration's forward entries, then its backward steps), and a view
// cursor over them. The cursor is where the views look (graph highlight, inspector,
// editor line); the live position is where execution stands (the pause). Moving the
// cursor never moves execution: Continue resumes from the live position. Qt Core only,
// tested without rendering. GUI thread.
#include <QObject>
#include <QString>
#include <QVector>

namespace td::widgets {

struct TimelinePosition {
  quint64 entryId = 0;
  bool backward = false;  ///< the entry's backward step (else its forward op)
  quint64 iteration = 0;  ///< the engine's iteration number
  QString op;
  QString file;
  int line = 0;

  friend bool operator==(const TimelinePosition&, const TimelinePosition&) = default;
};

class TimelineModel : public QObject {
  Q_OBJECT

 public:
  explicit TimelineModel(QObject* parent = nullptr);

  /// Replaces the positions. A cursor that follows (at the live position, or at the newest
  /// when there is none) goes to the new live one (or the newest); one the user moved back
  /// stays on its position while it is still there. `live` is the index of the position
  /// execution stands on, -1 for none.
  void setPositions(QVector<TimelinePosition> positions, int live);
  void clear();
  int count() const { return static_cast<int>(m_positions.size()); }
  const TimelinePosition& at(int index) const { return m_positions[index]; }
  const QVector<TimelinePosition>& positions() const { return m_positions; }
  /// The index of (entryId, backward), -1 when absent.
  int indexOf(quint64 entryId, bool backward) const;

  int cursor() const { return m_cursor; }
  int live() const { return m_live; }
  bool atLive() const { return m_cursor == m_live; }
  /// Moves the cursor (clamped); emits cursorChanged when it moved.
  void setCursor(int index);
  /// One position back / forward; false at the ends.
  bool stepBack();
  bool stepForward();
  /// To the live position, or the newest when execution stands on none.
  void goLive() { setCursor(m_live >= 0 ? m_live : count() - 1); }
  /// "iteration 3 · #812 matmul (backward) · 120 of 400", or "" when empty.
  QString describe(int index) const;

 signals:
  void positionsChanged();
  void cursorChanged(int index);

 private:
  QVector<TimelinePosition> m_positions;
  int m_cursor = -1;
  int m_live = -1;
  bool m_following = true;
};

}  // namespace td::widgets
