// The optimizers' fused passes: when one applies, and the write protocol around it (see
// FusedUpdate.h).
#include "optim/FusedUpdate.h"

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

void beforeFusedWrite(std::initializer_list<const Tensor*> written) {
  for (const Tensor* t : written)
    if (t->defined()) t->storage().aboutToWrite(false);
}

void afterFusedWrite(std::initializer_list<const Tensor*> written, const char* name) {
  for (const Tensor* t : written)
    if (t->defined()) t->storage().bumpVersion(name, currentSourceLoc());
}

}  // namespace td::optim::detail
