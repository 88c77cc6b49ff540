"""More of PyTorch's functions and Tensor methods made of the engine's ops (installed by
_composites.install): shape rearrangements (repeat, tile, roll, repeat_interleave, movedim,
tensor_split, meshgrid, ...), diagonals, einsum, the fused multiply-adds (addmm, baddbmm,
addcmul, lerp, ...), var_mean/std_mean, distances, hypot/logaddexp/frac and selections by
value (nonzero, masked_select, unique). Each runs, is recorded and is
differentiated as the ops it is made of; none returns a view (PyTorch's diagonal does)."""
import math
import warnings

from . import _C


def _ints(values, what):
    """An int or a sequence of ints (varargs already collapsed) as a tuple."""
    if isinstance(values, int):
        return (values,)
    values = tuple(values)
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise TypeError(f"{what} must be ints, got {values!r}")
    return values


def _varargs(args, what):
    return _ints(args[0] if len(args) == 1 and not isinstance(args[0], int) else args, what)


def _wrap(dim, rank, name):
    if not -max(rank, 1) <= dim < max(rank, 1):
        raise IndexError(f"{name}: dim {dim} is out of range for a tensor of {rank} dims")
    return dim % max(rank, 1)


def repeat(self, *sizes):
    """The tensor tiled sizes[i] times along each dim (extra leading sizes add dims)."""
    sizes = _varargs(sizes, "repeat: sizes")
    if len(sizes) < self.dim():
        raise RuntimeError(f"repeat: the number of repeats ({len(sizes)}) can not be smaller than the number of "
                           f"dims of the tensor ({self.dim()})")
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat: repeats must be >= 0, got {list(sizes)}")
    shape = [1] * (len(sizes) - self.dim()) + list(self.shape)
    spread, grown, result = [], [], []
    for r, n in zip(sizes, shape):
        spread += [1, n]
        grown += [r, n]
        result.append(r * n)
    return self.reshape(*spread).expand(*grown).reshape(*result)


def tile(input, dims):
    """repeat, with ones prepended to dims when it has fewer than the tensor."""
    dims = _ints(dims, "tile: dims")
    return repeat(input, (1,) * (input.dim() - len(dims)) + dims)


def roll(input, shifts, dims=None):
    """Elements shifted along dims (cyclically); without dims, over the flattened tensor."""
    shifts = _ints(shifts, "roll: shifts")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: without dims, shifts must be one int, got {list(shifts)}")
        return roll(input.reshape(-1), shifts, 0).reshape(*input.shape)
    dims = _ints(dims, "roll: dims")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts ({len(shifts)}) and dims ({len(dims)}) must have the same length")
    out = input
    for shift, dim in zip(shifts, dims):
        dim = _wrap(dim, input.dim(), "roll")
        n = out.shape[dim] if out.dim() else 1
        shift = shift % n if n else 0
        if shift:
            out = _C.cat([out.narrow(dim, n - shift, shift), out.narrow(dim, 0, n - shift)], dim)
    return out


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element repeated (repeats: an int, or one count per element along dim); without
    dim, over the flattened tensor."""
    if dim is None:
        input = input.reshape(-1)
        dim = 0
    dim = _wrap(dim, input.dim(), "repeat_interleave")
    n = input.shape[dim]
    counts = repeats.tolist() if isinstance(repeats, _C.Tensor) else repeats
    counts = [counts] if isinstance(counts, int) else list(counts)
    if len(counts) == 1:
        counts = counts * n
    if len(counts) != n or any(c < 0 for c in counts):
        raise RuntimeError(f"repeat_interleave: repeats must be one count >= 0 per element ({n}), got {counts}")
    index = [i for i, c in enumerate(counts) for _ in range(int(c))]
    return input.index_select(dim, _C.tensor(index, dtype=_C.dtype.int64))


def movedim(input, source, destination):
    """The dims in source moved to the places in destination, the others in order."""
    source, destination = _ints(source, "movedim: source"), _ints(destination, "movedim: destination")
    rank = input.dim()
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: source ({len(source)} dims) and destination ({len(destination)}) must match")
    source = [_wrap(d, rank, "movedim") for d in source]
    destination = [_wrap(d, rank, "movedim") for d in destination]
    if len(set(source)) != len(source) or len(set(destination)) != len(destination):
        raise RuntimeError("movedim: repeated dim in source or destination")
    order = [None] * rank
    for s, d in zip(source, destination):
        order[d] = s
    rest = iter(d for d in range(rank) if d not in source)
    return input.permute(*[o if o is not None else next(rest) for o in order])


def swapaxes(input, axis0, axis1):
    return input.transpose(axis0, axis1)


def swapdims(input, dim0, dim1):
    """swapaxes under its other name."""
    return swapaxes(input, dim0, dim1)


def narrow(input, dim, start, length):
    return input.narrow(dim, start, length)


def broadcast_to(input, size):
    return input.expand(*_ints(size, "broadcast_to: size"))


def tensor_split(input, indices_or_sections, dim=0):
    """Pieces along dim: n sections (the first n % k one longer), or split at the indices."""
    dim = _wrap(dim, input.dim(), "tensor_split")
    size = input.shape[dim]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got {k}")
        sizes = [size // k + (1 if i < size % k else 0) for i in range(k)]
        bounds = [sum(sizes[:i]) for i in range(k + 1)]
    else:
        points = [min(max(int(i), 0), size) for i in _ints(indices_or_sections, "tensor_split: indices")]
        bounds = [0] + points + [size]
    return tuple(input.narrow(dim, lo, max(hi - lo, 0)) for lo, hi in zip(bounds, bounds[1:]))


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: 'ij' (the default) or 'xy' (the first two swapped)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.")
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if any(t.dim() > 1 for t in tensors):
        raise RuntimeError("meshgrid: expects 0-D or 1-D tensors")
    flat = [t.reshape(-1) for t in tensors]
    if indexing == "xy" and len(flat) >= 2:
        flat[0], flat[1] = flat[1], flat[0]
    sizes = [t.shape[0] for t in flat]
    grids = []
    for i, t in enumerate(flat):
        shape = [1] * len(flat)
        shape[i] = sizes[i]
        grids.append(t.reshape(*shape).expand(*sizes))
    if indexing == "xy" and len(grids) >= 2:  # each grid back in its input's place
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


# --- diagonals ---------------------------------------------------------------------------

def diagonal(input, offset=0, dim1=0, dim2=1):
    """The offset-th diagonal of the dims dim1 and dim2, as a new last dim (a copy)."""
    rank = input.dim()
    d1, d2 = _wrap(dim1, rank, "diagonal"), _wrap(dim2, rank, "diagonal")
    if rank < 2 or d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 must be two different dims of a tensor of >= 2 dims, got "
                           f"{dim1} and {dim2} of {rank}")
    moved = movedim(input, (d1, d2), (rank - 2, rank - 1))
    rows, cols = moved.shape[-2], moved.shape[-1]
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    first_row, first_col = max(-offset, 0), max(offset, 0)
    index = [(first_row + i) * cols + first_col + i for i in range(length)]
    flat = moved.reshape(*moved.shape[:-2], rows * cols)
    return flat.index_select(flat.dim() - 1, _C.tensor(index, dtype=_C.dtype.int64))


def diag(input, diagonal=0):
    """A 1-D tensor as the diagonal-th diagonal of a square matrix; a 2-D one's diagonal."""
    if input.dim() == 2:
        return globals()["diagonal"](input, diagonal)
    if input.dim() != 1:
        raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got {input.dim()}-D")
    n = input.shape[0]
    size = n + abs(diagonal)
    first_row, first_col = max(-diagonal, 0), max(diagonal, 0)
    index = _C.tensor([(first_row + i) * size + first_col + i for i in range(n)], dtype=_C.dtype.int64)
    return _C.zeros(size * size, dtype=input.dtype).index_add(0, index, input).reshape(size, size)


def trace(input):
    """The sum of a matrix's diagonal."""
    if input.dim() != 2:
        raise RuntimeError(f"trace: expected a matrix, got a {input.dim()}-D tensor")
    return diagonal(input).sum()


# --- einsum ------------------------------------------------------------------------------

def _einsum_terms(equation, operands):
    """(each operand's labels, the output's labels); '...' becomes labels '.0', '.1', ..."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum(): {len(terms)} operand terms in {equation!r} for {len(operands)} operands")
    ellipsis = 0
    labels = []
    for term, operand in zip(terms, operands):
        letters = term.replace("...", "")
        if not all(c.isalpha() for c in letters) or term.count("...") > 1:
            raise ValueError(f"einsum(): invalid subscripts {term!r} in {equation!r}")
        extra = operand.dim() - len(letters)
        if extra < 0 or (extra > 0 and "..." not in term):
            raise ValueError(f"einsum(): the subscripts {term!r} do not fit an operand of {operand.dim()} dims")
        ellipsis = max(ellipsis, extra)
        head, _, tail = term.partition("...")
        labels.append([*head, *[f".{ellipsis - extra + i}" for i in range(extra)], *tail])
    dots = [f".{i}" for i in range(ellipsis)]
    if arrow:
        head, found, tail = output.partition("...")
        out = [*head, *(dots if found else []), *tail]
        if not all(c.isalpha() for c in output.replace("...", "")):
            raise ValueError(f"einsum(): invalid output subscripts {output!r}")
    else:
        counts = {}
        for term in labels:
            for label in term:
                counts[label] = counts.get(label, 0) + 1
        out = dots + sorted(label for label, n in counts.items() if n == 1 and not label.startswith("."))
    return labels, out


def einsum(equation, *operands):
    """Sums of products over the labelled dims, as numpy/PyTorch einsum ('ij,jk->ik',
    'bhqd,bhkd->bhqk', '...ij->...ji', 'ii->i'): each operand's repeated labels become its
    diagonal, then operands are multiplied pairwise and every label no longer needed is summed."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    labels, out = _einsum_terms(equation, operands)
    for label in out:
        if not any(label in term for term in labels):
            raise ValueError(f"einsum(): output label {label!r} of {equation!r} is in no operand")
    tensors = []
    for term, t in zip(labels, operands):
        term = list(term)
        while len(set(term)) < len(term):  # a repeated label: its diagonal
            first = next(i for i, label in enumerate(term) if term.index(label) != i)
            p = term.index(term[first])
            t = diagonal(t, 0, p, first)
            label = term[first]
            term = [lab for i, lab in enumerate(term) if i not in (p, first)] + [label]
        tensors.append((term, t))
    sizes = {}
    for term, t in tensors:
        for label, n in zip(term, t.shape):
            if sizes.get(label, 1) not in (1, n) and n != 1:
                raise RuntimeError(f"einsum(): label {label!r} has sizes {sizes[label]} and {n} in {equation!r}")
            sizes[label] = max(sizes.get(label, 1), n)
    order = list(out) + [label for label in sizes if label not in out]

    def aligned(term, t):
        """t permuted to `order` with a size-1 dim for each label it lacks."""
        present = [label for label in order if label in term]
        t = t.permute(*[term.index(label) for label in present]) if present else t
        return t.reshape(*[t.shape[present.index(label)] if label in present else 1 for label in order])

    def summed(t, keep):
        dims = [i for i, label in enumerate(order) if label not in keep]
        return t.sum(dims, keepdim=True) if dims else t

    result = aligned(*tensors[0])
    for k in range(1, len(tensors)):
        later = set(out).union(*[set(term) for term, _ in tensors[k + 1:]])
        result = summed(result * aligned(*tensors[k]), later)
    result = summed(result, set(out))
    return result.reshape(*[sizes[label] for label in out])


# --- fused multiply-adds, statistics and distances ---------------------------------------

def _scaled(beta, input, alpha, product):
    """beta * input + alpha * product (beta 0: input ignored, NaN included, as PyTorch)."""
    product = product if alpha == 1 else product * alpha
    if beta == 0:
        return product + _C.zeros(*input.shape, dtype=product.dtype)
    return (input if beta == 1 else input * beta) + product


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    return _scaled(beta, input, alpha, mat1 @ mat2)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return _scaled(beta, input, alpha, _C.bmm(batch1, batch2))


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    return _scaled(beta, input, alpha, _C.bmm(batch1, batch2).sum(0))


def addmv(input, mat, vec, *, beta=1, alpha=1):
    return _scaled(beta, input, alpha, mat @ vec)


def addcmul(input, tensor1, tensor2, *, value=1):
    return input + tensor1 * tensor2 * value


def addcdiv(input, tensor1, tensor2, *, value=1):
    return input + tensor1 / tensor2 * value


def lerp(input, end, weight):
    """input + weight * (end - input)."""
    return input + (end - input) * weight


def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    kwargs = {} if correction is None else {"correction": correction}
    return (input.var(dim, unbiased, keepdim, **kwargs), input.mean(dim, keepdim) if dim is not None
            else input.mean())


def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    kwargs = {} if correction is None else {"correction": correction}
    return (input.std(dim, unbiased, keepdim, **kwargs), input.mean(dim, keepdim) if dim is not None
            else input.mean())


def _norm_of_differences(diff, p, dims, name):
    """The p-norm of diff over dims, with PyTorch's gradient 0 where a distance is 0."""
    if p == 0:
        return (diff != 0).to(diff.dtype).sum(dims)
    if p == math.inf:
        return diff.abs().amax(dims)
    if p == 1:
        return diff.abs().sum(dims)
    if p < 0:
        raise RuntimeError(f"{name}: p must be >= 0, got {p}")
    total = (diff * diff).sum(dims) if p == 2 else diff.abs().pow(p).sum(dims)
    nonzero = total != 0
    safe = _C.where(nonzero, total, 1.0)
    return _C.where(nonzero, safe.sqrt() if p == 2 else safe.pow(1.0 / p), 0.0)


def cdist(x1, x2, p=2.0, compute_mode=None):
    """The p-norm distances between the rows of x1 [..., P, M] and x2 [..., R, M]: [..., P, R]."""
    if x1.dim() < 2 or x2.dim() < 2 or x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: expected [..., P, M] and [..., R, M], got {list(x1.shape)} and {list(x2.shape)}")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return _norm_of_differences(diff, p, [diff.dim() - 1], "cdist")


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast), a 0-d tensor."""
    diff = (input - other).reshape(-1)
    return _norm_of_differences(diff, p, [0], "dist")


# --- two-argument functions -------------------------------------------------------------

def hypot(input, other):
    """sqrt(input^2 + other^2)."""
    return (input * input + other * other).sqrt()


def logaddexp(input, other):
    """log(exp(input) + exp(other)), without overflow."""
    larger = _C.maximum(input, other)
    return larger + (-(input - other).abs()).exp().log1p()


def logaddexp2(input, other):
    """log2(2^input + 2^other), without overflow."""
    return logaddexp(input * math.log(2.0), other * math.log(2.0)) / math.log(2.0)


def frac(input):
    """The fractional part, input - trunc(input) (its gradient is 1)."""
    return input - input.detach().trunc()


# --- selections by value ----------------------------------------------------------------

def nonzero(input, *, as_tuple=False):
    """The indices of the non-zero elements, [n, dims] int64 (as_tuple: one 1-D tensor per dim)."""
    if input.dim() == 0:
        count = int(bool(input.item()))
        return (_C.zeros(count, dtype=_C.dtype.int64),) if as_tuple else _C.zeros(count, 0, dtype=_C.dtype.int64)
    flat = (input if input.dtype == _C.dtype.bool else input != 0).reshape(-1)
    rest = _C.arange(flat.shape[0], dtype=_C.dtype.int64)[flat]
    coords = []
    for size in reversed(input.shape):
        coords.append(rest % size)
        rest = rest // size
    coords.reverse()
    return tuple(coords) if as_tuple else _C.stack(coords, 1)


def argwhere(input):
    return nonzero(input)


def masked_select(input, mask):
    """The elements where mask (broadcast with input) is True, as a 1-D tensor."""
    a, b = list(input.shape), list(mask.shape)
    rank = max(len(a), len(b))
    a, b = [1] * (rank - len(a)) + a, [1] * (rank - len(b)) + b
    if any(x != y and 1 not in (x, y) for x, y in zip(a, b)):
        raise RuntimeError(f"masked_select: mask of shape {list(mask.shape)} does not broadcast with input of shape "
                           f"{list(input.shape)}")
    shape = [max(x, y) if 0 not in (x, y) else 0 for x, y in zip(a, b)]
    return input.expand(*shape)[mask.expand(*shape)]


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values in ascending order; with return_inverse, where each element's value
    sits among them; with return_counts, how often each occurs."""
    if dim is not None:
        raise NotImplementedError("unique: dim= is not supported by tapedeck yet")
    flat = input.detach().reshape(-1)
    n = flat.shape[0]
    values, order = _C.sort(flat)
    if n == 0:
        result = [values, _C.zeros(*input.shape, dtype=_C.dtype.int64), _C.zeros(0, dtype=_C.dtype.int64)]
    else:
        starts_here = _C.cat([_C.ones(1, dtype=_C.dtype.bool), values[1:] != values[:-1]])
        group = (starts_here.to(_C.dtype.int64)).cumsum(0) - 1
        inverse = _C.zeros(n, dtype=_C.dtype.int64).index_add(0, order, group).reshape(*input.shape)
        starts = _C.arange(n, dtype=_C.dtype.int64)[starts_here]
        counts = _C.cat([starts[1:], _C.tensor([n], dtype=_C.dtype.int64)]) - starts
        result = [values[starts_here], inverse, counts]
    picked = [result[0]] + ([result[1]] if return_inverse else []) + ([result[2]] if return_counts else [])
    return picked[0] if len(picked) == 1 else tuple(picked)


FUNCTIONS = (tile, roll, repeat_interleave, movedim, swapaxes, swapdims, narrow, broadcast_to, tensor_split,
             diagonal, diag, trace, addmm, baddbmm, addbmm, addmv, addcmul, addcdiv, lerp, var_mean, std_mean,
             cdist, dist, hypot, logaddexp, logaddexp2, frac, nonzero, argwhere, masked_select, unique)
FUNCTIONS_ONLY = (meshgrid, einsum)
METHODS_ONLY = (repeat,)
