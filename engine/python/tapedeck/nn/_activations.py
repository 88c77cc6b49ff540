"""More of PyTorch's activation functions, as compositions of the engine's ops (each runs,
is recorded and is differentiated as the ops it is made of). Exponentials only ever see
the side of 0 where they are used, so the branch where() leaves out cannot overflow into a
NaN gradient."""
from .. import _C

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def elu(input, alpha=1.0, inplace=False):
    """input where positive, alpha (exp(input) - 1) elsewhere."""
    return _C.where(input > 0, input, (input.clamp(max=0.0).exp() - 1.0) * alpha)


def selu(input, inplace=False):
    """scale * elu(input, alpha) with the self-normalising constants."""
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise ValueError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _C.where(input > 0, input, ((input.clamp(max=0.0) / alpha).exp() - 1.0) * alpha)


def hardsigmoid(input, inplace=False):
    """0 below -3, 1 above 3, x / 6 + 1/2 between (gradient 1/6 strictly inside)."""
    inside = (input > -3.0) & (input < 3.0)
    return _C.where(inside, input / 6.0 + 0.5, (input.detach() >= 3.0).to(input.dtype))


def hardswish(input, inplace=False):
    """x * hardsigmoid(x): 0 below -3, x above 3, x (x + 3) / 6 between."""
    return _C.where(input >= -3.0, _C.where(input > 3.0, input, input * (input + 3.0) / 6.0), 0.0)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return input * _C.tanh(_C._nn.softplus(input, 1.0, 20.0))


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1.0)


def tanhshrink(input):
    """x - tanh(x)."""
    return input - _C.tanh(input)


def threshold(input, threshold, value, inplace=False):
    """input where it is above threshold, value elsewhere."""
    return _C.where(input > threshold, input, value)


def prelu(input, weight):
    """input where positive, weight * input elsewhere; weight has one value, or one per
    channel (dim 1 of the input)."""
    if weight.dim() > 1:
        raise ValueError(f"prelu: weight must be 0-D or 1-D, got {list(weight.shape)}")
    slope = weight
    if weight.numel() != 1:
        channels = input.shape[1] if input.dim() >= 2 else None
        if channels != weight.numel():
            raise ValueError(f"prelu: weight of {weight.numel()} values needs an input with as many channels "
                             f"(dim 1), got {list(input.shape)}")
        slope = weight.reshape(weight.numel(), *([1] * (input.dim() - 2)))
    return _C.where(input > 0, input, input * slope)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of input along dim."""
    size = input.shape[dim]
    if size % 2:
        raise ValueError(f"glu: halving dim {dim} needs an even size, got {size}")
    a, b = input.split(size // 2, dim)
    return a * _C.sigmoid(b)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-input) along dim."""
    from .functional import softmax
    return softmax(-input, dim, dtype=dtype)
