// The engine's optimizers for tapedeck.optim: one engine optimizer per parameter group
// does the update in C++ (the same code the C++ API and its libtorch comparisons use);
// the Python classes keep PyTorch's param_groups and state_dict shapes around it.
#include "Bindings.h"
#include "tapedeck/optim/Optim.h"

namespace td::python {

void bindOptim(py::module_& m) {
  py::module_ optim = m.def_submodule("_optim", "Engine optimizers behind tapedeck.optim");
  py::class_<optim::Optimizer>(optim, "Engine")
      .def("step", [](optim::Optimizer& o) {
        ApiScope scope(here());  // the update's in-place ops carry the Python caller's line
        o.step();
      })
      .def("zero_grad", &optim::Optimizer::zeroGrad)
      .def_property("lr", &optim::Optimizer::lr, &optim::Optimizer::setLr)
      .def_property_readonly("type_name", &optim::Optimizer::typeName)
      .def("state_dict", &optim::Optimizer::stateDict, "[(name, tensor)]: param_groups.0.lr, state.3.exp_avg, ...")
      .def("state_bytes", &optim::Optimizer::stateBytes, "Bytes of state kept per parameter, in order (no copy)")
      .def("load_state_dict", &optim::Optimizer::loadStateDict, py::arg("state"));
  optim.def("sgd", [](std::vector<Tensor> params, double lr, double momentum, double dampening, double weightDecay,
                      bool nesterov) -> std::unique_ptr<optim::Optimizer> {
    return std::make_unique<optim::Sgd>(std::move(params), optim::SgdOptions{.lr = lr, .momentum = momentum,
        .dampening = dampening, .weightDecay = weightDecay, .nesterov = nesterov});
  }, py::arg("params"), py::arg("lr"), py::arg("momentum"), py::arg("dampening"), py::arg("weight_decay"),
            py::arg("nesterov"));
  optim.def("adam", [](std::vector<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                       bool amsgrad, bool decoupled) -> std::unique_ptr<optim::Optimizer> {
    if (decoupled)
      return std::make_unique<optim::AdamW>(std::move(params), optim::AdamWOptions{.lr = lr, .beta1 = beta1,
          .beta2 = beta2, .eps = eps, .weightDecay = weightDecay, .amsgrad = amsgrad});
    return std::make_unique<optim::Adam>(std::move(params), optim::AdamOptions{.lr = lr, .beta1 = beta1,
        .beta2 = beta2, .eps = eps, .weightDecay = weightDecay, .amsgrad = amsgrad});
  }, py::arg("params"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay"),
            py::arg("amsgrad"), py::arg("decoupled"));
  optim.def("rmsprop", [](std::vector<Tensor> params, double lr, double alpha, double eps, double weightDecay,
                          double momentum, bool centered) -> std::unique_ptr<optim::Optimizer> {
    return std::make_unique<optim::RmsProp>(std::move(params), optim::RmsPropOptions{.lr = lr, .alpha = alpha,
        .eps = eps, .weightDecay = weightDecay, .momentum = momentum, .centered = centered});
  }, py::arg("params"), py::arg("lr"), py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"), py::arg("momentum"),
            py::arg("centered"));
}

}  // namespace td::python
