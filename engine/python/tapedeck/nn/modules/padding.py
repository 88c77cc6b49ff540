"""The padding layers (ZeroPad2d, ConstantPad1d/2d/3d, ReflectionPad1d/2d/3d,
ReplicationPad1d/2d/3d): F.pad with their mode, as PyTorch's, on batched or unbatched input."""
from .. import functional as F
from .module import Module


def _amounts(padding, dims, name):
    """An int for every side, or a tuple of 2 * dims ints ((left, right, top, bottom, ...))."""
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * (2 * dims)
    amounts = tuple(padding)
    if len(amounts) != 2 * dims or any(isinstance(a, bool) or not isinstance(a, int) for a in amounts):
        raise ValueError(f"{name}: padding must be an int or {2 * dims} ints, got {padding!r}")
    return amounts


class _Pad(Module):
    _dims = 1
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _amounts(padding, self._dims, type(self).__name__)

    def _check(self, input):
        if input.dim() not in (self._dims + 1, self._dims + 2):
            raise ValueError(f"{type(self).__name__}: expected a {self._dims + 1}-D (unbatched) or "
                             f"{self._dims + 2}-D input, got {list(input.shape)}")

    def forward(self, input):
        self._check(input)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        self._check(input)
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pads the last dim with `value`."""
    _dims = 1


class ConstantPad2d(_ConstantPad):
    """Pads the last two dims with `value`."""
    _dims = 2


class ConstantPad3d(_ConstantPad):
    """Pads the last three dims with `value`."""
    _dims = 3


class ZeroPad2d(ConstantPad2d):
    """Pads the last two dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_Pad):
    """Mirrors the last dim at its edges (the edge itself not repeated)."""
    _mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    _dims = 2


class ReflectionPad3d(ReflectionPad1d):
    _dims = 3


class ReplicationPad1d(_Pad):
    """Repeats the edge values of the last dim."""
    _mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    _dims = 2


class ReplicationPad3d(ReplicationPad1d):
    _dims = 3
