#include "models/CallStackModel.h"

#include <QFileInfo>
#include <QFont>

namespace td::widgets {

namespace {

QString location(const QString& file, int line) {
  return line > 0 ? file + QLatin1Char(':') + QString::number(line) : file;
}

}  // namespace

CallStackModel::CallStackModel(QObject* parent) : QAbstractListModel(parent) {}

int CallStackModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(m_frames.size());
}

QVariant CallStackModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
  const int frameIndex = frameIndexOfRow(index.row());
  const FrameRow& frame = m_frames.at(frameIndex);
  switch (role) {
    case Qt::DisplayRole:
      return frame.function + QLatin1String("  ") +
             location(QFileInfo(frame.file).fileName(), frame.line);
    case Qt::ToolTipRole:
      return location(frame.file, frame.line);
    case Qt::FontRole:
      if (frameIndex == m_selectedFrame) {
        QFont font;
        font.setBold(true);
        return font;
      }
      return {};
    case FileRole:
      return frame.file;
    case LineRole:
      return frame.line;
    case FrameIndexRole:
      return frameIndex;
  }
  return {};
}

void CallStackModel::setFrames(QList<FrameRow> frames, int selectedFrame) {
  beginResetModel();
  m_frames = std::move(frames);
  m_selectedFrame = selectedFrame >= 0 && selectedFrame < m_frames.size() ? selectedFrame : -1;
  endResetModel();
}

void CallStackModel::clear() { setFrames({}, -1); }

void CallStackModel::setSelectedFrame(int frameIndex) {
  if (frameIndex < 0 || frameIndex >= m_frames.size()) frameIndex = -1;
  if (frameIndex == m_selectedFrame) return;
  const int oldRow = selectedRow();
  m_selectedFrame = frameIndex;
  emitRowChanged(oldRow);
  emitRowChanged(selectedRow());
}

const FrameRow& CallStackModel::frameAt(int displayRow) const {
  Q_ASSERT(displayRow >= 0 && displayRow < m_frames.size());
  return m_frames.at(frameIndexOfRow(displayRow));
}

int CallStackModel::frameIndexOfRow(int displayRow) const {
  if (displayRow < 0 || displayRow >= m_frames.size()) return -1;
  return int(m_frames.size()) - 1 - displayRow;
}

int CallStackModel::rowOfFrame(int frameIndex) const {
  // The mapping is its own inverse.
  return frameIndexOfRow(frameIndex);
}

void CallStackModel::emitRowChanged(int row) {
  if (row < 0) return;
  const QModelIndex changed = index(row, 0);
  emit dataChanged(changed, changed, {Qt::FontRole});
}

}  // namespace td::widgets
