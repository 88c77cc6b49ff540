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

 private:
  // Tiny tensors (scalars, 4-element vectors) live inside the Storage object itself:
  // one allocation fewer per op where per-op overhead matters most.
  static constexpr std::size_t kInlineBytes = 64;
  alignas(64) unsigned char m_inline[kInlineBytes];
  void* m_data = nullptr;
  std::size_t m_nbytes = 0;
  Device m_device;
  std::function<void()> m_release;  // set for wrapped (foreign) memory
  std::atomic<uint64_t> m_version{0};
  const char* m_lastWriterOp = nullptr;
  SourceLoc m_lastWriterLoc;
};

}  // namespace td
