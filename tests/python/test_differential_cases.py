"""Single cases against Debian's python3-torch, next to the random programs of
test_differential.py: the known mismatches (differential_ops.KNOWN_MISMATCHES) as strict
xfail tests, which fail the suite once the engine is fixed, and the cases that were
mismatches and are fixed, kept as plain tests."""
import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

torch = pytest.importorskip("torch")
import tapedeck  # noqa: E402

import differential_ops as D  # noqa: E402


def test_known_mismatches_are_documented():
    assert D.KNOWN_MISMATCHES
    for key, text in D.KNOWN_MISMATCHES.items():
        assert text.strip(), key
        assert f"test_known_mismatch_{key}" in globals(), f"no xfail test for known mismatch {key}"


# --- known mismatches (xfail strict: they fail the suite once the engine is fixed) --------------

class Mismatch(AssertionError):
    """Tapedeck disagrees with PyTorch (raised only for Tapedeck's side: an xfail test whose PyTorch
    reference itself breaks fails instead of passing as xfail)."""


def known_mismatch(key):
    return pytest.mark.xfail(strict=True, raises=Mismatch, reason=D.KNOWN_MISMATCHES[key])


def _both(build):
    """build(M) for torch and tapedeck; returns ((torch values...), (tapedeck values...))."""
    expected = build(torch)
    try:
        actual = build(tapedeck)
    except Exception as error:  # noqa: BLE001
        raise Mismatch(f"Tapedeck raised {type(error).__name__}: {error}") from error
    return expected, actual


def _np(values):
    return [None if v is None else np.asarray(D.to_numpy(v)) for v in values]


def _assert_same(build):
    expected, actual = _both(build)
    try:
        for e, a in zip(_np(expected), _np(actual)):
            if e is None or a is None:
                assert e is None and a is None, f"PyTorch {e!r}, Tapedeck {a!r}"
                continue
            assert e.shape == a.shape, f"shape: PyTorch {e.shape}, Tapedeck {a.shape}"
            np.testing.assert_allclose(a, e, rtol=D.RTOL, atol=D.ATOL)
    except AssertionError as error:
        raise Mismatch(str(error)) from error


def test_fixed_masked_fill_tensor_value():
    """(Was a known mismatch: a 0-d tensor value was taken as a float, so value.grad stayed None.)"""
    def build(M):
        x = M.tensor([[0.5, -1.0, 2.0], [1.5, -0.5, 3.0]], dtype=M.float64, requires_grad=True)
        value = M.tensor(-2.5, dtype=M.float64, requires_grad=True)
        y = x.masked_fill(x > 1.0, value)
        (y * M.tensor([1.0, 2.0, 3.0], dtype=M.float64)).sum().backward()
        return y, x.grad, value.grad  # PyTorch: value.grad = 2 + 1 + 3 = 6
    _assert_same(build)


def test_index_with_several_tensors():
    """(Was a known mismatch: Tapedeck refused more than one index tensor.) The pool draws keys with
    up to three; these are PyTorch's placement rules: paired-up dims where the indexed ones were when
    adjacent, else first; ints and 0-d tensors select first."""
    def build(M):
        x = M.tensor(np.arange(60.0).reshape(3, 4, 5), dtype=M.float64, requires_grad=True)
        i, j = M.tensor([0, 2]), M.tensor([[1], [3]])
        ys = [x[M.tensor([0, 1]), M.tensor([1, 2])],  # [x[0, 1], x[1, 2]]
              x[:, i, M.tensor([4, 0])], x[i, :, M.tensor([4, 0])], x[i, j], x[0, :, i],
              x[M.tensor(1), i], x[[2, 0], [1, 1], [0, -1]]]
        sum(((y * (k + 1)).sum() for k, y in enumerate(ys)), M.tensor(0.0, dtype=M.float64)).backward()
        return (*ys, x.grad)
    _assert_same(build)


def test_fixed_detach_():
    """(Was a known mismatch: detach_ refused non-leaves.) The tensor leaves the graph in place; a
    leaf that required grad no longer does; a view is refused, as PyTorch refuses it."""
    def build(M):
        x = M.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=M.float64, requires_grad=True)
        w = x * 2.0
        w.detach_()
        assert not w.requires_grad and w.grad_fn is None and w.is_leaf
        (w * x).sum().backward()
        leaf = M.tensor([1.0], requires_grad=True)
        assert leaf.detach_() is leaf and not leaf.requires_grad
        try:
            (x * 1.0)[0].detach_()
        except Exception as error:  # noqa: BLE001
            assert "view" in str(error)
        else:
            raise AssertionError(f"{M.__name__}: detach_ of a view was not refused")
        return w, x.grad  # PyTorch: x.grad = w = 2x (no gradient through w)
    _assert_same(build)


def test_tensor_from_0d_numpy_array():
    """(Was a known mismatch: tapedeck.tensor(0-d array) gave shape (1,).) The harness makes its 0-d
    leaves this way."""
    def build(M):
        return (M.tensor(np.asarray(1.5), dtype=M.float64), M.as_tensor(np.asarray(2.5)),
                M.from_numpy(np.asarray(3.5)), M.tensor(np.float64(4.5)))
    _assert_same(build)


def test_fixed_copy_into_graph():
    """(Was a known mismatch: copy_ into a tensor in the graph passed the gradient on to its old
    history.) The overwritten values get zeros, src its gradient; fill_ and zero_ likewise."""
    def build(M):
        x = M.tensor([1.0, 2.0, 3.0], dtype=M.float64, requires_grad=True)
        w = x * 1.0
        w.copy_(M.tensor([5.0, 6.0, 7.0], dtype=M.float64))
        (w * w).sum().backward()
        y = M.tensor([1.0, 2.0, 3.0], dtype=M.float64, requires_grad=True)
        src = M.tensor(4.0, dtype=M.float64, requires_grad=True)
        u = y * 1.0
        u.copy_(src)
        (u * u).sum().backward()
        z = M.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=M.float64, requires_grad=True)
        row = M.tensor([0.5, -1.5], dtype=M.float64, requires_grad=True)
        v = z * 2.0
        v.copy_(row)  # broadcast over the rows
        f = z * 3.0
        f.fill_(2.0)
        e = z + 1.0
        e.zero_()
        ((v * z).sum() + (f * f * z).sum() + (e + z).sum()).backward()
        return (w, x.grad, u, y.grad, src.grad,  # PyTorch: x.grad = y.grad = zeros, src.grad = 24
                v, f, e, z.grad, row.grad)
    _assert_same(build)


def test_fixed_std_zero_variance():
    """(Was a known mismatch: std's gradient was NaN where the variance is 0.) PyTorch's 0 there,
    through every form: dims, keepdim, all, correction."""
    def build(M):
        x = M.tensor([[0.5, -2.0, 1.0], [-3.0, -2.5, -4.0]], dtype=M.float64, requires_grad=True)
        c = x.clamp(min=-1.0)  # row 1 is all -1.0: std 0
        s = c.std(dim=1, unbiased=False)
        k = c.std(1, keepdim=True)
        whole = (c * 0.0 + 2.0).std()  # every value equal
        (s * M.tensor([1.0, 0.0], dtype=M.float64)).sum().backward(retain_graph=True)
        first = x.grad.clone()
        (k.sum() + whole + M.std(c, dim=1, correction=0).sum()).backward()
        return s, k, whole, first, x.grad
    _assert_same(build)


def test_fixed_log_function():
    def build(M):
        x = M.tensor([0.5, 2.0], dtype=M.float64, requires_grad=True)
        y = M.log(x)
        y.sum().backward()
        return y, x.grad
    _assert_same(build)


def test_fixed_sign_requires_grad():
    """(Was a known mismatch: sign's result did not require grad.) A zero gradient, as the roundings."""
    def build(M):
        x = M.tensor([0.5, -2.0], dtype=M.float64, requires_grad=True)
        y = M.sign(x)
        assert y.requires_grad, f"{M.__name__}: sign(x).requires_grad is False"
        (y * 3.0).sum().backward()
        return y, x.grad  # PyTorch: x.grad = [0, 0]
    _assert_same(build)


def test_fixed_unbatched_class_losses():
    """(Was a known mismatch: input [C] with a 0-d target was refused.) One sample, every reduction,
    label smoothing and an ignored target."""
    def build(M):
        F = torch.nn.functional if M is torch else tapedeck._C._nn
        x = M.tensor([0.5, -1.0, 2.0], dtype=M.float64, requires_grad=True)
        target = M.tensor(2)
        loss = F.cross_entropy(x, target) + F.nll_loss(x.log_softmax(0), target)
        none = F.cross_entropy(x, target, reduction="none") * 2.0 + F.nll_loss(x, M.tensor(1), reduction="none")
        smooth = F.cross_entropy(x, M.tensor(0), label_smoothing=0.2, reduction="sum")
        ignored = F.cross_entropy(x, M.tensor(1), ignore_index=1, reduction="sum")
        (loss + none + smooth + ignored).backward()
        return loss, none, smooth, ignored, x.grad
    _assert_same(build)


def test_fixed_linspace_one_step():
    _assert_same(lambda M: (M.linspace(-1, 2, 1), M.linspace(0.5, 1.5, 1, dtype=M.float64)))


def _F(M):
    return torch.nn.functional if M is torch else tapedeck._C._nn


def test_fixed_index_negative_tensor():
    def build(M):
        x = M.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype=M.float64, requires_grad=True)
        y = x[M.tensor([-1, 0])] * x[:, [-1, 0]].sum()
        y.sum().backward()
        return y, x.grad
    _assert_same(build)


def test_fixed_gather_0d():
    def build(M):
        x = M.tensor(2.5, dtype=M.float64, requires_grad=True)
        y = x.gather(0, M.tensor(0))
        y.backward()
        return y, x.grad
    _assert_same(build)


def test_fixed_max_dim_tie_gradient():
    """(Was a known mismatch: max(dim)/min(dim) split a tie's gradient.) The returned index gets it
    all; amax/amin still split it, as PyTorch's do."""
    def build(M):
        x = M.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dtype=M.float64, requires_grad=True)
        r = x.max(1)
        low = M.min(x, 0, keepdim=True)
        split = x.amax(1)
        (r.values.sum() + (low.values * M.tensor([1.0, 2.0, 3.0], dtype=M.float64)).sum() + split.sum() * 10).backward()
        return r.values, r.indices, low.values, low.indices, split, x.grad  # PyTorch: max's share [[0, 1, 0], [1, 0, 0]]
    _assert_same(build)


def test_fixed_nll_loss_all_ignored():
    # Every target ignored under reduction='mean': a NaN loss (0 / 0) and a zero gradient.
    def build(M):
        x = M.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype=M.float64, requires_grad=True)
        loss = _F(M).nll_loss(x, M.tensor([-100, -100])) + _F(M).cross_entropy(x, M.tensor([-100, -100]))
        loss.backward()
        return loss, x.grad
    _assert_same(build)


def test_fixed_softmax_rows_with_infinities():
    # A +inf in a row makes the whole row NaN (as PyTorch's max-shifted kernels); -inf
    # entries get probability 0 (log-probability -inf), an all -inf row is NaN.
    def build(M):
        inf = float("inf")
        x = M.tensor([[inf, 1.0, 2.0], [-inf, 0.0, 1.0], [-inf, -inf, -inf], [inf, inf, 0.0]], dtype=M.float64)
        return x.softmax(1), x.log_softmax(1), x.t().softmax(0), x.t().log_softmax(0)
    _assert_same(build)


def test_fixed_bce_saturated():
    """(Was a known mismatch: the gradient at a probability of exactly 0 or 1 was NaN.) PyTorch's
    large finite gradient; and a target's gradient where the probabilities are inside (0, 1)
    (at 0 or 1 PyTorch 1.13's is infinite, Tapedeck's the difference of the clamped logs, +-100)."""
    def build(M):
        p = M.tensor([0.0, 1.0, 0.5], dtype=M.float64, requires_grad=True)
        loss = _F(M).binary_cross_entropy(p, M.tensor([1.0, 0.0, 1.0], dtype=M.float64))
        loss.backward()
        q = M.tensor([0.2, 0.9, 0.5], dtype=M.float64, requires_grad=True)
        t = M.tensor([1.0, 0.25, 0.0], dtype=M.float64, requires_grad=True)
        other = _F(M).binary_cross_entropy(q, t, reduction="sum")
        (g,) = M.autograd.grad(other, q, create_graph=True)
        (g * g).sum().backward()  # the second derivative too
        return loss, p.grad, other, g, q.grad, t.grad
    _assert_same(build)


def test_fixed_split_sizes_list():
    def build(M):
        x = M.tensor([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], dtype=M.float64, requires_grad=True)
        a, b = x.split([2, 4])
        c, d = M.split(x, [4, 2])
        (a.sum() * 2 + b.sum() + c.sum() * 3 + d.sum()).backward()
        return a, b, c, d, x.grad
    _assert_same(build)


def test_fixed_linear_1d_weight():
    """(Was a known mismatch: a 1-D weight was refused.) x @ w, the output dim dropped. (PyTorch 1.13
    refuses a bias with it, "mat2 must be a matrix"; Tapedeck adds a 0-d or [1] bias.)"""
    def build(M):
        x = M.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype=M.float64, requires_grad=True)
        w = M.tensor([0.5, 1.0, -1.5], dtype=M.float64, requires_grad=True)
        y = _F(M).linear(x, w)
        (y * y).sum().backward()
        return y, x.grad, w.grad
    _assert_same(build)


@known_mismatch("mse_loss_broadcast")
def test_known_mismatch_mse_loss_broadcast():
    def build(M):
        x = M.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype=M.float64, requires_grad=True)
        t = M.tensor([0.5, 1.0, -1.5], dtype=M.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = _F(M).mse_loss(x, t) + _F(M).l1_loss(x, t, reduction="sum")
        loss.backward()
        return loss, x.grad, t.grad
    _assert_same(build)
