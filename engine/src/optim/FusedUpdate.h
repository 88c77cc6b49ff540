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

/// Before the pass writes `written` in place: the write watchers (a recorder) keep the old
/// values, by a copy (the pass reads the old values where it writes the new ones).
void beforeFusedWrite(std::initializer_list<const Tensor*> written);
/// After it: each write is counted (`name` is the writer that errors name).
void afterFusedWrite(std::initializer_list<const Tensor*> written, const char* name);

}  // namespace td::optim::detail
