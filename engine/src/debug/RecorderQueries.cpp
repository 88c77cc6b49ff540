// The recorder's queries (see Recorder.h): snapshots of entries, iterations and memory,
// and the chain of ops behind an entry, for any thread, under the recorder's lock.
#include <algorithm>

#include "tapedeck/debug/Recorder.h"

namespace td::debug {

namespace {
int64_t numelOf(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}
}  // namespace

// --- queries ------------------------------------------------------------------------------

const Recorder::Record* Recorder::find(uint64_t id, const Iteration** owner) const {
  for (auto it = m_iterations.rbegin(); it != m_iterations.rend(); ++it) {
    const std::vector<Record>& records = it->records;
    if (records.empty() || records.front().id > id) continue;
    if (owner != nullptr) *owner = &*it;
    auto at = std::lower_bound(records.begin(), records.end(), id,
                               [](const Record& r, uint64_t value) { return r.id < value; });
    if (at != records.end() && at->id == id) return &*at;
    // Entries from several threads may arrive slightly out of order.
    for (const Record& r : records)
      if (r.id == id) return &r;
    return nullptr;
  }
  return nullptr;
}

TensorRecord Recorder::snapshot(const Iteration& iteration, const Slot& slot, int64_t valuesUpTo,
                                bool withStats) const {
  TensorRecord out;
  out.tensorId = slot.tensorId;
  if (slot.nameId != 0) out.name = Tape::internedString(slot.nameId);
  const int64_t* dims = iteration.dims.data() + slot.dims;
  out.shape.assign(dims, dims + slot.rank);
  out.dtype = slot.dtype;
  const TensorStats* own = ownStats(iteration, slot);
  if (withStats) out.stats = statsOf(iteration, slot);
  else if (own != nullptr) out.stats = *own;
  if (slot.constant) {
    // A fill's output: every element is the statistics' min, rebuilt without an op.
    out.state = ValueState::Held;
    const int64_t n = numelOf(out.shape);
    if (valuesUpTo < 0 || (valuesUpTo > 0 && n <= valuesUpTo))
      out.value = constantTensor(iteration, slot, own != nullptr ? own->min : 0.0);
    return out;
  }
  if (slot.value == kNoValue || slot.value < m_valueBase) {
    out.state = slot.value == kNoValue ? ValueState::NotKept : ValueState::Dropped;
    return out;
  }
  const Value& value = valueAt(slot.value);
  out.state = value.dropped ? ValueState::Dropped : ValueState::Held;
  const bool withValue =
      valuesUpTo < 0 || (valuesUpTo > 0 && value.storage != nullptr && numelOf(out.shape) <= valuesUpTo);
  if (withValue && !value.dropped) {
    out.value = privateCopy(borrowedView(value));
  }
  return out;
}

EntryRecord Recorder::snapshot(const Iteration& iteration, const Record& record, int64_t valuesUpTo,
                               bool withStats) const {
  EntryRecord out;
  out.entry = entryOf(iteration, record);
  out.name = Tape::entryName(out.entry);
  out.scope = Tape::scopeName(record.scope);
  out.loc = record.loc.resolved();
  auto copy = [&](Range range, std::vector<TensorRecord>& into) {
    into.reserve(range.count);
    for (uint32_t i = 0; i < range.count; ++i)
      into.push_back(snapshot(iteration, iteration.slots[range.begin + i], valuesUpTo, withStats));
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
  const Iteration* owner = nullptr;
  const Record* record = find(id, &owner);
  if (record == nullptr) return std::nullopt;
  return snapshot(*owner, *record, withValues ? -1 : 0);
}

std::vector<EntryRecord> Recorder::entries(uint64_t iteration, bool withStats) const {
  EntryQuery query;
  query.withStats = withStats;
  return entries(iteration, query);
}

std::vector<EntryRecord> Recorder::entries(uint64_t iteration, const EntryQuery& query) const {
  std::lock_guard lock(m_mutex);
  std::vector<EntryRecord> out;
  const int64_t valuesUpTo = std::max<int64_t>(query.valuesUpTo, 0);
  for (const Iteration& it : m_iterations) {
    if (it.number != iteration || query.fromIndex >= it.records.size()) continue;
    out.reserve(it.records.size() - query.fromIndex);
    for (std::size_t i = query.fromIndex; i < it.records.size(); ++i)
      out.push_back(snapshot(it, it.records[i], valuesUpTo, query.withStats));
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
  struct Found {
    const Iteration* iteration;
    const Record* record;
  };
  std::vector<Found> queue;
  const Iteration* owner = nullptr;
  if (const Record* start = find(id, &owner)) queue.push_back({owner, start});
  // The producer of tensor `tensorId` as input of an entry with id `before`: the latest
  // forward entry before it that output that tensor.
  auto producer = [&](uint64_t tensorId, uint64_t before) -> Found {
    for (auto it = m_iterations.rbegin(); it != m_iterations.rend(); ++it)
      for (auto r = it->records.rbegin(); r != it->records.rend(); ++r) {
        if (r->id >= before) continue;
        for (uint32_t i = 0; i < r->outputs.count; ++i) {
          const uint64_t output = i == 0 && r->inplace ? r->inplaceTarget : it->slots[r->outputs.begin + i].tensorId;
          if (output == tensorId) return {&*it, &*r};
        }
      }
    return {nullptr, nullptr};
  };
  for (std::size_t head = 0; head < queue.size() && out.size() < limit; ++head) {
    const Found at = queue[head];
    for (uint32_t i = 0; i < at.record->inputs.count; ++i) {
      const Found from = producer(at.iteration->slots[at.record->inputs.begin + i].tensorId, at.record->id);
      if (from.record == nullptr || std::find(out.begin(), out.end(), from.record->id) != out.end()) continue;
      out.push_back(from.record->id);
      queue.push_back(from);
      if (out.size() >= limit) break;
    }
  }
  return out;
}

namespace {
/// Points from the `from`-th on, of `count` seen of which `kept` holds the last ones.
template <typename Point>
std::vector<Point> pointsFrom(const std::deque<Point>& kept, std::size_t count, std::size_t from) {
  const std::size_t first = count - kept.size();
  return std::vector<Point>(kept.begin() + static_cast<std::ptrdiff_t>(std::min(from > first ? from - first : 0, kept.size())),
                            kept.end());
}
}  // namespace

std::vector<LossPoint> Recorder::losses(std::size_t from) const {
  std::lock_guard lock(m_mutex);
  return pointsFrom(m_losses, m_lossCount, from);
}

std::vector<GradNormPoint> Recorder::gradNorms(std::size_t from) const {
  std::lock_guard lock(m_mutex);
  return pointsFrom(m_gradNorms, m_gradNormCount, from);
}

std::size_t Recorder::gradNormCount() const {
  std::lock_guard lock(m_mutex);
  return m_gradNormCount;
}

std::size_t Recorder::lossCount() const {
  std::lock_guard lock(m_mutex);
  return m_lossCount;
}

}  // namespace td::debug
