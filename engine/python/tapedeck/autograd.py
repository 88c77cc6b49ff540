"""tapedeck.autograd: grad mode, grad/backward and anomaly detection, as PyTorch's."""
import functools

from . import _C
from .function import Function, FunctionCtx  # noqa: F401

grad_mode = _C  # is_grad_enabled / _set_grad_enabled live on the extension


class _GradModeContext:
    """A context manager that is also a decorator (no_grad, enable_grad)."""

    _mode = True

    def __enter__(self):
        self._previous = _C.is_grad_enabled()
        _C._set_grad_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._previous)
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return function(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Ops run without recording for autograd (observers still see them)."""
    _mode = False


class inference_mode(_GradModeContext):
    """PyTorch's inference_mode: here grad mode off (as no_grad; tensors made inside are
    ordinary tensors); inference_mode(False) leaves recording on."""

    def __init__(self, mode=True):
        self._enabled = bool(mode)
        self._mode = not self._enabled

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with inference_mode(self._enabled):
                return function(*args, **kwargs)
        return wrapper


class enable_grad(_GradModeContext):
    """Re-enables recording inside a no_grad region."""
    _mode = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode on construction (usable as a plain call, a context or a decorator)."""

    def __init__(self, mode):
        self._previous = _C.is_grad_enabled()
        self._mode = bool(mode)
        _C._set_grad_enabled(self._mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._previous)
        return False

    def __call__(self, function):
        mode = self._mode
        _C._set_grad_enabled(self._previous)

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return function(*args, **kwargs)
        return wrapper


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """d(outputs)/d(inputs) as a tuple, without touching .grad."""
    return _C._autograd.grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulates the gradients of `tensors` into the leaves' .grad."""
    _C._autograd.backward(tensors, grad_tensors, retain_graph, create_graph)


class detect_anomaly:
    """Within this context, the first op that produces NaN or Inf (forward or backward) raises,
    naming the op and its source line."""

    def __init__(self, check_nan=True):
        self._guard = _C._autograd._AnomalyMode() if check_nan else None

    def __enter__(self):
        global _anomaly_blocks
        _anomaly_blocks += 1
        if self._guard is not None:
            self._guard.__enter__()
        return self

    def __exit__(self, *exc):
        global _anomaly_blocks
        _anomaly_blocks -= 1
        if self._guard is not None:
            self._guard.__exit__(*exc)
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with detect_anomaly():
                return function(*args, **kwargs)
        return wrapper


# set_detect_anomaly's setting: (on, check_nan), and the guard it holds while checking NaNs.
_global_anomaly = (False, True)
_global_guard = None
_anomaly_blocks = 0  # detect_anomaly() blocks entered


def _set_global_anomaly(on, check_nan=True):
    global _global_anomaly, _global_guard
    _global_anomaly = (on, check_nan)
    if on and check_nan and _global_guard is None:
        _global_guard = _C._autograd._AnomalyMode()
        _global_guard.__enter__()
    elif not (on and check_nan) and _global_guard is not None:
        _global_guard.__exit__(None, None, None)
        _global_guard = None


class set_detect_anomaly:
    """Anomaly mode on (or off) from here on, as PyTorch's: the first op that produces NaN or
    Inf raises, naming the op and its line (check_nan=False: on, but nothing is checked).
    As a context manager, it restores the setting before it on exit. A detect_anomaly()
    block around it keeps checking."""

    def __init__(self, mode, check_nan=True):
        self._previous = _global_anomaly
        _set_global_anomaly(bool(mode), bool(check_nan))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set_global_anomaly(*self._previous)
        return False


def is_anomaly_enabled():
    """Whether anomaly mode is on: set_detect_anomaly(True), or inside detect_anomaly()."""
    return _global_anomaly[0] or _anomaly_blocks > 0


def Variable(data, requires_grad=False, volatile=False):
    """PyTorch 0.3's wrapper, kept for old scripts: every tensor is a Variable now, so this
    returns the tensor itself as a leaf (requiring grad when asked)."""
    if not isinstance(data, _C.Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    leaf = data.detach()
    return leaf.requires_grad_() if requires_grad else leaf


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compares func's backward with central differences, one input element at a time (use
    float64 inputs). Returns True, or raises (or returns False) naming the first mismatch."""
    inputs = (inputs,) if isinstance(inputs, _C.Tensor) else tuple(inputs)
    outputs = func(*inputs)
    outputs = (outputs,) if isinstance(outputs, _C.Tensor) else tuple(outputs)
    differentiable = [i for i, x in enumerate(inputs) if isinstance(x, _C.Tensor) and x.requires_grad]
    for out_index, out in enumerate(outputs):
        flat_out = out.reshape(-1)
        for k in range(flat_out.numel()):
            fresh = func(*inputs)  # a new graph: the perturbations below write into the inputs
            fresh = (fresh,) if isinstance(fresh, _C.Tensor) else tuple(fresh)
            analytic = grad(fresh[out_index].reshape(-1)[k], [inputs[i] for i in differentiable], allow_unused=True)
            for position, i in enumerate(differentiable):
                x = inputs[i]
                flat = x.detach().reshape(-1)
                for j in range(flat.numel()):
                    original = flat[j].item()
                    with no_grad():
                        flat[j] = original + eps
                        plus = func(*inputs)
                        plus = (plus,) if isinstance(plus, _C.Tensor) else tuple(plus)
                        flat[j] = original - eps
                        minus = func(*inputs)
                        minus = (minus,) if isinstance(minus, _C.Tensor) else tuple(minus)
                        flat[j] = original
                    numeric = (plus[out_index].reshape(-1)[k].item() - minus[out_index].reshape(-1)[k].item()) / (2 * eps)
                    a = analytic[position]
                    got = 0.0 if a is None else a.reshape(-1)[j].item()
                    if abs(got - numeric) > atol + rtol * abs(numeric):
                        message = (f"Jacobian mismatch for output {out_index} element {k} with respect to input {i} "
                                   f"element {j}: numerical {numeric:.6g}, analytical {got:.6g}")
                        if raise_exception:
                            raise RuntimeError(message)
                        return False
    return True


from . import autograd_functional as functional  # noqa: E402  (tapedeck.autograd.functional)
import sys as _sys  # noqa: E402

_sys.modules[__name__ + ".functional"] = functional  # so `from tapedeck.autograd.functional import ...` works
