"""Module state: state_dict / load_state_dict and dtype conversion (Module.to), kept apart
from module.py so each stays small. These functions become Module methods."""
import copy
import weakref
from collections import OrderedDict, namedtuple

from ... import _C
from ...autograd import no_grad
from ..parameter import Parameter

Tensor = _C.Tensor


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns: the keys it missed and the keys it did not expect."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _shape(tensor):
    return list(tensor.shape)


def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
    """An OrderedDict of parameters and persistent buffers by qualified name (detached
    tensors sharing storage; keep_vars=True keeps the Parameter objects)."""
    if args:  # PyTorch's deprecated positional (destination, prefix, keep_vars)
        destination = args[0]
        if len(args) > 1:
            prefix = args[1]
        if len(args) > 2:
            keep_vars = args[2]
    if destination is None:
        destination = OrderedDict()
    for name, param in self._parameters.items():
        if param is not None:
            destination[prefix + name] = param if keep_vars else param.detach()
    for name, buf in self._buffers.items():
        if buf is not None and name not in self._non_persistent_buffers_set:
            destination[prefix + name] = buf if keep_vars else buf.detach()
    for name, module in self._modules.items():
        if module is not None:
            state_dict(module, destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
    return destination


def _expected_entries(module, prefix, out):
    """(key, module, attribute, tensor) for every parameter and persistent buffer."""
    for name, param in module._parameters.items():
        if param is not None:
            out.append((prefix + name, param))
    for name, buf in module._buffers.items():
        if buf is not None and name not in module._non_persistent_buffers_set:
            out.append((prefix + name, buf))
    for name, child in module._modules.items():
        if child is not None:
            _expected_entries(child, prefix + name + ".", out)
    return out


def load_state_dict(self, state_dict, strict=True):
    """Copies values in by name. Shape mismatches always raise; with strict=True missing or
    unexpected keys raise too. Nothing changes unless every check passes. Returns
    (missing_keys, unexpected_keys)."""
    if not hasattr(state_dict, "items") or not hasattr(state_dict, "keys"):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
    expected = _expected_entries(self, "", [])
    expected_keys = {key for key, _ in expected}
    missing = []
    errors = []
    copies = []
    for key, target in expected:
        if key not in state_dict:
            missing.append(key)
            continue
        value = state_dict[key]
        if not isinstance(value, Tensor):
            errors.append(f'While copying the parameter named "{key}", expected tapedeck.Tensor from '
                          f"checkpoint but received {type(value).__name__}")
            continue
        if _shape(value) != _shape(target):
            errors.append(f"size mismatch for {key}: copying a param with shape {_shape(value)} from checkpoint, "
                          f"the shape in current model is {_shape(target)}.")
            continue
        copies.append((target, value))
    unexpected = [key for key in state_dict.keys() if key not in expected_keys]
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected)))
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
    if errors:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            type(self).__name__, "\n\t".join(errors)))
    with no_grad():
        for target, value in copies:
            target.copy_(value)
    return _IncompatibleKeys(missing, unexpected)


def getstate(self):
    """The module's attributes for copy/pickle, without the call-path cache and the owner
    link (both point outside the copied module)."""
    state = self.__dict__.copy()
    state.pop("_scope_cache", None)
    state["_owner"] = None
    return state


def setstate(self, state):
    """Restores getstate's attributes; the copied children are owned by the copy."""
    self.__dict__.update(state)
    for child in self._modules.values():
        if child is not None and child._owner is None:
            child.__dict__["_owner"] = weakref.ref(self)


def deepcopy(self, memo):
    """A deep copy; buffers are cloned here because plain tensors cannot be deep-copied
    by the copy module yet (Parameters copy themselves)."""
    new = type(self).__new__(type(self))
    memo[id(self)] = new
    state = getstate(self)
    buffers = state.pop("_buffers")
    state = copy.deepcopy(state, memo)
    copied = OrderedDict()
    for key, buf in buffers.items():
        if buf is not None and id(buf) not in memo:
            clone = buf.detach().clone()
            clone.name = buf.name
            memo[id(buf)] = clone
        copied[key] = None if buf is None else memo[id(buf)]
    state["_buffers"] = copied
    setstate(new, state)
    return new


def _parse_to(name, args, kwargs):
    """(device, dtype) from to()'s PyTorch forms: to(dtype), to(device), to(tensor),
    to(device, dtype), keywords device=/dtype=, non_blocking ignored."""
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{name}.to() got unexpected keyword argument(s) {sorted(kwargs)}")
    for arg in args:
        if isinstance(arg, _C.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, (str, _C.device)):
            device = arg
        elif isinstance(arg, bool):  # non_blocking given positionally
            continue
        else:
            raise TypeError(f"{name}.to() expects a dtype, a device or a tensor, got {type(arg).__name__}")
    if dtype is not None and not dtype.is_floating_point:
        raise TypeError(f"{name}.to() only accepts floating point dtypes, but got desired dtype={dtype}")
    if device is not None and str(_C.device(str(device))) != "cpu":
        raise RuntimeError(f"{name}.to(): moving a module to {device} is not supported yet (tapedeck modules "
                           f"from Python live on the cpu)")
    return device, dtype


def to(self, *args, **kwargs):
    """Converts floating parameters and buffers to a dtype; returns self.

    Tapedeck cannot change a tensor's dtype in place (PyTorch swaps `param.data`), so each
    converted Parameter is replaced by a new Parameter holding the converted values (same
    name, requires_grad and converted .grad; sharing between modules is kept). Optimizers
    built before the call keep the old parameters: convert first, as PyTorch advises."""
    _, dtype = _parse_to(type(self).__name__, args, dict(kwargs))
    if dtype is None:
        return self
    converted = {}
    with no_grad():
        for module in self.modules():
            for key, param in module._parameters.items():
                if param is None or not param.is_floating_point() or param.dtype == dtype:
                    continue
                new = converted.get(id(param))
                if new is None:
                    new = Parameter(param.detach().to(dtype), param.requires_grad)
                    new.name = param.name
                    if param.grad is not None:
                        new.grad = param.grad.to(dtype)
                    converted[id(param)] = new
                module._parameters[key] = new
            for key, buf in module._buffers.items():
                if buf is None or not buf.is_floating_point() or buf.dtype == dtype:
                    continue
                new = converted.get(id(buf))
                if new is None:
                    new = buf.to(dtype)
                    new.name = buf.name
                    converted[id(buf)] = new
                module._buffers[key] = new
    return self


def to_float(self):
    """Floating parameters and buffers to float32 (see to()); returns self."""
    return to(self, _C.dtype.float32)


def to_double(self):
    """Floating parameters and buffers to float64 (see to()); returns self."""
    return to(self, _C.dtype.float64)
