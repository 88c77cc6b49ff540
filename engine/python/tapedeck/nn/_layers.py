"""More of PyTorch's functional layers as compositions of the engine's ops (re-exported by
nn.functional): 1-D convolutions and pooling (run as height-1 2-D ones), 3-D convolution and
pooling (2-D ones over the depth slices), adaptive max pooling, pixel and channel shuffles, unfold/fold (im2col and its adjoint), the shrink
activations, bilinear and gumbel_softmax. Each is recorded and differentiated as the ops
it is made of."""
import math

from .. import _C

_nn = _C._nn
_i64 = _C.dtype.int64


def _single(value, what):
    """An int or a one-element sequence, as an int."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    value = tuple(value)
    if len(value) != 1 or not isinstance(value[0], int):
        raise ValueError(f"{what} must be an int or a one-element tuple, got {value!r}")
    return value[0]


def _pair(value, what):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    value = tuple(value)
    if len(value) == 1:
        value = (value[0], value[0])
    if len(value) != 2 or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{what} must be an int or a pair of ints, got {value!r}")
    return value


def _as_2d(input, name, batched_rank):
    """input [N, C, L] (or [C, L]) as [N, C, 1, L], and whether it was unbatched."""
    if input.dim() not in (batched_rank - 1, batched_rank):
        raise RuntimeError(f"{name}: expected a {batched_rank - 1}-D or {batched_rank}-D input, got "
                           f"{list(input.shape)}")
    unbatched = input.dim() == batched_rank - 1
    x = input.unsqueeze(0) if unbatched else input
    return x.unsqueeze(-2), unbatched


def _back_to_1d(out, unbatched):
    out = out.squeeze(-2)
    return out.squeeze(0) if unbatched else out


# --- 1-D convolutions and pooling ------------------------------------------------------------

def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of [N, C, L] (or [C, L]) with weight [out, C/groups, k]; padding may be
    'valid' or 'same' (stride 1)."""
    from . import functional as F
    x, unbatched = _as_2d(input, "conv1d", 3)
    if weight.dim() != 3:
        raise RuntimeError(f"conv1d: expected a 3-D weight [out, in/groups, k], got {list(weight.shape)}")
    pad = padding if isinstance(padding, str) else (0, _single(padding, "conv1d: padding"))
    out = F.conv2d(x, weight.unsqueeze(2), bias, (1, _single(stride, "conv1d: stride")), pad,
                   (1, _single(dilation, "conv1d: dilation")), groups)
    return _back_to_1d(out, unbatched)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transposed 1-D convolution of [N, C, l] (or [C, l]) with weight [C, out/groups, k]."""
    x, unbatched = _as_2d(input, "conv_transpose1d", 3)
    if weight.dim() != 3:
        raise RuntimeError(f"conv_transpose1d: expected a 3-D weight [in, out/groups, k], got {list(weight.shape)}")
    out = _nn.conv_transpose2d(x, weight.unsqueeze(2), bias, (1, _single(stride, "stride")),
                               (0, _single(padding, "padding")), (0, _single(output_padding, "output_padding")),
                               groups, (1, _single(dilation, "dilation")))
    return _back_to_1d(out, unbatched)


def _pool1d_args(name, kernel_size, stride, padding, ceil_mode, return_indices):
    from . import functional as F
    F._unsupported(name, ceil_mode=(ceil_mode, False), return_indices=(return_indices, False))
    k = _single(kernel_size, f"{name}: kernel_size")
    s = k if stride is None or stride == [] or stride == () else _single(stride, f"{name}: stride")
    return (1, k), (1, s), (0, _single(padding, f"{name}: padding"))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over kernel_size windows of [N, C, L] (stride defaults to kernel_size)."""
    from . import functional as F
    F._unsupported("max_pool1d", dilation=(_single(dilation, "dilation"), 1))
    k, s, p = _pool1d_args("max_pool1d", kernel_size, stride, padding, ceil_mode, return_indices)
    x, unbatched = _as_2d(input, "max_pool1d", 3)
    return _back_to_1d(_nn.max_pool2d(x, k, s, p), unbatched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over kernel_size windows of [N, C, L] (padding counted, as PyTorch's default)."""
    from . import functional as F
    F._unsupported("avg_pool1d", count_include_pad=(count_include_pad, True))
    k, s, p = _pool1d_args("avg_pool1d", kernel_size, stride, padding, ceil_mode, False)
    x, unbatched = _as_2d(input, "avg_pool1d", 3)
    return _back_to_1d(_nn.avg_pool2d(x, k, s, p), unbatched)


def adaptive_avg_pool1d(input, output_size):
    """Mean pooling of [N, C, L] to output_size."""
    x, unbatched = _as_2d(input, "adaptive_avg_pool1d", 3)
    size = _single(output_size, "adaptive_avg_pool1d: output_size")
    return _back_to_1d(_nn.adaptive_avg_pool2d(x, [1, size]), unbatched)


def _windows(size, out):
    """PyTorch's adaptive windows: [floor(i size / out), ceil((i + 1) size / out))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Maximum pooling of [N, C, H, W] (or [C, H, W]) to output_size (an int, a pair; None keeps
    that size)."""
    from . import functional as F
    F._unsupported("adaptive_max_pool2d", return_indices=(return_indices, False))
    if input.dim() not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d: expected a 3-D or 4-D input, got {list(input.shape)}")
    size = [output_size, output_size] if isinstance(output_size, int) else list(output_size)
    if len(size) != 2:
        raise ValueError(f"adaptive_max_pool2d: output_size must be an int or a pair, got {output_size!r}")
    h, w = input.shape[-2:]
    size = [h if size[0] is None else size[0], w if size[1] is None else size[1]]
    rows = []
    for r0, r1 in _windows(h, size[0]):
        band = input.narrow(-2, r0, r1 - r0)
        rows.append(_C.stack([band.narrow(-1, c0, c1 - c0).amax((-2, -1)) for c0, c1 in _windows(w, size[1])], -1))
    return _C.stack(rows, -2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Maximum pooling of [N, C, L] (or [C, L]) to output_size."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"adaptive_max_pool1d: expected a 2-D or 3-D input, got {list(input.shape)}")
    size = _single(output_size, "adaptive_max_pool1d: output_size")
    return adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices).squeeze(-2)


# --- 3-D convolution and pooling (as 2-D ones over the depth slices) -----------------------

def _triple(value, what):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value, value)
    value = tuple(value)
    if len(value) == 1:
        value = value * 3
    if len(value) != 3 or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{what} must be an int or a triple of ints, got {value!r}")
    return value


def _as_5d(input, name):
    if input.dim() not in (4, 5):
        raise RuntimeError(f"{name}: expected a 4-D or 5-D input [N, C, D, H, W], got {list(input.shape)}")
    return (input.unsqueeze(0), True) if input.dim() == 4 else (input, False)


def _depth_steps(x, start, count, stride):
    """x's depth slices start, start + stride, ... (count of them): [N, C, count, H, W]."""
    index = _C.arange(start, start + stride * (count - 1) + 1, stride, dtype=_i64)
    return x.index_select(2, index)


def _fold_depth(x):
    """[N, C, D, H, W] as [N D, C, H, W], and back with _unfold_depth."""
    n, c, d, h, w = x.shape
    return x.permute(0, 2, 1, 3, 4).reshape(n * d, c, h, w)


def _unfold_depth(x, n, d):
    return x.reshape(n, d, *x.shape[1:]).permute(0, 2, 1, 3, 4)


def _pad_depth(x, before, after, value):
    if not before and not after:
        return x
    n, c, _, h, w = x.shape
    parts = [_C.full([n, c, before, h, w], value, dtype=x.dtype), x, _C.full([n, c, after, h, w], value, dtype=x.dtype)]
    return _C.cat([p for p in parts if p.shape[2]], 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of [N, C, D, H, W] (or [C, D, H, W]) with weight [out, C/groups, kd, kh,
    kw]: for each kernel depth, a 2-D convolution of the depth slices it meets, summed."""
    x, unbatched = _as_5d(input, "conv3d")
    if weight.dim() != 5:
        raise RuntimeError(f"conv3d: expected a 5-D weight [out, in/groups, kd, kh, kw], got {list(weight.shape)}")
    (sd, sh, sw), (dd, dh, dw) = _triple(stride, "conv3d: stride"), _triple(dilation, "conv3d: dilation")
    kd = weight.shape[2]
    if isinstance(padding, str):
        if padding == "valid":
            padding = 0
        elif padding == "same":
            if (sd, sh, sw) != (1, 1, 1):
                raise ValueError("conv3d: padding='same' is not supported for strided convolutions")
            total = [d * (k - 1) for d, k in zip((dd, dh, dw), weight.shape[2:])]
            if any(t % 2 for t in total):
                raise NotImplementedError("conv3d: padding='same' needs asymmetric padding for this even kernel, "
                                          "which tapedeck does not support yet; pass explicit padding")
            padding = tuple(t // 2 for t in total)
        else:
            raise ValueError(f"conv3d: padding must be an int, a triple, 'valid' or 'same', got {padding!r}")
    pd, ph, pw = _triple(padding, "conv3d: padding")
    x = _pad_depth(x, pd, pd, 0.0)
    n, depth = x.shape[0], x.shape[2]
    out_depth = (depth - dd * (kd - 1) - 1) // sd + 1
    if out_depth <= 0:
        raise RuntimeError(f"conv3d: the kernel's depth {kd} (dilation {dd}) does not fit the padded depth {depth}")
    total = None
    for k in range(kd):
        slices = _fold_depth(_depth_steps(x, k * dd, out_depth, sd))
        part = _nn.conv2d(slices, weight[:, :, k], None, (sh, sw), (ph, pw), (dh, dw), groups)
        total = part if total is None else total + part
    out = _unfold_depth(total, n, out_depth)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def _pool3d_args(name, kernel_size, stride, padding):
    k = _triple(kernel_size, f"{name}: kernel_size")
    s = k if stride is None or stride == [] or stride == () else _triple(stride, f"{name}: stride")
    return k, s, _triple(padding, f"{name}: padding")


def _pool3d(input, kernel_size, stride, padding, name, plane, combine, pad_value):
    """A separable pooling: `plane` over (H, W) on every depth slice, then `combine` of the
    kernel's depth slices (padded with pad_value)."""
    x, unbatched = _as_5d(input, name)
    (kd, kh, kw), (sd, sh, sw), (pd, ph, pw) = _pool3d_args(name, kernel_size, stride, padding)
    if any(2 * p > k for p, k in zip((pd, ph, pw), (kd, kh, kw))):
        raise RuntimeError(f"{name}: pad should be at most half of kernel size, but got pad={(pd, ph, pw)} and "
                           f"kernel_size={(kd, kh, kw)}")
    n, depth = x.shape[0], x.shape[2]
    if depth + 2 * pd < kd:
        raise RuntimeError(f"{name}: the kernel's depth {kd} does not fit the padded depth {depth + 2 * pd}")
    flat = plane(_fold_depth(x), (kh, kw), (sh, sw), (ph, pw))
    x = _pad_depth(_unfold_depth(flat, n, depth), pd, pd, pad_value)
    out_depth = (x.shape[2] - kd) // sd + 1
    out = combine([_depth_steps(x, k, out_depth, sd) for k in range(kd)])
    return out.squeeze(0) if unbatched else out


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Maximum over kernel_size boxes of [N, C, D, H, W] (stride defaults to kernel_size)."""
    from . import functional as F
    F._unsupported("max_pool3d", dilation=(_triple(dilation, "dilation"), (1, 1, 1)), ceil_mode=(ceil_mode, False),
                   return_indices=(return_indices, False))

    def combine(slices):
        # max(dim) (not maximum): a tie's gradient goes to the first depth, as PyTorch's does
        return _C.stack(slices, 0).max(0)[0] if len(slices) > 1 else slices[0]
    return _pool3d(input, kernel_size, stride, padding, "max_pool3d", _nn.max_pool2d, combine, -math.inf)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over kernel_size boxes of [N, C, D, H, W] (padding counted, as PyTorch's default)."""
    from . import functional as F
    F._unsupported("avg_pool3d", ceil_mode=(ceil_mode, False), count_include_pad=(count_include_pad, True),
                   divisor_override=(divisor_override, None))
    return _pool3d(input, kernel_size, stride, padding, "avg_pool3d", _nn.avg_pool2d,
                   lambda slices: sum(slices[1:], slices[0]) / len(slices), 0.0)


def adaptive_avg_pool3d(input, output_size):
    """Mean pooling of [N, C, D, H, W] to output_size (an int or a triple; None keeps that size)."""
    x, unbatched = _as_5d(input, "adaptive_avg_pool3d")
    size = [output_size] * 3 if isinstance(output_size, int) else list(output_size)
    if len(size) != 3:
        raise ValueError(f"adaptive_avg_pool3d: output_size must be an int or a triple, got {output_size!r}")
    n, _, depth, h, w = x.shape
    size = [dim if want is None else want for dim, want in zip((depth, h, w), size)]
    flat = _unfold_depth(_nn.adaptive_avg_pool2d(_fold_depth(x), size[1:]), n, depth)
    out = _C.stack([flat.narrow(2, a, b - a).mean(2) for a, b in _windows(depth, size[0])], 2)
    return out.squeeze(0) if unbatched else out


# --- rearrangements ----------------------------------------------------------------------------

def pixel_shuffle(input, upscale_factor):
    """[*, C r², H, W] to [*, C, H r, W r]: channels become sub-pixel positions."""
    r = upscale_factor
    if not isinstance(r, int) or r <= 0:
        raise ValueError(f"pixel_shuffle: upscale_factor must be a positive int, got {r!r}")
    if input.dim() < 3 or input.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle: expected [*, C * {r * r}, H, W], got {list(input.shape)}")
    *lead, c, h, w = input.shape
    x = input.reshape(-1, c // (r * r), r, r, h, w).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """[*, C, H r, W r] to [*, C r², H, W], pixel_shuffle's inverse."""
    r = downscale_factor
    if not isinstance(r, int) or r <= 0:
        raise ValueError(f"pixel_unshuffle: downscale_factor must be a positive int, got {r!r}")
    if input.dim() < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise RuntimeError(f"pixel_unshuffle: expected [*, C, H * {r}, W * {r}], got {list(input.shape)}")
    *lead, c, h, w = input.shape
    x = input.reshape(-1, c, h // r, r, w // r, r).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """[N, C, *] with its channels regrouped: C = groups x (C / groups) read the other way."""
    if not isinstance(groups, int) or groups <= 0:
        raise ValueError(f"channel_shuffle: groups must be a positive int, got {groups!r}")
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle: expected an input of at least 3 dims [N, C, *], got {list(input.shape)}")
    if input.shape[1] % groups:
        raise RuntimeError(f"channel_shuffle: the {input.shape[1]} channels do not split into {groups} groups")
    n, c, *rest = input.shape
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)


def _patch_index(size, kernel_size, dilation, padding, stride, name):
    """The flat positions in the padded [H + 2 ph, W + 2 pw] plane that each kernel offset
    reads at each window ([kh kw L], offset-major), and the number of windows per dim."""
    kh, kw = _pair(kernel_size, f"{name}: kernel_size")
    dh, dw = _pair(dilation, f"{name}: dilation")
    ph, pw = _pair(padding, f"{name}: padding")
    sh, sw = _pair(stride, f"{name}: stride")
    h, w = size[0] + 2 * ph, size[1] + 2 * pw
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"{name}: the kernel {kh}x{kw} (dilation {dh}x{dw}) does not fit the padded "
                           f"{h}x{w} input")
    index = [(i * dh + y * sh) * w + (j * dw + x * sw)
             for i in range(kh) for j in range(kw) for y in range(oh) for x in range(ow)]
    return _C.tensor(index, dtype=_i64), (kh, kw), (ph, pw), (h, w), oh * ow


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: [N, C, H, W] to [N, C kh kw, L], one column per sliding window."""
    from . import functional as F
    if input.dim() not in (3, 4):
        raise RuntimeError(f"unfold: expected a 3-D or 4-D input, got {list(input.shape)}")
    x = input.unsqueeze(0) if input.dim() == 3 else input
    index, (kh, kw), (ph, pw), (h, w), windows = _patch_index(x.shape[-2:], kernel_size, dilation, padding, stride,
                                                              "unfold")
    if ph or pw:
        x = F.pad(x, (pw, pw, ph, ph))
    n, c = x.shape[:2]
    out = x.reshape(n, c, h * w).index_select(2, index).reshape(n, c * kh * kw, windows)
    return out.squeeze(0) if input.dim() == 3 else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, unfold's adjoint: [N, C kh kw, L] summed back into [N, C, H, W] (overlaps add)."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"fold: expected a 2-D or 3-D input, got {list(input.shape)}")
    x = input.unsqueeze(0) if input.dim() == 2 else input
    size = _pair(output_size, "fold: output_size")
    index, (kh, kw), (ph, pw), (h, w), windows = _patch_index(size, kernel_size, dilation, padding, stride, "fold")
    n, ck, length = x.shape
    if ck % (kh * kw) or length != windows:
        raise RuntimeError(f"fold: expected [N, C * {kh * kw}, {windows}] for output_size {list(size)}, got "
                           f"{list(input.shape)}")
    c = ck // (kh * kw)
    plane = _C.zeros(n, c, h * w, dtype=x.dtype).index_add(2, index, x.reshape(n, c, kh * kw * length))
    out = plane.reshape(n, c, h, w).narrow(2, ph, size[0]).narrow(3, pw, size[1])
    return out.squeeze(0) if input.dim() == 2 else out


# --- activations and the rest -------------------------------------------------------------------

def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be >= 0, got {lambd}")
    return _C.where(input > lambd, input - lambd, _C.where(input < -lambd, input + lambd, 0.0))


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd (and NaN), else 0."""
    return input.masked_fill((input >= -lambd) & (input <= lambd), 0.0)


def bilinear(input1, input2, weight, bias=None):
    """y_o = x1ᵀ W_o x2 + b_o, with weight [out, in1, in2], over the inputs' leading dims."""
    if weight.dim() != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear: expected weight [out, {input1.shape[-1]}, {input2.shape[-1]}], got "
                           f"{list(weight.shape)}")
    out_features, in1, in2 = weight.shape
    mixed = _C.matmul(input1, weight.permute(1, 0, 2).reshape(in1, out_features * in2))
    y = (mixed.reshape(*input1.shape[:-1], out_features, in2) * input2.unsqueeze(-2)).sum(-1)
    return y if bias is None else y + bias


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A sample of softmax((logits + Gumbel noise) / tau); hard: the one-hot of its argmax with
    the soft sample's gradient (straight-through)."""
    u = _C.rand(*logits.shape, dtype=logits.dtype).clamp(1e-20, 1.0)
    gumbels = -_C.log(-_C.log(u))
    soft = _C.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    index = soft.argmax(dim, keepdim=True)
    one_hot = _C.zeros(*soft.shape, dtype=soft.dtype).scatter_add(dim, index, _C.ones(*index.shape, dtype=soft.dtype))
    return one_hot - soft.detach() + soft


FUNCTIONS = (conv1d, conv_transpose1d, max_pool1d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d, conv3d,
             max_pool3d, avg_pool3d, adaptive_avg_pool3d,
             adaptive_max_pool2d, pixel_shuffle, pixel_unshuffle, channel_shuffle, unfold, fold, softshrink, hardshrink,
             bilinear, gumbel_softmax)
