// Rows: matmul (1-D to batched N-D with broadcast batch dims), linear, conv2d
// (stride, padding, dilation, groups).
#include "OpInfo.h"
#include "tapedeck/ops/Ops.h"

namespace tdtest::rows {

namespace {

/// t[batch..., r, c] where t's batch dims broadcast (right-aligned) against `batch`.
double atBatched(const RefTensor& t, const Shape& batch, int64_t r, int64_t c) {
  std::size_t own = t.shape.size() - 2;
  Shape index(t.shape.size(), 0);
  for (std::size_t d = 0; d < own; ++d) index[d] = t.shape[d] == 1 ? 0 : batch[batch.size() - own + d];
  index[own] = r;
  index[own + 1] = c;
  return t.at(index);
}

/// NumPy matmul semantics with plain loops.
RefTensor matmulRef(RefTensor a, RefTensor b) {
  bool vectorA = a.dim() == 1;
  bool vectorB = b.dim() == 1;
  if (vectorA) a = reshape(a, {1, a.shape[0]});
  if (vectorB) b = reshape(b, {b.shape[0], 1});
  Shape batchA(a.shape.begin(), a.shape.end() - 2);
  Shape batchB(b.shape.begin(), b.shape.end() - 2);
  Shape batch = broadcastShapes(batchA, batchB);
  int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  Shape outShape = batch;
  if (!vectorA) outShape.push_back(m);
  if (!vectorB) outShape.push_back(n);
  RefTensor out = RefTensor::filled(outShape, 0.0);
  int64_t batches = numelOf(batch);
  std::size_t flat = 0;
  for (int64_t bi = 0; bi < batches; ++bi) {
    Shape batchIndex = unravel(bi, batch);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0.0;
        for (int64_t p = 0; p < k; ++p) s += atBatched(a, batchIndex, i, p) * atBatched(b, batchIndex, p, j);
        out.values[flat++] = s;
      }
  }
  return out;
}

OpInfo matmulRow(std::string name, Shape a, Shape b, Shape emptyA, Shape emptyB) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = [=](SampleKind kind, Rng& rng) -> Inputs {
    if (kind == SampleKind::Standard) return {uniform(rng, a, -1, 1), uniform(rng, b, -1, 1)};
    if (kind == SampleKind::Empty) return {uniform(rng, emptyA, -1, 1), uniform(rng, emptyB, -1, 1)};
    return {};
  };
  row.apply = single([](const Inputs& in) { return td::matmul(in[0], in[1]); });
  row.reference = singleRef([](const std::vector<RefTensor>& in) { return matmulRef(in[0], in[1]); });
  row.differentiableInputs = {true, true};
  return row;
}

RefTensor linearRef(const RefTensor& x, const RefTensor& w, const RefTensor* bias) {
  RefTensor out = matmulRef(x, permute(w, {1, 0}));
  if (bias) out = zip(out, *bias, [](double a, double b) { return a + b; });
  return out;
}

OpInfo linearRow(std::string name, Shape x, Shape w, bool withBias, Shape emptyX) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = [=](SampleKind kind, Rng& rng) -> Inputs {
    if (kind == SampleKind::Broadcast) return {};
    Inputs in{uniform(rng, kind == SampleKind::Empty ? emptyX : x, -1, 1), uniform(rng, w, -1, 1)};
    if (withBias) in.push_back(uniform(rng, {w[0]}, -1, 1));
    return in;
  };
  row.apply = single([](const Inputs& in) { return td::linear(in[0], in[1], in.size() > 2 ? in[2] : td::Tensor()); });
  row.reference = singleRef([](const std::vector<RefTensor>& in) {
    return linearRef(in[0], in[1], in.size() > 2 ? &in[2] : nullptr);
  });
  row.differentiableInputs = std::vector<bool>(withBias ? 3 : 2, true);
  return row;
}

struct ConvParams {
  Shape x, w;
  bool bias = false;
  int64_t sH = 1, sW = 1, pH = 0, pW = 0, dH = 1, dW = 1, groups = 1;
};

RefTensor conv2dRef(const RefTensor& x, const RefTensor& w, const RefTensor* bias, const ConvParams& p) {
  int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3];
  int64_t o = w.shape[0], cg = w.shape[1], kh = w.shape[2], kw = w.shape[3];
  int64_t oh = (h + 2 * p.pH - p.dH * (kh - 1) - 1) / p.sH + 1;
  int64_t ow = (wd + 2 * p.pW - p.dW * (kw - 1) - 1) / p.sW + 1;
  int64_t perGroup = o / p.groups;
  (void)c;
  RefTensor out = RefTensor::filled({n, o, oh, ow}, 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < o; ++oc) {
      int64_t g = oc / perGroup;
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double s = bias ? bias->values[static_cast<std::size_t>(oc)] : 0.0;
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ki = 0; ki < kh; ++ki)
              for (int64_t kj = 0; kj < kw; ++kj) {
                int64_t y = i * p.sH - p.pH + ki * p.dH;
                int64_t xx = j * p.sW - p.pW + kj * p.dW;
                if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
                s += x.at({b, g * cg + ci, y, xx}) * w.at({oc, ci, ki, kj});
              }
          out.at({b, oc, i, j}) = s;
        }
    }
  return out;
}

/// A convolution's samples: x, w and (biasSize > 0) a bias; the empty one has no images.
SampleFunction convSample(Shape xShape, Shape wShape, int64_t biasSize) {
  return [=](SampleKind kind, Rng& rng) -> Inputs {
    if (kind == SampleKind::Broadcast) return {};
    Shape x = xShape;
    if (kind == SampleKind::Empty) x[0] = 0;
    Inputs in{uniform(rng, x, -1, 1), uniform(rng, wShape, -1, 1)};
    if (biasSize > 0) in.push_back(uniform(rng, {biasSize}, -1, 1));
    return in;
  };
}

OpInfo conv2dRow(std::string name, ConvParams p) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = convSample(p.x, p.w, p.bias ? p.w[0] : 0);
  row.apply = single([p](const Inputs& in) {
    return td::conv2d(in[0], in[1], in.size() > 2 ? in[2] : td::Tensor(), {p.sH, p.sW}, {p.pH, p.pW}, {p.dH, p.dW},
                      p.groups);
  });
  row.reference = singleRef([p](const std::vector<RefTensor>& in) {
    return conv2dRef(in[0], in[1], in.size() > 2 ? &in[2] : nullptr, p);
  });
  row.differentiableInputs = std::vector<bool>(p.bias ? 3 : 2, true);
  row.twiceDifferentiable = false;  // conv2d's formula (conv2d_backward_input/weight) is first-order only
  return row;
}

struct TransposedParams {
  Shape x, w;
  bool bias = false;
  int64_t s = 1, p = 0, outputPadding = 0, d = 1, groups = 1;
};

/// Each input value scattered through the kernel to the outputs it reaches (the definition
/// of the transposed convolution, independent of the engine's conv2d).
RefTensor convTranspose2dRef(const RefTensor& x, const RefTensor& w, const RefTensor* bias, const TransposedParams& p) {
  const int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3];
  const int64_t og = w.shape[1], kh = w.shape[2], kw = w.shape[3];
  const int64_t o = og * p.groups, cg = c / p.groups;
  const int64_t oh = (h - 1) * p.s - 2 * p.p + p.d * (kh - 1) + p.outputPadding + 1;
  const int64_t ow = (wd - 1) * p.s - 2 * p.p + p.d * (kw - 1) + p.outputPadding + 1;
  RefTensor out = RefTensor::filled({n, o, oh, ow}, 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ic = 0; ic < c; ++ic) {
      const int64_t g = ic / cg;
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < wd; ++j)
          for (int64_t oc = 0; oc < og; ++oc)
            for (int64_t ki = 0; ki < kh; ++ki)
              for (int64_t kj = 0; kj < kw; ++kj) {
                const int64_t y = i * p.s - p.p + ki * p.d, xx = j * p.s - p.p + kj * p.d;
                if (y < 0 || y >= oh || xx < 0 || xx >= ow) continue;
                out.at({b, g * og + oc, y, xx}) += x.at({b, ic, i, j}) * w.at({ic, oc, ki, kj});
              }
    }
  if (bias)
    for (int64_t b = 0; b < n; ++b)
      for (int64_t oc = 0; oc < o; ++oc)
        for (int64_t y = 0; y < oh; ++y)
          for (int64_t xx = 0; xx < ow; ++xx) out.at({b, oc, y, xx}) += bias->values[static_cast<std::size_t>(oc)];
  return out;
}

OpInfo convTranspose2dRow(std::string name, TransposedParams p) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = convSample(p.x, p.w, p.bias ? p.w[1] * p.groups : 0);
  row.apply = single([p](const Inputs& in) {
    return td::convTranspose2d(in[0], in[1], in.size() > 2 ? in[2] : td::Tensor(), {p.s, p.s}, {p.p, p.p},
                               {p.outputPadding, p.outputPadding}, p.groups, {p.d, p.d});
  });
  row.reference = singleRef([p](const std::vector<RefTensor>& in) {
    return convTranspose2dRef(in[0], in[1], in.size() > 2 ? &in[2] : nullptr, p);
  });
  row.differentiableInputs = std::vector<bool>(p.bias ? 3 : 2, true);
  row.twiceDifferentiable = false;  // its formula (conv2d, conv2d_backward_weight) is first-order only
  return row;
}

}  // namespace

void addLinearAlgebra(std::vector<OpInfo>& t) {
  t.push_back(matmulRow("matmul_1d_1d", {4}, {4}, {0}, {0}));
  t.push_back(matmulRow("matmul_2d_1d", {3, 4}, {4}, {0, 4}, {4}));
  t.push_back(matmulRow("matmul_1d_2d", {4}, {4, 3}, {4}, {4, 0}));
  t.push_back(matmulRow("matmul_2d_2d", {3, 4}, {4, 2}, {3, 0}, {0, 2}));
  t.push_back(matmulRow("matmul_batched_broadcast", {2, 1, 3, 4}, {3, 4, 2}, {0, 1, 3, 4}, {3, 4, 2}));
  t.push_back(matmulRow("matmul_batched_1d", {2, 3, 4}, {4}, {0, 3, 4}, {4}));
  t.push_back(matmulRow("matmul_1d_batched", {3}, {2, 3, 2}, {3}, {0, 3, 2}));
  {
    OpInfo row = matmulRow("matmul_method", {2, 3}, {3, 3}, {0, 3}, {3, 3});
    row.apply = single([](const Inputs& in) { return in[0].matmul(in[1]); });
    t.push_back(row);
  }

  t.push_back(linearRow("linear", {3, 4}, {2, 4}, true, {0, 4}));
  t.push_back(linearRow("linear_no_bias", {3, 4}, {2, 4}, false, {0, 4}));
  t.push_back(linearRow("linear_3d_input", {2, 3, 4}, {5, 4}, true, {2, 0, 4}));

  t.push_back(conv2dRow("conv2d", {{1, 2, 5, 5}, {3, 2, 3, 3}, true}));
  {
    ConvParams p{{2, 1, 5, 6}, {2, 1, 2, 3}, false};
    p.sH = 2;
    p.pH = 1;
    p.pW = 2;
    p.dH = 2;
    t.push_back(conv2dRow("conv2d_stride_padding_dilation", p));
  }
  {
    ConvParams p{{1, 4, 4, 4}, {4, 2, 2, 2}, true};
    p.groups = 2;
    t.push_back(conv2dRow("conv2d_groups", p));
  }
  t.push_back(convTranspose2dRow("conv_transpose2d", {{1, 2, 3, 4}, {2, 3, 3, 2}, true}));
  t.push_back(convTranspose2dRow("conv_transpose2d_stride_padding", {{2, 2, 3, 3}, {2, 2, 3, 3}, false, 2, 1, 1}));
  t.push_back(convTranspose2dRow("conv_transpose2d_groups_dilation", {{1, 4, 3, 3}, {4, 1, 2, 2}, true, 1, 0, 0, 2, 2}));
  {
    ConvParams p{{1, 3, 4, 4}, {3, 1, 3, 3}, false};
    p.groups = 3;
    p.pH = p.pW = 1;
    t.push_back(conv2dRow("conv2d_depthwise_padded", p));
  }
}

}  // namespace tdtest::rows
