// Grad mode, tapedeck.autograd.grad/backward and anomaly mode. The context managers and
// decorators (no_grad, enable_grad, set_grad_enabled, detect_anomaly) are Python classes
// in tapedeck/autograd.py over these primitives.
#include <memory>

#include "Bindings.h"
#include "tapedeck/autograd/Autograd.h"

namespace td::python {
namespace {

std::vector<Tensor> tensorList(py::handle value) {
  if (value.is_none()) return {};
  if (py::isinstance<Tensor>(value)) return {py::cast<Tensor>(value)};
  std::vector<Tensor> out;
  for (py::handle item : value) out.push_back(item.is_none() ? Tensor() : py::cast<Tensor>(item));
  return out;
}

}  // namespace

void bindAutograd(py::module_& m) {
  m.def("is_grad_enabled", &GradMode::enabled);
  m.def("_set_grad_enabled", &GradMode::setEnabled, py::arg("mode"));

  // The tape scope of a Python module call: `with _C._Scope("encoder.fc"):` makes it the
  // scope path of every op inside (absolute, as C++ modules push theirs).
  struct Scope {
    std::string path;
    std::unique_ptr<ScopeGuard> guard;
  };
  py::class_<Scope>(m, "_Scope")
      .def(py::init([](std::string path) { return Scope{std::move(path), nullptr}; }), py::arg("path"))
      .def("__enter__", [](Scope& s) { s.guard = std::make_unique<ScopeGuard>(Tape::intern(s.path), true); })
      .def("__exit__", [](Scope& s, py::args) {
        s.guard.reset();
        return false;
      });
  m.def("_current_scope", [] { return Tape::scopeName(Tape::currentScope()); },
        "The scope path ops recorded now would carry");

  py::module_ autograd = m.def_submodule("_autograd", "Primitives behind tapedeck.autograd");
  autograd.def("grad", [](py::handle outputs, py::handle inputs, py::handle gradOutputs, py::object retainGraph,
                          bool createGraph, bool allowUnused) {
    const std::optional<bool> retain = retainGraph.is_none() ? std::nullopt : std::optional<bool>(py::cast<bool>(retainGraph));
    const std::vector<Tensor> outs = tensorList(outputs), ins = tensorList(inputs), seeds = tensorList(gradOutputs);
    const SourceLoc loc = here();
    std::vector<Tensor> grads;
    {
      // A long backward must not keep other Python threads (the debugger's controller) out.
      py::gil_scoped_release release;
      grads = autograd::grad(outs, ins, seeds, retain, createGraph, allowUnused, loc);
    }
    py::tuple out(grads.size());
    for (size_t i = 0; i < grads.size(); ++i) out[i] = grads[i].defined() ? py::cast(grads[i]) : py::none();
    return out;
  }, py::arg("outputs"), py::arg("inputs"), py::arg("grad_outputs") = py::none(), py::arg("retain_graph") = py::none(),
                py::arg("create_graph") = false, py::arg("allow_unused") = false);
  autograd.def("backward", [](py::handle tensors, py::handle gradTensors, py::object retainGraph, bool createGraph) {
    const bool retain = retainGraph.is_none() ? createGraph : py::cast<bool>(retainGraph);
    const std::vector<Tensor> roots = tensorList(tensors), seeds = tensorList(gradTensors);
    const SourceLoc loc = here();
    py::gil_scoped_release release;  // see grad
    autograd::backward(roots, seeds, retain, createGraph, loc);
  }, py::arg("tensors"), py::arg("grad_tensors") = py::none(), py::arg("retain_graph") = py::none(),
                py::arg("create_graph") = false);

  // Anomaly mode while an _AnomalyMode object is entered (first NaN/Inf names its op and line).
  struct AnomalyGuard {
    std::unique_ptr<AnomalyMode> mode;
  };
  py::class_<AnomalyGuard>(autograd, "_AnomalyMode")
      .def(py::init<>())
      .def("__enter__", [](AnomalyGuard& g) { g.mode = std::make_unique<AnomalyMode>(); })
      .def("__exit__", [](AnomalyGuard& g, py::args) {
        g.mode.reset();
        return false;
      });
  // tapedeck.autograd.Function: `values` were computed without recording; `backward` is a
  // Python callable taking the output gradients (a list) and returning one gradient (or
  // None) per input. The node keeps the callable, so it is released with the GIL held.
  autograd.def("apply_function", [](const std::string& name, const std::vector<Tensor>& inputs,
                                    const std::vector<Tensor>& values, py::function backward) {
    auto callable = keepCallable(std::move(backward));
    autograd::FunctionBackward fn = [callable](const std::vector<Tensor>& grads) {
      py::gil_scoped_acquire gil;
      py::object result = (*callable)(grads);
      std::vector<Tensor> out;
      for (py::handle item : result) out.push_back(item.is_none() ? Tensor() : py::cast<Tensor>(item));
      return out;
    };
    return autograd::applyFunction(name, inputs, values, std::move(fn), here());
  }, py::arg("name"), py::arg("inputs"), py::arg("values"), py::arg("backward"));
  autograd.def("is_anomaly_enabled", &AnomalyMode::enabled);
  autograd.def("derivative_formula", [](const std::string& op) {
    if (OpId id; opFromName(op, id)) return std::string(derivativeFormula(id));
    throw py::value_error("no op named '" + op + "'");
  }, "The readable derivative formula of an op, by its display name");
}

}  // namespace td::python
