// Elementwise ops: unary, binary with NumPy broadcasting and type promotion,
// comparisons, where, clamp, pow, and the arithmetic operators.
#include <cmath>

#include "ops/OpUtils.h"
#include "tapedeck/ops/Ops.h"

namespace td {
using namespace detail;

namespace {

Tensor unary(OpId op, const Tensor& input, bool floatingOnly, const OpAttrs& attrs = {}) {
  const char* name = opName(op).data();
  checkDefined(input, name, "input");
  // As PyTorch: exp, log, sigmoid, ... of an integer or bool tensor compute in float32.
  Tensor x = floatingOnly && !isFloating(input.dtype()) ? castTo(input, DType::Float32) : input;
  if (!floatingOnly) TD_CHECK(x.dtype() != DType::Bool, name, "expected a numeric tensor, got ", describe(x));
  return runUnary(op, x, allocate(x.shape(), x.dtype(), x.device(), name), attrs);
}

DType resultType(OpId op, const Tensor& a, const Tensor& b) {
  DType t = promoteTypes(a.dtype(), b.dtype());
  // A 0-dim operand (a wrapped Python-style scalar) does not widen float32 to float64.
  if (a.dim() == 0 && b.dim() > 0 && isFloating(b.dtype()) && isFloating(a.dtype())) t = b.dtype();
  if (b.dim() == 0 && a.dim() > 0 && isFloating(a.dtype()) && isFloating(b.dtype())) t = a.dtype();
  if (op == OpId::Div && !isFloating(t)) t = DType::Float32;
  if (t == DType::Bool && op != OpId::Eq && op != OpId::Ne && op != OpId::Lt && op != OpId::Le &&
      op != OpId::Gt && op != OpId::Ge)
    t = DType::Int64;
  return t;
}

bool isComparison(OpId op) {
  return op == OpId::Eq || op == OpId::Ne || op == OpId::Lt || op == OpId::Le || op == OpId::Gt || op == OpId::Ge;
}

Tensor binary(OpId op, const Tensor& a, const Tensor& b) {
  const char* name = opName(op).data();
  checkDefined(a, name, "input");
  checkDefined(b, name, "other");
  TD_CHECK(a.device() == b.device(), name, "tensors on different devices (", a.device().str(), " and ",
           b.device().str(), ")");
  IntList shape = broadcastShapes(a.shape(), b.shape(), name);
  DType t = resultType(op, a, b);
  Tensor ac = castTo(a, t);
  Tensor bc = castTo(b, t);
  Tensor out = allocate(shape, isComparison(op) ? DType::Bool : t, a.device(), name);
  runAndRecord(op, {expandTo(ac, shape), expandTo(bc, shape)}, {ac, bc}, &out, 1, OpAttrs{});
  return out;
}

/// A Python-style scalar operand: keeps a floating tensor's dtype; makes an integer
/// tensor float when the value is not integral.
Tensor wrapScalar(const Tensor& like, double value) {
  DType t = like.dtype();
  if (!isFloating(t) && value != std::floor(value)) t = DType::Float32;
  if (t == DType::Bool) t = DType::Int64;
  Tensor s = allocate({}, t, like.device(), "scalar");
  TD_DISPATCH_ALL(t, "scalar", [&] { *s.data<scalar_t>() = static_cast<scalar_t>(value); });
  return s;
}

}  // namespace

#define TD_UNARY(fn, op, floatingOnly)                \
  Tensor fn(const Tensor& x, SourceLoc loc) {         \
    ApiScope api(loc);                                \
    return unary(OpId::op, x, floatingOnly);          \
  }
TD_UNARY(neg, Neg, false)
TD_UNARY(exp, Exp, true)
TD_UNARY(log, Log, true)
TD_UNARY(sqrt, Sqrt, true)
TD_UNARY(rsqrt, Rsqrt, true)
TD_UNARY(abs, Abs, false)
TD_UNARY(sign, Sign, false)
TD_UNARY(floor, Floor, false)
TD_UNARY(ceil, Ceil, false)
TD_UNARY(round, Round, false)
TD_UNARY(trunc, Trunc, false)
TD_UNARY(sin, Sin, true)
TD_UNARY(cos, Cos, true)
TD_UNARY(tanh, Tanh, true)
TD_UNARY(sigmoid, Sigmoid, true)
TD_UNARY(relu, Relu, false)
TD_UNARY(erf, Erf, true)
TD_UNARY(log1p, Log1p, true)
TD_UNARY(expm1, Expm1, true)
TD_UNARY(tan, Tan, true)
TD_UNARY(asin, Asin, true)
TD_UNARY(acos, Acos, true)
TD_UNARY(atan, Atan, true)
TD_UNARY(sinh, Sinh, true)
TD_UNARY(cosh, Cosh, true)
TD_UNARY(asinh, Asinh, true)
TD_UNARY(acosh, Acosh, true)
TD_UNARY(atanh, Atanh, true)
#undef TD_UNARY

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max, SourceLoc loc) {
  ApiScope api(loc);
  TD_CHECK(min || max, "clamp", "at least one of min and max must be given");
  OpAttrs attrs;
  attrs.hasMin = min.has_value();
  attrs.hasMax = max.has_value();
  attrs.scalar = min.value_or(0.0);
  attrs.scalar2 = max.value_or(0.0);
  return unary(OpId::Clamp, x, false, attrs);
}

Tensor pow(const Tensor& a, double exponent, SourceLoc loc) {
  ApiScope api(loc);
  OpAttrs attrs;
  attrs.scalar = exponent;
  return unary(OpId::PowScalar, isFloating(a.dtype()) ? a : castTo(a, DType::Float32), true, attrs);
}

#define TD_BINARY(fn, op)                                                                            \
  Tensor fn(const Tensor& a, const Tensor& b, SourceLoc loc) {                                       \
    ApiScope api(loc);                                                                               \
    return binary(OpId::op, a, b);                                                                   \
  }                                                                                                  \
  Tensor fn(const Tensor& a, double b, SourceLoc loc) {                                              \
    ApiScope api(loc);                                                                               \
    checkDefined(a, opName(OpId::op).data(), "input");                                              \
    return binary(OpId::op, a, wrapScalar(a, b));                                                    \
  }
TD_BINARY(add, Add)
TD_BINARY(sub, Sub)
TD_BINARY(mul, Mul)
TD_BINARY(div, Div)
TD_BINARY(eq, Eq)
TD_BINARY(ne, Ne)
TD_BINARY(lt, Lt)
TD_BINARY(le, Le)
TD_BINARY(gt, Gt)
TD_BINARY(ge, Ge)
TD_BINARY(remainder, Remainder)
TD_BINARY(floorDivide, FloorDivide)
#undef TD_BINARY

// b % a and b // a for a Python number b.
#define TD_REVERSED(fn, op)                                                                          \
  Tensor fn(const Tensor& a, double b, SourceLoc loc) {                                              \
    ApiScope api(loc);                                                                               \
    checkDefined(a, opName(OpId::op).data(), "input");                                              \
    return binary(OpId::op, wrapScalar(a, b), a);                                                    \
  }
TD_REVERSED(rremainder, Remainder)
TD_REVERSED(rfloorDivide, FloorDivide)
#undef TD_REVERSED

Tensor rsub(const Tensor& a, double b, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(a, "rsub", "input");
  return binary(OpId::Sub, wrapScalar(a, b), a);
}

Tensor rdiv(const Tensor& a, double b, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(a, "rdiv", "input");
  return binary(OpId::Div, wrapScalar(a, b), a);
}

Tensor pow(const Tensor& a, const Tensor& b, SourceLoc loc) {
  ApiScope api(loc);
  return binary(OpId::Pow, a, b);
}

Tensor atan2(const Tensor& y, const Tensor& x, SourceLoc loc) {
  ApiScope api(loc);
  // Integers and bools give a float angle, as PyTorch's.
  const auto floating = [](const Tensor& t) { return t.defined() && !isFloating(t.dtype()) ? castTo(t, DType::Float32) : t; };
  return binary(OpId::Atan2, floating(y), floating(x));
}

Tensor maximum(const Tensor& a, const Tensor& b, SourceLoc loc) {
  ApiScope api(loc);
  return binary(OpId::Maximum, a, b);
}

Tensor minimum(const Tensor& a, const Tensor& b, SourceLoc loc) {
  ApiScope api(loc);
  return binary(OpId::Minimum, a, b);
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(condition, "where", "condition");
  checkDefined(a, "where", "input");
  checkDefined(b, "where", "other");
  TD_CHECK(condition.dtype() == DType::Bool, "where", "condition must be a bool tensor, got ", describe(condition));
  IntList shape = broadcastShapes(broadcastShapes(condition.shape(), a.shape(), "where"), b.shape(), "where");
  DType t = resultType(OpId::Where, a, b);
  Tensor ac = castTo(a, t);
  Tensor bc = castTo(b, t);
  Tensor out = allocate(shape, t, a.device(), "where");
  runAndRecord(OpId::Where, {expandTo(condition, shape), expandTo(ac, shape), expandTo(bc, shape)},
               {condition, ac, bc}, &out, 1, OpAttrs{});
  return out;
}

Tensor where(const Tensor& condition, const Tensor& a, double b, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(a, "where", "input");
  return where(condition, a, wrapScalar(a, b), loc);
}

Tensor leakyRelu(const Tensor& x, double negativeSlope, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("leaky_relu");
  checkDefined(x, "leaky_relu", "input");
  return where(gt(x, 0.0), x, mul(x, negativeSlope));
}

Tensor gelu(const Tensor& x, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("gelu");
  checkDefined(x, "gelu", "input");
  checkFloating(x, "gelu");
  return mul(mul(x, 0.5), add(erf(mul(x, M_SQRT1_2)), 1.0));
}

Tensor softplus(const Tensor& x, double beta, double threshold, SourceLoc loc) {
  ApiScope api(loc);
  TD_CHECK(beta > 0, "softplus", "beta must be positive, got ", beta);
  OpAttrs attrs;
  attrs.scalar = beta;
  attrs.scalar2 = threshold;
  return unary(OpId::Softplus, x, true, attrs);
}

Tensor operator+(Located<const Tensor&> a, const Tensor& b) { return add(a.value, b, a.loc); }
Tensor operator-(Located<const Tensor&> a, const Tensor& b) { return sub(a.value, b, a.loc); }
Tensor operator*(Located<const Tensor&> a, const Tensor& b) { return mul(a.value, b, a.loc); }
Tensor operator/(Located<const Tensor&> a, const Tensor& b) { return div(a.value, b, a.loc); }
Tensor operator+(Located<const Tensor&> a, double b) { return add(a.value, b, a.loc); }
Tensor operator-(Located<const Tensor&> a, double b) { return sub(a.value, b, a.loc); }
Tensor operator*(Located<const Tensor&> a, double b) { return mul(a.value, b, a.loc); }
Tensor operator/(Located<const Tensor&> a, double b) { return div(a.value, b, a.loc); }
Tensor operator+(double a, Located<const Tensor&> b) { return add(b.value, a, b.loc); }
Tensor operator-(double a, Located<const Tensor&> b) { return rsub(b.value, a, b.loc); }
Tensor operator*(double a, Located<const Tensor&> b) { return mul(b.value, a, b.loc); }
Tensor operator/(double a, Located<const Tensor&> b) { return rdiv(b.value, a, b.loc); }
Tensor operator-(Located<const Tensor&> x) { return neg(x.value, x.loc); }

}  // namespace td
