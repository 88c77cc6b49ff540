"""tapedeck.special: those of PyTorch's torch.special functions the engine's ops make exactly
(each recorded and differentiated as the ops it is made of). Not here yet: the gamma family
(gammaln, digamma, polygamma, multigammaln), erfc/erfcx/erfinv, log_ndtr, ndtri and the
Bessel functions."""
import math

from . import _C
from . import function as _function
from ._math_composites import logit, sinc, xlogy  # noqa: F401  (the same functions)


def expit(input):
    """The logistic sigmoid, 1 / (1 + exp(-x))."""
    return _C.sigmoid(input)


def exp2(input):
    """2 ** x."""
    x = input if input.dtype in (_C.dtype.float32, _C.dtype.float64) else input.to(_C.dtype.float32)
    return _C.exp(x * math.log(2.0))


def _float_tensor(value, like):
    if isinstance(value, _C.Tensor):
        return value if value.dtype in (_C.dtype.float32, _C.dtype.float64) else value.to(_C.dtype.float32)
    return _C.tensor(float(value), dtype=like.dtype if isinstance(like, _C.Tensor) and
                     like.dtype in (_C.dtype.float32, _C.dtype.float64) else _C.dtype.float32)


def xlog1py(input, other):
    """x * log1p(y), 0 where x is 0 (unless y is NaN); its gradient in x is log1p(y), as PyTorch's."""
    from ._layout_composites import broadcast_tensors
    x, y = broadcast_tensors(_float_tensor(input, other), _float_tensor(other, input))
    # Only where log1p(y) is not finite does x = 0 need its 0 put in by hand.
    bad = (x == 0) & (y <= -1)
    return (x * _C.log1p(y.masked_fill(bad, 0.0))).masked_fill(bad, 0.0)


class _Entropy(_function.Function):
    """-x log x: 0 at 0, -inf below 0; gradient -(1 + log x), as PyTorch's (+inf at 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        positive = x > 0
        out = (-x * _C.log(x.masked_fill(~positive, 1.0))).masked_fill(x == 0, 0.0)
        return out.masked_fill(x < 0, -math.inf)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -(1.0 + _C.log(x))


def entr(input):
    """-x log x elementwise: 0 at 0, -inf below 0."""
    return _Entropy.apply(_float_tensor(input, input))


def ndtr(input):
    """The standard normal's cumulative distribution, Φ(x)."""
    return 0.5 * (1.0 + _C.erf(input * (1.0 / math.sqrt(2.0))))


def erf(input):
    return _C.erf(input)


def expm1(input):
    return _C.expm1(input)


def log1p(input):
    return _C.log1p(input)


def round(input, *, decimals=0):  # noqa: A001  (PyTorch's name)
    """Rounded half to even (to `decimals` places)."""
    if decimals == 0:
        return _C.round(input)
    if input.dtype not in (_C.dtype.float32, _C.dtype.float64):
        raise TypeError(f"special.round: decimals={decimals} needs a floating point tensor, got "
                        f"{str(input.dtype).split('.')[-1]}")
    scale = 10.0 ** decimals
    return _C.round(input * scale) / scale


def logsumexp(input, dim, keepdim=False):
    return _C.logsumexp(input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    return _C.softmax(input if dtype is None else input.to(dtype), dim)


def log_softmax(input, dim, *, dtype=None):
    return _C.log_softmax(input if dtype is None else input.to(dtype), dim)
