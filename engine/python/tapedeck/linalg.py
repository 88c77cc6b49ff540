"""tapedeck.linalg: PyTorch's torch.linalg functions that elimination, substitution and
reductions can compute, made of the engine's ops (so they are recorded, and differentiated
through the steps they take): norms, det/slogdet, solve, inv, cholesky, matrix_power,
multi_dot, cross and diagonal. Each takes a batch of matrices in its leading dims.
qr is Householder's; decompositions that need iterations (svd, eig) are not here yet."""
import collections
import math

from . import _C
from . import function as _function

_i64 = _C.dtype.int64


def _floating(x):
    return x.dtype in (_C.dtype.float32, _C.dtype.float64)


def _square(A, name):
    if not isinstance(A, _C.Tensor):
        raise TypeError(f"linalg.{name}: expected a tensor, got {type(A).__name__}")
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2] if A.dim() >= 2 else 1} by {A.shape[-1] if A.dim() else 1} matrices")
    if not _floating(A):
        raise RuntimeError(f"linalg.{name}: expected a floating point tensor, got {str(A.dtype).split('.')[-1]}")


def _eliminate(A, B=None):
    """Gauss-Jordan elimination with partial pivoting on [A | B] (batched): the pivots
    (..., n), the sign of the row permutation (...), and A⁻¹B when B is given. A zero pivot
    (a singular matrix) is kept as 0 and stepped over (divided by 1)."""
    n = A.shape[-1]
    M = A if B is None else _C.cat([A, B], -1)
    rows = _C.arange(n, dtype=_i64)
    sign = _C.ones(*A.shape[:-2], dtype=A.dtype)
    pivots = []
    for k in range(n):
        below = M.narrow(-2, k, n - k).narrow(-1, k, 1).squeeze(-1).detach().abs()
        p = below.argmax(-1) + k  # (...)
        pk = p.unsqueeze(-1)
        every = rows.expand(*pk.shape[:-1], n)
        order = _C.where(rows == k, pk, every.masked_fill(every == pk, k))  # rows k and p swapped
        M = M.gather(-2, order.unsqueeze(-1).expand(*order.shape, M.shape[-1]))
        sign = _C.where(p != k, -sign, sign)
        pivot = M.narrow(-2, k, 1).narrow(-1, k, 1)  # (..., 1, 1)
        pivots.append(pivot.reshape(*A.shape[:-2]))
        safe = pivot.masked_fill(pivot == 0, 1.0)
        row = M.narrow(-2, k, 1) / safe
        M = M - M.narrow(-1, k, 1) * row  # column k leaves every row, row k included ...
        M = _C.where((rows == k).unsqueeze(-1), row, M)  # ... which becomes the scaled pivot row
    return _C.stack(pivots, -1) if n else _C.ones(*A.shape[:-2], 0, dtype=A.dtype), sign, \
        (None if B is None else M.narrow(-1, n, B.shape[-1]))


def det(A):
    """The determinant of each matrix (the product of its pivots, signed by the row swaps)."""
    _square(A, "det")
    pivots, sign, _ = _eliminate(A)
    return sign * pivots.prod(-1)


_slogdet = collections.namedtuple("slogdet", ["sign", "logabsdet"])


def slogdet(A):
    """(sign, log |det|) of each matrix: no overflow for large determinants."""
    _square(A, "slogdet")
    pivots, sign, _ = _eliminate(A)
    return _slogdet(sign * _C.sign(pivots).prod(-1), _C.log(pivots.abs()).sum(-1))


def logdet(A):
    """log det A: NaN where det < 0, -inf where it is 0."""
    s, logabs = slogdet(A)
    return logabs.masked_fill(s < 0, math.nan)


def _singular_check(pivots, name):
    if pivots.numel() and bool((pivots.detach() == 0).any()):
        raise RuntimeError(f"linalg.{name}: The solver failed because the input matrix is singular.")


def solve(A, B, *, left=True):
    """X with A X = B (left=False: X A = B); B is one vector (...,n) or matrices (..., n, k)."""
    _square(A, "solve")
    if B.dtype != A.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{str(A.dtype).split('.')[-1]} and B of type {str(B.dtype).split('.')[-1]} instead.")
    if not left:
        if B.dim() < 2:
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not supported for "
                               "left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)")
        return solve(A.transpose(-2, -1), B.transpose(-2, -1)).transpose(-2, -1)
    n = A.shape[-1]
    vector = B.dim() == 1 or (B.dim() == A.dim() - 1 and list(B.shape) == list(A.shape[:-1]))
    rhs = B.unsqueeze(-1) if vector else B
    if rhs.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{n} and {rhs.shape[-2]}x{rhs.shape[-1]})")
    lead = [max(a, b) for a, b in zip([1] * (rhs.dim() - A.dim()) + list(A.shape[:-2]),
                                      [1] * (A.dim() - rhs.dim()) + list(rhs.shape[:-2]))]
    A_, rhs_ = A.expand(*lead, n, n), rhs.expand(*lead, n, rhs.shape[-1])
    pivots, _, X = _eliminate(A_, rhs_)
    _singular_check(pivots, "solve")
    return X.squeeze(-1) if vector else X


def inv(A):
    """The inverse of each matrix (an error for a singular one)."""
    _square(A, "inv")
    n = A.shape[-1]
    pivots, _, X = _eliminate(A, _C.eye(n, dtype=A.dtype).expand(*A.shape))
    zero = (pivots.detach() == 0).reshape(-1, n).to(_i64).amax(0) if pivots.numel() else None
    if zero is not None and bool(zero.any()):
        first = zero.tolist().index(1) + 1
        raise RuntimeError(f"linalg.inv: The diagonal element {first} is zero, the inversion could not be completed "
                           f"because the input matrix is singular.")
    return X


def cholesky(A, *, upper=False):
    """L (lower triangular, positive diagonal) with L Lᴴ = A, from A's lower triangle; an error
    names the first leading minor that is not positive-definite."""
    _square(A, "cholesky")
    n = A.shape[-1]
    if n == 0:
        return A.clone()
    # The lower triangle's values with a symmetric gradient (PyTorch's): the strictly upper
    # entries add nothing to the value, half of each off-diagonal pair's gradient to it.
    lower = A.tril()
    symmetric = (A + A.transpose(-2, -1)) * 0.5
    A = (lower + lower.tril(-1).transpose(-2, -1)).detach() + (symmetric - symmetric.detach())
    columns = []
    rows = _C.arange(n, dtype=_i64)
    for j in range(n):
        a = A.narrow(-1, j, 1).squeeze(-1)  # column j
        if columns:
            done = _C.stack(columns, -1)  # (..., n, j)
            a = a - (done * done.narrow(-2, j, 1)).sum(-1)
        d = a.narrow(-1, j, 1)
        if bool((d.detach() <= 0).any()) or bool(d.detach().isnan().any()):
            raise RuntimeError(f"linalg.cholesky: The factorization could not be completed because the input is "
                               f"not positive-definite (the leading minor of order {j + 1} is not "
                               f"positive-definite).")
        root = d.sqrt()
        # Zero above the diagonal, the root on it, the scaled column below it.
        columns.append((a / root).masked_fill(rows <= j, 0.0) + root * (rows == j).to(A.dtype))
    L = _C.stack(columns, -1)
    return L.transpose(-2, -1) if upper else L


_qr = collections.namedtuple("qr", ["Q", "R"])


def _householder(A):
    """(Q [m, m], R [m, n] upper triangular) by Householder reflections with LAPACK's signs
    (dlarfg: beta = -sign(alpha) |x|; no reflection where nothing is under the diagonal)."""
    m, n = A.shape[-2], A.shape[-1]
    R = A
    Q = _C.eye(m, dtype=A.dtype).expand(*A.shape[:-2], m, m)
    rows = _C.arange(m, dtype=_i64)
    for j in range(min(m, n)):
        column = R.narrow(-1, j, 1).squeeze(-1)  # (..., m)
        below = column.masked_fill(rows <= j, 0.0)  # the entries under the diagonal
        alpha = column.narrow(-1, j, 1)  # (..., 1)
        rest = _C.norm(below, 2, [-1], True)
        none = rest == 0
        norm = _C.sqrt(alpha * alpha + rest * rest)
        beta = -_C.where(alpha >= 0, norm, -norm)
        tau = ((beta - alpha) / beta.masked_fill(none, 1.0)).masked_fill(none, 0.0)
        v = below / (alpha - beta).masked_fill(none, 1.0) + (rows == j).to(A.dtype)  # v_j = 1
        R = R - (tau * v).unsqueeze(-1) * _C.matmul(v.unsqueeze(-2), R)
        Q = Q - _C.matmul(Q, v.unsqueeze(-1)) * (tau * v).unsqueeze(-2)
    return Q, R.triu()


def _copyltu(M):
    """The symmetric matrix with M's lower triangle."""
    lower = M.tril(-1)
    return lower + lower.transpose(-2, -1) + M.diagonal(0, -2, -1).diag_embed()


class QR(_function.Function):
    """linalg.qr as one op on the tape, with the analytic gradient (PyTorch's): for A = QR
    with m >= n, gA = (gQ + Q copyltu(R gRᵀ - gQᵀ Q)) R⁻ᵀ; a wide A = [X | Y] is that for X
    with Y's share added, and Q gV for Y."""

    @staticmethod
    def forward(ctx, A, mode):
        Q, R = _householder(A)
        m, n = A.shape[-2], A.shape[-1]
        k = min(m, n)
        if mode != "complete":
            Q, R = Q.narrow(-1, 0, k), R.narrow(-2, 0, k)
        ctx.save_for_backward(Q, R)
        ctx.mode, ctx.shape = mode, (m, n)
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        Q, R = ctx.saved_tensors
        m, n = ctx.shape
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        gR = gR.triu()
        if m >= n:
            return _qr_square_backward(Q, R, gQ, gR), None
        U, V = R.narrow(-1, 0, m), R.narrow(-1, m, n - m)
        gU, gV = gR.narrow(-1, 0, m), gR.narrow(-1, m, n - m)
        Y = _C.matmul(Q, V)
        gX = _qr_square_backward(Q, U, gQ + _C.matmul(Y, gV.transpose(-2, -1)), gU)
        return _C.cat([gX, _C.matmul(Q, gV)], -1), None


def _qr_square_backward(Q, R, gQ, gR):
    M = _C.matmul(R, gR.transpose(-2, -1)) - _C.matmul(gQ.transpose(-2, -1), Q)
    b = gQ + _C.matmul(Q, _copyltu(M))
    return solve(R, b.transpose(-2, -1)).transpose(-2, -1)  # b R⁻ᵀ


def qr(A, mode="reduced"):
    """Q (orthonormal columns) and R (upper triangular) with A = QR, by Householder
    reflections with LAPACK's signs (so the same Q and R as PyTorch's): mode 'reduced'
    (Q [m, k], R [k, n], k = min(m, n)), 'complete' (Q [m, m], R [m, n]) or 'r' (R alone,
    reduced; Q empty, and no gradient, as PyTorch's). One op on the tape, with the analytic
    gradient."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or "
                           f"'complete'")
    if A.dim() < 2:
        raise RuntimeError("linalg.qr: The input tensor A must have at least 2 dimensions.")
    if not _floating(A):
        raise RuntimeError(f"linalg.qr: expected a floating point tensor, got {str(A.dtype).split('.')[-1]}")
    if mode == "r":
        from .autograd import no_grad
        with no_grad():
            _, R = _householder(A)
        return _qr(_C.zeros(0, dtype=A.dtype), R.narrow(-2, 0, min(A.shape[-2], A.shape[-1])))
    return _qr(*QR.apply(A, mode))


def matrix_power(A, n):
    """A multiplied by itself n times (n = 0: the identity; n < 0: the inverse's power)."""
    _square(A, "matrix_power")
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {n!r}")
    if n == 0:
        return _C.eye(A.shape[-1], dtype=A.dtype).expand(*A.shape).clone()
    if n == 1:
        return A.clone()  # (a new tensor, as PyTorch's)
    base = inv(A) if n < 0 else A
    result = None
    n = abs(n)
    while n:
        if n & 1:
            result = base if result is None else _C.matmul(result, base)
        n >>= 1
        if n:
            base = _C.matmul(base, base)
    return result


def multi_dot(tensors):
    """The product of the matrices in order; the first may be a row vector and the last a
    column vector (1-D), as PyTorch's."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_1d, last_1d = tensors[0].dim() == 1, tensors[-1].dim() == 1
    if first_1d:
        tensors[0] = tensors[0].unsqueeze(0)
    if last_1d:
        tensors[-1] = tensors[-1].unsqueeze(-1)
    for i, t in enumerate(tensors):
        if t.dim() != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.dim()}D")
    out = tensors[0]
    for t in tensors[1:]:
        out = _C.matmul(out, t)
    if first_1d:
        out = out.squeeze(0)
    if last_1d:
        out = out.squeeze(-1)
    return out


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ord-norm of x's elements (over dim, or all): inf and -inf are the largest and
    smallest |x|, 0 the count of non-zeros."""
    if dtype is not None:
        x = x.to(dtype)
    if not _floating(x):
        raise RuntimeError(f"linalg.vector_norm: expected a floating point tensor, got "
                           f"{str(x.dtype).split('.')[-1]}")
    dims = None if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
    if dims is None:
        flat = x.reshape(-1)
        out = vector_norm(flat, ord, 0)
        return out.reshape(*([1] * x.dim())) if keepdim else out
    if ord == 2:
        return _C.norm(x, 2, list(dims), keepdim)
    a = x.abs()
    if ord in (math.inf, -math.inf) and x.numel() == 0:
        raise RuntimeError(f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
                           f"operation does not have an identity")
    if ord == math.inf:
        return a.amax(dims, keepdim)
    if ord == -math.inf:
        return a.amin(dims, keepdim)
    if ord == 0:
        return (a != 0).to(x.dtype).sum(dims, keepdim)
    if ord < 0:
        return _C.pow(_C.pow(a, ord).sum(dims, keepdim), 1.0 / ord)
    # Zeros (an element, or the whole norm) give a zero gradient, as PyTorch's, not 0 * inf.
    zero = a == 0
    powered = _C.pow(a.masked_fill(zero, 1.0), ord).masked_fill(zero, 0.0)
    total = powered.sum(dims, keepdim)
    empty = total == 0
    return _C.pow(total.masked_fill(empty, 1.0), 1.0 / ord).masked_fill(empty, 0.0)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """'fro' (the root of the sum of squares), 1 and -1 (the largest and smallest column sum of
    |A|), inf and -inf (the same of the rows). 'nuc', 2 and -2 need singular values: not yet."""
    if dtype is not None:
        A = A.to(dtype)
    if A.dim() < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if not _floating(A):
        raise RuntimeError(f"linalg.matrix_norm: expected a floating point tensor, got {str(A.dtype).split('.')[-1]}")
    d0, d1 = (d % A.dim() for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs singular values, which tapedeck does "
                                  f"not compute yet")
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    summed, across = (d0, d1) if ord in (1, -1) else (d1, d0)
    sums = A.abs().sum(summed, True)
    out = sums.amax(across, True) if ord in (1, math.inf) else sums.amin(across, True)
    return out if keepdim else out.squeeze(max(d0, d1)).squeeze(min(d0, d1))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """vector_norm or matrix_norm by the dims asked for: none and ord None: the 2-norm of all
    elements; one dim: a vector norm; two: a matrix norm."""
    if dim is None and ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    dims = (tuple(range(A.dim())) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim))
    if len(dims) == 1:
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.norm: ord={ord!r} is a matrix norm, but a vector norm was asked for "
                               f"(one dim)")
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if len(dims) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")


def cross(input, other, *, dim=-1):
    """The cross product of 3-vectors along dim (default the last, unlike torch.cross)."""
    return input.cross(other, dim=dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return A.diagonal(offset, dim1, dim2)


def matmul(input, other):
    return _C.matmul(input, other)


# torch.det, torch.inverse, ... and their Tensor methods, for scripts written against torch.*.
ALIASES = {"det": det, "logdet": logdet, "slogdet": slogdet, "inverse": inv, "matrix_power": matrix_power,
           "qr": lambda A, some=True: qr(A, "reduced" if some else "complete")}
