// Conv2d and the pooling layers.
#include "tapedeck/nn/Conv.h"

#include <cmath>

#include "Format.h"
#include "tapedeck/nn/Init.h"
#include "tapedeck/ops/Ops.h"

namespace td::nn {

namespace {

/// PyTorch prints a pooling size as given: "2" or "(2, 3)".
std::string sizeRepr(const Size2& size) {
  return size.square() ? std::to_string(size.height) : detail::pyTuple(size.list());
}

}  // namespace

Conv2d::Conv2d(int64_t inChannels, int64_t outChannels, Size2 kernelSize, Size2 stride, Size2 padding,
               Size2 dilation, int64_t groups, bool bias)
    : Module("Conv2d"),
      m_inChannels(inChannels),
      m_outChannels(outChannels),
      m_kernel(kernelSize),
      m_stride(stride),
      m_padding(padding),
      m_dilation(dilation),
      m_groups(groups) {
  TD_CHECK(inChannels > 0 && outChannels > 0 && groups > 0, "Conv2d",
           "channels and groups must be positive, got in_channels=", inChannels, ", out_channels=", outChannels,
           ", groups=", groups);
  TD_CHECK(inChannels % groups == 0 && outChannels % groups == 0, "Conv2d", "in_channels=", inChannels,
           " and out_channels=", outChannels, " must both be divisible by groups=", groups);
  TD_CHECK(kernelSize.height > 0 && kernelSize.width > 0, "Conv2d", "kernel_size must be positive, got ",
           detail::pyTuple(kernelSize.list()));
  m_weight = registerParameter("weight", empty({outChannels, inChannels / groups, kernelSize.height, kernelSize.width}));
  init::kaimingUniform_(m_weight, std::sqrt(5.0));
  if (bias) {
    m_bias = registerParameter("bias", empty({outChannels}));
    double bound = 1.0 / std::sqrt(static_cast<double>(init::fans(m_weight).first));
    init::uniform_(m_bias, -bound, bound);
  }
}

std::string Conv2d::extraRepr() const {
  std::string out = td::detail::concat(m_inChannels, ", ", m_outChannels, ", kernel_size=",
                                       detail::pyTuple(m_kernel.list()), ", stride=", detail::pyTuple(m_stride.list()));
  if (m_padding.height != 0 || m_padding.width != 0) out += ", padding=" + detail::pyTuple(m_padding.list());
  if (m_dilation.height != 1 || m_dilation.width != 1) out += ", dilation=" + detail::pyTuple(m_dilation.list());
  if (m_groups != 1) out += ", groups=" + std::to_string(m_groups);
  if (!m_bias.defined()) out += ", bias=False";
  return out;
}

Tensor Conv2d::forward(const Tensor& x) {
  ApiScope api(callLocation());
  return conv2d(x, m_weight, m_bias, m_stride.list(), m_padding.list(), m_dilation.list(), m_groups);
}

MaxPool2d::MaxPool2d(Size2 kernelSize, std::optional<Size2> stride, Size2 padding, Size2 dilation, bool ceilMode)
    : Module("MaxPool2d"),
      m_kernel(kernelSize),
      m_stride(stride.value_or(kernelSize)),
      m_padding(padding),
      m_dilation(dilation),
      m_ceilMode(ceilMode) {}

std::string MaxPool2d::extraRepr() const {
  return td::detail::concat("kernel_size=", sizeRepr(m_kernel), ", stride=", sizeRepr(m_stride),
                            ", padding=", sizeRepr(m_padding), ", dilation=", sizeRepr(m_dilation),
                            ", ceil_mode=", detail::pyBool(m_ceilMode));
}

Tensor MaxPool2d::forward(const Tensor& x) {
  ApiScope api(callLocation());
  return maxPool2d(x, m_kernel.list(), m_stride.list(), m_padding.list(), m_dilation.list(), m_ceilMode);
}

AvgPool2d::AvgPool2d(Size2 kernelSize, std::optional<Size2> stride, Size2 padding, bool ceilMode,
                     bool countIncludePad)
    : Module("AvgPool2d"),
      m_kernel(kernelSize),
      m_stride(stride.value_or(kernelSize)),
      m_padding(padding),
      m_ceilMode(ceilMode),
      m_countIncludePad(countIncludePad) {}

std::string AvgPool2d::extraRepr() const {
  return td::detail::concat("kernel_size=", sizeRepr(m_kernel), ", stride=", sizeRepr(m_stride),
                            ", padding=", sizeRepr(m_padding));
}

Tensor AvgPool2d::forward(const Tensor& x) {
  ApiScope api(callLocation());
  return avgPool2d(x, m_kernel.list(), m_stride.list(), m_padding.list(), m_ceilMode, m_countIncludePad);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 outputSize) : Module("AdaptiveAvgPool2d"), m_outputSize(outputSize) {}

std::string AdaptiveAvgPool2d::extraRepr() const { return "output_size=" + sizeRepr(m_outputSize); }

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) { ApiScope api(callLocation()); return adaptiveAvgPool2d(x, m_outputSize.list()); }

}  // namespace td::nn
