"""Autograd from Python: backward, grad_fn, hooks, retain_grad, autograd.grad (second
order), grad mode, anomaly mode, and Python exceptions raised inside backward."""
import pytest

import tapedeck as td


def test_backward_accumulates_into_leaves():
    x = td.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    (x * 2).sum().backward()
    assert x.grad.tolist() == [4.0, 6.0, 8.0]
    x.grad = None
    assert x.grad is None


def test_grad_fn_names_the_op_and_its_tape_entry():
    x = td.tensor([1.0], requires_grad=True)
    y = x.exp()
    assert y.grad_fn.name() == "ExpBackward0"
    assert y.grad_fn.formula == "grad * result"
    assert isinstance(y.grad_fn.tape_entry, int) and y.grad_fn.tape_entry > 0
    assert x.grad_fn is None and x.is_leaf and not y.is_leaf


def test_hooks_and_retain_grad():
    x = td.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    seen = []
    handle = y.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)  # replaces the gradient
    y.sum().backward()
    assert seen == [[1.0, 1.0]] and y.grad.tolist() == [1.0, 1.0]
    assert x.grad.tolist() == [30.0, 30.0]
    handle.remove()


def test_python_exception_in_a_hook_propagates_out_of_backward():
    x = td.tensor([1.0], requires_grad=True)
    y = x * 2

    def broken(grad):
        raise KeyError("raised inside the hook")

    y.register_hook(broken)
    with pytest.raises(KeyError, match="raised inside the hook") as info:
        y.sum().backward()
    assert any(entry.name == "broken" for entry in info.traceback)


def test_second_derivative_with_create_graph():
    x = td.tensor([2.0], requires_grad=True)
    y = x ** 3
    (dy,) = td.autograd.grad(y, x, create_graph=True)
    assert dy.tolist() == [12.0]
    (d2y,) = td.autograd.grad(dy, x)
    assert d2y.tolist() == [12.0]


def test_grad_mode_contexts_and_decorators():
    x = td.ones(2, requires_grad=True)
    with td.no_grad():
        assert not (x * 2).requires_grad
        with td.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad

    @td.no_grad()
    def evaluate():
        return x * 2

    assert not evaluate().requires_grad
    with td.set_grad_enabled(False):
        assert not td.is_grad_enabled()
    assert td.is_grad_enabled()


def test_anomaly_mode_names_the_first_nan_and_the_python_line():
    x = td.tensor([-1.0], requires_grad=True)
    with td.autograd.detect_anomaly():
        with pytest.raises(RuntimeError) as info:
            td.sqrt(x)  # ANOMALY LINE
    from conftest import line_of
    assert "sqrt" in str(info.value)
    assert f"test_autograd.py:{line_of('ANOMALY LINE', test_anomaly_mode_names_the_first_nan_and_the_python_line)}" \
        in str(info.value)


def test_functional_backward():
    x = td.tensor([1.0, 2.0], requires_grad=True)
    td.autograd.backward([(x * x).sum()])
    assert x.grad.tolist() == [2.0, 4.0]


class Cube(td.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x ** 3 * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x ** 2 * ctx.scale, None


def test_custom_function_gradient_and_name():
    x = td.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert y.tolist() == [2.0, 16.0]
    assert y.grad_fn.name() == "CubeBackward" and y.grad_fn.op == "custom"
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 24.0]


def test_custom_function_second_order_and_errors():
    x = td.tensor([2.0], requires_grad=True)
    (g,) = td.autograd.grad(Cube.apply(x, 1.0), x, create_graph=True)
    assert g.tolist() == [12.0]
    (gg,) = td.autograd.grad(g, x)
    assert gg.tolist() == [12.0]

    class WrongCount(td.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        WrongCount.apply(td.ones(1, requires_grad=True)).sum().backward()

    class WrongShape(td.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, grad):
            return grad.reshape(1)

    with pytest.raises(RuntimeError, match="WrongShape.*shape"):
        WrongShape.apply(td.ones(3, requires_grad=True)).backward()

    class Raises(td.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("raised in a custom backward")

    with pytest.raises(ValueError, match="raised in a custom backward"):
        Raises.apply(td.ones(1, requires_grad=True)).sum().backward()


def test_custom_function_without_grad_records_no_node():
    y = Cube.apply(td.ones(2), 1.0)
    assert y.grad_fn is None and not y.requires_grad


def test_gradcheck_accepts_right_and_catches_wrong_backwards():
    x = td.randn(2, 3, dtype=td.float64, requires_grad=True)
    assert td.autograd.gradcheck(lambda a: (a * a.sin()).sum(1), x)

    class WrongBackward(td.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        td.autograd.gradcheck(WrongBackward.apply, x)


def test_boolean_mask_indexing():
    x = td.tensor([[1.0, -2.0], [3.0, -4.0]], requires_grad=True)
    picked = x[x > 0]
    assert picked.tolist() == [1.0, 3.0]
    picked.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0], [1.0, 0.0]]
    rows = td.arange(6.0).reshape(3, 2)[td.tensor([True, False, True])]
    assert rows.tolist() == [[0.0, 1.0], [4.0, 5.0]]
    z = td.zeros(2, 2)
    z[td.tensor([[True, False], [False, True]])] = 7
    assert z.tolist() == [[7.0, 0.0], [0.0, 7.0]]
