"""F.interpolate (and the upsample aliases) as PyTorch 1.13 computes it: the same output
sizes, the same source indices and weights (in float32 arithmetic for float32 tensors, as
its kernels), made of index_select and arithmetic, one spatial dim after another, so the
gradient flows back to the pixels each output was read from."""
import math
import struct

from .. import _C

_MODE_DIMS = {"linear": 1, "bilinear": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area", "bicubic")


def _f32(value):
    """value rounded to float32 (the arithmetic of PyTorch's kernels for float32 tensors)."""
    return struct.unpack("f", struct.pack("f", value))[0]


def _per_dim(value, count, what):
    if isinstance(value, (list, tuple)):
        if len(value) != count:
            raise ValueError(f"interpolate: {what} has {len(value)} values for {count} spatial dims "
                             f"(input of {count + 2} dims)")
        return list(value)
    return [value] * count


def _nearest_indices(size_in, size_out, scale, exact):
    """The source index of each output position (PyTorch's nearest_idx / its exact variant)."""
    if scale is not None and scale > 0:
        step = _f32(1.0 / scale)
    else:
        step = _f32(_f32(float(size_in)) / size_out)
    indices = []
    for i in range(size_out):
        if exact:
            source = math.floor(_f32((i + 0.5) * step))
        elif scale is None and size_out == size_in:  # (with a scale, PyTorch uses 1 / scale)
            source = i
        elif scale is None and size_out == 2 * size_in:
            source = i >> 1
        else:
            source = math.floor(_f32(_f32(float(i)) * step))
        indices.append(min(source, size_in - 1))
    return indices


def _linear_indices(size_in, size_out, scale, align_corners, single):
    """(first indices, second indices, their weights) per output position: PyTorch's
    area_pixel_compute_source_index and compute_source_index_and_lambda."""
    r = _f32 if single else float
    if size_out == size_in:
        return list(range(size_out)), list(range(size_out)), [1.0] * size_out, [0.0] * size_out
    if align_corners:
        step = r(r(float(size_in - 1)) / (size_out - 1)) if size_out > 1 else 0.0
    elif scale is not None and scale > 0:
        step = r(1.0 / scale)
    else:
        step = r(r(float(size_in)) / size_out)
    first, second, w0, w1 = [], [], [], []
    for i in range(size_out):
        if align_corners:
            source = r(step * i)
        else:
            source = max(r(r(step * r(i + 0.5)) - 0.5), 0.0)
        i0 = int(source)
        i1 = i0 + (1 if i0 < size_in - 1 else 0)
        lam = min(max(r(source - i0), 0.0), 1.0)
        first.append(i0)
        second.append(i1)
        w1.append(lam)
        w0.append(r(1.0 - lam))
    return first, second, w0, w1


def _along(x, dim, values):
    """values as a tensor of x's dtype shaped to broadcast along x's dim `dim`."""
    shape = [1] * x.dim()
    shape[dim] = len(values)
    return _C.tensor(values, dtype=x.dtype).reshape(*shape)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resizes the spatial dims of [N, C, W], [N, C, H, W] or [N, C, D, H, W] to `size`, or by
    `scale_factor`: mode 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear' (4-D),
    'trilinear' (5-D) or 'area' (adaptive average pooling, 3-D and 4-D)."""
    if not isinstance(input, _C.Tensor):
        raise TypeError(f"interpolate: input must be a tensor, got {type(input).__name__}")
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode must be one of {', '.join(_MODES)}, got {mode!r}")
    if mode == "bicubic":
        raise NotImplementedError("interpolate: mode='bicubic' is not supported by tapedeck yet (use 'bilinear')")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by tapedeck yet")
    spatial = input.dim() - 2
    if spatial not in (1, 2, 3):
        raise ValueError(f"interpolate: input must be 3-D, 4-D or 5-D ([N, C, spatial...]), got "
                         f"{list(input.shape)}")
    if mode in _MODE_DIMS and _MODE_DIMS[mode] != spatial:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_MODE_DIMS[mode] + 2}D input")
    if align_corners is not None and mode not in _MODE_DIMS:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor"
                         + (" (both were given)" if size is not None else ""))
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    sizes_in = list(input.shape[2:])
    if size is not None:
        sizes = [int(s) for s in _per_dim(size, spatial, "size")]
        scales = [None] * spatial
    else:
        scales = [float(s) for s in _per_dim(scale_factor, spatial, "scale_factor")]
        sizes = [math.floor(float(n) * s) for n, s in zip(sizes_in, scales)]
        if recompute_scale_factor or mode == "area":
            scales = [None] * spatial
    if any(s <= 0 for s in sizes):
        raise ValueError(f"interpolate: the output size {sizes} must be positive (input {list(input.shape)})")
    if mode == "area":
        if spatial == 3:
            raise NotImplementedError("interpolate: mode='area' of 5-D input is not supported by tapedeck yet")
        from .functional import adaptive_avg_pool2d
        if spatial == 1:
            return adaptive_avg_pool2d(input.unsqueeze(2), (1, sizes[0])).squeeze(2)
        return adaptive_avg_pool2d(input, tuple(sizes))
    out = input
    single = input.dtype == _C.dtype.float32
    for k in range(spatial):
        dim = 2 + k
        if mode in ("nearest", "nearest-exact"):
            index = _nearest_indices(sizes_in[k], sizes[k], scales[k], mode == "nearest-exact")
            out = out.index_select(dim, _C.tensor(index, dtype=_C.dtype.int64))
            continue
        if not input.is_floating_point():
            raise TypeError(f"interpolate: mode={mode!r} needs a floating-point input, got {input.dtype}")
        first, second, w0, w1 = _linear_indices(sizes_in[k], sizes[k], scales[k], bool(align_corners), single)
        low = out.index_select(dim, _C.tensor(first, dtype=_C.dtype.int64))
        high = out.index_select(dim, _C.tensor(second, dtype=_C.dtype.int64))
        out = low * _along(out, dim, w0) + high * _along(out, dim, w1)
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """interpolate, under its older name."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Bilinear with align_corners=True (this old function's convention)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
