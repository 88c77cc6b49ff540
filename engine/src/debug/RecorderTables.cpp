// The recorder's two lookup tables (see Recorder.h), open addressing with linear probing,
// rebuilt as iterations go: storage links (the newest value holding a storage, for
// beforeWrite) and known tensors (a tensor seen at a version keeps one value per iteration).
#include <algorithm>

#include "tapedeck/debug/Recorder.h"

namespace td::debug {

// --- the storage links -------------------------------------------------------------------

namespace {
std::size_t linkSlot(const Storage* storage, std::size_t mask) {
  return (reinterpret_cast<uintptr_t>(storage) >> 4) * 0x9E3779B97F4A7C15ull >> 20 & mask;
}
}  // namespace

Recorder::StorageLink* Recorder::findLink(const Storage* storage) {
  if (m_links.empty()) return nullptr;
  const std::size_t mask = m_links.size() - 1;
  for (std::size_t i = linkSlot(storage, mask);; i = (i + 1) & mask) {
    if (m_links[i].storage == storage) return &m_links[i];
    if (m_links[i].storage == nullptr) return nullptr;
  }
}

Recorder::StorageLink& Recorder::insertLink(const Storage* storage) {
  if ((m_linksUsed + 1) * 10 > m_links.size() * 7) rebuildLinks(2 * m_links.size());
  const std::size_t mask = m_links.size() - 1;
  for (std::size_t i = linkSlot(storage, mask);; i = (i + 1) & mask) {
    if (m_links[i].storage == storage) return m_links[i];
    if (m_links[i].storage == nullptr) {
      ++m_linksUsed;
      m_links[i].storage = storage;
      return m_links[i];
    }
  }
}

void Recorder::rebuildLinks(std::size_t minimumCapacity) {
  std::vector<StorageLink> old = std::move(m_links);
  std::size_t kept = 0;
  auto live = [&](const StorageLink& l) { return l.storage != nullptr && l.newest != kNoValue && l.newest >= m_valueBase; };
  for (const StorageLink& l : old) kept += live(l);
  std::size_t capacity = 64;
  while (capacity < std::max(minimumCapacity, 8 * kept + 8)) capacity *= 2;
  m_links.assign(capacity, StorageLink{});
  m_linksUsed = 0;
  for (const StorageLink& l : old)
    if (live(l)) insertLink(l.storage).newest = l.newest;
}

// --- the table of known tensors ---------------------------------------------------------

Recorder::Known* Recorder::findKnown(uint64_t tensorId) {
  if (m_known.empty()) return nullptr;
  const std::size_t mask = m_known.size() - 1;
  for (std::size_t i = (tensorId * 0x9E3779B97F4A7C15ull) >> 20 & mask;; i = (i + 1) & mask) {
    if (m_known[i].tensorId == tensorId) return &m_known[i];
    if (m_known[i].tensorId == 0) return nullptr;
  }
}

Recorder::Known& Recorder::insertKnown(uint64_t tensorId) {
  if ((m_knownUsed + 1) * 10 > m_known.size() * 7) rebuildKnown(0, 2 * m_known.size());
  const std::size_t mask = m_known.size() - 1;
  for (std::size_t i = (tensorId * 0x9E3779B97F4A7C15ull) >> 20 & mask;; i = (i + 1) & mask) {
    if (m_known[i].tensorId == tensorId) return m_known[i];
    if (m_known[i].tensorId == 0) {
      ++m_knownUsed;
      m_known[i].tensorId = tensorId;
      return m_known[i];
    }
  }
}

void Recorder::rebuildKnown(uint64_t keepFrom, std::size_t minimumCapacity) {
  std::vector<Known> old = std::move(m_known);
  std::vector<TensorStats> oldStats = std::move(m_knownStats);
  m_knownStats.clear();
  std::size_t kept = 0;
  for (const Known& k : old) kept += k.tensorId != 0 && k.lastIteration >= keepFrom;
  std::size_t capacity = 64;
  // Room for several iterations' new tensors before the next rebuild.
  while (capacity < std::max(minimumCapacity, 8 * kept + 8)) capacity *= 2;
  m_known.assign(capacity, Known{});
  m_knownUsed = 0;
  for (const Known& k : old) {
    if (k.tensorId == 0 || k.lastIteration < keepFrom) continue;
    Known& kept = insertKnown(k.tensorId);
    kept = k;
    kept.stats = kNoStats;
    if (k.stats != kNoStats) setKnownStats(kept, oldStats[k.stats]);
  }
}

}  // namespace td::debug
