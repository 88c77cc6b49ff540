#pragma once
// Plain values that cross from the runner thread to the GUI (queued signals): what a run
// is asked to do, where it paused, the paused frame's stack and variables, how it ended.
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <optional>

#include "models/DebugRows.h"
#include "modules/ModuleRows.h"

namespace td::app {

struct LineBreakpoint {
  QString file;       ///< absolute path
  int line = 0;       ///< 1-based
  bool enabled = true;
  QString condition;  ///< a Python expression; empty: always
};

/// An op breakpoint: an op name as on the tape ("matmul"), forward, backward or both.
struct OpBreakpoint {
  QString op;
  bool forward = true;
  bool backward = true;
  bool enabled = true;
};

/// A module breakpoint: entering the forward of a module whose qualified name matches.
struct ModuleBreakpoint {
  QString glob;  ///< a qualified name or a glob ("layers.*.attn")
  bool enabled = true;
};

/// The data breakpoints and module breakpoints of a run.
struct StopConditions {
  QList<OpBreakpoint> ops;
  QList<ModuleBreakpoint> modules;
  bool nonFinite = false;
  std::optional<double> gradNorm;
};

/// What the recorder keeps of a run (Debug → Recorder Settings…, kept in QSettings): the
/// current iteration and `previousIterations` more, with values within `budgetMiB`.
struct RecorderSettings {
  /// What it keeps of each tensor, costliest first (the names are tapedeck.debug.Session's
  /// `keep`, and the settings file's).
  enum class Keep { Values, Statistics, Tape };
  qint64 budgetMiB = 256;      ///< values held (references and copies), in MiB
  int previousIterations = 2;  ///< kept besides the current one
  Keep keep = Keep::Values;
  static constexpr qint64 kMaxBudgetMiB = qint64{1} << 20;  ///< 1 TiB
  static constexpr int kMaxPreviousIterations = 1000;
  bool operator==(const RecorderSettings&) const = default;
  static QString keepName(Keep keep);
  /// The Keep named `name`; nullopt for any other text.
  static std::optional<Keep> keepNamed(const QString& name);
};

struct RunRequest {
  QString path;    ///< the script (absolute)
  QString source;  ///< the editor's text (may differ from the file on disk)
  QStringList arguments;
  QList<LineBreakpoint> lines;
  StopConditions conditions;
  bool pauseAtStart = false;  ///< pause before the first line (a step from idle)
  QString runToFile;          ///< with runToLine: run to that line (Run to Cursor from idle)
  int runToLine = 0;
  RecorderSettings recorder;
};

struct PauseInfo {
  quint64 sequence = 0;
  QString reason;  ///< "line", "op_breakpoint", "nan", "step", "requested", ...
  QString description;
  quint64 entry = 0;  ///< 0 when not at a tape entry
  quint64 rootEntry = 0;  ///< backward start: the entry that made the root (the loss)
  QString op;
  bool backward = false;
  quint64 iteration = 0;  ///< counted from the run's start
  QString scope;
  QString file;
  int line = 0;
};

/// The paused frame's stack and variables, and the tape's rows, are the widgets' row
/// types (widgets/models/DebugRows.h): the views' models show them as they are.
using FrameInfo = widgets::FrameRow;
using VariableInfo = widgets::VariableRow;
using TapeRow = widgets::TapeRow;

struct PausedSnapshot {
  quint64 sequence = 0;  ///< the pause it belongs to
  QList<FrameInfo> frames;  ///< innermost last
  int selected = -1;
  QList<VariableInfo> variables;
  QList<widgets::ModuleRow> modules;  ///< the models the paused frame sees (own numbers)
};

struct RunOutcome {
  QString status;  ///< "finished", "failed" or "stopped"
  QString message;
  QString traceback;
  int exitCode = 0;
  QString file;  ///< where it failed (a syntax error, the innermost user frame)
  int line = 0;
  double seconds = 0.0;  ///< the script's own run time (0 when it did not start)
  QList<widgets::ModuleRow> modules;  ///< the models the script left in its globals
};

}  // namespace td::app

Q_DECLARE_METATYPE(td::app::PauseInfo)
Q_DECLARE_METATYPE(td::app::PausedSnapshot)
Q_DECLARE_METATYPE(td::app::RunOutcome)
Q_DECLARE_METATYPE(td::app::RunRequest)
