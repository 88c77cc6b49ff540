"""tapedeck.autograd.functional (jacobian, hessian, vjp, jvp, vhp, hvp), set_detect_anomaly and
Variable, against Debian's PyTorch."""
import numpy as np
import pytest

import tapedeck as td

torch = pytest.importorskip("torch", reason="the comparison needs Debian's python3-torch")


def _grid(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _flat(result):
    """Every tensor of a nested tuple result, in order, as arrays."""
    if isinstance(result, (tuple, list)):
        return [a for item in result for a in _flat(item)]
    return [result.detach().numpy()]


def _same(call, *arrays):
    ours = call(td, *[td.tensor(a) for a in arrays])
    theirs = call(torch, *[torch.tensor(a) for a in arrays])
    ours_flat, theirs_flat = _flat(ours), _flat(theirs)
    assert len(ours_flat) == len(theirs_flat)
    for o, t in zip(ours_flat, theirs_flat):
        assert o.shape == t.shape
        np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12)


def _f(lib):
    return lambda x: lib.sin(x) * x.sum()


def _pair(lib):
    return lambda x, y: (x * y.sum(), (x ** 2).sum() * y)


def _scalar(lib):
    return lambda x: (lib.exp(x) * x.flip(0)).sum()


def _scalar_two(lib):
    return lambda x, y: (x ** 2 * y).sum() + (x * lib.sin(y)).sum()


CASES = [
    ("jacobian", lambda lib, x: lib.autograd.functional.jacobian(_f(lib), x), [(3,)]),
    ("jacobian_matrix_input", lambda lib, x: lib.autograd.functional.jacobian(lambda a: a.t() @ a, x), [(3, 2)]),
    ("jacobian_tuples", lambda lib, x, y: lib.autograd.functional.jacobian(_pair(lib), (x, y)), [(2,), (3,)]),
    ("hessian", lambda lib, x: lib.autograd.functional.hessian(_scalar(lib), x), [(4,)]),
    ("hessian_tuples", lambda lib, x, y: lib.autograd.functional.hessian(_scalar_two(lib), (x, y)), [(2,), (2,)]),
    ("vjp", lambda lib, x, v: lib.autograd.functional.vjp(_f(lib), x, v), [(3,), (3,)]),
    ("vjp_scalar", lambda lib, x: lib.autograd.functional.vjp(_scalar(lib), x), [(3,)]),
    ("jvp", lambda lib, x, v: lib.autograd.functional.jvp(_f(lib), x, v), [(3,), (3,)]),
    ("jvp_tuples", lambda lib, x, y, u, w: lib.autograd.functional.jvp(_pair(lib), (x, y), (u, w)),
     [(2,), (3,), (2,), (3,)]),
    ("vhp", lambda lib, x, v: lib.autograd.functional.vhp(_scalar(lib), x, v), [(4,), (4,)]),
    ("hvp", lambda lib, x, v: lib.autograd.functional.hvp(_scalar(lib), x, v), [(4,), (4,)]),
    ("hvp_tuples", lambda lib, x, y, u, w: lib.autograd.functional.hvp(_scalar_two(lib), (x, y), (u, w)),
     [(2,), (2,), (2,), (2,)]),
]


@pytest.mark.parametrize("name,call,shapes", CASES, ids=[c[0] for c in CASES])
def test_functional_derivatives_match_pytorch(name, call, shapes):
    _same(call, *[_grid(*s, seed=i + 1) for i, s in enumerate(shapes)])


def test_functional_derivatives_leave_the_inputs_alone_and_can_be_differentiated():
    x = td.tensor([1.0, 2.0], requires_grad=True)
    jacobian = td.autograd.functional.jacobian(lambda a: a ** 3, x, create_graph=True)
    assert x.grad is None and jacobian.requires_grad
    from tapedeck.autograd.functional import hessian  # the module path PyTorch scripts import from
    assert hessian(lambda a: (a ** 3).sum(), x).tolist() == [[6.0, 0.0], [0.0, 12.0]]
    with pytest.raises(RuntimeError, match="The vector v can only be None if the user-provided function returns a "
                                           "single Tensor with a single element"):
        td.autograd.functional.vjp(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match="should return a single Tensor with a single element"):
        td.autograd.functional.hessian(lambda a: a * 2, x)
    with pytest.raises(TypeError, match="jacobian: inputs must be a Tensor or a tuple of Tensors, got list"):
        td.autograd.functional.jacobian(lambda a: a, [1.0])


def test_create_graph_reaches_the_inputs_and_constant_outputs_give_zeros():
    results = []
    for lib in (td, torch):
        F = lib.autograd.functional
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        F.jacobian(lambda y: (y ** 3).sum(), x, create_graph=True).sum().backward()
        _, product = F.hvp(lambda y: (y ** 3).sum(), x, lib.ones(2, dtype=lib.float64), create_graph=True)
        penalty = x.grad.clone()
        x.grad = None
        product.sum().backward()
        a = lib.tensor([1.0, 2.0], dtype=lib.float64)
        results.append([penalty, x.grad,
                        F.jacobian(lambda y: lib.ones(3, dtype=lib.float64), a),
                        F.hessian(lambda y: (2 * y).sum(), a),
                        F.jvp(lambda y, z: y ** 2, (a, a), (a, a))[1],
                        F.hvp(lambda y: (3 * y).sum(), a, a)[1],
                        F.vjp(lambda y: lib.zeros(2, dtype=lib.float64), a, a)[1]])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not require gradients"):
        td.autograd.functional.jacobian(lambda y: td.ones(2), td.ones(2), strict=True)
    with pytest.raises(RuntimeError, match="The vector v can only be None if the input to the user-provided "
                                           "function is a single Tensor with a single element"):
        td.autograd.functional.hvp(lambda y: y.sum(), td.ones(2))
    with pytest.raises(RuntimeError, match=r"jvp: v has invalid size"):
        td.autograd.functional.jvp(lambda y: y * 2, td.ones(2), td.ones(3))


def test_global_anomaly_mode_and_variable():
    td.autograd.set_detect_anomaly(True)
    try:
        assert td.autograd.is_anomaly_enabled()
        with pytest.raises(Exception, match="log produced NaN or Inf"):
            td.log(td.tensor([-1.0]))
        with td.autograd.set_detect_anomaly(False):
            assert td.log(td.tensor([-1.0])).isnan().all()
        assert td.autograd.is_anomaly_enabled()
    finally:
        td.autograd.set_detect_anomaly(False)
    assert not td.autograd.is_anomaly_enabled()
    assert td.log(td.tensor([-1.0])).isnan().all()
    with td.autograd.detect_anomaly():
        assert td.is_anomaly_enabled()
    td.autograd.set_detect_anomaly(True, check_nan=False)  # on, nothing checked
    try:
        assert td.is_anomaly_enabled() and td.log(td.tensor([-1.0])).isnan().all()
    finally:
        td.autograd.set_detect_anomaly(False)
    v = td.autograd.Variable(td.ones(2), requires_grad=True)
    assert v.requires_grad and v.is_leaf
    assert not td.autograd.Variable(td.ones(2)).requires_grad
