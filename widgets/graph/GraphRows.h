#pragma once
// Plain snapshot rows the tape graph reads (STYLE.md 8): the app fills them from the
// recorder's entries on any thread and hands them to TapeGraphModel on the GUI thread.
#include <QString>
#include <QVector>
#include <QtGlobal>

#include <limits>

namespace td::widgets {

/// One tensor an entry read, wrote, or received or sent as a gradient.
struct GraphTensor {
  quint64 id = 0;
  QString name;            ///< a parameter's qualified name ("fc1.weight"); empty for others
  QVector<qint64> shape;   ///< empty for a scalar
  bool statsKnown = false; ///< false: the statistics below were not computed
  double norm = 0.0;       ///< L2 norm of the finite values
  double maxAbs = 0.0;     ///< largest finite magnitude
  bool nonFinite = false;  ///< a NaN or Inf in it
  QVector<double> values;  ///< its values, row-major, when small and held; else empty

  qint64 numel() const {
    qint64 n = 1;
    for (qint64 d : shape) n *= d;
    return n;
  }
};

/// One forward entry of the tape and what backward did with it.
struct GraphEntry {
  /// Tensors of up to this many elements come with their values (drawn on the node).
  static constexpr qint64 kValuesUpTo = 16;
  quint64 id = 0;     ///< the tape entry id (unique, growing)
  QString op;         ///< display name ("matmul")
  QString scope;      ///< the module path that recorded it ("model.fc1"), may be empty
  /// The outermost module call that began just before this entry (its path, "model" or
  /// "model.fc1"); empty when none did. Two calls of one module back to back are two
  /// groups: their entries have one scope, and the second call's first entry says so here.
  QString entered;
  QString file;
  int line = 0;
  QString formula;    ///< the op's derivative formula ("grad * result"), may be empty
  QVector<GraphTensor> inputs;
  QVector<GraphTensor> outputs;
  QVector<GraphTensor> gradOutputs;  ///< gradients w.r.t. the outputs, once backward ran
  QVector<GraphTensor> gradInputs;   ///< gradients w.r.t. the inputs (id 0 where none)
  bool backwardRan = false;
  qint64 savedBytes = 0;  ///< saved for backward
  QVector<quint64> savedIds;  ///< the tensors it saved for backward (inputs or outputs)
};

}  // namespace td::widgets
