#include "BreakpointStore.h"

#include <QSettings>

namespace td::app {
namespace {

QString settingsKey(const QString& file) {
  // QSettings keys may not hold '/' or '\' freely: the path is percent-encoded.
  return QStringLiteral("breakpoints/") + QString::fromLatin1(file.toUtf8().toPercentEncoding());
}

}  // namespace

BreakpointStore::BreakpointStore(QObject* parent) : QObject(parent) {}

void BreakpointStore::toggleLine(const QString& file, int line) {
  if (line < 1) return;
  auto& lines = m_lines[file];
  if (lines.contains(line))
    lines.remove(line);
  else
    lines.insert(line, LineBreakpoint{file, line, true, {}});
  saveLines(file);
  emit linesChanged(file);
}

void BreakpointStore::setLineEnabled(const QString& file, int line, bool enabled) {
  auto it = m_lines[file].find(line);
  if (it == m_lines[file].end() || it->enabled == enabled) return;
  it->enabled = enabled;
  saveLines(file);
  emit linesChanged(file);
}

void BreakpointStore::setLineCondition(const QString& file, int line, const QString& condition) {
  auto it = m_lines[file].find(line);
  if (it == m_lines[file].end()) return;
  it->condition = condition.trimmed();
  saveLines(file);
  emit linesChanged(file);
}

void BreakpointStore::removeLine(const QString& file, int line) {
  if (m_lines[file].remove(line) == 0) return;
  saveLines(file);
  emit linesChanged(file);
}

void BreakpointStore::moveLines(const QString& file, const QMap<int, int>& moves) {
  auto found = m_lines.find(file);
  if (found == m_lines.end() || moves.isEmpty()) return;
  QMap<int, LineBreakpoint> moved;
  for (LineBreakpoint b : *found) {  // from the top
    b.line = moves.value(b.line, b.line);
    if (b.line > 0 && !moved.contains(b.line)) moved.insert(b.line, b);  // (0: its line was removed)
  }
  *found = moved;
  saveLines(file);
  emit linesChanged(file);
}

QMap<int, LineBreakpoint> BreakpointStore::linesOf(const QString& file) const { return m_lines.value(file); }

QList<LineBreakpoint> BreakpointStore::lines() const {
  QList<LineBreakpoint> all;
  for (const auto& lines : m_lines)
    for (const LineBreakpoint& b : lines) all.push_back(b);
  return all;
}

void BreakpointStore::load(const QString& file) {
  if (file.isEmpty() || m_lines.contains(file)) return;
  QSettings settings;
  QMap<int, LineBreakpoint> lines;
  // One entry per breakpoint: "line;enabled;condition" (the condition may hold ';').
  for (const QString& item : settings.value(settingsKey(file)).toStringList()) {
    const int first = item.indexOf(';'), second = item.indexOf(';', first + 1);
    bool ok = false;
    const int line = item.left(first).toInt(&ok);
    if (first < 0 || second < 0 || !ok || line < 1) continue;  // a damaged entry: skipped
    lines.insert(line, LineBreakpoint{file, line, item.mid(first + 1, second - first - 1) == "1", item.mid(second + 1)});
  }
  m_lines.insert(file, lines);
  emit linesChanged(file);
}

void BreakpointStore::saveLines(const QString& file) const {
  if (file.isEmpty()) return;
  QStringList items;
  for (const LineBreakpoint& b : m_lines.value(file))
    items << QStringLiteral("%1;%2;%3").arg(b.line).arg(b.enabled ? 1 : 0).arg(b.condition);
  QSettings settings;
  if (items.isEmpty())
    settings.remove(settingsKey(file));
  else
    settings.setValue(settingsKey(file), items);
}

void BreakpointStore::addOp(const OpBreakpoint& op) {
  m_conditions.ops.push_back(op);
  emit conditionsChanged();
}

void BreakpointStore::setOpEnabled(int index, bool enabled) {
  if (index < 0 || index >= m_conditions.ops.size()) return;
  m_conditions.ops[index].enabled = enabled;
  emit conditionsChanged();
}

void BreakpointStore::setOpDirections(int index, bool forward, bool backward) {
  if (index < 0 || index >= m_conditions.ops.size() || (!forward && !backward)) return;
  m_conditions.ops[index].forward = forward;
  m_conditions.ops[index].backward = backward;
  emit conditionsChanged();
}

void BreakpointStore::removeOp(int index) {
  if (index < 0 || index >= m_conditions.ops.size()) return;
  m_conditions.ops.removeAt(index);
  emit conditionsChanged();
}

void BreakpointStore::addModule(const QString& glob) {
  if (glob.trimmed().isEmpty()) return;
  m_conditions.modules.push_back(ModuleBreakpoint{glob.trimmed(), true});
  emit conditionsChanged();
}

void BreakpointStore::setModuleEnabled(int index, bool enabled) {
  if (index < 0 || index >= m_conditions.modules.size()) return;
  m_conditions.modules[index].enabled = enabled;
  emit conditionsChanged();
}

void BreakpointStore::removeModule(int index) {
  if (index < 0 || index >= m_conditions.modules.size()) return;
  m_conditions.modules.removeAt(index);
  emit conditionsChanged();
}

void BreakpointStore::setBreakOnNonFinite(bool enabled) {
  if (m_conditions.nonFinite == enabled) return;
  m_conditions.nonFinite = enabled;
  emit conditionsChanged();
}

void BreakpointStore::setGradNormThreshold(std::optional<double> threshold) {
  m_conditions.gradNorm = threshold;
  emit conditionsChanged();
}

}  // namespace td::app
