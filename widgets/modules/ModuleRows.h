#pragma once
// Plain snapshot rows for the module and memory view (STYLE.md 8): the app fills them
// from the engine's module tree and memory counters, on any thread, and hands them over.
// Values only: no engine types, no Qt models.
#include <QString>
#include <QStringList>
#include <QtGlobal>

namespace td::widgets {

/// One module of the model with what it owns itself, never its children's: the tree
/// model adds the children up.
struct ModuleRow {
  QString path;                 ///< qualified and dotted, unique: "" for the root, "fc1", "layers.0.attn"
  QString type;                 ///< the module's class name: "Linear", "Sequential"
  qint64 parameters = 0;        ///< own parameter elements (not the children's)
  QStringList parameterShapes;  ///< own parameters, "name [shape]": "weight [64, 2]", "bias [64]"
  QString outputShape;          ///< the output's shape seen in the last forward ("[32, 64]"); "" if unknown
  qint64 parameterBytes = 0;    ///< own parameters' storage
  qint64 gradientBytes = 0;     ///< own parameters' gradients (0 before the first backward)
  qint64 optimizerBytes = 0;    ///< the optimizer's state for own parameters (momentum, moments)
  qint64 savedBytes = 0;        ///< saved for backward by ops recorded in this module's own scope, last forward

  friend bool operator==(const ModuleRow&, const ModuleRow&) = default;
};

/// One training iteration's memory as the recorder measured it.
struct MemorySummary {
  qint64 tensorBytesPeak = 0;  ///< peak of all live tensor bytes during the iteration
  qint64 savedBytesPeak = 0;   ///< peak of the bytes held for backward during the iteration
  qint64 recorderBytes = 0;    ///< the recorder's own bytes (tape, snapshots): the debugger's cost
  quint64 iteration = 0;       ///< the iteration measured
  bool known = false;          ///< false until a measurement arrived (then the rest is 0)

  friend bool operator==(const MemorySummary&, const MemorySummary&) = default;
};

}  // namespace td::widgets
