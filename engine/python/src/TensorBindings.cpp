// The Tensor class: metadata, values, conversions, autograd and views, under PyTorch's
// names and behaviour. Every engine call passes the Python caller's line.
#include <pybind11/functional.h>

#include "Bindings.h"
#include "Convert.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/core/Error.h"

namespace td::python {
namespace {

/// What made a non-leaf tensor, as PyTorch's grad_fn: a name and its tape entry.
struct GradFn {
  GradFnInfo info;
};

py::tuple shapeTuple(const IntList& shape) {
  py::tuple out(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) out[i] = py::int_(shape[i]);
  return out;
}

/// `x.view(2, 3)` and `x.view((2, 3))` alike.
IntList shapeArgs(const py::args& args, const char* what) { return shapeFromArgs(args, what); }

std::optional<int64_t> optionalDim(py::handle dim, const char* what) {
  if (dim.is_none()) return std::nullopt;
  (void)what;
  return py::cast<int64_t>(dim);
}

}  // namespace

void bindTensor(py::module_& m) {
  py::class_<GradFn>(m, "GradFn", "The backward node that made a tensor (PyTorch's grad_fn)")
      .def("name", [](const GradFn& g) { return g.info.name; })
      .def_property_readonly("op", [](const GradFn& g) { return std::string(opName(g.info.op)); })
      .def_property_readonly("tape_entry", [](const GradFn& g) { return g.info.entryId; },
                             "The id of the tape entry this node differentiates")
      .def_property_readonly("formula", [](const GradFn& g) { return std::string(derivativeFormula(g.info.op)); })
      .def("__repr__", [](const GradFn& g) {
        return "<" + g.info.name + " (tape entry #" + std::to_string(g.info.entryId) + ")>";
      });

  py::class_<Tensor> tensor(m, "Tensor", py::dynamic_attr());
  tensor
      // Tensor(other): a new tensor sharing other's storage, cut from the graph (what
      // nn.Parameter(data) builds on); Tensor(2, 3): uninitialised float32; Tensor([..]): data.
      .def(py::init([](py::args args) {
        if (args.size() == 1 && py::isinstance<Tensor>(args[0])) return py::cast<const Tensor&>(args[0]).detach();
        if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return tensorFromData(args[0], DType::Float32, "Tensor");
        return empty(shapeFromArgs(args, "Tensor"), DType::Float32, here());
      }))
      // --- metadata ------------------------------------------------------------------
      .def_property_readonly("shape", [](const Tensor& t) { return shapeTuple(t.shape()); })
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return shapeTuple(t.shape());
        return py::int_(t.size(py::cast<int64_t>(dim)));
      }, py::arg("dim") = py::none())
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return shapeTuple(t.strides());
        return py::int_(t.stride(py::cast<int64_t>(dim)));
      }, py::arg("dim") = py::none())
      .def("dim", &Tensor::dim)
      .def_property_readonly("ndim", &Tensor::dim)
      .def("numel", &Tensor::numel)
      .def("__len__", [](const Tensor& t) {
        if (t.dim() == 0) throw py::type_error("len() of a 0-d tensor");
        return t.size(0);
      })
      .def("__iter__", [](py::object self) {
        // Its rows, one at a time, each as self[i] (a view, recorded at the loop's line).
        const Tensor& t = py::cast<const Tensor&>(self);
        if (t.dim() == 0) throw py::type_error("iteration over a 0-d tensor");
        const py::module_ builtins = py::module_::import("builtins");
        return py::iter(builtins.attr("map")(self.attr("__getitem__"), builtins.attr("range")(t.size(0))));
      })
      .def_property_readonly("dtype", &Tensor::dtype)
      .def_property_readonly("device", &Tensor::device)
      .def_property_readonly("is_cuda", [](const Tensor& t) { return !t.device().isCpu(); })
      .def("is_contiguous", &Tensor::isContiguous)
      .def("is_floating_point", [](const Tensor& t) { return t.dtype() == DType::Float32 || t.dtype() == DType::Float64; })
      .def("storage_offset", &Tensor::offset)
      .def("element_size", [](const Tensor& t) { return elementSize(t.dtype()); })
      .def_property_readonly("id", &Tensor::id, "The tensor's stable id, as tape entries name it")
      .def_property_readonly("_version", &Tensor::version)
      .def_property("name", &Tensor::name, [](Tensor& t, const std::string& name) { t.setName(name); })
      .def("__repr__", [](const Tensor& t) { return t.toString(); })
      .def("__format__", [](py::object self, const std::string& spec) -> py::object {
        // f"{loss:.4f}": a one-element tensor formats as its number; others as their text.
        const Tensor& t = py::cast<const Tensor&>(self);
        const py::object format = py::module_::import("builtins").attr("format");
        if (t.dim() == 0 || (t.numel() == 1 && !spec.empty())) return format(itemObject(t), spec);
        return format(py::str(self), spec);
      }, py::arg("format_spec"))
      .def("__hash__", [](py::handle self) { return reinterpret_cast<intptr_t>(self.ptr()); })
      .def("__bool__", [](const Tensor& t) {
        TD_CHECK(t.numel() == 1, "bool", "the truth value of a tensor with ", t.numel(),
                 " elements is ambiguous");
        return t.item() != 0.0;
      })
      .def("__float__", [](const Tensor& t) { return t.item(here()); })
      .def("__int__", [](const Tensor& t) { return static_cast<int64_t>(t.item(here())); })
      .def("__index__", [](const Tensor& t) {
        // A TypeError, as Python's own __index__ raises (range(t), a slice bound, operator.index).
        if (t.dtype() != DType::Int64 || t.numel() != 1)
          throw py::type_error("only integer tensors of a single element can be converted to an index");
        return static_cast<int64_t>(t.item());
      })
      // --- values --------------------------------------------------------------------
      .def("item", [](const Tensor& t) {
        TD_CHECK(t.numel() == 1, "item", "a Tensor with ", t.numel(), " elements cannot be converted to Scalar");
        return itemObject(t);
      })
      .def("tolist", &toList)
      .def("numpy", [](const Tensor& t) {
        TD_CHECK(!t.requiresGrad(), "numpy",
                 "can't call numpy() on a tensor that requires grad; use tensor.detach().numpy() instead");
        return toNumpy(t);
      })
      .def("__array__", [](const Tensor& t, py::object dtype) {
        py::object array = toNumpy(t.detach());
        return dtype.is_none() ? array : array.attr("astype")(dtype);
      }, py::arg("dtype") = py::none())
      // --- autograd ------------------------------------------------------------------
      .def_property("requires_grad", &Tensor::requiresGrad,
                    [](Tensor& t, bool value) { t.setRequiresGrad(value, here()); })
      .def("requires_grad_", [](py::object self, bool value) {
        py::cast<Tensor&>(self).setRequiresGrad(value, here());
        return self;
      }, py::arg("requires_grad") = true)
      .def_property("grad",
                    [](const Tensor& t) -> py::object {
                      Tensor g = t.grad();
                      return g.defined() ? py::cast(g) : py::none();
                    },
                    [](Tensor& t, py::object grad) { t.setGrad(grad.is_none() ? Tensor() : py::cast<Tensor>(grad)); })
      .def_property_readonly("grad_fn", [](const Tensor& t) -> py::object {
        std::optional<GradFnInfo> info = gradFnInfo(t);
        return info ? py::cast(GradFn{*info}) : py::none();
      })
      .def_property_readonly("is_leaf", &Tensor::isLeaf)
      .def("retain_grad", &Tensor::retainGrad)
      .def("backward", [](const Tensor& t, py::object gradient, py::object retainGraph, bool createGraph) {
        const Tensor grad = gradient.is_none() ? Tensor() : py::cast<Tensor>(gradient);
        const bool retain = retainGraph.is_none() ? createGraph : py::cast<bool>(retainGraph);
        const SourceLoc loc = here();
        // A long backward must not keep other Python threads (the debugger's controller) out;
        // hooks and custom backwards take the GIL back when they run.
        py::gil_scoped_release release;
        t.backward(grad, retain, createGraph, loc);
      }, py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(), py::arg("create_graph") = false)
      .def("register_hook", [](Tensor& t, py::function hook) {
        // The hook runs during backward with the gradient; returning a tensor replaces it.
        const int handle = t.registerHook([hook = keepCallable(std::move(hook))](const Tensor& grad) -> Tensor {
          py::gil_scoped_acquire gil;
          py::object result = (*hook)(grad);
          return result.is_none() ? Tensor() : py::cast<Tensor>(result);
        });
        py::object remove = py::cpp_function([t, handle]() mutable { t.removeHook(handle); });
        py::object handleObject = py::module_::import("types").attr("SimpleNamespace")();
        handleObject.attr("remove") = remove;
        return handleObject;
      }, py::arg("hook"))
      .def("detach", &Tensor::detach)
      .def_property("data", &Tensor::detach, [](Tensor& t, const Tensor& value) {
        // Replaces the values without autograd seeing it (PyTorch's `.data =`); same shape only.
        TD_CHECK(value.shape() == t.shape(), "data", "assigning .data of shape ", shapeString(value.shape()),
                 " to a tensor of shape ", shapeString(t.shape()), " is not supported (shapes must match)");
        NoGradGuard noGrad;
        t.detach().copy_(value);
      })
      .def("__copy__", [](py::object self) { return self; })
      .def("__deepcopy__", [](const Tensor& t, py::dict) {
        // A leaf keeps requires_grad (as PyTorch); a non-leaf cannot be deep-copied.
        TD_CHECK(t.isLeaf(), "deepcopy", "only tensors created explicitly by the user (graph leaves) support the "
                 "deepcopy protocol; detach() first");
        Tensor copy = t.detach().clone();
        if (t.requiresGrad()) copy.setRequiresGrad(true);
        return copy;
      }, py::arg("memo"))
      .def("detach_", [](py::object self) {
        // As PyTorch's: the tensor leaves the graph in place (no history, requires_grad
        // False, a leaf). Ops recorded earlier keep their own edges, so a gradient already
        // on its way through it is not affected; only later uses are cut. A view shares its
        // base's history and is refused.
        Tensor& t = py::cast<Tensor&>(self);
        AutogradMeta* meta = t.impl()->autograd.get();
        if (meta == nullptr) return self;
        TD_CHECK(!meta->isView, "detach_", "can't detach a view in place: it shares memory and history with the "
                 "tensor it was taken from; use x = x.detach()");
        meta->gradFn.reset();
        meta->outputNr = 0;
        meta->requiresGrad = false;
        meta->retainsGrad = false;
        return self;
      })
      // --- conversions ---------------------------------------------------------------
      .def("to", [](const Tensor& t, py::object target, py::object dtype) {
        // to(dtype), to(device), to(other), to(device, dtype) and to(dtype=...).
        Tensor out = t;
        auto apply = [&](py::handle what) {
          if (what.is_none()) return;
          if (py::isinstance<DType>(what)) {
            out = out.to(py::cast<DType>(what), here());
          } else if (py::isinstance<Tensor>(what)) {
            out = out.to(py::cast<const Tensor&>(what).dtype(), here());
          } else {
            const Device device = py::isinstance<Device>(what) ? py::cast<Device>(what)
                                                               : Device::parse(std::string(py::str(what)));
            TD_CHECK(device == out.device(), "to", "moving tensors between devices is not supported yet (",
                     out.device().str(), " to ", device.str(), ")");
          }
        };
        apply(target);
        apply(dtype);
        return out;
      }, py::arg("target") = py::none(), py::arg("dtype") = py::none())
      .def("float", [](const Tensor& t) { return t.to(DType::Float32, here()); })
      .def("double", [](const Tensor& t) { return t.to(DType::Float64, here()); })
      .def("long", [](const Tensor& t) { return t.to(DType::Int64, here()); })
      .def("bool", [](const Tensor& t) { return t.to(DType::Bool, here()); })
      .def("cpu", [](const Tensor& t) { return t; })
      .def("type_as", [](const Tensor& t, const Tensor& other) { return t.to(other.dtype(), here()); })
      .def("clone", [](const Tensor& t) { return t.clone(here()); })
      .def("contiguous", [](const Tensor& t) { return t.contiguous(here()); })
      // --- views ---------------------------------------------------------------------
      .def("view", [](const Tensor& t, py::args shape) { return t.view(shapeArgs(shape, "view"), here()); })
      .def("reshape", [](const Tensor& t, py::args shape) { return t.reshape(shapeArgs(shape, "reshape"), here()); })
      .def("view_as", [](const Tensor& t, const Tensor& other) { return t.view(other.shape(), here()); })
      .def("reshape_as", [](const Tensor& t, const Tensor& other) { return t.reshape(other.shape(), here()); })
      .def("expand", [](const Tensor& t, py::args shape) { return t.expand(shapeArgs(shape, "expand"), here()); })
      .def("expand_as", [](const Tensor& t, const Tensor& other) { return t.expand(other.shape(), here()); })
      .def("permute", [](const Tensor& t, py::args dims) { return t.permute(shapeArgs(dims, "permute"), here()); })
      .def("transpose", [](const Tensor& t, int64_t a, int64_t b) { return t.transpose(a, b, here()); })
      .def("t", [](const Tensor& t) { return t.t(here()); })
      .def_property_readonly("T", [](const Tensor& t) {
        IntList dims;
        for (int64_t d = t.dim() - 1; d >= 0; --d) dims.push_back(d);
        return t.permute(dims, here());
      })
      .def("narrow", [](const Tensor& t, int64_t dim, int64_t start, int64_t length) {
        return t.narrow(dim, start, length, here());
      })
      .def("select", [](const Tensor& t, int64_t dim, int64_t index) { return t.select(dim, index, here()); })
      .def("squeeze", [](const Tensor& t, py::object dim) { return t.squeeze(optionalDim(dim, "squeeze"), here()); },
           py::arg("dim") = py::none())
      .def("unsqueeze", [](const Tensor& t, int64_t dim) { return t.unsqueeze(dim, here()); })
      .def("flatten", [](const Tensor& t, int64_t start, int64_t end) { return t.flatten(start, end, here()); },
           py::arg("start_dim") = 0, py::arg("end_dim") = -1);
}

}  // namespace td::python
