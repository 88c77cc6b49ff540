#pragma once
// Shared pieces of the tapedeck._C bindings: the binders each file contributes, and the
// small helpers they share (the caller's line, options from keyword arguments).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>

#include "PySourceLoc.h"
#include "tapedeck/ops/Ops.h"

namespace td::python {

namespace py = pybind11;

/// The Python caller's line (the innermost frame outside the tapedeck package).
inline SourceLoc here() { return callerLoc(); }

/// Factory options from PyTorch's keywords (dtype, requires_grad; device must be cpu).
TensorOptions factoryOptions(std::optional<DType> dtype, py::handle device, bool requiresGrad,
                             DType fallback = DType::Float32);

/// A Python callable that the engine keeps and may drop on any thread (a hook, a custom
/// backward, a condition): its last reference goes with the GIL held.
inline std::shared_ptr<py::function> keepCallable(py::function f) {
  return std::shared_ptr<py::function>(new py::function(std::move(f)), [](py::function* held) {
    py::gil_scoped_acquire gil;
    delete held;
  });
}

/// A Python number as a double (bool, int and NumPy scalars included); nullopt for anything else.
std::optional<double> asNumber(py::handle value);

/// `a ** exponent` for an int64 tensor and a Python int, as PyTorch: int64 (a negative
/// exponent is an error); nullopt for any other pair (the float power applies).
std::optional<Tensor> integerPower(const Tensor& a, py::handle exponent, SourceLoc loc);

/// Truth-value logic (non-zero is true) as bool tensors: tapedeck.logical_and/or and & |.
Tensor logicalAnd(const Tensor& a, const Tensor& b, SourceLoc loc);
Tensor logicalOr(const Tensor& a, const Tensor& b, SourceLoc loc);

void bindTypes(py::module_& m);      // dtype, device, errors
void bindTensor(py::module_& m);     // the Tensor class: metadata, values, autograd, views
void bindOperators(py::module_& m);  // arithmetic and comparison operators, indexing
void bindOps(py::module_& m);        // functions (and the methods PyTorch also has)
void bindNnFunctions(py::module_ nn); // tapedeck._C._nn (called by bindOps)
void bindAutograd(py::module_& m);   // grad mode, autograd.grad/backward, anomaly mode
void bindOptim(py::module_& m);      // the engine optimizers behind tapedeck.optim
void bindIo(py::module_& m);         // safetensors behind tapedeck.save/load
void bindData(py::module_& m);       // datasets and readers behind tapedeck.datasets
void bindDebug(py::module_& m);      // the debugger core behind tapedeck.debug
void bindRecorder(py::module_& dbg); // its recorder (called by bindDebug)

}  // namespace td::python
