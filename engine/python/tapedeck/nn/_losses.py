"""The loss functions of tapedeck.nn.functional, under PyTorch's names and arguments. The
engine's losses do the common cases; class weights, pos_weight and probability targets
are written here from engine ops."""
from .. import _C

_nn = _C._nn
Tensor = _C.Tensor


def _reduction(size_average, reduce, reduction):
    """PyTorch's legacy size_average/reduce flags folded into a reduction string."""
    if size_average is None and reduce is None:
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{reduction} is not a valid value for reduction (expected 'mean', 'sum' or 'none')")
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return ("mean" if size_average else "sum") if reduce else "none"


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_target(name, input, target):
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{name}: input and target must be tapedeck.Tensor, got {type(input).__name__} and "
                        f"{type(target).__name__}")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error ((input - target)^2, reduced)."""
    _check_target("mse_loss", input, target)
    return _nn.mse_loss(input, target, reduction=_reduction(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean absolute error (|input - target|, reduced)."""
    _check_target("l1_loss", input, target)
    return _nn.l1_loss(input, target, reduction=_reduction(size_average, reduce, reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta."""
    diff = (input - target).abs()
    if beta == 0.0:
        return _reduce(diff, _reduction(size_average, reduce, reduction))
    loss = _C.where(diff < beta, diff * diff * (0.5 / beta), diff - 0.5 * beta)
    return _reduce(loss, _reduction(size_average, reduce, reduction))


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)."""
    diff = (input - target).abs()
    loss = _C.where(diff < delta, diff * diff * 0.5, (diff - 0.5 * delta) * delta)
    return _reduce(loss, _reduction(None, None, reduction))


def _class_weights(weight, target, ignore_index, dtype):
    """(weight of each target's class, 0 where ignored; targets made safe to gather)."""
    valid = target != ignore_index
    safe = _C.where(valid, target, _C.zeros_like(target))
    picked = weight.index_select(0, safe.reshape(-1)).reshape(*safe.shape)
    return picked * valid.to(dtype), safe


def _weighted_nll(log_probs, target, weight, ignore_index, reduction):
    """nll_loss with per-class weights (PyTorch's weighted mean divides by the weight sum)."""
    w, safe = _class_weights(weight, target, ignore_index, log_probs.dtype)
    picked = log_probs.gather(1, safe.unsqueeze(1)).squeeze(1)
    loss = -(picked * w)
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of class indices given log-probabilities [N, C, ...]."""
    _check_target("nll_loss", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is None:
        return _nn.nll_loss(input, target, ignore_index=ignore_index, reduction=reduction)
    return _weighted_nll(input, target, weight, ignore_index, reduction)


def _class_shape(input, weight):
    """weight shaped [1, C, 1, ...] to broadcast over input [N, C, ...]."""
    shape = [1] * input.dim()
    shape[1 if input.dim() > 1 else 0] = -1
    return weight.reshape(*shape)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits [N, C, ...] against class indices (int64) or class
    probabilities (a float tensor of input's shape); optional class weights and smoothing."""
    _check_target("cross_entropy", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if target.is_floating_point():
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)
    if weight is None:
        return _nn.cross_entropy(input, target, ignore_index=ignore_index, reduction=reduction,
                                 label_smoothing=label_smoothing)
    class_dim = 1 if input.dim() > 1 else 0
    log_probs = input.log_softmax(class_dim)
    if input.dim() == 1:  # unbatched: one sample
        log_probs, target = log_probs.unsqueeze(0), target.unsqueeze(0)
    nll = _weighted_nll(log_probs, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    w, _ = _class_weights(weight, target, ignore_index, input.dtype)
    valid = (target != ignore_index).to(input.dtype)
    smooth = -(log_probs * _class_shape(log_probs, weight)).sum(1) * valid
    if reduction == "mean":
        smooth = smooth.sum() / w.sum()
    else:
        smooth = _reduce(smooth, reduction)
    classes = input.shape[class_dim]
    return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / classes)


def _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing):
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"cross_entropy: probability targets must have input's shape {list(input.shape)}, "
                         f"got {list(target.shape)}")
    class_dim = 1 if input.dim() > 1 else 0
    classes = input.shape[class_dim]
    if label_smoothing > 0.0:
        target = target * (1.0 - label_smoothing) + label_smoothing / classes
    terms = input.log_softmax(class_dim) * target
    if weight is not None:
        terms = terms * _class_shape(input, weight)
    loss = -terms.sum(class_dim)
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities `input`."""
    _check_target("binary_cross_entropy", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is None:
        return _nn.binary_cross_entropy(input, target, reduction=reduction)
    return _reduce(_nn.binary_cross_entropy(input, target, reduction="none") * weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed stably; pos_weight scales the
    positive term per class."""
    _check_target("binary_cross_entropy_with_logits", input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is None and pos_weight is None:
        return _nn.binary_cross_entropy_with_logits(input, target, reduction=reduction)
    if pos_weight is None:
        loss = _nn.binary_cross_entropy_with_logits(input, target, reduction="none")
    else:
        # (1 - t) x + (1 + (pw - 1) t) softplus(-x), PyTorch's formula.
        log_weight = (pos_weight - 1.0) * target + 1.0
        loss = (1.0 - target) * input + log_weight * _nn.softplus(-input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)
