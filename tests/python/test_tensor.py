"""The Tensor class from Python: factories, dtypes, values, NumPy, operators, indexing."""
import math

import numpy as np
import pytest

import tapedeck as td


def test_factories_shapes_and_dtypes():
    assert td.zeros(2, 3).shape == (2, 3)
    assert td.ones((2, 3)).shape == (2, 3)
    assert td.zeros(4, dtype=td.int64).dtype == td.int64
    assert td.full((2,), 7).dtype == td.int64 and td.full((2,), 7.5).dtype == td.float32
    assert td.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert td.arange(1, 2, 0.25).tolist() == [1.0, 1.25, 1.5, 1.75]
    assert td.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert td.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert td.zeros_like(td.ones(2, dtype=td.float64)).dtype == td.float64
    td.manual_seed(3)
    a = td.randn(3, 4)
    td.manual_seed(3)
    assert a.tolist() == td.randn(3, 4).tolist()
    r = td.randint(0, 10, (100,))
    assert r.dtype == td.int64 and 0 <= r.min().item() and r.max().item() < 10


def test_tensor_from_python_data():
    assert td.tensor(2.5).shape == () and td.tensor(2.5).item() == 2.5
    assert td.tensor(True).dtype == td.bool
    assert td.tensor([1, 2]).dtype == td.int64
    assert td.tensor([1, 2.5]).dtype == td.float32
    assert td.tensor([[1, 2], [3, 4]], dtype=td.float64).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert td.tensor([]).shape == (0,)
    with pytest.raises(ValueError, match="ragged"):
        td.tensor([[1, 2], [3]])
    with pytest.raises(TypeError, match="cannot make a tensor element"):
        td.tensor(["a"])


def test_repr_is_pytorch_shaped():
    assert repr(td.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(td.float32) == "tapedeck.float32"
    x = td.tensor([1.0], requires_grad=True)
    assert "requires_grad=True" in repr(x)
    assert "grad_fn=<MulBackward0>" in repr(x * 2)


def test_numpy_shares_memory_and_from_numpy_keeps_values():
    t = td.zeros(2, 3)
    a = t.numpy()
    t.add_(1.0)
    assert a.tolist() == [[1.0] * 3] * 2, "numpy() is a view of the tensor's memory"
    assert t.T.numpy().shape == (3, 2)
    b = td.from_numpy(np.arange(6, dtype=np.int32).reshape(2, 3))
    assert b.dtype == td.int64 and b.tolist() == [[0, 1, 2], [3, 4, 5]]
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]
    assert td.tensor(strided).tolist() == strided.tolist()
    assert np.asarray(td.ones(2)).tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="requires grad"):
        td.ones(2, requires_grad=True).numpy()


def test_arithmetic_with_scalars_and_broadcasting_matches_numpy():
    a_np = np.arange(6.0).reshape(2, 3)
    b_np = np.array([1.0, 2.0, 4.0])
    a, b = td.tensor(a_np, dtype=td.float64), td.tensor(b_np, dtype=td.float64)
    for got, want in [(a + b, a_np + b_np), (a - b, a_np - b_np), (a * b, a_np * b_np), (a / b, a_np / b_np),
                      (2 - a, 2 - a_np), (1 / (a + 1), 1 / (a_np + 1)), (a ** 2, a_np ** 2), (2 ** b, 2 ** b_np),
                      (-a, -a_np), (a @ b, a_np @ b_np), (abs(a - 3), abs(a_np - 3))]:
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    assert (a > 2).tolist() == (a_np > 2).tolist()
    assert (a == b).dtype == td.bool


def test_inplace_operators_return_the_same_object():
    a = td.ones(3)
    before = a
    a += 1
    a *= 3
    a -= td.ones(3)
    a /= 5
    assert a is before and a.tolist() == [1.0, 1.0, 1.0]
    assert a.add_(1, alpha=2) is a and a.tolist() == [3.0] * 3


def test_inplace_division_by_a_tensor_is_division_not_multiplication_by_the_reciprocal():
    # x * (1 / y) rounds twice and differs from x / y in the last bit for many values.
    rng = np.random.default_rng(7)
    x_np, y_np = rng.standard_normal(2000).astype(np.float32), rng.standard_normal(2000).astype(np.float32)
    x, y = td.tensor(x_np), td.tensor(y_np)
    want = (x_np / y_np).tolist()
    assert (x / y).tolist() == want
    assert x.clone().div_(y).tolist() == want
    z = x.clone()
    z /= y
    assert z.tolist() == want
    zero = td.zeros(2)
    assert all(math.isnan(v) for v in zero.clone().div_(zero).tolist())
    # With autograd to record (a non-leaf that requires grad): the same values, and the
    # gradient of x / y.
    w = td.tensor(x_np[:4], requires_grad=True)
    h = w * 1.0
    h.div_(y[:4])
    assert h.tolist() == want[:4]
    h.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 1.0 / y_np[:4], rtol=1e-6)


def test_what_ported_pytorch_scripts_do_with_tensors():
    # Loops and unpacking go row by row, as over a list.
    t = td.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert [row.tolist() for row in t] == [[1.0, 2.0], [3.0, 4.0]]
    first, second = t[0]
    assert (first.item(), second.item()) == (1.0, 2.0)
    assert sum(td.tensor([1.0, 2.0, 3.0])).item() == 6.0
    assert [(x.item(), y.item()) for x, y in zip(td.tensor([1, 2]), td.tensor([3.5, 4.5]))] == [(1, 3.5), (2, 4.5)]
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(td.tensor(1.0))
    # A list of one-element tensors (losses gathered in a loop) keeps their values and kind.
    losses = td.tensor([td.tensor(0.69), td.tensor([1.5])])
    assert losses.dtype == td.float32 and losses.tolist() == pytest.approx([0.69, 1.5])
    assert td.tensor([td.tensor(2), 3]).dtype == td.int64
    assert td.tensor([[td.tensor(True)], [False]]).dtype == td.bool
    with pytest.raises(ValueError, match="only one-element tensors can be elements of a new tensor, got a tensor of 2"):
        td.tensor([td.ones(2), td.ones(2)])
    # f-strings format a one-element tensor as its number.
    assert f"{td.tensor(0.12345):.3f}" == "0.123" and f"{td.tensor([2.5]):>5}" == "  2.5"
    assert f"{td.tensor(7)}" == "7" and f"{td.ones(2)}" == str(td.ones(2))
    # The usual device line picks the CPU.
    assert td.cuda.is_available() is False and td.cuda.device_count() == 0
    # requires_grad_() on an op's result, which requires grad already, changes nothing.
    w = td.ones(2, requires_grad=True)
    h = w * 2
    assert h.requires_grad_() is h and h.requires_grad
    with pytest.raises(RuntimeError, match="can only be turned off on leaf tensors"):
        h.requires_grad_(False)


def test_an_in_place_op_never_truncates_a_float_result_into_integers():
    x = td.tensor([1, 3])
    x += 1  # an int stays an int
    assert x.tolist() == [2, 4] and x.dtype == td.int64
    for write in (lambda: x.div_(2), lambda: x.add_(1.5), lambda: x.mul_(td.tensor([0.5, 0.5]))):
        with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired output type int64"):
            write()
    with pytest.raises(RuntimeError, match="can't be cast"):
        x /= 2
    assert x.tolist() == [2, 4], "a refused write leaves the tensor as it was"
    # Bools combined in place stay bools (non-zero is True), as PyTorch's bool * bool.
    flags = td.tensor([True, False])
    assert flags.mul_(td.tensor([True, True])).tolist() == [True, False]
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired output type bool"):
        flags.add_(0.5)


def test_integer_powers_stay_integers_and_a_zero_norm_has_a_zero_gradient():
    for result in (td.tensor([2, 3]) ** 2, td.tensor([2, 3]).pow(2), td.pow(td.tensor([2, 3]), 2)):
        assert result.dtype == td.int64 and result.tolist() == [4, 9]
    assert (td.tensor([2, 3]) ** 2.0).dtype == td.float32  # a float exponent: a float power
    assert (td.tensor([3]) ** 30).tolist() == [3 ** 30]  # exact past float32's 2^24 (up to 2^53)
    with pytest.raises(RuntimeError, match="integers to negative integer powers are not allowed"):
        td.tensor([2]) ** -1
    # The norm's subgradient at zero is 0, as PyTorch's (sqrt's infinite slope made it NaN):
    # a weight-decay term on zero-initialised biases at the first step.
    for p in (2, 3):
        x = td.zeros(3, requires_grad=True)
        x.norm(p=p).backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0], p
    nan = td.tensor([float("nan"), 1.0], requires_grad=True)
    assert math.isnan(nan.norm().item())  # a NaN norm stays NaN (and the NaN check sees it)
    rows = td.tensor([[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
    norms = rows.norm(dim=1)
    assert norms.tolist() == [0.0, 5.0]
    norms.sum().backward()
    assert rows.grad[0].tolist() == [0.0, 0.0] and rows.grad[1].tolist() == pytest.approx([0.6, 0.8])


def test_indices_are_ints_as_python_takes_them():
    x = td.arange(4.0)
    assert x[td.tensor(1):].tolist() == [1.0, 2.0, 3.0] and list(range(td.tensor(3))) == [0, 1, 2]
    assert x[True:].tolist() == [1.0, 2.0, 3.0]  # a bool is an int to Python
    for bound in (td.tensor(1.9), 1.5):
        with pytest.raises(TypeError):
            x[bound:]  # a float bound is refused, not truncated
    with pytest.raises(TypeError, match="only integer tensors of a single element can be converted to an index"):
        range(td.tensor(2.0))


def test_clamp_takes_float_and_tensor_bounds_and_hardtanh_has_pytorchs_gradient():
    clamped = td.tensor([-5, 0, 5]).clamp(-1.5, 1.5)  # a float bound: a float result
    assert clamped.dtype == td.float32 and clamped.tolist() == [-1.5, 0.0, 1.5]
    assert td.tensor([-5, 0, 5]).clamp(-1, 1).dtype == td.int64
    low, high = td.tensor([2.0, 2.0, 2.0]), td.tensor([6.0, 6.0, 6.0])
    assert td.tensor([1.0, 5.0, 9.0]).clamp(low, high).tolist() == [2.0, 5.0, 6.0]
    with pytest.raises(TypeError, match=r"clamp\(min=...\): expected a number, a tensor or None, got str"):
        td.ones(2).clamp("a")
    with pytest.raises(ValueError, match="at least one of min and max must not be None"):
        td.ones(2).clamp()
    # Where min > max, max wins (PyTorch's order: the lower bound, then the upper one).
    assert td.tensor([0.0, 5.0]).clamp(td.tensor([3.0, 3.0]), 1.0).tolist() == [1.0, 1.0]
    # PyTorch's gradients (Debian's torch gives these): clamp's is 1 at its bounds,
    # hardtanh's and relu6's 0 there.
    F = td.nn.functional
    for f, inputs, values, grads in [
            (F.relu6, [-1.0, 0.0, 3.0, 6.0, 7.0], [0.0, 0.0, 3.0, 6.0, 6.0], [0.0, 0.0, 1.0, 0.0, 0.0]),
            (F.hardtanh, [-2.0, -1.0, 0.0, 1.0, 2.0], [-1.0, -1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.0, 0.0]),
            (lambda x: x.clamp(0, 6), [-1.0, 0.0, 3.0, 6.0, 7.0], [0.0, 0.0, 3.0, 6.0, 6.0], [0.0, 1.0, 1.0, 1.0, 0.0])]:
        x = td.tensor(inputs, requires_grad=True)
        y = f(x)
        y.sum().backward()
        assert y.tolist() == values and x.grad.tolist() == grads, (inputs, x.grad.tolist())
    assert F.relu6(td.tensor([float("inf"), 7.0])).tolist() == [6.0, 6.0]


def test_loading_a_missing_file_raises_what_open_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        td.load(tmp_path / "missing.pt")
    with pytest.raises(IsADirectoryError):
        td.load(tmp_path)


def test_reductions_and_methods():
    x = td.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    assert x.sum().item() == 21.0
    assert x.sum(dim=0).tolist() == [5.0, 7.0, 9.0]
    assert x.mean(1, keepdim=True).shape == (2, 1)
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 6.0] and indices.tolist() == [1, 2]
    assert x.max(1).indices.tolist() == [1, 2]
    assert x.argmax().item() == 5
    assert math.isclose(x.var().item(), np.var([1, 5, 3, 4, 2, 6], ddof=1), rel_tol=1e-6)
    assert x.softmax(1).sum(1).tolist() == pytest.approx([1.0, 1.0])
    assert td.cat([x, x]).shape == (4, 3) and td.stack([x, x], 1).shape == (2, 2, 3)
    assert [p.shape for p in x.split(2, 1)] == [(2, 2), (2, 1)]


def test_indexing_and_assignment():
    x = td.arange(24).reshape(2, 3, 4)
    n = np.arange(24).reshape(2, 3, 4)
    for key in [0, -1, (1, 2), (slice(None), 1), (Ellipsis, 0), (None, 0), (0, slice(1, None), slice(None, None, 2)),
                (slice(None), None, 2)]:
        assert x[key].tolist() == n[key].tolist(), key
    idx = td.tensor([[0, 2], [1, 1]])
    assert x[0, idx].tolist() == n[0, np.array([[0, 2], [1, 1]])].tolist()
    y = td.zeros(2, 3)
    y[0] = 5
    y[1, 1:] = td.tensor([7.0, 8.0])
    assert y.tolist() == [[5.0, 5.0, 5.0], [0.0, 7.0, 8.0]]
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 2"):
        x[5]  # IndexError, as Python's sequences and PyTorch raise (iteration stops on it)
    with pytest.raises(RuntimeError, match="does not match the shape"):
        x[td.tensor([True, False, True])]


def test_metadata():
    x = td.zeros(2, 3, 4)
    assert x.dim() == 3 and x.ndim == 3 and x.numel() == 24 and len(x) == 2
    assert x.size() == (2, 3, 4) and x.size(-1) == 4 and x.stride() == (12, 4, 1)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and not x.permute(2, 0, 1).is_contiguous()
    assert str(x.device) == "cpu" and x.device == "cpu"
    assert x.float().dtype == td.float32 and x.long().dtype == td.int64 and x.to(td.float64).dtype == td.float64
    assert isinstance(x.id, int) and x.id != td.zeros(1).id


def test_small_compatibility_pieces():
    import copy
    assert td.tensor(np.array(3)).shape == () and td.from_numpy(np.array(2.5)).shape == ()
    x = td.ones(3, requires_grad=True)
    y = copy.deepcopy(x)
    assert y is not x and y.requires_grad and y.tolist() == x.tolist()
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)
    x.data = td.full((3,), 2.0)
    assert x.tolist() == [2.0, 2.0, 2.0] and not x.data.requires_grad
    assert td.tensor([3.0, 4.0]).norm().item() == 5.0
    assert td.tensor([[3.0, -4.0]]).norm(p=1, dim=1).tolist() == [7.0]
    assert td.tensor([1.0, -7.0]).norm(float("inf")).item() == 7.0
    mask = td.tensor([True, False])
    assert (~mask).tolist() == [False, True] and mask.logical_not().tolist() == [False, True]
    pooled = td._C._nn.max_pool2d(td.arange(25.0).reshape(1, 1, 5, 5), 2, ceil_mode=True)
    assert pooled.shape == (1, 1, 3, 3)


def test_logic_and_comparisons_of_whole_tensors():
    x = td.tensor([0.5, -1.0, 2.0])
    inside = (x > 0) & (x < 1)
    assert inside.tolist() == [True, False, False] and ((x < 0) | (x > 1)).tolist() == [False, True, True]
    assert ((x > 0) ^ (x > 1)).tolist() == [True, False, False]
    assert td.logical_and(x, td.tensor([1.0, 0.0, 1.0])).tolist() == [True, False, True]
    assert (x > -2).all().item() and not (x > 0).all().item() and (x > 1).any().item()
    assert td.allclose(x, x + 1e-9) and not td.allclose(x, x + 1e-3)
    assert td.isclose(x, td.tensor([0.5, 0.0, 2.0])).tolist() == [True, False, True]
    td.manual_seed(4)
    p = td.randperm(10)
    assert sorted(p.tolist()) == list(range(10)) and p.dtype == td.int64
    with pytest.raises(RuntimeError, match="bool tensors only"):
        td.ones(2) & td.ones(2)


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6.0).reshape(2, 3)
    t = td.from_numpy(a)
    a[0, 0] = 100.0
    assert t[0, 0].item() == 100.0, "from_numpy shares the array's memory"
    t.mul_(2.0)
    assert a[1, 2] == 10.0
    column = td.from_numpy(a[:, 1])  # strided: still shared
    a[1, 1] = -1.0
    assert column.tolist() == [2.0, -1.0]
    del a
    assert t.sum().item() == 200.0 + 2 + 4 + 6 - 1 + 10, "the tensor keeps the memory alive"
    converted = td.from_numpy(np.arange(3, dtype=np.int32))  # no int32 in the engine: copied as int64
    assert converted.dtype == td.int64


def test_masked_fill_values_and_their_errors():
    x = td.tensor([1.0, 2.0, 3.0])
    mask = x > 1.0
    assert x.masked_fill(mask, 5).tolist() == [1.0, 5.0, 5.0]
    # A 0-dim tensor value is cast to the input's dtype (its gradient is tested against PyTorch).
    assert td.masked_fill(x, mask, td.tensor(7, dtype=td.int64)).tolist() == [1.0, 7.0, 7.0]
    with pytest.raises(td.TapedeckError, match=r"masked_fill: the value must be a number or a 0-dim tensor, got "
                                                r"float32 tensor of shape \[2\]"):
        x.masked_fill(mask, td.tensor([1.0, 2.0]))
    with pytest.raises(td.TapedeckError, match="masked_fill: the value must be a number or a 0-dim tensor, got str"):
        x.masked_fill(mask, "a")
    with pytest.raises(td.TapedeckError, match="got collections.OrderedDict"):
        x.masked_fill(mask, __import__("collections").OrderedDict())
    assert x.masked_fill(mask, np.float32(2.5)).tolist() == [1.0, 2.5, 2.5]  # a NumPy scalar is a number


def test_numpy_scalars_are_numbers_wherever_a_number_is_taken():
    x = td.tensor([1.0, 2.0])
    assert x.mul(np.float32(2)).tolist() == [2.0, 4.0]
    assert x.add(np.int64(3)).tolist() == [4.0, 5.0]
    assert x.clamp(np.float64(1.5)).tolist() == [1.5, 2.0]
    assert td.where(x > 1, x, np.float32(0)).tolist() == [0.0, 2.0]
