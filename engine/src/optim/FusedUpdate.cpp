// The optimizers' fused passes: when one applies, and the write protocol around it (see
// FusedUpdate.h).
#include "optim/FusedUpdate.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "ops/OpUtils.h"
#include "tapedeck/backends/Backend.h"
#include "tapedeck/core/SourceLocation.h"

namespace td::optim::detail {

bool fusable(const Tensor& param, const Tensor& grad, std::initializer_list<const Tensor*> buffers) {
  if (!param.device().isCpu() || !isFloating(param.dtype()) || !param.isContiguous()) return false;
  if (grad.dtype() != param.dtype() || !grad.device().isCpu() || !grad.isContiguous() ||
      grad.shape() != param.shape() || grad.impl()->storage == param.impl()->storage)
    return false;
  for (const Tensor* b : buffers) {
    if (!b->defined()) continue;
    if (b->dtype() != param.dtype() || !b->device().isCpu() || !b->isContiguous() || b->shape() != param.shape())
      return false;
    if (b->impl()->storage == param.impl()->storage || b->impl()->storage == grad.impl()->storage) return false;
  }
  return true;
}

namespace {

/// Once any written tensor moved: the others move too where they can, else are copied, so
/// that no old value shares memory with what the pass writes.
void apartFromMoved(std::initializer_list<const Tensor*> written, FusedSources& sources) {
  std::size_t i = 0;
  for (const Tensor* t : written) {
    // One no watcher held (an optimizer's state, which no entry shows): its memory moves
    // too, where it can, which costs an allocation instead of a copy of its bytes.
    if (t->defined() && !sources.moved[i] && td::detail::coversStorage(*t)) {
      if ((sources.moved[i] = t->storage().takeMemoryForWrite()))
        sources.data[i] = static_cast<const char*>(sources.moved[i]->data()) +
                          t->offset() * static_cast<int64_t>(elementSize(t->dtype()));
    }
    if (t->defined() && !sources.moved[i]) {
      const auto* from = static_cast<const unsigned char*>(sources.data[i]);
      sources.copies[i].assign(from, from + t->numel() * static_cast<int64_t>(elementSize(t->dtype())));
      sources.data[i] = sources.copies[i].data();
    }
    ++i;
  }
}

}  // namespace

FusedSources beforeFusedWriteFrom(std::initializer_list<const Tensor*> written) {
  TD_ASSERT(written.size() <= FusedSources::kMaxWritten, "a fused pass writes at most ", FusedSources::kMaxWritten,
            " tensors, got ", written.size());
  FusedSources sources;
  try {
    std::size_t i = 0;
    for (const Tensor* t : written) {
      if (t->defined()) {
        sources.moved[i] = t->storage().aboutToWrite(td::detail::coversStorage(*t));
        sources.anyMoved = sources.anyMoved || sources.moved[i] != nullptr;
        sources.data[i] = sources.moved[i] ? static_cast<const char*>(sources.moved[i]->data()) +
                                                 t->offset() * static_cast<int64_t>(elementSize(t->dtype()))
                                           : t->rawData();
      }
      ++i;
    }
    if (sources.anyMoved) apartFromMoved(written, sources);
  } catch (...) {
    // A watcher or an allocation failed part way: what moved already gets its old values back.
    restoreMoved(written, sources);
    throw;
  }
  return sources;
}

void restoreMoved(std::initializer_list<const Tensor*> written, const FusedSources& sources) {
  std::size_t i = 0;
  for (const Tensor* t : written) {
    if (sources.moved[i]) copyInto(*t, td::detail::onStorage(*t, sources.moved[i]));
    ++i;
  }
}

#if defined(__x86_64__) || defined(__i386__)
// MXCSR's flush-to-zero (results) and denormals-are-zero (inputs) bits.
constexpr unsigned kFlushBits = 0x8040;
FlushDenormals::FlushDenormals() : m_saved(_mm_getcsr()) { _mm_setcsr(m_saved | kFlushBits); }
FlushDenormals::~FlushDenormals() { _mm_setcsr(m_saved); }
#else
FlushDenormals::FlushDenormals() = default;
FlushDenormals::~FlushDenormals() = default;
#endif

void afterFusedWrite(std::initializer_list<const Tensor*> written, const char* name) {
  for (const Tensor* t : written)
    if (t->defined()) t->storage().bumpVersion(name, currentSourceLoc());
}

}  // namespace td::optim::detail
