"""Convolutions (Conv2d, Conv1d as a height-1 Conv2d, ConvTranspose2d) and pooling layers."""
import math

from ... import _C
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import _index
from .module import Module


def _tuple(value, n, what):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise ValueError(f"{what} must be an int or a tuple of {n} ints, got {value}")
    return value


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: parameters, initialisation and repr."""

    _dims = 2
    _transposed = False  # weight [in, out/groups, k...] instead of [out, in/groups, k...]

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if groups <= 0 or in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups})")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups})")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode={padding_mode!r} is not supported yet (only 'zeros')")
        if device is not None and str(_C.device(str(device))) != "cpu":
            raise RuntimeError(f"{name}: device={device} is not supported yet")
        n = self._dims
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple(kernel_size, n, "kernel_size")
        self.stride = _tuple(stride, n, "stride")
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n, "padding")
        self.dilation = _tuple(dilation, n, "dilation")
        # Sizes a layer cannot have are named now (a negative channel count used to surface as
        # 'empty: negative size', a zero kernel or stride only at the first forward).
        for what, values, least in (("in_channels", (in_channels,), 0), ("out_channels", (out_channels,), 0),
                                    ("kernel_size", self.kernel_size, 1), ("stride", self.stride, 1),
                                    ("dilation", self.dilation, 1),
                                    ("padding", () if isinstance(self.padding, str) else self.padding, 0)):
            if any(_index(v) < least for v in values):
                shown = values[0] if len(values) == 1 else values
                raise ValueError(f"{name}: {what} must be {'ints' if len(values) > 1 else 'an int'} >= {least}, "
                                 f"got {shown!r}")
        self.groups = groups
        self.padding_mode = padding_mode
        self.output_padding = (0,) * n
        self.transposed = self._transposed
        dtype = dtype if dtype is not None else _C.dtype.float32
        if self._transposed:
            self.weight = Parameter(_C.empty(in_channels, out_channels // groups, *self.kernel_size, dtype=dtype))
        else:
            self.weight = Parameter(_C.empty(out_channels, in_channels // groups, *self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(_C.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        n = self._dims
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """2-D convolution of [N, C_in, H, W] into [N, C_out, H', W']; weight
    [C_out, C_in/groups, kH, kW]."""

    _dims = 2

    def forward(self, input):
        if input.dim() not in (3, 4) or input.shape[-3] != self.in_channels:
            raise ValueError(f"Conv2d(in_channels={self.in_channels}): expected input [N, {self.in_channels}, H, W] "
                             f"or [{self.in_channels}, H, W], got {list(input.shape)}")
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution of [N, C_in, L]; weight [C_out, C_in/groups, k] (run as a height-1 Conv2d)."""

    _dims = 1

    def forward(self, input):
        if input.dim() not in (2, 3) or input.shape[-2] != self.in_channels:
            raise ValueError(f"Conv1d(in_channels={self.in_channels}): expected input [N, {self.in_channels}, L] "
                             f"or [{self.in_channels}, L], got {list(input.shape)}")
        padding = self.padding if isinstance(self.padding, str) else (0, self.padding[0])
        out = F.conv2d(input.unsqueeze(-2), self.weight.unsqueeze(2), self.bias, (1, self.stride[0]), padding,
                       (1, self.dilation[0]), self.groups)
        return out.squeeze(-2)


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d and ConvTranspose2d share: output_padding, and the one that gives
    forward(input, output_size) that size."""

    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        name = type(self).__name__
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int{' or a pair' if self._dims == 2 else ''}, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)
        self.output_padding = _tuple(output_padding, self._dims, "output_padding")

    def _output_padding_for(self, input, output_size):
        if output_size is None:
            return self.output_padding
        n = self._dims
        wanted = list(output_size)[-n:]
        padding = []
        for i in range(n):
            least = ((input.shape[-n + i] - 1) * self.stride[i] - 2 * self.padding[i]
                     + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            largest = least + self.stride[i] - 1  # (as PyTorch's: output_padding < stride)
            if not least <= wanted[i] <= largest:
                shown = wanted[0] if n == 1 else wanted
                raise ValueError(f"{type(self).__name__}: output_size {shown} is not reachable from input "
                                 f"{list(input.shape)}: dim {i} can be {least} to {largest}")
            padding.append(wanted[i] - least)
        return tuple(padding)


class ConvTranspose2d(_ConvTransposeNd):
    """The transposed convolution of [N, C_in, h, w] into [N, C_out, H, W] (a learned
    upsampling: each input value spreads the kernel over a window of the output); weight
    [C_in, C_out/groups, kH, kW]. forward(input, output_size) picks output_padding so the
    output has that size."""

    _dims = 2

    def forward(self, input, output_size=None):
        if input.dim() not in (3, 4) or input.shape[-3] != self.in_channels:
            raise ValueError(f"ConvTranspose2d(in_channels={self.in_channels}): expected input "
                             f"[N, {self.in_channels}, H, W] or [{self.in_channels}, H, W], got {list(input.shape)}")
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding_for(input, output_size), self.groups, self.dilation)


class MaxPool2d(Module):
    """Maximum over kernel_size windows (stride defaults to kernel_size)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode
        F._unsupported("MaxPool2d", dilation=(F._pair(dilation, "dilation"), (1, 1)), ceil_mode=(ceil_mode, False),
                       return_indices=(return_indices, False))

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over kernel_size windows (stride defaults to kernel_size; padding counted)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override
        F._unsupported("AvgPool2d", ceil_mode=(ceil_mode, False), count_include_pad=(count_include_pad, True),
                       divisor_override=(divisor_override, None))

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Mean pooling to a fixed output_size (an int or a pair; None keeps that size)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
