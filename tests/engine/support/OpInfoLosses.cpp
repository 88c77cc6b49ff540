// Rows: cross_entropy (label smoothing, ignore_index, spatial), nll_loss, mse_loss,
// l1_loss, binary_cross_entropy (log clamped at -100) and its with-logits form.
#include <algorithm>
#include <cmath>

#include "OpInfo.h"
#include "tapedeck/ops/Ops.h"

namespace tdtest::rows {

namespace {

using td::Reduction;

RefTensor reduceLoss(const RefTensor& perElement, Reduction reduction, double meanDivisor) {
  if (reduction == Reduction::None) return perElement;
  double total = sumOf(perElement.values);
  return RefTensor({}, {reduction == Reduction::Sum ? total : total / meanDivisor});
}

/// Input [N, C] or [N, C, d...] holding log-probabilities (logSoftmaxFirst: logits),
/// target [N] or [N, d...]. The mean divides by the number of non-ignored targets.
RefTensor classLossRef(const RefTensor& input, const RefTensor& target, Reduction reduction, double smoothing,
                       int64_t ignoreIndex, bool logSoftmaxFirst) {
  int64_t classes = input.shape[1];
  RefTensor perElement = RefTensor::filled(target.shape, 0.0);
  int64_t counted = 0;
  for (int64_t i = 0; i < target.numel(); ++i) {
    Shape at = unravel(i, target.shape);  // [n, d...]
    std::vector<double> scores;
    for (int64_t c = 0; c < classes; ++c) {
      Shape inputAt{at[0], c};
      inputAt.insert(inputAt.end(), at.begin() + 1, at.end());
      scores.push_back(input.at(inputAt));
    }
    if (logSoftmaxFirst) {
      double lse = logSumExpOf(scores);
      for (double& s : scores) s -= lse;
    }
    int64_t label = static_cast<int64_t>(target.values[static_cast<std::size_t>(i)]);
    if (label == ignoreIndex) continue;
    ++counted;
    double nll = -scores[static_cast<std::size_t>(label)];
    double smooth = -sumOf(scores);
    perElement.values[static_cast<std::size_t>(i)] = (1.0 - smoothing) * nll + smoothing / static_cast<double>(classes) * smooth;
  }
  return reduceLoss(perElement, reduction, static_cast<double>(counted));
}

struct ClassLossSpec {
  Shape input{4, 5};
  Shape target{4};
  Reduction reduction = Reduction::Mean;
  double smoothing = 0.0;
  int64_t ignoreIndex = -100;
  bool logits = true;  // cross_entropy; false: nll_loss on log-probabilities
};

OpInfo classLossRow(std::string name, ClassLossSpec spec) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = [spec](SampleKind kind, Rng& rng) -> Inputs {
    if (kind == SampleKind::Broadcast) return {};
    Shape input = spec.input, target = spec.target;
    if (kind == SampleKind::Empty) input[0] = target[0] = 0;
    td::Tensor scores = spec.logits ? uniform(rng, input, -2, 2) : uniform(rng, input, -3, -0.1);
    std::vector<double> labels;
    for (int64_t i = 0; i < numelOf(target); ++i) labels.push_back(static_cast<double>(rng.integer(0, input[1])));
    // The ignored class appears at least once, and not everywhere.
    if (spec.ignoreIndex >= 0 && labels.size() >= 2) {
      labels[0] = static_cast<double>(spec.ignoreIndex);
      if (labels[1] == labels[0]) labels[1] = static_cast<double>((spec.ignoreIndex + 1) % input[1]);
    }
    return {scores, makeTensor(labels, target, td::DType::Int64)};
  };
  row.apply = single([spec](const Inputs& in) {
    if (spec.logits) return td::crossEntropy(in[0], in[1], spec.reduction, spec.smoothing, spec.ignoreIndex);
    return td::nllLoss(in[0], in[1], spec.reduction, spec.ignoreIndex);
  });
  row.reference = singleRef([spec](const std::vector<RefTensor>& in) {
    return classLossRef(in[0], in[1], spec.reduction, spec.smoothing, spec.ignoreIndex, spec.logits);
  });
  row.differentiableInputs = {true, false};
  return row;
}

using PairLoss = std::function<double(double input, double target)>;
using PairFn = std::function<td::Tensor(const td::Tensor&, const td::Tensor&)>;

OpInfo pairLossRow(std::string name, PairFn fn, PairLoss loss, Reduction reduction,
                   std::function<Inputs(Rng&, const Shape&)> make, std::vector<bool> differentiable) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = [make](SampleKind kind, Rng& rng) -> Inputs {
    if (kind == SampleKind::Broadcast) return {};
    return make(rng, kind == SampleKind::Empty ? Shape{0, 4} : Shape{3, 4});
  };
  row.apply = single([fn](const Inputs& in) { return fn(in[0], in[1]); });
  row.reference = singleRef([loss, reduction](const std::vector<RefTensor>& in) {
    return reduceLoss(zip(in[0], in[1], loss), reduction, static_cast<double>(in[0].numel()));
  });
  row.differentiableInputs = std::move(differentiable);
  return row;
}

double bceOf(double x, double t) {
  return -(t * std::max(std::log(x), -100.0) + (1.0 - t) * std::max(std::log(1.0 - x), -100.0));
}
double bceWithLogitsOf(double x, double t) { return std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::abs(x))); }

Inputs twoUniform(Rng& rng, const Shape& s) { return {uniform(rng, s, -2, 2), uniform(rng, s, -2, 2)}; }
Inputs apart(Rng& rng, const Shape& s) { return {phased(rng, s, -2, 2, 0.2), phased(rng, s, -2, 2, 0.6)}; }
Inputs probabilities(Rng& rng, const Shape& s) { return {uniform(rng, s, 0.05, 0.95), uniform(rng, s, 0, 1)}; }
Inputs logitsAndTargets(Rng& rng, const Shape& s) { return {uniform(rng, s, -3, 3), uniform(rng, s, 0, 1)}; }

}  // namespace

void addLosses(std::vector<OpInfo>& t) {
  t.push_back(classLossRow("cross_entropy", {}));
  {
    ClassLossSpec spec;
    spec.smoothing = 0.1;
    spec.ignoreIndex = 2;
    t.push_back(classLossRow("cross_entropy_label_smoothing_ignore_index", spec));
  }
  {
    ClassLossSpec spec;
    spec.smoothing = 0.2;
    spec.reduction = Reduction::None;
    t.push_back(classLossRow("cross_entropy_label_smoothing_none", spec));
  }
  {
    ClassLossSpec spec;
    spec.reduction = Reduction::Sum;
    spec.ignoreIndex = 1;
    t.push_back(classLossRow("cross_entropy_ignore_index_sum", spec));
  }
  {
    ClassLossSpec spec;
    spec.input = {2, 3, 4};
    spec.target = {2, 4};
    spec.reduction = Reduction::None;
    t.push_back(classLossRow("cross_entropy_spatial", spec));
  }
  {
    ClassLossSpec spec;
    spec.logits = false;
    spec.ignoreIndex = 3;
    t.push_back(classLossRow("nll_loss", spec));
  }
  {
    ClassLossSpec spec;
    spec.logits = false;
    spec.reduction = Reduction::None;
    t.push_back(classLossRow("nll_loss_none", spec));
  }

  auto squared = [](double x, double y) { return (x - y) * (x - y); };
  auto absolute = [](double x, double y) { return std::abs(x - y); };
  t.push_back(pairLossRow("mse_loss", [](const td::Tensor& a, const td::Tensor& b) { return td::mseLoss(a, b); }, squared,
                          Reduction::Mean, twoUniform, {true, true}));
  t.push_back(pairLossRow("mse_loss_none",
                          [](const td::Tensor& a, const td::Tensor& b) { return td::mseLoss(a, b, Reduction::None); },
                          squared, Reduction::None, twoUniform, {true, true}));
  t.push_back(pairLossRow("l1_loss", [](const td::Tensor& a, const td::Tensor& b) { return td::l1Loss(a, b); }, absolute,
                          Reduction::Mean, apart, {true, true}));
  t.push_back(pairLossRow("l1_loss_sum",
                          [](const td::Tensor& a, const td::Tensor& b) { return td::l1Loss(a, b, Reduction::Sum); },
                          absolute, Reduction::Sum, apart, {true, true}));
  // The target's gradient too (as PyTorch's): the difference of the clamped logs.
  t.push_back(pairLossRow("binary_cross_entropy",
                          [](const td::Tensor& a, const td::Tensor& b) { return td::binaryCrossEntropy(a, b); }, bceOf,
                          Reduction::Mean, probabilities, {true, true}));
  t.push_back(pairLossRow("binary_cross_entropy_none",
                          [](const td::Tensor& a, const td::Tensor& b) {
                            return td::binaryCrossEntropy(a, b, Reduction::None);
                          },
                          bceOf, Reduction::None, probabilities, {true, true}));
  {
    // Probabilities of exactly 0 and 1: each log term is clamped at -100, never -inf.
    OpInfo row = pairLossRow(
        "binary_cross_entropy_log_clamp",
        [](const td::Tensor& a, const td::Tensor& b) { return td::binaryCrossEntropy(a, b, Reduction::None); }, bceOf,
        Reduction::None,
        [](Rng&, const Shape& s) -> Inputs {
          std::vector<double> x, y;
          for (int64_t i = 0; i < numelOf(s); ++i) {
            x.push_back(i % 3 == 0 ? 0.0 : i % 3 == 1 ? 1.0 : 0.5);
            y.push_back(i % 2 == 0 ? 1.0 : 0.0);
          }
          return {makeTensor(x, s), makeTensor(y, s)};
        },
        {false, false});
    t.push_back(row);
  }
  t.push_back(pairLossRow("binary_cross_entropy_with_logits",
                          [](const td::Tensor& a, const td::Tensor& b) { return td::binaryCrossEntropyWithLogits(a, b); },
                          bceWithLogitsOf, Reduction::Mean, logitsAndTargets, {true, true}));
  t.push_back(pairLossRow("binary_cross_entropy_with_logits_sum",
                          [](const td::Tensor& a, const td::Tensor& b) {
                            return td::binaryCrossEntropyWithLogits(a, b, Reduction::Sum);
                          },
                          bceWithLogitsOf, Reduction::Sum, logitsAndTargets, {true, true}));
  {
    // Large logits: log(1 + exp(-x)) must not overflow.
    OpInfo row = pairLossRow(
        "binary_cross_entropy_with_logits_large",
        [](const td::Tensor& a, const td::Tensor& b) {
          return td::binaryCrossEntropyWithLogits(a, b, Reduction::None);
        },
        bceWithLogitsOf, Reduction::None,
        [](Rng& rng, const Shape& s) -> Inputs {
          return {awayFrom(rng, s, -800, 800, {0.0}, 100.0), uniform(rng, s, 0, 1)};
        },
        {true, true});
    t.push_back(row);
  }
}

}  // namespace tdtest::rows
