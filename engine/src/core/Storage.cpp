#include "tapedeck/core/Storage.h"

#include <atomic>
#include <cstdlib>
#include <malloc.h>
#include <mutex>
#include <new>
#include <vector>

#include "core/AllocationFaults.h"
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

// Blocks up to 1 MB are rounded up to a power of two and, when freed, kept for reuse in
// a per-thread cache (at most 32 MB per thread). Aligned allocation bypasses glibc's
// fast per-thread cache, and a debugger's recorder, holding a few iterations of tensors,
// makes the heap fragment: a step's many small temporaries then cost far more than their
// kernels. Under AddressSanitizer nothing is cached, so it still sees every use after free.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPooling = false;
#else
constexpr bool kPooling = true;
#endif
constexpr std::size_t kMinPooledShift = 6;   // 64 bytes
constexpr std::size_t kMaxPooledShift = 20;  // 1 MB
constexpr std::size_t kMaxCachedBytes = std::size_t{32} << 20;

std::size_t sizeClass(std::size_t nbytes) {
  std::size_t shift = kMinPooledShift;
  while ((std::size_t{1} << shift) < nbytes) ++shift;
  return shift;
}

void* systemAllocate(std::size_t nbytes) {
  std::size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  TD_CHECK(rounded >= nbytes, "allocate", "size of ", nbytes, " bytes overflows");
  void* data = std::aligned_alloc(kAlignment, rounded);
  TD_CHECK(data != nullptr, "allocate", "out of memory allocating ", nbytes, " bytes");
  return data;
}

class BlockCache {
 public:
  ~BlockCache() {
    for (auto& blocks : m_free)
      for (void* block : blocks) std::free(block);
  }
  void* take(std::size_t shift) {
    std::vector<void*>& blocks = m_free[shift];
    if (blocks.empty()) return nullptr;
    void* block = blocks.back();
    blocks.pop_back();
    m_bytes -= std::size_t{1} << shift;
    return block;
  }
  bool give(std::size_t shift, void* block) {
    const std::size_t bytes = std::size_t{1} << shift;
    if (m_bytes + bytes > kMaxCachedBytes) return false;
    m_free[shift].push_back(block);
    m_bytes += bytes;
    return true;
  }

 private:
  std::vector<void*> m_free[kMaxPooledShift + 1];
  std::size_t m_bytes = 0;
};

/// This thread's cache; null once the thread is ending (its cache is gone).
BlockCache* threadCache() {
  struct Holder {
    BlockCache cache;
    bool alive = true;
    ~Holder() { alive = false; }
  };
  thread_local Holder holder;
  return holder.alive ? &holder.cache : nullptr;
}

bool pooled(std::size_t nbytes) { return kPooling && nbytes <= (std::size_t{1} << kMaxPooledShift); }

// failAllocationAfter's countdown: negative when disarmed (one relaxed load per allocation).
std::atomic<int64_t> g_allocationsBeforeFailure{-1};

void* heapAllocate(std::size_t nbytes) {
  if (g_allocationsBeforeFailure.load(std::memory_order_relaxed) >= 0 &&
      g_allocationsBeforeFailure.fetch_sub(1, std::memory_order_relaxed) == 0) {
    g_allocationsBeforeFailure.store(-1, std::memory_order_relaxed);
    TD_CHECK(false, "allocate", "out of memory allocating ", nbytes, " bytes (a failure a test asked for)");
  }
  if (!pooled(nbytes)) return systemAllocate(nbytes);
  const std::size_t shift = sizeClass(nbytes);
  if (BlockCache* cache = threadCache())
    if (void* block = cache->take(shift)) return block;
  return systemAllocate(std::size_t{1} << shift);
}

void heapFree(void* data, std::size_t nbytes) {
  if (pooled(nbytes)) {
    BlockCache* cache = threadCache();
    if (cache != nullptr && cache->give(sizeClass(nbytes), data)) return;
  }
  std::free(data);
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
  else if (m_data != m_inline && m_data != nullptr) heapFree(m_data, m_nbytes);
  g_liveStorages.fetch_sub(1, std::memory_order_relaxed);
  g_liveBytes.fetch_sub(static_cast<int64_t>(m_nbytes), std::memory_order_relaxed);
}

namespace detail {
void failAllocationAfter(int64_t count) {
  g_allocationsBeforeFailure.store(count < 0 ? -1 : count, std::memory_order_relaxed);
}
}  // namespace detail

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

std::shared_ptr<Storage> Storage::takeMemoryForWrite() {
  std::lock_guard lock(watcherMutex());
  // Only memory no watcher references: a watcher's readers take its own lock, not this one.
  if (watchCount() != 0) return nullptr;
  return takeMemory();
}

std::shared_ptr<Storage> Storage::notifyWatchers(bool mayMove) {
  std::lock_guard lock(watcherMutex());
  std::shared_ptr<Storage> moved;
  for (WriteWatcher* watcher : watchers()) watcher->beforeWrite(*this, mayMove, moved);
  return moved;
}

}  // namespace td
