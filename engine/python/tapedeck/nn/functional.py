"""tapedeck.nn.functional: PyTorch's functional API over the engine's ops (tapedeck._C._nn).
Every op records the caller's line (frames inside the package are skipped)."""
import math
import warnings

from .. import _C
from ._activations import _maybe_inplace
from ._activations import (  # noqa: F401  (compositions of the engine's ops)
    celu, dropout1d, dropout2d, dropout3d, elu, glu, group_norm, hardsigmoid, hardswish, instance_norm, mish, prelu, selu,
    softmin, softsign, tanhshrink, threshold,
)
from ._interpolate import interpolate, upsample, upsample_bilinear, upsample_nearest  # noqa: F401
from ._layers import (  # noqa: F401  (compositions of the engine's ops)
    adaptive_avg_pool1d, adaptive_avg_pool3d, adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d, avg_pool3d,
    bilinear, channel_shuffle, conv1d, conv3d, conv_transpose1d, fold, gumbel_softmax, hardshrink, max_pool1d,
    max_pool3d, pixel_shuffle, pixel_unshuffle, softshrink, unfold,
)
from ._more_losses import (  # noqa: F401
    cosine_embedding_loss, cosine_similarity, gaussian_nll_loss, hinge_embedding_loss, kl_div, margin_ranking_loss,
    multi_margin_loss, multilabel_margin_loss, multilabel_soft_margin_loss, pairwise_distance, poisson_nll_loss,
    soft_margin_loss, triplet_margin_loss, triplet_margin_with_distance_loss,
)
from ._losses import (  # noqa: F401  (re-exported under PyTorch's names)
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, l1_loss, mse_loss,
    nll_loss, smooth_l1_loss,
)

_nn = _C._nn
Tensor = _C.Tensor


def _pair(value, what):
    if isinstance(value, int):
        return (value, value)
    value = tuple(value)
    if len(value) == 1:
        return (value[0], value[0])
    if len(value) != 2:
        raise ValueError(f"{what} must be an int or a pair of ints, got {value}")
    return value


def _unsupported(function, **options):
    for name, (value, default) in options.items():
        if value != default:
            raise NotImplementedError(f"{function}: {name}={value!r} is not supported by tapedeck yet "
                                      f"(only {name}={default!r})")


# --- activations ------------------------------------------------------------------------

def relu(input, inplace=False):
    """max(input, 0); inplace=True writes into input."""
    return input.relu_() if inplace else _C.relu(input)


def relu_(input):
    """relu written into input."""
    return input.relu_()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input where positive, negative_slope * input elsewhere (inplace returns a new tensor)."""
    return _nn.leaky_relu(input, negative_slope)


def gelu(input, approximate="none"):
    """x * Phi(x) (erf form), or the tanh approximation with approximate='tanh'."""
    if approximate == "none":
        return _nn.gelu(input)
    if approximate != "tanh":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
    return input * 0.5 * (_C.tanh(inner) + 1.0)


def tanh(input):
    """Hyperbolic tangent."""
    return _C.tanh(input)


def sigmoid(input):
    """1 / (1 + exp(-input))."""
    return _C.sigmoid(input)


def silu(input, inplace=False):
    """input * sigmoid(input)."""
    return input * _C.sigmoid(input)


def logsigmoid(input):
    """log(sigmoid(input)), computed stably as -softplus(-input)."""
    return -_nn.softplus(-input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """input clamped to [min_val, max_val]; its gradient is 1 strictly inside, 0 elsewhere
    (at the bounds too, as PyTorch's hardtanh, where clamp's is 1)."""
    if not (input.requires_grad and _C.is_grad_enabled()):
        return input.clamp_(min_val, max_val) if inplace else input.clamp(min_val, max_val)
    return _maybe_inplace(input, lambda x: _C.where((x > min_val) & (x < max_val), x, x.detach().clamp(min_val, max_val)),
                          inplace)


def relu6(input, inplace=False):
    """input clamped to [0, 6], with hardtanh's gradient (0 at 0 and at 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""
    return _nn.softplus(input, beta, threshold)


def _softmax_dim(name, ndim, dim):
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  f"as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) along dim (converted to dtype first when given)."""
    if dtype is not None:
        input = input.to(dtype)
    return _C.softmax(input, _softmax_dim("softmax", input.dim(), dim))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along dim, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    return _C.log_softmax(input, _softmax_dim("log_softmax", input.dim(), dim))


# --- layers -----------------------------------------------------------------------------

def linear(input, weight, bias=None):
    """input @ weight.T + bias."""
    return _nn.linear(input, weight, bias)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of [N, C, H, W] (or [C, H, W]) with weight [out, C/groups, kH, kW];
    padding may be 'valid' or 'same' (stride 1, symmetric padding)."""
    if isinstance(padding, str):
        padding = _string_padding(padding, weight, stride, dilation)
    if input.dim() == 3:
        return _nn.conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    return _nn.conv2d(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transposed convolution (conv2d's gradient wrt its input, as a layer) of [N, C, h, w]
    (or [C, h, w]) with weight [C, out/groups, kH, kW]: each input value spreads its kernel
    over the output, which grows to (h - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1."""
    if input.dim() == 3:
        return _nn.conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups,
                                    dilation).squeeze(0)
    return _nn.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)


def _string_padding(padding, weight, stride, dilation):
    if padding == "valid":
        return 0
    if padding != "same":
        raise ValueError(f"conv2d: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    if _pair(stride, "stride") != (1, 1):
        raise ValueError("conv2d: padding='same' is not supported for strided convolutions")
    dilation = _pair(dilation, "dilation")
    total = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
    if any(t % 2 for t in total):
        raise NotImplementedError("conv2d: padding='same' needs asymmetric padding for this even kernel, which "
                                  "tapedeck does not support yet; pass explicit padding")
    return (total[0] // 2, total[1] // 2)


def pad(input, pad, mode="constant", value=None):
    """Pads the last len(pad) // 2 dims, as PyTorch: pad = (before, after) for the last dim,
    then (before, after) for the one before it, and so on. mode 'constant' fills with `value`
    (0 by default; a negative amount crops); 'reflect' mirrors the edge without repeating it,
    'replicate' repeats the edge, 'circular' wraps around. Made of cat and index_select, so
    the gradient of the padded values flows back to where they came from."""
    amounts = tuple(pad)
    if len(amounts) % 2 or any(isinstance(a, bool) or not isinstance(a, int) for a in amounts):
        raise ValueError(f"pad: padding must be an even number of ints, got {amounts!r}")
    if len(amounts) // 2 > input.dim():
        raise ValueError(f"pad: padding {amounts!r} pads {len(amounts) // 2} dims of a {input.dim()}-d tensor")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}")
    if mode != "constant" and value not in (None, 0):
        raise ValueError(f"pad: value is for mode='constant' only (mode={mode!r})")
    out = input
    for i in range(len(amounts) // 2):
        dim = input.dim() - 1 - i
        before, after = amounts[2 * i], amounts[2 * i + 1]
        size = out.shape[dim]
        if mode == "constant":
            start, stop = max(-before, 0), size - max(-after, 0)
            if stop < start:
                raise ValueError(f"pad: cropping {-min(before, 0)} and {-min(after, 0)} from dim {dim} of size {size}")
            if (start, stop) != (0, size):
                out = out.narrow(dim, start, stop - start)
            pieces = []
            for amount in (before, None, after):
                if amount is None:
                    pieces.append(out)
                elif amount > 0:
                    shape = list(out.shape)
                    shape[dim] = amount
                    pieces.append(_C.full(tuple(shape), 0 if value is None else value, dtype=out.dtype))
            out = _C.cat(pieces, dim) if len(pieces) > 1 else out
            continue
        if before < 0 or after < 0:
            raise ValueError(f"pad: mode={mode!r} cannot crop (padding {amounts!r})")
        if size == 0 or (mode == "reflect" and (before >= size or after >= size)) or \
                (mode == "circular" and (before > size or after > size)):
            limit = "less than" if mode == "reflect" else "at most"
            raise ValueError(f"pad: mode={mode!r} needs padding {limit} the size of dim {dim} ({size}), got "
                             f"({before}, {after})")
        if before == 0 and after == 0:
            continue
        if mode == "reflect":
            period = 2 * (size - 1)
            index = [abs(j) % period if period else 0 for j in range(-before, size + after)]
            index = [k if k < size else period - k for k in index]
        elif mode == "replicate":
            index = [min(max(j, 0), size - 1) for j in range(-before, size + after)]
        else:
            index = [j % size for j in range(-before, size + after)]
        out = out.index_select(dim, _C.tensor(index, dtype=_C.dtype.int64))
    return out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over kernel_size windows of [N, C, H, W] (stride defaults to kernel_size)."""
    _unsupported("max_pool2d", dilation=(_pair(dilation, "dilation"), (1, 1)), ceil_mode=(ceil_mode, False),
                 return_indices=(return_indices, False))
    stride = None if stride is None or stride == [] or stride == () else stride
    if input.dim() == 3:
        return _nn.max_pool2d(input.unsqueeze(0), kernel_size, stride, padding).squeeze(0)
    return _nn.max_pool2d(input, kernel_size, stride, padding)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over kernel_size windows of [N, C, H, W] (padding counted, as PyTorch's default)."""
    _unsupported("avg_pool2d", ceil_mode=(ceil_mode, False), count_include_pad=(count_include_pad, True),
                 divisor_override=(divisor_override, None))
    stride = None if stride is None or stride == [] or stride == () else stride
    if input.dim() == 3:
        return _nn.avg_pool2d(input.unsqueeze(0), kernel_size, stride, padding).squeeze(0)
    return _nn.avg_pool2d(input, kernel_size, stride, padding)


def adaptive_avg_pool2d(input, output_size):
    """Mean pooling of [N, C, H, W] to output_size (an int, a pair; None keeps that size)."""
    size = list(_pair(output_size, "output_size")) if not isinstance(output_size, int) else [output_size] * 2
    for i, value in enumerate(size):
        if value is None:
            size[i] = input.shape[-2 + i]
    if input.dim() == 3:
        return _nn.adaptive_avg_pool2d(input.unsqueeze(0), size).squeeze(0)
    return _nn.adaptive_avg_pool2d(input, size)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes elements with probability p and scales the rest by 1/(1-p) while training."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    return _nn.dropout(input, p, training)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalises over the trailing normalized_shape dims, then scales and shifts."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    return _nn.layer_norm(input, list(normalized_shape), weight, bias, eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalises over the batch (and spatial dims) per channel; while training it uses the
    batch statistics and updates running_mean/var in place with momentum."""
    return _nn.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of weight picked by the int64 indices in input; rows at padding_idx get no gradient."""
    _unsupported("embedding", max_norm=(max_norm, None), scale_grad_by_freq=(scale_grad_by_freq, False),
                 sparse=(sparse, False))
    out = _nn.embedding(input, weight)
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += weight.shape[0]
        # Same values; the gradient stops at the padding positions (as PyTorch's).
        out = _C.where((input == padding_idx).unsqueeze(-1), out.detach(), out)
    return out


def one_hot(tensor, num_classes=-1):
    """int64 [..., num_classes] with a 1 at each index (num_classes=-1: max + 1)."""
    return _nn.one_hot(tensor, num_classes)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(||input||_p along dim, eps)."""
    if p == 2.0:
        norm = (input * input).sum(dim, keepdim=True).sqrt()
    else:
        norm = input.abs().pow(p).sum(dim, keepdim=True).pow(1.0 / p)
    return input / norm.clamp(min=eps)

