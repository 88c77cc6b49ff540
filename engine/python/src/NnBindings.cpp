// tapedeck._C._nn: the functions tapedeck.nn.functional builds on (layers, pooling,
// normalisation, losses), under PyTorch's argument names.
#include "Bindings.h"
#include "Convert.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/core/Error.h"

namespace td::python {
namespace {

Reduction reductionOf(const std::string& text) {
  if (text == "mean") return Reduction::Mean;
  if (text == "sum") return Reduction::Sum;
  if (text == "none") return Reduction::None;
  throw py::value_error("reduction must be 'mean', 'sum' or 'none', got '" + text + "'");
}

Tensor optionalTensor(py::handle value) { return value.is_none() ? Tensor() : py::cast<Tensor>(value); }

/// A 2-d size from an int or a pair (None: empty, the op's default).
IntList pairOf(py::handle value, const char* what) {
  if (value.is_none()) return {};
  IntList l = intList(value, what);
  return l.size() == 1 ? IntList{l[0], l[0]} : l;
}

}  // namespace

void bindNnFunctions(py::module_ nn) {
  nn.def("linear", [](const Tensor& x, const Tensor& w, py::handle b) { return linear(x, w, optionalTensor(b), here()); },
         py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
  nn.def("conv2d", [](const Tensor& x, const Tensor& w, py::handle b, py::handle stride, py::handle padding,
                      py::handle dilation, int64_t groups) {
    return conv2d(x, w, optionalTensor(b), pairOf(stride, "stride"), pairOf(padding, "padding"),
                  pairOf(dilation, "dilation"), groups, here());
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
         py::arg("dilation") = 1, py::arg("groups") = 1);
  nn.def("conv_transpose2d", [](const Tensor& x, const Tensor& w, py::handle b, py::handle stride, py::handle padding,
                                py::handle outputPadding, int64_t groups, py::handle dilation) {
    return convTranspose2d(x, w, optionalTensor(b), pairOf(stride, "stride"), pairOf(padding, "padding"),
                           pairOf(outputPadding, "output_padding"), groups, pairOf(dilation, "dilation"), here());
  }, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), py::arg("stride") = 1, py::arg("padding") = 0,
         py::arg("output_padding") = 0, py::arg("groups") = 1, py::arg("dilation") = 1);
  nn.def("max_pool2d", [](const Tensor& x, py::handle kernel, py::handle stride, py::handle padding,
                          py::handle dilation, bool ceilMode) {
    const IntList pad = pairOf(padding, "padding");
    const IntList dil = pairOf(dilation, "dilation");
    return maxPool2d(x, pairOf(kernel, "kernel_size"), pairOf(stride, "stride"), pad.empty() ? IntList{0, 0} : pad,
                     dil.empty() ? IntList{1, 1} : dil, ceilMode, here());
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
         py::arg("dilation") = 1, py::arg("ceil_mode") = false);
  nn.def("avg_pool2d", [](const Tensor& x, py::handle kernel, py::handle stride, py::handle padding, bool ceilMode,
                          bool countIncludePad) {
    const IntList pad = pairOf(padding, "padding");
    return avgPool2d(x, pairOf(kernel, "kernel_size"), pairOf(stride, "stride"), pad.empty() ? IntList{0, 0} : pad,
                     ceilMode, countIncludePad, here());
  }, py::arg("input"), py::arg("kernel_size"), py::arg("stride") = py::none(), py::arg("padding") = 0,
         py::arg("ceil_mode") = false, py::arg("count_include_pad") = true);
  nn.def("adaptive_avg_pool2d", [](const Tensor& x, py::handle size) {
    IntList l = intList(size, "output_size");
    return adaptiveAvgPool2d(x, l.size() == 1 ? IntList{l[0], l[0]} : l, here());
  });
  nn.def("dropout", [](const Tensor& x, double p, bool training) { return dropout(x, p, training, here()); },
         py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true);
  nn.def("layer_norm", [](const Tensor& x, py::handle shape, py::handle w, py::handle b, double eps) {
    return layerNorm(x, intList(shape, "normalized_shape"), optionalTensor(w), optionalTensor(b), eps, here());
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
         py::arg("eps") = 1e-5);
  nn.def("batch_norm", [](const Tensor& x, py::handle mean, py::handle var, py::handle w, py::handle b, bool training,
                          double momentum, double eps) {
    return batchNorm(x, optionalTensor(mean), optionalTensor(var), optionalTensor(w), optionalTensor(b), training,
                     momentum, eps, here());
  }, py::arg("input"), py::arg("running_mean"), py::arg("running_var"), py::arg("weight") = py::none(),
         py::arg("bias") = py::none(), py::arg("training") = false, py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  nn.def("cross_entropy", [](const Tensor& x, const Tensor& target, int64_t ignoreIndex, const std::string& reduction,
                             double smoothing) {
    return crossEntropy(x, target, reductionOf(reduction), smoothing, ignoreIndex, here());
  }, py::arg("input"), py::arg("target"), py::kw_only(), py::arg("ignore_index") = -100,
         py::arg("reduction") = "mean", py::arg("label_smoothing") = 0.0);
  nn.def("nll_loss", [](const Tensor& x, const Tensor& target, int64_t ignoreIndex, const std::string& reduction) {
    return nllLoss(x, target, reductionOf(reduction), ignoreIndex, here());
  }, py::arg("input"), py::arg("target"), py::kw_only(), py::arg("ignore_index") = -100, py::arg("reduction") = "mean");
#define TD_PY_LOSS(pyname, fn)                                                                      \
  nn.def(pyname, [](const Tensor& x, const Tensor& target, const std::string& reduction) {          \
    return fn(x, target, reductionOf(reduction), here());                                           \
  }, py::arg("input"), py::arg("target"), py::kw_only(), py::arg("reduction") = "mean")
  TD_PY_LOSS("mse_loss", mseLoss);
  TD_PY_LOSS("l1_loss", l1Loss);
  TD_PY_LOSS("binary_cross_entropy", binaryCrossEntropy);
  TD_PY_LOSS("binary_cross_entropy_with_logits", binaryCrossEntropyWithLogits);
#undef TD_PY_LOSS
  nn.def("gelu", [](const Tensor& x) { return gelu(x, here()); });
  nn.def("leaky_relu", [](const Tensor& x, double slope) { return leakyRelu(x, slope, here()); }, py::arg("input"),
         py::arg("negative_slope") = 0.01);
  nn.def("softplus", [](const Tensor& x, double beta, double threshold) { return softplus(x, beta, threshold, here()); },
         py::arg("input"), py::arg("beta") = 1.0, py::arg("threshold") = 20.0);
  nn.def("one_hot", [](const Tensor& x, int64_t classes) { return oneHot(x, classes, here()); }, py::arg("input"),
         py::arg("num_classes") = -1);
  nn.def("embedding", [](const Tensor& indices, const Tensor& weight) { return embedding(weight, indices, here()); },
         py::arg("input"), py::arg("weight"));
}

}  // namespace td::python
