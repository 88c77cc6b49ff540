#pragma once
// The functional API: factories, elementwise, reductions, linear algebra, conv and
// pooling, indexing, shape ops, normalisation and losses. Every function takes the
// caller's line as its last (defaulted) argument; errors name it.
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "tapedeck/core/Tensor.h"

namespace td {

struct TensorOptions {
  DType dtype_ = DType::Float32;
  Device device_ = kCPU;
  bool requiresGrad_ = false;
  TensorOptions() = default;
  TensorOptions(DType t) : dtype_(t) {}  // NOLINT: implicit, so `zeros({2}, DType::Int64)` reads well
  TensorOptions& dtype(DType t) { dtype_ = t; return *this; }
  TensorOptions& device(Device d) { device_ = d; return *this; }
  TensorOptions& requiresGrad(bool r = true) { requiresGrad_ = r; return *this; }
};

#define TD_LOC SourceLoc loc = SourceLoc::current()

// --- factories ------------------------------------------------------------------
Tensor empty(const IntList& shape, TensorOptions options = {}, TD_LOC);
Tensor zeros(const IntList& shape, TensorOptions options = {}, TD_LOC);
Tensor ones(const IntList& shape, TensorOptions options = {}, TD_LOC);
Tensor full(const IntList& shape, double value, TensorOptions options = {}, TD_LOC);
Tensor zerosLike(const Tensor& like, TD_LOC);
Tensor onesLike(const Tensor& like, TD_LOC);
Tensor fullLike(const Tensor& like, double value, TD_LOC);
/// A 0-dim tensor.
Tensor scalarTensor(double value, TensorOptions options = {}, TD_LOC);
Tensor arange(double end, TensorOptions options = {}, TD_LOC);
Tensor arange(double start, double end, double step = 1.0, TensorOptions options = {}, TD_LOC);
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {}, TD_LOC);
Tensor eye(int64_t n, int64_t m = -1, TensorOptions options = {}, TD_LOC);
/// Uniform [0, 1), standard normal, and integers in [low, high), from the global generator.
Tensor rand(const IntList& shape, TensorOptions options = {}, TD_LOC);
Tensor randn(const IntList& shape, TensorOptions options = {}, TD_LOC);
Tensor randint(int64_t low, int64_t high, const IntList& shape, TensorOptions options = DType::Int64, TD_LOC);
/// Values in row-major order; `shape` defaults to 1-D.
Tensor fromVector(const std::vector<double>& values, const IntList& shape = {}, TensorOptions options = {}, TD_LOC);
Tensor fromVector(const std::vector<float>& values, const IntList& shape = {}, TensorOptions options = {}, TD_LOC);
Tensor fromVector(const std::vector<int64_t>& values, const IntList& shape = {}, TensorOptions options = DType::Int64, TD_LOC);
/// A tensor over memory the caller owns, not copied (NumPy's from_numpy): `strides` in
/// elements (non-negative), `data` aligned for `dtype` and large enough for every element.
/// `release` runs when the last tensor or view using the memory dies.
Tensor fromBlob(void* data, const IntList& shape, const IntList& strides, DType dtype,
                std::function<void()> release, TD_LOC);
/// A 1-D tensor: td::tensor({1, 2, 3}).
Tensor tensor(std::initializer_list<double> values, TensorOptions options = {}, TD_LOC);
/// Seeds the global generator (rand, randn, randint, dropout).
void manualSeed(uint64_t seed);

// --- elementwise ----------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b, TD_LOC);
Tensor add(const Tensor& a, double b, TD_LOC);
Tensor sub(const Tensor& a, const Tensor& b, TD_LOC);
Tensor sub(const Tensor& a, double b, TD_LOC);
Tensor rsub(const Tensor& a, double b, TD_LOC);  // b - a
Tensor mul(const Tensor& a, const Tensor& b, TD_LOC);
Tensor mul(const Tensor& a, double b, TD_LOC);
Tensor div(const Tensor& a, const Tensor& b, TD_LOC);
Tensor div(const Tensor& a, double b, TD_LOC);
Tensor rdiv(const Tensor& a, double b, TD_LOC);  // b / a
Tensor pow(const Tensor& a, const Tensor& b, TD_LOC);
Tensor pow(const Tensor& a, double exponent, TD_LOC);
/// The angle of the point (x, y) in (-pi, pi]: atan(y / x) in the right quadrant.
Tensor atan2(const Tensor& y, const Tensor& x, TD_LOC);
Tensor maximum(const Tensor& a, const Tensor& b, TD_LOC);
Tensor minimum(const Tensor& a, const Tensor& b, TD_LOC);
/// Python's a % b: the remainder has b's sign (a - b * floor(a / b)); an integer b of 0 is
/// an error.
Tensor remainder(const Tensor& a, const Tensor& b, TD_LOC);
Tensor remainder(const Tensor& a, double b, TD_LOC);
Tensor rremainder(const Tensor& a, double b, TD_LOC);  // b % a
/// Python's a // b: a / b rounded down (integers stay integers); not differentiable.
Tensor floorDivide(const Tensor& a, const Tensor& b, TD_LOC);
Tensor floorDivide(const Tensor& a, double b, TD_LOC);
Tensor rfloorDivide(const Tensor& a, double b, TD_LOC);  // b // a
Tensor neg(const Tensor& x, TD_LOC);
Tensor exp(const Tensor& x, TD_LOC);
Tensor log(const Tensor& x, TD_LOC);
Tensor sqrt(const Tensor& x, TD_LOC);
Tensor rsqrt(const Tensor& x, TD_LOC);
Tensor abs(const Tensor& x, TD_LOC);
Tensor sign(const Tensor& x, TD_LOC);
/// Rounding (integers unchanged; the gradient is zero, as PyTorch's).
Tensor floor(const Tensor& x, TD_LOC);
Tensor ceil(const Tensor& x, TD_LOC);
/// Half to even (2.5 -> 2, 3.5 -> 4), as PyTorch.
Tensor round(const Tensor& x, TD_LOC);
Tensor trunc(const Tensor& x, TD_LOC);
Tensor sin(const Tensor& x, TD_LOC);
Tensor cos(const Tensor& x, TD_LOC);
Tensor tanh(const Tensor& x, TD_LOC);
Tensor sigmoid(const Tensor& x, TD_LOC);
Tensor relu(const Tensor& x, TD_LOC);
Tensor erf(const Tensor& x, TD_LOC);
Tensor log1p(const Tensor& x, TD_LOC);
Tensor expm1(const Tensor& x, TD_LOC);
Tensor tan(const Tensor& x, TD_LOC);
Tensor asin(const Tensor& x, TD_LOC);
Tensor acos(const Tensor& x, TD_LOC);
Tensor atan(const Tensor& x, TD_LOC);
Tensor sinh(const Tensor& x, TD_LOC);
Tensor cosh(const Tensor& x, TD_LOC);
Tensor asinh(const Tensor& x, TD_LOC);
Tensor acosh(const Tensor& x, TD_LOC);
Tensor atanh(const Tensor& x, TD_LOC);
Tensor leakyRelu(const Tensor& x, double negativeSlope = 0.01, TD_LOC);
/// Exact GELU: x * Φ(x).
Tensor gelu(const Tensor& x, TD_LOC);
/// log(1 + exp(beta x)) / beta, linear above `threshold` (as PyTorch).
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0, TD_LOC);
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max, TD_LOC);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b, TD_LOC);
Tensor where(const Tensor& condition, const Tensor& a, double b, TD_LOC);
Tensor eq(const Tensor& a, const Tensor& b, TD_LOC);
Tensor ne(const Tensor& a, const Tensor& b, TD_LOC);
Tensor lt(const Tensor& a, const Tensor& b, TD_LOC);
Tensor le(const Tensor& a, const Tensor& b, TD_LOC);
Tensor gt(const Tensor& a, const Tensor& b, TD_LOC);
Tensor ge(const Tensor& a, const Tensor& b, TD_LOC);
Tensor eq(const Tensor& a, double b, TD_LOC);
Tensor ne(const Tensor& a, double b, TD_LOC);
Tensor lt(const Tensor& a, double b, TD_LOC);
Tensor le(const Tensor& a, double b, TD_LOC);
Tensor gt(const Tensor& a, double b, TD_LOC);
Tensor ge(const Tensor& a, double b, TD_LOC);

// --- reductions -----------------------------------------------------------------
/// Empty `dims` reduces over every dim.
Tensor sum(const Tensor& x, const IntList& dims = {}, bool keepdim = false, TD_LOC);
/// Product over `dims` (all when empty); bool multiplies as int64; an empty dim gives 1.
Tensor prod(const Tensor& x, const IntList& dims = {}, bool keepdim = false, TD_LOC);
Tensor mean(const Tensor& x, const IntList& dims = {}, bool keepdim = false, TD_LOC);
/// Variance with Bessel's `correction` (1 = unbiased, as PyTorch's default).
Tensor var(const Tensor& x, const IntList& dims = {}, int64_t correction = 1, bool keepdim = false, TD_LOC);
/// Standard deviation: sqrt(var), with PyTorch's gradient 0 (not 0 * inf) where it is 0.
Tensor stdDev(const Tensor& x, const IntList& dims = {}, int64_t correction = 1, bool keepdim = false, TD_LOC);
Tensor amax(const Tensor& x, const IntList& dims = {}, bool keepdim = false, TD_LOC);
Tensor amin(const Tensor& x, const IntList& dims = {}, bool keepdim = false, TD_LOC);
/// max over all elements.
Tensor max(const Tensor& x, TD_LOC);
Tensor min(const Tensor& x, TD_LOC);
/// (values, indices) along `dim`.
std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false, TD_LOC);
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false, TD_LOC);
/// Index of the first maximum; no dim: over the flattened tensor.
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false, TD_LOC);
Tensor argmin(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false, TD_LOC);
Tensor logsumexp(const Tensor& x, const IntList& dims, bool keepdim = false, TD_LOC);
/// Running sums along `dim` (bool and integers sum as int64).
Tensor cumsum(const Tensor& x, int64_t dim, TD_LOC);
/// (values, indices) sorted along `dim`, stably; NaN counts as the largest value.
std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim = -1, bool descending = false, TD_LOC);
Tensor argsort(const Tensor& x, int64_t dim = -1, bool descending = false, TD_LOC);
/// The `k` largest (or smallest) values along `dim` and their indices, in sorted order.
std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true, TD_LOC);
Tensor softmax(const Tensor& x, int64_t dim, TD_LOC);
Tensor logSoftmax(const Tensor& x, int64_t dim, TD_LOC);

// --- linear algebra, conv, pooling -----------------------------------------------
/// 1-D to batched N-D, with NumPy's matmul rules.
Tensor matmul(const Tensor& a, const Tensor& b, TD_LOC);
/// x @ weight.T + bias (bias may be undefined).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), TD_LOC);
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), const IntList& stride = {1, 1},
              const IntList& padding = {0, 0}, const IntList& dilation = {1, 1}, int64_t groups = 1, TD_LOC);
/// The transposed convolution (conv2d's gradient wrt its input, as a layer): x [N, C, h, w],
/// weight [C, O/groups, kH, kW]; out [N, O, (h-1)s - 2p + d(k-1) + outputPadding + 1, ...].
Tensor convTranspose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), const IntList& stride = {1, 1},
                       const IntList& padding = {0, 0}, const IntList& outputPadding = {0, 0}, int64_t groups = 1,
                       const IntList& dilation = {1, 1}, TD_LOC);
/// Empty `stride` means stride = kernel.
Tensor maxPool2d(const Tensor& x, const IntList& kernel, const IntList& stride = {}, const IntList& padding = {0, 0},
                 const IntList& dilation = {1, 1}, bool ceilMode = false, TD_LOC);
Tensor avgPool2d(const Tensor& x, const IntList& kernel, const IntList& stride = {}, const IntList& padding = {0, 0},
                 bool ceilMode = false, bool countIncludePad = true, TD_LOC);
Tensor adaptiveAvgPool2d(const Tensor& x, const IntList& outputSize, TD_LOC);

// --- indexing and shape ----------------------------------------------------------
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0, TD_LOC);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0, TD_LOC);
/// Pieces of `splitSize` along dim (the last may be smaller).
std::vector<Tensor> split(const Tensor& x, int64_t splitSize, int64_t dim = 0, TD_LOC);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0, TD_LOC);
Tensor indexSelect(const Tensor& x, int64_t dim, const Tensor& index, TD_LOC);
Tensor indexAdd(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, TD_LOC);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index, TD_LOC);
Tensor scatterAdd(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, TD_LOC);
Tensor maskedFill(const Tensor& x, const Tensor& mask, double value, TD_LOC);
/// With a 0-dim tensor value: differentiable in the value too (PyTorch's masked_fill).
Tensor maskedFill(const Tensor& x, const Tensor& mask, const Tensor& value, TD_LOC);
/// int64 [..., numClasses]; numClasses < 0 means max(index) + 1.
Tensor oneHot(const Tensor& index, int64_t numClasses = -1, TD_LOC);
Tensor embedding(const Tensor& weight, const Tensor& indices, TD_LOC);

// --- nn functions ----------------------------------------------------------------
/// Zeroes elements with probability p and scales the rest by 1/(1-p) when training.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, TD_LOC);
Tensor layerNorm(const Tensor& x, const IntList& normalizedShape, const Tensor& weight = Tensor(),
                 const Tensor& bias = Tensor(), double eps = 1e-5, TD_LOC);
/// Training: normalises by batch statistics over all dims but 1 and updates the running
/// statistics in place (when defined). Eval: uses the running statistics.
Tensor batchNorm(const Tensor& x, const Tensor& runningMean, const Tensor& runningVar, const Tensor& weight,
                 const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5, TD_LOC);

enum class Reduction { None, Mean, Sum };
/// logits [N, C] or [N, C, d...], target int64 class indices [N] or [N, d...].
Tensor crossEntropy(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::Mean,
                    double labelSmoothing = 0.0, int64_t ignoreIndex = -100, TD_LOC);
Tensor nllLoss(const Tensor& logProbs, const Tensor& target, Reduction reduction = Reduction::Mean,
               int64_t ignoreIndex = -100, TD_LOC);
Tensor mseLoss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, TD_LOC);
Tensor l1Loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, TD_LOC);
/// Probabilities in [0, 1]; log terms are clamped at -100 as PyTorch does.
Tensor binaryCrossEntropy(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, TD_LOC);
Tensor binaryCrossEntropyWithLogits(const Tensor& logits, const Tensor& target,
                                    Reduction reduction = Reduction::Mean, TD_LOC);

// --- operators: the left operand records the caller's line -------------------------
Tensor operator+(Located<const Tensor&> a, const Tensor& b);
Tensor operator-(Located<const Tensor&> a, const Tensor& b);
Tensor operator*(Located<const Tensor&> a, const Tensor& b);
Tensor operator/(Located<const Tensor&> a, const Tensor& b);
Tensor operator+(Located<const Tensor&> a, double b);
Tensor operator-(Located<const Tensor&> a, double b);
Tensor operator*(Located<const Tensor&> a, double b);
Tensor operator/(Located<const Tensor&> a, double b);
Tensor operator+(double a, Located<const Tensor&> b);
Tensor operator-(double a, Located<const Tensor&> b);
Tensor operator*(double a, Located<const Tensor&> b);
Tensor operator/(double a, Located<const Tensor&> b);
Tensor operator-(Located<const Tensor&> x);

#undef TD_LOC

}  // namespace td
