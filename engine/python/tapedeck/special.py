"""tapedeck.special: those of PyTorch's torch.special functions the engine's ops make exactly
(each recorded and differentiated as the ops it is made of). Not here yet: the gamma family
(gammaln, digamma, polygamma, multigammaln), erfc/erfcx/erfinv, log_ndtr, ndtri and the
Bessel functions."""
import math

from . import _C
from ._numeric_composites import logit, sinc, xlogy  # noqa: F401  (the same functions)


def expit(input):
    """The logistic sigmoid, 1 / (1 + exp(-x))."""
    return _C.sigmoid(input)


def exp2(input):
    """2 ** x."""
    x = input if input.dtype in (_C.dtype.float32, _C.dtype.float64) else input.to(_C.dtype.float32)
    return _C.exp(x * math.log(2.0))


def xlog1py(input, other):
    """x * log1p(y), 0 where x is 0 (unless y is NaN)."""
    zero = (input == 0) & ~other.isnan()
    return (input * _C.log1p(other.masked_fill(zero, 0.0))).masked_fill(zero, 0.0)


def entr(input):
    """-x log x elementwise: 0 at 0, -inf below 0."""
    positive = input > 0
    safe = input.masked_fill(~positive, 1.0)
    out = (-input * _C.log(safe)).masked_fill(input == 0, 0.0)
    return out.masked_fill(input < 0, -math.inf)


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
    scale = 10.0 ** decimals
    return _C.round(input * scale) / scale


def logsumexp(input, dim, keepdim=False):
    return _C.logsumexp(input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    return _C.softmax(input if dtype is None else input.to(dtype), dim)


def log_softmax(input, dim, *, dtype=None):
    return _C.log_softmax(input if dtype is None else input.to(dtype), dim)
