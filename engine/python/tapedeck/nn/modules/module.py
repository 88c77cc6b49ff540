"""tapedeck.nn.Module: PyTorch's Module in pure Python. Calling a module runs its hooks and
its forward under its qualified name as the tape scope (see _scope.py)."""
import weakref
from collections import OrderedDict

from ... import _C
from ...autograd import no_grad
from ..parameter import Parameter
from . import _scope, _state
from ._hooks import RemovableHandle
from ._scope import _calls, _Scope

Tensor = _C.Tensor


def _addindent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _join(prefix, name):
    return prefix + "." + name if prefix else name


class Module:
    """Base class of every layer and model: attributes that are Parameters, buffers and
    Modules are registered; calling the module runs hooks and forward under its tape scope."""

    training: bool
    dump_patches = False
    _version = 1

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments: Module.__init__ "
                            f"takes none (pass your layer's arguments to your own __init__)")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers_set"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_tensor_prefix"] = ""   # the path this module's tensors are named under
        d["_owner"] = None         # weakref to the first parent registered under (names follow it)

    def forward(self, *args, **kwargs):
        """The computation; subclasses define it and users call the module, not forward."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # --- calling ---------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        frames = _calls.frames
        if frames:
            return self._nested_call(frames, args, kwargs)
        frames.append((self, "", None))  # the outermost call: ops keep the current scope
        try:
            if self._forward_pre_hooks or self._forward_hooks:
                return self._call_with_hooks(args, kwargs)
            return self.forward(*args, **kwargs)
        finally:
            frames.pop()

    def _nested_call(self, frames, args, kwargs):
        path = _scope.scope_path(self, frames)
        frames.append((self, "" if frames[0][0] is self else path, path))
        try:
            with _Scope(path):
                if self._forward_pre_hooks or self._forward_hooks:
                    return self._call_with_hooks(args, kwargs)
                return self.forward(*args, **kwargs)
        finally:
            frames.pop()

    def _call_with_hooks(self, args, kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def register_forward_pre_hook(self, hook, *, prepend=False):
        """hook(module, args) runs before forward; returning a value replaces args (a
        non-tuple is wrapped). Returns a handle whose remove() unregisters it."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False):
        """hook(module, args, output) runs after forward; returning a value replaces the
        output. Returns a handle whose remove() unregisters it."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    # --- registration ----------------------------------------------------------------

    def _check_name(self, kind, name):
        cls = type(self).__name__
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{cls}: cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{cls}: {kind} name should be a string, got {type(name).__name__}")
        if "." in name:
            raise KeyError(f'{cls}: {kind} name can\'t contain ".", got "{name}"')
        if name == "":
            raise KeyError(f'{cls}: {kind} name can\'t be empty string ""')

    def register_parameter(self, name, param):
        """Registers `param` (a Parameter, or None for an absent one) as `name`."""
        self._check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"{type(self).__name__}: attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"{type(self).__name__}: cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (tapedeck.nn.Parameter or None required)")
        if param is not None:
            param.name = _join(self._tensor_prefix, name)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Registers `tensor` (or None) as state that is saved but not trained."""
        self._check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"{type(self).__name__}: attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"{type(self).__name__}: cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (tapedeck.Tensor or None required)")
        if tensor is not None:
            tensor.name = _join(self._tensor_prefix, name)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Registers `module` (or None) as the submodule `name`."""
        self._check_name("module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: {type(module).__name__} is not a Module subclass "
                            f"(submodule '{name}')")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"{type(self).__name__}: attribute '{name}' already exists")
        self._set_module(name, module)

    register_module = add_module

    def _set_module(self, name, module):
        if module is not None:
            if module is self or any(m is self for m in module.modules()):
                raise ValueError(f"{type(self).__name__}: registering '{name}' would make the module its own "
                                 f"ancestor")
            owner = module._owner() if module._owner is not None else None
            if owner is None or owner is self:  # a shared module keeps its first owner's names
                module.__dict__["_owner"] = weakref.ref(self)
                module._rename_tensors(_join(self._tensor_prefix, name))
        self._modules[name] = module
        _scope.tree_changed()

    def _rename_tensors(self, prefix):
        self.__dict__["_tensor_prefix"] = prefix
        for table in (self._parameters, self._buffers):
            for name, tensor in table.items():
                if tensor is not None:
                    tensor.name = _join(prefix, name)
        for name, child in self._modules.items():
            if child is not None and child._owner is not None and child._owner() is self:
                child._rename_tensors(_join(prefix, name))

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError(f"{type(self).__name__}: cannot assign parameters before Module.__init__() call")
            self._drop(name, keep="_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"{type(self).__name__}: cannot assign '{type(value).__name__}' as parameter "
                                f"'{name}' (tapedeck.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError(f"{type(self).__name__}: cannot assign module before Module.__init__() call")
            self._drop(name, keep="_modules")
            self._set_module(name, value)
        elif params is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"{type(self).__name__}: cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (tapedeck.nn.Module or None expected)")
            self._set_module(name, None)
        elif params is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}: cannot assign '{type(value).__name__}' as buffer "
                                f"'{name}' (tapedeck.Tensor or None expected)")
            if value is not None:
                value.name = _join(self._tensor_prefix, name)
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _drop(self, name, keep):
        d = self.__dict__
        d.pop(name, None)
        for table in ("_parameters", "_buffers", "_modules"):
            if table != keep and name in d[table]:
                del d[table][name]
                if table == "_modules":
                    _scope.tree_changed()
        d["_non_persistent_buffers_set"].discard(name)

    def __getattr__(self, name):
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            entries = d.get(table)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if name in d.get(table, ()):
                del d[table][name]
                d["_non_persistent_buffers_set"].discard(name)
                if table == "_modules":
                    _scope.tree_changed()
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = list(super().__dir__()) + list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(key for key in set(keys) if not key[0].isdigit())

    def get_submodule(self, target):
        """The submodule at a dotted path ("encoder.layers.0"); "" is self."""
        module = self
        for item in target.split(".") if target else []:
            if item not in module._modules or module._modules[item] is None:
                raise AttributeError(f"{type(module).__name__} has no attribute `{item}` (looking up '{target}')")
            module = module._modules[item]
        return module

    def get_parameter(self, target):
        """The parameter at a dotted path ("encoder.fc.weight")."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}` (looking up '{target}')")
        return module._parameters[name]

    # --- traversal -------------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """("", self), ("encoder", ...), ("encoder.fc", ...) in pre-order, each module once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, _join(prefix, name), remove_duplicate)

    def modules(self):
        """Every module of the tree, self first, each once."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """(name, module) of the direct submodules, each once."""
        memo = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def children(self):
        """The direct submodules, each once."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, table, prefix, recurse, remove_duplicate):
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        memo = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, table).items():
                if value is None or (remove_duplicate and id(value) in memo):
                    continue
                memo.add(id(value))
                yield _join(module_prefix, name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """("fc1.weight", parameter), ... with PyTorch's names, each parameter once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """The parameters of the tree in registration order, each once."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """("bn.running_mean", buffer), ..., each buffer once."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        """The buffers of the tree, each once."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    # --- modes, gradients, conversion ------------------------------------------------

    def train(self, mode=True):
        """Sets training mode on this module and its submodules; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"{type(self).__name__}.train(): training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Evaluation mode (dropout off, batch norm uses running statistics); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Sets requires_grad on every parameter; returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clears every parameter's gradient (to None, or zeros with set_to_none=False)."""
        for param in self.parameters():
            grad = param.grad
            if grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                with no_grad():
                    grad.zero_()

    def apply(self, fn):
        """Calls fn on every submodule (children first) and on self; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    state_dict = _state.state_dict
    __getstate__ = _state.getstate
    __setstate__ = _state.setstate
    __deepcopy__ = _state.deepcopy
    load_state_dict = _state.load_state_dict
    to = _state.to
    float = _state.to_float  # noqa: A003  (PyTorch's name)
    double = _state.to_double

    def cpu(self):
        """Returns self (tapedeck modules live on the cpu)."""
        return self

    def cuda(self, device=None):
        """Not supported from Python yet: raises with the reason."""
        return self.to("cuda")

    # --- printing --------------------------------------------------------------------

    def extra_repr(self):
        """The module's configuration in one line, shown inside its repr's parentheses."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra_lines = self.extra_repr().split("\n") if self.extra_repr() else []
        child_lines = [f"({key}): " + _addindent(repr(module), 2) for key, module in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
