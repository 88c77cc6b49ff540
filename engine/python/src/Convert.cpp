// Python value <-> engine value conversions.
#include "Convert.h"

#include <pybind11/numpy.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "PySourceLoc.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/ops/Ops.h"

namespace td::python {
namespace {

int64_t toInt(py::handle value, const char* what) {
  if (PyBool_Check(value.ptr()) || !PyIndex_Check(value.ptr()))
    throw py::type_error(std::string(what) + ": expected an int, got " + std::string(py::str(value.get_type().attr("__name__"))));
  return py::cast<int64_t>(value);
}

bool isSequence(py::handle value) { return py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value); }

enum class Kind { Bool, Int, Float };

/// Walks nested lists, recording the shape (checked rectangular) and the values.
void flatten(py::handle value, size_t depth, IntList& shape, std::vector<double>& values, Kind& kind,
             const char* what) {
  if (isSequence(value)) {
    const py::sequence seq = py::reinterpret_borrow<py::sequence>(value);
    const auto size = static_cast<int64_t>(seq.size());
    if (depth == shape.size()) {
      if (!values.empty())
        throw py::value_error(std::string(what) + ": ragged nested sequence (a list where a number was expected)");
      shape.push_back(size);
    } else if (shape[depth] != size) {
      throw py::value_error(std::string(what) + ": ragged nested sequence: expected length " +
                            std::to_string(shape[depth]) + " at dim " + std::to_string(depth) + ", got " +
                            std::to_string(size));
    }
    for (py::handle item : seq) flatten(item, depth + 1, shape, values, kind, what);
    return;
  }
  if (depth != shape.size())
    throw py::value_error(std::string(what) + ": ragged nested sequence (a number where a list was expected)");
  if (PyBool_Check(value.ptr())) {
    values.push_back(value.ptr() == Py_True ? 1.0 : 0.0);
  } else if (py::isinstance<Tensor>(value)) {
    // A one-element tensor stands for its value, of its dtype's kind (as in
    // torch.tensor([loss_a, loss_b])); its __index__ would make every float an int.
    const Tensor& t = py::cast<const Tensor&>(value);
    if (t.numel() != 1)
      throw py::value_error(std::string(what) + ": only one-element tensors can be elements of a new tensor, got a "
                            "tensor of " + std::to_string(t.numel()) + " elements (use torch.stack or torch.cat)");
    if (t.dtype() == DType::Int64 && kind == Kind::Bool) kind = Kind::Int;
    if (isFloating(t.dtype())) kind = Kind::Float;
    values.push_back(t.item());
  } else if (PyLong_Check(value.ptr()) || PyIndex_Check(value.ptr())) {
    if (kind == Kind::Bool && !values.empty()) kind = Kind::Int;
    if (kind == Kind::Bool) kind = Kind::Int;
    values.push_back(static_cast<double>(py::cast<int64_t>(value)));
  } else if (PyFloat_Check(value.ptr()) || PyNumber_Check(value.ptr())) {
    kind = Kind::Float;
    values.push_back(py::cast<double>(value));
  } else {
    throw py::type_error(std::string(what) + ": cannot make a tensor element from " +
                         std::string(py::str(value.get_type().attr("__name__"))));
  }
}

/// One element of a buffer as a double, for its struct format code; false if unsupported.
bool readElement(char code, const char* p, double& out) {
  auto get = [&](auto tag) {
    decltype(tag) v;
    std::memcpy(&v, p, sizeof v);
    out = static_cast<double>(v);
    return true;
  };
  switch (code) {
    case '?': return get(bool{});
    case 'b': return get(int8_t{});
    case 'B': return get(uint8_t{});
    case 'h': return get(int16_t{});
    case 'H': return get(uint16_t{});
    case 'i': return get(int32_t{});
    case 'I': return get(uint32_t{});
    case 'l': case 'q': return get(int64_t{});
    case 'L': case 'Q': return get(uint64_t{});
    case 'f': return get(float{});
    case 'd': return get(double{});
    default: return false;
  }
}

/// A buffer's values (any strides) as a new tensor: float32/float64/int64/bool keep their
/// type, other integers become int64, other floats float32 (the engine's four dtypes).
Tensor fromBuffer(const py::buffer& buffer, std::optional<DType> dtype, const char* what) {
  const py::buffer_info info = buffer.request();
  const char code = info.format.empty() ? '?' : info.format.back();
  DType natural;
  switch (code) {
    case '?': natural = DType::Bool; break;
    case 'f': natural = DType::Float32; break;
    case 'd': natural = DType::Float64; break;
    case 'b': case 'B': case 'h': case 'H': case 'i': case 'I': case 'l': case 'q': case 'L': case 'Q':
      natural = DType::Int64;
      break;
    default:
      throw py::type_error(std::string(what) + ": unsupported array element type '" + info.format +
                           "' (float32, float64, integers and bool are)");
  }
  IntList shape(info.shape.begin(), info.shape.end());
  std::vector<double> values(static_cast<size_t>(checkedNumel(shape, what)));
  std::vector<py::ssize_t> index(shape.size(), 0);
  const auto* base = static_cast<const char*>(info.ptr);
  for (double& value : values) {
    py::ssize_t offset = 0;
    for (size_t d = 0; d < shape.size(); ++d) offset += index[d] * info.strides[d];
    readElement(code, base + offset, value);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  // Recorded at the script's line that made the tensor, not here.
  const SourceLoc loc = callerLoc();
  Tensor out = fromVector(values, shape.empty() ? IntList{1} : shape, DType::Float64).to(dtype.value_or(natural), loc);
  return shape.empty() ? out.reshape({}, loc) : out;  // a 0-d array makes a 0-d tensor
}

}  // namespace

Tensor shareBuffer(const py::buffer& buffer, const char* what) {
  py::buffer_info info = buffer.request(true);  // writable: the tensor may write into it
  const char code = info.format.empty() ? '?' : info.format.back();
  std::optional<DType> dtype;
  if (code == 'f' && info.itemsize == 4) dtype = DType::Float32;
  if (code == 'd' && info.itemsize == 8) dtype = DType::Float64;
  if ((code == 'l' || code == 'q') && info.itemsize == 8) dtype = DType::Int64;
  if (code == '?' && info.itemsize == 1) dtype = DType::Bool;
  bool shareable = dtype.has_value() && reinterpret_cast<uintptr_t>(info.ptr) % static_cast<uintptr_t>(info.itemsize) == 0;
  IntList shape(info.shape.begin(), info.shape.end());
  IntList strides;
  for (py::ssize_t s : info.strides) {
    shareable = shareable && s >= 0 && s % info.itemsize == 0;
    strides.push_back(s / info.itemsize);
  }
  if (!shareable) return tensorFromData(buffer, std::nullopt, what);
  // The array stays alive while any tensor uses its memory; dropping it needs the GIL.
  auto owner = new py::object(py::reinterpret_borrow<py::object>(buffer));
  return fromBlob(info.ptr, shape, strides, *dtype, [owner] {
    py::gil_scoped_acquire gil;
    delete owner;
  });
}

IntList intList(py::handle value, const char* what) {
  IntList out;
  if (isSequence(value)) {
    for (py::handle item : value) out.push_back(toInt(item, what));
  } else {
    out.push_back(toInt(value, what));
  }
  return out;
}

uint64_t wholeNumber(py::handle value, const char* what) {
  const int64_t number = toInt(value, what);
  if (number < 0) throw py::value_error(std::string(what) + ": expected a whole number >= 0, got " + std::to_string(number));
  return static_cast<uint64_t>(number);
}

IntList shapeFromArgs(const py::args& args, const char* what) {
  if (args.size() == 1 && isSequence(args[0])) return intList(args[0], what);
  IntList out;
  for (py::handle item : args) out.push_back(toInt(item, what));
  return out;
}

IntList dimsOrAll(py::handle dim, const char* what) { return dim.is_none() ? IntList{} : intList(dim, what); }

Tensor tensorFromData(py::handle data, std::optional<DType> dtype, const char* what) {
  if (py::isinstance<Tensor>(data)) {
    const Tensor& t = py::cast<const Tensor&>(data);
    const SourceLoc loc = callerLoc();  // the script's line, not this one
    return dtype ? t.detach().to(*dtype, loc).clone(loc) : t.detach().clone(loc);
  }
  if (!isSequence(data) && PyObject_CheckBuffer(data.ptr()))
    return fromBuffer(py::reinterpret_borrow<py::buffer>(data), dtype, what);
  IntList shape;
  std::vector<double> values;
  Kind kind = Kind::Bool;
  flatten(data, 0, shape, values, kind, what);
  if (values.empty() && kind == Kind::Bool) kind = Kind::Float;  // tensor([]) is float32
  const DType inferred = kind == Kind::Bool ? DType::Bool : kind == Kind::Int ? DType::Int64 : DType::Float32;
  const DType target = dtype.value_or(inferred);
  const SourceLoc loc = callerLoc();  // recorded at the script's line that made the tensor, not here
  Tensor out = fromVector(values, shape.empty() ? IntList{1} : shape, DType::Float64).to(target, loc);
  return shape.empty() ? out.reshape({}, loc) : out;  // a Python scalar makes a 0-d tensor
}

py::object itemObject(const Tensor& t) {
  const double value = t.item();
  switch (t.dtype()) {
    case DType::Bool: return py::bool_(value != 0.0);
    case DType::Int64: return py::int_(static_cast<int64_t>(value));
    default: return py::float_(value);
  }
}

py::object toList(const Tensor& t) {
  const std::vector<double> values = t.toVector();
  auto element = [&](size_t k) -> py::object {
    switch (t.dtype()) {
      case DType::Bool: return py::bool_(values[k] != 0.0);
      case DType::Int64: return py::int_(static_cast<int64_t>(values[k]));
      default: return py::float_(values[k]);
    }
  };
  if (t.dim() == 0) return element(0);
  size_t next = 0;
  std::function<py::object(int64_t)> build = [&](int64_t dim) -> py::object {
    py::list out;
    for (int64_t i = 0; i < t.size(dim); ++i) out.append(dim + 1 == t.dim() ? element(next++) : build(dim + 1));
    return out;
  };
  return build(0);
}

py::object toNumpy(const Tensor& t) {
  TD_CHECK(t.device().isCpu(), "numpy", "can't convert a tensor on ", t.device().str(), " to NumPy; use .cpu() first");
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  std::vector<py::ssize_t> strides;
  const auto elem = static_cast<py::ssize_t>(elementSize(t.dtype()));
  for (int64_t s : t.strides()) strides.push_back(s * elem);
  t.storage().markExported();               // the array points into it: it must never move
  py::object owner = py::cast(t.detach());  // keeps the storage alive as the array's base
  auto array = [&](auto tag) {
    using T = decltype(tag);
    return py::array_t<T>(shape, strides, static_cast<T*>(t.rawData()), owner);
  };
  switch (t.dtype()) {
    case DType::Float32: return array(float{});
    case DType::Float64: return array(double{});
    case DType::Int64: return array(int64_t{});
    case DType::Bool: return array(bool{});
  }
  return py::none();
}

}  // namespace td::python
