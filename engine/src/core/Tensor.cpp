// Tensor metadata, autograd accessors and values. Ops live in engine/src/ops.
#include "tapedeck/core/Tensor.h"

#include <atomic>
#include <limits>

#include "autograd/Node.h"
#include "ops/OpUtils.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/autograd/Tape.h"
#include "tapedeck/backends/Backend.h"
#include "tapedeck/ops/Ops.h"

namespace td {
namespace {
std::atomic<int64_t> g_liveTensors{0};
std::atomic<uint64_t> g_nextTensorId{1};
}  // namespace

TensorImpl::TensorImpl(std::shared_ptr<Storage> storage_, IntList shape_, IntList strides_, int64_t offset_,
                       DType dtype_)
    : storage(std::move(storage_)), shape(std::move(shape_)), strides(std::move(strides_)), offset(offset_),
      dtype(dtype_), id(g_nextTensorId.fetch_add(1, std::memory_order_relaxed)) {
  g_liveTensors.fetch_add(1, std::memory_order_relaxed);
}

TensorImpl::~TensorImpl() { g_liveTensors.fetch_sub(1, std::memory_order_relaxed); }

AutogradMeta& TensorImpl::meta() {
  if (!autograd) autograd = std::make_unique<AutogradMeta>();
  return *autograd;
}

int64_t TensorImpl::liveCount() { return g_liveTensors.load(); }

IntList contiguousStrides(const IntList& shape) {
  IntList strides(shape.size(), 1);
  int64_t running = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = running;
    running *= shape[i] > 0 ? shape[i] : 1;
  }
  return strides;
}

int64_t checkedNumel(const IntList& shape, const char* what) {
  // The product of the non-zero sizes bounds the contiguous strides, so it must fit even
  // when a zero size makes the tensor empty ([2^40, 2^40, 0] has no elements, but its
  // first stride would overflow).
  int64_t nonZero = 1;
  bool empty = false;
  for (int64_t s : shape) {
    TD_CHECK(s >= 0, what, "negative size ", s, " in shape ", shapeString(shape));
    if (s == 0) {
      empty = true;
      continue;
    }
    if (nonZero > std::numeric_limits<int64_t>::max() / s)
      throw Error(detail::withLocation(detail::concat(what, ": shape ", shapeString(shape),
                                                      " has more elements than fit in 64 bits")));
    nonZero *= s;
  }
  return empty ? 0 : nonZero;
}

std::string shapeString(const IntList& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}


int64_t Tensor::size(int64_t d) const {
  int64_t w = detail::wrapDim(d, *this, "size");
  return dim() == 0 ? 1 : shape()[w];
}

int64_t Tensor::stride(int64_t d) const {
  int64_t w = detail::wrapDim(d, *this, "stride");
  return dim() == 0 ? 1 : strides()[w];
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t s : shape()) n *= s;
  return n;
}

bool Tensor::isContiguous() const { return isContiguousLayout(shape(), strides()); }

bool isContiguousLayout(const IntList& sh, const IntList& st) {
  int64_t expected = 1;
  for (std::size_t i = sh.size(); i-- > 0;) {
    if (sh[i] == 1) continue;
    if (sh[i] == 0) return true;
    if (st[i] != expected) return false;
    expected *= sh[i];
  }
  return true;
}

std::string Tensor::name() const {
  return m_impl->nameId ? Tape::internedString(m_impl->nameId) : std::string();
}

Tensor& Tensor::setName(const std::string& name) {
  m_impl->nameId = Tape::intern(name);
  return *this;
}

bool Tensor::requiresGrad() const {
  return m_impl->autograd != nullptr && m_impl->autograd->requiresGrad;
}

Tensor& Tensor::setRequiresGrad(bool value, SourceLoc loc) {
  ApiScope api(loc);
  TD_CHECK(!value || isFloating(dtype()), "requires_grad", "only floating tensors can require grad, got ",
           dtypeName(dtype()), " tensor of shape ", shapeString(shape()));
  if (!isLeaf()) {
    // The result of an op requires grad already: asking so again is a no-op, as in PyTorch.
    TD_CHECK(value, "requires_grad", "can only be turned off on leaf tensors; use detach() on the result of an op");
    return *this;
  }
  m_impl->meta().requiresGrad = value;
  return *this;
}

Tensor Tensor::grad() const {
  if (!m_impl->autograd || !m_impl->autograd->grad) return Tensor();
  return Tensor(m_impl->autograd->grad);
}

void Tensor::setGrad(const Tensor& grad) {
  if (grad.defined())
    TD_CHECK(grad.shape() == shape(), "grad", "assigned gradient of shape ", shapeString(grad.shape()),
             " to a tensor of shape ", shapeString(shape()));
  m_impl->meta().grad = grad.implPtr();
}

const std::shared_ptr<Node>& Tensor::gradFn() const {
  static const std::shared_ptr<Node> none;
  return m_impl->autograd ? m_impl->autograd->gradFn : none;
}

bool Tensor::isLeaf() const { return gradFn() == nullptr; }

void Tensor::retainGrad() {
  TD_CHECK(requiresGrad(), "retain_grad", "called on a tensor that does not require grad");
  if (isLeaf()) return;
  AutogradMeta& m = m_impl->meta();
  if (m.retainsGrad) return;
  m.retainsGrad = true;
  m.gradFn->retained.emplace_back(m.outputNr, std::weak_ptr<TensorImpl>(m_impl));
}

namespace {
std::atomic<int> g_nextHookHandle{1};
}

int Tensor::registerHook(TensorHook hook) {
  TD_CHECK(requiresGrad(), "register_hook", "cannot register a hook on a tensor that does not require grad");
  int handle = g_nextHookHandle.fetch_add(1);
  AutogradMeta& m = m_impl->meta();
  if (m.gradFn)
    m.gradFn->hooks.push_back({handle, {m.outputNr, std::move(hook)}});
  else
    m.hooks.emplace_back(handle, std::move(hook));
  return handle;
}

void Tensor::removeHook(int handle) {
  AutogradMeta& m = m_impl->meta();
  if (m.gradFn) {
    auto& hooks = m.gradFn->hooks;
    for (auto it = hooks.begin(); it != hooks.end(); ++it)
      if (it->first == handle) { hooks.erase(it); return; }
  }
  for (auto it = m.hooks.begin(); it != m.hooks.end(); ++it)
    if (it->first == handle) { m.hooks.erase(it); return; }
}

void Tensor::backward(const Tensor& grad, bool retainGraph, bool createGraph, SourceLoc loc) const {
  std::vector<Tensor> grads;
  if (grad.defined()) grads.push_back(grad);
  autograd::backward({*this}, grads, retainGraph, createGraph, loc);
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>(m_impl->storage, m_impl->shape, m_impl->strides, m_impl->offset,
                                           m_impl->dtype);
  impl->nameId = m_impl->nameId;
  return Tensor(std::move(impl));
}

double Tensor::item(SourceLoc loc) const {
  ApiScope api(loc);
  TD_CHECK(numel() == 1, "item", "only one-element tensors can be converted to a number, got shape ",
           shapeString(shape()));
  return TD_DISPATCH_ALL(dtype(), "item", [&] { return static_cast<double>(*data<scalar_t>()); });
}

std::vector<double> Tensor::toVector() const {
  // Read without running ops, so inspecting values never shows on the tape.
  Tensor c = *this;
  if (!isContiguous()) {
    c = Tensor(std::make_shared<TensorImpl>(std::make_shared<Storage>(numel() * elementSize(dtype()), device()),
                                            shape(), contiguousStrides(shape()), 0, dtype()));
    copyInto(c, *this);
  }
  std::vector<double> out(static_cast<std::size_t>(c.numel()));
  TD_DISPATCH_ALL(c.dtype(), "toVector", [&] {
    const scalar_t* p = c.data<scalar_t>();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(p[i]);
  });
  return out;
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << t.toString(); }

}  // namespace td
