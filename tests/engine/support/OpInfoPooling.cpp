// Rows: max_pool2d (padding, dilation, ceil mode), avg_pool2d (count_include_pad, ceil
// mode), adaptive_avg_pool2d.
#include <algorithm>
#include <cmath>
#include <limits>

#include "OpInfo.h"
#include "tapedeck/ops/Ops.h"

namespace tdtest::rows {

namespace {

struct PoolParams {
  Shape x;
  int64_t k = 2;
  int64_t s = 0;  // 0: stride = kernel (the empty IntList default)
  int64_t pad = 0;
  int64_t dilation = 1;
  bool ceilMode = false;
  bool countIncludePad = true;
  int64_t stride() const { return s == 0 ? k : s; }
};

RefTensor maxPoolRef(const RefTensor& x, const PoolParams& p) {
  int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
  int64_t oh = poolOutputSize(h, p.k, p.stride(), p.pad, p.dilation, p.ceilMode);
  int64_t ow = poolOutputSize(w, p.k, p.stride(), p.pad, p.dilation, p.ceilMode);
  RefTensor out = RefTensor::filled({n, c, oh, ow}, 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double best = -std::numeric_limits<double>::infinity();
          for (int64_t ki = 0; ki < p.k; ++ki)
            for (int64_t kj = 0; kj < p.k; ++kj) {
              int64_t y = i * p.stride() - p.pad + ki * p.dilation;
              int64_t xx = j * p.stride() - p.pad + kj * p.dilation;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              best = std::max(best, x.at({b, ch, y, xx}));
            }
          out.at({b, ch, i, j}) = best;
        }
  return out;
}

/// PyTorch's avg_pool2d: the divisor counts padding (not the ceil-mode overhang) when
/// count_include_pad, else only the real elements.
RefTensor avgPoolRef(const RefTensor& x, const PoolParams& p) {
  int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
  int64_t oh = poolOutputSize(h, p.k, p.stride(), p.pad, 1, p.ceilMode);
  int64_t ow = poolOutputSize(w, p.k, p.stride(), p.pad, 1, p.ceilMode);
  RefTensor out = RefTensor::filled({n, c, oh, ow}, 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          int64_t hStart = i * p.stride() - p.pad, wStart = j * p.stride() - p.pad;
          int64_t hEnd = std::min(hStart + p.k, h + p.pad), wEnd = std::min(wStart + p.k, w + p.pad);
          int64_t poolSize = (hEnd - hStart) * (wEnd - wStart);
          hStart = std::max<int64_t>(hStart, 0);
          wStart = std::max<int64_t>(wStart, 0);
          hEnd = std::min(hEnd, h);
          wEnd = std::min(wEnd, w);
          double s = 0.0;
          for (int64_t y = hStart; y < hEnd; ++y)
            for (int64_t xx = wStart; xx < wEnd; ++xx) s += x.at({b, ch, y, xx});
          int64_t divisor = p.countIncludePad ? poolSize : (hEnd - hStart) * (wEnd - wStart);
          out.at({b, ch, i, j}) = s / static_cast<double>(divisor);
        }
  return out;
}

RefTensor adaptiveAvgPoolRef(const RefTensor& x, int64_t oh, int64_t ow) {
  int64_t n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
  RefTensor out = RefTensor::filled({n, c, oh, ow}, 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          int64_t h0 = (i * h) / oh, h1 = ((i + 1) * h + oh - 1) / oh;
          int64_t w0 = (j * w) / ow, w1 = ((j + 1) * w + ow - 1) / ow;
          double s = 0.0;
          for (int64_t y = h0; y < h1; ++y)
            for (int64_t xx = w0; xx < w1; ++xx) s += x.at({b, ch, y, xx});
          out.at({b, ch, i, j}) = s / static_cast<double>((h1 - h0) * (w1 - w0));
        }
  return out;
}

SampleFunction imageSample(Shape x, bool distinctValues) {
  return [=](SampleKind kind, Rng& rng) -> Inputs {
    if (kind == SampleKind::Broadcast) return {};
    Shape shape = x;
    if (kind == SampleKind::Empty) shape[0] = 0;
    return {distinctValues ? distinct(rng, shape, -2, 2) : uniform(rng, shape, -2, 2)};
  };
}

td::IntList strideOf(const PoolParams& p) {
  if (p.s == 0) return {};
  return {p.s, p.s};
}

OpInfo maxPoolRow(std::string name, PoolParams p) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = imageSample(p.x, true);  // no ties inside a window
  row.apply = single([p](const Inputs& in) {
    return td::maxPool2d(in[0], {p.k, p.k}, strideOf(p), {p.pad, p.pad}, {p.dilation, p.dilation}, p.ceilMode);
  });
  row.reference = singleRef([p](const std::vector<RefTensor>& in) { return maxPoolRef(in[0], p); });
  row.differentiableInputs = {true};
  return row;
}

OpInfo avgPoolRow(std::string name, PoolParams p) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = imageSample(p.x, false);
  row.apply = single([p](const Inputs& in) {
    return td::avgPool2d(in[0], {p.k, p.k}, strideOf(p), {p.pad, p.pad}, p.ceilMode, p.countIncludePad);
  });
  row.reference = singleRef([p](const std::vector<RefTensor>& in) { return avgPoolRef(in[0], p); });
  row.differentiableInputs = {true};
  return row;
}

OpInfo adaptiveRow(std::string name, Shape x, int64_t oh, int64_t ow) {
  OpInfo row;
  row.name = std::move(name);
  row.sample = imageSample(x, false);
  row.apply = single([oh, ow](const Inputs& in) { return td::adaptiveAvgPool2d(in[0], {oh, ow}); });
  row.reference = singleRef([oh, ow](const std::vector<RefTensor>& in) { return adaptiveAvgPoolRef(in[0], oh, ow); });
  row.differentiableInputs = {true};
  return row;
}

}  // namespace

void addPooling(std::vector<OpInfo>& t) {
  t.push_back(maxPoolRow("max_pool2d", {{1, 2, 4, 4}, 2}));
  {
    // 6 + 2 - 3 = 5 over stride 2: floor gives 3 windows, ceil mode 4 (the last starts in the input).
    PoolParams p{{1, 1, 6, 6}, 3, 2, 1};
    p.ceilMode = true;
    t.push_back(maxPoolRow("max_pool2d_padding_ceil_mode", p));
  }
  {
    PoolParams p{{1, 1, 5, 5}, 2, 1};
    p.dilation = 2;
    t.push_back(maxPoolRow("max_pool2d_dilation", p));
  }
  t.push_back(avgPoolRow("avg_pool2d", {{1, 2, 4, 4}, 2}));
  t.push_back(avgPoolRow("avg_pool2d_padding_include_pad", {{1, 1, 5, 5}, 3, 2, 1}));
  {
    PoolParams p{{1, 1, 5, 5}, 3, 2, 1};
    p.countIncludePad = false;
    t.push_back(avgPoolRow("avg_pool2d_padding_exclude_pad", p));
  }
  {
    PoolParams p{{1, 1, 6, 6}, 3, 2, 1};
    p.ceilMode = true;
    t.push_back(avgPoolRow("avg_pool2d_ceil_mode_include_pad", p));
    p.countIncludePad = false;
    t.push_back(avgPoolRow("avg_pool2d_ceil_mode_exclude_pad", p));
  }
  t.push_back(adaptiveRow("adaptive_avg_pool2d", {1, 1, 5, 7}, 3, 4));
  t.push_back(adaptiveRow("adaptive_avg_pool2d_global", {2, 3, 2, 3}, 1, 1));
}

}  // namespace tdtest::rows
