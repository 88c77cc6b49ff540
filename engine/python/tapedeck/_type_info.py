"""tapedeck.finfo and tapedeck.iinfo: the limits of a floating point or integer dtype, as
PyTorch's (read from NumPy's tables for the same types)."""
import numpy

from . import _C


class finfo:
    """bits, eps, max, min, tiny (= smallest_normal) and resolution of a float dtype (float32
    when none is given)."""

    def __init__(self, type=None):
        type = _C.dtype.float32 if type is None else type
        names = {_C.dtype.float32: "float32", _C.dtype.float64: "float64"}
        if type not in names:
            raise TypeError(f"finfo(): expected a floating point dtype, got {type}")
        info = numpy.finfo(names[type])
        self.dtype = names[type]
        self.bits = int(info.bits)
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)  # (PyTorch's: 1e-06 for float32)

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:.6e}, max={self.max:.6e}, eps={self.eps:.6e}, "
                f"smallest_normal={self.smallest_normal:.6e}, tiny={self.tiny:.6e}, dtype={self.dtype})")


class iinfo:
    """bits, max and min of an integer dtype."""

    def __init__(self, type):
        if type != _C.dtype.int64:
            raise TypeError(f"iinfo(): expected an integer dtype, got {type}")
        info = numpy.iinfo("int64")
        self.dtype, self.bits, self.max, self.min = "int64", int(info.bits), int(info.max), int(info.min)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
