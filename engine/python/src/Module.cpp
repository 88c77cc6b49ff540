// tapedeck._C: the engine for Python. The pure-Python package (tapedeck/__init__.py)
// re-exports it under PyTorch's names.
#include "Bindings.h"

#include "tapedeck/core/Error.h"

namespace td::python {

TensorOptions factoryOptions(std::optional<DType> dtype, py::handle device, bool requiresGrad, DType fallback) {
  TensorOptions options(dtype.value_or(fallback));
  if (!device.is_none()) {
    const std::string text = py::str(device);
    options.device(Device::parse(text));
  }
  options.requiresGrad(requiresGrad);
  return options;
}

std::optional<double> asNumber(py::handle value) {
  PyObject* p = value.ptr();
  if (PyFloat_CheckExact(p)) return PyFloat_AS_DOUBLE(p);
  if (PyBool_Check(p)) return p == Py_True ? 1.0 : 0.0;
  if (PyLong_Check(p)) return static_cast<double>(PyLong_AsLongLong(p));
  if (PyFloat_Check(p)) return PyFloat_AsDouble(p);
  // Other numbers, NumPy's scalars (np.float32(2), np.int64(3)): registered as numbers.Number,
  // which a tensor or an array is not. Only reached by what used to be refused.
  static PyObject* const numberType = py::object(py::module_::import("numbers").attr("Number")).release().ptr();
  if (PyObject_IsInstance(p, numberType) == 1) {
    const double v = PyFloat_AsDouble(p);
    if (!(v == -1.0 && PyErr_Occurred())) return v;
    PyErr_Clear();
  }
  return std::nullopt;
}

std::optional<Tensor> integerPower(const Tensor& a, py::handle exponent, SourceLoc loc) {
  PyObject* p = exponent.ptr();
  if (a.dtype() != DType::Int64 || !PyLong_Check(p) || PyBool_Check(p)) return std::nullopt;
  const long long power = PyLong_AsLongLong(p);
  if (power == -1 && PyErr_Occurred()) throw py::error_already_set();
  TD_CHECK(power >= 0, "pow", "integers to negative integer powers are not allowed (", power,
           "); use a float tensor: x.float() ** ", power);
  // In float64, exact for results up to 2^53, and back to int64.
  return pow(a.to(DType::Float64, loc), static_cast<double>(power), loc).to(DType::Int64, loc);
}

namespace {

void bindErrors(py::module_& m) {
  // td::Error arrives as tapedeck.TapedeckError, a RuntimeError (PyTorch raises RuntimeError).
  static py::exception<Error> error(m, "TapedeckError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });
}

}  // namespace

void bindTypes(py::module_& m) {
  bindErrors(m);
  py::enum_<DType> dtype(m, "dtype");
  dtype.value("float32", DType::Float32)
      .value("float64", DType::Float64)
      .value("int64", DType::Int64)
      .value("bool", DType::Bool)
      .def_property_readonly("is_floating_point", [](DType d) { return d == DType::Float32 || d == DType::Float64; })
      .def_property_readonly("itemsize", [](DType d) { return elementSize(d); });
  // Replaced, not overloaded (an added overload would lose to py::enum_'s own): "tapedeck.float32".
  const py::cpp_function name([](DType d) { return std::string("tapedeck.") + dtypeName(d); }, py::is_method(dtype));
  py::setattr(dtype, "__repr__", name);
  py::setattr(dtype, "__str__", name);
  py::class_<Device>(m, "device")
      .def(py::init([](const std::string& text) { return Device::parse(text); }), py::arg("type"))
      .def_property_readonly("type", [](const Device& d) { return d.isCpu() ? "cpu" : "cuda"; })
      .def_property_readonly("index", [](const Device& d) -> py::object {
        return d.isCpu() ? py::none() : py::object(py::int_(d.index));
      })
      .def("__repr__", [](const Device& d) { return "device(type='" + std::string(d.isCpu() ? "cpu" : "cuda") + "')"; })
      .def("__str__", &Device::str)
      .def("__eq__", [](const Device& a, py::handle b) {
        if (py::isinstance<Device>(b)) return a == py::cast<Device>(b);
        if (py::isinstance<py::str>(b)) return a.str() == std::string(py::str(b));
        return false;
      })
      .def("__hash__", [](const Device& d) { return std::hash<std::string>()(d.str()); });
}

}  // namespace td::python

PYBIND11_MODULE(_C, m) {
  using namespace td::python;
  m.doc() = "Tapedeck's engine: tensors, ops and the tape-based autograd";
  installSourceResolver();
  bindTypes(m);
  bindTensor(m);
  bindOperators(m);
  bindOps(m);
  bindAutograd(m);
  bindOptim(m);
  bindIo(m);
  bindData(m);
  bindDebug(m);
  m.def("_set_package_directory", &setPackageDirectory,
        "Frames under this directory are the package's own and are skipped when finding the caller's line");
}
