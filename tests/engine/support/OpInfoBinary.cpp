// Rows: binary and ternary elementwise ops (with broadcasting), comparisons, where,
// and the in-place binary methods.
#include <algorithm>
#include <cmath>

#include "OpInfo.h"
#include "tapedeck/ops/Ops.h"

namespace tdtest::rows {

namespace {

using BinaryFn = std::function<td::Tensor(const td::Tensor&, const td::Tensor&)>;
using ScalarFn2 = std::function<double(double, double)>;
using Maker = std::function<td::Tensor(Rng&, const Shape&)>;

Maker anyValue() {
  return [](Rng& rng, const Shape& s) { return uniform(rng, s, -2.0, 2.0); };
}
Maker positiveValue() {
  return [](Rng& rng, const Shape& s) { return uniform(rng, s, 0.2, 2.0); };
}
Maker nonZeroValue() {
  return [](Rng& rng, const Shape& s) { return awayFrom(rng, s, -2.0, 2.0, {0.0}, 0.3); };
}
Maker phase(double p) {
  return [p](Rng& rng, const Shape& s) { return phased(rng, s, -2, 2, p); };
}
Maker smallIntegers() {
  return [](Rng& rng, const Shape& s) { return integerValued(rng, s, -2, 3); };
}

struct Shapes {
  Shape standardA{3, 4}, standardB{3, 4};
  Shape broadcastA{2, 1, 4}, broadcastB{3, 1};
  Shape emptyA{0, 4}, emptyB{4};
};

OpInfo binary(std::string name, BinaryFn fn, ScalarFn2 ref, Maker makeA, Maker makeB, bool differentiable = true,
              td::DType outDtype = td::DType::Float64, Shapes shapes = {}) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = [makeA, makeB, shapes](SampleKind kind, Rng& rng) -> Inputs {
    switch (kind) {
      case SampleKind::Standard: return {makeA(rng, shapes.standardA), makeB(rng, shapes.standardB)};
      case SampleKind::Broadcast: return {makeA(rng, shapes.broadcastA), makeB(rng, shapes.broadcastB)};
      case SampleKind::Empty: return {makeA(rng, shapes.emptyA), makeB(rng, shapes.emptyB)};
    }
    return {};
  };
  row.apply = single([fn](const Inputs& in) { return fn(in[0], in[1]); });
  row.reference = singleRef([ref, outDtype](const std::vector<RefTensor>& in) { return zip(in[0], in[1], ref, outDtype); });
  row.differentiableInputs = {differentiable, differentiable};
  row.supportsBroadcast = true;
  return row;
}

/// An in-place binary method on a clone of the first input: the result keeps a's shape,
/// so only b broadcasts.
OpInfo inplaceBinary(std::string name, std::function<void(td::Tensor&, const td::Tensor&)> method, ScalarFn2 ref) {
  Shapes shapes;
  shapes.broadcastA = {2, 3, 4};
  shapes.broadcastB = {3, 1};
  return binary(
      std::move(name),
      [method](const td::Tensor& a, const td::Tensor& b) {
        td::Tensor y = a.clone();
        method(y, b);
        return y;
      },
      std::move(ref), anyValue(), anyValue(), true, td::DType::Float64, shapes);
}

}  // namespace

void addBinary(std::vector<OpInfo>& t) {
  t.push_back(binary("add", [](const td::Tensor& a, const td::Tensor& b) { return td::add(a, b); },
                     [](double a, double b) { return a + b; }, anyValue(), anyValue()));
  t.push_back(binary("sub", [](const td::Tensor& a, const td::Tensor& b) { return td::sub(a, b); },
                     [](double a, double b) { return a - b; }, anyValue(), anyValue()));
  t.push_back(binary("mul", [](const td::Tensor& a, const td::Tensor& b) { return td::mul(a, b); },
                     [](double a, double b) { return a * b; }, anyValue(), anyValue()));
  t.push_back(binary("div", [](const td::Tensor& a, const td::Tensor& b) { return td::div(a, b); },
                     [](double a, double b) { return a / b; }, anyValue(), nonZeroValue()));
  t.push_back(binary("pow", [](const td::Tensor& a, const td::Tensor& b) { return td::pow(a, b); },
                     [](double a, double b) { return std::pow(a, b); }, positiveValue(), anyValue()));
  t.push_back(binary("atan2", [](const td::Tensor& a, const td::Tensor& b) { return td::atan2(a, b); },
                     [](double a, double b) { return std::atan2(a, b); }, nonZeroValue(), anyValue()));
  t.push_back(binary("maximum", [](const td::Tensor& a, const td::Tensor& b) { return td::maximum(a, b); },
                     [](double a, double b) { return std::max(a, b); }, phase(0.2), phase(0.6)));
  t.push_back(binary("minimum", [](const td::Tensor& a, const td::Tensor& b) { return td::minimum(a, b); },
                     [](double a, double b) { return std::min(a, b); }, phase(0.2), phase(0.6)));
  // Python's % and //: the remainder has the divisor's sign.
  t.push_back(binary("remainder", [](const td::Tensor& a, const td::Tensor& b) { return td::remainder(a, b); },
                     [](double a, double b) { return a - b * std::floor(a / b); }, anyValue(), nonZeroValue()));
  t.push_back(binary("floor_divide", [](const td::Tensor& a, const td::Tensor& b) { return td::floorDivide(a, b); },
                     [](double a, double b) { return std::floor(a / b); }, anyValue(), nonZeroValue(), false));
  t.push_back(binary("operator_arithmetic",
                     [](const td::Tensor& a, const td::Tensor& b) { return (a + b) * a - b / (a * a + 1.0); },
                     [](double a, double b) { return (a + b) * a - b / (a * a + 1.0); }, anyValue(), anyValue()));

  // Comparisons: bool results, no gradient; integer-valued inputs so ties happen.
  const td::DType boolean = td::DType::Bool;
  t.push_back(binary("eq", [](const td::Tensor& a, const td::Tensor& b) { return td::eq(a, b); },
                     [](double a, double b) { return a == b ? 1.0 : 0.0; }, smallIntegers(), smallIntegers(), false, boolean));
  t.push_back(binary("ne", [](const td::Tensor& a, const td::Tensor& b) { return td::ne(a, b); },
                     [](double a, double b) { return a != b ? 1.0 : 0.0; }, smallIntegers(), smallIntegers(), false, boolean));
  t.push_back(binary("lt", [](const td::Tensor& a, const td::Tensor& b) { return td::lt(a, b); },
                     [](double a, double b) { return a < b ? 1.0 : 0.0; }, smallIntegers(), smallIntegers(), false, boolean));
  t.push_back(binary("le", [](const td::Tensor& a, const td::Tensor& b) { return td::le(a, b); },
                     [](double a, double b) { return a <= b ? 1.0 : 0.0; }, smallIntegers(), smallIntegers(), false, boolean));
  t.push_back(binary("gt", [](const td::Tensor& a, const td::Tensor& b) { return td::gt(a, b); },
                     [](double a, double b) { return a > b ? 1.0 : 0.0; }, smallIntegers(), smallIntegers(), false, boolean));
  t.push_back(binary("ge", [](const td::Tensor& a, const td::Tensor& b) { return td::ge(a, b); },
                     [](double a, double b) { return a >= b ? 1.0 : 0.0; }, smallIntegers(), smallIntegers(), false, boolean));
  {
    OpInfo row = binary("comparison_scalar", [](const td::Tensor& a, const td::Tensor&) { return td::le(a, 0.0); },
                        [](double a, double) { return a <= 0.0 ? 1.0 : 0.0; }, smallIntegers(), smallIntegers(), false,
                        boolean);
    row.supportsBroadcast = false;
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      return map(in[0], [](double a) { return a <= 0.0 ? 1.0 : 0.0; }, td::DType::Bool);
    });
    t.push_back(row);
  }

  t.push_back(inplaceBinary("add_", [](td::Tensor& y, const td::Tensor& b) { y.add_(b, 2.0); },
                            [](double a, double b) { return a + 2.0 * b; }));
  t.push_back(inplaceBinary("sub_", [](td::Tensor& y, const td::Tensor& b) { y.sub_(b); },
                            [](double a, double b) { return a - b; }));
  t.push_back(inplaceBinary("mul_", [](td::Tensor& y, const td::Tensor& b) { y.mul_(b); },
                            [](double a, double b) { return a * b; }));
  t.push_back(inplaceBinary("copy_", [](td::Tensor& y, const td::Tensor& b) { y.copy_(b); },
                            [](double, double b) { return b; }));

  // where(condition, a, b): the bool condition broadcasts too.
  {
    OpInfo row;
    row.name = "where";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      switch (kind) {
        case SampleKind::Standard: return {bools(rng, {3, 4}), uniform(rng, {3, 4}, -2, 2), uniform(rng, {3, 4}, -2, 2)};
        case SampleKind::Broadcast: return {bools(rng, {3, 1}), uniform(rng, {2, 1, 4}, -2, 2), uniform(rng, {4}, -2, 2)};
        case SampleKind::Empty: return {bools(rng, {0, 4}), uniform(rng, {0, 4}, -2, 2), uniform(rng, {1, 4}, -2, 2)};
      }
      return {};
    };
    row.apply = single([](const Inputs& in) { return td::where(in[0], in[1], in[2]); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      return zip3(in[0], in[1], in[2], [](double c, double a, double b) { return c != 0.0 ? a : b; });
    });
    row.differentiableInputs = {false, true, true};
    row.supportsBroadcast = true;
    t.push_back(row);
  }
  {
    OpInfo row;
    row.name = "where_scalar";
    row.sample = [](SampleKind kind, Rng& rng) -> Inputs {
      switch (kind) {
        case SampleKind::Standard: return {bools(rng, {3, 4}), uniform(rng, {3, 4}, -2, 2)};
        case SampleKind::Broadcast: return {bools(rng, {3, 1}), uniform(rng, {2, 1, 4}, -2, 2)};
        case SampleKind::Empty: return {bools(rng, {0, 4}), uniform(rng, {4}, -2, 2)};
      }
      return {};
    };
    row.apply = single([](const Inputs& in) { return td::where(in[0], in[1], 2.5); });
    row.reference = singleRef([](const std::vector<RefTensor>& in) {
      return zip(in[0], in[1], [](double c, double a) { return c != 0.0 ? a : 2.5; });
    });
    row.differentiableInputs = {false, true};
    row.supportsBroadcast = true;
    t.push_back(row);
  }
}

}  // namespace tdtest::rows
