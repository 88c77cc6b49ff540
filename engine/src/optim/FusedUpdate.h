#pragma once
// What the optimizers' fused passes share (Adam, SGD): when one applies, and the write
// protocol around it. A fused pass updates a parameter and its state in one loop over
// contiguous CPU memory instead of an in-place op per term.
#include <initializer_list>

#include "tapedeck/core/Tensor.h"

namespace td::optim::detail {

/// Whether a fused pass applies: CPU memory, one floating dtype, contiguous, the gradient
/// and every defined buffer of the parameter's shape, and no two of them sharing memory
/// (each is read or written once per element).
bool fusable(const Tensor& param, const Tensor& grad, std::initializer_list<const Tensor*> buffers);

void beforeFusedWrite(std::initializer_list<const Tensor*> written);
void afterFusedWrite(std::initializer_list<const Tensor*> written, const char* name);

/// Runs `pass`, which writes the defined tensors of `written` in place: the write watchers
/// (a recorder) keep the old values first, by a copy (the pass reads the old values where
/// it writes the new ones), and each write is counted after (`name` is the writer that
/// errors name).
template <typename Pass>
void writeFused(std::initializer_list<const Tensor*> written, const char* name, Pass&& pass) {
  beforeFusedWrite(written);
  pass();
  afterFusedWrite(written, name);
}

}  // namespace td::optim::detail
