#pragma once
// Recording an op application on the tape (internal): the entry, the autograd node,
// the observer calls and anomaly checks. With nothing to do it costs a few branches.
#include <atomic>
#include <cstddef>
#include <vector>

#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/autograd/Tape.h"
#include "tapedeck/core/Tensor.h"
#include "tapedeck/ops/OpTable.h"

namespace td::detail {

struct RecordState {
  bool inFormula = false;          // running a derivative formula
  bool unobserved = false;         // in an UnobservedScope: observers see nothing, no iteration advances
  bool gradCall = false;           // the backward running is autograd::grad's (Tape::inGradCall)
  uint64_t formulaOwner = 0;       // entry id whose backward is running
  // In-place methods: the next entry for `inplaceOp` writes into tensor `inplaceTarget`.
  OpId inplaceOp = OpId::Add;
  uint64_t inplaceTarget = 0;
  bool inplacePending = false;
};
RecordState& recordState();

extern std::atomic<int> g_slowPathUsers;  // observers + anomaly guards alive

/// Records a primitive op that has run. `extraSaved` are kernel by-products kept for
/// backward (max_pool2d's indices), appended after the derivative row's saved tensors.
void recordOpSlow(OpId op, const Tensor* inputs, std::size_t numInputs, Tensor* outputs, std::size_t numOutputs,
                  const OpAttrs& attrs, const Tensor* extraSaved, std::size_t numExtraSaved);

inline bool anyRequiresGrad(const Tensor* inputs, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const AutogradMeta* m = inputs[i].impl()->autograd.get();
    if (m != nullptr && m->requiresGrad) return true;
  }
  return false;
}

inline void recordOp(OpId op, const Tensor* inputs, std::size_t numInputs, Tensor* outputs, std::size_t numOutputs,
                     const OpAttrs& attrs, const Tensor* extraSaved = nullptr, std::size_t numExtraSaved = 0) {
  if (g_slowPathUsers.load(std::memory_order_relaxed) == 0 &&
      !(GradMode::enabled() && anyRequiresGrad(inputs, numInputs)))
    return;
  recordOpSlow(op, inputs, numInputs, outputs, numOutputs, attrs, extraSaved, numExtraSaved);
}

/// Records a custom function's entry (OpId::Custom, named by the interned `name`) and
/// reports it to observers; `entry.differentiable` says whether a node carries it.
void recordCustom(TapeEntry& entry, uint32_t name, const Tensor* inputs, std::size_t numInputs, Tensor* outputs,
                  std::size_t numOutputs);

/// Pushes a child scope named by a string literal (cached per parent, no allocation once seen).
void pushScopeLiteral(const char* name);
/// Restores this thread's scope to `id`.
void restoreScope(ScopeId id);

void notifyBackwardBegin(const std::vector<Tensor>& roots);
void notifyBackwardStep(const TapeEntry& entry, const BackwardStep& step);
void notifyBackwardEnd();

/// Called when a backward returns (iteration bookkeeping).
void noteBackwardReturned();
/// Whether a floating tensor holds a NaN or Inf (anomaly mode); records nothing.
bool hasNonFinite(const Tensor& t);

/// Leaf accumulators carry a placeholder entry that is not part of the tape.
void adjustLiveEntries(int64_t delta);

/// Next entry id.
uint64_t nextEntryId();

}  // namespace td::detail
