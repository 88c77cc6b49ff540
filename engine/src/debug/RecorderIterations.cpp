// The recorder's iterations (see Recorder.h): the current one's arenas (reused from the
// last one dropped), dropping those past the previous ones kept with their values, and
// the memory sampled at each entry. Called under the recorder's lock.
#include <algorithm>

#include "tapedeck/debug/Recorder.h"

namespace td::debug {

Recorder::Iteration& Recorder::currentIteration(uint64_t number) {
  if (m_iterations.empty() || m_iterations.back().number < number) {
    m_savedLive = 0;
    const std::size_t records = m_iterations.empty() ? 64 : m_iterations.back().records.size();
    const std::size_t slots = m_iterations.empty() ? 256 : m_iterations.back().slots.size();
    Iteration& next = m_iterations.emplace_back();
    next.number = number;
    next.firstValue = m_valueBase + valueCount();
    next.memory.iteration = number;
    // The arenas of a dropped iteration, emptied, serve the next one.
    next.records.swap(m_spareRecords);
    next.slots.swap(m_spareSlots);
    next.stats.swap(m_spareStats);
    next.dims.swap(m_spareDims);
    next.attrs.swap(m_spareAttrs);
    next.ids.swap(m_spareIds);
    next.records.reserve(records + records / 4);
    next.slots.reserve(slots + slots / 4);
    dropOldIterations();
    // Tensors not seen in this iteration or the previous one are forgotten, and so are
    // storages whose values all went.
    if (m_knownInserted > m_knownAfterSweep + 64) sweepKnown(number == 0 ? 0 : number - 1);
    if (m_linksUsed * 2 > m_links.size()) rebuildLinks(0);
    return m_iterations.back();
  }
  // An entry of an older iteration (another thread's late op) joins the newest one kept.
  return m_iterations.back();
}

void Recorder::dropOldIterations() {
  while (m_iterations.size() > static_cast<std::size_t>(m_options.previousIterations) + 1) {
    const uint64_t end = std::min<uint64_t>(m_iterations[1].firstValue, m_valueBase + valueCount());
    for (uint64_t i = m_valueBase; i < end; ++i) release(valueAt(i));  // (compaction reuses the slots)
    m_valueFront += end - m_valueBase;
    m_valueBase = end;
    // Compact once the dropped front outweighs the live values (amortised O(1) per value).
    if (m_valueFront > 256 && m_valueFront * 2 > m_values.size()) {
      m_values.erase(m_values.begin(), m_values.begin() + static_cast<std::ptrdiff_t>(m_valueFront));
      m_valueFront = 0;
      // The dropped values' statistics and dimensions go with them.
      std::vector<TensorStats> kept;
      std::vector<int64_t> keptDims;
      keptDims.reserve(m_valueDims.size() / 2);
      for (Value& v : m_values) {
        const auto dims = m_valueDims.begin() + v.dims;
        v.dims = static_cast<uint32_t>(keptDims.size());
        keptDims.insert(keptDims.end(), dims, dims + 2 * v.rank);
        if (v.stats == kNoStats) continue;
        const TensorStats stats = m_valueStats[v.stats];
        v.stats = static_cast<uint32_t>(kept.size());
        kept.push_back(stats);
      }
      m_valueStats.swap(kept);
      m_valueDims.swap(keptDims);
    }
    Iteration& dropped = m_iterations.front();
    dropped.records.clear();
    dropped.slots.clear();
    dropped.stats.clear();
    dropped.dims.clear();
    dropped.attrs.clear();
    dropped.ids.clear();
    if (dropped.slots.capacity() > m_spareSlots.capacity()) {
      m_spareRecords.swap(dropped.records);
      m_spareSlots.swap(dropped.slots);
      m_spareStats.swap(dropped.stats);
      m_spareDims.swap(dropped.dims);
      m_spareAttrs.swap(dropped.attrs);
      m_spareIds.swap(dropped.ids);
    }
    m_iterations.pop_front();
  }
  m_evictCursor = std::max(m_evictCursor, m_valueBase);
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
  memory.copyBytesPeak = std::max(memory.copyBytesPeak, m_copyBytes);
}

}  // namespace td::debug
