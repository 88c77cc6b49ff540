// User-defined functions in autograd: their entry on the tape and their node, whose
// backward is the user's (tapedeck.autograd.Function builds on this).
#include "autograd/Node.h"
#include "autograd/Recording.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/core/Error.h"
#include "tapedeck/ops/Ops.h"

namespace td {

std::vector<Tensor> CustomNode::apply(std::vector<Tensor>&& gradOutputs, bool createGraph) {
  TD_CHECK(backward != nullptr, functionName, "backward ran through this function a second time, but its saved "
           "values were freed after the first; pass retain_graph=True to the first backward");
  for (std::size_t i = 0; i < gradOutputs.size(); ++i)
    if (!gradOutputs[i].defined())
      gradOutputs[i] = zeros(outputsMeta[i].shape, TensorOptions(outputsMeta[i].dtype));
  std::vector<Tensor> grads;
  {
    std::optional<NoGradGuard> noGrad;
    std::optional<EnableGradGuard> withGrad;
    if (createGraph) withGrad.emplace();
    else noGrad.emplace();
    grads = backward(gradOutputs);
  }
  TD_CHECK(grads.size() == inputs.size(), functionName, "backward returned ", grads.size(), " gradients, but the "
           "function has ", inputs.size(), " inputs (return one per input, None where there is none)");
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!inputs[i].needsGrad) {
      grads[i] = Tensor();
      continue;
    }
    if (!grads[i].defined()) continue;
    TD_CHECK(grads[i].shape() == inputs[i].shape, functionName, "backward returned a gradient of shape ",
             shapeString(grads[i].shape()), " for input ", i, ", whose shape is ", shapeString(inputs[i].shape));
    if (grads[i].dtype() != inputs[i].dtype) grads[i] = grads[i].to(inputs[i].dtype);
  }
  return grads;
}

namespace autograd {

std::vector<Tensor> applyFunction(const std::string& name, const std::vector<Tensor>& inputs,
                                  const std::vector<Tensor>& values, FunctionBackward backward, SourceLoc loc) {
  ApiScope scope(loc);
  TD_CHECK(!values.empty(), name, "a function must return at least one tensor");
  bool needGrad = false;
  for (const Tensor& input : inputs) {
    TD_CHECK(input.defined(), name, "an input tensor is undefined");
    needGrad = needGrad || input.requiresGrad();
  }
  needGrad = needGrad && GradMode::enabled() && backward != nullptr;
  std::vector<Tensor> outputs;
  outputs.reserve(values.size());
  for (const Tensor& value : values) {
    TD_CHECK(value.defined(), name, "forward returned an undefined tensor");
    outputs.push_back(value.detach());  // a new tensor the node can own, sharing the value's storage
  }
  std::shared_ptr<CustomNode> node;
  TapeEntry local;
  if (needGrad) {
    node = std::make_shared<CustomNode>();
    node->functionName = name;
    node->backward = std::move(backward);
    for (const Tensor& input : inputs) {
      const bool needs = input.requiresGrad();
      node->inputs.push_back(InputMeta{input.shape(), input.dtype(), needs});
      node->nextEdges.push_back(needs ? detail::gradientEdge(input) : Edge{});
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      node->outputsMeta.push_back(InputMeta{outputs[i].shape(), outputs[i].dtype(), true});
      if (!isFloating(outputs[i].dtype())) continue;  // integer outputs carry no gradient
      AutogradMeta& meta = outputs[i].impl()->meta();
      meta.requiresGrad = true;
      meta.gradFn = node;
      meta.outputNr = static_cast<uint32_t>(i);
    }
  }
  TapeEntry& entry = node ? node->entry : local;
  entry.differentiable = needGrad;
  detail::recordCustom(entry, Tape::intern(name), inputs.data(), inputs.size(), outputs.data(), outputs.size());
  return outputs;
}

}  // namespace autograd
}  // namespace td
