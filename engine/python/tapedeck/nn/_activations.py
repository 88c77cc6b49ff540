"""More of PyTorch's activation functions, group and instance normalisation and channel
dropout, as compositions of the engine's ops (each runs, is recorded and is differentiated
as the ops it is made of). Exponentials only ever see the side of 0 where they are used,
so the branch where() leaves out cannot overflow into a NaN gradient."""
import warnings

from .. import _C

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _maybe_inplace(input, compute, inplace):
    """compute(input); with inplace=True its result is written into input (copy_), which is
    returned. In a graph the ops read a clone, so none of them saved the memory being
    overwritten and the gradient flows back through the clone, as PyTorch's in-place
    activations' does."""
    if not inplace:
        return compute(input)
    source = input.clone() if input.requires_grad and _C.is_grad_enabled() else input
    return input.copy_(compute(source))


def elu(input, alpha=1.0, inplace=False):
    """input where positive, alpha (exp(input) - 1) elsewhere."""
    return _maybe_inplace(input, lambda x: _C.where(x > 0, x, (x.clamp(max=0.0).exp() - 1.0) * alpha), inplace)


def selu(input, inplace=False):
    """scale * elu(input, alpha) with the self-normalising constants."""
    return _maybe_inplace(input, lambda x: elu(x, _SELU_ALPHA) * _SELU_SCALE, inplace)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise ValueError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _maybe_inplace(input, lambda x: _C.where(x > 0, x, ((x.clamp(max=0.0) / alpha).exp() - 1.0) * alpha),
                          inplace)


def hardsigmoid(input, inplace=False):
    """0 below -3, 1 above 3, x / 6 + 1/2 between (gradient 1/6 strictly inside)."""
    def compute(x):
        inside = (x > -3.0) & (x < 3.0)
        return _C.where(inside, x / 6.0 + 0.5, (x.detach() >= 3.0).to(x.dtype))
    return _maybe_inplace(input, compute, inplace)


def hardswish(input, inplace=False):
    """x * hardsigmoid(x): 0 below -3, x above 3, x (x + 3) / 6 between."""
    return _maybe_inplace(input, lambda x: _C.where(x >= -3.0, _C.where(x > 3.0, x, x * (x + 3.0) / 6.0), 0.0),
                          inplace)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _maybe_inplace(input, lambda x: x * _C.tanh(_C._nn.softplus(x, 1.0, 20.0)), inplace)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1.0)


def tanhshrink(input):
    """x - tanh(x)."""
    return input - _C.tanh(input)


def threshold(input, threshold, value, inplace=False):
    """input where it is above threshold, value elsewhere."""
    return _maybe_inplace(input, lambda x: _C.where(x > threshold, x, value), inplace)


def prelu(input, weight):
    """input where positive, weight * input elsewhere; weight has one value, or one per
    channel (dim 1 of the input)."""
    if weight.dim() > 1:
        raise ValueError(f"prelu: weight must be 0-D or 1-D, got {list(weight.shape)}")
    slope = weight
    if weight.numel() != 1:
        channels = input.shape[1] if input.dim() >= 2 else None
        if channels != weight.numel():
            raise ValueError(f"prelu: weight of {weight.numel()} values needs an input with as many channels "
                             f"(dim 1), got {list(input.shape)}")
        slope = weight.reshape(weight.numel(), *([1] * (input.dim() - 2)))
    return _C.where(input > 0, input, input * slope)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of input along dim."""
    size = input.shape[dim]
    if size % 2:
        raise ValueError(f"glu: halving dim {dim} needs an even size, got {size}")
    a, b = input.split(size // 2, dim)
    return a * _C.sigmoid(b)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-input) along dim."""
    from .functional import softmax
    return softmax(-input, dim, dtype=dtype)


# --- normalisation over groups and instances, channel dropout (compositions too) ---------

def _normalise_lanes(input, lanes, eps):
    """input viewed as [lanes, -1], each lane shifted to mean 0 and scaled to variance 1
    (the biased variance, as PyTorch's norms), in input's shape."""
    if input.numel() == 0:
        return input * 1.0  # an empty batch: nothing to normalise (as PyTorch's)
    flat = input.reshape(lanes, -1)
    centred = flat - flat.mean(1, keepdim=True)
    return (centred * (centred * centred).mean(1, keepdim=True).add(eps).rsqrt()).reshape(*input.shape)


def _affine(out, weight, bias, name):
    """Per-channel (dim 1) scale and shift."""
    for what, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (out.shape[1],):
            raise ValueError(f"{name}: {what} must have one value per channel ([{out.shape[1]}]), got "
                             f"{list(t.shape)}")
    shape = [1, -1] + [1] * (out.dim() - 2)
    if weight is not None:
        out = out * weight.reshape(*shape)
    if bias is not None:
        out = out + bias.reshape(*shape)
    return out


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalises [N, C, ...] over each group of C / num_groups channels (and the spatial dims)."""
    if input.dim() < 2 or input.shape[1] % num_groups:
        raise ValueError(f"group_norm: expected [N, C, ...] with C divisible by num_groups={num_groups}, got "
                         f"{list(input.shape)}")
    return _affine(_normalise_lanes(input, input.shape[0] * num_groups, eps), weight, bias, "group_norm")


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalises [N, C, ...] over the spatial dims of each sample and channel."""
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise NotImplementedError("instance_norm: running statistics are not supported by tapedeck yet "
                                  "(track_running_stats=False)")
    if input.dim() < 3:
        raise ValueError(f"instance_norm: expected [N, C, spatial...], got {list(input.shape)}")
    return _affine(_normalise_lanes(input, input.shape[0] * input.shape[1], eps), weight, bias, "instance_norm")


def _channel_dropout(name, input, p, training, spatial):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.dim() not in (spatial + 1, spatial + 2):
        raise ValueError(f"{name}: expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D input, got "
                         f"{list(input.shape)}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep_shape = list(input.shape[:input.dim() - spatial]) + [1] * spatial
    keep = (_C.rand(*keep_shape) >= p).to(input.dtype) / (1.0 - p)
    return input * keep


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of [N, C, L] with probability p (the rest scaled by 1 / (1 - p))."""
    return _maybe_inplace(input, lambda x: _channel_dropout("dropout1d", x, p, training, 1), inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of [N, C, D, H, W] with probability p (the rest scaled by 1 / (1 - p))."""
    return _maybe_inplace(input, lambda x: _channel_dropout("dropout3d", x, p, training, 3), inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of [N, C, H, W] with probability p (the rest scaled by 1 / (1 - p)).
    A 3-D input is taken as [N, C, L], as PyTorch 1.13 does (with its warning)."""
    if input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L). Use dropout1d for that.")
        return _maybe_inplace(input, lambda x: _channel_dropout("dropout2d", x, p, training, 1), inplace)
    return _maybe_inplace(input, lambda x: _channel_dropout("dropout2d", x, p, training, 2), inplace)
