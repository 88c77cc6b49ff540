#pragma once
// Every breakpoint the user set: line breakpoints per file (enabled or not, with an
// optional condition; kept in the settings per file, so they survive a restart), op and
// module breakpoints, and the data breakpoints (first NaN/Inf, gradient norm).
#include <QMap>
#include <QObject>

#include "RunTypes.h"

namespace td::app {

class BreakpointStore : public QObject {
  Q_OBJECT

 public:
  explicit BreakpointStore(QObject* parent = nullptr);

  /// Adds a line breakpoint, or removes the one there.
  void toggleLine(const QString& file, int line);
  void setLineEnabled(const QString& file, int line, bool enabled);
  void setLineCondition(const QString& file, int line, const QString& condition);
  void removeLine(const QString& file, int line);
  /// An edit moved lines of `file` (old line -> new line, 0 for a removed line, as
  /// CodeEditor::breakpointsMoved says): its breakpoints go with them, keeping their state;
  /// onto a taken line, the one that was there (or came first from the top) stays.
  void moveLines(const QString& file, const QMap<int, int>& moves);
  /// The breakpoints of one file, by line.
  QMap<int, LineBreakpoint> linesOf(const QString& file) const;
  /// Every line breakpoint, by file then line.
  QList<LineBreakpoint> lines() const;
  /// Reads a file's line breakpoints from the settings (when it is opened).
  void load(const QString& file);

  void addOp(const OpBreakpoint& op);
  void setOpEnabled(int index, bool enabled);
  /// Which directions op breakpoint `index` stops in (at least one).
  void setOpDirections(int index, bool forward, bool backward);
  void removeOp(int index);
  void addModule(const QString& glob);
  void setModuleEnabled(int index, bool enabled);
  void removeModule(int index);
  void setBreakOnNonFinite(bool enabled);
  void setGradNormThreshold(std::optional<double> threshold);
  const StopConditions& conditions() const { return m_conditions; }

 signals:
  void linesChanged(const QString& file);
  void conditionsChanged();

 private:
  void saveLines(const QString& file) const;
  QMap<QString, QMap<int, LineBreakpoint>> m_lines;
  StopConditions m_conditions;
};

}  // namespace td::app
