"""The functions and Tensor methods made of engine ops (tapedeck/_composites.py), against
Debian's PyTorch: values, dtypes and gradients."""
import math

import numpy as np
import pytest

import tapedeck as td
from nn_parity import compare_function, same

torch = pytest.importorskip("torch", reason="the comparison needs Debian's python3-torch")

SPECIAL = [1.0, float("nan"), math.inf, -math.inf, -2.0, 0.0]


def both(values, requires_grad=False):
    a = td.tensor(np.array(values, dtype=np.float32), requires_grad=requires_grad)
    b = torch.tensor(np.array(values, dtype=np.float32), requires_grad=requires_grad)
    return a, b


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
    # _layout_, _math_ and _index_composites.py
    ("hstack", [(2, 3), (2,)], lambda lib, a, b: lib.hstack([a, b.reshape(2, 1), a * 2])),
    ("hstack_1d", [(3,), (2,)], lambda lib, a, b: lib.hstack((a, b))),
    ("vstack", [(3,), (2, 3)], lambda lib, a, b: lib.vstack([a, b])),
    ("dstack", [(2, 3), (2, 3)], lambda lib, a, b: lib.dstack([a, b])),
    ("column_stack", [(3,), (3, 2)], lambda lib, a, b: lib.column_stack([a, b])),
    ("atleast_3d", [(3,), (2, 3)], lambda lib, a, b: lib.cat([t.reshape(-1) for t in lib.atleast_3d(a, b)])),
    ("ravel", [(2, 3)], lambda lib, x: x.t().ravel()),
    ("broadcast_tensors", [(3, 1), (4,)], lambda lib, a, b: lib.stack(lib.broadcast_tensors(a, b))),
    ("fliplr_flipud", [(3, 4)], lambda lib, x: lib.fliplr(x) + lib.flipud(x) * 2),
    ("rot90", [(2, 3, 4)], lambda lib, x: lib.cat([lib.rot90(x, k, (1, 2)).reshape(-1) for k in (1, 2, 3, -1)])),
    ("rot90_other_dims", [(2, 3, 4)], lambda lib, x: x.rot90(1, (2, 0))),
    ("cartesian_prod", [(3,), (2,)], lambda lib, a, b: lib.cartesian_prod(a, b)),
    ("diag_embed", [(2, 3)], lambda lib, x: lib.diag_embed(x)),
    ("diag_embed_offset", [(2, 3)], lambda lib, x: lib.diag_embed(x, 1)),
    ("diag_embed_dims", [(2, 3)], lambda lib, x: lib.diag_embed(x, -2, 0, 2)),
    ("diagflat", [(2, 2)], lambda lib, x: lib.diagflat(x, -1)),
    ("dot", [(4,), (4,)], lambda lib, a, b: lib.dot(a, b)),
    ("mv", [(3, 4), (4,)], lambda lib, m, v: m.mv(v)),
    ("inner", [(2, 3, 4), (5, 4)], lambda lib, a, b: lib.inner(a, b)),
    ("tensordot", [(2, 3, 4), (3, 4, 5)], lambda lib, a, b: lib.tensordot(a, b)),
    ("tensordot_pairs", [(2, 3, 4), (4, 2)], lambda lib, a, b: lib.tensordot(a, b, dims=([0, 2], [1, 0]))),
    ("cross", [(4, 3), (4, 3)], lambda lib, a, b: lib.cross(a, b)),
    ("cross_dim", [(3, 2), (3, 1)], lambda lib, a, b: a.cross(b, dim=0)),
    ("kron", [(2, 3), (3, 2)], lambda lib, a, b: lib.kron(a, b)),
    ("kron_ranks", [(2,), (2, 3)], lambda lib, a, b: lib.kron(a, b)),
    ("log2_log10", [(3, 4)], lambda lib, x: lib.log2(x.abs() + 0.5) + x.abs().add(0.5).log10() * 3),
    ("deg2rad_rad2deg", [(3, 4)], lambda lib, x: lib.deg2rad(x) + lib.rad2deg(x)),
    ("fmod", [(3, 4), (4,)], lambda lib, a, b: lib.fmod(a * 3.0, b.abs() + 0.5)),
    ("fmod_negative_divisor", [(3, 4)], lambda lib, a: a.mul(3.0).fmod(-1.25)),
    ("xlogy", [(3, 4), (3, 4)], lambda lib, a, b: lib.xlogy(a * (a > 0), b.abs() + 0.1)),
    ("logit", [(3, 4)], lambda lib, x: lib.logit(lib.sigmoid(x))),
    ("logit_eps", [(3, 4)], lambda lib, x: x.sigmoid().logit(0.2)),
    ("sinc", [(3, 4)], lambda lib, x: lib.sinc(x * (x.abs() > 1.0))),
    ("fmax_fmin", [(3, 4), (3, 4)], lambda lib, a, b: lib.fmax(a, b) * 2 + lib.fmin(a, b)),
    ("float_power", [(3, 4), (4,)], lambda lib, a, b: lib.float_power(a.abs() + 0.5, b)),
    ("nansum", [(3, 4)], lambda lib, x: lib.nansum(x / (x > -1.0), 1)),
    ("nanmean", [(3, 4)], lambda lib, x: lib.nanmean(x.masked_fill(x < -1.0, math.nan), 0, keepdim=True)),
    ("cumprod", [(3, 4)], lambda lib, x: lib.cumprod(x * (x > -1.5), 1)),
    ("diff", [(3, 5)], lambda lib, x: lib.diff(x, 2, 1)),
    ("diff_prepend", [(3, 4), (3, 1)], lambda lib, x, p: x.diff(dim=1, prepend=p, append=p)),
    ("median", [(3, 5)], lambda lib, x: lib.median(x)),
    ("median_dim", [(3, 4)], lambda lib, x: lib.median(x, 1).values),
    ("kthvalue", [(3, 5)], lambda lib, x: lib.kthvalue(x, 2, 0, keepdim=True).values),
    ("quantile", [(3, 5)], lambda lib, x: lib.quantile(x, 0.3, dim=1)),
    ("quantile_many", [(12,), (3,)], lambda lib, x, q: lib.quantile(x, q.abs() / 2.0)),
    ("quantile_modes", [(4, 5)], lambda lib, x: lib.stack([lib.quantile(x, 0.6, 1, True, interpolation=m) for m in
                                                           ("lower", "higher", "midpoint", "nearest")])),
    ("quantile_all_keepdim", [(3, 4), (2,)], lambda lib, x, q: lib.quantile(x, q.abs() / 2.0, keepdim=True)),
    ("trapezoid", [(3, 5)], lambda lib, y: lib.trapezoid(y, dx=0.5)),
    ("trapz_x", [(3, 5), (5,)], lambda lib, y, x: lib.trapz(y, x.cumsum(0))),
    ("cov", [(3, 6)], lambda lib, x: lib.cov(x)),
    ("cov_vector", [(6,)], lambda lib, x: x.cov(correction=0)),
    ("corrcoef", [(3, 6)], lambda lib, x: lib.corrcoef(x)),
    ("take", [(3, 4)], lambda lib, x: lib.take(x, lib.tensor([[0, -1], [5, 5]]))),
    ("take_along_dim", [(3, 4)], lambda lib, x: lib.take_along_dim(x, x.argsort(1), 1)),
    ("take_along_dim_flat", [(3, 4)], lambda lib, x: x.take_along_dim(lib.tensor([11, 0, 3]))),
    ("index_fill", [(3, 4)], lambda lib, x: x.index_fill(1, lib.tensor([0, 2, 2]), -1.0)),
    ("scatter", [(3, 5), (3, 2)], lambda lib, x, s: x.scatter(1, lib.tensor([[0, 4], [1, 2], [3, 0]]), s)),
    ("scatter_value", [(3, 5)], lambda lib, x: lib.scatter(x, 0, lib.tensor([[2, 0, 1, 1, 1]]), value=7.0)),
    ("masked_fill_", [(3, 4)], lambda lib, x: (x * 2).masked_fill_(x > 0, 0.5)),
    ("scatter_", [(3, 4), (3, 1)], lambda lib, x, s: (x * 1).scatter_(1, lib.tensor([[1], [3], [0]]), s)),
    ("index_add_", [(3, 4), (2, 4)], lambda lib, x, s: (x + 0).index_add_(0, lib.tensor([2, 0]), s, alpha=2.0)),
    ("adjoint_swapdims", [(2, 3, 4)], lambda lib, x: x.adjoint() + lib.swapdims(x, 1, 2) * 2),
    ("unflatten", [(2, 12)], lambda lib, x: lib.unflatten(x, 1, (3, -1, 2))),
    ("hsplit_vsplit_dsplit", [(4, 6, 2)], lambda lib, x: lib.cat([t.reshape(-1) * (i + 1) for i, t in enumerate(
        lib.hsplit(x, 3) + lib.vsplit(x, [1, 3]) + lib.dsplit(x, 2))])),
    ("msort", [(4, 3)], lambda lib, x: lib.msort(x)),
    ("special", [(3, 4), (3, 4)], lambda lib, x, y: lib.stack([
        lib.special.expit(x), lib.special.exp2(x), lib.special.xlog1py(x * (x > 0), y.abs()),
        lib.special.entr(x.abs() + 0.1), lib.special.ndtr(x), lib.special.logit(lib.sigmoid(x)),
        lib.special.sinc(x), lib.special.xlogy(x.abs(), y.abs() + 0.5), lib.special.erf(x), lib.special.expm1(x),
        lib.special.log1p(x.abs()), lib.special.round(x * 10, decimals=1), lib.special.softmax(x, 1),
        lib.special.log_softmax(x, 0)])),
]


@pytest.mark.parametrize("name,shapes,call", MORE, ids=[m[0] for m in MORE])
def test_more_composites_match_pytorch(name, shapes, call):
    """Values and every input's gradient, in float64."""
    compare_function(call, [_grid(*s, seed=i + 5) for i, s in enumerate(shapes)], name)


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
