#include "timeline/TimelineModel.h"

#include <algorithm>

namespace td::widgets {

TimelineModel::TimelineModel(QObject* parent) : QObject(parent) {}

void TimelineModel::setPositions(QVector<TimelinePosition> positions, int live) {
  const bool hadCursor = m_cursor >= 0 && m_cursor < m_positions.size();
  const TimelinePosition old = hadCursor ? m_positions[m_cursor] : TimelinePosition{};
  const bool following = m_following || !hadCursor;
  m_positions = std::move(positions);
  m_live = live >= 0 && live < count() ? live : -1;
  int next = count() - 1;
  if (m_live >= 0) next = m_live;
  // A user looking back in time stays where they are while the data refreshes.
  if (!following) {
    const int same = indexOf(old.entryId, old.backward);
    if (same >= 0) next = same;
  }
  const int before = m_cursor;
  m_cursor = next;
  m_following = following || m_cursor == (m_live >= 0 ? m_live : count() - 1);
  emit positionsChanged();
  if (before != m_cursor || !hadCursor || (hadCursor && m_cursor >= 0 && !(m_positions[m_cursor] == old)))
    emit cursorChanged(m_cursor);
}

void TimelineModel::clear() { setPositions({}, -1); }

int TimelineModel::indexOf(quint64 entryId, bool backward) const {
  for (int i = 0; i < count(); ++i)
    if (m_positions[i].entryId == entryId && m_positions[i].backward == backward) return i;
  return -1;
}

void TimelineModel::setCursor(int index) {
  if (count() == 0) return;
  index = std::clamp(index, 0, count() - 1);
  // Back at the live position (or, with none, at the newest) the cursor follows again.
  m_following = index == (m_live >= 0 ? m_live : count() - 1);
  if (index == m_cursor) return;
  m_cursor = index;
  emit cursorChanged(m_cursor);
}

bool TimelineModel::stepBack() {
  if (m_cursor <= 0) return false;
  setCursor(m_cursor - 1);
  return true;
}

bool TimelineModel::stepForward() {
  if (m_cursor < 0 || m_cursor + 1 >= count()) return false;
  setCursor(m_cursor + 1);
  return true;
}

QString TimelineModel::describe(int index) const {
  if (index < 0 || index >= count()) return {};
  const TimelinePosition& p = m_positions[index];
  return tr("iteration %1 · #%2 %3%4 · %5 of %6")
      .arg(p.iteration)
      .arg(p.entryId)
      .arg(p.op, p.backward ? tr(" (backward)") : QString())
      .arg(index + 1)
      .arg(count());
}

}  // namespace td::widgets
