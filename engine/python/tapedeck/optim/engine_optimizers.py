"""SGD, Adam, AdamW and RMSprop: PyTorch's classes and arguments over the engine's
optimizers (one per parameter group). The update runs in C++ under no-grad inside the
tape scope "optimizer.step"; a change to a group's 'lr' (a scheduler's) is applied before
the next step. Other hyperparameters are read when the group is added."""
from collections import defaultdict

from .. import _C, autograd
from .optimizer import Optimizer


def _check_lr(name, lr):
    """A learning rate is a number >= 0 (a string used to fail as "'<' not supported")."""
    try:
        value = float(lr) if not isinstance(lr, (str, bytes, bool)) else None
    except (TypeError, ValueError, RuntimeError):  # (float() of a many-element tensor: TapedeckError)
        value = None
    if value is None:
        raise TypeError(f"{name}: lr must be a number, got {type(lr).__name__} {lr!r}")
    if not value >= 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")


class _EngineOptimizer(Optimizer):
    """An Optimizer whose groups are updated by engine optimizers."""

    def __init__(self, params, defaults):
        self._engines = []
        super().__init__(params, defaults)

    def _make_engine(self, params, group):
        raise NotImplementedError

    def _group_added(self, group):
        self._engines.append(self._make_engine(group["params"], group))

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure() if given."""
        loss = None
        if closure is not None:
            with autograd.enable_grad():
                loss = closure()
        for group, engine in zip(self.param_groups, self._engines):
            if engine.lr != group["lr"]:
                engine.lr = float(group["lr"])
            engine.step()
        return loss

    def _engine_state(self):
        """{index of the parameter over all groups: {name: tensor}}, from the engine optimizers."""
        state = {}
        offset = 0
        for group, engine in zip(self.param_groups, self._engines):
            for name, value in engine.state_dict():
                parts = name.split(".")
                if parts[0] == "state":
                    state.setdefault(offset + int(parts[1]), {})[parts[2]] = value
            offset += len(group["params"])
        return state

    @property
    def state(self):
        """PyTorch's opt.state: {parameter: {'momentum_buffer': ..., 'exp_avg': ..., 'step': ...}}
        for the parameters stepped so far: copies of what the engine optimizers keep (change the
        state through load_state_dict; writing into these copies changes nothing)."""
        params = [p for group in self.param_groups for p in group["params"]]
        state = defaultdict(dict)
        for index, values in self._engine_state().items():
            state[params[index]] = values
        return state

    @state.setter
    def state(self, value):
        """(The base class sets it empty, and load_state_dict hands it to the engines.)"""

    def state_dict(self):
        """PyTorch's layout; the per-parameter state comes from the engine optimizers."""
        out = super().state_dict()
        out["state"] = self._engine_state()
        return out

    def load_state_dict(self, state_dict):
        super().load_state_dict({"param_groups": state_dict["param_groups"], "state": {}})
        offset = 0
        for group, engine in zip(self.param_groups, self._engines):
            saved = []
            for name, value in engine.state_dict():  # the hyperparameters, from the group
                parts = name.split(".")
                if parts[0] == "param_groups":
                    key = {"beta1": "betas", "beta2": "betas"}.get(parts[2], parts[2])
                    if key in group:
                        number = group[key][0 if parts[2] == "beta1" else 1] if key == "betas" else group[key]
                        value = _C.tensor(float(number), dtype=_C.dtype.float64)
                    saved.append((name, value))
            for i in range(len(group["params"])):  # the per-parameter state, from the dict
                for key, value in state_dict["state"].get(offset + i, {}).items():
                    saved.append((f"state.{i}.{key}", value))
            engine.load_state_dict(saved)
            offset += len(group["params"])


class SGD(_EngineOptimizer):
    """Stochastic gradient descent with optional momentum, dampening, weight decay and Nesterov."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
        _check_lr(type(self).__name__, lr)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov))

    def _make_engine(self, params, g):
        return _C._optim.sgd(params, float(g["lr"]), float(g["momentum"]), float(g["dampening"]),
                             float(g["weight_decay"]), bool(g["nesterov"]))


class Adam(_EngineOptimizer):
    """Adam (Kingma and Ba), with optional L2 weight decay and AMSGrad."""

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False):
        _check_lr(type(self).__name__, lr)
        if not 0.0 <= betas[0] < 1.0 or not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameters: {betas}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    def _make_engine(self, params, g):
        return _C._optim.adam(params, float(g["lr"]), float(g["betas"][0]), float(g["betas"][1]), float(g["eps"]),
                              float(g["weight_decay"]), bool(g["amsgrad"]), self._decoupled)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter); PyTorch's default decay 1e-2."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


class RMSprop(_EngineOptimizer):
    """RMSprop with optional momentum and centering."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False):
        _check_lr(type(self).__name__, lr)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered))

    def _make_engine(self, params, g):
        return _C._optim.rmsprop(params, float(g["lr"]), float(g["alpha"]), float(g["eps"]),
                                 float(g["weight_decay"]), float(g["momentum"]), bool(g["centered"]))
