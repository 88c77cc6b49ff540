#pragma once
// Helpers shared by the op frontends (internal): allocation, dim wrapping,
// broadcasting, unrecorded views for kernels, and running + recording a primitive.
#include <initializer_list>
#include <string>
#include <vector>

#include "autograd/Recording.h"
#include "tapedeck/autograd/Tape.h"
#include "tapedeck/backends/Backend.h"
#include "tapedeck/core/Tensor.h"
#include "tapedeck/ops/OpTable.h"

namespace td::detail {

/// A new contiguous tensor; sizes checked (negative, overflow) naming `op`.
Tensor allocate(const IntList& shape, DType dtype, Device device = kCPU, const char* op = "allocate");
/// Dim in [-rank, rank) → [0, rank); throws naming `op`.
int64_t wrapDim(int64_t dim, int64_t rank, const char* op);
/// The same, naming the tensor's shape in the error.
int64_t wrapDim(int64_t dim, const Tensor& t, const char* op);
/// Dims to reduce: empty → all; wrapped, sorted, checked for duplicates.
IntList reductionDims(const IntList& dims, const IntList& shape, const char* op);
/// NumPy broadcast of two shapes; throws naming `op` and both shapes.
IntList broadcastShapes(const IntList& a, const IntList& b, const char* op);
/// An unrecorded view of `t` with stride 0 on broadcast dims (for kernels).
Tensor expandTo(const Tensor& t, const IntList& shape);
/// An unrecorded view sharing t's storage.
Tensor makeView(const Tensor& t, const IntList& shape, const IntList& strides, int64_t offset);
/// An unrecorded view with t's layout over another storage (memory moved away by a write
/// watcher: see Storage::aboutToWrite).
Tensor onStorage(const Tensor& t, std::shared_ptr<Storage> storage);
/// Whether `t` is all of its storage, contiguous (a write to it may go to fresh memory).
bool coversStorage(const Tensor& t);
/// Checks the tensor is defined, naming the op and argument.
void checkDefined(const Tensor& t, const char* op, const char* arg);
void checkFloating(const Tensor& t, const char* op);
/// Runs op's kernel on `inputs` (as the kernel sees them) and records `recorded` as the entry's inputs.
void runAndRecord(OpId op, std::initializer_list<Tensor> kernelInputs, std::initializer_list<Tensor> recorded,
                  Tensor* outputs, std::size_t numOutputs, const OpAttrs& attrs);
/// Same with one input seen identically by kernel and tape; returns output 0.
Tensor runUnary(OpId op, const Tensor& x, const Tensor& out, const OpAttrs& attrs);
/// "tensor of shape [2, 3] and dtype float32"
std::string describe(const Tensor& t);
/// Converts to dtype through the recorded Cast op (no-op if equal).
Tensor castTo(const Tensor& t, DType dtype);

/// Min and max of a non-empty tensor's values, read directly (no ops on the tape):
/// for argument checks inside composites.
std::pair<double, double> valueRange(const Tensor& t);

/// RAII scope for composite ops: names the composite on the tape.
class CompositeScope {
 public:
  explicit CompositeScope(const char* name);
  ~CompositeScope();
  CompositeScope(const CompositeScope&) = delete;
  CompositeScope& operator=(const CompositeScope&) = delete;

 private:
  ScopeId m_previous;
};

}  // namespace td::detail
