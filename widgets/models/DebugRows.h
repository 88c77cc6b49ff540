#pragma once
// Plain snapshot rows the debugger fills and the item models show (STYLE.md 8): no Qt
// models here, only values, so the app can build them on any thread and hand them over.
#include <QString>
#include <QtGlobal>

namespace td::widgets {

/// One Python frame of a paused program.
struct FrameRow {
  QString file;  ///< full path, or a pseudo-name such as "<string>"
  int line = 0;  ///< 1-based; 0 when unknown
  QString function;

  friend bool operator==(const FrameRow&, const FrameRow&) = default;
};

/// One variable visible in the selected frame.
struct VariableRow {
  QString name;
  QString scope;  ///< "local" or "global"
  QString type;   ///< the Python type name ("Tensor", "int", ...)
  QString value;  ///< the full repr; may span several lines
  QString shape;  ///< "[3, 2]" for tensors, empty otherwise
  QString dtype;  ///< "float32" for tensors, empty otherwise
  QString stats;  ///< a one-line summary ("min -1.2  max 3.4  mean 0.1"), may be empty
  quint64 tensorId = 0;  ///< a tensor's id (as tape entries name it), 0 otherwise

  friend bool operator==(const VariableRow&, const VariableRow&) = default;
};

/// One recorded tape entry, forward or backward.
struct TapeRow {
  quint64 id = 0;  ///< unique within a tape; entries are numbered from 1
  QString op;      ///< the op's display name ("mul", "relu")
  bool backward = false;
  QString shapes;  ///< the inputs' shapes, an arrow, the result's: "[3, 2] [2] → [3]"
  QString scope;   ///< the module path that recorded it ("model.fc1"), may be empty
  QString file;    ///< full path of the source that recorded it
  int line = 0;    ///< 1-based; 0 when unknown
  quint64 iteration = 0;

  friend bool operator==(const TapeRow&, const TapeRow&) = default;
};

}  // namespace td::widgets
