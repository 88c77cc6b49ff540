"""The functions and Tensor methods made of engine ops (tapedeck/_composites.py), against
Debian's PyTorch: values, dtypes and gradients."""
import math

import numpy as np
import pytest

import tapedeck as td

torch = pytest.importorskip("torch", reason="the comparison needs Debian's python3-torch")

SPECIAL = [1.0, float("nan"), math.inf, -math.inf, -2.0, 0.0]


def both(values, requires_grad=False):
    a = td.tensor(np.array(values, dtype=np.float32), requires_grad=requires_grad)
    b = torch.tensor(np.array(values, dtype=np.float32), requires_grad=requires_grad)
    return a, b


def same(ours, theirs):
    """Equal values (NaN where NaN), shapes and dtype names."""
    ours_np, theirs_np = np.asarray(ours.detach().numpy()), theirs.detach().numpy()
    assert ours_np.shape == theirs_np.shape
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours_np, theirs_np)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite"])
def test_value_checks(name):
    ours, theirs = both(SPECIAL)
    same(getattr(td, name)(ours), getattr(torch, name)(theirs))
    same(getattr(ours, name)(), getattr(theirs, name)())
    same(getattr(td, name)(td.tensor([1, 2])), getattr(torch, name)(torch.tensor([1, 2])))
    same(getattr(td, name)(td.tensor([True, False])), getattr(torch, name)(torch.tensor([True, False])))


@pytest.mark.parametrize("kwargs", [{}, dict(nan=1.5, posinf=9.0, neginf=-9.0)])
def test_nan_to_num_and_its_gradient(kwargs):
    ours, theirs = both(SPECIAL, requires_grad=True)
    a, b = td.nan_to_num(ours, **kwargs), torch.nan_to_num(theirs, **kwargs)
    same(a, b)
    a.sum().backward()
    b.sum().backward()
    same(ours.grad, theirs.grad)


@pytest.mark.parametrize("name,call", [
    ("square", lambda lib, x: lib.square(x)),
    ("reciprocal", lambda lib, x: x.reciprocal()),
    ("clamp_min", lambda lib, x: x.clamp_min(0.5)),
    ("clamp_max", lambda lib, x: lib.clamp_max(x, 0.5)),
    ("tril", lambda lib, x: lib.tril(x.reshape(3, 4), 1)),
    ("triu", lambda lib, x: x.reshape(2, 2, 3).triu(-1)),
    ("flip", lambda lib, x: lib.flip(x.reshape(3, 4), [0, 1])),
    ("unbind", lambda lib, x: lib.stack([t * (i + 1) for i, t in enumerate(x.reshape(3, 4).unbind(1))])),
    ("outer", lambda lib, x: lib.outer(x[:3], x[3:7])),
])
def test_composites_and_their_gradients(name, call):
    values = np.random.default_rng(3).uniform(0.5, 2.0, 12)
    ours, theirs = both(values, requires_grad=True)
    a, b = call(td, ours), call(torch, theirs)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, err_msg=name)
    weights = np.random.default_rng(4).standard_normal(tuple(b.shape)).astype(np.float32)
    (a * td.tensor(weights)).sum().backward()
    (b * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


def test_counting_equality_and_new_tensors():
    m = [[0, 1, 2], [3, 0, 0]]
    assert td.count_nonzero(td.tensor(m)).item() == torch.count_nonzero(torch.tensor(m)).item() == 3
    assert td.tensor(m).count_nonzero(dim=1).tolist() == torch.tensor(m).count_nonzero(dim=1).tolist()
    x = td.arange(6.0).reshape(2, 3)
    assert td.equal(x, x.clone()) and not td.equal(x, x.reshape(3, 2)) and not x.equal(x + 1)
    for ours, theirs in [(x.new_zeros(2, 3), torch.zeros(2, 3)), (x.new_ones((4,)), torch.ones(4)),
                         (x.new_full((2,), 7), torch.full((2,), 7.0)),
                         (x.new_tensor([1, 2]), torch.tensor([1.0, 2.0]))]:
        same(ours, theirs)
    assert x.new_zeros(2, dtype=td.int64).dtype == td.int64
    assert x.new_ones(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="outer: expected two 1-D tensors"):
        td.outer(x, x)
    with pytest.raises(RuntimeError, match="tril: expected a tensor of at least 2 dims"):
        td.tril(td.ones(3))


def _grid(*shape, seed=5):
    return np.random.default_rng(seed).uniform(-2.0, 2.0, shape)


MORE = [  # (name, inputs' shapes, call(lib, *tensors))
    ("repeat", [(2, 3)], lambda lib, x: x.repeat(2, 1, 3)),
    ("tile", [(2, 3)], lambda lib, x: lib.tile(x, (2,))),
    ("roll", [(3, 4)], lambda lib, x: lib.roll(x, (1, -5), (0, 1))),
    ("roll_flat", [(3, 4)], lambda lib, x: x.roll(5)),
    ("repeat_interleave", [(2, 3)], lambda lib, x: x.repeat_interleave(lib.tensor([1, 0, 2]), dim=1)),
    ("repeat_interleave_flat", [(2, 3)], lambda lib, x: lib.repeat_interleave(x, 2)),
    ("movedim", [(2, 3, 4)], lambda lib, x: lib.movedim(x, (0, 2), (2, 0))),
    ("swapaxes", [(2, 3, 4)], lambda lib, x: x.swapaxes(0, 2)),
    ("tensor_split", [(7, 2)], lambda lib, x: lib.cat([t * (i + 1) for i, t in enumerate(lib.tensor_split(x, 3))])),
    ("tensor_split_at", [(2, 7)], lambda lib, x: lib.cat([t * (i + 1) for i, t in enumerate(x.tensor_split([2, 5], 1))],
                                                          1)),
    ("meshgrid", [(3,), (4,)], lambda lib, a, b: lib.stack([g * (i + 1) for i, g in
                                                             enumerate(lib.meshgrid(a, b, indexing="xy"))])),
    ("meshgrid_ij", [(3,), (4,), (2,)], lambda lib, a, b, c: lib.stack([g * (i + 1) for i, g in
                                                                         enumerate(lib.meshgrid(a, b, c, indexing="ij"))])),
    ("diagonal", [(3, 4, 5)], lambda lib, x: lib.diagonal(x, 1, 2, 0)),
    ("diag_vector", [(3,)], lambda lib, x: lib.diag(x, -1)),
    ("diag_matrix", [(3, 4)], lambda lib, x: x.diag(1)),
    ("trace", [(3, 4)], lambda lib, x: x.trace()),
    ("einsum_matmul", [(3, 4), (4, 2)], lambda lib, a, b: lib.einsum("ij,jk->ik", a, b)),
    ("einsum_attention", [(2, 3, 4), (2, 5, 4)], lambda lib, q, k: lib.einsum("bqd,bkd->bqk", q, k)),
    ("einsum_ellipsis", [(2, 3, 4)], lambda lib, x: lib.einsum("...ij->...ji", x)),
    ("einsum_implicit", [(3, 4), (4,)], lambda lib, a, v: lib.einsum("ij,j", a, v)),
    ("einsum_trace_outer", [(3, 3), (2,)], lambda lib, a, v: lib.einsum("ii,j->j", a, v)),
    ("einsum_three", [(2, 3), (3, 4), (4,)], lambda lib, a, b, c: lib.einsum("ij,jk,k->i", [a, b, c])),
    ("addmm", [(2, 4), (2, 3), (3, 4)], lambda lib, i, a, b: lib.addmm(i, a, b, beta=0.5, alpha=2.0)),
    ("baddbmm", [(2, 3, 4), (2, 3, 5), (2, 5, 4)], lambda lib, i, a, b: lib.baddbmm(i, a, b, alpha=0.5)),
    ("addbmm", [(3, 4), (2, 3, 5), (2, 5, 4)], lambda lib, i, a, b: i.addbmm(a, b)),
    ("addmv", [(3,), (3, 4), (4,)], lambda lib, i, m, v: lib.addmv(i, m, v, beta=2.0)),
    ("addcmul", [(3, 4), (3, 4), (4,)], lambda lib, i, a, b: lib.addcmul(i, a, b, value=0.5)),
    ("addcdiv", [(3, 4), (3, 4), (3, 4)], lambda lib, i, a, b: i.addcdiv(a, b.abs() + 1.0, value=-2.0)),
    ("lerp", [(3, 4), (3, 4), (3, 4)], lambda lib, a, b, w: lib.lerp(a, b, w)),
    ("var_mean", [(3, 4)], lambda lib, x: lib.stack(lib.var_mean(x, 1, keepdim=True))),
    ("std_mean", [(3, 4)], lambda lib, x: lib.stack(lib.std_mean(x, [0, 1], unbiased=False))),
    ("cdist", [(2, 3, 4), (2, 5, 4)], lambda lib, a, b: lib.cdist(a, b)),
    ("cdist_p1", [(3, 4), (5, 4)], lambda lib, a, b: lib.cdist(a, b, p=1.0)),
    ("cdist_p3", [(3, 4), (5, 4)], lambda lib, a, b: lib.cdist(a, b, p=3.0)),
    ("dist", [(3, 4), (4,)], lambda lib, a, b: lib.dist(a, b, 2.5)),
    ("hypot", [(3, 4), (4,)], lambda lib, a, b: lib.hypot(a, b)),
    ("logaddexp", [(3, 4), (3, 4)], lambda lib, a, b: lib.logaddexp(a * 30.0, b)),
    ("logaddexp2", [(3, 4), (4,)], lambda lib, a, b: a.logaddexp2(b)),
    ("frac", [(3, 4)], lambda lib, x: lib.frac(x * 3.0)),
]


@pytest.mark.parametrize("name,shapes,call", MORE, ids=[m[0] for m in MORE])
def test_more_composites_match_pytorch(name, shapes, call):
    """Values and every input's gradient, in float64."""
    arrays = [_grid(*s, seed=i + 5) for i, s in enumerate(shapes)]
    ours_in = [td.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("ignore")
        a, b = call(td, *ours_in), call(torch, *theirs_in)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    weights = np.random.default_rng(4).standard_normal(tuple(b.shape))
    (a * td.tensor(weights)).sum().backward()
    (b * torch.tensor(weights)).sum().backward()
    for i, (o, t) in enumerate(zip(ours_in, theirs_in)):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(t.shape) if o.grad is None else o.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=f"{name} input {i} grad")


def test_more_composites_errors_and_edges():
    x = td.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"repeat: the number of repeats \(1\) can not be smaller than the number "
                                           r"of dims of the tensor \(2\)"):
        x.repeat(2)
    with pytest.raises(ValueError, match=r"einsum\(\): the subscripts 'ijk' do not fit an operand of 2 dims"):
        td.einsum("ijk->i", x)
    with pytest.raises(ValueError, match=r"einsum\(\): output label 'z' of 'ij->z' is in no operand"):
        td.einsum("ij->z", x)
    with pytest.raises(RuntimeError, match="einsum\\(\\): label 'j' has sizes 3 and 4"):
        td.einsum("ij,jk->ik", x, td.ones(4, 2))
    with pytest.raises(RuntimeError, match="trace: expected a matrix, got a 1-D tensor"):
        td.trace(td.ones(3))
    # logaddexp of large values does not overflow; atan2 (a primitive) of integers is a float angle.
    assert td.logaddexp(td.tensor(1000.0), td.tensor(1000.0)).item() == pytest.approx(1000.0 + math.log(2.0))
    assert td.atan2(td.tensor([1, 2]), 3).tolist() == pytest.approx(
        torch.atan2(torch.tensor([1, 2]), torch.tensor(3)).tolist())
    # A distance of 0 has a zero gradient (not NaN), as PyTorch's.
    a = td.tensor([[1.0, 2.0]], requires_grad=True)
    td.cdist(a, td.tensor([[1.0, 2.0], [4.0, 6.0]])).sum().backward()
    assert a.grad.tolist()[0] == pytest.approx([-0.6, -0.8])


def test_selections_by_value_match_pytorch():
    data = [[0.0, 1.5, 0.0], [2.0, 0.0, -3.0]]
    ours, theirs = td.tensor(data), torch.tensor(data)
    same(td.nonzero(ours), torch.nonzero(theirs))
    same(ours.argwhere(), theirs.argwhere())
    for a, b in zip(ours.nonzero(as_tuple=True), theirs.nonzero(as_tuple=True)):
        same(a, b)
    same(td.nonzero(td.tensor(5.0)), torch.nonzero(torch.tensor(5.0)))
    same(td.nonzero(td.zeros(0, 3)), torch.nonzero(torch.zeros(0, 3)))
    mask = [[True], [False]]
    same(td.masked_select(ours, td.tensor(mask)), torch.masked_select(theirs, torch.tensor(mask)))
    x = td.tensor([1.0, 2.0, 3.0], requires_grad=True)
    td.masked_select(x, td.tensor([True, False, True])).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]
    values = [3, 1, 2, 1, 3, 3, -7]
    for kwargs in ({}, {"return_inverse": True}, {"return_counts": True}, {"return_inverse": True, "return_counts": True}):
        got, want = td.unique(td.tensor(values), **kwargs), torch.unique(torch.tensor(values), **kwargs)
        for a, b in zip(got if isinstance(got, tuple) else (got,), want if isinstance(want, tuple) else (want,)):
            same(a, b)
    same(td.tensor([[2.5, 1.0], [2.5, 0.5]]).unique(), torch.tensor([[2.5, 1.0], [2.5, 0.5]]).unique())
    with pytest.raises(NotImplementedError, match="unique: dim= is not supported by tapedeck yet"):
        td.unique(td.tensor(values), dim=0)
    with pytest.raises(RuntimeError, match=r"masked_select: mask of shape \[3\] does not broadcast"):
        td.masked_select(td.ones(2), td.tensor([True, False, True]))
