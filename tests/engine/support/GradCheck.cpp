#include "GradCheck.h"

#include <cmath>
#include <optional>
#include <sstream>

#include "Reference.h"
#include "Samples.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace tdtest {

namespace {

bool flagged(const std::vector<bool>& flags, std::size_t i) { return i < flags.size() && flags[i]; }

/// Offsets (elements, from data<T>()) of every logical element in row-major order.
std::vector<int64_t> elementOffsets(const td::Tensor& t) {
  Shape shape(t.shape().begin(), t.shape().end());
  std::vector<int64_t> offsets;
  for (int64_t i = 0; i < t.numel(); ++i) {
    Shape index = unravel(i, shape);
    int64_t offset = 0;
    for (std::size_t d = 0; d < index.size(); ++d) offset += index[d] * t.stride(static_cast<int64_t>(d));
    offsets.push_back(offset);
  }
  return offsets;
}

struct Leaves {
  Inputs tensors;
  std::vector<std::size_t> differentiable;  // indices into tensors
};

/// Fresh leaves sharing the inputs' storage; the differentiable ones require grad.
Leaves makeLeaves(const Inputs& inputs, const std::vector<bool>& differentiable) {
  Leaves leaves;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    td::Tensor leaf = inputs[i].defined() ? inputs[i].detach() : td::Tensor();
    if (flagged(differentiable, i) && leaf.defined() && td::isFloating(leaf.dtype())) {
      leaf.setRequiresGrad(true);
      leaves.differentiable.push_back(i);
    }
    leaves.tensors.push_back(leaf);
  }
  return leaves;
}

struct OutputSlot {
  std::size_t index;   // into f's outputs
  int64_t numel;
  int64_t column;      // first column in the concatenated outputs
  bool requiresGrad;
};

std::vector<OutputSlot> floatingOutputs(const Outputs& outputs) {
  std::vector<OutputSlot> slots;
  int64_t column = 0;
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    if (!outputs[k].defined() || !td::isFloating(outputs[k].dtype())) continue;
    slots.push_back({k, outputs[k].numel(), column, outputs[k].requiresGrad()});
    column += outputs[k].numel();
  }
  return slots;
}

std::vector<double> evaluate(const OpFunction& f, const Inputs& leaves, const std::vector<OutputSlot>& slots,
                             bool underNoGrad) {
  std::optional<td::NoGradGuard> noGrad;
  if (underNoGrad) noGrad.emplace();
  Outputs outputs = f(leaves);
  std::vector<double> values;
  for (const OutputSlot& slot : slots) {
    std::vector<double> part = outputs.at(slot.index).toVector();
    values.insert(values.end(), part.begin(), part.end());
  }
  return values;
}

td::Tensor unitCotangent(const td::Tensor& like, int64_t j) {
  std::vector<double> values(static_cast<std::size_t>(like.numel()), 0.0);
  values[static_cast<std::size_t>(j)] = 1.0;
  return makeTensor(values, Shape(like.shape().begin(), like.shape().end()), like.dtype());
}

bool close(double analytic, double numerical, const GradCheckOptions& options) {
  if (std::isnan(analytic) || std::isnan(numerical)) return false;
  return std::abs(analytic - numerical) <= options.atol + options.rtol * std::abs(numerical);
}

}  // namespace

std::string gradcheck(const OpFunction& f, const Inputs& inputs, const std::vector<bool>& differentiable,
                      const GradCheckOptions& options) {
  td::EnableGradGuard gradOn;
  Leaves leaves = makeLeaves(inputs, differentiable);
  if (leaves.differentiable.empty()) return "";
  for (std::size_t i : leaves.differentiable)
    if (leaves.tensors[i].dtype() != td::DType::Float64) return "gradcheck needs float64 differentiable inputs";

  Outputs outputs = f(leaves.tensors);
  std::vector<OutputSlot> slots = floatingOutputs(outputs);
  int64_t columns = slots.empty() ? 0 : slots.back().column + slots.back().numel;

  // Numerical Jacobian: numerical[d][a] is the column vector d outputs / d input[d][a].
  std::vector<std::vector<std::vector<double>>> numerical(leaves.differentiable.size());
  for (std::size_t d = 0; d < leaves.differentiable.size(); ++d) {
    td::Tensor& leaf = leaves.tensors[leaves.differentiable[d]];
    double* base = leaf.data<double>();
    for (int64_t offset : elementOffsets(leaf)) {
      double original = base[offset];
      base[offset] = original + options.eps;
      std::vector<double> plus = evaluate(f, leaves.tensors, slots, options.numericalUnderNoGrad);
      base[offset] = original - options.eps;
      std::vector<double> minus = evaluate(f, leaves.tensors, slots, options.numericalUnderNoGrad);
      base[offset] = original;
      std::vector<double> column(static_cast<std::size_t>(columns));
      for (std::size_t c = 0; c < column.size(); ++c) column[c] = (plus[c] - minus[c]) / (2.0 * options.eps);
      numerical[d].push_back(std::move(column));
    }
  }

  // Analytic Jacobian, one backward per output element.
  std::vector<td::Tensor> differentiableLeaves;
  for (std::size_t i : leaves.differentiable) differentiableLeaves.push_back(leaves.tensors[i]);
  for (const OutputSlot& slot : slots) {
    const td::Tensor& out = outputs[slot.index];
    for (int64_t j = 0; j < slot.numel; ++j) {
      std::vector<td::Tensor> grads;
      if (slot.requiresGrad)
        grads = td::autograd::grad({out}, differentiableLeaves, {unitCotangent(out, j)}, /*retainGraph=*/true,
                                   /*createGraph=*/false, /*allowUnused=*/true);
      for (std::size_t d = 0; d < differentiableLeaves.size(); ++d) {
        const td::Tensor& leaf = differentiableLeaves[d];
        std::vector<double> analytic(static_cast<std::size_t>(leaf.numel()), 0.0);
        if (d < grads.size() && grads[d].defined()) {
          if (grads[d].shape() != leaf.shape()) {
            std::ostringstream message;
            message << "gradient of input " << leaves.differentiable[d] << " has shape " << td::shapeString(grads[d].shape())
                    << ", the input " << td::shapeString(leaf.shape());
            return message.str();
          }
          if (grads[d].dtype() != leaf.dtype())
            return std::string("gradient dtype ") + td::dtypeName(grads[d].dtype()) + " differs from the input's " +
                   td::dtypeName(leaf.dtype());
          analytic = grads[d].toVector();
        }
        for (std::size_t a = 0; a < analytic.size(); ++a) {
          double n = numerical[d][a][static_cast<std::size_t>(slot.column + j)];
          if (!close(analytic[a], n, options)) {
            std::ostringstream message;
            message << "d output" << slot.index << "[" << j << "] / d input" << leaves.differentiable[d] << "[" << a
                    << "]: analytic " << analytic[a] << ", numerical " << n;
            return message.str();
          }
        }
      }
    }
  }
  return "";
}

std::string gradgradcheck(const OpFunction& f, const Inputs& inputs, const std::vector<bool>& differentiable,
                          uint64_t seed, const GradCheckOptions& options) {
  td::EnableGradGuard gradOn;
  // Probe which outputs carry gradients, to size the cotangents.
  std::vector<std::size_t> roots;
  Inputs extended = inputs;
  std::vector<bool> extendedDifferentiable;
  for (std::size_t i = 0; i < inputs.size(); ++i) extendedDifferentiable.push_back(flagged(differentiable, i));
  {
    Leaves leaves = makeLeaves(inputs, differentiable);
    if (leaves.differentiable.empty()) return "";
    Outputs outputs = f(leaves.tensors);
    Rng rng(seed);
    for (const OutputSlot& slot : floatingOutputs(outputs)) {
      if (!slot.requiresGrad) continue;
      roots.push_back(slot.index);
      const td::Tensor& out = outputs[slot.index];
      extended.push_back(uniform(rng, Shape(out.shape().begin(), out.shape().end()), -1.0, 1.0));
      extendedDifferentiable.push_back(true);
    }
  }
  if (roots.empty()) return "";

  const std::size_t count = inputs.size();
  OpFunction firstDerivative = [f, differentiable, roots, count](const Inputs& all) -> Outputs {
    Inputs in(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(count));
    Outputs outputs = f(in);
    std::vector<td::Tensor> rootTensors, cotangents, wrt;
    for (std::size_t m = 0; m < roots.size(); ++m) {
      rootTensors.push_back(outputs.at(roots[m]));
      cotangents.push_back(all[count + m]);
    }
    for (std::size_t i = 0; i < count; ++i)
      if (flagged(differentiable, i) && in[i].defined() && td::isFloating(in[i].dtype())) wrt.push_back(in[i]);
    Outputs grads = td::autograd::grad(rootTensors, wrt, cotangents, /*retainGraph=*/true, /*createGraph=*/true,
                                       /*allowUnused=*/true);
    for (std::size_t d = 0; d < grads.size(); ++d)
      if (!grads[d].defined()) grads[d] = td::zerosLike(wrt[d]);
    return grads;
  };
  GradCheckOptions second = options;
  second.numericalUnderNoGrad = false;  // the first derivative needs grad mode
  return gradcheck(firstDerivative, extended, extendedDifferentiable, second);
}

td::Tensor nonContiguousCopy(const td::Tensor& x) {
  if (x.numel() < 2) return x;
  int64_t rank = x.dim();
  td::Tensor source = x.detach();
  if (rank >= 2 && x.size(rank - 1) > 1 && x.size(rank - 2) > 1)
    return source.transpose(rank - 1, rank - 2).contiguous().transpose(rank - 1, rank - 2).detach();
  int64_t dim = rank - 1;
  while (x.size(dim) == 1) --dim;
  td::IntList bigger = x.shape();
  bigger[static_cast<std::size_t>(dim)] *= 2;
  td::Tensor buffer = td::zeros(bigger, td::TensorOptions(x.dtype()));
  td::Tensor view = buffer.slice(dim, 0, std::nullopt, 2);
  {
    td::NoGradGuard noGrad;
    view.copy_(source);
  }
  return view.detach();
}

}  // namespace tdtest
