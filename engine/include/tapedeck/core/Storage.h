#pragma once
// Refcounted memory shared by a tensor and its views, with the version counter
// that in-place ops bump.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "tapedeck/core/DType.h"
#include "tapedeck/core/SourceLocation.h"

namespace td {

class Storage;

/// Told before an in-place write to a storage it watches (Storage::watch), so it can keep
/// the old value: the debugger's recorder keeps values from before an optimizer step.
class WriteWatcher {
 public:
  virtual ~WriteWatcher() = default;
  /// Runs on the writing thread, before the write, while `storage` still holds the old
  /// value. With `mayMove`, instead of copying, the watcher may move the old memory out
  /// (`moved = storage.takeMemory()`, under its own lock, so its readers never see the
  /// swap half done); the write then goes to fresh memory. `moved` may already be set by
  /// another watcher: the old value is there.
  virtual void beforeWrite(Storage& storage, bool mayMove, std::shared_ptr<Storage>& moved) = 0;
};

class Storage {
 public:
  /// Allocates `nbytes` on `device`; throws td::Error (naming the size) when it cannot.
  Storage(std::size_t nbytes, Device device);
  /// Wraps `nbytes` at `data` that someone else owns (a NumPy array's memory): nothing is
  /// copied or freed; `release` runs when the storage dies (it may drop the owner).
  Storage(void* data, std::size_t nbytes, Device device, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() { return m_data; }
  const void* data() const { return m_data; }
  std::size_t nbytes() const { return m_nbytes; }
  Device device() const { return m_device; }

  /// Bumped by every in-place write; saved tensors compare it at backward.
  uint64_t version() const { return m_version.load(std::memory_order_relaxed); }
  /// Records an in-place write by `op` at `loc` (the last writer is named in errors).
  void bumpVersion(const char* op, const SourceLoc& loc) {
    m_version.fetch_add(1, std::memory_order_relaxed);
    m_lastWriterOp = op;
    m_lastWriterLoc = loc;
  }
  const char* lastWriterOp() const { return m_lastWriterOp; }
  const SourceLoc& lastWriterLoc() const { return m_lastWriterLoc; }

  /// Live Storage objects in the process (for leak tests).
  static int64_t liveCount();
  /// Bytes of all live storages (the memory view's "tensors" figure).
  static int64_t liveBytes();

  /// Watchers are not owned; remove before destroying. Each is told about every write to
  /// a storage with a non-zero watch count.
  static void addWriteWatcher(WriteWatcher* watcher);
  static void removeWriteWatcher(WriteWatcher* watcher);
  /// A watcher holds a reference to this storage (counted per reference it holds).
  void watch() { m_watchCount.fetch_add(1, std::memory_order_relaxed); }
  void unwatch() { m_watchCount.fetch_sub(1, std::memory_order_relaxed); }
  /// References held by watchers: they copy before a write, so they do not count as
  /// sharing the memory (an in-place write may go ahead).
  int64_t watchCount() const { return m_watchCount.load(std::memory_order_relaxed); }
  /// Where a watcher keeps what it holds of this storage (its own encoding; 0: nothing),
  /// so it finds that without a lookup. Owned by the first watcher that sets it.
  std::atomic<uint64_t>& watcherMark() { return m_watcherMark; }
  /// Every in-place write calls this first: one relaxed load when nothing watches.
  /// With `mayMove` (the caller writes every byte, or reads the old values from the
  /// returned storage), a watcher may move the memory to a new Storage, returned, instead
  /// of copying it; this one then has fresh memory whose contents the write defines.
  std::shared_ptr<Storage> aboutToWrite(bool mayMove = false) {
    if (m_watchCount.load(std::memory_order_relaxed) == 0) return nullptr;
    return notifyWatchers(mayMove);
  }
  /// The memory is about to be handed out as a raw pointer that lives on (a NumPy array
  /// over it): from now on it never moves. Call before reading data() for it (a move in
  /// progress finishes first).
  void markExported();

  /// For a WriteWatcher: moves owned heap memory to a new Storage and allocates fresh
  /// memory here; null when the memory is inline, someone else's, or exported.
  std::shared_ptr<Storage> takeMemory();
  /// The same for a writer about to define every byte that reads the old values from
  /// elsewhere (an optimizer's fused pass once a watcher moved one of its tensors): under
  /// the watchers' lock, as their moves are, so an export in progress finishes first; null
  /// while a watcher still references the memory.
  std::shared_ptr<Storage> takeMemoryForWrite();

 private:
  std::shared_ptr<Storage> notifyWatchers(bool mayMove);

  // Tiny tensors (scalars, 4-element vectors) live inside the Storage object itself:
  // one allocation fewer per op where per-op overhead matters most. 16-byte aligned, as
  // malloc gives: a stricter alignment would send every Storage through aligned new
  // (glibc's slow memalign path); kernels read with unaligned loads.
  static constexpr std::size_t kInlineBytes = 64;
  alignas(16) unsigned char m_inline[kInlineBytes];
  void* m_data = nullptr;
  std::size_t m_nbytes = 0;
  Device m_device;
  std::function<void()> m_release;  // set for wrapped (foreign) memory
  std::atomic<uint64_t> m_version{0};
  std::atomic<int64_t> m_watchCount{0};
  std::atomic<uint64_t> m_watcherMark{0};
  std::atomic<bool> m_exported{false};
  const char* m_lastWriterOp = nullptr;
  SourceLoc m_lastWriterLoc;
};

}  // namespace td
