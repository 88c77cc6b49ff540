// Rows: views (view/reshape, permute/transpose/t, narrow/slice/select, expand,
// squeeze/unsqueeze, flatten), contiguous, to(dtype), clone and the *_like factories.
#include <cmath>

#include "OpInfo.h"
#include "tapedeck/ops/Ops.h"

namespace tdtest::rows {

namespace {

using TensorFn = std::function<td::Tensor(const td::Tensor&)>;
using RefFn = std::function<RefTensor(const RefTensor&)>;

OpInfo viewRow(std::string name, Shape shape, Shape emptyShape, TensorFn fn, RefFn ref, bool differentiable = true) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = [shape, emptyShape](SampleKind kind, Rng& rng) -> Inputs {
    if (kind == SampleKind::Broadcast) return {};
    return {uniform(rng, kind == SampleKind::Empty ? emptyShape : shape, -2, 2)};
  };
  row.apply = single([fn](const Inputs& in) { return fn(in[0]); });
  row.reference = singleRef([ref](const std::vector<RefTensor>& in) { return ref(in[0]); });
  row.differentiableInputs = {differentiable};
  row.supportsEmpty = !emptyShape.empty();
  return row;
}

RefTensor withShape(const RefTensor& x, Shape shape) { return reshape(x, std::move(shape)); }

}  // namespace

void addViews(std::vector<OpInfo>& t) {
  {
    OpInfo row = viewRow(
        "view", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.view({-1, 2, 2}); },
        [](const RefTensor& x) { return withShape(x, {-1, 2, 2}); });
    // A view needs strides compatible with the new shape; the reshape rows cover strided inputs.
    row.supportsNonContiguous = false;
    t.push_back(row);
  }
  t.push_back(viewRow(
      "reshape", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.reshape({4, -1}); },
      [](const RefTensor& x) { return withShape(x, {4, -1}); }));
  {
    OpInfo row = viewRow(
        "reshape_to_scalar", {1, 1}, {}, [](const td::Tensor& x) { return x.reshape({}); },
        [](const RefTensor& x) { return withShape(x, {}); });
    row.supportsNonContiguous = false;  // one element has no strided layout
    t.push_back(row);
  }
  t.push_back(viewRow(
      "permute", {2, 3, 4}, {2, 0, 4}, [](const td::Tensor& x) { return x.permute({2, 0, 1}); },
      [](const RefTensor& x) { return permute(x, {2, 0, 1}); }));
  t.push_back(viewRow(
      "transpose", {2, 3, 4}, {2, 0, 4}, [](const td::Tensor& x) { return x.transpose(0, 2); },
      [](const RefTensor& x) { return permute(x, {2, 1, 0}); }));
  t.push_back(viewRow(
      "transpose_negative_dims", {2, 3, 4}, {2, 0, 4}, [](const td::Tensor& x) { return x.transpose(-1, -2); },
      [](const RefTensor& x) { return permute(x, {0, 2, 1}); }));
  t.push_back(viewRow(
      "t", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.t(); }, [](const RefTensor& x) { return permute(x, {1, 0}); }));
  t.push_back(viewRow(
      "narrow", {4, 5}, {0, 5}, [](const td::Tensor& x) { return x.narrow(1, 1, 3); },
      [](const RefTensor& x) { return slice(x, 1, 1, 3); }));
  t.push_back(viewRow(
      "slice_step", {5, 4}, {5, 0}, [](const td::Tensor& x) { return x.slice(0, 1, std::nullopt, 2); },
      [](const RefTensor& x) { return slice(x, 0, 1, 2, 2); }));
  t.push_back(viewRow(
      "slice_negative_bounds", {3, 5}, {0, 5}, [](const td::Tensor& x) { return x.slice(1, -4, -1); },
      [](const RefTensor& x) { return slice(x, 1, 1, 3); }));
  t.push_back(viewRow(
      "slice_clamped_bounds", {7, 2}, {7, 0}, [](const td::Tensor& x) { return x.slice(0, -10, 10, 3); },
      [](const RefTensor& x) { return slice(x, 0, 0, 3, 3); }));
  t.push_back(viewRow(
      "select", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.select(1, 2); },
      [](const RefTensor& x) { return withShape(slice(x, 1, 2, 1), {x.shape[0]}); }));
  t.push_back(viewRow(
      "select_negative_index", {3, 4}, {3, 0}, [](const td::Tensor& x) { return x.select(0, -1); },
      [](const RefTensor& x) { return withShape(slice(x, 0, x.shape[0] - 1, 1), {x.shape[1]}); }));
  t.push_back(viewRow(
      "expand", {3, 1}, {0, 1}, [](const td::Tensor& x) { return x.expand({2, x.size(0), 4}); },
      [](const RefTensor& x) { return broadcastTo(x, {2, x.shape[0], 4}); }));
  t.push_back(viewRow(
      "expand_keep_dim", {1, 4}, {1, 0}, [](const td::Tensor& x) { return x.expand({3, -1}); },
      [](const RefTensor& x) { return broadcastTo(x, {3, x.shape[1]}); }));
  t.push_back(viewRow(
      "squeeze_dim", {3, 1, 4, 1}, {0, 1, 4, 1}, [](const td::Tensor& x) { return x.squeeze(1); },
      [](const RefTensor& x) { return withShape(x, {x.shape[0], 4, 1}); }));
  t.push_back(viewRow(
      "squeeze_all", {3, 1, 4, 1}, {0, 1, 4, 1}, [](const td::Tensor& x) { return x.squeeze(); },
      [](const RefTensor& x) { return withShape(x, x.shape[0] == 0 ? Shape{0, 4} : Shape{3, 4}); }));
  t.push_back(viewRow(
      "squeeze_not_one", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.squeeze(0); },
      [](const RefTensor& x) { return x; }));
  t.push_back(viewRow(
      "unsqueeze", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.unsqueeze(1); },
      [](const RefTensor& x) { return withShape(x, {x.shape[0], 1, 4}); }));
  t.push_back(viewRow(
      "unsqueeze_negative", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.unsqueeze(-1); },
      [](const RefTensor& x) { return withShape(x, {x.shape[0], 4, 1}); }));
  t.push_back(viewRow(
      "flatten", {2, 3, 4}, {0, 3, 4}, [](const td::Tensor& x) { return x.flatten(1); },
      [](const RefTensor& x) { return withShape(x, {x.shape[0], 12}); }));
  t.push_back(viewRow(
      "flatten_all", {2, 3, 4}, {2, 0, 4}, [](const td::Tensor& x) { return x.flatten(); },
      [](const RefTensor& x) { return withShape(x, {-1}); }));
  t.push_back(viewRow(
      "contiguous", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.contiguous(); }, [](const RefTensor& x) { return x; }));
  t.push_back(viewRow(
      "contiguous_of_transpose", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.t().contiguous(); },
      [](const RefTensor& x) { return permute(x, {1, 0}); }));
  t.push_back(viewRow(
      "clone", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.clone(); }, [](const RefTensor& x) { return x; }));
  {
    // A round trip through float32: the function is a staircase at float32's spacing,
    // so its central difference needs a step well above that spacing.
    OpInfo row = viewRow(
        "to_float32_and_back", {3, 4}, {0, 4},
        [](const td::Tensor& x) { return x.to(td::DType::Float32).to(td::DType::Float64); },
        [](const RefTensor& x) { return map(x, [](double v) { return static_cast<double>(static_cast<float>(v)); }); });
    row.gradcheckEps = 1e-2;
    row.forwardAtol = 0.0;
    t.push_back(row);
  }
  {
    OpInfo row = viewRow(
        "to_float32", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.to(td::DType::Float32); },
        [](const RefTensor& x) {
          return map(x, [](double v) { return static_cast<double>(static_cast<float>(v)); }, td::DType::Float32);
        },
        false);
    t.push_back(row);
  }
  t.push_back(viewRow(
      "to_int64", {3, 4}, {0, 4}, [](const td::Tensor& x) { return (x * 2.0).to(td::DType::Int64); },
      [](const RefTensor& x) { return map(x, [](double v) { return std::trunc(2.0 * v); }, td::DType::Int64); }, false));
  t.push_back(viewRow(
      "to_bool", {3, 4}, {0, 4}, [](const td::Tensor& x) { return x.to(td::DType::Int64).to(td::DType::Bool); },
      [](const RefTensor& x) { return map(x, [](double v) { return std::trunc(v) != 0.0 ? 1.0 : 0.0; }, td::DType::Bool); },
      false));
  t.push_back(viewRow(
      "full_like", {3, 4}, {0, 4}, [](const td::Tensor& x) { return td::fullLike(x, 2.5); },
      [](const RefTensor& x) { return RefTensor::filled(x.shape, 2.5); }, false));
  t.push_back(viewRow(
      "zeros_like", {3, 4}, {0, 4}, [](const td::Tensor& x) { return td::zerosLike(x); },
      [](const RefTensor& x) { return RefTensor::filled(x.shape, 0.0); }, false));
  t.push_back(viewRow(
      "ones_like", {3, 4}, {0, 4}, [](const td::Tensor& x) { return td::onesLike(x); },
      [](const RefTensor& x) { return RefTensor::filled(x.shape, 1.0); }, false));
  {
    // Views of views: the backward composes the slice, permute and expand formulas.
    OpInfo row = viewRow(
        "view_chain", {4, 6}, {0, 6},
        [](const td::Tensor& x) { return x.slice(1, 1, 5, 2).t().unsqueeze(0).expand({2, -1, -1}); },
        [](const RefTensor& x) {
          RefTensor s = permute(slice(x, 1, 1, 2, 2), {1, 0});
          return broadcastTo(withShape(s, {1, s.shape[0], s.shape[1]}), {2, s.shape[0], s.shape[1]});
        });
    t.push_back(row);
  }
}

}  // namespace tdtest::rows
