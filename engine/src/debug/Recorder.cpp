// The recorder (see Recorder.h). Everything runs under one mutex: the executing thread
// records and copies before writes, any other thread queries; a query copies values out
// under the lock, so it never reads memory that the running thread is writing.
#include "tapedeck/debug/Recorder.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

namespace {
int64_t viewBytes(const Tensor& t) { return t.numel() * static_cast<int64_t>(elementSize(t.dtype())); }

/// A private contiguous copy of `view`, made with the copy kernel (never on the tape).
Tensor privateCopy(const Tensor& view) {
  Tensor copy = detail::allocate(view.shape(), view.dtype(), view.device(), "recorder copy");
  copyInto(copy, view);
  return copy;
}
}  // namespace

Recorder::Recorder(RecorderOptions options) : m_options(options) { Storage::addWriteWatcher(this); }

Recorder::~Recorder() {
  detach();
  Storage::removeWriteWatcher(this);
  clear();  // unwatches the memory it still references
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
  std::lock_guard lock(m_mutex);
  m_options.budgetBytes = bytes;
  evictOverBudget();
}

std::size_t Recorder::budget() const {
  std::lock_guard lock(m_mutex);
  return m_options.budgetBytes;
}

void Recorder::setPreviousIterations(int count) {
  TD_CHECK(count >= 0, "recorder", "previous iterations must be >= 0, got ", count);
  std::lock_guard lock(m_mutex);
  m_options.previousIterations = count;
  dropOldIterations();
}

void Recorder::clear() {
  std::lock_guard lock(m_mutex);
  for (Value& value : m_values) release(value);
  m_values.clear();
  m_iterations.clear();
  m_known.clear();
  m_aliases.clear();
  m_valueBase = m_evictCursor = 0;
  m_heldBytes = m_copyBytes = m_savedLive = 0;
}

// --- values -----------------------------------------------------------------------------

uint64_t Recorder::hold(const Tensor& t) {
  if (!m_options.keepValues || !t.device().isCpu()) return kNoValue;
  Value value;
  value.storage = t.impl()->storage;
  value.shape = t.shape();
  value.strides = t.strides();
  value.offset = t.offset();
  value.dtype = t.dtype();
  value.bytes = viewBytes(t);
  value.storage->watch();
  const uint64_t index = m_valueBase + m_values.size();
  m_aliases.emplace(value.storage.get(), index);
  m_heldBytes += value.bytes;
  m_values.push_back(std::move(value));
  return index;
}

void Recorder::release(Value& value) {
  if (value.dropped) return;
  if (!value.copied) {
    auto [begin, end] = m_aliases.equal_range(value.storage.get());
    for (auto it = begin; it != end; ++it) {
      if (&m_values[it->second - m_valueBase] == &value) {
        m_aliases.erase(it);
        break;
      }
    }
    value.storage->unwatch();
  } else {
    m_copyBytes -= value.bytes;
  }
  m_heldBytes -= value.bytes;
  value.storage.reset();
  value.dropped = true;
}

void Recorder::evictOverBudget() {
  const uint64_t end = m_valueBase + m_values.size();
  m_evictCursor = std::max(m_evictCursor, m_valueBase);
  while (m_heldBytes > static_cast<int64_t>(m_options.budgetBytes) && m_evictCursor < end)
    release(m_values[m_evictCursor++ - m_valueBase]);
}

void Recorder::beforeWrite(Storage& storage) {
  std::lock_guard lock(m_mutex);
  auto [begin, end] = m_aliases.equal_range(&storage);
  for (auto it = begin; it != end; ++it) {
    Value& value = m_values[it->second - m_valueBase];
    auto impl = std::make_shared<TensorImpl>(value.storage, value.shape, value.strides, value.offset, value.dtype);
    Tensor copy = privateCopy(Tensor(std::move(impl)));
    value.storage->unwatch();
    value.storage = copy.impl()->storage;
    value.strides = copy.strides();
    value.offset = 0;
    value.copied = true;
    m_copyBytes += value.bytes;
  }
  m_aliases.erase(begin, end);
  if (!m_iterations.empty()) m_iterations.back().memory.copyBytes = m_copyBytes;
}

Recorder::Slot Recorder::slotFor(const Tensor& t, bool holdValue) {
  Slot slot;
  if (!t.defined()) return slot;
  slot.tensorId = t.id();
  slot.shape = t.shape();
  slot.dtype = t.dtype();
  const uint64_t version = t.version();
  auto it = m_known.find(slot.tensorId);
  if (it != m_known.end() && it->second.version == version) {
    slot.stats = it->second.stats;
    if (it->second.value == kNoValue && holdValue) it->second.value = hold(t);
    slot.value = it->second.value;
    return slot;
  }
  slot.stats = computeStats(t);
  if (holdValue) slot.value = hold(t);
  m_known[slot.tensorId] = Known{version, slot.stats, slot.value};
  return slot;
}

// --- iterations -------------------------------------------------------------------------

Recorder::Iteration& Recorder::currentIteration(uint64_t number) {
  if (m_iterations.empty() || m_iterations.back().number < number) {
    m_known.clear();
    m_savedLive = 0;
    Iteration next;
    next.number = number;
    next.firstValue = m_valueBase + m_values.size();
    next.memory.iteration = number;
    m_iterations.push_back(std::move(next));
    dropOldIterations();
    return m_iterations.back();
  }
  // An entry of an older iteration (another thread's late op) joins the newest one kept.
  for (auto it = m_iterations.rbegin(); it != m_iterations.rend(); ++it)
    if (it->number <= number) return *it;
  return m_iterations.front();
}

void Recorder::dropOldIterations() {
  while (m_iterations.size() > static_cast<std::size_t>(m_options.previousIterations) + 1) {
    const uint64_t end = m_iterations[1].firstValue;
    while (m_valueBase < end && !m_values.empty()) {
      release(m_values.front());
      m_values.pop_front();
      ++m_valueBase;
    }
    m_iterations.pop_front();
  }
  m_evictCursor = std::max(m_evictCursor, m_valueBase);
}

void Recorder::endIteration(uint64_t iteration) {
  (void)iteration;
  std::lock_guard lock(m_mutex);
  m_known.clear();  // the next iteration's tensors get fresh statistics and values
}

void Recorder::sampleMemory(Iteration& iteration) {
  IterationMemory& memory = iteration.memory;
  memory.entries = iteration.records.size();
  memory.tensorBytes = Storage::liveBytes();
  memory.tensorBytesPeak = std::max(memory.tensorBytesPeak, memory.tensorBytes);
  memory.savedBytes = m_savedLive;
  memory.savedBytesPeak = std::max(memory.savedBytesPeak, m_savedLive);
  memory.recorderBytes = m_heldBytes;
  memory.recorderBytesPeak = std::max(memory.recorderBytesPeak, m_heldBytes);
  memory.copyBytes = m_copyBytes;
}

// --- recording ----------------------------------------------------------------------------

RecordSummary Recorder::recordForward(const TapeEntry& entry, const OpTensors& tensors) {
  RecordSummary summary;
  std::lock_guard lock(m_mutex);
  Iteration& iteration = currentIteration(entry.iteration);
  Record record;
  record.entry = entry;
  record.inputs.reserve(tensors.numInputs);
  for (std::size_t i = 0; i < tensors.numInputs; ++i) record.inputs.push_back(slotFor(tensors.inputs[i], true));
  record.outputs.reserve(tensors.numOutputs);
  for (std::size_t i = 0; i < tensors.numOutputs; ++i) {
    record.outputs.push_back(slotFor(tensors.outputs[i], true));
    summary.nonFinite = summary.nonFinite || record.outputs.back().stats.nonFinite();
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
  iteration.records.push_back(std::move(record));
  evictOverBudget();
  sampleMemory(iteration);
  return summary;
}

RecordSummary Recorder::recordBackward(const TapeEntry& entry, const BackwardStep& step) {
  RecordSummary summary;
  std::lock_guard lock(m_mutex);
  std::vector<Slot> gradOutputs, gradInputs;
  if (step.gradOutputs != nullptr)
    for (const Tensor& g : *step.gradOutputs) gradOutputs.push_back(slotFor(g, true));
  if (step.gradInputs != nullptr) {
    for (const Tensor& g : *step.gradInputs) {
      gradInputs.push_back(slotFor(g, true));
      const TensorStats& stats = gradInputs.back().stats;
      summary.nonFinite = summary.nonFinite || stats.nonFinite();
      summary.squaredNorm += stats.norm * stats.norm;
    }
  }
  if (summary.nonFinite) summary.squaredNorm = std::numeric_limits<double>::infinity();
  if (Record* record = find(entry.id)) {
    record->gradOutputs = std::move(gradOutputs);
    record->gradInputs = std::move(gradInputs);
    if (!record->backwardRan) m_savedLive = std::max<int64_t>(0, m_savedLive - record->savedBytes);
    record->backwardRan = true;
  }
  evictOverBudget();
  if (!m_iterations.empty()) sampleMemory(m_iterations.back());
  return summary;
}

// --- queries ------------------------------------------------------------------------------

const Recorder::Record* Recorder::find(uint64_t id) const {
  for (auto it = m_iterations.rbegin(); it != m_iterations.rend(); ++it) {
    const std::vector<Record>& records = it->records;
    if (records.empty() || records.front().entry.id > id) continue;
    auto at = std::lower_bound(records.begin(), records.end(), id,
                               [](const Record& r, uint64_t value) { return r.entry.id < value; });
    if (at != records.end() && at->entry.id == id) return &*at;
    // Entries from several threads may arrive slightly out of order.
    for (const Record& r : records)
      if (r.entry.id == id) return &r;
  }
  return nullptr;
}

Recorder::Record* Recorder::find(uint64_t id) { return const_cast<Record*>(std::as_const(*this).find(id)); }

TensorRecord Recorder::snapshot(const Slot& slot, bool withValue) const {
  TensorRecord out;
  out.tensorId = slot.tensorId;
  out.shape.assign(slot.shape.begin(), slot.shape.end());
  out.dtype = slot.dtype;
  out.stats = slot.stats;
  if (slot.value == kNoValue || slot.value < m_valueBase) {
    out.state = slot.value == kNoValue ? ValueState::NotKept : ValueState::Dropped;
    return out;
  }
  const Value& value = m_values[slot.value - m_valueBase];
  out.state = value.dropped ? ValueState::Dropped : ValueState::Held;
  if (withValue && !value.dropped) {
    auto impl = std::make_shared<TensorImpl>(value.storage, value.shape, value.strides, value.offset, value.dtype);
    out.value = privateCopy(Tensor(std::move(impl)));
  }
  return out;
}

EntryRecord Recorder::snapshot(const Record& record, bool withValues) const {
  EntryRecord out;
  out.entry = record.entry;
  out.name = record.entry.op == OpId::Custom && record.entry.customName != 0
                 ? Tape::internedString(record.entry.customName)
                 : std::string(opName(record.entry.op));
  out.scope = Tape::scopeName(record.entry.scope);
  out.loc = record.entry.loc.resolved();
  auto copy = [&](const std::vector<Slot>& slots, std::vector<TensorRecord>& into) {
    into.reserve(slots.size());
    for (const Slot& slot : slots) into.push_back(snapshot(slot, withValues));
  };
  copy(record.inputs, out.inputs);
  copy(record.outputs, out.outputs);
  copy(record.gradOutputs, out.gradOutputs);
  copy(record.gradInputs, out.gradInputs);
  out.backwardRan = record.backwardRan;
  out.savedBytes = record.savedBytes;
  return out;
}

std::optional<EntryRecord> Recorder::entry(uint64_t id, bool withValues) const {
  std::lock_guard lock(m_mutex);
  const Record* record = find(id);
  if (record == nullptr) return std::nullopt;
  return snapshot(*record, withValues);
}

std::vector<EntryRecord> Recorder::entries(uint64_t iteration) const {
  std::lock_guard lock(m_mutex);
  std::vector<EntryRecord> out;
  for (const Iteration& it : m_iterations) {
    if (it.number != iteration) continue;
    out.reserve(it.records.size());
    for (const Record& record : it.records) out.push_back(snapshot(record, false));
  }
  return out;
}

std::vector<uint64_t> Recorder::iterations() const {
  std::lock_guard lock(m_mutex);
  std::vector<uint64_t> out;
  for (const Iteration& it : m_iterations) out.push_back(it.number);
  return out;
}

std::vector<IterationMemory> Recorder::memory() const {
  std::lock_guard lock(m_mutex);
  std::vector<IterationMemory> out;
  for (const Iteration& it : m_iterations) out.push_back(it.memory);
  return out;
}

std::size_t Recorder::heldBytes() const {
  std::lock_guard lock(m_mutex);
  return static_cast<std::size_t>(m_heldBytes);
}

std::size_t Recorder::copyBytes() const {
  std::lock_guard lock(m_mutex);
  return static_cast<std::size_t>(m_copyBytes);
}

std::vector<uint64_t> Recorder::ancestors(uint64_t id, std::size_t limit) const {
  std::lock_guard lock(m_mutex);
  std::vector<uint64_t> out;
  std::vector<const Record*> queue;
  if (const Record* start = find(id)) queue.push_back(start);
  // The producer of tensor `tensorId` as input of an entry with id `before`: the latest
  // forward entry before it that output that tensor.
  auto producer = [&](uint64_t tensorId, uint64_t before) -> const Record* {
    for (auto it = m_iterations.rbegin(); it != m_iterations.rend(); ++it)
      for (auto r = it->records.rbegin(); r != it->records.rend(); ++r)
        if (r->entry.id < before &&
            std::find(r->entry.outputIds.begin(), r->entry.outputIds.end(), tensorId) != r->entry.outputIds.end())
          return &*r;
    return nullptr;
  };
  for (std::size_t head = 0; head < queue.size() && out.size() < limit; ++head) {
    for (uint64_t input : queue[head]->entry.inputIds) {
      const Record* from = producer(input, queue[head]->entry.id);
      if (from == nullptr || std::find(out.begin(), out.end(), from->entry.id) != out.end()) continue;
      out.push_back(from->entry.id);
      queue.push_back(from);
      if (out.size() >= limit) break;
    }
  }
  return out;
}

}  // namespace td::debug
