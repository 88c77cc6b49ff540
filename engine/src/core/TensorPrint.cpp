// Printing tensors the way PyTorch does, so output looks familiar.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "autograd/Node.h"
#include "tapedeck/core/Tensor.h"

namespace td {
namespace {

constexpr int64_t kSummarizeThreshold = 1000;
constexpr int64_t kEdgeItems = 3;

struct Formatter {
  enum class Mode { Integer, IntegralFloat, Fixed, Scientific, Bool } mode = Mode::Fixed;
  std::size_t width = 1;

  std::string raw(double v) const {
    char buf[64];
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    switch (mode) {
      case Mode::Bool: return v != 0 ? "True" : "False";
      case Mode::Integer: std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v)); break;
      case Mode::IntegralFloat: std::snprintf(buf, sizeof buf, "%.0f.", v); break;
      case Mode::Fixed: std::snprintf(buf, sizeof buf, "%.4f", v); break;
      case Mode::Scientific: std::snprintf(buf, sizeof buf, "%.4e", v); break;
    }
    return buf;
  }
  std::string format(double v) const {
    std::string s = raw(v);
    if (s.size() < width) s.insert(0, width - s.size(), ' ');
    return s;
  }
};

Formatter makeFormatter(const std::vector<double>& values, DType dtype) {
  Formatter f;
  if (dtype == DType::Bool) f.mode = Formatter::Mode::Bool;
  else if (dtype == DType::Int64) f.mode = Formatter::Mode::Integer;
  else {
    bool integral = true;
    double maxAbs = 0, minAbs = std::numeric_limits<double>::infinity();
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      if (v != std::floor(v)) integral = false;
      double a = std::fabs(v);
      maxAbs = std::max(maxAbs, a);
      if (a > 0) minAbs = std::min(minAbs, a);
    }
    if (integral) f.mode = maxAbs > 1e8 ? Formatter::Mode::Scientific : Formatter::Mode::IntegralFloat;
    else if (maxAbs > 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1000) f.mode = Formatter::Mode::Scientific;
    else f.mode = Formatter::Mode::Fixed;
  }
  for (double v : values) f.width = std::max(f.width, f.raw(v).size());
  return f;
}

void formatDim(std::string& out, const std::vector<double>& values, const IntList& shape, const IntList& strides,
               std::size_t dim, int64_t base, const Formatter& f, int indent, bool summarize) {
  if (shape.empty()) {
    out += f.format(values[base]);
    return;
  }
  out += '[';
  int64_t n = shape[dim];
  bool cut = summarize && n > 2 * kEdgeItems;
  bool last = dim + 1 == shape.size();
  for (int64_t i = 0; i < n; ++i) {
    if (cut && i == kEdgeItems) {
      out += last ? "..., " : "...,\n" + std::string(indent + 1, ' ');
      if (!last && shape.size() - dim > 2) out += "\n" + std::string(indent + 1, ' ');
      i = n - kEdgeItems;
    }
    if (last) out += f.format(values[base + i * strides[dim]]);
    else formatDim(out, values, shape, strides, dim + 1, base + i * strides[dim], f, indent + 1, summarize);
    if (i + 1 < n) {
      if (last) out += ", ";
      else {
        out += ",";
        out += std::string(shape.size() - dim - 1, '\n');
        out += std::string(indent + 1, ' ');
      }
    }
  }
  out += ']';
}

}  // namespace

std::string Tensor::toString() const {
  if (!defined()) return "tensor(undefined)";
  std::vector<double> values = toVector();
  IntList strides = contiguousStrides(shape());
  bool summarize = numel() > kSummarizeThreshold;
  std::vector<double> shown;
  if (summarize) {
    // Format width from the edge items only, as PyTorch does.
    for (std::size_t i = 0; i < values.size() && i < static_cast<std::size_t>(kEdgeItems); ++i) shown.push_back(values[i]);
    for (std::size_t i = values.size() - std::min<std::size_t>(values.size(), kEdgeItems); i < values.size(); ++i)
      shown.push_back(values[i]);
  }
  Formatter f = makeFormatter(summarize ? shown : values, dtype());
  std::string out = "tensor(";
  if (numel() == 0) out += "[]";
  else formatDim(out, values, shape(), strides, 0, 0, f, 7, summarize);
  bool defaultDtype = dtype() == DType::Float32 || dtype() == DType::Int64 || dtype() == DType::Bool;
  if (numel() == 0 && dim() != 1) out += ", size=" + shapeString(shape());
  if (!defaultDtype) out += std::string(", dtype=") + dtypeName(dtype());
  if (const auto& fn = gradFn()) out += ", grad_fn=<" + fn->name() + ">";
  else if (requiresGrad()) out += ", requires_grad=True";
  return out + ")";
}

}  // namespace td
