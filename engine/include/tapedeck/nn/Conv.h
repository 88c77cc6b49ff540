#pragma once
// Convolution and pooling over [N, C, H, W]: Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d.
#include <cstdint>
#include <optional>

#include "tapedeck/nn/Module.h"

namespace td::nn {

/// A height and width given as one number (3) or two ({3, 5}), as PyTorch's int-or-tuple.
struct Size2 {
  Size2(int64_t both) : height(both), width(both) {}  // NOLINT: implicit, so `kernel = 3` reads well
  Size2(int64_t h, int64_t w) : height(h), width(w) {}
  int64_t height, width;
  IntList list() const { return {height, width}; }
  bool square() const { return height == width; }
};

/// 2-D convolution. weight [out, in/groups, kh, kw] and bias [out] start U(-k, k),
/// k = 1/sqrt(in/groups * kh * kw), as PyTorch.
class Conv2d : public Module {
 public:
  Conv2d(int64_t inChannels, int64_t outChannels, Size2 kernelSize, Size2 stride = 1, Size2 padding = 0,
         Size2 dilation = 1, int64_t groups = 1, bool bias = true);
  std::string extraRepr() const override;
  const Tensor& weight() const { return m_weight; }
  /// Undefined without bias.
  const Tensor& bias() const { return m_bias; }

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  int64_t m_inChannels, m_outChannels;
  Size2 m_kernel, m_stride, m_padding, m_dilation;
  int64_t m_groups;
  Tensor m_weight, m_bias;
};

/// Max over windows; the stride defaults to the kernel size.
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernelSize, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                     Size2 dilation = 1, bool ceilMode = false);
  std::string extraRepr() const override;

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  Size2 m_kernel, m_stride, m_padding, m_dilation;
  bool m_ceilMode;
};

/// Mean over windows; the stride defaults to the kernel size.
class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernelSize, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                     bool ceilMode = false, bool countIncludePad = true);
  std::string extraRepr() const override;

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  Size2 m_kernel, m_stride, m_padding;
  bool m_ceilMode, m_countIncludePad;
};

/// Mean over the windows that split H and W into `outputSize` cells.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 outputSize);
  std::string extraRepr() const override;

 protected:
  Tensor forward(const Tensor& x) override;

 private:
  Size2 m_outputSize;
};

}  // namespace td::nn
