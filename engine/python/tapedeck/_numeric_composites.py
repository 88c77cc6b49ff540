"""Still more of PyTorch's functions and Tensor methods made of the engine's ops (installed by
_composites.install): stacking (hstack, vstack, column_stack, atleast_2d, ...), rotations
(rot90, fliplr), products (dot, mv, inner, cross, kron, tensordot), elementwise functions
(log2, fmod, xlogy, logit, sinc, fmax, ...), NaN-skipping and cumulative reductions
(nansum, cumprod, diff), order statistics (median, kthvalue, quantile), indexing by
position (take, take_along_dim, index_fill, scatter, searchsorted, histc), covariance,
sampling (multinomial, bernoulli, normal) and the in-place methods written as a copy_ of
their out-of-place form (masked_fill_, scatter_, uniform_, ...). Each is recorded and
differentiated as the ops it is made of."""
import collections
import math
import numbers

from . import _C, _more_composites as _more

_f64, _i64, _bool = _C.dtype.float64, _C.dtype.int64, _C.dtype.bool


def _no_grad():
    from .autograd import no_grad  # (imported when first used: tapedeck imports this module early)
    return no_grad()


def _floating(x):
    return x.dtype in (_C.dtype.float32, _f64)


def _as_float(x):
    return x if _floating(x) else x.to(_C.dtype.float32)


def _dim(dim, rank, name):
    if not -max(rank, 1) <= dim < max(rank, 1):
        raise IndexError(f"{name}: dim {dim} is out of range for a tensor of {rank} dims")
    return dim % max(rank, 1)


def _tensors(args, name):
    """Tensors given one by one or as one list or tuple."""
    tensors = tuple(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else tuple(args)
    if not tensors:
        raise ValueError(f"{name}: expected at least one tensor")
    return tensors


# --- stacking and shape ------------------------------------------------------------------

def _atleast(args, rank, shaped, name):
    """One tensor for one tensor; a tuple for several, or for a list or tuple of them."""
    out = tuple(shaped(t) if t.dim() < rank else t for t in _tensors(args, name))
    return out[0] if len(args) == 1 and isinstance(args[0], _C.Tensor) else out


def atleast_1d(*tensors):
    return _atleast(tensors, 1, lambda t: t.reshape(1), "atleast_1d")


def atleast_2d(*tensors):
    return _atleast(tensors, 2, lambda t: t.reshape(1, -1), "atleast_2d")


def atleast_3d(*tensors):
    def shaped(t):
        return t.reshape(1, 1, 1) if t.dim() == 0 else t.reshape(1, -1, 1) if t.dim() == 1 else t.unsqueeze(-1)
    return _atleast(tensors, 3, shaped, "atleast_3d")


def _listed(tensors, name):
    if not isinstance(tensors, (list, tuple)) or not tensors:
        raise TypeError(f"{name}: expected a non-empty list or tuple of tensors, got {type(tensors).__name__}")
    return tuple(tensors)


def hstack(tensors):
    tensors = [atleast_1d(t) for t in _listed(tensors, "hstack")]
    return _C.cat(tensors, 0 if all(t.dim() == 1 for t in tensors) else 1)


def vstack(tensors):
    return _C.cat([atleast_2d(t) for t in _listed(tensors, "vstack")], 0)


def dstack(tensors):
    return _C.cat([atleast_3d(t) for t in _listed(tensors, "dstack")], 2)


def column_stack(tensors):
    return _C.cat([t.reshape(-1, 1) if t.dim() <= 1 else t for t in _listed(tensors, "column_stack")], 1)


def ravel(input):
    return input.reshape(-1)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape."""
    tensors = _tensors(tensors, "broadcast_tensors")
    rank = max(t.dim() for t in tensors)
    shape = [1] * rank
    for t in tensors:
        for i, n in enumerate([1] * (rank - t.dim()) + list(t.shape)):
            if n != 1 and shape[i] not in (1, n):
                raise RuntimeError(f"broadcast_tensors: shapes {[list(u.shape) for u in tensors]} do not broadcast "
                                   f"(size {shape[i]} against {n} at dim {i})")
            shape[i] = n if shape[i] == 1 else shape[i]
    return tuple(t.expand(*shape) for t in tensors)


def fliplr(input):
    if input.dim() < 2:
        raise RuntimeError(f"fliplr: expected a tensor of at least 2 dims, got {input.dim()}")
    return input.flip([1])


def flipud(input):
    if input.dim() < 1:
        raise RuntimeError("flipud: expected a tensor of at least 1 dim, got a 0-d tensor")
    return input.flip([0])


def rot90(input, k=1, dims=(0, 1)):
    """Rotated by 90 degrees k times, from the first of dims towards the second."""
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected two dims, got {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"rot90: expected a tensor of at least 2 dims, got {input.dim()}")
    d0, d1 = (_dim(d, input.dim(), "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected two different dims of a tensor of at least 2 dims, got {list(dims)} "
                           f"for {input.dim()} dims")
    k %= 4
    if k == 1:
        return input.flip([d1]).transpose(d0, d1)
    if k == 2:
        return input.flip([d0, d1])
    if k == 3:
        return input.flip([d0]).transpose(d0, d1)
    return input.clone()


def cartesian_prod(*tensors):
    tensors = _tensors(tensors, "cartesian_prod")
    if len(tensors) == 1:
        return tensors[0]
    return _C.stack([g.reshape(-1) for g in _more.meshgrid(*tensors, indexing="ij")], 1)


def tril_indices(row, col, offset=0, dtype=_i64):
    return _C.ones(row, col).tril(offset).nonzero().t().to(dtype)


def triu_indices(row, col, offset=0, dtype=_i64):
    return _C.ones(row, col).triu(offset).nonzero().t().to(dtype)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices whose (offset) diagonals are the last dim of input, in dims dim1 and dim2."""
    m = input.shape[-1] if input.dim() > 0 else 1
    # Selected, not multiplied by the identity: an Inf or NaN stays on the diagonal.
    square = _C.where(_C.eye(m, dtype=_bool), input.unsqueeze(-1), 0)
    n = m + abs(offset)
    if offset:
        lead = list(square.shape[:-2])
        cols = _C.zeros(*lead, m, abs(offset), dtype=input.dtype)
        rows = _C.zeros(*lead, abs(offset), n, dtype=input.dtype)
        wide = _C.cat([cols, square] if offset > 0 else [square, cols], -1)
        square = _C.cat([wide, rows] if offset > 0 else [rows, wide], -2)
    rank = square.dim()
    d1, d2 = _dim(dim1, rank, "diag_embed"), _dim(dim2, rank, "diag_embed")
    return _more.movedim(square, (rank - 2, rank - 1), (d1, d2)) if (d1, d2) != (rank - 2, rank - 1) else square


def diagflat(input, offset=0):
    return diag_embed(input.reshape(-1), offset)


def vander(x, N=None, increasing=False):
    """Columns of powers of the 1-D x: x^(N-1), ..., x, 1 (increasing: the other way)."""
    if x.dim() != 1:
        raise RuntimeError(f"vander: expected a 1-D tensor, got {x.dim()} dims")
    n = x.shape[0] if N is None else N
    powers = _C.arange(n, dtype=_i64 if not _floating(x) else x.dtype)
    if not increasing:
        powers = powers.flip([0])
    return x.unsqueeze(1) ** powers


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


# --- indexing by position ------------------------------------------------------------------

def _check_index(index, size, name):
    if index.dtype != _i64:
        raise TypeError(f"{name}: expected an int64 index tensor, got {str(index.dtype).split('.')[-1]}")
    if index.numel() and (int(index.min()) < -size or int(index.max()) >= size):
        raise IndexError(f"{name}: index {int(index.min()) if int(index.min()) < -size else int(index.max())} is "
                         f"out of range for a size of {size}")


def take(input, index):
    """The elements of the flattened input at index (negative counts from the end), shaped as index."""
    flat = input.reshape(-1)
    _check_index(index, flat.shape[0], "take")
    return flat.index_select(0, index.reshape(-1) % max(flat.shape[0], 1)).reshape(*index.shape)


def take_along_dim(input, indices, dim=None):
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    dim = _dim(dim, input.dim(), "take_along_dim")
    a, b = list(input.shape), list(indices.shape)
    if len(a) != len(b):
        raise RuntimeError(f"take_along_dim: input and indices should have the same number of dims, got "
                           f"{len(a)} and {len(b)}")
    shape = [max(x, y) for x, y in zip(a, b)]
    in_shape, ix_shape = list(shape), list(shape)
    in_shape[dim], ix_shape[dim] = a[dim], b[dim]
    return input.expand(*in_shape).gather(dim, indices.expand(*ix_shape))


def index_fill(input, dim, index, value):
    """input with the slices at index along dim set to value (a number or a 0-d tensor)."""
    if input.dim() == 0:
        raise RuntimeError("index_fill: expected a tensor of at least 1 dim, got a 0-d tensor")
    dim = _dim(dim, input.dim(), "index_fill")
    if isinstance(value, _C.Tensor) and value.dim() != 0:
        raise RuntimeError(f"index_fill: only supports a 0-dimensional value tensor, got {value.dim()} dims")
    size = input.shape[dim]
    _check_index(index, size, "index_fill")
    hit = _C.zeros(size).index_add(0, index.reshape(-1) % max(size, 1), _C.ones(index.numel())) > 0
    mask = hit.reshape(*([1] * dim), size, *([1] * (input.dim() - dim - 1))).expand(*input.shape)
    return input.masked_fill(mask, value)


def scatter(input, dim, index, src=None, value=None, reduce=None):
    """input with src's elements (or value) written at the positions index gives along dim.
    reduce="add" adds them instead; a place written twice from a src tensor is an error
    (PyTorch leaves which one lands undefined)."""
    if (src is None) == (value is None):
        raise TypeError("scatter: give one of src (a tensor or a number) and value")
    if src is None:
        src = value
    if input.dim() == 0:  # as a 1-element vector
        index = index.reshape(1) if index.dim() == 0 else index
        src = src.reshape(1) if isinstance(src, _C.Tensor) and src.dim() == 0 else src
        return scatter(input.reshape(1), dim, index, src, reduce=reduce).reshape(())
    if isinstance(src, _C.Tensor) and src.dtype != input.dtype:
        raise RuntimeError(f"scatter: expected src of the input's dtype ({str(input.dtype).split('.')[-1]}), got "
                           f"{str(src.dtype).split('.')[-1]}")
    dim = _dim(dim, input.dim(), "scatter")
    if index.dim() != input.dim():
        raise RuntimeError(f"scatter: index should have the same number of dims as input, got {index.dim()} "
                           f"and {input.dim()}")
    _check_index(index, input.shape[dim] if input.dim() else 1, "scatter")
    if isinstance(src, _C.Tensor):
        if any(s < i for s, i in zip(src.shape, index.shape)):
            raise RuntimeError(f"scatter: src of shape {list(src.shape)} is smaller than index of shape "
                               f"{list(index.shape)}")
        for d, n in enumerate(index.shape):
            src = src.narrow(d, 0, n)
    if reduce is not None:
        if reduce != "add":
            raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported by tapedeck yet (only 'add')")
        if not isinstance(src, _C.Tensor):
            src = _C.full(list(index.shape), float(src), dtype=input.dtype)
        return input.scatter_add(dim, index, src)
    hits = _C.zeros(*input.shape).scatter_add(dim, index, _C.ones(*index.shape))
    if not isinstance(src, _C.Tensor):
        return input.masked_fill(hits > 0, src)
    if index.numel() and float(hits.max()) > 1:
        raise RuntimeError("scatter: index writes several src elements to one place along dim "
                           f"{dim}; which one lands is undefined (PyTorch too): use scatter_add or scatter(reduce='add')")
    placed = _C.zeros(*input.shape, dtype=src.dtype).scatter_add(dim, index, src)
    return _C.where(hits > 0, placed, input)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of input would go in sorted_sequence (its last dim) to keep it sorted."""
    if sorter is not None:
        raise NotImplementedError("searchsorted: sorter= is not supported by tapedeck yet")
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        right = side == "right"
    if out_int32:
        raise NotImplementedError("searchsorted: out_int32=True (int32) is not supported by tapedeck")
    values = input if isinstance(input, _C.Tensor) else _C.tensor(input)
    seq = sorted_sequence
    if seq.dim() == 1:
        below = values.unsqueeze(-1) >= seq if right else values.unsqueeze(-1) > seq
    else:
        if list(seq.shape[:-1]) != list(values.shape[:-1]):
            raise RuntimeError(f"searchsorted: the leading dims of sorted_sequence {list(seq.shape)} and input "
                               f"{list(values.shape)} must match")
        below = values.unsqueeze(-1) >= seq.unsqueeze(-2) if right else values.unsqueeze(-1) > seq.unsqueeze(-2)
    count = below.to(_i64).sum(-1)
    if _floating(values):  # a NaN goes after everything, as PyTorch's
        count = count.masked_fill(values.isnan(), seq.shape[-1])
    return count


def bucketize(input, boundaries, *, out_int32=False, right=False):
    if boundaries.dim() != 1:
        raise RuntimeError(f"bucketize: boundaries must be 1-D, got {boundaries.dim()} dims")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input, bins=100, min=0, max=0):
    """Counts of input's elements in `bins` equal bins over [min, max] (both 0: the data's
    range); elements outside are left out."""
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, got {bins}")
    if not _floating(input):
        raise RuntimeError(f"histc: expected a floating point tensor, got {str(input.dtype).split('.')[-1]}")
    x = input.detach().reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and x.numel():
        lo, hi = float(x.min()), float(x.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"histc: range of [{lo}, {hi}] is not finite")
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    if lo > hi:
        raise RuntimeError(f"histc: max must be larger than min, got min {lo} and max {hi}")
    inside = x[(x >= lo) & (x <= hi)]
    which = ((inside - lo) * (bins / (hi - lo))).floor().to(_i64).clamp(0, bins - 1)
    return _C.zeros(bins, dtype=x.dtype).index_add(0, which, _C.ones(which.numel(), dtype=x.dtype))


# --- splits, counts, membership ---------------------------------------------------------

def adjoint(input):
    """The transpose of the last two dims (the conjugate transpose, for real tensors)."""
    if input.dim() < 2:
        raise RuntimeError(f"adjoint: expected a tensor of at least 2 dims, got {input.dim()}")
    return input.transpose(-2, -1)


def unflatten(input, dim, sizes):
    """dim split into sizes (one of them may be -1)."""
    dim = _dim(dim, input.dim(), "unflatten")
    sizes = list(sizes)
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten: only one dimension can be inferred")
    known = math.prod(n for n in sizes if n != -1)
    if -1 in sizes:
        if known == 0 or input.shape[dim] % known:
            raise RuntimeError(f"unflatten: sizes {sizes} don't multiply up to the size of dim {dim} "
                               f"({input.shape[dim]}) in the input tensor")
        sizes[sizes.index(-1)] = input.shape[dim] // known
    elif known != input.shape[dim]:
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} "
                           f"({input.shape[dim]}) in the input tensor")
    return input.reshape(*input.shape[:dim], *sizes, *input.shape[dim + 1:])


def _split_along(name, dim, least):
    def split(input, indices_or_sections):
        if input.dim() < least:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {least} dimension, but got a tensor "
                               f"with {input.dim()} dimensions!")
        d = dim if input.dim() > 1 or name != "hsplit" else 0
        if isinstance(indices_or_sections, int) and indices_or_sections <= 0:
            raise RuntimeError(f"torch.{name}: number of sections must be larger than 0, got {indices_or_sections}")
        if isinstance(indices_or_sections, int) and input.shape[d] % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                               f"{input.shape[d]} is not divisible by the split_size {indices_or_sections}!")
        return _more.tensor_split(input, indices_or_sections, d)
    split.__name__ = split.__qualname__ = name
    split.__doc__ = f"tensor_split along dim {dim} (sections must divide it evenly)."
    return split


hsplit = _split_along("hsplit", 1, 1)
vsplit = _split_along("vsplit", 0, 2)
dsplit = _split_along("dsplit", 2, 3)


def bincount(input, weights=None, minlength=0):
    """How often each value 0..max occurs in the 1-D non-negative int input (or the sum of
    weights at those places), at least minlength of them."""
    if input.dim() != 1 or _floating(input) or input.dtype == _bool or (input.numel() and int(input.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    size = max(int(input.max()) + 1 if input.numel() else 0, minlength)
    if weights is None:
        return _C.zeros(size, dtype=_i64).index_add(0, input, _C.ones(input.numel(), dtype=_i64))
    if weights.dim() != 1 or weights.shape[0] != input.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    kind = _f64 if not _floating(weights) or weights.dtype == _f64 else weights.dtype
    return _C.zeros(size, dtype=kind).index_add(0, input, weights.to(kind))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element is among test_elements (invert: is not)."""
    if not isinstance(elements, _C.Tensor):
        elements = _C.tensor(elements)
    test = test_elements.reshape(-1) if isinstance(test_elements, _C.Tensor) else _C.tensor([test_elements])
    found = (elements.unsqueeze(-1) == test).any(-1) if test.numel() else _C.zeros(*elements.shape, dtype=_bool)
    return ~found if invert else found


def msort(input):
    """Sorted along the first dim."""
    return _C.sort(input, 0)[0]


def is_floating_point(input):
    return _floating(input)


# --- sampling and new tensors --------------------------------------------------------------

def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn from each row's categories with probability proportional to input."""
    if generator is not None:
        raise NotImplementedError("multinomial: generator= is not supported by tapedeck")
    if input.dim() not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {input.dim()}")
    p = _as_float(input).detach()
    rows = p.reshape(1, -1) if p.dim() == 1 else p
    k = rows.shape[1]
    if float(rows.min()) < 0 or not bool(rows.isfinite().all()):
        raise RuntimeError("multinomial: probability tensor contains either inf, nan or element < 0")
    if bool((rows.sum(1) <= 0).any()):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > k:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement ({num_samples} > {k})")
    if replacement:
        cdf = (rows / rows.sum(1, True)).cumsum(1)
        u = _C.rand(rows.shape[0], num_samples, dtype=cdf.dtype)
        picks = (u.unsqueeze(-1) >= cdf.unsqueeze(1)).to(_i64).sum(-1).clamp(0, k - 1)
    else:
        # Gumbel top-k: the num_samples largest of log p + Gumbel noise are a draw without
        # replacement; zero-probability categories come last.
        gumbel = -_C.log(-_C.log(_C.rand(*rows.shape, dtype=rows.dtype).clamp(1e-12, 1.0 - 1e-7)))
        keys = _C.where(rows > 0, _C.log(rows.clamp_min(1e-30)) + gumbel, -math.inf)
        picks = _C.topk(keys, num_samples, 1).indices
    return picks.reshape(-1) if input.dim() == 1 else picks


def bernoulli(input, p=None, *, generator=None):
    """1 with probability input (or p), else 0, in input's dtype (not differentiable)."""
    if generator is not None:
        raise NotImplementedError("bernoulli: generator= is not supported by tapedeck")
    with _no_grad():
        prob = input if p is None else _C.full(list(input.shape), float(p), dtype=input.dtype)
        return (_C.rand(*input.shape, dtype=_as_float(input).dtype) < prob).to(input.dtype)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None):
    """Samples of N(mean, std): tensors (broadcast), or numbers with a size."""
    if generator is not None:
        raise NotImplementedError("normal: generator= is not supported by tapedeck")
    if isinstance(std, numbers.Real) and std < 0 or isinstance(std, _C.Tensor) and bool((std < 0).any()):
        raise RuntimeError("normal: expects std >= 0.0")
    tensors = [t for t in (mean, std) if isinstance(t, _C.Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with a number mean and std, give a size")
        return _C.randn(*size, dtype=dtype or _C.dtype.float32) * std + mean
    shape = list(broadcast_tensors(*tensors)[0].shape)
    with _no_grad():
        return _C.randn(*shape, dtype=tensors[0].dtype) * std + mean


def empty_like(input, *, dtype=None):
    return _C.zeros_like(input, dtype=dtype) if dtype is not None else _C.zeros_like(input)


def randint_like(input, low=0, high=None, *, dtype=None):
    if high is None:
        low, high = 0, low
    return _C.randint(low, high, tuple(input.shape)).to(dtype or input.dtype)


# --- Tensor methods: where, and the in-place forms ---------------------------------------

def where(self, condition, y):
    return _C.where(condition, self, y)


def nelement(self):
    return self.numel()


def new_empty(self, *size, dtype=None):
    size = size[0] if len(size) == 1 and not isinstance(size[0], int) else size
    return _C.zeros(*size, dtype=dtype or self.dtype)


def _unsupported_cast(name, dtype, instead):
    def method(self, *args, **kwargs):
        raise TypeError(f"Tensor.{name}(): {dtype} is not a Tapedeck dtype (it has float32, float64, int64 and bool): "
                        f"use {instead}")
    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = f"Not available: {dtype} is not a Tapedeck dtype (use {instead})."
    return method


_CASTS = tuple(_unsupported_cast(name, dtype, instead) for name, dtype, instead in (
    ("int", "int32", ".long() (int64)"), ("short", "int16", ".long() (int64)"), ("char", "int8", ".long() (int64)"),
    ("byte", "uint8", ".long() (int64) or .bool()"), ("half", "float16", ".float() (float32)"),
    ("bfloat16", "bfloat16", ".float() (float32)")))


def _in_place(name, out_of_place):
    def method(self, *args, **kwargs):
        return self.copy_(out_of_place(self, *args, **kwargs))
    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = f"In place: {name[:-1]}'s result copied into the tensor."
    return method


masked_fill_ = _in_place("masked_fill_", lambda self, mask, value: self.masked_fill(mask, value))
index_fill_ = _in_place("index_fill_", index_fill)
index_add_ = _in_place("index_add_", lambda self, dim, index, source, alpha=1: self.index_add(
    dim, index, source if alpha == 1 else source * alpha))
scatter_ = _in_place("scatter_", scatter)
scatter_add_ = _in_place("scatter_add_", lambda self, dim, index, src: self.scatter_add(dim, index, src))


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    if generator is not None:
        raise NotImplementedError("uniform_: generator= is not supported by tapedeck")
    if a > b:
        raise RuntimeError(f"uniform_: expects a <= b, got a={a} and b={b}")
    return self.copy_(_C.rand(*self.shape, dtype=self.dtype) * (b - a) + a)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    if generator is not None:
        raise NotImplementedError("normal_: generator= is not supported by tapedeck")
    if std < 0:
        raise RuntimeError(f"normal_: expects std >= 0.0, got {std}")
    return self.copy_(_C.randn(*self.shape, dtype=self.dtype) * std + mean)


FUNCTIONS = (ravel, fliplr, flipud, rot90, diag_embed, diagflat, dot, vdot, mv, inner, cross, kron, log2, log10,
             deg2rad, rad2deg, sgn, signbit, fmod, xlogy, logit, sinc, heaviside, fmax, fmin, float_power,
             true_divide, nansum, nanmean, cumprod, diff, median, kthvalue, quantile, cov, corrcoef, take,
             take_along_dim, index_fill, scatter, histc, multinomial, bernoulli, adjoint, unflatten, hsplit, vsplit,
             dsplit, bincount, isin, msort)
FUNCTIONS_ONLY = (atleast_1d, atleast_2d, atleast_3d, hstack, vstack, dstack, column_stack, broadcast_tensors,
                  cartesian_prod, tril_indices, triu_indices, vander, tensordot, trapezoid, trapz, searchsorted,
                  bucketize, normal, empty_like, randint_like, is_floating_point)
METHODS_ONLY = (where, nelement, new_empty, masked_fill_, index_fill_, index_add_, scatter_, scatter_add_, uniform_,
                normal_) + _CASTS
