"""PyTorch's arithmetic made of the engine's ops (installed by _composites.install):
products (dot, mv, inner, cross, kron, tensordot), elementwise functions (log2, fmod, xlogy,
logit, sinc, fmax, ...), NaN-skipping and cumulative reductions (nansum, cumprod, diff),
order statistics (median, kthvalue, quantile), the trapezoid rule and covariance. Each is
recorded and differentiated as the ops it is made of."""
import collections
import math

from . import _C, _more_composites as _more
from ._composite_helpers import _as_float, _bool, _dim, _f64, _floating, _i64, _no_grad
from ._layout_composites import broadcast_tensors

# --- products ------------------------------------------------------------------------------

def dot(input, other):
    if input.dim() != 1 or other.dim() != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {input.dim()}D and {other.dim()}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
                           f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
                           f"and {other.shape[0]} elements respectively")
    return (input * other).sum()


def vdot(input, other):
    return dot(input, other)


def mv(input, vec):
    if input.dim() != 2 or vec.dim() != 1:
        raise RuntimeError(f"mv: expected a matrix and a vector, got {input.dim()}D and {vec.dim()}D tensors")
    return _C.matmul(input, vec)


def inner(input, other):
    """Sums over the last dims of both: shape input.shape[:-1] + other.shape[:-1]."""
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner: the last dims must match, got {list(input.shape)} and {list(other.shape)}")
    k = input.shape[-1]
    flat = _C.matmul(input.reshape(-1, k), other.reshape(-1, k).t())
    return flat.reshape(*input.shape[:-1], *other.shape[:-1])


def tensordot(a, b, dims=2):
    """Sums over dims of a and b: the last `dims` of a with the first of b, or the pairs
    (dims_a, dims_b)."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot: expected dims >= 0, got {dims}")
        da, db = list(range(a.dim() - dims, a.dim())), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    da = [_dim(d, a.dim(), "tensordot") for d in da]
    db = [_dim(d, b.dim(), "tensordot") for d in db]
    if len(da) != len(db) or any(a.shape[i] != b.shape[j] for i, j in zip(da, db)):
        raise RuntimeError(f"tensordot: contracted dims {da} of {list(a.shape)} and {db} of {list(b.shape)} "
                           f"do not match")
    free_a = [d for d in range(a.dim()) if d not in da]
    free_b = [d for d in range(b.dim()) if d not in db]
    k = math.prod(a.shape[d] for d in da)
    left = a.permute(*free_a, *da).reshape(-1, k)
    right = b.permute(*db, *free_b).reshape(k, -1)
    return _C.matmul(left, right).reshape(*[a.shape[d] for d in free_a], *[b.shape[d] for d in free_b])


def cross(input, other, dim=None):
    """The cross product of 3-vectors along dim (None: the first dim of size 3, as PyTorch 1.13)."""
    input, other = broadcast_tensors(input, other)
    if dim is None:
        dim = next((i for i, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dim of size 3 in a tensor of shape {list(input.shape)}")
    dim = _dim(dim, input.dim(), "cross")
    if input.shape[dim] != 3:
        raise RuntimeError(f"cross: dim {dim} must have size 3, got {input.shape[dim]}")
    a = [input.narrow(dim, i, 1) for i in range(3)]
    b = [other.narrow(dim, i, 1) for i in range(3)]
    return _C.cat([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], dim)


def kron(input, other):
    """The Kronecker product: every element of input times the whole of other."""
    rank = max(input.dim(), other.dim())
    a = input.reshape(*([1] * (rank - input.dim())), *input.shape)
    b = other.reshape(*([1] * (rank - other.dim())), *other.shape)
    spread_a = [n for m in a.shape for n in (m, 1)]
    spread_b = [n for m in b.shape for n in (1, m)]
    return (a.reshape(*spread_a) * b.reshape(*spread_b)).reshape(*[x * y for x, y in zip(a.shape, b.shape)])


# --- elementwise -----------------------------------------------------------------------------

def log2(input):
    return _C.log(_as_float(input)) * (1.0 / math.log(2.0))


def log10(input):
    return _C.log(_as_float(input)) * (1.0 / math.log(10.0))


def deg2rad(input):
    return _as_float(input) * (math.pi / 180.0)


def rad2deg(input):
    return _as_float(input) * (180.0 / math.pi)


def sgn(input):
    return _C.sign(input)


def signbit(input):
    """True where the sign bit is set: negative numbers, -0.0 and a NaN with its sign bit set
    (read from the bits, with NumPy: the result is not differentiable anyway)."""
    if not _floating(input):
        return input < 0
    import numpy
    return _C.from_numpy(numpy.ascontiguousarray(numpy.signbit(input.detach().numpy())))


def fmod(input, other):
    """The remainder of a division that rounds towards zero (the sign of input), as C's fmod."""
    r = _C.remainder(input, other)
    other = other if isinstance(other, _C.Tensor) else _C.tensor(other, dtype=r.dtype)
    return _C.where((r != 0) & ((r < 0) != (input < 0)), r - other, r)


def xlogy(input, other):
    """input * log(other), 0 where input is 0 (unless other is NaN)."""
    if not isinstance(input, _C.Tensor):
        input = _C.tensor(float(input), dtype=other.dtype if _floating(other) else _C.dtype.float32)
    if not isinstance(other, _C.Tensor):
        other = _C.tensor(float(other), dtype=input.dtype if _floating(input) else _C.dtype.float32)
    input, other = broadcast_tensors(_as_float(input), _as_float(other))
    zero = (input == 0) & ~other.isnan()
    return (input * _C.log(other.masked_fill(zero, 1.0))).masked_fill(zero, 0.0)


def logit(input, eps=None):
    x = _as_float(input)
    if eps is not None:
        x = x.clamp(eps, 1.0 - eps)
    return _C.log(x / (1.0 - x))


def sinc(input):
    """sin(pi x) / (pi x), 1 at 0 (with a zero gradient there)."""
    x = _as_float(input)
    zero = x == 0
    scaled = (x * math.pi).masked_fill(zero, 1.0)
    return (_C.sin(scaled) / scaled).masked_fill(zero, 1.0)


def heaviside(input, values):
    """0 below 0, values at 0, 1 above (not differentiable)."""
    with _no_grad():
        return _C.where(input == 0, values, (input > 0).to(input.dtype))


def _nan_skipping(input, other, pick_input):
    if not isinstance(other, _C.Tensor):
        other = _C.tensor(other, dtype=input.dtype)
    return _C.where(pick_input | other.isnan(), input, other)


def fmax(input, other):
    """The larger of the two, ignoring a NaN (NaN only where both are)."""
    return _nan_skipping(input, other, input >= other)


def fmin(input, other):
    """The smaller of the two, ignoring a NaN (NaN only where both are)."""
    return _nan_skipping(input, other, input <= other)


def float_power(input, exponent):
    base = input.to(_f64) if isinstance(input, _C.Tensor) else _C.tensor(float(input), dtype=_f64)
    if isinstance(exponent, _C.Tensor):
        exponent = exponent.to(_f64)
    return base ** exponent


def true_divide(input, other):
    return _C.div(input, other)


# --- reductions ------------------------------------------------------------------------------

def _reduce_args(dim, keepdim):
    return () if dim is None else (dim, keepdim)


def nansum(input, dim=None, keepdim=False, dtype=None):
    x = input if dtype is None else input.to(dtype)
    if _floating(x):
        x = x.masked_fill(x.isnan(), 0.0)
    return x.sum(*_reduce_args(dim, keepdim)) if dim is not None else x.sum()


def nanmean(input, dim=None, keepdim=False, dtype=None):
    if not _floating(input if dtype is None else input.to(dtype)):
        raise RuntimeError(f"nanmean: expected a floating point tensor, got {str(input.dtype).split('.')[-1]}")
    kept = (~input.isnan()).to(input.dtype if dtype is None else dtype)
    count = kept.sum(*_reduce_args(dim, keepdim)) if dim is not None else kept.sum()
    return nansum(input, dim, keepdim, dtype) / count


def cumprod(input, dim, dtype=None):
    """Running products along dim (exact through zeros: a chain of multiplications)."""
    x = input if dtype is None else input.to(dtype)
    if x.dim() == 0:
        return x.clone()
    dim = _dim(dim, x.dim(), "cumprod")
    n = x.shape[dim]
    if n == 0:
        return x.clone()
    running = [x.narrow(dim, 0, 1)]
    for i in range(1, n):
        running.append(running[-1] * x.narrow(dim, i, 1))
    return _C.cat(running, dim)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """Differences of neighbours along dim, n times (for bools: where they differ)."""
    if input.dim() == 0:
        raise RuntimeError("diff: expected at least a 1-dimensional tensor")
    dim = _dim(dim, input.dim(), "diff")
    parts = [t for t in (prepend, input, append) if t is not None]
    x = _C.cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        size = x.shape[dim]
        if size == 0:
            break
        later, earlier = x.narrow(dim, 1, size - 1), x.narrow(dim, 0, size - 1)
        x = later != earlier if x.dtype == _bool else later - earlier
    return x


_median = collections.namedtuple("median", ["values", "indices"])
_kthvalue = collections.namedtuple("kthvalue", ["values", "indices"])


def _order_statistic(input, k, dim, keepdim, result, name, nan_wins=False):
    """The k-th smallest (0-based) along dim, and where it was (NaN sorts last; with
    nan_wins, a slice holding a NaN gives its first NaN, as PyTorch's median)."""
    if dim is None:
        values, _ = _C.sort(input.reshape(-1))
        n = values.shape[0]
        if n == 0:
            if nan_wins and _floating(values):
                return _C.tensor(math.nan, dtype=values.dtype)  # as PyTorch's median of nothing
            raise IndexError(f"{name}: the tensor is empty")
        nans = int(values.isnan().sum()) if nan_wins and _floating(values) else 0
        return values[n - nans if nans else k(n)]
    dim = _dim(dim, input.dim(), name)
    x = input.unsqueeze(0) if input.dim() == 0 else input
    n = x.shape[dim]
    if not 0 <= k(n) < n:
        raise IndexError(f"{name}: k out of range for a dim of size {n}")
    values, order = _C.sort(x, dim)
    index = _C.full([*x.shape[:dim], 1, *x.shape[dim + 1:]], k(n), dtype=_i64)
    if nan_wins and _floating(x):
        nans = x.isnan().to(_i64).sum(dim, True)
        index = _C.where(nans > 0, n - nans, index)
    picked, where = values.gather(dim, index), order.gather(dim, index)
    if not keepdim or input.dim() == 0:
        picked, where = picked.squeeze(dim), where.squeeze(dim)
    return result(picked, where)


def median(input, dim=None, keepdim=False):
    """The lower median (of an even count, the smaller middle value); with dim, its index too."""
    return _order_statistic(input, lambda n: (n - 1) // 2, dim, keepdim, _median, "median", nan_wins=True)


def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest element (1-based) along dim, and its index."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"kthvalue: dim must be an int, got {dim!r}")
    return _order_statistic(input, lambda n: k - 1, dim, keepdim, _kthvalue, "kthvalue")


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-quantiles (q in [0, 1], a number or a 1-D tensor, differentiable too) along dim,
    or of all elements; a slice holding a NaN has NaN quantiles."""
    modes = ("linear", "lower", "higher", "midpoint", "nearest")
    if interpolation not in modes:
        raise ValueError(f"quantile: interpolation must be one of {', '.join(modes)}, got {interpolation!r}")
    if not _floating(input):
        raise RuntimeError(f"quantile: expected a floating point tensor, got {str(input.dtype).split('.')[-1]}")
    scalar = not isinstance(q, _C.Tensor) or q.dim() == 0
    qs = q.reshape(-1).to(input.dtype) if isinstance(q, _C.Tensor) else _C.tensor([float(q)], dtype=input.dtype)
    if qs.numel() and (float(qs.min()) < 0.0 or float(qs.max()) > 1.0):
        raise RuntimeError(f"quantile: q values must be in the range [0, 1], got {qs.tolist()}")
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else _dim(dim, input.dim(), "quantile")
    values, _ = _C.sort(x, d)
    n = values.shape[d]
    if n == 0:
        raise IndexError("quantile: the input is empty")
    pos = qs * (n - 1)
    lo, hi = pos.detach().floor(), pos.detach().ceil()
    if interpolation == "nearest":
        lo = hi = pos.detach().round()  # half to even, as PyTorch
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    a, b = values.index_select(d, lo.to(_i64)), values.index_select(d, hi.to(_i64))
    weight = (pos - lo) if interpolation != "midpoint" else _C.full([qs.numel()], 0.5, dtype=input.dtype)
    r = a + (b - a) * weight.reshape(*([1] * d), -1, *([1] * (x.dim() - d - 1)))
    r = r.masked_fill(values.narrow(d, n - 1, 1).isnan(), math.nan)  # NaN sorts last
    r = _more.movedim(r, d, 0)  # the q's first, then the other dims
    if keepdim:
        r = r.reshape(qs.numel(), *([1] * input.dim())) if dim is None else r.unsqueeze(d + 1)
    return r[0] if scalar else r


def trapezoid(y, x=None, dx=None, dim=-1):
    """The trapezoid rule along dim, with sample points x or a spacing dx (default 1)."""
    dim = _dim(dim, y.dim(), "trapezoid")
    n = y.shape[dim]
    if n == 0:
        return y.sum(dim)
    pair = y.narrow(dim, 1, n - 1) + y.narrow(dim, 0, n - 1)
    if x is not None:
        if dx is not None:
            raise TypeError("trapezoid: give x or dx, not both")
        spacing = diff(x, dim=-1 if x.dim() == 1 else dim)
        if x.dim() == 1:
            spacing = spacing.reshape(*([1] * dim), -1, *([1] * (y.dim() - dim - 1)))
        return (pair * spacing).sum(dim) * 0.5
    return pair.sum(dim) * (0.5 * (1.0 if dx is None else dx))


def trapz(y, x=None, *, dx=None, dim=-1):
    return trapezoid(y, x, dx=dx, dim=dim)


def cov(input, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in input's rows (observations in its columns)."""
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov: fweights and aweights are not supported by tapedeck yet")
    if input.dim() > 2:
        raise RuntimeError(f"cov: expected a tensor of at most 2 dims, got {input.dim()}")
    x = _as_float(input).reshape(1, -1) if input.dim() < 2 else _as_float(input)
    centred = x - x.mean(1, True)
    c = _C.matmul(centred, centred.t()) / max(x.shape[1] - correction, 0)
    return c.reshape(()) if input.dim() < 2 else c


def corrcoef(input):
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = _C.sqrt(c.diagonal())
    return (c / d.unsqueeze(1) / d.unsqueeze(0)).clamp(-1.0, 1.0)




FUNCTIONS = (dot, vdot, mv, inner, cross, kron, log2, log10, deg2rad, rad2deg, sgn, signbit, fmod, xlogy, logit, sinc,
             heaviside, fmax, fmin, float_power, true_divide, nansum, nanmean, cumprod, diff, median, kthvalue,
             quantile, cov, corrcoef)
FUNCTIONS_ONLY = (tensordot, trapezoid, trapz)
METHODS_ONLY = ()
