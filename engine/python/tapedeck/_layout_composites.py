"""PyTorch's shape functions made of the engine's ops (installed by _composites.install):
stacking (hstack, vstack, column_stack, atleast_2d, ...), broadcast_tensors, rotations and
flips (rot90, fliplr), index grids (cartesian_prod, tril_indices), diagonal matrices
(diag_embed, diagflat), vander, and splits and reshapes (hsplit, unflatten, adjoint,
msort). Each is recorded and differentiated as the ops it is made of."""
import math

from . import _C, _more_composites as _more
from ._composite_helpers import _bool, _dim, _floating, _i64, _tensors

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


def msort(input):
    """Sorted along the first dim."""
    return _C.sort(input, 0)[0]


def is_floating_point(input):
    return _floating(input)


FUNCTIONS = (ravel, fliplr, flipud, rot90, diag_embed, diagflat, adjoint, unflatten, hsplit, vsplit, dsplit, msort)
FUNCTIONS_ONLY = (atleast_1d, atleast_2d, atleast_3d, hstack, vstack, dstack, column_stack, broadcast_tensors,
                  cartesian_prod, tril_indices, triu_indices, vander, is_floating_point)
METHODS_ONLY = ()
