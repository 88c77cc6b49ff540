"""Gradient clipping: clip_grad_norm_ and clip_grad_value_, as PyTorch's."""
import math

from ... import _C
from ...autograd import no_grad


def _grads(parameters):
    if isinstance(parameters, _C.Tensor):
        parameters = [parameters]
    seen = set()
    grads = []
    for p in parameters:
        if id(p) in seen:
            continue
        seen.add(id(p))
        if p.grad is not None:
            grads.append(p.grad)
    return grads


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scales the gradients in place so that their joint norm is at most max_norm; returns
    the joint norm (a 0-d tensor) before clipping."""
    max_norm, norm_type = float(max_norm), float(norm_type)
    grads = _grads(parameters)
    if not grads:
        return _C.tensor(0.0)
    with no_grad():
        if math.isinf(norm_type):
            norms = [g.detach().abs().amax() for g in grads if g.numel() > 0]
            total = _C.stack(norms).amax() if norms else _C.tensor(0.0)
        else:
            norms = [_norm(g.detach(), norm_type) for g in grads]
            total = _norm(_C.stack(norms), norm_type)
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                               f"so it cannot be clipped. To disable this error and scale the gradients by the "
                               f"non-finite norm anyway, set `error_if_nonfinite=False`")
        coefficient = max_norm / (total.item() + 1e-6)
        if coefficient < 1.0:
            for g in grads:
                g.mul_(coefficient)
    return total


def _norm(tensor, p):
    if p == 2.0:
        return (tensor * tensor).sum().sqrt()
    if p == 1.0:
        return tensor.abs().sum()
    return tensor.abs().pow(p).sum().pow(1.0 / p)


def clip_grad_value_(parameters, clip_value):
    """Clamps every gradient in place to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
