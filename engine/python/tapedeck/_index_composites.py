"""PyTorch's indexing, counting and sampling made of the engine's ops (installed by
_composites.install): by position (take, take_along_dim, index_fill, scatter), by value
(searchsorted, bucketize, histc, bincount, isin), sampling (multinomial, bernoulli, normal),
and Tensor methods: where, the in-place forms written as a copy_ of the out-of-place ones
(masked_fill_, scatter_, uniform_, ...) and the casts to dtypes Tapedeck lacks (named as
such). Each is recorded and differentiated as the ops it is made of."""
import math
import numbers

from . import _C
from ._composite_helpers import _as_float, _bool, _dim, _f64, _floating, _i64, _no_grad
from ._layout_composites import broadcast_tensors

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


FUNCTIONS = (take, take_along_dim, index_fill, scatter, histc, multinomial, bernoulli, bincount, isin)
FUNCTIONS_ONLY = (searchsorted, bucketize, normal, empty_like, randint_like)
METHODS_ONLY = (where, nelement, new_empty, masked_fill_, index_fill_, index_add_, scatter_, scatter_add_, uniform_,
                normal_) + _CASTS
