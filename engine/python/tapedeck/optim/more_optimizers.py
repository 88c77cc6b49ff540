"""Adamax, Adadelta, NAdam, RAdam and Rprop, as PyTorch 1.13's (single-tensor) updates,
written in Python over the engine's ops under no-grad, in the tape scope "optimizer.step" as
the engine's optimizers are. Each parameter's state is made at its first step."""
import math

from .. import _C, autograd
from .engine_optimizers import _check_lr
from .optimizer import Optimizer


def _check(name, **values):
    """Hyperparameters that must be >= 0 (betas in [0, 1))."""
    for key, value in values.items():
        if key == "betas":
            for i, beta in enumerate(value):
                if not 0.0 <= beta < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        elif not value >= 0.0:
            raise ValueError(f"Invalid {key} value: {value}")


class _PythonOptimizer(Optimizer):
    """The loop: every parameter with a gradient goes to _update(p, grad, state, group)."""

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure() if given."""
        loss = None
        if closure is not None:
            with autograd.enable_grad():
                loss = closure()
        with autograd.no_grad(), _C._Scope("optimizer.step"):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = -p.grad if group.get("maximize", False) else p.grad
                    state = self.state[p]
                    if not state:
                        self._init_state(p, state, group)
                    if not isinstance(state["step"], _C.Tensor):  # (a state saved with a number)
                        state["step"] = _C.tensor(float(state["step"]))
                    state["step"] = state["step"] + 1.0
                    if group.get("weight_decay", 0) != 0:
                        grad = grad + p * group["weight_decay"]
                    self._update(p, grad, state, group, int(state["step"].item()))
        return loss

    _zero_state = ()  # the per-parameter tensors that start as zeros of the parameter's shape

    def _init_state(self, p, state, group):
        state["step"] = _C.tensor(0.0)
        for name in self._zero_state:
            state[name] = _C.zeros(*p.shape, dtype=p.dtype)

    def _update(self, p, grad, state, group, step):
        raise NotImplementedError


class Adamax(_PythonOptimizer):
    """Adam with the infinity norm: the step is lr over the running maximum of |gradient|."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False):
        _check_lr("Adamax", lr)
        _check("Adamax", betas=betas, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize))

    _zero_state = ("exp_avg", "exp_inf")

    def _update(self, p, grad, state, group, step):
        beta1, beta2 = group["betas"]
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        exp_avg.copy_(exp_avg * beta1 + grad * (1 - beta1))
        exp_inf.copy_(_C.maximum(exp_inf * beta2, grad.abs() + group["eps"]))
        p.sub_(exp_avg / exp_inf * (group["lr"] / (1 - beta1 ** step)))


class Adadelta(_PythonOptimizer):
    """Each step is the ratio of the running RMS of past steps to that of the gradients."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, maximize=False):
        _check_lr("Adadelta", lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check("Adadelta", eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize))

    _zero_state = ("square_avg", "acc_delta")

    def _update(self, p, grad, state, group, step):
        rho, eps = group["rho"], group["eps"]
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg.copy_(square_avg * rho + grad * grad * (1 - rho))
        delta = (acc_delta + eps).sqrt() / (square_avg + eps).sqrt() * grad
        acc_delta.copy_(acc_delta * rho + delta * delta * (1 - rho))
        p.sub_(delta * group["lr"])


class NAdam(_PythonOptimizer):
    """Adam with Nesterov momentum and a momentum schedule (momentum_decay). As PyTorch 1.13's
    foreach update; its single-tensor one (the CPU default) multiplies the second term's
    momentum product by mu twice, which later PyTorch fixed."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 foreach=None):
        _check_lr("NAdam", lr)
        _check("NAdam", betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, foreach=foreach))

    _zero_state = ("exp_avg", "exp_avg_sq")

    def _init_state(self, p, state, group):
        super()._init_state(p, state, group)
        state["mu_product"] = _C.tensor(1.0)

    def _update(self, p, grad, state, group, step):
        beta1, beta2 = group["betas"]
        decay = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
        state["mu_product"] = state["mu_product"] * mu
        mu_product = state["mu_product"].item()
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.copy_(exp_avg * beta1 + grad * (1 - beta1))
        exp_avg_sq.copy_(exp_avg_sq * beta2 + grad * grad * (1 - beta2))
        denom = (exp_avg_sq / (1 - beta2 ** step)).sqrt() + group["eps"]
        lr = group["lr"]
        p.sub_(grad / denom * (lr * (1.0 - mu) / (1.0 - mu_product)))
        p.sub_(exp_avg / denom * (lr * mu_next / (1.0 - mu_product * mu_next)))


class RAdam(_PythonOptimizer):
    """Adam whose adaptive step is rectified for the variance of its early estimates (plain
    momentum SGD until that variance is tractable)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None):
        _check_lr("RAdam", lr)
        _check("RAdam", betas=betas, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach))

    _zero_state = ("exp_avg", "exp_avg_sq")

    def _update(self, p, grad, state, group, step):
        beta1, beta2 = group["betas"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.copy_(exp_avg * beta1 + grad * (1 - beta1))
        exp_avg_sq.copy_(exp_avg_sq * beta2 + grad * grad * (1 - beta2))
        correction2 = 1 - beta2 ** step
        corrected = exp_avg / (1 - beta1 ** step)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p.sub_(corrected * group["lr"] * (math.sqrt(correction2) / (exp_avg_sq.sqrt() + group["eps"])) * rect)
        else:
            p.sub_(corrected * group["lr"])


class Rprop(_PythonOptimizer):
    """Resilient backpropagation: each weight's own step size grows while its gradient keeps
    its sign and shrinks when it flips; only the gradient's sign is used."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), foreach=None, maximize=False):
        _check_lr("Rprop", lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize))

    _zero_state = ("prev",)

    def _init_state(self, p, state, group):
        super()._init_state(p, state, group)
        state["step_size"] = _C.full(list(p.shape), float(group["lr"]), dtype=p.dtype)

    def _update(self, p, grad, state, group, step):
        minus, plus = group["etas"]
        smallest, largest = group["step_sizes"]
        agreement = (grad * state["prev"]).sign()
        factor = _C.full(list(grad.shape), 1.0, dtype=grad.dtype).masked_fill(agreement > 0, plus)
        factor = factor.masked_fill(agreement < 0, minus)
        step_size = state["step_size"]
        step_size.copy_((step_size * factor).clamp(smallest, largest))
        grad = grad.masked_fill(agreement < 0, 0.0)  # after a sign flip, no step and no memory of it
        p.sub_(grad.sign() * step_size)
        state["prev"].copy_(grad)
