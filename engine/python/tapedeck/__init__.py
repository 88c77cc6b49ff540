"""Tapedeck's tensors and autograd for Python, in PyTorch's shape.

    import tapedeck as torch
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.grad                     # tensor([2., 4.])

Every op records the caller's line (the innermost frame outside this package) on the tape.
"""
import os as _os
import sys as _sys


def _name_blas_kernels():
    """Debian's OpenBLAS 0.3.21 falls back to slow generic kernels on CPUs newer than it
    knows (several times slower matrix products). It reads OPENBLAS_CORETYPE once, when it
    loads: unless the user named kernels, or OpenBLAS is already loaded in this process,
    name those this CPU supports (what bench/run.sh and the tapedeck executable do). Not
    under valgrind, which cannot run AVX-512 though the CPU's flags say it has it."""
    if "OPENBLAS_CORETYPE" in _os.environ or "vgpreload" in _os.environ.get("LD_PRELOAD", ""):
        return
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            if "libopenblas" in maps.read():
                return
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            flags = next((set(line.split(":", 1)[1].split()) for line in info if line.startswith("flags")), set())
    except OSError:
        return
    if {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= flags:
        _os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif {"avx2", "fma"} <= flags:
        _os.environ["OPENBLAS_CORETYPE"] = "Haswell"


_name_blas_kernels()

from . import _C  # noqa: E402  (after the kernels are named)
from ._C import (  # noqa: F401  (re-exported under PyTorch's names)
    Tensor, TapedeckError, device, dtype, GradFn,
    tensor, as_tensor, from_numpy, zeros, ones, empty, full, zeros_like, ones_like, full_like,
    rand, randn, rand_like, randn_like, randint, arange, linspace, eye, manual_seed, initial_seed,
    neg, negative, exp, log, sqrt, rsqrt, abs, sign, sin, cos, tanh, sigmoid, relu, erf,
    log1p, expm1, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, atan2,
    floor, ceil, round, trunc, fix, remainder, floor_divide, cumsum, prod, sort, argsort, topk,
    add, sub, mul, div, pow, eq, ne, lt, le, gt, ge, maximum, minimum, matmul, mm, bmm,
    clamp, clip, where, masked_fill,
    sum, mean, var, std, amax, amin, max, min, argmax, argmin, logsumexp, softmax, log_softmax,
    cat, stack, split, chunk, index_select, gather, scatter_add, index_add, reshape, flatten,
    squeeze, unsqueeze, transpose, permute, t, clone, detach, numel, is_tensor,
    is_grad_enabled, norm, logical_not, logical_and, logical_or, logical_xor, any, all, isclose, allclose, randperm,
)
from .autograd import no_grad, enable_grad, set_grad_enabled, inference_mode, is_anomaly_enabled  # noqa: F401
from ._type_info import finfo, iinfo  # noqa: F401
from . import autograd  # noqa: F401
from . import nn  # noqa: F401
from . import optim, utils, datasets, debug, cuda  # noqa: F401
from . import distributions, linalg, special  # noqa: F401
from .serialization import save, load  # noqa: F401
from . import _composites  # noqa: E402

_composites.install(_sys.modules[__name__])  # isnan, nan_to_num, tril, new_zeros, ...
concat = concatenate = cat  # (PyTorch's other names for it)
from .logging import logged, clear_log, write_log_csv  # noqa: F401
from .logging import log as _log_scalar


def log(*args, **kwargs):
    """tapedeck.log(name, value, step=None) records a scalar for the training curves;
    tapedeck.log(tensor) is the natural logarithm, as torch.log (so PyTorch scripts run)."""
    if (args and isinstance(args[0], str)) or "name" in kwargs:
        return _log_scalar(*args, **kwargs)
    return _C.log(*args, **kwargs)

_C._set_package_directory(_os.path.dirname(_os.path.abspath(__file__)))

def get_rng_state():
    """The global generator's state (rand, randn, randint, dropout, shuffles) as an int64
    tensor of bytes: set_rng_state(state) later repeats the same draws."""
    return _C.tensor(list(_C._rng_state()), dtype=_C.dtype.int64)


def set_rng_state(new_state):
    """Restores a state get_rng_state returned."""
    if not isinstance(new_state, _C.Tensor) or new_state.dim() != 1:
        raise TypeError(f"set_rng_state: expected the 1-D tensor get_rng_state returned, got "
                        f"{type(new_state).__name__}")
    values = new_state.tolist()
    if [v for v in values if not 0 <= v < 256]:  # (any() here is tapedeck's)
        raise ValueError("set_rng_state: the tensor is not a state get_rng_state returned (values outside 0-255)")
    _C._set_rng_state(bytes(values))


def seed():
    """Seeds the global generator from the operating system's randomness; returns the seed."""
    value = int.from_bytes(_os.urandom(8), "little") >> 1
    _C.manual_seed(value)
    return value


_UNSUPPORTED_DTYPES = ("int32", "int", "int16", "short", "int8", "uint8", "float16", "half", "bfloat16", "complex64",
                       "cfloat", "complex128", "cdouble")


def __getattr__(name):
    """PyTorch's dtypes that Tapedeck does not have are named as such, not as a missing attribute."""
    if name in _UNSUPPORTED_DTYPES:
        raise AttributeError(f"tapedeck.{name}: not a Tapedeck dtype (it has float32, float64, int64 and bool; "
                             f"use tapedeck.int64 for integers and tapedeck.float32 for floats)")
    raise AttributeError(f"module 'tapedeck' has no attribute '{name}'")


float32 = dtype.float32
float64 = dtype.float64
int64 = dtype.int64
bool = dtype.bool  # noqa: A001  (PyTorch's name)
float = float32  # noqa: A001
double = float64
long = int64

__version__ = "0.1.0"
