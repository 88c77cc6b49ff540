// What the IDE's tape views read from the recorder: one listing of the newest iteration
// turned into the Tape dock's rows and the graph's entries (plain snapshots; the GUI
// thread never touches a live tensor).
#include "ScriptRunnerPython.h"  // first: Python's headers before Qt's `slots`

#include <algorithm>
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
  if (e.entry.enteredScope != 0) g.entered = QString::fromStdString(Tape::scopeName(e.entry.enteredScope));
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
  for (uint64_t id : e.entry.savedIds) g.savedIds << id;
  return g;
}

widgets::TensorSnapshot tensorSnapshot(const debug::TensorRecord& r, const debug::EntryRecord& e, const QString& title) {
  widgets::TensorSnapshot t;
  t.title = title;
  for (int64_t d : r.shape) t.shape << d;
  t.strides = widgets::contiguousStrides(t.shape);
  t.dtype = QString::fromUtf8(dtypeName(r.dtype));
  t.device = QStringLiteral("cpu");
  t.tensorId = r.tensorId;
  t.op = QString::fromStdString(e.name);
  t.file = e.loc.file != nullptr ? QString::fromUtf8(e.loc.file) : QString();
  t.line = static_cast<int>(e.loc.line);
  const debug::TensorStats& s = r.stats;
  t.stats = {s.computed, s.numel, s.finite, s.zeros, s.nans, s.infs, s.min, s.max, s.mean, s.std, s.norm};
  if (r.value.defined() && r.value.isContiguous()) {
    const std::size_t n = static_cast<std::size_t>(r.value.numel());
    switch (r.value.dtype()) {
      case DType::Float32: {
        const float* p = r.value.data<float>();
        t.values = widgets::TensorValues::fromFloat32(std::vector<float>(p, p + n));
        break;
      }
      case DType::Float64: {
        const double* p = r.value.data<double>();
        t.values = widgets::TensorValues::fromFloat64(std::vector<double>(p, p + n));
        break;
      }
      case DType::Int64: {
        const int64_t* p = r.value.data<int64_t>();
        t.values = widgets::TensorValues::fromInt64(std::vector<std::int64_t>(p, p + n));
        break;
      }
      case DType::Bool: {
        const auto* p = static_cast<const std::uint8_t*>(r.value.rawData());
        t.values = widgets::TensorValues::fromBoolBytes(std::vector<std::uint8_t>(p, p + n));
        break;
      }
    }
  } else {
    t.missingReason = r.state == debug::ValueState::Dropped
                          ? QStringLiteral("dropped by the recorder's memory budget")
                          : QStringLiteral("not kept by the recorder (values off, or not in CPU memory)");
  }
  return t;
}

}  // namespace

std::shared_ptr<debug::Recorder> ScriptRunner::currentRecorder(quint64* firstIteration) const {
  std::lock_guard lock(m_mutex);
  if (firstIteration != nullptr) *firstIteration = m_firstIteration;
  if (!m_recorder) return nullptr;
  // A reader's copy, counted until it lets go of its reference: the runner waits for the
  // readers before it lets go of a retired recorder, so its last reference is never here.
  m_recorderReaders.fetch_add(1);
  std::shared_ptr<debug::Recorder> held = m_recorder;
  debug::Recorder* raw = held.get();
  return std::shared_ptr<debug::Recorder>(raw, [this, held = std::move(held)](debug::Recorder*) mutable {
    held.reset();
    m_recorderReaders.fetch_sub(1);
  });
}

std::optional<RecorderSettings> ScriptRunner::recorderLimits() const {
  const std::shared_ptr<debug::Recorder> recorder = currentRecorder();
  if (!recorder) return std::nullopt;
  RecorderSettings limits;
  limits.budgetMiB = static_cast<qint64>(recorder->budget() >> 20);
  limits.previousIterations = recorder->previousIterations();
  limits.keep = recorder->keepsValues()  ? RecorderSettings::Keep::Values
                : recorder->keepsStats() ? RecorderSettings::Keep::Statistics
                                         : RecorderSettings::Keep::Tape;
  return limits;
}

QList<TapeRow> ScriptRunner::tapeRows(int maxRows) const { return tapeView(false, false, maxRows).rows; }

std::optional<quint64> ScriptRunner::runIteration() const {
  quint64 first = 0;
  const std::shared_ptr<debug::Recorder> recorder = currentRecorder(&first);
  if (!recorder) return std::nullopt;
  const std::vector<uint64_t> iterations = recorder->iterations();
  if (iterations.empty()) return std::nullopt;
  return iterations.back() >= first ? iterations.back() - first : 0;
}

ScriptRunner::TapeView ScriptRunner::tapeView(bool withGraph, bool withStats, int maxRows, qint64 iteration) const {
  quint64 first = 0;
  const std::shared_ptr<debug::Recorder> recorder = currentRecorder(&first);
  TapeView view;
  if (!recorder) return view;
  const std::vector<uint64_t> iterations = recorder->iterations();
  if (iterations.empty()) return view;
  view.iteration = iteration < 0 ? iterations.back() : first + static_cast<quint64>(iteration);
  if (iteration == kLastTrainingIteration) {
    for (auto it = iterations.rbegin(); it != iterations.rend(); ++it) {
      const std::vector<debug::EntryRecord> entries = recorder->entries(*it, false);
      if (std::any_of(entries.begin(), entries.end(), [](const debug::EntryRecord& e) { return e.backwardRan; })) {
        view.iteration = *it;
        break;
      }
    }
  }
  if (std::find(iterations.begin(), iterations.end(), view.iteration) == iterations.end()) return view;
  view.any = true;
  // Its loss: the last root of a backward() in it (among the newest few points).
  const std::size_t losses = recorder->lossCount();
  for (const debug::LossPoint& p : recorder->losses(losses > 16 ? losses - 16 : 0))
    if (p.iteration == view.iteration) view.lossRoot = p.rootEntry;
  debug::EntryQuery query;
  query.withStats = withStats;
  query.valuesUpTo = withGraph ? widgets::GraphEntry::kValuesUpTo : 0;
  for (const debug::EntryRecord& e : recorder->entries(view.iteration, query)) {
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

QVector<widgets::TimelinePosition> ScriptRunner::timeline() const {
  quint64 first = 0;
  const std::shared_ptr<debug::Recorder> recorder = currentRecorder(&first);
  QVector<widgets::TimelinePosition> out;
  if (!recorder) return out;
  for (uint64_t iteration : recorder->iterations()) {
    const std::vector<debug::EntryRecord> entries = recorder->entries(iteration, /*withStats=*/false);
    auto position = [&](const debug::EntryRecord& e, bool backward) {
      widgets::TimelinePosition p;
      p.entryId = e.entry.id;
      p.backward = backward;
      p.iteration = iteration >= first ? iteration - first : 0;
      p.op = QString::fromStdString(e.name);
      p.file = e.loc.file != nullptr ? QString::fromUtf8(e.loc.file) : QString();
      p.line = static_cast<int>(e.loc.line);
      return p;
    };
    for (const debug::EntryRecord& e : entries) out << position(e, false);
    for (auto it = entries.rbegin(); it != entries.rend(); ++it)
      if (it->backwardRan) out << position(*it, true);
  }
  return out;
}

void ScriptRunner::setGradNormTracking(bool on) {
  std::shared_ptr<debug::Recorder> recorder;
  {
    std::lock_guard lock(m_mutex);
    m_gradNorms = on;
    recorder = m_recorder;
  }
  if (recorder) recorder->setGradNormTracking(on);
}

void ScriptRunner::gradNorms(std::size_t from, QMap<QString, QPair<QVector<double>, QVector<double>>>* series,
                             std::size_t* total) const {
  quint64 first = 0;
  const std::shared_ptr<debug::Recorder> recorder = currentRecorder(&first);
  *total = 0;
  if (!recorder) return;
  for (const debug::GradNormPoint& p : recorder->gradNorms(from)) {
    auto& s = (*series)[QString::fromStdString(p.name)];
    s.first.push_back(static_cast<double>(p.iteration >= first ? p.iteration - first : 0));
    s.second.push_back(p.norm);
  }
  *total = recorder->gradNormCount();
}

widgets::MemorySummary ScriptRunner::memorySummary() const {
  quint64 first = 0;
  const std::shared_ptr<debug::Recorder> recorder = currentRecorder(&first);
  widgets::MemorySummary out;
  if (!recorder) return out;
  const std::vector<debug::IterationMemory> memory = recorder->memory();
  if (memory.empty()) return out;
  const debug::IterationMemory& m = memory.back();
  out.known = true;
  out.iteration = m.iteration >= first ? m.iteration - first : 0;
  out.tensorBytesPeak = m.tensorBytesPeak;
  out.savedBytesPeak = m.savedBytesPeak;
  out.recorderBytes = static_cast<qint64>(recorder->heldBytes());
  return out;
}

quint64 ScriptRunner::sameEntryEarlier(quint64 entryId) const {
  const std::shared_ptr<debug::Recorder> recorder = currentRecorder();
  if (!recorder) return 0;
  // The same place: the k-th entry of the same op under the same module path (so ops an
  // iteration ran before the loop, such as initialisation, do not shift the match).
  auto sameKind = [](const debug::EntryRecord& a, const debug::EntryRecord& b) {
    return a.name == b.name && a.scope == b.scope && a.entry.direction == b.entry.direction;
  };
  const std::vector<uint64_t> iterations = recorder->iterations();
  for (std::size_t k = 1; k < iterations.size(); ++k) {
    const std::vector<debug::EntryRecord> now = recorder->entries(iterations[k], false);
    for (std::size_t i = 0; i < now.size(); ++i) {
      if (now[i].entry.id != entryId) continue;
      std::size_t occurrence = 0;
      for (std::size_t j = 0; j < i; ++j) occurrence += sameKind(now[j], now[i]) ? 1 : 0;
      for (const debug::EntryRecord& e : recorder->entries(iterations[k - 1], false)) {
        if (!sameKind(e, now[i])) continue;
        if (occurrence == 0) return e.entry.id;
        --occurrence;
      }
      return 0;
    }
  }
  return 0;
}

ScriptRunner::Inspected ScriptRunner::inspect(quint64 entryId, bool input, int index) const {
  const std::shared_ptr<debug::Recorder> recorder = currentRecorder();
  Inspected out;
  const std::optional<debug::EntryRecord> e = recorder ? recorder->entry(entryId, true) : std::nullopt;
  if (!e) {
    out.value.title = QStringLiteral("entry #%1").arg(entryId);
    out.value.missingReason = QStringLiteral("no longer kept by the recorder (older than the iterations it keeps)");
    return out;
  }
  const std::vector<debug::TensorRecord>& tensors = input ? e->inputs : e->outputs;
  if (index < 0 || static_cast<std::size_t>(index) >= tensors.size()) return out;
  const debug::TensorRecord& r = tensors[static_cast<std::size_t>(index)];
  const QString name = QString::fromStdString(r.name);
  const QString title =
      !name.isEmpty() ? name
      : input         ? QStringLiteral("input %1 of #%2 %3").arg(index).arg(entryId).arg(QString::fromStdString(e->name))
                      : QStringLiteral("output of #%1 %2").arg(entryId).arg(QString::fromStdString(e->name));
  out.found = true;
  out.value = tensorSnapshot(r, *e, title);
  out.value.readByOp = input;  // (a parameter, or another op's output, that this op read)
  const std::vector<debug::TensorRecord>& grads = input ? e->gradInputs : e->gradOutputs;
  if (e->backwardRan && static_cast<std::size_t>(index) < grads.size() && grads[static_cast<std::size_t>(index)].tensorId != 0)
    out.gradient = tensorSnapshot(grads[static_cast<std::size_t>(index)], *e, QStringLiteral("gradient of ") + title);
  if (out.gradient) out.gradient->readByOp = input;
  return out;
}

std::optional<ScriptRunner::Place> ScriptRunner::placeOfTensor(quint64 tensorId) const {
  const std::shared_ptr<debug::Recorder> recorder = currentRecorder();
  if (!recorder || tensorId == 0) return std::nullopt;
  std::optional<Place> read;
  const std::vector<uint64_t> iterations = recorder->iterations();
  for (auto it = iterations.rbegin(); it != iterations.rend(); ++it) {
    const std::vector<debug::EntryRecord> entries = recorder->entries(*it);
    for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
      // An in-place entry made its target's newest value (its output slot may be the
      // op's result tensor, under another id).
      if (e->entry.inplace && !e->entry.outputIds.empty() && e->entry.outputIds[0] == tensorId)
        return Place{e->entry.id, false, 0};
      for (std::size_t i = 0; i < e->outputs.size(); ++i)
        if (e->outputs[i].tensorId == tensorId) return Place{e->entry.id, false, static_cast<int>(i)};
      for (std::size_t i = 0; i < e->inputs.size() && !read; ++i)
        if (e->inputs[i].tensorId == tensorId) read = Place{e->entry.id, true, static_cast<int>(i)};
    }
    if (read) return read;  // (a parameter: read in this iteration, made in none)
  }
  return read;
}

}  // namespace td::app
