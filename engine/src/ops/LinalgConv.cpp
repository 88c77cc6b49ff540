// matmul, linear, conv2d and the pooling ops.
#include "ops/OpUtils.h"
#include "tapedeck/ops/Ops.h"

namespace td {
using namespace detail;

namespace {

/// Batched matmul of tensors with rank >= 2 (batch dims broadcast).
Tensor matmulPrimitive(const Tensor& a, const Tensor& b) {
  int64_t m = a.size(-2), k = a.size(-1), k2 = b.size(-2), n = b.size(-1);
  TD_CHECK(k == k2, "matmul", "inner dimensions do not match: ", shapeString(a.shape()), " @ ",
           shapeString(b.shape()), " (", k, " vs ", k2, ")");
  IntList batchA(a.shape().begin(), a.shape().end() - 2), batchB(b.shape().begin(), b.shape().end() - 2);
  IntList batch = broadcastShapes(batchA, batchB, "matmul");
  IntList shapeA = batch, shapeB = batch, shapeOut = batch;
  shapeA.push_back(m); shapeA.push_back(k);
  shapeB.push_back(k); shapeB.push_back(n);
  shapeOut.push_back(m); shapeOut.push_back(n);
  Tensor out = allocate(shapeOut, a.dtype(), a.device(), "matmul");
  runAndRecord(OpId::Matmul, {expandTo(a, shapeA), expandTo(b, shapeB)}, {a, b}, &out, 1, OpAttrs{});
  return out;
}

int64_t poolOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceilMode) {
  int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;  // the (dilated) kernel does not fit: callers report "too small"
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // The last window must start inside the input or left padding (PyTorch's rule).
  if (ceilMode && (out - 1) * stride >= in + pad) --out;
  return out;
}

IntList pair(const IntList& v, const char* op, const char* what) {
  TD_CHECK(v.size() == 1 || v.size() == 2, op, what, " must have 1 or 2 values, got ", shapeString(v));
  return v.size() == 1 ? IntList{v[0], v[0]} : v;
}

/// A convolution's checked arguments (stride, padding, dilation as pairs) and its attrs.
struct ConvArgs {
  IntList stride, padding, dilation;
  int64_t groups = 1;
  OpAttrs attrs() const {
    OpAttrs a;
    a.ints = {stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]};
    a.groups = groups;
    return a;
  }
};

/// What conv2d and conv_transpose2d check alike; `layout` names the weight's dims.
ConvArgs checkConv(const char* op, const char* layout, const Tensor& x, const Tensor& weight, const IntList& strideIn,
                   const IntList& paddingIn, const IntList& dilationIn, int64_t groups) {
  checkDefined(x, op, "input");
  checkDefined(weight, op, "weight");
  checkFloating(x, op);
  TD_CHECK(x.dim() == 4, op, "input must be 4-D [N, C, H, W], got ", shapeString(x.shape()));
  TD_CHECK(weight.dim() == 4, op, "weight must be 4-D ", layout, ", got ", shapeString(weight.shape()));
  TD_CHECK(x.dtype() == weight.dtype(), op, "dtypes differ: input ", describe(x), ", weight ", describe(weight));
  TD_CHECK(groups > 0, op, "groups must be positive, got ", groups);
  ConvArgs args{pair(strideIn, op, "stride"), pair(paddingIn, op, "padding"), pair(dilationIn, op, "dilation"),
                groups};
  for (int i = 0; i < 2; ++i) {
    TD_CHECK(args.stride[i] > 0 && args.dilation[i] > 0 && args.padding[i] >= 0, op, "stride ",
             shapeString(args.stride), " and dilation ", shapeString(args.dilation), " must be positive, padding ",
             shapeString(args.padding), " non-negative");
  }
  return args;
}

/// out [N, O, H, W] plus a per-channel bias [O] (none when undefined).
Tensor withChannelBias(const Tensor& out, const Tensor& bias, const char* op) {
  if (!bias.defined()) return out;
  const int64_t o = out.shape()[1];
  TD_CHECK(bias.dim() == 1 && bias.shape()[0] == o, op, "bias of shape ", shapeString(bias.shape()),
           " does not match ", o, " output channels");
  return add(out, bias.view({1, o, 1, 1}));
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(a, "matmul", "input");
  checkDefined(b, "matmul", "other");
  TD_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul", "both arguments need at least 1 dim, got ",
           shapeString(a.shape()), " and ", shapeString(b.shape()));
  TD_CHECK(a.dtype() == b.dtype(), "matmul", "dtypes differ: ", describe(a), " and ", describe(b));
  TD_CHECK(a.dtype() != DType::Bool, "matmul", "bool tensors are not supported");
  int64_t innerA = a.size(-1), innerB = b.dim() == 1 ? b.size(0) : b.size(-2);
  TD_CHECK(innerA == innerB, "matmul", "inner dimensions do not match: ", shapeString(a.shape()), " @ ",
           shapeString(b.shape()), " (", innerA, " vs ", innerB, ")");
  if (a.dim() >= 2 && b.dim() >= 2) return matmulPrimitive(a, b);
  Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a;
  Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
  Tensor out = matmulPrimitive(a2, b2);
  if (a.dim() == 1) out = out.squeeze(-2);
  if (b.dim() == 1) out = out.squeeze(-1);
  return out;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "linear", "input");
  checkDefined(weight, "linear", "weight");
  checkFloating(x, "linear");
  if (weight.dim() == 1) {
    // A 1-D weight [in] is one output without its dim, as PyTorch's (x @ w): the 2-D op on
    // a [1, in] view, with a 0-d or [1] bias, and the output dim dropped.
    TD_CHECK(x.dim() >= 1 && x.size(-1) == weight.shape()[0], "linear", "input of shape ", shapeString(x.shape()),
             " does not match weight of shape ", shapeString(weight.shape()), " (expected last dim ",
             weight.shape()[0], ")");
    const Tensor row = weight.unsqueeze(0);
    const Tensor one = bias.defined() && bias.dim() == 0 ? bias.unsqueeze(0) : bias;
    return linear(x, row, one).squeeze(-1);
  }
  TD_CHECK(weight.dim() == 2, "linear", "weight must be 1-D [in] or 2-D [out, in], got ", shapeString(weight.shape()));
  TD_CHECK(x.dim() >= 1 && x.size(-1) == weight.shape()[1], "linear", "input of shape ", shapeString(x.shape()),
           " does not match weight of shape ", shapeString(weight.shape()), " (expected last dim ",
           weight.shape()[1], ")");
  TD_CHECK(x.dtype() == weight.dtype(), "linear", "dtypes differ: input ", describe(x), ", weight ", describe(weight));
  IntList shape(x.shape().begin(), x.shape().end() - 1);
  shape.push_back(weight.shape()[0]);
  Tensor out = allocate(shape, x.dtype(), x.device(), "linear");
  if (bias.defined()) {
    TD_CHECK(bias.dim() == 1 && bias.shape()[0] == weight.shape()[0], "linear", "bias of shape ",
             shapeString(bias.shape()), " does not match weight of shape ", shapeString(weight.shape()));
    TD_CHECK(bias.dtype() == x.dtype(), "linear", "dtypes differ: input ", describe(x), ", bias ", describe(bias));
    runAndRecord(OpId::Linear, {x, weight, bias}, {x, weight, bias}, &out, 1, OpAttrs{});
  } else {
    runAndRecord(OpId::Linear, {x, weight}, {x, weight}, &out, 1, OpAttrs{});
  }
  return out;
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const IntList& strideIn,
              const IntList& paddingIn, const IntList& dilationIn, int64_t groups, SourceLoc loc) {
  ApiScope api(loc);
  std::optional<CompositeScope> scope;
  if (bias.defined()) scope.emplace("conv2d");
  const ConvArgs args = checkConv("conv2d", "[O, C/groups, kH, kW]", x, weight, strideIn, paddingIn, dilationIn, groups);
  const IntList &stride = args.stride, &padding = args.padding, &dilation = args.dilation;
  int64_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  int64_t o = weight.shape()[0];
  TD_CHECK(o % groups == 0 && c == weight.shape()[1] * groups, "conv2d", "input of shape ", shapeString(x.shape()),
           " has ", c, " channels, but weight of shape ", shapeString(weight.shape()), " with groups=", groups,
           " expects ", weight.shape()[1] * groups);
  int64_t oh = poolOutputSize(h, weight.shape()[2], stride[0], padding[0], dilation[0], false);
  int64_t ow = poolOutputSize(w, weight.shape()[3], stride[1], padding[1], dilation[1], false);
  TD_CHECK(oh > 0 && ow > 0, "conv2d", "kernel of shape ", shapeString(weight.shape()),
           " is larger than the padded input of shape ", shapeString(x.shape()));
  Tensor out = allocate({n, o, oh, ow}, x.dtype(), x.device(), "conv2d");
  runAndRecord(OpId::Conv2d, {x, weight}, {x, weight}, &out, 1, args.attrs());
  return withChannelBias(out, bias, "conv2d");
}

Tensor convTranspose2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const IntList& strideIn,
                       const IntList& paddingIn, const IntList& outputPaddingIn, int64_t groups,
                       const IntList& dilationIn, SourceLoc loc) {
  ApiScope api(loc);
  std::optional<CompositeScope> scope;
  if (bias.defined()) scope.emplace("conv_transpose2d");
  const char* op = "conv_transpose2d";
  const ConvArgs args = checkConv(op, "[C, O/groups, kH, kW]", x, weight, strideIn, paddingIn, dilationIn, groups);
  const IntList &stride = args.stride, &padding = args.padding, &dilation = args.dilation;
  const IntList outputPadding = pair(outputPaddingIn, op, "output_padding");
  for (int i = 0; i < 2; ++i) {
    // As PyTorch: the extra rows must be fewer than the stride or the dilation, so the
    // convolution of the output gives the input's size back.
    TD_CHECK(outputPadding[i] >= 0 && (outputPadding[i] < stride[i] || outputPadding[i] < dilation[i]), op,
             "output_padding ", shapeString(outputPadding), " must be smaller than either stride ",
             shapeString(stride), " or dilation ", shapeString(dilation));
    // PyTorch also takes one smaller than the dilation only; its extra rows fall outside the
    // convolution this op is the transpose of, which the kernels here are built on.
    TD_CHECK(outputPadding[i] < stride[i], op, "output_padding ", shapeString(outputPadding),
             " of at least the stride ", shapeString(stride),
             " (allowed by PyTorch when the dilation is larger) is not supported yet");
  }
  const int64_t c = weight.shape()[0];
  TD_CHECK(c == x.shape()[1], op, "input of shape ", shapeString(x.shape()), " has ", x.shape()[1],
           " channels, but weight of shape ", shapeString(weight.shape()), " expects ", c);
  TD_CHECK(c % groups == 0, op, "the ", c, " input channels cannot be split into groups=", groups);
  const int64_t o = weight.shape()[1] * groups;
  IntList shape{x.shape()[0], o, 0, 0};
  for (int i = 0; i < 2; ++i)
    shape[2 + i] = (x.shape()[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (weight.shape()[2 + i] - 1) +
                   outputPadding[i] + 1;
  TD_CHECK(shape[2] > 0 && shape[3] > 0, op, "the output of input ", shapeString(x.shape()), " and weight ",
           shapeString(weight.shape()), " would be ", shapeString(shape), " (padding ", shapeString(padding),
           " too large)");
  OpAttrs attrs = args.attrs();
  attrs.ints2 = shape;
  Tensor out = allocate(shape, x.dtype(), x.device(), op);
  runAndRecord(OpId::ConvTranspose2d, {x, weight}, {x, weight}, &out, 1, attrs);
  return withChannelBias(out, bias, op);
}

Tensor maxPool2d(const Tensor& x, const IntList& kernelIn, const IntList& strideIn, const IntList& paddingIn,
                 const IntList& dilationIn, bool ceilMode, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "max_pool2d", "input");
  TD_CHECK(x.dim() == 4, "max_pool2d", "input must be 4-D [N, C, H, W], got ", shapeString(x.shape()));
  TD_CHECK(x.dtype() != DType::Bool, "max_pool2d", "bool tensors are not supported");
  IntList kernel = pair(kernelIn, "max_pool2d", "kernel_size");
  IntList stride = strideIn.empty() ? kernel : pair(strideIn, "max_pool2d", "stride");
  IntList padding = pair(paddingIn, "max_pool2d", "padding"), dilation = pair(dilationIn, "max_pool2d", "dilation");
  for (int i = 0; i < 2; ++i)
    TD_CHECK(kernel[i] > 0 && stride[i] > 0 && dilation[i] > 0 && padding[i] >= 0 && padding[i] * 2 <= kernel[i],
             "max_pool2d", "invalid kernel ", shapeString(kernel), ", stride ", shapeString(stride), ", padding ",
             shapeString(padding), " (padding must be at most half the kernel)");
  int64_t oh = poolOutputSize(x.shape()[2], kernel[0], stride[0], padding[0], dilation[0], ceilMode);
  int64_t ow = poolOutputSize(x.shape()[3], kernel[1], stride[1], padding[1], dilation[1], ceilMode);
  TD_CHECK(oh > 0 && ow > 0, "max_pool2d", "output size is too small (empty) for input of shape ", shapeString(x.shape()),
           " and kernel ", shapeString(kernel));
  OpAttrs attrs;
  attrs.ints = {kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1]};
  attrs.ceilMode = ceilMode;
  Tensor outs[2] = {allocate({x.shape()[0], x.shape()[1], oh, ow}, x.dtype(), x.device(), "max_pool2d"),
                    allocate({x.shape()[0], x.shape()[1], oh, ow}, DType::Int64, x.device(), "max_pool2d")};
  runKernel(OpId::MaxPool2d, &x, 1, outs, 2, attrs);
  recordOp(OpId::MaxPool2d, &x, 1, outs, 1, attrs, &outs[1], 1);
  return outs[0];
}

Tensor avgPool2d(const Tensor& x, const IntList& kernelIn, const IntList& strideIn, const IntList& paddingIn,
                 bool ceilMode, bool countIncludePad, SourceLoc loc) {
  ApiScope api(loc);
  checkDefined(x, "avg_pool2d", "input");
  checkFloating(x, "avg_pool2d");
  TD_CHECK(x.dim() == 4, "avg_pool2d", "input must be 4-D [N, C, H, W], got ", shapeString(x.shape()));
  IntList kernel = pair(kernelIn, "avg_pool2d", "kernel_size");
  IntList stride = strideIn.empty() ? kernel : pair(strideIn, "avg_pool2d", "stride");
  IntList padding = pair(paddingIn, "avg_pool2d", "padding");
  for (int i = 0; i < 2; ++i)
    TD_CHECK(kernel[i] > 0 && stride[i] > 0 && padding[i] >= 0 && padding[i] * 2 <= kernel[i], "avg_pool2d",
             "invalid kernel ", shapeString(kernel), ", stride ", shapeString(stride), ", padding ",
             shapeString(padding), " (padding must be at most half the kernel)");
  int64_t oh = poolOutputSize(x.shape()[2], kernel[0], stride[0], padding[0], 1, ceilMode);
  int64_t ow = poolOutputSize(x.shape()[3], kernel[1], stride[1], padding[1], 1, ceilMode);
  TD_CHECK(oh > 0 && ow > 0, "avg_pool2d", "output size is too small (empty) for input of shape ", shapeString(x.shape()),
           " and kernel ", shapeString(kernel));
  OpAttrs attrs;
  attrs.ints = {kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1]};
  attrs.ceilMode = ceilMode;
  attrs.countIncludePad = countIncludePad;
  return runUnary(OpId::AvgPool2d, x, allocate({x.shape()[0], x.shape()[1], oh, ow}, x.dtype(), x.device(),
                                               "avg_pool2d"), attrs);
}

Tensor adaptiveAvgPool2d(const Tensor& x, const IntList& outputSizeIn, SourceLoc loc) {
  ApiScope api(loc);
  CompositeScope scope("adaptive_avg_pool2d");
  checkDefined(x, "adaptive_avg_pool2d", "input");
  checkFloating(x, "adaptive_avg_pool2d");
  TD_CHECK(x.dim() == 4, "adaptive_avg_pool2d", "input must be 4-D [N, C, H, W], got ", shapeString(x.shape()));
  IntList out = pair(outputSizeIn, "adaptive_avg_pool2d", "output_size");
  TD_CHECK(out[0] > 0 && out[1] > 0, "adaptive_avg_pool2d", "output size must be positive, got ", shapeString(out));
  int64_t h = x.shape()[2], w = x.shape()[3];
  if (h % out[0] == 0 && w % out[1] == 0)
    return avgPool2d(x, {h / out[0], w / out[1]}, {h / out[0], w / out[1]});
  // General case: window i spans [floor(i*H/oh), ceil((i+1)*H/oh)), as PyTorch.
  std::vector<Tensor> rows;
  for (int64_t i = 0; i < out[0]; ++i) {
    int64_t h0 = i * h / out[0], h1 = ((i + 1) * h + out[0] - 1) / out[0];
    std::vector<Tensor> cols;
    for (int64_t j = 0; j < out[1]; ++j) {
      int64_t w0 = j * w / out[1], w1 = ((j + 1) * w + out[1] - 1) / out[1];
      cols.push_back(mean(x.narrow(2, h0, h1 - h0).narrow(3, w0, w1 - w0), {2, 3}, true));
    }
    rows.push_back(cat(cols, 3));
  }
  return cat(rows, 2);
}

}  // namespace td
