#pragma once
// The paused program's call stack as a list, innermost frame first (as debuggers show
// it), while the frames are given innermost last (as Python's traceback lists them).
// "Frame index" below is always the index in that innermost-last list; "row" is the
// display row. The selected frame is drawn bold. GUI thread only.
#include <QAbstractListModel>
#include <QList>

#include "models/DebugRows.h"

namespace td::widgets {

class CallStackModel : public QAbstractListModel {
  Q_OBJECT

 public:
  enum Role {
    FileRole = Qt::UserRole + 1,  ///< the frame's full path (QString)
    LineRole,                     ///< the frame's 1-based line (int)
    FrameIndexRole,               ///< the frame index, innermost last (int)
  };

  explicit CallStackModel(QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  /// Display: "function  file.py:12" (file name only, no ":line" when the line is 0).
  /// ToolTip: "full/path/file.py:12". Font: bold for the selected frame.
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

  /// Replaces all frames (a model reset). `frames` is innermost last; `selectedFrame`
  /// is a frame index, or -1 (or any index out of range) for none.
  void setFrames(QList<FrameRow> frames, int selectedFrame);
  /// Removes all frames and the selection (a model reset).
  void clear();
  /// Selects the frame at `frameIndex` (-1 or out of range: none); emits dataChanged
  /// for the previously and newly selected rows only.
  void setSelectedFrame(int frameIndex);
  /// The selected frame index, or -1.
  int selectedFrame() const { return m_selectedFrame; }
  /// The display row of the selected frame, or -1.
  int selectedRow() const { return rowOfFrame(m_selectedFrame); }

  /// The frame shown at `displayRow`, which must be in [0, rowCount()).
  const FrameRow& frameAt(int displayRow) const;
  /// The frame index shown at `displayRow`, or -1 when out of range.
  int frameIndexOfRow(int displayRow) const;
  /// The display row of `frameIndex`, or -1 when out of range.
  int rowOfFrame(int frameIndex) const;
  /// The frames, innermost last.
  const QList<FrameRow>& frames() const { return m_frames; }

 private:
  void emitRowChanged(int row);

  QList<FrameRow> m_frames;
  int m_selectedFrame = -1;
};

}  // namespace td::widgets
