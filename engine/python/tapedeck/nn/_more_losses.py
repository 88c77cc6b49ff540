"""More of PyTorch's losses and similarities (kl_div, cosine_similarity, pairwise_distance,
the margin and embedding losses, the multi-label and multi-class margin losses,
gaussian_nll_loss, poisson_nll_loss), as compositions of the engine's ops, with PyTorch
1.13's formulas and reductions."""
import math

from .. import _C
from ._losses import _reduce, _reduction


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target * (log target - input) per element (0 where target is 0), input being
    log-probabilities; reduction 'batchmean' divides the sum by the batch size."""
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0
        loss = _C.where(positive, target * _C.where(positive, target, 1.0).log(), 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.dim() > 0 else 1)
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x1 . x2 / (max(|x1|, eps) max(|x2|, eps)) along dim (the two broadcast first)."""
    rank = max(x1.dim(), x2.dim())
    sizes = [[1] * (rank - x.dim()) + list(x.shape) for x in (x1, x2)]
    shape = [a if b == 1 else b for a, b in zip(*sizes)]
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    norms = [(x * x).sum(dim).sqrt() for x in (x1, x2)]
    return (x1 * x2).sum(dim) / (norms[0].clamp(min=eps) * norms[1].clamp(min=eps))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps along the last dim."""
    diff = x1 - x2 + eps
    last = diff.dim() - 1
    if p == math.inf:
        return diff.abs().amax(last, keepdim=keepdim)
    return diff.abs().pow(p).sum(last, keepdim=keepdim).pow(1.0 / p)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos where target is 1, max(0, cos - margin) where it is -1."""
    dim = input1.dim() - 1
    eps = 1e-12
    cos = (input1 * input2).sum(dim) / (((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps)).sqrt()
    loss = _C.where(target == 1, 1.0 - cos, 0.0) + _C.where(target == -1, (cos - margin).clamp(min=0.0), 0.0)
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -target (input1 - input2) + margin)."""
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0.0), _reduction(size_average, reduce, reduction))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target input))."""
    return _reduce(_C._nn.softplus(-target * input, 1.0, 20.0), _reduction(size_average, reduce, reduction))


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """input where target is 1, max(0, margin - input) where it is -1."""
    loss = _C.where(target != 1, (margin - input).clamp(min=0.0), 0.0) + _C.where(target != -1, input, 0.0)
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, d(anchor, positive) - d(anchor, negative) + margin), d the pairwise distance
    (with swap, the smaller of d(anchor, negative) and d(positive, negative))."""
    near = pairwise_distance(anchor, positive, p, eps)
    far = pairwise_distance(anchor, negative, p, eps)
    if swap:
        far = _C.minimum(far, pairwise_distance(positive, negative, p, eps))
    return _reduce((near - far + margin).clamp(min=0.0), _reduction(size_average, reduce, reduction))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log var + (input - target)^2 / var), var kept >= eps (the clamp passes the
    gradient through, as PyTorch's no-grad clamp does); full adds 0.5 log(2 pi)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if var.dim() == input.dim() - 1 or (var.dim() == input.dim() and var.shape[-1] == 1 and input.shape[-1] != 1):
        var = var.unsqueeze(-1) if var.dim() == input.dim() - 1 else var
    if (var.detach() < 0).any().item():
        raise ValueError("var has negative entry/entries")
    held = var + (var.detach().clamp(min=eps) - var.detach())
    loss = 0.5 * (held.log() + (input - target) * (input - target) / held)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """exp(input) - target input (log_input), else input - target log(input + eps); full adds
    Stirling's approximation of log(target!) where target > 1."""
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        counted = target > 1
        safe = _C.where(counted, target, 2.0)
        stirling = safe * safe.log() - safe + 0.5 * (safe * (2 * math.pi)).log()
        loss = loss + _C.where(counted, stirling, 0.0)
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Per sample, the mean over classes of -(y log σ(x) + (1 - y) log σ(-x)) (weighted per class)."""
    if input.dim() == 0 or list(target.shape) != list(input.shape):
        raise ValueError(f"multilabel_soft_margin_loss: expected input [..., C] and a target of the same shape, got "
                         f"{list(input.shape)} and {list(target.shape)}")
    # log σ(x) = -softplus(-x), stably.
    loss = target * _C._nn.softplus(-input, 1.0, 20.0) + (1 - target) * _C._nn.softplus(input, 1.0, 20.0)
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.dim() - 1) / input.shape[-1]
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """The multi-class hinge loss: per sample, the sum over the other classes i of
    max(0, margin - x[y] + x[i])^p (times weight[y]), over the number of classes."""
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = input.unsqueeze(0) if input.dim() == 1 else input
    y = target.reshape(-1)
    if x.dim() != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(f"multi_margin_loss: expected input [N, C] (or [C]) and target [N], got {list(input.shape)} "
                         f"and {list(target.shape)}")
    classes = x.shape[1]
    picked = x.gather(1, y.unsqueeze(1))  # x[y]
    hinge = margin - picked + x
    hinge = hinge.masked_fill(hinge <= 0, 0.0)  # (no gradient at the hinge itself, as PyTorch's z > 0)
    hinge = hinge * hinge if p == 2 else hinge
    others = _C.arange(classes, dtype=_C.dtype.int64).unsqueeze(0) != y.unsqueeze(1)
    hinge = hinge.masked_fill(~others, 0.0)
    if weight is not None:
        hinge = hinge * weight.index_select(0, y).unsqueeze(1)
    loss = hinge.sum(1) / classes
    loss = loss.reshape(*target.shape) if input.dim() == 1 else loss
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Per sample, the sum over its target classes j (target's entries up to the first -1) and
    the other classes i of max(0, 1 - (x[j] - x[i])), over the number of classes."""
    if target.dtype != _C.dtype.int64:
        raise RuntimeError(f"multilabel_margin_loss: expected an int64 target of class indices, got "
                           f"{str(target.dtype).split('.')[-1]}")
    x = input.unsqueeze(0) if input.dim() == 1 else input
    classes = x.shape[1]
    labels = target.reshape(x.shape).tolist() if x.numel() else []
    counts = []  # how often each class is listed before the first -1 (a repeated one counts again)
    for row in labels:
        listed = [0] * classes
        for label in row:
            if label == -1:
                break
            if not 0 <= label < classes:
                raise RuntimeError(f"multilabel_margin_loss: target label {label} is out of range for {classes} "
                                   f"classes")
            listed[label] += 1
        counts.append(listed)
    listed = _C.tensor(counts, dtype=x.dtype) if counts else _C.zeros(*x.shape, dtype=x.dtype)
    weights = listed.unsqueeze(2) * (listed == 0).to(x.dtype).unsqueeze(1)  # [N, j (listed), i (not listed)]
    margins = 1.0 - x.unsqueeze(2) + x.unsqueeze(1)
    margins = margins.masked_fill(margins <= 0, 0.0)
    loss = (margins * weights).sum((1, 2)) / classes
    loss = loss.reshape(()) if input.dim() == 1 else loss
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """max(0, d(anchor, positive) - d(anchor, negative) + margin) with any distance function
    (pairwise_distance by default); swap uses d(positive, negative) when it is smaller."""
    distance = distance_function if distance_function is not None else pairwise_distance
    to_positive, to_negative = distance(anchor, positive), distance(anchor, negative)
    if swap:
        to_negative = _C.minimum(to_negative, distance(positive, negative))
    return _reduce((to_positive - to_negative + margin).clamp(min=0.0), _reduction(None, None, reduction))
