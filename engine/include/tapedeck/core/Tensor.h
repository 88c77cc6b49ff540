#pragma once
// Tensor: a handle to a TensorImpl (shared storage, shape, strides, offset, dtype,
// autograd metadata). Copying a Tensor copies the handle; views share storage.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tapedeck/core/DType.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/core/SmallVector.h"
#include "tapedeck/core/SourceLocation.h"
#include "tapedeck/core/Storage.h"

namespace td {

class Tensor;
class Node;
class AccumulateNode;
class TensorImpl;

/// A hook sees a gradient; it returns a replacement, or an undefined Tensor to keep it.
using TensorHook = std::function<Tensor(const Tensor&)>;

struct AutogradMeta {
  bool requiresGrad = false;
  bool retainsGrad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<Node> gradFn;     // null for leaves
  uint32_t outputNr = 0;            // which output of gradFn this tensor is
  std::shared_ptr<AccumulateNode> accumulator;  // leaves: shared by every op that uses it (it holds the leaf weakly)
  std::vector<std::pair<int, TensorHook>> hooks;  // leaves only; non-leaf hooks live on gradFn
  bool isView = false;              // shares storage with a tensor it was derived from
};

class TensorImpl {
 public:
  TensorImpl(std::shared_ptr<Storage> storage, IntList shape, IntList strides, int64_t offset, DType dtype);
  ~TensorImpl();
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;

  std::shared_ptr<Storage> storage;
  IntList shape;
  IntList strides;  // in elements
  int64_t offset;   // in elements
  DType dtype;
  uint64_t id;      // stable, unique in the process
  uint32_t nameId = 0;  // interned display name (parameters); 0 = none
  /// Where a debugger's recorder keeps what it knows of this tensor (the recorder's serial
  /// and its own index, checked against the id; 0: nothing), so a recorded op finds it
  /// without a lookup. Owned by the first recorder that marks it; others look it up.
  std::atomic<uint32_t> recorderMark{0};
  std::unique_ptr<AutogradMeta> autograd;

  AutogradMeta& meta();
  /// Live TensorImpl objects in the process (for leak tests).
  static int64_t liveCount();
};

/// Strides of a contiguous (row-major) tensor of `shape`.
IntList contiguousStrides(const IntList& shape);
/// Whether a view of `shape` with `strides` is row-major contiguous (size-1 dims ignored).
bool isContiguousLayout(const IntList& shape, const IntList& strides);
/// Product of sizes; throws td::Error naming `what` on negative sizes or overflow.
int64_t checkedNumel(const IntList& shape, const char* what);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : m_impl(std::move(impl)) {}

  bool defined() const { return m_impl != nullptr; }
  TensorImpl* impl() const { return m_impl.get(); }
  const std::shared_ptr<TensorImpl>& implPtr() const { return m_impl; }

  // --- metadata -----------------------------------------------------------------
  uint64_t id() const { return m_impl->id; }
  const IntList& shape() const { return m_impl->shape; }
  /// Size of `dim` (negative counts from the end).
  int64_t size(int64_t dim) const;
  const IntList& strides() const { return m_impl->strides; }
  int64_t stride(int64_t dim) const;
  int64_t offset() const { return m_impl->offset; }
  int64_t dim() const { return static_cast<int64_t>(m_impl->shape.size()); }
  int64_t numel() const;
  DType dtype() const { return m_impl->dtype; }
  Device device() const { return m_impl->storage->device(); }
  bool isContiguous() const;
  Storage& storage() const { return *m_impl->storage; }
  uint64_t version() const { return m_impl->storage->version(); }
  /// Pointer to the first element (storage + offset); T must match dtype.
  template <typename T>
  T* data() const {
    TD_ASSERT(DTypeOf<T>::value == dtype(), "data<T>() with the wrong type");
    return static_cast<T*>(m_impl->storage->data()) + m_impl->offset;
  }
  void* rawData() const {
    return static_cast<char*>(m_impl->storage->data()) + m_impl->offset * static_cast<int64_t>(elementSize(dtype()));
  }
  std::string name() const;
  Tensor& setName(const std::string& name);

  // --- autograd -----------------------------------------------------------------
  bool requiresGrad() const;
  /// Marks a leaf as needing a gradient; throws on non-leaves and non-float dtypes.
  Tensor& setRequiresGrad(bool value = true, SourceLoc loc = SourceLoc::current());
  /// The accumulated gradient (undefined until a backward reaches it).
  Tensor grad() const;
  void setGrad(const Tensor& grad);
  const std::shared_ptr<Node>& gradFn() const;
  bool isLeaf() const;
  /// Keeps the gradient of a non-leaf after backward.
  void retainGrad();
  /// Calls `hook` with this tensor's gradient during backward; returns a handle for removeHook.
  int registerHook(TensorHook hook);
  void removeHook(int handle);
  /// backward of a scalar (or with an explicit `grad` of the same shape).
  void backward(const Tensor& grad = Tensor(), bool retainGraph = false, bool createGraph = false,
                SourceLoc loc = SourceLoc::current()) const;
  /// A tensor sharing storage, cut from the graph (requiresGrad false).
  Tensor detach() const;

  // --- values -------------------------------------------------------------------
  /// The single value of a one-element tensor, converted to double.
  double item(SourceLoc loc = SourceLoc::current()) const;
  template <typename T>
  T item(SourceLoc loc = SourceLoc::current()) const { return static_cast<T>(item(loc)); }
  /// All values converted to double, in row-major order.
  std::vector<double> toVector() const;
  /// PyTorch-style printing: tensor([[1., 2.], ...], requires_grad=True).
  std::string toString() const;

  // --- conversions and views (methods mirror the free functions in Ops.h) --------
  Tensor to(DType dtype, SourceLoc loc = SourceLoc::current()) const;
  Tensor clone(SourceLoc loc = SourceLoc::current()) const;
  Tensor contiguous(SourceLoc loc = SourceLoc::current()) const;
  Tensor view(const IntList& shape, SourceLoc loc = SourceLoc::current()) const;
  Tensor reshape(const IntList& shape, SourceLoc loc = SourceLoc::current()) const;
  Tensor permute(const IntList& dims, SourceLoc loc = SourceLoc::current()) const;
  Tensor transpose(int64_t dim0, int64_t dim1, SourceLoc loc = SourceLoc::current()) const;
  Tensor t(SourceLoc loc = SourceLoc::current()) const;
  Tensor expand(const IntList& shape, SourceLoc loc = SourceLoc::current()) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length, SourceLoc loc = SourceLoc::current()) const;
  /// Python-style range: negative and out-of-range bounds clamp; step > 0.
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1,
               SourceLoc loc = SourceLoc::current()) const;
  /// Removes `dim` by taking index `index` (a view).
  Tensor select(int64_t dim, int64_t index, SourceLoc loc = SourceLoc::current()) const;
  Tensor squeeze(std::optional<int64_t> dim = std::nullopt, SourceLoc loc = SourceLoc::current()) const;
  Tensor unsqueeze(int64_t dim, SourceLoc loc = SourceLoc::current()) const;
  Tensor flatten(int64_t startDim = 0, int64_t endDim = -1, SourceLoc loc = SourceLoc::current()) const;

  // --- common ops as methods ----------------------------------------------------
  Tensor sum(SourceLoc loc = SourceLoc::current()) const;
  Tensor sum(const IntList& dims, bool keepdim = false, SourceLoc loc = SourceLoc::current()) const;
  Tensor mean(SourceLoc loc = SourceLoc::current()) const;
  Tensor mean(const IntList& dims, bool keepdim = false, SourceLoc loc = SourceLoc::current()) const;
  Tensor exp(SourceLoc loc = SourceLoc::current()) const;
  Tensor log(SourceLoc loc = SourceLoc::current()) const;
  Tensor relu(SourceLoc loc = SourceLoc::current()) const;
  Tensor matmul(const Tensor& other, SourceLoc loc = SourceLoc::current()) const;
  Tensor pow(double exponent, SourceLoc loc = SourceLoc::current()) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
                SourceLoc loc = SourceLoc::current()) const;

  // --- in-place (bump the version counter; refused on leaves that require grad) ---
  Tensor& add_(const Tensor& other, double alpha = 1.0, SourceLoc loc = SourceLoc::current());
  Tensor& add_(double value, SourceLoc loc = SourceLoc::current());
  Tensor& sub_(const Tensor& other, SourceLoc loc = SourceLoc::current());
  Tensor& mul_(const Tensor& other, SourceLoc loc = SourceLoc::current());
  Tensor& mul_(double value, SourceLoc loc = SourceLoc::current());
  Tensor& div_(const Tensor& other, SourceLoc loc = SourceLoc::current());
  Tensor& div_(double value, SourceLoc loc = SourceLoc::current());
  Tensor& zero_(SourceLoc loc = SourceLoc::current());
  Tensor& fill_(double value, SourceLoc loc = SourceLoc::current());
  Tensor& clamp_(std::optional<double> min, std::optional<double> max, SourceLoc loc = SourceLoc::current());
  Tensor& relu_(SourceLoc loc = SourceLoc::current());
  /// Copies `src` (broadcast, converted) into this tensor's elements.
  Tensor& copy_(const Tensor& src, SourceLoc loc = SourceLoc::current());

 private:
  std::shared_ptr<TensorImpl> m_impl;
};

std::ostream& operator<<(std::ostream& out, const Tensor& t);
/// "[2, 3]"
std::string shapeString(const IntList& shape);

}  // namespace td
