// Rows: unary elementwise ops, scalar-operand arithmetic, and their in-place variants.
#include <cmath>
#include <optional>

#include "OpInfo.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace tdtest::rows {

namespace {

using UnaryFn = std::function<td::Tensor(const td::Tensor&)>;
using ScalarFn = std::function<double(double)>;

/// Where the samples come from: [lo, hi), kept `margin` away from each kink.
struct Domain {
  double lo = -2.0;
  double hi = 2.0;
  std::vector<double> kinks = {};
  double margin = 0.05;
};

OpInfo unary(std::string name, UnaryFn fn, ScalarFn ref, Domain domain = {}, bool differentiable = true) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = [domain](SampleKind kind, Rng& rng) -> Inputs {
    if (kind == SampleKind::Broadcast) return {};
    Shape shape = kind == SampleKind::Empty ? Shape{0, 3} : Shape{3, 4};
    return {awayFrom(rng, shape, domain.lo, domain.hi, domain.kinks, domain.margin)};
  };
  row.apply = single([fn](const Inputs& in) { return fn(in[0]); });
  row.reference = singleRef([ref](const std::vector<RefTensor>& in) { return map(in[0], ref); });
  row.differentiableInputs = {differentiable};
  return row;
}

/// An in-place method applied to a clone of the input (a non-leaf, so autograd allows it).
OpInfo inplace(std::string name, std::function<void(td::Tensor&)> method, ScalarFn ref, Domain domain = {}) {
  return unary(
      std::move(name),
      [method](const td::Tensor& x) {
        td::Tensor y = x.clone();
        method(y);
        return y;
      },
      std::move(ref), domain);
}

double sigmoidOf(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplusOf(double x, double beta, double threshold) {
  return beta * x > threshold ? x : std::log1p(std::exp(beta * x)) / beta;
}
double clampOf(double x, std::optional<double> lo, std::optional<double> hi) {
  if (lo && x < *lo) x = *lo;
  if (hi && x > *hi) x = *hi;
  return x;
}

}  // namespace

void addUnary(std::vector<OpInfo>& t) {
  const Domain positive{0.1, 3.0};
  const Domain awayFromZero{-2.0, 2.0, {0.0}};

  t.push_back(unary("neg", [](const td::Tensor& x) { return td::neg(x); }, [](double x) { return -x; }));
  // A user-defined function (OpId::Custom): x^3 computed without recording, with a
  // hand-written backward 3 x^2 grad (itself differentiable under create_graph).
  t.push_back(unary(
      "custom_function",
      [](const td::Tensor& x) {
        td::Tensor value;
        {
          td::NoGradGuard noGrad;
          value = td::pow(x, 3.0);
        }
        return td::autograd::applyFunction("Cube", {x}, {value}, [x](const std::vector<td::Tensor>& grads) {
          return std::vector<td::Tensor>{td::mul(grads[0], td::mul(td::pow(x, 2.0), 3.0))};
        })[0];
      },
      [](double x) { return x * x * x; }));
  t.push_back(unary("exp", [](const td::Tensor& x) { return td::exp(x); }, [](double x) { return std::exp(x); }));
  t.push_back(unary("log", [](const td::Tensor& x) { return td::log(x); }, [](double x) { return std::log(x); }, positive));
  t.push_back(unary("sqrt", [](const td::Tensor& x) { return td::sqrt(x); }, [](double x) { return std::sqrt(x); }, positive));
  t.push_back(unary("rsqrt", [](const td::Tensor& x) { return td::rsqrt(x); },
                    [](double x) { return 1.0 / std::sqrt(x); }, positive));
  t.push_back(unary("abs", [](const td::Tensor& x) { return td::abs(x); }, [](double x) { return std::abs(x); },
                    awayFromZero));
  t.push_back(unary("sign", [](const td::Tensor& x) { return td::sign(x); },
                    [](double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }, awayFromZero));  // zero gradient
  // Inverse and hyperbolic functions and the accurate log(1 + x), exp(x) - 1, each on a domain
  // where it and its gradient are finite.
  const Domain insideOne{-0.9, 0.9};
  t.push_back(unary("log1p", [](const td::Tensor& x) { return td::log1p(x); }, [](double x) { return std::log1p(x); },
                    Domain{-0.9, 2.0}));
  t.push_back(unary("expm1", [](const td::Tensor& x) { return td::expm1(x); }, [](double x) { return std::expm1(x); }));
  t.push_back(unary("tan", [](const td::Tensor& x) { return td::tan(x); }, [](double x) { return std::tan(x); },
                    Domain{-1.2, 1.2}));
  t.push_back(unary("asin", [](const td::Tensor& x) { return td::asin(x); }, [](double x) { return std::asin(x); },
                    insideOne));
  t.push_back(unary("acos", [](const td::Tensor& x) { return td::acos(x); }, [](double x) { return std::acos(x); },
                    insideOne));
  t.push_back(unary("atan", [](const td::Tensor& x) { return td::atan(x); }, [](double x) { return std::atan(x); }));
  t.push_back(unary("sinh", [](const td::Tensor& x) { return td::sinh(x); }, [](double x) { return std::sinh(x); }));
  t.push_back(unary("cosh", [](const td::Tensor& x) { return td::cosh(x); }, [](double x) { return std::cosh(x); }));
  t.push_back(unary("asinh", [](const td::Tensor& x) { return td::asinh(x); }, [](double x) { return std::asinh(x); }));
  t.push_back(unary("acosh", [](const td::Tensor& x) { return td::acosh(x); }, [](double x) { return std::acosh(x); },
                    Domain{1.1, 3.0}));
  t.push_back(unary("atanh", [](const td::Tensor& x) { return td::atanh(x); }, [](double x) { return std::atanh(x); },
                    insideOne));
  // Rounding: zero gradients; samples kept off the steps (whole and half numbers).
  const Domain offSteps{-2.0, 2.0, {-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0}, 0.05};
  t.push_back(unary("floor", [](const td::Tensor& x) { return td::floor(x); }, [](double x) { return std::floor(x); },
                    offSteps));
  t.push_back(unary("ceil", [](const td::Tensor& x) { return td::ceil(x); }, [](double x) { return std::ceil(x); },
                    offSteps));
  t.push_back(unary("round", [](const td::Tensor& x) { return td::round(x); },
                    [](double x) { return std::nearbyint(x); }, offSteps));
  t.push_back(unary("trunc", [](const td::Tensor& x) { return td::trunc(x); }, [](double x) { return std::trunc(x); },
                    offSteps));
  t.push_back(unary("sin", [](const td::Tensor& x) { return td::sin(x); }, [](double x) { return std::sin(x); }));
  t.push_back(unary("cos", [](const td::Tensor& x) { return td::cos(x); }, [](double x) { return std::cos(x); }));
  t.push_back(unary("tanh", [](const td::Tensor& x) { return td::tanh(x); }, [](double x) { return std::tanh(x); }));
  t.push_back(unary("sigmoid", [](const td::Tensor& x) { return td::sigmoid(x); }, sigmoidOf, {-4.0, 4.0}));
  t.push_back(unary("relu", [](const td::Tensor& x) { return td::relu(x); }, [](double x) { return x > 0 ? x : 0.0; },
                    awayFromZero));
  t.push_back(unary("erf", [](const td::Tensor& x) { return td::erf(x); }, [](double x) { return std::erf(x); }));
  t.push_back(unary("leaky_relu", [](const td::Tensor& x) { return td::leakyRelu(x, 0.2); },
                    [](double x) { return x > 0 ? x : 0.2 * x; }, awayFromZero));
  t.push_back(unary("leaky_relu_default_slope", [](const td::Tensor& x) { return td::leakyRelu(x); },
                    [](double x) { return x > 0 ? x : 0.01 * x; }, awayFromZero));
  t.push_back(unary("gelu", [](const td::Tensor& x) { return td::gelu(x); },
                    [](double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }, {-3.0, 3.0}));
  t.push_back(unary("softplus", [](const td::Tensor& x) { return td::softplus(x); },
                    [](double x) { return softplusOf(x, 1.0, 20.0); }, {-3.0, 3.0}));
  // beta 2, threshold 3: linear above x = 1.5, where the two branches do not meet exactly.
  t.push_back(unary("softplus_beta_threshold", [](const td::Tensor& x) { return td::softplus(x, 2.0, 3.0); },
                    [](double x) { return softplusOf(x, 2.0, 3.0); }, {-3.0, 3.0, {1.5}}));
  t.push_back(unary("clamp", [](const td::Tensor& x) { return td::clamp(x, -0.5, 0.5); },
                    [](double x) { return clampOf(x, -0.5, 0.5); }, {-1.5, 1.5, {-0.5, 0.5}}));
  t.push_back(unary("clamp_min", [](const td::Tensor& x) { return td::clamp(x, 0.2, std::nullopt); },
                    [](double x) { return clampOf(x, 0.2, std::nullopt); }, {-1.5, 1.5, {0.2}}));
  t.push_back(unary("clamp_max", [](const td::Tensor& x) { return td::clamp(x, std::nullopt, 0.1); },
                    [](double x) { return clampOf(x, std::nullopt, 0.1); }, {-1.5, 1.5, {0.1}}));
  t.push_back(unary("pow_scalar", [](const td::Tensor& x) { return td::pow(x, 2.5); },
                    [](double x) { return std::pow(x, 2.5); }, {0.1, 2.0}));
  t.push_back(unary("pow_scalar_integer_exponent", [](const td::Tensor& x) { return td::pow(x, 3.0); },
                    [](double x) { return x * x * x; }));
  t.push_back(unary("pow_scalar_negative_exponent", [](const td::Tensor& x) { return td::pow(x, -1.5); },
                    [](double x) { return std::pow(x, -1.5); }, {0.2, 2.0}));
  t.push_back(unary("pow_method", [](const td::Tensor& x) { return x.pow(2.0); }, [](double x) { return x * x; }));

  // A scalar operand keeps the tensor's dtype (float64 here).
  t.push_back(unary("add_scalar", [](const td::Tensor& x) { return td::add(x, 2.5); }, [](double x) { return x + 2.5; }));
  t.push_back(unary("sub_scalar", [](const td::Tensor& x) { return td::sub(x, 2.5); }, [](double x) { return x - 2.5; }));
  t.push_back(unary("rsub_scalar", [](const td::Tensor& x) { return td::rsub(x, 2.5); }, [](double x) { return 2.5 - x; }));
  t.push_back(unary("mul_scalar", [](const td::Tensor& x) { return td::mul(x, 2.5); }, [](double x) { return x * 2.5; }));
  t.push_back(unary("div_scalar", [](const td::Tensor& x) { return td::div(x, 2.5); }, [](double x) { return x / 2.5; }));
  t.push_back(unary("rdiv_scalar", [](const td::Tensor& x) { return td::rdiv(x, 2.5); }, [](double x) { return 2.5 / x; },
                    {-2.0, 2.0, {0.0}, 0.3}));
  t.push_back(unary("operator_scalar_mix", [](const td::Tensor& x) { return (2.0 - x) * 3.0 / 2.0 + 1.0; },
                    [](double x) { return (2.0 - x) * 3.0 / 2.0 + 1.0; }));
  t.push_back(unary("operator_neg", [](const td::Tensor& x) { return -x; }, [](double x) { return -x; }));

  t.push_back(inplace("zero_", [](td::Tensor& y) { y.zero_(); }, [](double) { return 0.0; }));
  t.push_back(inplace("fill_", [](td::Tensor& y) { y.fill_(3.25); }, [](double) { return 3.25; }));
  t.push_back(inplace("clamp_", [](td::Tensor& y) { y.clamp_(-0.5, 0.5); }, [](double x) { return clampOf(x, -0.5, 0.5); },
                      {-1.5, 1.5, {-0.5, 0.5}}));
  t.push_back(inplace("relu_", [](td::Tensor& y) { y.relu_(); }, [](double x) { return x > 0 ? x : 0.0; }, awayFromZero));
  t.push_back(inplace("add_scalar_", [](td::Tensor& y) { y.add_(1.5); }, [](double x) { return x + 1.5; }));
  t.push_back(inplace("mul_scalar_", [](td::Tensor& y) { y.mul_(-2.0); }, [](double x) { return x * -2.0; }));
  t.push_back(inplace("div_scalar_", [](td::Tensor& y) { y.div_(4.0); }, [](double x) { return x / 4.0; }));
  // Two in-place ops in a row on the same non-leaf: autograd must chain through both.
  t.push_back(inplace("inplace_chain", [](td::Tensor& y) { y.mul_(3.0).add_(1.0); }, [](double x) { return 3.0 * x + 1.0; }));
}

}  // namespace tdtest::rows
