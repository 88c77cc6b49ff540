"""tapedeck.autograd.Function: a user-defined op with its own backward, as PyTorch's.

    class Cube(tapedeck.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    y = Cube.apply(x)     # one tape entry named "Cube"; y.grad_fn.name() == "CubeBackward"

forward runs without recording; backward gets one gradient per output and returns one per
forward argument (None for non-tensors and inputs that need none).
"""
from . import _C


class FunctionCtx:
    """What forward leaves for backward."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self.non_differentiable = set()

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, _C.Tensor):
                raise TypeError(f"save_for_backward can only save tensors or None, got {type(t).__name__}")
        self._saved = tensors

    @property
    def saved_tensors(self):
        return self._saved

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        """Accepted for compatibility: missing output gradients always arrive as zeros."""


class Function:
    """Subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs); call apply()."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must implement forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must implement backward(ctx, ...)")

    @classmethod
    def apply(cls, *args):
        name = cls.__name__
        tensor_positions = [i for i, a in enumerate(args) if isinstance(a, _C.Tensor)]
        ctx = FunctionCtx(tuple(isinstance(a, _C.Tensor) and a.requires_grad for a in args))
        previous = _C.is_grad_enabled()
        _C._set_grad_enabled(False)
        try:
            result = cls.forward(ctx, *args)
        finally:
            _C._set_grad_enabled(previous)
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        for i, out in enumerate(outputs):
            if not isinstance(out, _C.Tensor):
                raise TypeError(f"{name}.forward must return tensors, but output {i} is a {type(out).__name__}")

        def backward(grads):
            returned = cls.backward(ctx, *grads)
            returned = returned if isinstance(returned, tuple) else (returned,)
            if len(returned) != len(args):
                raise RuntimeError(f"function {name}Backward returned an incorrect number of gradients "
                                   f"(expected {len(args)}, got {len(returned)})")
            return [returned[i] for i in tensor_positions]

        inputs = [args[i] for i in tensor_positions]
        connected = _C._autograd.apply_function(name, inputs, list(outputs), backward)
        return connected[0] if single else tuple(connected)
