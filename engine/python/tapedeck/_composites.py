"""Functions and Tensor methods PyTorch scripts use that are compositions of the engine's
ops: each runs (and is recorded on the tape, and differentiated) as the ops it is made
of. install() puts them on the tapedeck module and on Tensor, as PyTorch has them."""
import math

from . import _C

_FLOAT_MAX = {"float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308}


def isnan(input):
    """Where input is NaN (a bool tensor); never for integers."""
    return input != input


def isinf(input):
    """Where input is +Inf or -Inf (a bool tensor); never for integers and bools."""
    if not input.is_floating_point():
        return _C.zeros(*input.shape, dtype=_C.dtype.bool)
    return input.abs() == math.inf


def isfinite(input):
    """Where input is neither NaN nor +-Inf (a bool tensor); everywhere for integers and bools."""
    if not input.is_floating_point():
        return _C.ones(*input.shape, dtype=_C.dtype.bool)
    return (input == input) & (input.abs() != math.inf)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN replaced by `nan`, +Inf by `posinf` and -Inf by `neginf` (default: the dtype's
    largest and smallest finite values); the gradient flows where input was kept."""
    if not input.is_floating_point():
        return input.clone()
    largest = _FLOAT_MAX[str(input.dtype).rsplit(".", 1)[-1]]
    out = _C.where(input == input, input, float(nan))
    out = _C.where(out != math.inf, out, largest if posinf is None else float(posinf))
    return _C.where(out != -math.inf, out, -largest if neginf is None else float(neginf))


def square(input):
    return input * input


def reciprocal(input):
    return 1.0 / input


def clamp_min(input, min):
    return input.clamp(min=min)


def clamp_max(input, max):
    return input.clamp(max=max)


def count_nonzero(input, dim=None):
    """The number of non-zero values (over `dim`, or all): int64."""
    nonzero = (input != 0).to(_C.dtype.int64)
    return nonzero.sum() if dim is None else nonzero.sum(dim)


def outer(input, vec2):
    """The outer product of two 1-D tensors."""
    if input.dim() != 1 or vec2.dim() != 1:
        raise RuntimeError(f"outer: expected two 1-D tensors, got {input.dim()}-D and {vec2.dim()}-D")
    return input.unsqueeze(1) * vec2.unsqueeze(0)


def _triangle(name, input, diagonal, keep):
    if input.dim() < 2:
        raise RuntimeError(f"{name}: expected a tensor of at least 2 dims, got {input.dim()}-D")
    rows, cols = input.shape[-2], input.shape[-1]
    offset = _C.arange(cols).unsqueeze(0) - _C.arange(rows).unsqueeze(1)  # column - row
    return _C.where(keep(offset, diagonal), input, 0.0 if input.is_floating_point() else 0)


def tril(input, diagonal=0):
    """The lower triangle of the last two dims (column - row <= diagonal); zeros above."""
    return _triangle("tril", input, diagonal, lambda offset, d: offset <= d)


def triu(input, diagonal=0):
    """The upper triangle of the last two dims (column - row >= diagonal); zeros below."""
    return _triangle("triu", input, diagonal, lambda offset, d: offset >= d)


def flip(input, dims):
    """input with the order of `dims` reversed."""
    dims = [dims] if isinstance(dims, int) else list(dims)
    out = input
    for dim in dims:
        size = input.shape[dim]
        out = out.index_select(dim, _C.arange(size - 1, -1, -1, dtype=_C.dtype.int64))
    return out


def unbind(input, dim=0):
    """The slices of input along `dim`, as a tuple (views)."""
    return tuple(input.select(dim, i) for i in range(input.shape[dim]))


def equal(input, other):
    """Whether the two have the same shape and the same values (a Python bool)."""
    return tuple(input.shape) == tuple(other.shape) and bool((input == other).all())


def _new(self, make, size, dtype, requires_grad):
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    out = make(size, dtype if dtype is not None else self.dtype)
    return out.requires_grad_() if requires_grad else out


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    """Zeros of `size`, of this tensor's dtype unless given."""
    return _new(self, lambda s, d: _C.zeros(*s, dtype=d), size, dtype, requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    """Ones of `size`, of this tensor's dtype unless given."""
    return _new(self, lambda s, d: _C.ones(*s, dtype=d), size, dtype, requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    """`fill_value` everywhere in `size`, of this tensor's dtype unless given."""
    return _new(self, lambda s, d: _C.full(s, fill_value, dtype=d), (size,), dtype, requires_grad)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A new tensor of `data`, of this tensor's dtype unless given."""
    out = _C.tensor(data, dtype=dtype if dtype is not None else self.dtype)
    return out.requires_grad_() if requires_grad else out


_FUNCTIONS = (isnan, isinf, isfinite, nan_to_num, square, reciprocal, clamp_min, clamp_max, count_nonzero, outer,
              tril, triu, flip, unbind, equal)
_METHODS_ONLY = (new_zeros, new_ones, new_full, new_tensor)


def install(module):
    """Adds what the engine's bindings lack, as functions of `module` and Tensor methods (more
    of them in _more_, _layout_, _math_ and _index_composites.py)."""
    from . import _index_composites, _layout_composites, _math_composites, _more_composites as more
    extra = (_layout_composites, _math_composites, _index_composites)
    for function in _FUNCTIONS + more.FUNCTIONS + sum((m.FUNCTIONS for m in extra), ()):
        if not hasattr(module, function.__name__):
            setattr(module, function.__name__, function)
        if not hasattr(_C.Tensor, function.__name__):
            setattr(_C.Tensor, function.__name__, function)
    for function in more.FUNCTIONS_ONLY + sum((m.FUNCTIONS_ONLY for m in extra), ()):
        if not hasattr(module, function.__name__):
            setattr(module, function.__name__, function)
    from . import linalg  # torch.det, Tensor.inverse, ...
    for name, function in linalg.ALIASES.items():
        if not hasattr(module, name):
            setattr(module, name, function)
        if not hasattr(_C.Tensor, name):
            setattr(_C.Tensor, name, function)
    for method in _METHODS_ONLY + more.METHODS_ONLY + sum((m.METHODS_ONLY for m in extra), ()):
        if not hasattr(_C.Tensor, method.__name__):
            setattr(_C.Tensor, method.__name__, method)
