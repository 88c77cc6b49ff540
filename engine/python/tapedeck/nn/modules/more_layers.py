"""Layers over nn/_layers.py's functions: 1-D transposed convolution and pooling, 3-D
convolution, pooling, batch norm and dropout, adaptive max pooling, pixel and channel
shuffles, Unfold/Fold, the shrink activations and Bilinear."""
import math

from .. import functional as F
from .. import init
from .._layers import _single
from ..parameter import Parameter
from .activation import Dropout
from .conv import _ConvNd, _ConvTransposeNd
from .module import Module
from .normalization import _BatchNorm
from ... import _C


class ConvTranspose1d(_ConvTransposeNd):
    """The transposed 1-D convolution of [N, C_in, l] into [N, C_out, L]; weight
    [C_in, C_out/groups, k]. forward(input, output_size) picks output_padding so the output
    has that length."""

    _dims = 1

    def forward(self, input, output_size=None):
        if input.dim() not in (2, 3) or input.shape[-2] != self.in_channels:
            raise ValueError(f"ConvTranspose1d(in_channels={self.in_channels}): expected input "
                             f"[N, {self.in_channels}, L] or [{self.in_channels}, L], got {list(input.shape)}")
        (output_padding,) = self._output_padding_for(input, output_size)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride[0], self.padding[0], output_padding,
                                  self.groups, self.dilation[0])


class MaxPool1d(Module):
    """Maximum over kernel_size windows of [N, C, L] (stride defaults to kernel_size)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = stride if stride is not None else kernel_size
        self.return_indices, self.ceil_mode = return_indices, ceil_mode
        F._unsupported("MaxPool1d", dilation=(_single(dilation, "MaxPool1d: dilation"), 1),
                       ceil_mode=(ceil_mode, False), return_indices=(return_indices, False))

    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(Module):
    """Mean over kernel_size windows of [N, C, L] (stride defaults to kernel_size; padding counted)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        # One-element tuples, as PyTorch keeps them (and shows them).
        self.kernel_size = (_single(kernel_size, "AvgPool1d: kernel_size"),)
        self.stride = self.kernel_size if stride is None else (_single(stride, "AvgPool1d: stride"),)
        self.padding = (_single(padding, "AvgPool1d: padding"),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        F._unsupported("AvgPool1d", ceil_mode=(ceil_mode, False), count_include_pad=(count_include_pad, True))

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _Adaptive(Module):
    _function = None

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices
        if return_indices:
            F._unsupported(type(self).__name__, return_indices=(return_indices, False))

    def forward(self, input):
        return getattr(F, self._function)(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_Adaptive):
    """Mean pooling of [N, C, L] to output_size."""
    _function = "adaptive_avg_pool1d"

    def __init__(self, output_size):
        super().__init__(output_size)


class AdaptiveMaxPool1d(_Adaptive):
    """Maximum pooling of [N, C, L] to output_size."""
    _function = "adaptive_max_pool1d"


class AdaptiveMaxPool2d(_Adaptive):
    """Maximum pooling of [N, C, H, W] to output_size (an int or a pair; None keeps that size)."""
    _function = "adaptive_max_pool2d"


class PixelShuffle(Module):
    """[*, C r², H, W] to [*, C, H r, W r]."""

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """[*, C, H r, W r] to [*, C r², H, W]."""

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"


class ChannelShuffle(Module):
    """Regroups [N, C, *]'s channels (ShuffleNet)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class Unfold(Module):
    """im2col: sliding windows of [N, C, H, W] as the columns of [N, C kh kw, L]."""

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, padding={self.padding}, "
                f"stride={self.stride}")


class Fold(Module):
    """col2im: the columns of [N, C kh kw, L] summed back into [N, C, *output_size]."""

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, input):
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class _Shrink(Module):
    _function = None

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return getattr(F, self._function)(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Softshrink(_Shrink):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    _function = "softshrink"


class Hardshrink(_Shrink):
    """x where |x| > lambd, else 0."""
    _function = "hardshrink"


class Bilinear(Module):
    """y = x1ᵀ A x2 + b: weight [out, in1, in2], bias [out], both uniform in ±1/sqrt(in1)."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        kind = dtype or _C.dtype.float32
        self.weight = Parameter(_C.zeros(out_features, in1_features, in2_features, dtype=kind))
        if bias:
            self.bias = Parameter(_C.zeros(out_features, dtype=kind))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Conv3d(_ConvNd):
    """3-D convolution of [N, C_in, D, H, W] into [N, C_out, D', H', W']; weight
    [C_out, C_in/groups, kd, kh, kw]."""

    _dims = 3

    def forward(self, input):
        if input.dim() not in (4, 5) or input.shape[-4] != self.in_channels:
            raise ValueError(f"Conv3d(in_channels={self.in_channels}): expected input [N, {self.in_channels}, D, H, W] "
                             f"or [{self.in_channels}, D, H, W], got {list(input.shape)}")
        return F.conv3d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class _Pool3d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.padding = kernel_size, padding
        self.stride = stride if stride is not None else kernel_size

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool3d(_Pool3d):
    """Maximum over kernel_size boxes of [N, C, D, H, W] (stride defaults to kernel_size)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__(kernel_size, stride, padding)
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode
        F._unsupported("MaxPool3d", dilation=(dilation, 1), ceil_mode=(ceil_mode, False),
                       return_indices=(return_indices, False))

    def forward(self, input):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"{super().extra_repr()}, dilation={self.dilation}, ceil_mode={self.ceil_mode}"


class AvgPool3d(_Pool3d):
    """Mean over kernel_size boxes of [N, C, D, H, W] (padding counted)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__(kernel_size, stride, padding)
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override
        F._unsupported("AvgPool3d", ceil_mode=(ceil_mode, False), count_include_pad=(count_include_pad, True),
                       divisor_override=(divisor_override, None))

    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding)


class AdaptiveAvgPool3d(_Adaptive):
    """Mean pooling of [N, C, D, H, W] to output_size (an int or a triple; None keeps that size)."""
    _function = "adaptive_avg_pool3d"

    def __init__(self, output_size):
        super().__init__(output_size)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of [N, C, D, H, W] per channel C."""

    _expected_dims = (5,)


class Dropout3d(Dropout):
    """While training, zeroes whole channels of [N, C, D, H, W] with probability p."""

    def forward(self, input):
        return F.dropout3d(input, self.p, self.training, self.inplace)
