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
