#pragma once
// Conversions between Python values and engine values: shapes, dims, nested lists,
// scalars, NumPy arrays (through the buffer protocol, so NumPy stays optional).
#include <pybind11/pybind11.h>

#include <optional>

#include "tapedeck/core/Tensor.h"

namespace td::python {

namespace py = pybind11;

/// A shape from `size(2, 3)`-style arguments: ints, or one tuple/list of ints.
IntList shapeFromArgs(const py::args& args, const char* what);
/// A shape or dim list from one int or a sequence of ints.
IntList intList(py::handle value, const char* what);
/// A count or an id (a whole number >= 0, not a bool): a TypeError or ValueError naming
/// `what` otherwise, never pybind11's list of signatures.
uint64_t wholeNumber(py::handle value, const char* what);
/// Dims for a reduction: None is every dim.
IntList dimsOrAll(py::handle dim, const char* what);

/// A tensor from Python data: a scalar, nested lists/tuples, a buffer (NumPy array), or a
/// Tensor (copied). `dtype` defaults as PyTorch's: bool, int64 for ints, float32 otherwise.
Tensor tensorFromData(py::handle data, std::optional<DType> dtype, const char* what);

/// A tensor sharing a buffer's memory (NumPy's from_numpy) when its element type is one of
/// the engine's and its strides are non-negative and aligned; otherwise a copy.
Tensor shareBuffer(const py::buffer& buffer, const char* what);

/// Nested Python lists (or a Python number for a 0-dim tensor) of a tensor's values.
py::object toList(const Tensor& t);
/// The value of a one-element tensor as a Python bool, int or float.
py::object itemObject(const Tensor& t);

/// A zero-copy NumPy array over a CPU tensor's memory (keeps the storage alive).
py::object toNumpy(const Tensor& t);

}  // namespace td::python
