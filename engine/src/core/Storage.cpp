#include "tapedeck/core/Storage.h"

#include <atomic>
#include <cstdlib>
#include <malloc.h>
#include <mutex>
#include <new>
#include <vector>

#include "tapedeck/core/Error.h"

namespace td {
namespace {
std::atomic<int64_t> g_liveStorages{0};
std::atomic<int64_t> g_liveBytes{0};

// Writes to watched storages are rare (a recorder holding a parameter, once per step), so
// one mutex serialises them and keeps a watcher alive while it is being told.
std::mutex& watcherMutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}
std::vector<WriteWatcher*>& watchers() {
  static auto* list = new std::vector<WriteWatcher*>();
  return *list;
}

// Training allocates the same large temporaries every step. glibc would hand blocks above
// its mmap threshold back to the kernel and fault them in again each time; keep them in
// the heap instead (set once when the engine loads).
[[maybe_unused]] const bool g_mallocTuned = [] {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  return true;
}();
constexpr std::size_t kAlignment = 64;

void* heapAllocate(std::size_t nbytes) {
  std::size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  TD_CHECK(rounded >= nbytes, "allocate", "size of ", nbytes, " bytes overflows");
  void* data = std::aligned_alloc(kAlignment, rounded);
  TD_CHECK(data != nullptr, "allocate", "out of memory allocating ", nbytes, " bytes");
  return data;
}
}  // namespace

Storage::Storage(std::size_t nbytes, Device device) : m_nbytes(nbytes), m_device(device) {
  TD_CHECK(device.isCpu(), "allocate", "device ", device.str(), " is not available in this build");
  if (nbytes > 0 && nbytes <= kInlineBytes) {
    m_data = m_inline;
  } else if (nbytes > 0) {
    m_data = heapAllocate(nbytes);
  }
  g_liveStorages.fetch_add(1, std::memory_order_relaxed);
  g_liveBytes.fetch_add(static_cast<int64_t>(m_nbytes), std::memory_order_relaxed);
}

Storage::Storage(void* data, std::size_t nbytes, Device device, std::function<void()> release)
    : m_data(data), m_nbytes(nbytes), m_device(device), m_release(release ? std::move(release) : [] {}) {
  TD_CHECK(device.isCpu(), "wrap", "device ", device.str(), " is not available in this build");
  TD_CHECK(data != nullptr || nbytes == 0, "wrap", "null memory of ", nbytes, " bytes");
  g_liveStorages.fetch_add(1, std::memory_order_relaxed);
  g_liveBytes.fetch_add(static_cast<int64_t>(m_nbytes), std::memory_order_relaxed);
}

Storage::~Storage() {
  if (m_release) m_release();
  else if (m_data != m_inline) std::free(m_data);
  g_liveStorages.fetch_sub(1, std::memory_order_relaxed);
  g_liveBytes.fetch_sub(static_cast<int64_t>(m_nbytes), std::memory_order_relaxed);
}

int64_t Storage::liveCount() { return g_liveStorages.load(); }
int64_t Storage::liveBytes() { return g_liveBytes.load(std::memory_order_relaxed); }

void Storage::addWriteWatcher(WriteWatcher* watcher) {
  std::lock_guard lock(watcherMutex());
  watchers().push_back(watcher);
}

void Storage::removeWriteWatcher(WriteWatcher* watcher) {
  std::lock_guard lock(watcherMutex());
  std::erase(watchers(), watcher);
}

void Storage::markExported() {
  std::lock_guard lock(watcherMutex());  // moves happen only under it (notifyWatchers)
  m_exported.store(true, std::memory_order_relaxed);
}

std::shared_ptr<Storage> Storage::takeMemory() {
  if (m_release || m_data == m_inline || m_data == nullptr || m_exported.load(std::memory_order_relaxed))
    return nullptr;
  auto previous = std::make_shared<Storage>(0, m_device);
  void* fresh = heapAllocate(m_nbytes);
  previous->m_data = m_data;
  previous->m_nbytes = m_nbytes;
  g_liveBytes.fetch_add(static_cast<int64_t>(m_nbytes), std::memory_order_relaxed);
  m_data = fresh;
  return previous;
}

std::shared_ptr<Storage> Storage::notifyWatchers(bool mayMove) {
  std::lock_guard lock(watcherMutex());
  std::shared_ptr<Storage> moved;
  for (WriteWatcher* watcher : watchers()) watcher->beforeWrite(*this, mayMove, moved);
  return moved;
}

}  // namespace td
