// Rows: reductions (dims, keepdim), max/min with indices, argmax/argmin, logsumexp,
// softmax and log_softmax.
#include <algorithm>
#include <cmath>

#include "OpInfo.h"
#include "tapedeck/ops/Ops.h"

namespace tdtest::rows {

namespace {

enum class Values { Any, Distinct };

/// A row over x [2, 3, 4]; `emptyShape` keeps its 0 out of the reduced dims where the op
/// needs a non-empty reduction ({} when the op has no empty form, as PyTorch).
OpInfo reduction(std::string name, OpFunction apply, ReferenceFunction reference, Shape emptyShape,
                 Values values = Values::Any, bool differentiable = true) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = [emptyShape, values](SampleKind kind, Rng& rng) -> Inputs {
    if (kind == SampleKind::Broadcast) return {};
    Shape shape = kind == SampleKind::Empty ? emptyShape : Shape{2, 3, 4};
    return {values == Values::Distinct ? distinct(rng, shape, -2.0, 2.0) : uniform(rng, shape, -2.0, 2.0)};
  };
  row.apply = std::move(apply);
  row.reference = std::move(reference);
  row.differentiableInputs = {differentiable};
  row.supportsEmpty = !emptyShape.empty();
  return row;
}

OpFunction one(std::function<td::Tensor(const td::Tensor&)> fn) {
  return [fn](const Inputs& in) -> Outputs { return {fn(in[0])}; };
}
ReferenceFunction reduced(Shape dims, bool keepdim, std::function<double(const std::vector<double>&)> fn,
                          td::DType dtype = td::DType::Float64) {
  return [=](const std::vector<RefTensor>& in) -> std::vector<RefTensor> { return {reduceDims(in[0], dims, keepdim, fn, dtype)}; };
}
ReferenceFunction alongLanes(int64_t dim, std::function<std::vector<double>(const std::vector<double>&)> fn) {
  return [=](const std::vector<RefTensor>& in) -> std::vector<RefTensor> {
    RefTensor out = in[0];
    for (const auto& lane : lanes(in[0].shape, dim)) {
      std::vector<double> values;
      for (int64_t i : lane) values.push_back(in[0].values[static_cast<std::size_t>(i)]);
      std::vector<double> result = fn(values);
      for (std::size_t k = 0; k < lane.size(); ++k) out.values[static_cast<std::size_t>(lane[k])] = result[k];
    }
    return {out};
  };
}

std::vector<double> softmaxOf(const std::vector<double>& v) {
  double lse = logSumExpOf(v);
  std::vector<double> out;
  for (double x : v) out.push_back(std::exp(x - lse));
  return out;
}
std::vector<double> logSoftmaxOf(const std::vector<double>& v) {
  double lse = logSumExpOf(v);
  std::vector<double> out;
  for (double x : v) out.push_back(x - lse);
  return out;
}

}  // namespace

void addReductions(std::vector<OpInfo>& t) {
  const Shape emptyFirst{0, 3, 4};   // for reductions over dims 1 and/or 2
  const Shape emptyMiddle{2, 0, 4};  // for reductions over dims 0 and 2
  const td::DType int64 = td::DType::Int64;

  t.push_back(reduction("sum", one([](const td::Tensor& x) { return td::sum(x); }), reduced({}, false, sumOf), emptyFirst));
  t.push_back(reduction("sum_dim_keepdim", one([](const td::Tensor& x) { return td::sum(x, {1}, true); }),
                        reduced({1}, true, sumOf), emptyFirst));
  t.push_back(reduction("sum_dims", one([](const td::Tensor& x) { return td::sum(x, {0, 2}); }),
                        reduced({0, 2}, false, sumOf), emptyMiddle));
  t.push_back(reduction("sum_negative_dim", one([](const td::Tensor& x) { return x.sum({-1}); }),
                        reduced({2}, false, sumOf), emptyFirst));
  t.push_back(reduction("mean", one([](const td::Tensor& x) { return td::mean(x); }), reduced({}, false, meanOf),
                        emptyFirst));
  t.push_back(reduction("mean_dims_keepdim", one([](const td::Tensor& x) { return td::mean(x, {0, 2}, true); }),
                        reduced({0, 2}, true, meanOf), emptyMiddle));
  t.push_back(reduction("var", one([](const td::Tensor& x) { return td::var(x); }),
                        reduced({}, false, [](const std::vector<double>& v) { return varOf(v, 1); }), emptyFirst));
  t.push_back(reduction("var_dim_biased_keepdim", one([](const td::Tensor& x) { return td::var(x, {1}, 0, true); }),
                        reduced({1}, true, [](const std::vector<double>& v) { return varOf(v, 0); }), emptyFirst));
  t.push_back(reduction("var_dims", one([](const td::Tensor& x) { return td::var(x, {0, 2}, 1); }),
                        reduced({0, 2}, false, [](const std::vector<double>& v) { return varOf(v, 1); }), emptyMiddle));
  auto prodOf = [](const std::vector<double>& v) {
    double p = 1.0;
    for (double x : v) p *= x;
    return p;
  };
  // Products of values in [-2, 2]: the gradient of every lane is checked numerically, and
  // the lanes with a zero by the test below (TensorTest: ProdGradientWithZeros).
  t.push_back(reduction("prod", one([](const td::Tensor& x) { return td::prod(x); }), reduced({}, false, prodOf),
                        emptyFirst));
  t.push_back(reduction("prod_dims_keepdim", one([](const td::Tensor& x) { return td::prod(x, {0, 2}, true); }),
                        reduced({0, 2}, true, prodOf), emptyMiddle));
  t.push_back(reduction("prod_dim", one([](const td::Tensor& x) { return td::prod(x, {1}); }),
                        reduced({1}, false, prodOf), emptyMiddle));
  t.push_back(reduction("amax", one([](const td::Tensor& x) { return td::amax(x, {1}); }), reduced({1}, false, maxOf),
                        emptyFirst, Values::Distinct));
  t.push_back(reduction("amin_dims_keepdim", one([](const td::Tensor& x) { return td::amin(x, {0, 2}, true); }),
                        reduced({0, 2}, true, minOf), emptyMiddle, Values::Distinct));
  t.push_back(reduction("max", one([](const td::Tensor& x) { return td::max(x); }), reduced({}, false, maxOf), {},
                        Values::Distinct));
  t.push_back(reduction("min", one([](const td::Tensor& x) { return td::min(x); }), reduced({}, false, minOf), {},
                        Values::Distinct));
  t.push_back(reduction(
      "max_dim",
      [](const Inputs& in) -> Outputs {
        auto [values, indices] = td::max(in[0], 1);
        return {values, indices};
      },
      [](const std::vector<RefTensor>& in) -> std::vector<RefTensor> {
        return {reduceDims(in[0], {1}, false, maxOf), reduceDims(in[0], {1}, false, argmaxOf, int64)};
      },
      emptyFirst, Values::Distinct));
  t.push_back(reduction(
      "min_dim_keepdim",
      [](const Inputs& in) -> Outputs {
        auto [values, indices] = td::min(in[0], -1, true);
        return {values, indices};
      },
      [](const std::vector<RefTensor>& in) -> std::vector<RefTensor> {
        return {reduceDims(in[0], {2}, true, minOf), reduceDims(in[0], {2}, true, argminOf, int64)};
      },
      emptyFirst, Values::Distinct));
  t.push_back(reduction("argmax", one([](const td::Tensor& x) { return td::argmax(x); }),
                        reduced({}, false, argmaxOf, int64), {}, Values::Distinct, false));
  t.push_back(reduction("argmax_dim", one([](const td::Tensor& x) { return td::argmax(x, 1); }),
                        reduced({1}, false, argmaxOf, int64), emptyFirst, Values::Distinct, false));
  t.push_back(reduction("argmax_method", one([](const td::Tensor& x) { return x.argmax(0, true); }),
                        reduced({0}, true, argmaxOf, int64), {2, 0, 4}, Values::Distinct, false));
  t.push_back(reduction("argmin", one([](const td::Tensor& x) { return td::argmin(x); }),
                        reduced({}, false, argminOf, int64), {}, Values::Distinct, false));
  t.push_back(reduction("argmin_dim_keepdim", one([](const td::Tensor& x) { return td::argmin(x, 2, true); }),
                        reduced({2}, true, argminOf, int64), emptyFirst, Values::Distinct, false));
  {
    // The first of equal maxima wins: ties on purpose.
    OpInfo row = reduction("argmax_ties", one([](const td::Tensor& x) { return td::argmax(x, 1); }),
                           reduced({1}, false, argmaxOf, int64), emptyFirst, Values::Any, false);
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {integerValued(rng, kind == SampleKind::Empty ? Shape{0, 3, 4} : Shape{2, 3, 4}, 0, 2)};
    };
    t.push_back(row);
  }
  auto runningSum = [](const std::vector<double>& v) {
    std::vector<double> out;
    double total = 0.0;
    for (double x : v) out.push_back(total += x);
    return out;
  };
  t.push_back(reduction("cumsum", one([](const td::Tensor& x) { return td::cumsum(x, 1); }), alongLanes(1, runningSum),
                        {2, 0, 4}));
  t.push_back(reduction("cumsum_last_dim", one([](const td::Tensor& x) { return td::cumsum(x, -1); }),
                        alongLanes(2, runningSum), {0, 3, 4}));
  // sort, topk and argsort: distinct values (ties would leave the indices' order open).
  // (k < 0: the whole lane.)
  auto sortedLanes = [](int64_t dim, bool descending, int64_t count) {
    return [=](const std::vector<RefTensor>& in) -> std::vector<RefTensor> {
      Shape shape = in[0].shape;
      const int64_t length = shape[static_cast<std::size_t>(dim)];
      const int64_t k = count < 0 ? length : count;
      shape[static_cast<std::size_t>(dim)] = k;
      RefTensor values(shape, std::vector<double>(static_cast<std::size_t>(numelOf(shape))));
      RefTensor indices(shape, values.values, td::DType::Int64);
      const auto inLanes = lanes(in[0].shape, dim);
      const auto outLanes = lanes(shape, dim);
      for (std::size_t l = 0; l < inLanes.size(); ++l) {
        std::vector<int64_t> order(static_cast<std::size_t>(length));
        for (int64_t i = 0; i < length; ++i) order[static_cast<std::size_t>(i)] = i;
        auto at = [&](int64_t i) { return in[0].values[static_cast<std::size_t>(inLanes[l][static_cast<std::size_t>(i)])]; };
        std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return descending ? at(a) > at(b) : at(a) < at(b); });
        for (int64_t i = 0; i < k; ++i) {
          const auto o = static_cast<std::size_t>(outLanes[l][static_cast<std::size_t>(i)]);
          values.values[o] = at(order[static_cast<std::size_t>(i)]);
          indices.values[o] = static_cast<double>(order[static_cast<std::size_t>(i)]);
        }
      }
      return {values, indices};
    };
  };
  t.push_back(reduction(
      "sort",
      [](const Inputs& in) -> Outputs {
        auto [values, indices] = td::sort(in[0], 1);
        return {values, indices};
      },
      sortedLanes(1, false, -1), {2, 0, 4}, Values::Distinct));
  t.push_back(reduction(
      "sort_descending_last_dim",
      [](const Inputs& in) -> Outputs {
        auto [values, indices] = td::sort(in[0], -1, true);
        return {values, indices};
      },
      sortedLanes(2, true, -1), {0, 3, 4}, Values::Distinct));
  t.push_back(reduction(
      "topk",
      [](const Inputs& in) -> Outputs {
        auto [values, indices] = td::topk(in[0], 2, 2);
        return {values, indices};
      },
      sortedLanes(2, true, 2), {0, 3, 4}, Values::Distinct));
  t.push_back(reduction(
      "topk_smallest",
      [](const Inputs& in) -> Outputs {
        auto [values, indices] = td::topk(in[0], 2, 1, false);
        return {values, indices};
      },
      sortedLanes(1, false, 2), {2, 3, 0}, Values::Distinct));
  t.push_back(reduction("argsort", one([](const td::Tensor& x) { return td::argsort(x, 0, true); }),
                        [=](const std::vector<RefTensor>& in) -> std::vector<RefTensor> {
                          return {sortedLanes(0, true, -1)(in)[1]};
                        },
                        {2, 3, 0}, Values::Distinct, false));
  t.push_back(reduction("logsumexp", one([](const td::Tensor& x) { return td::logsumexp(x, {1}); }),
                        reduced({1}, false, logSumExpOf), emptyFirst));
  t.push_back(reduction("logsumexp_dims_keepdim", one([](const td::Tensor& x) { return td::logsumexp(x, {0, 2}, true); }),
                        reduced({0, 2}, true, logSumExpOf), emptyMiddle));
  t.push_back(reduction("softmax", one([](const td::Tensor& x) { return td::softmax(x, 1); }), alongLanes(1, softmaxOf),
                        emptyFirst));
  t.push_back(reduction("softmax_last_dim", one([](const td::Tensor& x) { return td::softmax(x, -1); }),
                        alongLanes(2, softmaxOf), emptyFirst));
  t.push_back(reduction("log_softmax", one([](const td::Tensor& x) { return td::logSoftmax(x, -1); }),
                        alongLanes(2, logSoftmaxOf), emptyFirst));
  t.push_back(reduction("log_softmax_dim0", one([](const td::Tensor& x) { return td::logSoftmax(x, 0); }),
                        alongLanes(0, logSoftmaxOf), emptyMiddle));
  {
    // Large logits: a naive exp would overflow; PyTorch's softmax subtracts the max.
    OpInfo row = reduction("softmax_large_logits", one([](const td::Tensor& x) { return td::softmax(x, -1); }),
                           alongLanes(2, softmaxOf), emptyFirst);
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      if (kind == SampleKind::Broadcast) return {};
      return {uniform(rng, kind == SampleKind::Empty ? Shape{0, 3, 4} : Shape{2, 3, 4}, 800.0, 802.0)};
    };
    t.push_back(row);
  }
}

}  // namespace tdtest::rows
