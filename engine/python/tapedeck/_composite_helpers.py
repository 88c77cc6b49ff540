"""What the composite modules (_layout_, _math_ and _index_composites.py) share: dtype
and dim checks, and tensors given one by one or as a list."""
from . import _C

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

