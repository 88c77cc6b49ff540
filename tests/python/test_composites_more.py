"""The functions of tapedeck/_layout_, _math_ and _index_composites.py beyond the value and
gradient table in test_composites.py: integer, boolean and index results, edge cases (NaN,
zeros, scalars, empty), the samplers' statistics, and the errors."""
import math

import pytest

import tapedeck as td
from nn_parity import same

torch = pytest.importorskip("torch", reason="the comparison needs Debian's python3-torch")


def test_layout_math_and_index_composites_without_gradients_match_pytorch():
    """Integer, boolean and index results, and the tensors made from shapes."""
    ints, theirs_ints = td.tensor([[5, -7, 3], [-2, 8, 0]]), torch.tensor([[5, -7, 3], [-2, 8, 0]])
    same(td.fmod(ints, 3), torch.fmod(theirs_ints, 3))
    same(ints.fmod(td.tensor([2, -3, 5])), theirs_ints.fmod(torch.tensor([2, -3, 5])))
    same(td.diff(td.tensor([True, True, False])), torch.diff(torch.tensor([True, True, False])))
    same(td.cumprod(ints, 1), torch.cumprod(theirs_ints, 1))
    same(td.median(ints, 1).indices, torch.median(theirs_ints, 1).indices)
    same(td.kthvalue(ints, 2).indices, torch.kthvalue(theirs_ints, 2).indices)
    same(td.signbit(td.tensor([-0.0, 0.0, -1.5, 2.0])), torch.signbit(torch.tensor([-0.0, 0.0, -1.5, 2.0])))
    same(td.heaviside(td.tensor([-1.0, 0.0, 2.0]), td.tensor(0.5)),
         torch.heaviside(torch.tensor([-1.0, 0.0, 2.0]), torch.tensor(0.5)))
    for offset in (-1, 0, 2):
        same(td.tril_indices(4, 3, offset), torch.tril_indices(4, 3, offset))
        same(td.triu_indices(3, 4, offset), torch.triu_indices(3, 4, offset))
    seq, values = [1.0, 3.0, 3.0, 5.0], [[0.0, 3.0], [4.0, 9.0]]
    for right in (False, True):
        same(td.searchsorted(td.tensor(seq), td.tensor(values), right=right),
             torch.searchsorted(torch.tensor(seq), torch.tensor(values), right=right))
        same(td.bucketize(td.tensor(values), td.tensor(seq), right=right),
             torch.bucketize(torch.tensor(values), torch.tensor(seq), right=right))
    batched = [[1.0, 2.0, 3.0], [0.0, 5.0, 6.0]]
    same(td.searchsorted(td.tensor(batched), td.tensor([[2.5], [5.0]]), side="right"),
         torch.searchsorted(torch.tensor(batched), torch.tensor([[2.5], [5.0]]), side="right"))
    data = [0.5, 1.0, 1.0, 3.9, 4.0, -1.0, 2.2]
    same(td.histc(td.tensor(data), 4, 0, 4), torch.histc(torch.tensor(data), 4, 0, 4))
    same(td.histc(td.tensor(data), 5), torch.histc(torch.tensor(data), 5))
    # NaN: median and quantile give NaN for a slice holding one (median: its index), nansum skips it.
    nan = [[1.0, float("nan"), 3.0], [2.0, 1.0, 0.0]]
    same(td.median(td.tensor(nan), 1).values, torch.median(torch.tensor(nan), 1).values)
    same(td.median(td.tensor(nan), 1).indices, torch.median(torch.tensor(nan), 1).indices)
    same(td.median(td.tensor(nan)), torch.median(torch.tensor(nan)))
    same(td.quantile(td.tensor(nan), 0.5, 1), torch.quantile(torch.tensor(nan), 0.5, 1))
    same(td.nansum(td.tensor(nan)), torch.nansum(torch.tensor(nan)))
    # vander (PyTorch 1.13's vander cannot be differentiated: its backward fails on an in-place write).
    same(td.vander(td.tensor([1.5, -2.0, 3.0]), 4), torch.vander(torch.tensor([1.5, -2.0, 3.0]), 4))
    same(td.vander(td.tensor([2, 3]), increasing=True), torch.vander(torch.tensor([2, 3]), increasing=True))
    # scatter(reduce="add") (PyTorch has no derivative for it)
    index, src = [[0, 0], [1, 2]], [[1.5, 2.0], [3.0, 4.0]]
    same(td.zeros(2, 3).scatter(1, td.tensor(index), td.tensor(src), reduce="add"),
         torch.zeros(2, 3).scatter(1, torch.tensor(index), torch.tensor(src), reduce="add"))
    # bincount, isin, concat, finfo, inference_mode
    counts = [1, 3, 3, 0, 7]
    same(td.bincount(td.tensor(counts)), torch.bincount(torch.tensor(counts)))
    same(td.bincount(td.tensor(counts), minlength=10), torch.bincount(torch.tensor(counts), minlength=10))
    for weights in ([0.5, 1.0, 2.0, 1.5, 1.0], [1, 2, 3, 4, 5]):
        same(td.bincount(td.tensor(counts), td.tensor(weights)), torch.bincount(torch.tensor(counts),
                                                                                torch.tensor(weights)))
    same(td.bincount(td.tensor(counts), td.tensor(weights, dtype=td.float32)),
         torch.bincount(torch.tensor(counts), torch.tensor(weights, dtype=torch.float32)))
    same(td.isin(td.tensor([[1, 2], [3, 4]]), td.tensor([2, 4, 9])),
         torch.isin(torch.tensor([[1, 2], [3, 4]]), torch.tensor([2, 4, 9])))
    same(td.isin(td.tensor([1, 2]), td.tensor([2]), invert=True), torch.isin(torch.tensor([1, 2]), torch.tensor([2]),
                                                                              invert=True))
    same(td.concatenate([td.ones(1), td.zeros(2)]), torch.concatenate([torch.ones(1), torch.zeros(2)]))
    for kind, theirs_kind in ((td.float32, torch.float32), (td.float64, torch.float64)):
        ours_info, theirs_info = td.finfo(kind), torch.finfo(theirs_kind)
        assert (ours_info.eps, ours_info.max, ours_info.tiny, ours_info.bits) == (
            theirs_info.eps, theirs_info.max, theirs_info.tiny, theirs_info.bits)
    assert td.iinfo(td.int64).max == torch.iinfo(torch.int64).max
    leaf = td.ones(2, requires_grad=True)
    with td.inference_mode():
        assert not (leaf * 2).requires_grad
    with td.inference_mode(False):
        assert (leaf * 2).requires_grad
    assert td.inference_mode()(lambda: (leaf * 2).requires_grad)() is False
    assert td.ones(2).is_floating_point() and not td.is_floating_point(td.tensor([1]))
    assert td.finfo(td.float32).resolution == torch.finfo(torch.float32).resolution
    assert td.finfo(td.float32) == td.finfo()
    with pytest.raises(RuntimeError, match="torch.hsplit: number of sections must be larger than 0, got 0"):
        td.hsplit(td.ones(2, 4), 0)
    with pytest.raises(RuntimeError, match="bincount only supports 1-d non-negative integral inputs"):
        td.bincount(td.tensor([-1, 2]))
    with pytest.raises(RuntimeError, match="torch.hsplit attempted to split along dimension 1, but the size of the "
                                           "dimension 5 is not divisible by the split_size 2"):
        td.hsplit(td.ones(2, 5), 2)
    # special's edges: entr at 0 and below, xlog1py at x = 0 (its gradient there is log1p(y)), scalars.
    grads = []
    for lib in (td, torch):
        x, e = lib.tensor([0.0, 0.5, 2.0], requires_grad=True), lib.tensor([0.0, 0.5], requires_grad=True)
        (lib.special.xlog1py(x, lib.tensor([1.0, 0.0, 3.0])).sum() + lib.special.entr(e).sum()).backward()
        grads.append(x.grad.tolist() + e.grad.tolist())
        grads.append(lib.special.xlog1py(lib.tensor([[0.0], [1.0]]), lib.tensor([0.5, 2.0])).tolist())
        grads.append(lib.special.xlog1py(2.0, lib.tensor([1.0])).tolist())
    assert grads[:3] == grads[3:]
    edge = [0.0, -1.0, 2.0]
    same(td.special.entr(td.tensor(edge)), torch.special.entr(torch.tensor(edge)))
    same(td.special.xlog1py(td.tensor([0.0, 2.0]), td.tensor([-1.0, 3.0])),
         torch.special.xlog1py(torch.tensor([0.0, 2.0]), torch.tensor([-1.0, 3.0])))
    # dtypes Tapedeck does not have are named as such
    with pytest.raises(TypeError, match=r"Tensor.int\(\): int32 is not a Tapedeck dtype .* use .long\(\)"):
        td.ones(2).int()
    with pytest.raises(AttributeError, match="tapedeck.float16: not a Tapedeck dtype"):
        getattr(td, "float16")
    with pytest.raises(AttributeError, match="module 'tapedeck' has no attribute 'no_such_thing'"):
        getattr(td, "no_such_thing")
    assert td.tensor([[1, 2]]).nelement() == 2
    assert td.ones(2, 3).new_empty((4,)).shape == (4,)
    same(td.ones(2).where(td.tensor([True, False]), td.zeros(2)), torch.ones(2).where(torch.tensor([True, False]),
                                                                                      torch.zeros(2)))


def test_layout_math_and_index_composites_edge_cases_match_pytorch():
    inf, nan = math.inf, math.nan
    pairs = [
        lambda lib: lib.xlogy(lib.tensor([0.0, 2.0, 3.0]), 0.0),
        lambda lib: lib.xlogy(lib.tensor([0.0, 1.0]), lib.tensor([[1.0], [2.0]])),
        lambda lib: lib.xlogy(2.0, lib.tensor([0.0, 4.0])),
        lambda lib: lib.diag_embed(lib.tensor([inf, 1.0, nan])),
        lambda lib: lib.diagflat(lib.tensor([[inf, 1.0]]), 1),
        lambda lib: lib.quantile(lib.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]]), lib.tensor(0.5), dim=1),
        lambda lib: lib.searchsorted(lib.tensor([1, 2, 3]), 2.5),
        lambda lib: lib.searchsorted(lib.tensor([1.0, 2.0]), lib.tensor([nan, 1.5])),
        lambda lib: lib.scatter(lib.tensor(1.0), 0, lib.tensor(0), lib.tensor(5.0)),
        lambda lib: lib.signbit(lib.tensor([-nan, nan, -0.0])),
        lambda lib: lib.median(lib.tensor([])),
        lambda lib: lib.stack(lib.atleast_1d([lib.tensor(2.0)])),
    ]
    for call in pairs:
        same(call(td), call(torch))
    # x ** e at x = 0: the base's gradient is 0 where e = 0, the exponent's 0 where e >= 0 (PyTorch's rule).
    grads = []
    for lib in (td, torch):
        x, e = lib.tensor([0.0, 2.0], requires_grad=True), lib.tensor([2.0, 1.0, 0.0, -1.0], requires_grad=True)
        (x.unsqueeze(1) ** e).sum().backward()
        grads.append((x.grad.tolist(), e.grad.tolist()))
    assert grads[0] == grads[1]
    x = td.tensor([0.0, 1.5], requires_grad=True)
    td.vander(x, 3).sum().backward()
    assert x.grad.tolist() == [1.0, 4.0]
    with pytest.raises(RuntimeError, match="scatter: expected src of the input's dtype \\(float32\\), got int64"):
        td.zeros(3).scatter(0, td.tensor([1]), td.tensor([2]))
    with pytest.raises(RuntimeError, match=r"histc: range of \[1.0, inf\] is not finite"):
        td.histc(td.tensor([1.0, inf]), 2)
    with pytest.raises(RuntimeError, match="histc: expected a floating point tensor, got int64"):
        td.histc(td.tensor([1, 2]), 2)
    with pytest.raises(RuntimeError, match="rot90: expected a tensor of at least 2 dims, got 1"):
        td.rot90(td.ones(3))


def test_sampling_composites_draw_from_their_distributions():
    td.manual_seed(0)
    draws = td.multinomial(td.tensor([[0.2, 0.0, 0.8]]).expand(4000, 3), 1, True).reshape(-1)
    counts = [int((draws == k).sum()) for k in range(3)]
    assert counts[1] == 0 and 700 < counts[0] < 900
    without = td.multinomial(td.tensor([1.0, 0.0, 2.0, 3.0]), 3)
    assert sorted(without.tolist()) == [0, 2, 3]  # every category with weight, once; zero weight never
    assert td.bernoulli(td.full((4000,), 0.25)).mean().item() == pytest.approx(0.25, abs=0.03)
    w = td.empty(1000, dtype=td.float64)
    assert w.uniform_(-2.0, 3.0) is w and -2.0 <= w.min().item() and w.max().item() < 3.0
    assert w.normal_(1.0, 0.5).mean().item() == pytest.approx(1.0, abs=0.1)
    assert td.normal(td.zeros(2000), 2.0).std().item() == pytest.approx(2.0, abs=0.2)
    assert td.normal(0.0, 1.0, size=(3, 2)).shape == (3, 2)
    assert td.randint_like(td.ones(50), 3).max().item() <= 2
    leaf = td.ones(3, requires_grad=True)
    with pytest.raises(Exception, match="a leaf tensor that requires grad"):
        leaf.uniform_()
    with td.no_grad():
        leaf.normal_()


def test_layout_math_and_index_composites_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="dot: 1D tensors expected, but got 2D and 1D tensors"):
        td.dot(td.ones(2, 2), td.ones(2))
    with pytest.raises(RuntimeError, match=r"cross: no dim of size 3 in a tensor of shape \[2, 2\]"):
        td.cross(td.ones(2, 2), td.ones(2, 2))
    with pytest.raises(RuntimeError, match="scatter: index writes several src elements to one place"):
        td.zeros(3).scatter(0, td.tensor([1, 1]), td.tensor([1.0, 2.0]))
    assert td.zeros(3).scatter(0, td.tensor([1, 1]), 5.0).tolist() == [0.0, 5.0, 0.0]  # a value may repeat
    with pytest.raises(IndexError, match="take: index 6 is out of range for a size of 6"):
        td.take(td.ones(2, 3), td.tensor([6]))
    with pytest.raises(RuntimeError, match="multinomial: cannot sample n_sample > prob_dist.size"):
        td.multinomial(td.ones(3), 4)
    with pytest.raises(RuntimeError, match="multinomial: probability tensor contains either inf, nan or element < 0"):
        td.multinomial(td.tensor([1.0, -1.0]), 1)
    with pytest.raises(ValueError, match="quantile: interpolation must be one of"):
        td.quantile(td.ones(3), 0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match=r"quantile: q values must be in the range \[0, 1\]"):
        td.quantile(td.ones(3), 1.5)
    with pytest.raises(RuntimeError, match="rot90: expected two different dims"):
        td.rot90(td.ones(2, 2), 1, (0, 0))
    with pytest.raises(RuntimeError, match="fliplr: expected a tensor of at least 2 dims, got 1"):
        td.fliplr(td.ones(3))
    with pytest.raises(NotImplementedError, match="cov: fweights and aweights are not supported"):
        td.cov(td.ones(2, 3), fweights=td.ones(3))
    with pytest.raises(RuntimeError, match="broadcast_tensors: shapes"):
        td.broadcast_tensors(td.ones(2), td.ones(3))
