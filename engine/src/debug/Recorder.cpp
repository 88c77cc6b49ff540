// The recorder (see Recorder.h): settings and recording. Its iterations (their arenas,
// dropping old ones, memory samples) are in RecorderIterations.cpp, held values and the
// write watcher in RecorderValues.cpp, queries in RecorderQueries.cpp, its lookups in
// RecorderTables.cpp. Everything runs
// under one mutex: the executing thread records and keeps old values before writes, any
// other thread queries; a query copies values out under the lock, so it never reads
// memory that the running thread is writing.
#include "tapedeck/debug/Recorder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "ops/OpUtils.h"
#include "tapedeck/backends/Backend.h"

namespace td::debug {

const char* valueStateName(ValueState state) {
  switch (state) {
    case ValueState::Held: return "held";
    case ValueState::Dropped: return "dropped";
    case ValueState::NotKept: return "not kept";
  }
  return "?";
}

Recorder::Recorder(RecorderOptions options) : m_options(options), m_serial(takeSerial()) {
  Storage::addWriteWatcher(this);
}

Recorder::~Recorder() {
  detach();
  Storage::removeWriteWatcher(this);
  clear();  // unwatches the memory it still references
  giveBackSerial(m_serial);
}

void Recorder::attach() {
  {
    std::lock_guard lock(m_mutex);
    if (m_attached) return;
    m_attached = true;
  }
  Tape::addObserver(this);
}

void Recorder::detach() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_attached) return;
    m_attached = false;
  }
  Tape::removeObserver(this);
}

// --- settings -------------------------------------------------------------------------

void Recorder::setBudget(std::size_t bytes) {
  std::vector<std::shared_ptr<Storage>> dead;  // released after the lock (see release)
  std::lock_guard lock(m_mutex);
  m_options.budgetBytes = bytes;
  evictOverBudget();
  dead.swap(m_dead);
}

std::size_t Recorder::budget() const {
  std::lock_guard lock(m_mutex);
  return m_options.budgetBytes;
}

int Recorder::previousIterations() const {
  std::lock_guard lock(m_mutex);
  return m_options.previousIterations;
}

void Recorder::setPreviousIterations(int count) {
  TD_CHECK(count >= 0, "recorder", "previous iterations must be >= 0, got ", count);
  std::vector<std::shared_ptr<Storage>> dead;  // released after the lock (see release)
  std::lock_guard lock(m_mutex);
  m_options.previousIterations = count;
  dropOldIterations();
  dead.swap(m_dead);
}

void Recorder::clear() {
  std::vector<std::shared_ptr<Storage>> dead;  // released after the lock (see release)
  std::vector<NamedLeaf> leaves;               // likewise
  std::lock_guard lock(m_mutex);
  leaves.swap(m_namedLeaves);
  m_gradNorms.clear();
  m_gradNormCount = 0;
  const uint64_t valuesEnd = m_valueBase + valueCount();
  for (std::size_t i = m_valueFront; i < m_values.size(); ++i) release(m_values[i]);
  m_values.clear();
  m_valueStats.clear();
  m_valueDims.clear();
  m_valueFront = 0;
  m_losses.clear();
  m_lossCount = 0;
  m_links.clear();
  m_linksUsed = 0;
  m_iterations.clear();
  m_known.clear();  // (marks left on tensors no longer match: their places are gone)
  m_knownFree.clear();
  m_knownElsewhere.clear();
  m_knownStats.clear();
  m_knownInserted = m_knownAfterSweep = 0;
  m_spareRecords.clear();
  m_spareSlots.clear();
  m_spareStats.clear();
  m_spareDims.clear();
  m_spareAttrs.clear();
  m_spareIds.clear();
  // Value indices never start over: a mark left on a storage names no value held now.
  m_valueBase = m_evictCursor = valuesEnd;
  m_heldBytes = m_copyBytes = m_savedLive = 0;
  dead.swap(m_dead);
}

Recorder::Slot& Recorder::newSlot(Iteration& iteration, const Tensor& t) {
  Slot& slot = iteration.slots.emplace_back();
  if (!t.defined()) return slot;
  slot.tensorId = t.id();
  slot.nameId = t.impl()->nameId;
  const IntList& shape = t.shape();
  TD_ASSERT(shape.size() <= 0xFFFF, "recorder: rank ", shape.size(), " too large");
  slot.dims = static_cast<uint32_t>(iteration.dims.size());
  slot.rank = static_cast<uint16_t>(shape.size());
  iteration.dims.insert(iteration.dims.end(), shape.begin(), shape.end());
  slot.dtype = t.dtype();
  return slot;
}

void Recorder::addSlot(Iteration& iteration, const Tensor& t, bool computeNow, const TensorStats* knownStats) {
  Slot& slot = newSlot(iteration, t);
  if (!t.defined() || tapeOnly(computeNow, knownStats)) return;
  const uint64_t version = t.version();
  Known* known = findKnown(*t.impl());
  if (known != nullptr && known->version == version) {
    known->lastIteration = iteration.number;
    // Its statistics: the known entry's, else its value's once computed.
    const TensorStats* earlier = statsOfKnown(*known);
    if (earlier == nullptr && known->value != kNoValue && known->value >= m_valueBase)
      earlier = computedStats(valueAt(known->value));
    if (earlier == nullptr && computeNow) setKnownStats(*known, computeStats(t));
    else if (earlier != nullptr && earlier != statsOfKnown(*known)) setKnownStats(*known, *earlier);
    const TensorStats* stats = statsOfKnown(*known);
    if (stats != nullptr) setOwnStats(iteration, slot, *stats);
    slot.constant = known->constant;
    // Held in an earlier iteration and dropped with it: hold it again for this one.
    if (!known->constant && (known->value == kNoValue || known->value < iteration.firstValue)) {
      known->value = hold(t);
      if (known->value != kNoValue && stats != nullptr) setValueStats(m_values.back(), *stats);
    }
    slot.value = known->value;
    return;
  }
  // A fill's output (zero_, fill_, zeros) is its statistics: it is not held but rebuilt from
  // them when asked for, so the write that usually follows (a gradient accumulated into
  // zeroed memory) goes in place instead of into fresh memory.
  slot.constant = knownStats != nullptr && knownStats->computed && knownStats->min == knownStats->max &&
                  knownStats->finite == knownStats->numel;
  slot.value = slot.constant ? kNoValue : hold(t);
  // Computed now when asked for, given (a fill), or when the value is not held (it cannot
  // be computed later) unless statistics are off; otherwise from the held value when first
  // needed.
  TensorStats stats;
  if (knownStats != nullptr) stats = *knownStats;
  else if (computeNow || (slot.value == kNoValue && m_options.keepStats)) stats = computeStats(t);
  if (stats.computed) {
    setOwnStats(iteration, slot, stats);
    if (slot.value != kNoValue) setValueStats(m_values.back(), stats);
  }
  if (known == nullptr) known = &insertKnown(*t.impl());
  known->version = version;
  known->value = slot.value;
  known->lastIteration = iteration.number;
  known->constant = slot.constant;
  setKnownStats(*known, stats);  // (forgets an older version's when not computed)
}

void Recorder::addSlotAsRead(Iteration& iteration, const Tensor& t, const Storage* written) {
  if (!t.defined() || t.impl()->storage.get() != written || tapeOnly(false, nullptr)) return addSlot(iteration, t, false);
  Known* known = findKnown(*t.impl());
  if (known != nullptr && known->version == t.version()) return addSlot(iteration, t, false);  // (not written)
  // Read before the write: what was kept of it then. Its value, once copied or moved
  // before the write (beforeWrite), holds the old values, if the recorder knew the version
  // just before this write (one bump ago): after a write it did not see as this tensor's
  // (through a view, .data, an entry recorded under another id), what it knows is older
  // than what was read. Otherwise the slot says so (not kept, statistics not computed)
  // rather than show values the op did not read.
  Slot& slot = newSlot(iteration, t);
  if (known == nullptr || known->version + 1 != t.version()) return;
  known->lastIteration = iteration.number;
  slot.constant = known->constant;
  if (known->value != kNoValue && known->value >= m_valueBase) {
    const Value& value = valueAt(known->value);
    if (!value.dropped && (value.copied || value.storage.get() != written)) slot.value = known->value;
  }
  const TensorStats* stats = statsOfKnown(*known);
  if (stats == nullptr && slot.value != kNoValue) stats = computedStats(valueAt(slot.value));
  if (stats != nullptr) setOwnStats(iteration, slot, *stats);
}

Recorder::Range Recorder::addSlots(Iteration& iteration, const Tensor* tensors, std::size_t n, bool computeNow) {
  Range range{static_cast<uint32_t>(iteration.slots.size()), static_cast<uint32_t>(n)};
  for (std::size_t i = 0; i < n; ++i) addSlot(iteration, tensors[i], computeNow);
  return range;
}

// --- recording ----------------------------------------------------------------------------

namespace {
/// Whether `attrs` are all defaults (most ops': matmul, relu, ...), so none need keeping.
bool defaultAttrs(const OpAttrs& a) {
  static_assert(sizeof(OpAttrs) == 208, "a field was added to OpAttrs: compare it here too");
  return a.ints.empty() && a.ints2.empty() && a.dim == 0 && a.start == 0 && a.end == 0 && a.step == 1 &&
         a.groups == 1 && a.scalar == 0.0 && !std::signbit(a.scalar) && a.scalar2 == 0.0 &&
         !std::signbit(a.scalar2) && a.dtype == DType::Float32 && !a.keepdim &&
         !a.hasMin && !a.hasMax && !a.ceilMode && a.countIncludePad && !a.hasAlpha;
}
}  // namespace

void Recorder::keepEntry(Iteration& iteration, Record& record, const TapeEntry& entry) {
  record.id = entry.id;
  record.createdBy = entry.createdBy;
  record.iteration = entry.iteration;
  record.inplaceTarget = entry.inplace && !entry.outputIds.empty() ? entry.outputIds[0] : 0;
  record.loc = entry.loc;
  record.scope = entry.scope;
  record.enteredScope = entry.enteredScope;
  record.customName = entry.customName;
  record.op = entry.op;
  record.direction = entry.direction;
  record.differentiable = entry.differentiable;
  record.inplace = entry.inplace;
  if (!defaultAttrs(entry.attrs)) {
    record.attrs = static_cast<uint32_t>(iteration.attrs.size());
    iteration.attrs.push_back(entry.attrs);
  }
  record.saved = static_cast<uint32_t>(iteration.ids.size());
  record.savedCount = static_cast<uint32_t>(entry.savedIds.size());
  iteration.ids.insert(iteration.ids.end(), entry.savedIds.begin(), entry.savedIds.end());
}

TapeEntry Recorder::entryOf(const Iteration& iteration, const Record& record) {
  TapeEntry entry;
  entry.id = record.id;
  entry.op = record.op;
  entry.differentiable = record.differentiable;
  entry.inplace = record.inplace;
  entry.direction = record.direction;
  entry.createdBy = record.createdBy;
  entry.iteration = record.iteration;
  entry.scope = record.scope;
  entry.enteredScope = record.enteredScope;
  entry.loc = record.loc;
  entry.customName = record.customName;
  for (uint32_t i = 0; i < record.inputs.count; ++i)
    entry.inputIds.push_back(iteration.slots[record.inputs.begin + i].tensorId);
  for (uint32_t i = 0; i < record.outputs.count; ++i)
    entry.outputIds.push_back(iteration.slots[record.outputs.begin + i].tensorId);
  if (record.inplace && !entry.outputIds.empty()) entry.outputIds[0] = record.inplaceTarget;
  entry.savedIds.assign(iteration.ids.begin() + record.saved, iteration.ids.begin() + record.saved + record.savedCount);
  if (record.attrs != kNoAttrs) entry.attrs = iteration.attrs[record.attrs];
  return entry;
}

namespace {
/// A fill's output needs no pass: every element is the fill value (as stored: float32
/// rounds it, and 1e39 becomes Inf).
TensorStats fillStats(const Tensor& out, double value) {
  TensorStats stats;
  stats.computed = out.device().isCpu();
  if (!stats.computed) return stats;
  const int64_t n = stats.numel = out.numel();
  if (n == 0) return stats;
  if (std::isnan(value)) {
    stats.nans = n;
  } else if (std::isinf(value)) {
    stats.infs = n;
  } else {
    stats.finite = n;
    stats.min = stats.max = stats.mean = value;
    stats.norm = std::fabs(value) * std::sqrt(static_cast<double>(n));
    stats.zeros = value == 0.0 ? n : 0;
  }
  return stats;
}
}  // namespace

namespace {
/// Storages the recorder released under its lock, freed after it (see release); one list
/// per thread that keeps its capacity, so recording allocates nothing for it.
struct FreedAfterLock {
  std::vector<std::shared_ptr<Storage>>& list;
  FreedAfterLock() : list(spare()) {}
  ~FreedAfterLock() {
    // Through a moved-out list: letting go of NumPy memory runs Python, which may run an
    // op that records (a __del__) and so uses this thread's list again meanwhile.
    std::vector<std::shared_ptr<Storage>> freeing;
    freeing.swap(list);
    freeing.clear();
    if (list.empty()) list.swap(freeing);  // its capacity back for the next entry
  }
  static std::vector<std::shared_ptr<Storage>>& spare() {
    thread_local std::vector<std::shared_ptr<Storage>> storages;
    return storages;
  }
};
}  // namespace

RecordSummary Recorder::recordForward(const TapeEntry& entry, const OpTensors& tensors, bool checks) {
  RecordSummary summary;
  summary.checked = checks;
  FreedAfterLock freed;  // before the lock: it frees after the lock is let go
  std::vector<std::shared_ptr<Storage>>& dead = freed.list;
  std::lock_guard lock(m_mutex);
  Iteration& iteration = currentIteration(entry.iteration);
  Record& record = iteration.records.emplace_back();
  keepEntry(iteration, record, entry);
  // An in-place entry recorded after its write (the engine's direct path, an optimizer's
  // update) has the written tensor itself as its output: its inputs on that memory are
  // recorded as they were read, before the write, and first, while the recorder still
  // knows them at their old version (the output is their new one).
  const Storage* written = nullptr;
  if (entry.inplace && tensors.numOutputs > 0 && tensors.outputs[0].defined() && !entry.outputIds.empty() &&
      tensors.outputs[0].id() == entry.outputIds[0]) {
    written = tensors.outputs[0].impl()->storage.get();
    record.inputs = Range{static_cast<uint32_t>(iteration.slots.size()), static_cast<uint32_t>(tensors.numInputs)};
    for (std::size_t i = 0; i < tensors.numInputs; ++i) addSlotAsRead(iteration, tensors.inputs[i], written);
  }
  record.outputs = Range{static_cast<uint32_t>(iteration.slots.size()), static_cast<uint32_t>(tensors.numOutputs)};
  for (std::size_t i = 0; i < tensors.numOutputs; ++i) {
    const Tensor& out = tensors.outputs[i];
    std::optional<TensorStats> filled;
    if (entry.op == OpId::Fill && out.defined() && isFloating(out.dtype()))
      filled = fillStats(out, out.dtype() == DType::Float32 ? static_cast<double>(static_cast<float>(entry.attrs.scalar))
                                                             : entry.attrs.scalar);
    addSlot(iteration, out, false, filled ? &*filled : nullptr);
    if (checks) checkFinite(iteration, iteration.slots.back(), out, summary);
  }
  if (written == nullptr) record.inputs = addSlots(iteration, tensors.inputs, tensors.numInputs, false);
  if (m_trackGradNorms.load(std::memory_order_relaxed)) {
    for (std::size_t i = 0; i < tensors.numInputs; ++i) {
      const Tensor& in = tensors.inputs[i];
      if (!in.defined() || in.impl()->nameId == 0 || !in.requiresGrad() || !in.isLeaf()) continue;
      auto known = std::find_if(m_namedLeaves.begin(), m_namedLeaves.end(),
                                [&](const NamedLeaf& l) { return l.tensor.id() == in.id(); });
      if (known != m_namedLeaves.end()) known->lastRead = m_gradNormEpoch;
      else m_namedLeaves.push_back({in, m_gradNormEpoch});
    }
  }
  if (entry.differentiable) {
    for (uint64_t saved : entry.savedIds) {
      auto bytesOf = [&](const Tensor* list, std::size_t n) -> int64_t {
        for (std::size_t i = 0; i < n; ++i)
          if (list[i].defined() && list[i].id() == saved) return viewBytes(list[i]);
        return 0;
      };
      int64_t bytes = bytesOf(tensors.inputs, tensors.numInputs);
      if (bytes == 0) bytes = bytesOf(tensors.outputs, tensors.numOutputs);
      record.savedBytes += bytes;
    }
    m_savedLive += record.savedBytes;
  }
  evictOverBudget();
  sampleMemory(iteration);
  dead.swap(m_dead);
  return summary;
}

void Recorder::checkFinite(Iteration& iteration, Slot& slot, const Tensor& t, RecordSummary& summary) {
  // The check needs one bit: a cheap pass, and the full statistics only for a tensor that
  // has a NaN or Inf (the pause shows them) or that is not held (they cannot come later,
  // and are kept unless statistics are off).
  if (!t.defined()) return;
  const TensorStats* own = ownStats(iteration, slot);
  if ((own == nullptr || !own->computed) &&
      ((slot.value == kNoValue && m_options.keepStats) || anyNonFinite(t))) {
    const TensorStats stats = computeStats(t);
    setOwnStats(iteration, slot, stats);
    if (slot.value != kNoValue) setValueStats(valueAt(slot.value), stats);
    own = ownStats(iteration, slot);
  }
  summary.nonFinite = summary.nonFinite || (own != nullptr && own->computed && own->nonFinite());
}

RecordSummary Recorder::recordBackward(const TapeEntry& entry, const BackwardStep& step, bool checks, bool norms) {
  RecordSummary summary;
  summary.checked = checks;
  FreedAfterLock freed;  // before the lock: it frees after the lock is let go
  std::vector<std::shared_ptr<Storage>>& dead = freed.list;
  std::lock_guard lock(m_mutex);
  if (m_iterations.empty()) currentIteration(entry.iteration);
  // The entry and the iteration it belongs to (its gradients join that iteration's arena;
  // adding slots leaves the record where it is).
  const Iteration* owner = nullptr;
  Record* record = const_cast<Record*>(find(entry.id, &owner));
  Iteration& iteration = owner != nullptr ? const_cast<Iteration&>(*owner) : m_iterations.back();
  Range gradOutputs, gradInputs;
  if (step.gradOutputs != nullptr)
    gradOutputs = addSlots(iteration, step.gradOutputs->data(), step.gradOutputs->size(), false);
  if (step.gradInputs != nullptr) {
    // A norm threshold needs every gradient's statistics now; a NaN check only one bit.
    gradInputs = addSlots(iteration, step.gradInputs->data(), step.gradInputs->size(), checks && norms);
    for (uint32_t i = 0; i < gradInputs.count; ++i) {
      Slot& slot = iteration.slots[gradInputs.begin + i];
      if (checks && !norms) checkFinite(iteration, slot, (*step.gradInputs)[i], summary);
      const TensorStats* stats = ownStats(iteration, slot);
      if (stats == nullptr) continue;
      summary.nonFinite = summary.nonFinite || stats->nonFinite();
      summary.squaredNorm += stats->norm * stats->norm;
    }
  }
  if (summary.nonFinite) summary.squaredNorm = std::numeric_limits<double>::infinity();
  if (record != nullptr) {
    record->gradOutputs = gradOutputs;
    record->gradInputs = gradInputs;
    if (!record->backwardRan) m_savedLive = std::max<int64_t>(0, m_savedLive - record->savedBytes);
    record->backwardRan = true;
  }
  evictOverBudget();
  sampleMemory(m_iterations.back());
  dead.swap(m_dead);
  return summary;
}

}  // namespace td::debug
