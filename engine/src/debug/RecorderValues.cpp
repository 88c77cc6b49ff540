// The recorder's held values (see Recorder.h): holding and releasing them within the
// budget, their statistics, and the write watcher that keeps an old value before an
// in-place write. Called under the recorder's lock.
#include <algorithm>
#include <cstring>

#include "ops/OpUtils.h"
#include "tapedeck/backends/Backend.h"
#include "tapedeck/debug/Recorder.h"

namespace td::debug {

int64_t Recorder::viewBytes(const Tensor& t) { return t.numel() * static_cast<int64_t>(elementSize(t.dtype())); }

/// A private contiguous copy of `view`, made with the copy kernel (never on the tape).
Tensor Recorder::privateCopy(const Tensor& view) {
  Tensor copy = detail::allocate(view.shape(), view.dtype(), view.device(), "recorder copy");
  copyInto(copy, view);
  return copy;
}

Tensor Recorder::constantTensor(const Iteration& iteration, const Slot& slot, double v) {
  Tensor t = detail::allocate(shapeOf(iteration, slot), slot.dtype, kCPU, "recorder constant");
  const int64_t n = t.numel();
  switch (slot.dtype) {
    case DType::Float32: std::fill_n(t.data<float>(), n, static_cast<float>(v)); break;
    case DType::Float64: std::fill_n(t.data<double>(), n, v); break;
    case DType::Int64: std::fill_n(t.data<int64_t>(), n, static_cast<int64_t>(v)); break;
    case DType::Bool: std::fill_n(static_cast<uint8_t*>(t.rawData()), n, static_cast<uint8_t>(v != 0.0)); break;
  }
  return t;
}

/// A view of a held value that does not own its storage (no reference counted): the
/// engine's "is this memory shared" checks must not see a query's temporary. Valid while
/// the value holds the storage (under the recorder's lock).
Tensor Recorder::borrowedView(const Value& value) const {
  std::shared_ptr<Storage> borrowed(std::shared_ptr<Storage>(), value.storage.get());
  return Tensor(std::make_shared<TensorImpl>(std::move(borrowed), valueShape(value), valueStrides(value),
                                             value.offset, value.dtype));
}

// --- values -----------------------------------------------------------------------------

uint64_t Recorder::hold(const Tensor& t) {
  if (!m_options.keepValues || !t.device().isCpu()) return kNoValue;
  Value& value = m_values.emplace_back();
  value.storage = t.impl()->storage;
  const IntList& shape = t.shape();
  const IntList& strides = t.strides();
  value.dims = static_cast<uint32_t>(m_valueDims.size());
  value.rank = static_cast<uint32_t>(shape.size());
  m_valueDims.insert(m_valueDims.end(), shape.begin(), shape.end());
  m_valueDims.insert(m_valueDims.end(), strides.begin(), strides.end());
  value.offset = t.offset();
  value.dtype = t.dtype();
  value.bytes = viewBytes(t);
  value.storage->watch();
  m_heldBytes += value.bytes;
  const uint64_t index = m_valueBase + valueCount() - 1;
  // The newest value on this storage: in the storage's mark when this recorder owns it,
  // else in its own table.
  std::atomic<uint64_t>& mark = value.storage->watcherMark();
  const uint64_t marked = mark.load(std::memory_order_relaxed);
  if (m_serial != 0 && (marked == 0 || ownsMark(marked))) {
    // (A mark left by a recorder gone, that had the same serial, names no older value here.)
    const uint64_t newest = newestIn(marked);
    value.previous = newest < index ? newest : kNoValue;
    mark.store(markOf(index), std::memory_order_relaxed);
  } else {
    StorageLink& link = insertLink(value.storage.get());
    value.previous = link.newest;
    link.newest = index;
  }
  return index;
}

void Recorder::release(Value& value) {
  if (value.dropped) return;
  if (value.copied) m_copyBytes -= value.bytes;
  else value.storage->unwatch();
  m_heldBytes -= value.bytes;
  // The last reference to memory from NumPy takes the GIL to let go of the array: never
  // under this lock (a thread holding the GIL may be waiting for it).
  m_dead.push_back(std::move(value.storage));
  value.dropped = true;
}

void Recorder::evictOverBudget() {
  const uint64_t end = m_valueBase + valueCount();
  m_evictCursor = std::max(m_evictCursor, m_valueBase);
  while (m_heldBytes > static_cast<int64_t>(m_options.budgetBytes) && m_evictCursor < end) {
    Value& value = valueAt(m_evictCursor++);
    // Its entry stays: the statistics outlive the value (unless statistics are off).
    if (!value.dropped && m_options.keepStats) valueStats(value);
    release(value);
  }
}

const TensorStats& Recorder::valueStats(const Value& value) const {
  static const TensorStats kNone;
  if (const TensorStats* computed = computedStats(value)) return *computed;
  if (value.dropped) return kNone;
  setValueStats(value, computeStats(borrowedView(value)));
  return value.stats != kNoStats ? m_valueStats[value.stats] : kNone;
}

const TensorStats& Recorder::statsOf(const Iteration& iteration, const Slot& slot) const {
  static const TensorStats kNone;
  const TensorStats* own = ownStats(iteration, slot);
  if ((own != nullptr && own->computed) || slot.value == kNoValue || slot.value < m_valueBase)
    return own != nullptr ? *own : kNone;
  return valueStats(valueAt(slot.value));
}

void Recorder::beforeWrite(Storage& storage, bool mayMove, std::shared_ptr<Storage>& moved) {
  std::lock_guard lock(m_mutex);
  // Newest first (a parameter's references are from the last steps), down to the eviction
  // cursor (older values are dropped), stopping once no reference to it is left.
  const uint64_t oldest = std::max(m_evictCursor, m_valueBase);
  const uint64_t marked = storage.watcherMark().load(std::memory_order_relaxed);
  uint64_t newest = kNoValue;
  if (ownsMark(marked)) newest = newestIn(marked);
  else if (const StorageLink* link = findLink(&storage)) newest = link->newest;
  if (newest != kNoValue && newest >= m_valueBase + valueCount()) newest = kNoValue;  // (see hold)
  for (uint64_t i = newest;
       i != kNoValue && i >= oldest && storage.watchCount() > 0; i = valueAt(i).previous) {
    Value& value = valueAt(i);
    if (value.dropped || value.copied || value.storage.get() != &storage) continue;
    // A small value is copied: cheaper than moving, which costs the write fresh memory and
    // its inputs a view onto the old. (Under the lock: queries see before or after.)
    if (mayMove && !moved && value.bytes > kCopyBelowBytes) moved = storage.takeMemory();
    if (moved) {
      value.storage = moved;  // the old memory moved out of the way: keep it, no copy
    } else if (storage.device().isCpu() && isContiguousLayout(valueShape(value), valueStrides(value))) {
      // One block (a bias of a few values, kept inside its Storage, cannot move): a memcpy.
      auto copy = std::make_shared<Storage>(static_cast<std::size_t>(value.bytes), storage.device());
      const char* from = static_cast<const char*>(storage.data()) + value.offset * elementSize(value.dtype);
      if (value.bytes > 0) std::memcpy(copy->data(), from, static_cast<std::size_t>(value.bytes));
      value.storage = std::move(copy);
      value.offset = 0;
    } else {
      Tensor copy = privateCopy(borrowedView(value));
      value.storage = copy.impl()->storage;
      const IntList& strides = copy.strides();
      std::copy(strides.begin(), strides.end(), m_valueDims.begin() + value.dims + value.rank);
      value.offset = 0;
    }
    storage.unwatch();  // after the copy or move succeeded: a throw leaves the count balanced
    value.copied = true;
    m_copyBytes += value.bytes;
  }
  if (!m_iterations.empty()) {
    IterationMemory& memory = m_iterations.back().memory;
    memory.copyBytes = m_copyBytes;
    memory.copyBytesPeak = std::max(memory.copyBytesPeak, m_copyBytes);
  }
}

}  // namespace td::debug
