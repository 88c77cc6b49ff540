// In-place methods and the method forms of common ops. An in-place op computes its
// result out of place (so it is recorded like any op), writes it into the tensor,
// bumps the storage's version and moves the tensor's history onto the new node.
#include "autograd/Node.h"
#include "ops/OpUtils.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace td {
using namespace detail;

namespace {

template <typename Compute>
Tensor& applyInplace(Tensor& self, OpId op, const char* name, Compute&& compute) {
  checkDefined(self, name, "self");
  if (GradMode::enabled() && self.requiresGrad()) {
    TD_CHECK(!self.isLeaf(), name, "a leaf tensor that requires grad (", describe(self),
             ") is used in an in-place operation; wrap it in NoGradGuard (as optimizers do) or use the out-of-place op");
    TD_CHECK(!self.impl()->autograd->isView, name, "in-place on a view of a tensor that requires grad is not "
             "supported yet; use the out-of-place op");
  }
  RecordState& state = recordState();
  state.inplacePending = true;
  state.inplaceOp = op;
  state.inplaceTarget = self.id();
  Tensor result;
  try {
    result = compute();
  } catch (...) {
    state.inplacePending = false;
    throw;
  }
  state.inplacePending = false;
  TD_CHECK(result.shape() == self.shape(), name, "the result of shape ", shapeString(result.shape()),
           " cannot be written into a tensor of shape ", shapeString(self.shape()));
  // As PyTorch: a float result is not truncated into integers or bools. (An int64 result
  // into bools is the engine's promotion of bool arithmetic: non-zero is True, as
  // PyTorch's bool + bool and bool * bool give.)
  TD_CHECK(!(isFloating(result.dtype()) && !isFloating(self.dtype())), name, "result type ",
           dtypeName(result.dtype()), " can't be cast to the desired output type ", dtypeName(self.dtype()),
           " (use the out-of-place op, or convert the tensor first: x = x.float())");
  // Writing a result that has history into a tensor without one that shares memory with
  // other tensors (a view, or the base of one) would lose the gradient for those tensors.
  if (result.gradFn() && !self.requiresGrad())
    TD_CHECK(self.impl()->storage.use_count() - self.storage().watchCount() == 1 &&
                 !(self.impl()->autograd && self.impl()->autograd->isView),
             name, "writing a result that requires grad into ", describe(self),
             ", which shares memory with other tensors (a view or its base), is not supported yet: the other "
             "tensors would not get its gradient; use cat/stack or an out-of-place op");
  if (const auto& node = result.gradFn()) {
    // A saved input that is `self` is about to be overwritten: keep its old value.
    if (auto* opNode = dynamic_cast<OpNode*>(node.get())) {
      for (SavedTensor& saved : opNode->saved) {
        if (!saved.isOutput && saved.tensor.defined() && saved.tensor.impl()->storage == self.impl()->storage) {
          // Under grad mode the clone stays connected, so create_graph still sees it.
          saved.tensor = GradMode::enabled() && saved.tensor.requiresGrad() ? saved.tensor.clone()
                                                                            : saved.tensor.detach().clone();
          saved.version = saved.tensor.version();
        }
      }
    }
  }
  Tensor converted = result.dtype() == self.dtype() ? result : result.detach().to(self.dtype());
  // The result is computed: a write covering the whole storage may go to fresh memory.
  self.storage().aboutToWrite(coversStorage(self));
  copyInto(self, converted);
  self.storage().bumpVersion(name, currentSourceLoc());
  if (result.gradFn()) {
    AutogradMeta& meta = self.impl()->meta();
    meta.gradFn = result.gradFn();
    meta.outputNr = result.impl()->autograd->outputNr;
    meta.requiresGrad = true;
  }
  return self;
}

/// The fast in-place path, taken when autograd has nothing to record (grad mode off, or
/// neither operand requires grad) and self is contiguous: the kernel writes straight into
/// self, one pass, no allocation. Observers still see the entry (inplace, output = self).
bool writesDirectly(const Tensor& self, const Tensor* other) {
  // (Bools have no arithmetic kernels: their ops promote, and the result is written back.)
  if (!self.defined() || !self.isContiguous() || self.dtype() == DType::Bool) return false;
  // An operand overlapping self (x.add_(x.t())) would be read after being overwritten.
  if (other != nullptr && other->defined() && other->impl()->storage == self.impl()->storage &&
      !(other->offset() == self.offset() && other->strides() == self.strides() && other->shape() == self.shape()))
    return false;
  if (GradMode::enabled() && (self.requiresGrad() || (other != nullptr && other->requiresGrad()))) return false;
  if (other != nullptr && (!other->defined() || other->dtype() != self.dtype() || other->device() != self.device()))
    return false;
  if (other != nullptr && broadcastShapes(self.shape(), other->shape(), "in-place") != self.shape()) return false;
  return true;
}

Tensor& writeDirectly(Tensor& self, OpId op, const char* name, const Tensor* other, const OpAttrs& attrs) {
  Tensor kernelInputs[2] = {self, other != nullptr ? expandTo(*other, self.shape()) : Tensor()};
  std::size_t n = other != nullptr ? 2 : 1;
  // A recorder holding self's memory: instead of a copy, the old memory moves to the
  // recorder and the kernel reads the old values from there, writing fresh memory.
  std::shared_ptr<Storage> previous = self.storage().aboutToWrite(coversStorage(self));
  if (previous) {
    for (std::size_t i = 0; i < n; ++i)
      if (kernelInputs[i].impl()->storage == self.impl()->storage) kernelInputs[i] = onStorage(kernelInputs[i], previous);
  }
  try {
    runKernel(op, kernelInputs, n, &self, 1, attrs);
  } catch (...) {
    if (previous) copyInto(self, onStorage(self, previous));  // the failed write leaves self as it was
    throw;
  }
  self.storage().bumpVersion(name, currentSourceLoc());
  if (g_slowPathUsers.load(std::memory_order_relaxed) > 0) {
    // The entry is marked inplace, its output is self, and its input 0 is self too: an
    // observer sees the values after the write (as hooks on in-place ops do in PyTorch).
    // The recorder kept the old value first (aboutToWrite).
    RecordState& state = recordState();
    state.inplacePending = true;
    state.inplaceOp = op;
    state.inplaceTarget = self.id();
    struct ClearPending {
      RecordState& state;
      ~ClearPending() { state.inplacePending = false; }
    } clear{state};
    Tensor recorded[2] = {self, other != nullptr ? *other : Tensor()};
    recordOp(op, recorded, n, &self, 1, attrs);
  }
  return self;
}

/// A 0-dim tensor of self's dtype holding `value` (not recorded).
Tensor scalarLike(const Tensor& self, double value) {
  Tensor s = allocate({}, self.dtype(), self.device(), "scalar");
  TD_DISPATCH_ALL(self.dtype(), "scalar", [&] { *s.data<scalar_t>() = static_cast<scalar_t>(value); });
  return s;
}

}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha, SourceLoc loc) {
  ApiScope api(loc);
  if (writesDirectly(*this, &other) && isFloating(dtype())) {
    OpAttrs attrs;
    attrs.hasAlpha = alpha != 1.0;
    attrs.scalar = alpha;
    return writeDirectly(*this, OpId::Add, "add_", &other, attrs);
  }
  return applyInplace(*this, OpId::Add, "add_", [&] { return add(*this, alpha == 1.0 ? other : mul(other, alpha)); });
}

Tensor& Tensor::add_(double value, SourceLoc loc) {
  ApiScope api(loc);
  {
    Tensor operand = scalarLike(*this, value);
    if (writesDirectly(*this, &operand) && isFloating(dtype())) return writeDirectly(*this, OpId::Add, "add_", &operand, OpAttrs{});
  }
  return applyInplace(*this, OpId::Add, "add_", [&] { return add(*this, value); });
}

Tensor& Tensor::sub_(const Tensor& other, SourceLoc loc) {
  ApiScope api(loc);
  {
    Tensor operand = other;
    if (writesDirectly(*this, &operand)) return writeDirectly(*this, OpId::Sub, "sub_", &operand, OpAttrs{});
  }
  return applyInplace(*this, OpId::Sub, "sub_", [&] { return sub(*this, other); });
}

Tensor& Tensor::mul_(const Tensor& other, SourceLoc loc) {
  ApiScope api(loc);
  {
    Tensor operand = other;
    if (writesDirectly(*this, &operand)) return writeDirectly(*this, OpId::Mul, "mul_", &operand, OpAttrs{});
  }
  return applyInplace(*this, OpId::Mul, "mul_", [&] { return mul(*this, other); });
}

Tensor& Tensor::mul_(double value, SourceLoc loc) {
  ApiScope api(loc);
  {
    Tensor operand = scalarLike(*this, value);
    if (writesDirectly(*this, &operand) && isFloating(dtype())) return writeDirectly(*this, OpId::Mul, "mul_", &operand, OpAttrs{});
  }
  return applyInplace(*this, OpId::Mul, "mul_", [&] { return mul(*this, value); });
}

Tensor& Tensor::div_(const Tensor& other, SourceLoc loc) {
  ApiScope api(loc);
  {
    Tensor operand = other;
    if (writesDirectly(*this, &operand) && isFloating(dtype())) return writeDirectly(*this, OpId::Div, "div_", &operand, OpAttrs{});
  }
  return applyInplace(*this, OpId::Div, "div_", [&] { return div(*this, other); });
}

Tensor& Tensor::div_(double value, SourceLoc loc) {
  ApiScope api(loc);
  {
    Tensor operand = scalarLike(*this, value);
    if (writesDirectly(*this, &operand) && isFloating(dtype())) return writeDirectly(*this, OpId::Div, "div_", &operand, OpAttrs{});
  }
  return applyInplace(*this, OpId::Div, "div_", [&] { return div(*this, value); });
}

Tensor& Tensor::zero_(SourceLoc loc) { return fill_(0.0, loc); }

Tensor& Tensor::fill_(double value, SourceLoc loc) {
  ApiScope api(loc);
  OpAttrs attrs;
  attrs.scalar = value;
  if (writesDirectly(*this, nullptr)) return writeDirectly(*this, OpId::Fill, "fill_", nullptr, attrs);
  return applyInplace(*this, OpId::Fill, "fill_", [&] {
    return runUnary(OpId::Fill, *this, allocate(shape(), dtype(), device(), "fill_"), attrs);
  });
}

Tensor& Tensor::clamp_(std::optional<double> min, std::optional<double> max, SourceLoc loc) {
  ApiScope api(loc);
  return applyInplace(*this, OpId::Clamp, "clamp_", [&] { return td::clamp(*this, min, max); });
}

Tensor& Tensor::relu_(SourceLoc loc) {
  ApiScope api(loc);
  return applyInplace(*this, OpId::Relu, "relu_", [&] { return td::relu(*this); });
}

Tensor& Tensor::copy_(const Tensor& src, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(src, "copy_", "src");
  // Into a tensor with history: a Copy of the (broadcast) source over self, so the gradient
  // flows to src and self's earlier history gets zeros (its old values no longer matter), as
  // PyTorch's. Otherwise (no_grad, an initialiser filling a parameter) a Clone of the source:
  // self is no input, so the tape shows no read of values that were never used.
  const bool history = GradMode::enabled() && requiresGrad();
  return applyInplace(*this, history ? OpId::Copy : OpId::Clone, "copy_", [&] {
    Tensor s = castTo(src, dtype());
    if (s.shape() != shape()) s = s.expand(shape());
    if (!history) return s.clone();
    Tensor out = allocate(shape(), dtype(), device(), "copy_");
    runAndRecord(OpId::Copy, {*this, s}, {*this, s}, &out, 1, OpAttrs{});
    return out;
  });
}

Tensor Tensor::sum(SourceLoc loc) const { return td::sum(*this, {}, false, loc); }
Tensor Tensor::sum(const IntList& dims, bool keepdim, SourceLoc loc) const { return td::sum(*this, dims, keepdim, loc); }
Tensor Tensor::mean(SourceLoc loc) const { return td::mean(*this, {}, false, loc); }
Tensor Tensor::mean(const IntList& dims, bool keepdim, SourceLoc loc) const {
  return td::mean(*this, dims, keepdim, loc);
}
Tensor Tensor::exp(SourceLoc loc) const { return td::exp(*this, loc); }
Tensor Tensor::log(SourceLoc loc) const { return td::log(*this, loc); }
Tensor Tensor::relu(SourceLoc loc) const { return td::relu(*this, loc); }
Tensor Tensor::matmul(const Tensor& other, SourceLoc loc) const { return td::matmul(*this, other, loc); }
Tensor Tensor::pow(double exponent, SourceLoc loc) const { return td::pow(*this, exponent, loc); }
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim, SourceLoc loc) const {
  return td::argmax(*this, dim, keepdim, loc);
}

}  // namespace td
