"""tapedeck.linalg against Debian's PyTorch (torch.linalg): values and gradients in float64,
batches, and the errors."""
import math

import numpy as np
import pytest

import tapedeck as td
from nn_parity import compare_function

torch = pytest.importorskip("torch", reason="the comparison needs Debian's python3-torch")


def _grid(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _spd(lib, x):
    """A symmetric positive-definite matrix made from x (so gradients are compared through a
    symmetric parametrisation, where every convention for cholesky's agrees)."""
    n = x.shape[-1]
    return lib.matmul(x, x.transpose(-2, -1)) + lib.eye(n, dtype=x.dtype) * n


CASES = [  # (name, input shapes, call(lib, *tensors))
    ("det", [(4, 4)], lambda lib, a: lib.linalg.det(a)),
    ("det_batched", [(2, 3, 3, 3)], lambda lib, a: lib.linalg.det(a)),
    ("det_method", [(3, 3)], lambda lib, a: a.det() + lib.det(a * 2)),
    ("slogdet", [(2, 4, 4)], lambda lib, a: lib.linalg.slogdet(a)[1] * lib.linalg.slogdet(a)[0]),
    ("logdet", [(3, 3)], lambda lib, x: lib.logdet(_spd(lib, x))),
    ("inv", [(2, 4, 4)], lambda lib, a: lib.linalg.inv(a)),
    ("inverse", [(3, 3)], lambda lib, a: lib.inverse(a) + a.inverse()),
    ("solve_matrix", [(3, 3), (3, 2)], lambda lib, a, b: lib.linalg.solve(a, b)),
    ("solve_vector", [(4, 4), (4,)], lambda lib, a, b: lib.linalg.solve(a, b)),
    ("solve_broadcast", [(2, 3, 3), (3, 2)], lambda lib, a, b: lib.linalg.solve(a, b)),
    ("solve_right", [(3, 3), (2, 3)], lambda lib, a, b: lib.linalg.solve(a, b, left=False)),
    ("cholesky", [(2, 4, 4)], lambda lib, x: lib.linalg.cholesky(_spd(lib, x))),
    ("cholesky_upper", [(3, 3)], lambda lib, x: lib.linalg.cholesky(_spd(lib, x), upper=True)),
    ("cholesky_leaf", [(3, 3)], lambda lib, x: lib.linalg.cholesky(x.tril() * 0.1 + lib.eye(3, dtype=x.dtype) * 4)),
    ("cholesky_lower_triangle_only", [(3, 3)], lambda lib, x: lib.linalg.cholesky(x * 0.1 + lib.eye(3, dtype=x.dtype) * 4)),
    ("qr_tall", [(5, 3)], lambda lib, a: lib.cat([t.reshape(-1) for t in lib.linalg.qr(a)])),
    ("qr_square_batched", [(2, 3, 3)], lambda lib, a: lib.cat([t.reshape(-1) for t in lib.linalg.qr(a)])),
    ("qr_torch_qr", [(4, 4)], lambda lib, a: lib.cat([t.reshape(-1) for t in lib.qr(a)]) + a.qr()[1].sum()),
    ("matrix_power", [(3, 3)], lambda lib, a: lib.linalg.matrix_power(a, 5)),
    ("matrix_power_negative", [(3, 3)], lambda lib, a: lib.linalg.matrix_power(a, -2) + lib.matrix_power(a, 0)),
    ("multi_dot", [(3,), (3, 4), (4, 2), (2,)], lambda lib, a, b, c, d: lib.linalg.multi_dot([a, b, c, d])),
    ("multi_dot_matrices", [(2, 3), (3, 4), (4, 5)], lambda lib, a, b, c: lib.linalg.multi_dot((a, b, c))),
    ("vector_norm", [(3, 4)], lambda lib, x: lib.linalg.vector_norm(x)),
    ("vector_norm_dims", [(2, 3, 4)], lambda lib, x: lib.linalg.vector_norm(x, 3, (0, 2), keepdim=True)),
    ("vector_norm_inf", [(3, 4)], lambda lib, x: lib.linalg.vector_norm(x, math.inf, 1)
     + lib.linalg.vector_norm(x, -math.inf, 1) + lib.linalg.vector_norm(x, 1, 1)),
    ("matrix_norm_fro", [(2, 3, 4)], lambda lib, x: lib.linalg.matrix_norm(x)),
    ("matrix_norm_orders", [(2, 3, 4)], lambda lib, x: lib.stack([lib.linalg.matrix_norm(x, o) for o in
                                                                   (1, -1, math.inf, -math.inf)])),
    ("matrix_norm_dims", [(3, 2, 4)], lambda lib, x: lib.linalg.matrix_norm(x, 1, dim=(0, 2), keepdim=True)),
    ("norm", [(3, 4)], lambda lib, x: lib.stack([lib.linalg.norm(x), lib.linalg.norm(x, "fro"),
                                                 lib.linalg.norm(x, math.inf)])),
    ("norm_dim", [(3, 4)], lambda lib, x: lib.linalg.norm(x, 1, dim=0)),
    ("vector_norm_zeros", [(3, 4)], lambda lib, x: lib.stack([lib.linalg.vector_norm(x * (x > 0), o, 1) for o in
                                                              (3, 0.5, 1)] + [lib.linalg.vector_norm(x * 0, 3, 1)])),
    ("cross", [(4, 3), (4, 3)], lambda lib, a, b: lib.linalg.cross(a, b)),
    ("diagonal", [(2, 3, 4)], lambda lib, a: lib.linalg.diagonal(a, offset=1)),
]


@pytest.mark.parametrize("name,shapes,call", CASES, ids=[c[0] for c in CASES])
def test_linalg_matches_pytorch(name, shapes, call):
    compare_function(call, [_grid(*s, seed=i + 1) for i, s in enumerate(shapes)], name, rtol=1e-9, atol=1e-11,
                     grad_rtol=1e-8, grad_atol=1e-10, seed=9)


def test_qr_modes_and_shapes_match_pytorch():
    """Values only: PyTorch differentiates qr only where Q is computed and determines R."""
    rng = np.random.default_rng(3)
    for shape in ((4, 3), (3, 5), (2, 4, 4), (1, 1), (3, 1)):
        a = rng.standard_normal(shape)
        for mode in ("reduced", "complete", "r"):
            ours, theirs = td.linalg.qr(td.tensor(a), mode), torch.linalg.qr(torch.tensor(a), mode)
            for o, t in zip(ours, theirs):
                assert tuple(o.shape) == tuple(t.shape), (shape, mode)
                np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"{shape} {mode}")
    # QR's gradient is the analytic one (PyTorch's), at an identity too, where Householder's
    # "no reflection" case would have cut it.
    grads = []
    for lib in (td, torch):
        a = lib.eye(3, dtype=lib.float64, requires_grad=True)
        q, r = lib.linalg.qr(a)
        (r[0, 0] + q[1, 0] + (q * r).sum()).backward()
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-12)
    for shape in ((3, 5), (2, 3, 4)):  # wide
        compare_function(lambda lib, x: lib.cat([t.reshape(-1) for t in lib.linalg.qr(x)]), [_grid(*shape, seed=4)],
                         f"qr {shape}", rtol=1e-9, atol=1e-11)
    # A column already zero under its diagonal reflects nothing (LAPACK's tau = 0): R keeps its sign.
    a = np.array([[-2.0, 1.0], [0.0, 3.0]])
    np.testing.assert_allclose(td.linalg.qr(td.tensor(a)).R.numpy(), torch.linalg.qr(torch.tensor(a)).R.numpy())
    with pytest.raises(RuntimeError, match="qr received unrecognized mode 'full'"):
        td.linalg.qr(td.eye(2), "full")


def test_determinants_of_singular_and_pivoted_matrices():
    # A zero first pivot needs a row swap; a singular matrix has det 0 and slogdet (0, -inf).
    for data in ([[0.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [2.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]],
                 [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]):
        ours, theirs = td.tensor(data, dtype=td.float64), torch.tensor(data, dtype=torch.float64)
        assert td.linalg.det(ours).item() == pytest.approx(torch.linalg.det(theirs).item())
        s1, l1 = td.linalg.slogdet(ours)
        s2, l2 = torch.linalg.slogdet(theirs)
        assert s1.item() == s2.item() and l1.item() == pytest.approx(l2.item())
    assert math.isnan(td.logdet(td.tensor([[0.0, 1.0], [1.0, 0.0]])).item())  # det -1: no real logarithm


def test_linalg_errors_name_the_problem():
    singular = td.tensor([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(RuntimeError, match="linalg.solve: The solver failed because the input matrix is singular"):
        td.linalg.solve(singular, td.ones(2))
    with pytest.raises(RuntimeError, match="linalg.inv: The diagonal element 2 is zero, .* the input matrix is singular"):
        td.linalg.inv(singular)
    with pytest.raises(RuntimeError, match="linalg.solve: Expected A and B to have the same dtype, but found A of "
                                           "type float32 and B of type float64"):
        td.linalg.solve(td.eye(2), td.ones(2, dtype=td.float64))
    with pytest.raises(RuntimeError, match="linalg.norm: ord='fro' is a matrix norm, but a vector norm"):
        td.linalg.norm(td.ones(3), "fro")
    with pytest.raises(RuntimeError, match="linalg.vector_norm cannot compute the inf norm on an empty tensor"):
        td.linalg.vector_norm(td.zeros(0), math.inf)
    assert td.linalg.cholesky(td.zeros(0, 0)).shape == (0, 0)
    a = td.eye(2)
    assert td.linalg.matrix_power(a, 1) is not a
    with pytest.raises(RuntimeError, match=r"linalg.cholesky: .* not positive-definite \(the leading minor of "
                                           r"order 2 is not positive-definite\)"):
        td.linalg.cholesky(singular)
    with pytest.raises(RuntimeError, match="linalg.det: A must be batches of square matrices, but they are 2 by 3"):
        td.linalg.det(td.ones(2, 3))
    with pytest.raises(RuntimeError, match="linalg.inv: expected a floating point tensor, got int64"):
        td.linalg.inv(td.tensor([[1, 0], [0, 1]]))
    with pytest.raises(RuntimeError, match=r"linalg.solve: Incompatible shapes of A and B .* \(2x2 and 3x1\)"):
        td.linalg.solve(td.eye(2), td.ones(3, 1))
    with pytest.raises(NotImplementedError, match="matrix_norm: ord='nuc' needs singular values"):
        td.linalg.matrix_norm(td.eye(2), "nuc")
    with pytest.raises(RuntimeError, match="multi_dot\\(\\): expected at least 2 tensors but got 1"):
        td.linalg.multi_dot([td.eye(2)])
    with pytest.raises(TypeError, match="matrix_power: n must be an int, got 1.5"):
        td.linalg.matrix_power(td.eye(2), 1.5)
