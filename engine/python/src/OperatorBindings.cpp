// Python operators on tensors (arithmetic with tensors and Python numbers, comparisons,
// in-place forms) and indexing with ints, slices, None, Ellipsis and integer tensors.
#include "Bindings.h"
#include "Convert.h"
#include "tapedeck/core/Error.h"

namespace td::python {
namespace {

using TensorTensor = Tensor (*)(const Tensor&, const Tensor&, SourceLoc);
using TensorNumber = Tensor (*)(const Tensor&, double, SourceLoc);

/// `a op other` for a tensor or a Python number; NotImplemented otherwise, so Python tries
/// the reflected operator.
py::object binary(const Tensor& a, py::handle other, TensorTensor withTensor, TensorNumber withNumber) {
  if (py::isinstance<Tensor>(other)) return py::cast(withTensor(a, py::cast<const Tensor&>(other), here()));
  if (const std::optional<double> number = asNumber(other)) return py::cast(withNumber(a, *number, here()));
  return py::reinterpret_borrow<py::object>(Py_NotImplemented);
}

template <typename F>
void defBinary(py::class_<Tensor>& cls, const char* name, F&& f) {
  cls.def(name, std::forward<F>(f), py::is_operator());
}

// --- indexing --------------------------------------------------------------------------

bool isInt(py::handle item) { return PyLong_Check(item.ptr()) && !PyBool_Check(item.ptr()); }

/// x[mask] for a bool mask covering x's leading dims: the selected rows, flattened in
/// row-major order (differentiable in x: one index_select).
Tensor maskSelect(const Tensor& x, const Tensor& mask, SourceLoc loc) {
  TD_CHECK(mask.dim() <= x.dim(), "index", "the mask has ", mask.dim(), " dims but the tensor only ", x.dim());
  for (int64_t d = 0; d < mask.dim(); ++d)
    TD_CHECK(mask.size(d) == x.size(d), "index", "the shape of the mask ", shapeString(mask.shape()),
             " does not match the shape of the indexed tensor ", shapeString(x.shape()), " at dim ", d);
  std::vector<int64_t> positions;
  const std::vector<double> flags = mask.toVector();
  for (size_t i = 0; i < flags.size(); ++i)
    if (flags[i] != 0.0) positions.push_back(static_cast<int64_t>(i));
  IntList rows{mask.numel()};
  for (int64_t d = mask.dim(); d < x.dim(); ++d) rows.push_back(x.size(d));
  const auto count = static_cast<int64_t>(positions.size());
  return indexSelect(x.reshape(rows, loc), 0, fromVector(positions, {count}), loc);
}

/// An advanced index: the dim of the (basic-indexed) tensor it applies to, and the int64
/// index tensor (its entries checked against that dim's size; negative ones count from the end).
struct Advanced {
  int64_t dim = 0;
  Tensor index;
};

Advanced advancedIndex(py::handle item, int64_t dim, int64_t size) {
  Tensor index = py::isinstance<Tensor>(item) ? py::cast<Tensor>(item) : tensorFromData(item, std::nullopt, "index");
  TD_CHECK(index.dtype() != DType::Bool, "index",
           "a boolean mask among other indices is not supported yet; use the mask alone, masked_fill or where");
  TD_CHECK(index.dtype() == DType::Int64, "index", "tensors used as indices must be int64, got ",
           dtypeName(index.dtype()));
  for (double v : index.toVector()) {
    const auto i = static_cast<int64_t>(v);
    TD_CHECK(i >= -size && i < size, "index", "index ", i, " is out of bounds for dimension ", dim, " with size ", size);
  }
  return {dim, index};
}

/// A 0-d integer tensor: PyTorch selects with it, as with an int.
bool isScalarIndex(py::handle item) {
  if (!py::isinstance<Tensor>(item)) return false;
  const Tensor& t = py::cast<const Tensor&>(item);
  return t.dim() == 0 && t.dtype() == DType::Int64;
}

/// The shape several index tensors broadcast to (as PyTorch pairs them up element by element).
IntList broadcastIndexShapes(const std::vector<Advanced>& indices) {
  IntList shape;
  for (const Advanced& a : indices) {
    const IntList& next = a.index.shape();
    if (next.size() > shape.size()) {  // ones in front, as broadcasting aligns from the back
      IntList wider(next.size() - shape.size(), 1);
      for (int64_t s : shape) wider.push_back(s);
      shape = wider;
    }
    for (std::size_t k = 0; k < next.size(); ++k) {
      int64_t& into = shape[shape.size() - next.size() + k];
      TD_CHECK(into == next[k] || into == 1 || next[k] == 1, "index", "shape mismatch: indexing tensors could not be "
               "broadcast together with shapes ", shapeString(shape), " and ", shapeString(next));
      if (into == 1) into = next[k];
    }
  }
  return shape;
}

/// `index`'s entries at every element of `shape`, which it broadcasts to (stride 0 along the
/// dims it repeats). Read without running an op: reading an index is not part of the tape.
std::vector<int64_t> entriesBroadcast(const Tensor& index, const IntList& shape) {
  const std::vector<double> values = index.toVector();  // row-major
  const IntList& own = index.shape();
  const std::size_t lead = shape.size() - own.size();
  IntList strides(shape.size(), 0);
  int64_t stride = 1;
  for (std::size_t k = own.size(); k-- > 0;) {
    if (own[k] != 1) strides[lead + k] = stride;
    stride *= own[k];
  }
  std::vector<int64_t> out(static_cast<std::size_t>(checkedNumel(shape, "index")));
  for (std::size_t e = 0; e < out.size(); ++e) {
    auto remaining = static_cast<int64_t>(e);
    int64_t source = 0;
    for (std::size_t k = shape.size(); k-- > 0;) {
      source += remaining % shape[k] * strides[k];
      remaining /= shape[k];
    }
    out[e] = static_cast<int64_t>(values[static_cast<std::size_t>(source)]);
  }
  return out;
}

/// x[i0, i1, ...] for index tensors on dims `indices[k].dim` of `out`: their entries paired
/// up (broadcast), the picked elements' dims where the indexed ones were when they are
/// adjacent, else first (PyTorch's rule). One index_select of the indexed dims flattened,
/// so the gradient flows back to `out`.
Tensor gatherAdvanced(const Tensor& out, const std::vector<Advanced>& indices, SourceLoc loc) {
  const IntList shape = broadcastIndexShapes(indices);
  const int64_t count = checkedNumel(shape, "index");
  // The indexed dims first (in order), the others after: then the first k dims flatten.
  IntList order, rest;
  std::vector<bool> indexed(static_cast<std::size_t>(out.dim()), false);
  for (const Advanced& a : indices) {  // (one per dim: each index consumes its own)
    indexed[static_cast<std::size_t>(a.dim)] = true;
    order.push_back(a.dim);
  }
  for (int64_t d = 0; d < out.dim(); ++d)
    if (!indexed[static_cast<std::size_t>(d)]) rest.push_back(d);
  // The flat position of each picked element among the indexed dims (row-major).
  std::vector<int64_t> flat(static_cast<std::size_t>(count), 0);
  for (const Advanced& a : indices) {
    const int64_t size = out.size(a.dim);
    const std::vector<int64_t> entries = entriesBroadcast(a.index, shape);
    for (std::size_t e = 0; e < flat.size(); ++e) flat[e] = flat[e] * size + (entries[e] < 0 ? entries[e] + size : entries[e]);
  }
  IntList permutation = order;
  for (int64_t d : rest) permutation.push_back(d);
  IntList flattened{1};
  for (const Advanced& a : indices) flattened[0] *= out.size(a.dim);
  for (int64_t d : rest) flattened.push_back(out.size(d));
  Tensor picked = indexSelect(out.permute(permutation, loc).reshape(flattened, loc), 0, fromVector(flat, {count}), loc);
  IntList result = shape;
  for (int64_t d : rest) result.push_back(out.size(d));
  picked = picked.reshape(result, loc);
  // Adjacent indexed dims: the picked dims go where they were (after the dims before them).
  bool adjacent = true;
  for (std::size_t k = 1; k < order.size(); ++k) adjacent = adjacent && order[k] == order[k - 1] + 1;
  const int64_t before = order[0];  // the dims of `rest` before the first indexed one
  if (!adjacent || before == 0) return picked;
  const auto b = static_cast<int64_t>(shape.size());
  IntList move;
  for (int64_t d = 0; d < before; ++d) move.push_back(b + d);
  for (int64_t d = 0; d < b; ++d) move.push_back(d);
  for (int64_t d = b + before; d < picked.dim(); ++d) move.push_back(d);
  return picked.permute(move, loc);
}

/// Applies a PyTorch index (an int, slice, None, Ellipsis, integer tensor or list of ints,
/// or a tuple of them, or one bool mask) and returns the resulting view or copy.
Tensor indexTensor(const Tensor& self, py::handle key) {
  if (py::isinstance<Tensor>(key) && py::cast<const Tensor&>(key).dtype() == DType::Bool)
    return maskSelect(self, py::cast<const Tensor&>(key), here());
  const SourceLoc loc = here();
  py::tuple items = py::isinstance<py::tuple>(key) ? py::reinterpret_borrow<py::tuple>(key) : py::make_tuple(key);
  int64_t consuming = 0;
  bool ellipsis = false;
  for (py::handle item : items) {
    if (item.ptr() == Py_Ellipsis) {
      TD_CHECK(!ellipsis, "index", "an index can only have a single ellipsis ('...')");
      ellipsis = true;
    } else if (!item.is_none()) {
      ++consuming;  // an int, a slice or an index tensor each consume one dim
    }
  }
  TD_CHECK(consuming <= self.dim(), "index", "too many indices for a tensor of dimension ", self.dim(), " (",
           consuming, " given)");
  // Basic indexing first (slices, None, ints and 0-d integer tensors, as PyTorch selects
  // them); index tensors are applied together at the end, on the dims they were given for.
  Tensor out = self;
  std::vector<Advanced> advanced;
  int64_t dim = 0;
  for (py::handle item : items) {
    if (item.ptr() == Py_Ellipsis) {
      dim += self.dim() - consuming;
    } else if (item.is_none()) {
      out = out.unsqueeze(dim, loc);
      ++dim;
    } else if (isInt(item) || isScalarIndex(item)) {
      const auto index = isInt(item) ? py::cast<int64_t>(item) : static_cast<int64_t>(py::cast<Tensor>(item).item());
      const int64_t size = out.size(dim);
      // An IndexError, as Python's sequences raise: iterating falls back to it, and stops there.
      if (index < -size || index >= size)
        throw py::index_error("index " + std::to_string(index) + " is out of bounds for dimension " +
                              std::to_string(dim) + " with size " + std::to_string(size));
      out = out.select(dim, index, loc);
    } else if (py::isinstance<py::slice>(item)) {
      const auto slice = py::reinterpret_borrow<py::slice>(item);
      auto bound = [](py::handle v) -> std::optional<int64_t> {
        if (v.is_none()) return std::nullopt;
        // As Python's slices: ints and what __index__ takes (not floats, nor float tensors).
        if (!PyIndex_Check(v.ptr()))  // (True and False are ints here, as in Python)
          throw py::type_error("slice indices must be integers or None, got " +
                               std::string(py::str(v.get_type().attr("__name__"))));
        PyObject* index = PyNumber_Index(v.ptr());  // (a float tensor's __index__ raises TypeError)
        if (index == nullptr) throw py::error_already_set();
        return py::cast<int64_t>(py::reinterpret_steal<py::object>(index));
      };
      const std::optional<int64_t> step = bound(slice.attr("step"));
      TD_CHECK(!step || *step > 0, "index", "slice step must be positive, got ", step.value_or(0));
      out = out.slice(dim, bound(slice.attr("start")), bound(slice.attr("stop")), step.value_or(1), loc);
      ++dim;
    } else {
      advanced.push_back(advancedIndex(item, dim, out.size(dim)));
      ++dim;
    }
  }
  return advanced.empty() ? out : gatherAdvanced(out, advanced, loc);
}

}  // namespace

void bindOperators(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"));
  defBinary(cls, "__add__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return add(x, y, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return add(x, y, l); });
  });
  defBinary(cls, "__radd__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return add(y, x, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return add(x, y, l); });
  });
  defBinary(cls, "__sub__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return sub(x, y, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return sub(x, y, l); });
  });
  defBinary(cls, "__rsub__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return sub(y, x, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return rsub(x, y, l); });
  });
  defBinary(cls, "__mul__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return mul(x, y, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return mul(x, y, l); });
  });
  defBinary(cls, "__rmul__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return mul(y, x, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return mul(x, y, l); });
  });
  defBinary(cls, "__truediv__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return div(x, y, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return div(x, y, l); });
  });
  defBinary(cls, "__rtruediv__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return div(y, x, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return rdiv(x, y, l); });
  });
  defBinary(cls, "__pow__", [](const Tensor& a, py::handle b) -> py::object {
    if (std::optional<Tensor> whole = integerPower(a, b, here())) return py::cast(*whole);
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return pow(x, y, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return pow(x, y, l); });
  });
  defBinary(cls, "__rpow__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return pow(y, x, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return pow(fullLike(x, y, l), x, l); });
  });
  defBinary(cls, "__mod__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return remainder(x, y, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return remainder(x, y, l); });
  });
  defBinary(cls, "__rmod__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return remainder(y, x, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return rremainder(x, y, l); });
  });
  defBinary(cls, "__floordiv__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return floorDivide(x, y, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return floorDivide(x, y, l); });
  });
  defBinary(cls, "__rfloordiv__", [](const Tensor& a, py::handle b) {
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return floorDivide(y, x, l); },
                  [](const Tensor& x, double y, SourceLoc l) { return rfloorDivide(x, y, l); });
  });
  defBinary(cls, "__matmul__", [](const Tensor& a, const Tensor& b) { return matmul(a, b, here()); });
  defBinary(cls, "__neg__", [](const Tensor& a) { return neg(a, here()); });
  defBinary(cls, "__pos__", [](const Tensor& a) { return a; });
  defBinary(cls, "__abs__", [](const Tensor& a) { return abs(a, here()); });
  auto boolOnly = [](const Tensor& a, py::handle b, const char* op) -> std::optional<Tensor> {
    if (!py::isinstance<Tensor>(b)) return std::nullopt;
    const Tensor& t = py::cast<const Tensor&>(b);
    TD_CHECK(a.dtype() == DType::Bool && t.dtype() == DType::Bool, op, "is supported on bool tensors only, got ",
             dtypeName(a.dtype()), " and ", dtypeName(t.dtype()));
    return t;
  };
  cls.def("__and__", [boolOnly](const Tensor& a, py::handle b) -> py::object {
    const std::optional<Tensor> t = boolOnly(a, b, "&");
    if (!t) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return py::cast(logicalAnd(a, *t, here()));
  }, py::is_operator());
  cls.def("__or__", [boolOnly](const Tensor& a, py::handle b) -> py::object {
    const std::optional<Tensor> t = boolOnly(a, b, "|");
    if (!t) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return py::cast(logicalOr(a, *t, here()));
  }, py::is_operator());
  cls.def("__xor__", [boolOnly](const Tensor& a, py::handle b) -> py::object {
    const std::optional<Tensor> t = boolOnly(a, b, "^");
    if (!t) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    return py::cast(ne(a, *t, here()));
  }, py::is_operator());
  defBinary(cls, "__invert__", [](const Tensor& a) {
    TD_CHECK(a.dtype() == DType::Bool, "invert", "~ is supported on bool tensors only, got ", dtypeName(a.dtype()));
    return eq(a, 0.0, here());
  });

#define TD_PY_COMPARISON(pyname, fn)                                                                        \
  defBinary(cls, pyname, [](const Tensor& a, py::handle b) {                                              \
    return binary(a, b, [](const Tensor& x, const Tensor& y, SourceLoc l) { return fn(x, y, l); },        \
                  [](const Tensor& x, double y, SourceLoc l) { return fn(x, y, l); });                    \
  })
  TD_PY_COMPARISON("__eq__", eq);
  TD_PY_COMPARISON("__ne__", ne);
  TD_PY_COMPARISON("__lt__", lt);
  TD_PY_COMPARISON("__le__", le);
  TD_PY_COMPARISON("__gt__", gt);
  TD_PY_COMPARISON("__ge__", ge);
#undef TD_PY_COMPARISON

  // In-place operators write into self (its version counter moves) and return it.
  auto inplace = [](py::object self, py::handle other, bool add, bool multiply, double sign) -> py::object {
    Tensor& t = py::cast<Tensor&>(self);
    const SourceLoc loc = here();
    if (py::isinstance<Tensor>(other)) {
      const Tensor& o = py::cast<const Tensor&>(other);
      if (add) t.add_(o, sign, loc);
      else if (multiply) t.mul_(o, loc);
      else t.div_(o, loc);
    } else if (const std::optional<double> number = asNumber(other)) {
      if (add) t.add_(sign * *number, loc);
      else if (multiply) t.mul_(*number, loc);
      else t.div_(*number, loc);
    } else {
      return py::reinterpret_borrow<py::object>(Py_NotImplemented);
    }
    return self;
  };
  cls.def("__iadd__", [inplace](py::object s, py::handle o) { return inplace(s, o, true, false, 1.0); }, py::is_operator());
  cls.def("__isub__", [inplace](py::object s, py::handle o) { return inplace(s, o, true, false, -1.0); }, py::is_operator());
  cls.def("__imul__", [inplace](py::object s, py::handle o) { return inplace(s, o, false, true, 1.0); }, py::is_operator());
  cls.def("__itruediv__", [inplace](py::object s, py::handle o) { return inplace(s, o, false, false, 1.0); },
          py::is_operator());

  cls.def("__getitem__", &indexTensor);
  cls.def("__setitem__", [](Tensor& self, py::handle key, py::handle value) {
    if (py::isinstance<Tensor>(key) && py::cast<const Tensor&>(key).dtype() == DType::Bool) {
      // x[mask] = number: the masked elements take the value (in place).
      const std::optional<double> number = asNumber(value);
      TD_CHECK(number.has_value(), "index", "assigning through a boolean mask supports a number only, for now");
      const Tensor& mask = py::cast<const Tensor&>(key);
      self.copy_(maskedFill(self, mask, *number, here()), here());
      return;
    }
    Tensor view = indexTensor(self, key);
    TD_CHECK(view.storage().data() == self.storage().data(), "index",
             "assignment through an integer-tensor index is not supported yet");
    if (const std::optional<double> number = asNumber(value)) view.fill_(*number, here());
    else view.copy_(py::isinstance<Tensor>(value) ? py::cast<Tensor>(value) : tensorFromData(value, view.dtype(), "setitem"),
                    here());
  });
}

}  // namespace td::python
