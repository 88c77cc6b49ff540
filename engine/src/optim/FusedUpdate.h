#pragma once
// What the optimizers' fused passes share (SGD, Adam, RMSprop): when one applies, and the write
// protocol around it. A fused pass updates a parameter and its state in one loop over
// contiguous CPU memory instead of an in-place op per term.
#include <array>
#include <initializer_list>
#include <memory>
#include <vector>

#include "tapedeck/core/Tensor.h"

namespace td::optim::detail {

/// Whether a fused pass applies: CPU memory, one floating dtype, contiguous, the gradient
/// and every defined buffer of the parameter's shape, and no two of them sharing memory
/// (each is read or written once per element).
bool fusable(const Tensor& param, const Tensor& grad, std::initializer_list<const Tensor*> buffers);

void afterFusedWrite(std::initializer_list<const Tensor*> written, const char* name);

/// Where a pass reads the old values of the tensors it writes (writeFusedFrom). Without a
/// move, each one's own memory (`anyMoved` false: the pass works in place). Once a write
/// watcher moved any of them out of the way instead of copying it (a recorder holding a
/// large parameter or optimizer state), every old value is apart from the memory the pass
/// writes: the moved ones where they were moved, any other one moved by the pass itself
/// (a tensor no recorder held) or, where its memory cannot move (a view of a larger
/// storage, memory from NumPy), in a private copy: a pass may then take all its pointers
/// as not aliasing.
struct FusedSources {
  static constexpr std::size_t kMaxWritten = 4;
  std::array<std::shared_ptr<Storage>, kMaxWritten> moved;  ///< the old memory, kept through the pass
  std::array<std::vector<unsigned char>, kMaxWritten> copies;  ///< old values of the others, once any moved
  std::array<const void*, kMaxWritten> data{};              ///< the old values of written[i]
  bool anyMoved = false;
  template <typename T>
  const T* of(std::size_t i) const { return static_cast<const T*>(data[i]); }
};

FusedSources beforeFusedWriteFrom(std::initializer_list<const Tensor*> written);
/// After a pass that threw: the moved tensors get their old values back.
void restoreMoved(std::initializer_list<const Tensor*> written, const FusedSources& sources);

/// RAII: this thread's floating-point unit flushes denormal numbers to zero (inputs and
/// results) while it lives. A long run's optimizer state decays toward zero (Adam's second
/// moment of a parameter whose gradient has all but vanished): in denormal range every
/// element costs the CPU a microcode assist, and the spiral lesson's steps grew three
/// times slower over a thousand epochs. Values below 1.2e-38 (float32) then count as zero,
/// far below any optimizer's eps. A no-op where the CPU has no such mode.
class FlushDenormals {
 public:
  FlushDenormals();
  ~FlushDenormals();
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned m_saved = 0;
};

/// Runs `pass(sources)`, which writes the defined tensors of `written` (their data) and
/// reads each one's old values from `sources.of<T>(i)`: the write watchers (a recorder)
/// keep the old values first, moving the memory they keep rather than copying it where
/// they can (a parameter of a megabyte: no megabyte copied per step); each write is then
/// counted (`name` is the writer that errors name). A pass that throws leaves the moved
/// tensors with their old values. The pass runs with denormals flushed (FlushDenormals).
template <typename Pass>
void writeFusedFrom(std::initializer_list<const Tensor*> written, const char* name, Pass&& pass) {
  const FusedSources sources = beforeFusedWriteFrom(written);
  try {
    const FlushDenormals flush;
    pass(sources);
  } catch (...) {
    restoreMoved(written, sources);
    throw;
  }
  afterFusedWrite(written, name);
}

}  // namespace td::optim::detail
