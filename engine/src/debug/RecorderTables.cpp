// How the recorder finds what it keeps of a tensor or a storage (see Recorder.h): known
// tensors (a tensor seen at a version keeps one value per iteration) through a mark on the
// tensor, and the newest value on a storage (for beforeWrite) through a mark on the storage;
// for what another recorder marked first, a map and an open-addressing table of links. The
// serials that tell recorders' marks apart are handed out here.
#include <algorithm>
#include <bitset>
#include <mutex>

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

// --- the known tensors ---------------------------------------------------------------------

namespace {
constexpr uint32_t kPlaceBits = 24;
constexpr uint32_t kPlaceMask = (uint32_t{1} << kPlaceBits) - 1;
uint32_t serialOf(uint32_t mark) { return mark >> kPlaceBits; }

// Serials of the recorders alive (1-255): two alive never share one, so neither reads the
// other's marks as its own. A recorder made while all are taken gets 0 and sets no marks.
struct Serials {
  std::mutex mutex;
  std::bitset<256> taken;
  uint32_t next = 0;  // round robin: a serial given back is the last to be taken again
};
Serials& serials() {
  static auto* instance = new Serials();  // never destroyed: recorders may outlive static destructors
  return *instance;
}
}  // namespace

uint32_t Recorder::takeSerial() {
  Serials& s = serials();
  std::lock_guard lock(s.mutex);
  for (uint32_t tries = 0; tries < 255; ++tries) {
    const uint32_t serial = s.next++ % 255 + 1;
    if (!s.taken[serial]) {
      s.taken[serial] = true;
      return serial;
    }
  }
  return 0;
}

void Recorder::giveBackSerial(uint32_t serial) {
  Serials& s = serials();
  std::lock_guard lock(s.mutex);
  if (serial != 0) s.taken[serial] = false;
}

Recorder::Known* Recorder::findKnown(const TensorImpl& t) {
  const uint32_t mark = t.recorderMark.load(std::memory_order_relaxed);
  uint32_t place = 0;
  if (m_serial != 0 && serialOf(mark) == m_serial) {
    place = mark & kPlaceMask;  // (its own mark: the place + 1, or 0)
  } else if (!m_knownElsewhere.empty()) {
    const auto found = m_knownElsewhere.find(t.id);
    if (found != m_knownElsewhere.end()) place = found->second + 1;
  }
  // A place freed, or reused for another tensor since: the id tells (ids are never reused).
  if (place == 0 || place > m_known.size() || m_known[place - 1].tensorId != t.id) return nullptr;
  return &m_known[place - 1];
}

Recorder::Known& Recorder::insertKnown(TensorImpl& t) {
  uint32_t place = 0;
  if (!m_knownFree.empty()) {
    place = m_knownFree.back();
    m_knownFree.pop_back();
  } else {
    place = static_cast<uint32_t>(m_known.size());
    m_known.emplace_back();
  }
  ++m_knownInserted;
  Known& known = m_known[place];
  const uint32_t stats = known.stats;  // a place keeps its statistics' index in m_knownStats
  known = Known{};
  known.stats = stats;
  known.tensorId = t.id;
  const uint32_t mark = t.recorderMark.load(std::memory_order_relaxed);
  if (m_serial != 0 && (mark == 0 || serialOf(mark) == m_serial) && place < kPlaceMask)
    t.recorderMark.store(m_serial << kPlaceBits | (place + 1), std::memory_order_relaxed);
  else
    m_knownElsewhere[t.id] = place;  // another recorder's mark (or more places than a mark holds)
  return known;
}

void Recorder::sweepKnown(uint64_t keepFrom) {
  for (std::size_t i = 0; i < m_known.size(); ++i) {
    Known& k = m_known[i];
    if (k.tensorId == 0 || k.lastIteration >= keepFrom) continue;
    if (!m_knownElsewhere.empty()) m_knownElsewhere.erase(k.tensorId);
    k.tensorId = 0;
    if (k.stats != kNoStats) m_knownStats[k.stats].computed = false;
    m_knownFree.push_back(static_cast<uint32_t>(i));
  }
  m_knownInserted = 0;
  m_knownAfterSweep = m_known.size() - m_knownFree.size();
}

}  // namespace td::debug
