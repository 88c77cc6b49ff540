"""The tape scope of a module call: the module's attribute path from the outermost module
called, exactly as C++ modules push theirs (engine/src/nn/Module.cpp, scopeForCall)."""
import threading

from ... import _C

_Scope = _C._Scope
_current_scope = _C._current_scope

# Bumped whenever a module tree changes (a submodule added, replaced or removed), so the
# per-module cache of call paths is never stale.
_generation = [0]


class _CallStack(threading.local):
    """Per thread: the modules being called, as (module, path, scope) frames (the
    outermost frame's scope is None until a nested call reads it)."""

    def __init__(self):
        self.frames = []


_calls = _CallStack()


def tree_changed():
    """Invalidates every cached call path (call after changing any module's _modules)."""
    _generation[0] += 1


def call_frames():
    """This thread's list of (module, path, scope) frames; the first is the outermost call."""
    return _calls.frames


def scope_path(module, frames):
    """The tape scope path of `module` called while `frames` are active (non-empty)."""
    root = frames[0]
    if root[2] is None:
        # The outermost call's scope, read on its first nested call (nothing pushed yet):
        # reading it lazily keeps a plain top-level call cheap.
        root = frames[0] = (root[0], "", _current_scope())
    if root[0] is module:  # the outermost module, called again from inside itself
        return root[2]
    caller, caller_path, _ = frames[-1]
    cache = module.__dict__.get("_scope_cache")
    if (cache is not None and cache[0] is root[0] and cache[1] is caller and cache[2] == caller_path
            and cache[3] == _generation[0]):
        return cache[4]
    path = None
    for name, child in caller._modules.items():
        if child is module:
            path = f"{caller_path}.{name}" if caller_path else name
            break
    if path is None:
        # Called by a module that does not own it: its path from the outermost module, or
        # its class name when it lies outside that module's tree.
        for name, child in root[0].named_modules():
            if child is module:
                path = name
                break
        else:
            path = type(module).__name__
    module.__dict__["_scope_cache"] = (root[0], caller, caller_path, _generation[0], path)
    return path
