// The derivatives table: one short formula per primitive, written with engine ops
// so that gradients of gradients work. Rows are in op-table order (checked at
// compile time); the text column is what the IDE shows to learners.
#include "autograd/Derivatives.h"

#include <cmath>

#include "autograd/Node.h"
#include "ops/OpUtils.h"
#include "tapedeck/autograd/Autograd.h"
#include "tapedeck/ops/Ops.h"

namespace td {
using namespace detail;

namespace {

using Grads = std::vector<Tensor>;
constexpr uint8_t kNone = 0, kIn0 = 1, kIn1 = 2, kIn2 = 4;

Tensor maskOf(const Tensor& condition, DType dtype) { return condition.to(dtype); }

/// The grad of a reduction reshaped so it broadcasts against the input.
Tensor keepdimGrad(const GradContext& c) {
  const OpAttrs& a = c.attrs();
  Tensor g = c.grad();
  if (a.keepdim) return g;
  IntList shape = c.inputShape(0);
  for (int64_t d : a.ints) shape[d] = 1;
  return g.reshape(shape);
}

Tensor keepdimResult(const GradContext& c) {
  const OpAttrs& a = c.attrs();
  Tensor r = c.result();
  if (a.keepdim) return r;
  IntList shape = c.inputShape(0);
  for (int64_t d : a.ints) shape[d] = 1;
  return r.reshape(shape);
}

Tensor sliceBackward(const Tensor& g, const IntList& inputShape, int64_t dim, int64_t start, int64_t end, int64_t step) {
  OpAttrs attrs;
  attrs.ints = inputShape;
  attrs.dim = dim;
  attrs.start = start;
  attrs.end = end;
  attrs.step = step;
  return runUnary(OpId::SliceBackward, g, allocate(inputShape, g.dtype(), g.device(), "slice_backward"), attrs);
}

Tensor reluBackward(const Tensor& grad, const Tensor& result) {
  Tensor g = grad.shape() == result.shape() ? grad : grad.expand(result.shape());
  Tensor out = allocate(result.shape(), grad.dtype(), grad.device(), "relu_backward");
  runAndRecord(OpId::ReluBackward, {g, result}, {g, result}, &out, 1, OpAttrs{});
  return out;
}

Grads extremumGrad(const GradContext& c) {
  Tensor x = c.input(0);
  Tensor mask = maskOf(eq(x, keepdimResult(c)), x.dtype());
  Tensor count = sum(mask, c.attrs().ints, true);
  return {mul(keepdimGrad(c), div(mask, count))};
}

/// d prod / d x_i is the product of the other values of its lane: result / x_i in a lane
/// without zeros; at a lane's only zero, the product of the rest; else 0. Made of ops
/// (no division by zero on any path), so it differentiates again.
Grads prodGrad(const GradContext& c) {
  const Tensor x = c.input(0);
  const IntList& dims = c.attrs().ints;
  const Tensor zero = eq(x, 0.0);
  const Tensor zeros = sum(zero, dims, true);
  const Tensor safe = where(zero, onesLike(x), x);
  const Tensor rest = prod(safe, dims, true);  // the lane's product without its zeros
  const Tensor others = where(zero, where(eq(zeros, 1.0), rest, 0.0), where(eq(zeros, 0.0), div(rest, safe), 0.0));
  return {mul(keepdimGrad(c), others)};
}

/// Binary cross-entropy, as PyTorch's formula: the denominator of p's gradient is kept at
/// 1e-12 or more, so a saturated probability (exactly 0 or 1) gets a large finite gradient,
/// not 0 * inf. The target's gradient uses the forward's clamped logs.
Grads bceGrad(const GradContext& c) {
  const Tensor p = c.input(0), t = c.input(1), g = c.grad();
  Tensor dp, dt;
  if (c.needs(0)) dp = div(mul(g, sub(p, t)), clamp(mul(p, rsub(p, 1.0)), 1e-12, std::nullopt));
  if (c.needs(1))
    dt = mul(g, sub(clamp(log(rsub(p, 1.0)), -100.0, std::nullopt), clamp(log(p), -100.0, std::nullopt)));
  return {dp, dt};
}

Grads maxMinGrad(const GradContext& c, bool isMax) {
  Tensor a = c.input(0), b = c.input(1), g = c.grad();
  Tensor ties = mul(maskOf(eq(a, b), g.dtype()), 0.5);
  Tensor aWins = add(maskOf(isMax ? gt(a, b) : lt(a, b), g.dtype()), ties);
  Tensor bWins = add(maskOf(isMax ? lt(a, b) : gt(a, b), g.dtype()), ties);
  return {sumToShape(mul(g, aWins), c.inputShape(0)), sumToShape(mul(g, bWins), c.inputShape(1))};
}

/// d nll_loss / d logProbs: zeros, with -grad (scaled by 1 / counted targets for mean) at
/// each counted target's class. No counted target under mean gives zeros (as PyTorch).
Tensor nllLossGrad(const GradContext& c) {
  const Tensor target = c.input(1);
  const OpAttrs& a = c.attrs();
  const Tensor g = c.grad();
  const Tensor valid = ne(target, static_cast<double>(a.start));
  Tensor weight = valid.to(g.dtype());
  if (a.ints[0] == static_cast<int64_t>(Reduction::Mean)) weight = div(weight, clamp(sum(weight), 1.0, std::nullopt));
  const Tensor source = neg(mul(weight, g)).unsqueeze(1);
  const Tensor classes = where(valid, target, 0.0).unsqueeze(1);
  return scatterAdd(zeros(c.inputShape(0), TensorOptions(g.dtype())), 1, classes, source);
}

#define F(...) [](const GradContext& c) -> Grads { __VA_ARGS__ }

constexpr DerivativeRow kRows[] = {
    {OpId::Neg, "-grad", kNone, false, true, F(return {neg(c.grad())};)},
    {OpId::Exp, "grad * result", kNone, true, true, F(return {mul(c.grad(), c.result())};)},
    {OpId::Log, "grad / x", kIn0, false, true, F(return {div(c.grad(), c.input(0))};)},
    {OpId::Sqrt, "grad / (2 * result)", kNone, true, true, F(return {div(c.grad(), mul(c.result(), 2.0))};)},
    {OpId::Rsqrt, "-0.5 * grad * result³", kNone, true, true,
     F(return {mul(c.grad(), mul(pow(c.result(), 3.0), -0.5))};)},
    {OpId::Abs, "grad * sign(x)", kIn0, false, true, F(return {mul(c.grad(), sign(c.input(0)))};)},
    {OpId::Sign, "zeros (a step: flat on either side of 0)", kNone, false, true, F(return {zerosLike(c.grad())};)},
    {OpId::Floor, "zeros (a step: flat between integers)", kNone, false, true, F(return {zerosLike(c.grad())};)},
    {OpId::Ceil, "zeros (a step: flat between integers)", kNone, false, true, F(return {zerosLike(c.grad())};)},
    {OpId::Round, "zeros (a step: flat between half-integers)", kNone, false, true,
     F(return {zerosLike(c.grad())};)},
    {OpId::Trunc, "zeros (a step: flat between integers)", kNone, false, true, F(return {zerosLike(c.grad())};)},
    {OpId::Sin, "grad * cos(x)", kIn0, false, true, F(return {mul(c.grad(), cos(c.input(0)))};)},
    {OpId::Cos, "-grad * sin(x)", kIn0, false, true, F(return {mul(neg(c.grad()), sin(c.input(0)))};)},
    {OpId::Tanh, "grad * (1 - result²)", kNone, true, true,
     F(Tensor r = c.result(); return {mul(c.grad(), rsub(mul(r, r), 1.0))};)},
    {OpId::Sigmoid, "grad * result * (1 - result)", kNone, true, true,
     F(Tensor r = c.result(); return {mul(c.grad(), mul(r, rsub(r, 1.0)))};)},
    {OpId::Relu, "grad * (result > 0)", kNone, true, true, F(return {reluBackward(c.grad(), c.result())};)},
    {OpId::ReluBackward, "relu_backward(grad, result), -", kIn1, false, true,
     F(return {reluBackward(c.grad(), c.input(1)), Tensor()};)},
    {OpId::Erf, "grad * 2/√π * exp(-x²)", kIn0, false, true,
     F(Tensor x = c.input(0); return {mul(c.grad(), mul(exp(neg(mul(x, x))), 2.0 / std::sqrt(M_PI)))};)},
    {OpId::Log1p, "grad / (1 + x)", kIn0, false, true,
     F(return {div(c.grad(), add(c.input(0), 1.0))};)},
    {OpId::Expm1, "grad * (result + 1)", kNone, true, true,
     F(return {mul(c.grad(), add(c.result(), 1.0))};)},
    {OpId::Tan, "grad * (1 + result²)", kNone, true, true,
     F(Tensor r = c.result(); return {mul(c.grad(), add(mul(r, r), 1.0))};)},
    {OpId::Asin, "grad / sqrt(1 - x²)", kIn0, false, true,
     F(Tensor x = c.input(0); return {div(c.grad(), sqrt(rsub(mul(x, x), 1.0)))};)},
    {OpId::Acos, "-grad / sqrt(1 - x²)", kIn0, false, true,
     F(Tensor x = c.input(0); return {div(neg(c.grad()), sqrt(rsub(mul(x, x), 1.0)))};)},
    {OpId::Atan, "grad / (1 + x²)", kIn0, false, true,
     F(Tensor x = c.input(0); return {div(c.grad(), add(mul(x, x), 1.0))};)},
    {OpId::Sinh, "grad * cosh(x)", kIn0, false, true,
     F(return {mul(c.grad(), cosh(c.input(0)))};)},
    {OpId::Cosh, "grad * sinh(x)", kIn0, false, true,
     F(return {mul(c.grad(), sinh(c.input(0)))};)},
    {OpId::Asinh, "grad / sqrt(x² + 1)", kIn0, false, true,
     F(Tensor x = c.input(0); return {div(c.grad(), sqrt(add(mul(x, x), 1.0)))};)},
    {OpId::Acosh, "grad / sqrt(x² - 1)", kIn0, false, true,
     F(Tensor x = c.input(0); return {div(c.grad(), sqrt(sub(mul(x, x), 1.0)))};)},
    {OpId::Atanh, "grad / (1 - x²)", kIn0, false, true,
     F(Tensor x = c.input(0); return {div(c.grad(), rsub(mul(x, x), 1.0))};)},
    {OpId::Softplus, "grad * sigmoid(beta * x)  (grad where beta * x > threshold)", kIn0, false, true,
     F(Tensor bx = mul(c.input(0), c.attrs().scalar);
       return {where(gt(bx, c.attrs().scalar2), c.grad(), mul(c.grad(), sigmoid(bx)))};)},
    {OpId::Clamp, "grad * (min ≤ x ≤ max)", kIn0, false, true,
     F(Tensor x = c.input(0); const OpAttrs& a = c.attrs(); Tensor g = c.grad();
       if (a.hasMin) g = mul(g, maskOf(ge(x, a.scalar), g.dtype()));
       if (a.hasMax) g = mul(g, maskOf(le(x, a.scalar2), g.dtype()));
       return {g};)},
    {OpId::PowScalar, "grad * p * x^(p-1)", kIn0, false, true,
     F(double p = c.attrs().scalar;
       if (p == 0.0) return {mul(c.grad(), 0.0)};
       return {mul(c.grad(), mul(pow(c.input(0), p - 1.0), p))};)},
    {OpId::Fill, "zeros (the old values no longer matter)", kNone, false, true, F(return {zerosLike(c.grad())};)},
    {OpId::Add, "grad, grad", kNone, false, true,
     F(Tensor gb = c.attrs().hasAlpha ? mul(c.grad(), c.attrs().scalar) : c.grad();
       return {sumToShape(c.grad(), c.inputShape(0)), sumToShape(gb, c.inputShape(1))};)},
    {OpId::Sub, "grad, -grad", kNone, false, true,
     F(return {sumToShape(c.grad(), c.inputShape(0)), c.needs(1) ? sumToShape(neg(c.grad()), c.inputShape(1)) : Tensor()};)},
    {OpId::Mul, "grad * b, grad * a", kIn0 | kIn1, false, true,
     F(return {c.needs(0) ? sumToShape(mul(c.grad(), c.input(1)), c.inputShape(0)) : Tensor(),
               c.needs(1) ? sumToShape(mul(c.grad(), c.input(0)), c.inputShape(1)) : Tensor()};)},
    {OpId::Div, "grad / b, -grad * a / b²", kIn0 | kIn1, false, true,
     F(Tensor b = c.input(1);
       return {c.needs(0) ? sumToShape(div(c.grad(), b), c.inputShape(0)) : Tensor(),
               c.needs(1) ? sumToShape(neg(div(mul(c.grad(), c.input(0)), mul(b, b))), c.inputShape(1)) : Tensor()};)},
    // As PyTorch's: 0 for a where b = 0 (else 0 * 0^-1 is NaN at a = 0), and 0 for b where
    // a = 0 and b >= 0 (else 0 * log 0).
    {OpId::Pow, "grad * b * a^(b-1) (0 where b = 0), grad * result * log(a) (0 where a = 0, b ≥ 0)",
     kIn0 | kIn1, true, true,
     F(Tensor a = c.input(0), b = c.input(1); Tensor ga, gb;
       if (c.needs(0)) ga = sumToShape(where(ne(b, 0.0), mul(c.grad(), mul(b, pow(a, sub(b, 1.0)))), 0.0),
                                       c.inputShape(0));
       if (c.needs(1)) {
         Tensor e = mul(c.grad(), mul(c.result(), log(a)));
         gb = sumToShape(where(eq(a, 0.0), where(lt(b, 0.0), e, 0.0), e), c.inputShape(1));
       }
       return {ga, gb};)},
    {OpId::Maximum, "grad * (a > b), grad * (b > a)  (ties split evenly)", kIn0 | kIn1, false, true,
     F(return maxMinGrad(c, true);)},
    {OpId::Minimum, "grad * (a < b), grad * (b < a)  (ties split evenly)", kIn0 | kIn1, false, true,
     F(return maxMinGrad(c, false);)},
    {OpId::Remainder, "grad, -grad * (a // b)", kIn0 | kIn1, false, true,
     F(return {sumToShape(c.grad(), c.inputShape(0)),
               c.needs(1) ? sumToShape(neg(mul(c.grad(), floorDivide(c.input(0), c.input(1)))), c.inputShape(1))
                          : Tensor()};)},
    {OpId::Atan2, "grad * x / (x² + y²), -grad * y / (x² + y²)", kIn0 | kIn1, false, true,
     F(Tensor y = c.input(0), x = c.input(1); Tensor r = add(mul(x, x), mul(y, y));
       return {c.needs(0) ? sumToShape(div(mul(c.grad(), x), r), c.inputShape(0)) : Tensor(),
               c.needs(1) ? sumToShape(div(mul(neg(c.grad()), y), r), c.inputShape(1)) : Tensor()};)},
    {OpId::FloorDivide, "not differentiable (a step)", kNone, false, false, nullptr},
    {OpId::Eq, "not differentiable (comparison)", kNone, false, false, nullptr},
    {OpId::Ne, "not differentiable (comparison)", kNone, false, false, nullptr},
    {OpId::Lt, "not differentiable (comparison)", kNone, false, false, nullptr},
    {OpId::Le, "not differentiable (comparison)", kNone, false, false, nullptr},
    {OpId::Gt, "not differentiable (comparison)", kNone, false, false, nullptr},
    {OpId::Ge, "not differentiable (comparison)", kNone, false, false, nullptr},
    {OpId::Where, "-, where(cond, grad, 0), where(cond, 0, grad)", kIn0, false, true,
     F(Tensor cond = c.input(0), g = c.grad(), zero = zerosLike(g);
       return {Tensor(), c.needs(1) ? sumToShape(where(cond, g, zero), c.inputShape(1)) : Tensor(),
               c.needs(2) ? sumToShape(where(cond, zero, g), c.inputShape(2)) : Tensor()};)},
    {OpId::Cast, "grad converted back to the input's dtype", kNone, false, true,
     F(return {isFloating(c.inputType(0)) ? c.grad().to(c.inputType(0)) : Tensor()};)},
    {OpId::Clone, "grad", kNone, false, true, F(return {c.grad()};)},
    {OpId::Copy, "zeros for the old value (overwritten); grad for src", kNone, false, true,
     F(return {c.needs(0) ? zerosLike(c.grad()) : Tensor(), c.needs(1) ? c.grad() : Tensor()};)},
    {OpId::View, "grad reshaped to the input's shape", kNone, false, true,
     F(return {c.grad().reshape(c.inputShape(0))};)},
    {OpId::Permute, "grad permuted back", kNone, false, true,
     F(const IntList& perm = c.attrs().ints; IntList inverse(perm.size(), 0);
       for (std::size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
       return {c.grad().permute(inverse)};)},
    {OpId::Expand, "grad summed over the expanded dims", kNone, false, true,
     F(return {sumToShape(c.grad(), c.inputShape(0))};)},
    {OpId::Slice, "zeros with grad in the slice", kNone, false, true,
     F(const OpAttrs& a = c.attrs();
       return {sliceBackward(c.grad(), c.inputShape(0), a.dim, a.start, a.end, a.step)};)},
    {OpId::Split, "cat(grads, dim)  (zeros for pieces that got none)", kNone, false, true,
     F(std::vector<Tensor> parts(c.numGrads());
       for (std::size_t k = 0; k < parts.size(); ++k) parts[k] = c.grad(k);
       return {cat(parts, c.attrs().dim)};)},
    {OpId::SliceBackward, "grad sliced", kNone, false, true,
     F(const OpAttrs& a = c.attrs(); return {c.grad().slice(a.dim, a.start, a.end, a.step)};)},
    {OpId::Sum, "grad broadcast to the input's shape", kNone, false, true,
     F(return {keepdimGrad(c).expand(c.inputShape(0))};)},
    {OpId::Amax, "grad where x == max (split among ties)", kIn0, true, true, F(return extremumGrad(c);)},
    {OpId::Amin, "grad where x == min (split among ties)", kIn0, true, true, F(return extremumGrad(c);)},
    {OpId::Prod, "grad * the product of the other values (result / x where none is 0)", kIn0, false, true,
     F(return prodGrad(c);)},
    {OpId::Argmax, "not differentiable (an index)", kNone, false, false, nullptr},
    {OpId::Argmin, "not differentiable (an index)", kNone, false, false, nullptr},
    {OpId::Cumsum, "grad summed from each position to the end: sum(grad) - cumsum(grad) + grad", kNone, false, true,
     F(const OpAttrs& a = c.attrs(); Tensor g = c.grad();
       return {add(sub(sum(g, a.ints, true), cumsum(g, a.ints[0])), g)};)},
    {OpId::Sort, "grad sent back to where each value came from (scatter_add by the saved indices)", kNone, false,
     true,
     F(Tensor g = c.grad();
       return {scatterAdd(zeros(c.inputShape(0), TensorOptions(g.dtype())), c.attrs().dim, c.extra(0), g)};)},
    {OpId::LogSoftmax, "grad - exp(result) * sum(grad, dim)", kNone, true, true,
     F(Tensor g = c.grad(); return {sub(g, mul(exp(c.result()), sum(g, {c.attrs().dim}, true)))};)},
    {OpId::Softmax, "result * (grad - sum(grad * result, dim))", kNone, true, true,
     F(Tensor y = c.result(), g = c.grad(); return {mul(y, sub(g, sum(mul(g, y), {c.attrs().dim}, true)))};)},
    {OpId::Matmul, "grad @ bᵀ, aᵀ @ grad", kIn0 | kIn1, false, true,
     F(return {c.needs(0) ? sumToShape(matmul(c.grad(), c.input(1).transpose(-1, -2)), c.inputShape(0)) : Tensor(),
               c.needs(1) ? sumToShape(matmul(c.input(0).transpose(-1, -2), c.grad()), c.inputShape(1)) : Tensor()};)},
    {OpId::Linear, "grad @ w, gradᵀ @ x, grad summed over rows", kIn0 | kIn1, false, true,
     F(Tensor x = c.input(0), w = c.input(1), g = c.grad(); Grads out(c.numInputs());
       int64_t outFeatures = w.shape()[0], inFeatures = w.shape()[1];
       if (c.needs(0)) out[0] = matmul(g, w);
       Tensor g2 = g.reshape({-1, outFeatures});
       if (c.needs(1)) out[1] = matmul(g2.t(), x.reshape({-1, inFeatures}));
       if (c.numInputs() > 2 && c.needs(2)) out[2] = sum(g2, {0});
       return out;)},
    {OpId::Conv2d, "conv_transpose(grad, w), conv(x, grad)", kIn0 | kIn1, false, false,
     F(OpAttrs a = c.attrs(); Grads out(2);
       Tensor g = c.grad().contiguous();
       if (c.needs(0)) {
         a.ints2 = c.inputShape(0);
         Tensor gx = allocate(a.ints2, g.dtype(), g.device(), "conv2d_backward");
         runAndRecord(OpId::ConvTranspose2d, {g, c.input(1)}, {g, c.input(1)}, &gx, 1, a);
         out[0] = gx;
       }
       if (c.needs(1)) {
         a.ints2 = c.inputShape(1);
         Tensor gw = allocate(a.ints2, g.dtype(), g.device(), "conv2d_backward");
         runAndRecord(OpId::Conv2dBackwardWeight, {g, c.input(0)}, {g, c.input(0)}, &gw, 1, a);
         out[1] = gw;
       }
       return out;)},
    {OpId::ConvTranspose2d, "conv2d(grad, w), conv2d_backward_weight(x, grad)", kIn0 | kIn1, false, false,
     F(OpAttrs a = c.attrs(); Grads out(2);
       Tensor g = c.grad().contiguous();
       if (c.needs(0)) {  // the transposed op's input gradient is the convolution itself
         Tensor gx = allocate(c.inputShape(0), g.dtype(), g.device(), "conv_transpose2d_backward");
         runAndRecord(OpId::Conv2d, {g, c.input(1)}, {g, c.input(1)}, &gx, 1, a);
         out[0] = gx;
       }
       if (c.needs(1)) {  // conv2d's weight gradient with the roles of x and grad swapped
         a.ints2 = c.inputShape(1);
         Tensor gw = allocate(a.ints2, g.dtype(), g.device(), "conv_transpose2d_backward");
         runAndRecord(OpId::Conv2dBackwardWeight, {c.input(0), g}, {c.input(0), g}, &gw, 1, a);
         out[1] = gw;
       }
       return out;)},
    {OpId::Conv2dBackwardWeight, "not differentiable (conv2d is first-order only)", kNone, false, false, nullptr},
    {OpId::MaxPool2d, "grad routed to each window's max (scatter_add by saved indices)", kNone, false, true,
     F(const IntList& s = c.inputShape(0); Tensor g = c.grad(); Tensor idx = c.extra(0);
       int64_t n = s[0], ch = s[1];
       int64_t windows = g.shape()[2] * g.shape()[3];
       Tensor flat = zeros({n, ch, s[2] * s[3]}, TensorOptions(g.dtype()));
       return {scatterAdd(flat, 2, idx.reshape({n, ch, windows}), g.reshape({n, ch, windows})).view(s)};)},
    {OpId::AvgPool2d, "grad spread evenly over each window", kNone, false, true,
     F(OpAttrs a = c.attrs(); a.ints2 = c.inputShape(0);
       return {runUnary(OpId::AvgPool2dBackward, c.grad(), allocate(a.ints2, c.grad().dtype(), c.grad().device(),
                                                                     "avg_pool2d_backward"), a)};)},
    {OpId::AvgPool2dBackward, "avg_pool2d(grad)", kNone, false, true,
     F(const OpAttrs& a = c.attrs(); const IntList& gs = c.inputShape(0);
       return {runUnary(OpId::AvgPool2d, c.grad(), allocate(gs, c.grad().dtype(), c.grad().device(), "avg_pool2d"), a)};)},
    {OpId::Cat, "grad split back into the inputs' pieces", kNone, false, true,
     F(Grads out; int64_t offset = 0; int64_t d = c.attrs().dim;
       for (std::size_t i = 0; i < c.numInputs(); ++i) {
         int64_t length = c.inputShape(i)[d];
         out.push_back(c.needs(i) ? c.grad().narrow(d, offset, length) : Tensor());
         offset += length;
       }
       return out;)},
    {OpId::IndexSelect, "index_add(zeros, dim, index, grad)", kIn1, false, true,
     F(Tensor z = zeros(c.inputShape(0), TensorOptions(c.grad().dtype()));
       return {indexAdd(z, c.attrs().dim, c.input(1), c.grad()), Tensor()};)},
    {OpId::IndexAdd, "grad, -, index_select(grad, dim, index)", kIn1, false, true,
     F(return {c.grad(), Tensor(), c.needs(2) ? indexSelect(c.grad(), c.attrs().dim, c.input(1)) : Tensor()};)},
    {OpId::Gather, "scatter_add(zeros, dim, index, grad)", kIn1, false, true,
     F(Tensor z = zeros(c.inputShape(0), TensorOptions(c.grad().dtype()));
       return {scatterAdd(z, c.attrs().dim, c.input(1), c.grad()), Tensor()};)},
    {OpId::ScatterAdd, "grad, -, gather(grad, dim, index)", kIn1, false, true,
     F(Grads out{c.grad(), Tensor(), Tensor()};
       if (c.needs(2)) {
         Tensor g = gather(c.grad(), c.attrs().dim, c.input(1));
         const IntList& src = c.inputShape(2);
         for (std::size_t d = 0; d < src.size(); ++d) {
           if (g.shape()[d] == src[d]) continue;
           IntList target = g.shape();
           target[d] = src[d];
           g = sliceBackward(g, target, static_cast<int64_t>(d), 0, g.shape()[d], 1);
         }
         out[2] = g;
       }
       return out;)},
    {OpId::NllLoss, "-grad at each target's class (÷ the counted targets for mean), 0 elsewhere", kIn1, false, true,
     F(return {nllLossGrad(c), Tensor()};)},
    {OpId::BinaryCrossEntropy,
     "grad * (p - t) / max(p (1 - p), 1e-12) for p; grad * (max(log(1 - p), -100) - max(log p, -100)) for t",
     kIn0 | kIn1, false, true, F(return bceGrad(c);)},
    {OpId::Custom, "the function's own backward", kNone, false, false, nullptr},
};
#undef F

static_assert(sizeof(kRows) / sizeof(kRows[0]) == kOpCount, "the derivatives table needs one row per op");
constexpr bool rowsInOrder() {
  for (std::size_t i = 0; i < kOpCount; ++i)
    if (static_cast<std::size_t>(kRows[i].op) != i) return false;
  return true;
}
static_assert(rowsInOrder(), "derivative rows must follow the op table's order");
constexpr bool differentiableRowsHaveFormulas() {
  for (std::size_t i = 0; i < kOpCount; ++i)
    if (kOpTable[i].differentiable != (kRows[i].fn != nullptr)) return false;
  return true;
}
static_assert(differentiableRowsHaveFormulas(), "every differentiable op needs a formula, and only those");

}  // namespace

const DerivativeRow& derivativeRow(OpId op) { return kRows[static_cast<std::size_t>(op)]; }

const char* derivativeFormula(OpId op) { return derivativeRow(op).formula; }

bool twiceDifferentiable(OpId op) { return derivativeRow(op).twice; }

}  // namespace td
