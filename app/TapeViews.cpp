// What the IDE's tape views read from the recorder: one listing of the newest iteration
// turned into the Tape dock's rows and the graph's entries (plain snapshots; the GUI
// thread never touches a live tensor).
#include "ScriptRunnerPython.h"  // first: Python's headers before Qt's `slots`

#include <cmath>

#include "tapedeck/autograd/Autograd.h"

namespace td::app {

using detail::shapeText;

namespace {

widgets::GraphTensor graphTensor(const debug::TensorRecord& r) {
  widgets::GraphTensor t;
  t.id = r.tensorId;
  t.name = QString::fromStdString(r.name);
  for (int64_t d : r.shape) t.shape << d;
  t.statsKnown = r.stats.computed;
  if (r.stats.computed) {
    t.norm = r.stats.norm;
    t.maxAbs = std::max(std::abs(r.stats.min), std::abs(r.stats.max));
    t.nonFinite = r.stats.nonFinite();
  }
  if (r.value.defined()) {
    for (double v : r.value.toVector()) t.values << v;
    // A value copied with the listing gives its own verdict on NaN even without stats.
    for (double v : t.values) t.nonFinite = t.nonFinite || !std::isfinite(v);
  }
  return t;
}

widgets::GraphEntry graphEntry(const debug::EntryRecord& e) {
  widgets::GraphEntry g;
  g.id = e.entry.id;
  g.op = QString::fromStdString(e.name);
  g.scope = QString::fromStdString(e.scope);
  g.file = e.loc.file != nullptr ? QString::fromUtf8(e.loc.file) : QString();
  g.line = static_cast<int>(e.loc.line);
  if (e.entry.op != OpId::Custom) {
    const char* formula = derivativeFormula(e.entry.op);
    if (formula != nullptr) g.formula = QString::fromUtf8(formula);
  }
  for (const auto& t : e.inputs) g.inputs << graphTensor(t);
  for (const auto& t : e.outputs) g.outputs << graphTensor(t);
  for (const auto& t : e.gradOutputs) g.gradOutputs << graphTensor(t);
  for (const auto& t : e.gradInputs) g.gradInputs << graphTensor(t);
  g.backwardRan = e.backwardRan;
  g.savedBytes = e.savedBytes;
  return g;
}

}  // namespace

QList<TapeRow> ScriptRunner::tapeRows(int maxRows) const { return tapeView(false, false, maxRows).rows; }

ScriptRunner::TapeView ScriptRunner::tapeView(bool withGraph, bool withStats, int maxRows) const {
  std::shared_ptr<debug::Recorder> recorder;
  quint64 first = 0;
  {
    std::lock_guard lock(m_mutex);
    recorder = m_recorder;
    first = m_firstIteration;
  }
  TapeView view;
  if (!recorder) return view;
  const std::vector<uint64_t> iterations = recorder->iterations();
  if (iterations.empty()) return view;
  view.any = true;
  view.iteration = iterations.back();
  debug::EntryQuery query;
  query.withStats = withStats;
  query.valuesUpTo = withGraph ? widgets::GraphEntry::kValuesUpTo : 0;
  for (const debug::EntryRecord& e : recorder->entries(iterations.back(), query)) {
    if (view.rows.size() < maxRows) {
      TapeRow row;
      row.id = e.entry.id;
      row.op = QString::fromStdString(e.name);
      row.backward = e.entry.direction == Direction::Backward;
      QStringList inputs, outputs;
      for (const auto& t : e.inputs) inputs << shapeText(t.shape);
      for (const auto& t : e.outputs) outputs << shapeText(t.shape);
      row.shapes = inputs.join(' ') + QStringLiteral(" → ") + outputs.join(' ');
      row.scope = QString::fromStdString(e.scope);
      row.file = e.loc.file != nullptr ? QString::fromUtf8(e.loc.file) : QString();
      row.line = static_cast<int>(e.loc.line);
      row.iteration = e.entry.iteration >= first ? e.entry.iteration - first : 0;
      view.rows.push_back(std::move(row));
    }
    // The graph draws forward entries; ops a derivative ran under create_graph are not
    // part of the forward program.
    if (withGraph && e.entry.direction == Direction::Forward) view.graph.push_back(graphEntry(e));
  }
  return view;
}

}  // namespace td::app
