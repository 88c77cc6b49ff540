"""tapedeck.nn.init: PyTorch's initialisers (same formulas for gains and fans), drawing from
tapedeck's generator and writing in place under no_grad."""
import math
import warnings

from .. import _C
from ..autograd import no_grad


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (PyTorch's table)."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    dims = tensor.dim()
    if dims < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {list(tensor.shape)})")
    receptive = 1
    for size in tensor.shape[2:]:
        receptive *= size
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _check(tensor, name):
    if not isinstance(tensor, _C.Tensor):
        raise TypeError(f"nn.init.{name}: expected a tapedeck.Tensor, got {type(tensor).__name__}")


def _fill_from(tensor, values):
    with no_grad():
        tensor.copy_(values)
    return tensor


def uniform_(tensor, a=0.0, b=1.0):
    """Fills tensor with U(a, b); returns it."""
    _check(tensor, "uniform_")
    values = _C.rand(*tensor.shape, dtype=tensor.dtype) * (b - a) + a
    return _fill_from(tensor, values)


def normal_(tensor, mean=0.0, std=1.0):
    """Fills tensor with N(mean, std^2); returns it."""
    _check(tensor, "normal_")
    return _fill_from(tensor, _C.randn(*tensor.shape, dtype=tensor.dtype) * std + mean)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """N(mean, std^2) redrawn until inside [a, b] (values outside are redrawn); returns it."""
    _check(tensor, "trunc_normal_")
    values = _C.randn(*tensor.shape, dtype=tensor.dtype) * std + mean
    for _ in range(100):
        outside = (values < a).to(values.dtype) + (values > b).to(values.dtype)
        if outside.sum().item() == 0:
            break
        fresh = _C.randn(*tensor.shape, dtype=tensor.dtype) * std + mean
        values = _C.where(outside > 0, fresh, values)
    return _fill_from(tensor, values.clamp(a, b))


def constant_(tensor, val):
    """Fills tensor with val; returns it."""
    _check(tensor, "constant_")
    with no_grad():
        tensor.fill_(val)
    return tensor


def ones_(tensor):
    """Fills tensor with 1; returns it."""
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fills tensor with 0; returns it."""
    return constant_(tensor, 0.0)


def eye_(tensor):
    """Fills a 2-D tensor with the identity; returns it."""
    if tensor.dim() != 2:
        raise ValueError(f"nn.init.eye_: only tensors with 2 dimensions are supported, got {tensor.dim()}")
    return _fill_from(tensor, _C.eye(tensor.shape[0], tensor.shape[1], dtype=tensor.dtype))


def xavier_uniform_(tensor, gain=1.0):
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)); returns it."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)); returns it."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)))


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al.); returns it."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """N(0, std^2) with std = gain / sqrt(fan) (He et al.); returns it."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op")
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))


def orthogonal_(tensor, gain=1.0):
    """Fills tensor (2-D or more, flattened after the first dim) with a (semi-)orthogonal
    matrix: the Q of a Gaussian matrix's QR, signed by R's diagonal so that it is uniformly
    distributed; times gain. Returns it."""
    _check(tensor, "orthogonal_")
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    from .. import linalg
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        flat = _C.randn(rows, cols, dtype=tensor.dtype)
        if rows < cols:
            flat = flat.t()
        q, r = linalg.qr(flat)
        q = q * _C.sign(r.diagonal()).unsqueeze(0)
        if rows < cols:
            q = q.t()
        tensor.copy_(q.reshape(*tensor.shape) * gain)
    return tensor


def dirac_(tensor, groups=1):
    """Fills a 3-, 4- or 5-D convolution weight with the Dirac delta (each output channel
    passes one input channel through unchanged), per group. Returns it."""
    _check(tensor, "dirac_")
    if tensor.dim() not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    out_per_group = tensor.shape[0] // groups
    if tensor.shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    import numpy
    values = numpy.zeros(tuple(tensor.shape))
    centre = tuple(n // 2 for n in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, tensor.shape[1])):
            values[(g * out_per_group + d, d) + centre] = 1.0
    return _fill_from(tensor, _C.tensor(values, dtype=tensor.dtype))
