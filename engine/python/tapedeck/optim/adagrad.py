"""Adagrad, as PyTorch 1.13's (single-tensor) update, written in Python over the engine's
ops under no-grad, in the tape scope "optimizer.step" as the engine's optimizers are."""
from .. import _C
from .engine_optimizers import _check_lr
from .more_optimizers import _PythonOptimizer


class Adagrad(_PythonOptimizer):
    """Each parameter's step is lr over the root of its summed squared gradients (plus eps),
    with optional learning-rate decay and L2 weight decay."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False):
        _check_lr("Adagrad", lr)
        for name, value in (("lr_decay", lr_decay), ("weight_decay", weight_decay),
                            ("initial_accumulator_value", initial_accumulator_value), ("eps", eps)):
            if not value >= 0.0:
                raise ValueError(f"Invalid {name} value: {value}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize))

    def _group_added(self, group):
        for p in group["params"]:
            state = self.state[p]
            state["step"] = _C.tensor(0.0)
            state["sum"] = _C.full(tuple(p.shape), float(group["initial_accumulator_value"]), dtype=p.dtype)

    def _init_state(self, p, state, group):  # (a state loaded without this parameter's)
        self._group_added({**group, "params": [p]})

    def _update(self, p, grad, state, group, step):
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        state["sum"].add_(grad * grad)
        p.sub_(grad / (state["sum"].sqrt() + group["eps"]) * clr)
