#pragma once
// The one table of primitive ops. Everything that must cover "all ops" iterates it:
// dispatch, the derivatives table (Derivatives.cpp static_asserts its row count),
// the op-table tests, the Python bindings, the graph legend, the ONNX exporter.
//
// Columns: enum id, display name, arity (-1: variadic), differentiable, ONNX name.
// The comment after each row says what its kernel receives (KernelContext):
// inputs in order, outputs preallocated contiguous by the frontend, and the OpAttrs used.
#include <array>
#include <cstdint>
#include <string_view>

#include "tapedeck/core/DType.h"
#include "tapedeck/core/SmallVector.h"

#define TD_OPS(X)                                                                                   \
  /* Unary elementwise: out has the input's shape and dtype (float unless noted). */              \
  X(Neg, "neg", 1, true, "Neg")                 /* any numeric dtype */                            \
  X(Exp, "exp", 1, true, "Exp")                                                                    \
  X(Log, "log", 1, true, "Log")                                                                    \
  X(Sqrt, "sqrt", 1, true, "Sqrt")                                                                 \
  X(Rsqrt, "rsqrt", 1, true, "Rsqrt")                                                              \
  X(Abs, "abs", 1, true, "Abs")                 /* any numeric dtype */                            \
  X(Sign, "sign", 1, true, "Sign")              /* any numeric dtype */                            \
  /* Rounding: any numeric dtype (integers unchanged); round: half to even, as PyTorch. */        \
  X(Floor, "floor", 1, true, "Floor")                                                              \
  X(Ceil, "ceil", 1, true, "Ceil")                                                                 \
  X(Round, "round", 1, true, "Round")                                                              \
  X(Trunc, "trunc", 1, true, "")                                                                   \
  X(Sin, "sin", 1, true, "Sin")                                                                    \
  X(Cos, "cos", 1, true, "Cos")                                                                    \
  X(Tanh, "tanh", 1, true, "Tanh")                                                                 \
  X(Sigmoid, "sigmoid", 1, true, "Sigmoid")                                                        \
  X(Relu, "relu", 1, true, "Relu")              /* any numeric dtype */                            \
  /* ReluBackward(grad, result): out = grad where result > 0, else 0 (same shapes, float). */     \
  X(ReluBackward, "relu_backward", 2, true, "")                                                    \
  X(Erf, "erf", 1, true, "Erf")                                                                    \
  X(Log1p, "log1p", 1, true, "")                                                                   \
  X(Expm1, "expm1", 1, true, "")                                                                   \
  X(Tan, "tan", 1, true, "Tan")                                                                    \
  X(Asin, "asin", 1, true, "Asin")                                                                 \
  X(Acos, "acos", 1, true, "Acos")                                                                 \
  X(Atan, "atan", 1, true, "Atan")                                                                 \
  X(Sinh, "sinh", 1, true, "Sinh")                                                                 \
  X(Cosh, "cosh", 1, true, "Cosh")                                                                 \
  X(Asinh, "asinh", 1, true, "Asinh")                                                              \
  X(Acosh, "acosh", 1, true, "Acosh")                                                              \
  X(Atanh, "atanh", 1, true, "Atanh")                                                              \
  X(Softplus, "softplus", 1, true, "Softplus")  /* log(1 + exp(scalar x)) / scalar; x above scalar2 */\
  X(Clamp, "clamp", 1, true, "Clip")            /* scalar=min if hasMin, scalar2=max if hasMax */  \
  X(PowScalar, "pow_scalar", 1, true, "Pow")    /* x ** scalar */                                  \
  X(Fill, "fill", 1, true, "ConstantOfShape")   /* out: input's shape/dtype, every value = scalar */\
  /* Binary elementwise: inputs already expanded (stride 0) to out's shape, same dtype as out. */ \
  X(Add, "add", 2, true, "Add")                 /* with hasAlpha: a + scalar * b */                \
  X(Sub, "sub", 2, true, "Sub")                                                                    \
  X(Mul, "mul", 2, true, "Mul")                                                                    \
  X(Div, "div", 2, true, "Div")                                                                    \
  X(Pow, "pow", 2, true, "Pow")                                                                    \
  X(Maximum, "maximum", 2, true, "Max")                                                            \
  X(Minimum, "minimum", 2, true, "Min")                                                            \
  /* Python's % and //: the remainder has the divisor's sign; a // b rounds a / b down. An  \
     integer divisor of 0 is an error (ZeroDivisionError in Python).                        */  \
  X(Remainder, "remainder", 2, true, "Mod")                                                        \
  X(Atan2, "atan2", 2, true, "")                                                                   \
  X(FloorDivide, "floor_divide", 2, false, "")                                                     \
  /* Comparisons: inputs expanded to out's shape, same dtype; out is bool. */                     \
  X(Eq, "eq", 2, false, "Equal")                                                                   \
  X(Ne, "ne", 2, false, "Not")                                                                     \
  X(Lt, "lt", 2, false, "Less")                                                                    \
  X(Le, "le", 2, false, "LessOrEqual")                                                             \
  X(Gt, "gt", 2, false, "Greater")                                                                 \
  X(Ge, "ge", 2, false, "GreaterOrEqual")                                                          \
  /* where(cond bool, a, b): all three expanded to out's shape; a, b have out's dtype. */          \
  X(Where, "where", 3, true, "Where")                                                              \
  /* Copies: Cast converts to attrs.dtype; Clone copies; both write a contiguous out. */          \
  X(Cast, "to", 1, true, "Cast")                                                                   \
  X(Clone, "clone", 1, true, "Identity")                                                           \
  /* Copy(self, src): src, expanded and cast to self's shape and dtype, as self's new value       \
     (copy_): its gradient is grad for src and 0 for the old value, as PyTorch's CopyBackwards.  */\
  X(Copy, "copy", 2, true, "")                                                                     \
  /* Views: no kernel; the frontend builds the view (outputs share storage). */                   \
  X(View, "view", 1, true, "Reshape")           /* ints = new shape */                             \
  X(Permute, "permute", 1, true, "Transpose")   /* ints = permutation */                           \
  X(Expand, "expand", 1, true, "Expand")        /* ints = new shape */                             \
  X(Slice, "slice", 1, true, "Slice")           /* dim, start, end, step */                        \
  /* Split: outputs are consecutive views along dim of lengths ints (split, chunk, unbind). */   \
  X(Split, "split", 1, true, "Split")                                                              \
  /* SliceBackward: out (shape ints) is zero except out.slice(dim,start,end,step) = input. */      \
  X(SliceBackward, "slice_backward", 1, true, "Pad")                                               \
  /* Reductions over ints (sorted, unique, non-empty) of input; keepdim decides out's rank. */    \
  X(Sum, "sum", 1, true, "ReduceSum")           /* float/int64 (bool sums as int64) */             \
  X(Amax, "amax", 1, true, "ReduceMax")                                                            \
  X(Amin, "amin", 1, true, "ReduceMin")                                                            \
  X(Prod, "prod", 1, true, "ReduceProd")        /* float/int64 (bool multiplies as int64); 1 when empty */ \
  X(Argmax, "argmax", 1, false, "ArgMax")       /* ints = {dim}; out int64; first max wins */      \
  X(Argmin, "argmin", 1, false, "ArgMin")                                                          \
  /* Cumsum: running sums along ints = {dim}; out has the input's shape (bool sums as int64). */  \
  X(Cumsum, "cumsum", 1, true, "CumSum")                                                           \
  /* Sort along dim (step -1: descending), stable; outputs: values, and int64 indices into the   \
     input along dim. NaN sorts as the largest value (as PyTorch).                             */  \
  X(Sort, "sort", 1, true, "TopK")                                                                 \
  /* LogSoftmax: x - log(sum(exp(x))) along dim (a 0-d input: its one element is the row);     \
     out has the input's shape. A primitive: the composite was 10 ops (benchmarked).          */  \
  X(LogSoftmax, "log_softmax", 1, true, "LogSoftmax")                                              \
  /* Softmax: exp(x - max) / sum(exp(x - max)) along dim, as LogSoftmax. A primitive: the         \
     composite was 5 entries (an attention layer's graph showed its parts, not a softmax).    */  \
  X(Softmax, "softmax", 1, true, "Softmax")                                                        \
  /* Matmul: a [..., M, K], b [..., K, N], batch dims expanded alike; out [..., M, N]. */         \
  X(Matmul, "matmul", 2, true, "MatMul")                                                           \
  /* Linear: x [..., in] (last dim contiguous or not), w [out, in], optional bias [out];           \
     out [..., out] = x @ wᵀ + bias. A primitive so the weight's gradient is born contiguous. */  \
  X(Linear, "linear", -1, true, "Gemm")                                                            \
  /* Conv2d: x [N,C,H,W], w [O,C/groups,kH,kW]; ints = {sH,sW,pH,pW,dH,dW}; groups. */            \
  X(Conv2d, "conv2d", 2, true, "Conv")                                                             \
  /* ConvTranspose2d(x [N,C,h,w], w [C,O/groups,kH,kW]): the transpose of Conv2d (conv2d's gradient \
     wrt its input), out [N,O,H,W] with H, W in ints2. Same ints {sH,sW,pH,pW,dH,dW}, groups.   */ \
  X(ConvTranspose2d, "conv_transpose2d", 2, true, "ConvTranspose")                                 \
  /* Conv2dBackwardWeight(grad, x): out = grad wrt w, shape ints2. Same ints, groups. */          \
  X(Conv2dBackwardWeight, "conv2d_backward_weight", 2, false, "")                                  \
  /* MaxPool2d: x [N,C,H,W]; ints = {kH,kW,sH,sW,pH,pW,dH,dW}; ceilMode. */                        \
  /* outputs: values, and int64 indices into the flattened H*W plane (as PyTorch). */             \
  X(MaxPool2d, "max_pool2d", 1, true, "MaxPool")                                                   \
  /* AvgPool2d: ints = {kH,kW,sH,sW,pH,pW}; ceilMode, countIncludePad. */                          \
  X(AvgPool2d, "avg_pool2d", 1, true, "AveragePool")                                               \
  /* AvgPool2dBackward(grad): out = grad wrt x, shape ints2; same ints and flags. */              \
  X(AvgPool2dBackward, "avg_pool2d_backward", 1, true, "")                                         \
  /* Cat: inputs (same dtype, shapes equal except dim) concatenated along dim. */                 \
  X(Cat, "cat", -1, true, "Concat")                                                                \
  /* IndexSelect(x, index int64 1-D): out = x with dim indexed by index. */                       \
  X(IndexSelect, "index_select", 2, true, "Gather")                                                \
  /* IndexAdd(self, index 1-D, src): out = self; out.select(dim, index[i]) += src.select(dim,i). */\
  X(IndexAdd, "index_add", 3, true, "")                                                            \
  /* Gather(x, index): out[i][j] = x[index[i][j]][j] along dim; out has index's shape. */         \
  X(Gather, "gather", 2, true, "GatherElements")                                                   \
  /* ScatterAdd(self, index, src): out = self; out[index[i][j]][j] += src[i][j] along dim. */     \
  X(ScatterAdd, "scatter_add", 3, true, "ScatterElements")                                        \
  /* NllLoss(logProbs [N,C,d...], target int64 [N,d...]): -logProbs[n, target, d...] per element, \
     0 where target == start (the ignore index); ints = {reduction}: 0 none (out [N,d...]),     \
     1 mean over the counted targets (NaN when none), 2 sum (out 0-d). Targets in [0, C).       */ \
  X(NllLoss, "nll_loss", 2, true, "NegativeLogLikelihoodLoss")                                     \
  /* BinaryCrossEntropy(p, t), same shape and dtype: -(t max(log p, -100) + (1 - t) max(log(1 - p), \
     -100)) per element (the log terms clamped as PyTorch's, so p of exactly 0 or 1 gives 100).  */ \
  X(BinaryCrossEntropy, "binary_cross_entropy", 2, true, "")                                       \
  /* Custom: a user-defined function (tapedeck.autograd.Function, td::autograd::applyFunction): \
     no kernel, no formula; its node runs the user's backward and its entry carries the name. */  \
  X(Custom, "custom", -1, false, "")

namespace td {

enum class OpId : uint16_t {
#define TD_OP_ENUM(name, display, arity, differentiable, onnx) name,
  TD_OPS(TD_OP_ENUM)
#undef TD_OP_ENUM
};

#define TD_OP_COUNT_ONE(...) +1
inline constexpr std::size_t kOpCount = 0 TD_OPS(TD_OP_COUNT_ONE);
#undef TD_OP_COUNT_ONE

struct OpInfo {
  OpId id;
  std::string_view name;
  int arity;
  bool differentiable;
  std::string_view onnxName;
};

inline constexpr std::array<OpInfo, kOpCount> kOpTable = {{
#define TD_OP_ROW(name, display, arity, differentiable, onnx) {OpId::name, display, arity, differentiable, onnx},
    TD_OPS(TD_OP_ROW)
#undef TD_OP_ROW
}};

constexpr const OpInfo& opInfo(OpId id) { return kOpTable[static_cast<std::size_t>(id)]; }
constexpr std::string_view opName(OpId id) { return opInfo(id).name; }
/// Looks an op up by display name; returns false when there is none.
bool opFromName(std::string_view name, OpId& out);

/// Attributes of one op application. Which fields an op uses is in its table comment.
struct OpAttrs {
  IntList ints;
  IntList ints2;
  int64_t dim = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 1;
  int64_t groups = 1;
  double scalar = 0.0;
  double scalar2 = 0.0;
  DType dtype = DType::Float32;
  bool keepdim = false;
  bool hasMin = false;
  bool hasMax = false;
  bool ceilMode = false;
  bool countIncludePad = true;
  bool hasAlpha = false;  // Add: out = a + scalar * b (in-place add_ with alpha, one pass)
};

}  // namespace td
