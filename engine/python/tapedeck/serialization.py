"""tapedeck.save / tapedeck.load: safetensors files. A dict of tensors (a state_dict) is
stored as named tensors in order; other containers of tensors and plain values (an
optimizer's state_dict, a checkpoint dict) keep their structure as JSON in the file's
metadata, with the tensors stored by reference. Any safetensors file loads as a dict."""
import collections
import errno
import json
import os

from . import _C

_SKELETON = "tapedeck.skeleton"
_ORDER = "tapedeck.order"


def _flat_tensor_dict(obj):
    return isinstance(obj, dict) and obj and all(isinstance(k, str) and isinstance(v, _C.Tensor)
                                                 for k, v in obj.items())


def _encode(obj, tensors):
    if isinstance(obj, _C.Tensor):
        name = f"t{len(tensors)}"
        tensors.append((name, obj.detach()))
        return {"__tensor__": name}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        return {"__dict__": [[_encode(k, tensors), _encode(v, tensors)] for k, v in obj.items()],
                "__ordered__": isinstance(obj, collections.OrderedDict)}
    if isinstance(obj, (list, tuple)):
        return {"__list__": [_encode(v, tensors) for v in obj], "__tuple__": isinstance(obj, tuple)}
    raise TypeError(f"tapedeck.save: cannot store a {type(obj).__name__} (tensors, numbers, strings, None, "
                    "and dicts, lists and tuples of them can be saved)")


def _decode(node, tensors):
    if isinstance(node, dict):
        if "__tensor__" in node:
            return tensors[node["__tensor__"]]
        if "__dict__" in node:
            kind = collections.OrderedDict if node.get("__ordered__") else dict
            return kind((_decode_key(k, tensors), _decode(v, tensors)) for k, v in node["__dict__"])
        if "__list__" in node:
            items = [_decode(v, tensors) for v in node["__list__"]]
            return tuple(items) if node.get("__tuple__") else items
    return node


def _decode_key(key, tensors):
    value = _decode(key, tensors)
    return tuple(value) if isinstance(value, list) else value


def save(obj, f):
    """Writes `obj` to the path `f` as safetensors (atomically: a failed save leaves an old file intact)."""
    path = os.fspath(f)
    if _flat_tensor_dict(obj):
        names = list(obj)
        _C._io.save_safetensors(path, [(k, v.detach()) for k, v in obj.items()], {_ORDER: json.dumps(names)})
        return
    tensors = []
    skeleton = _encode(obj, tensors)
    _C._io.save_safetensors(path, tensors, {_SKELETON: json.dumps(skeleton)})


def load(f, map_location=None, weights_only=None):
    """Reads what save() wrote (or any safetensors file, as an OrderedDict of tensors)."""
    path = os.fspath(f)
    # The exceptions open() raises, so `except FileNotFoundError` works as with PyTorch.
    if not os.path.exists(path):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
    tensors, metadata = _C._io.load_safetensors(path)
    by_name = dict(tensors)
    if _SKELETON in metadata:
        return _decode(json.loads(metadata[_SKELETON]), by_name)
    order = json.loads(metadata[_ORDER]) if _ORDER in metadata else [name for name, _ in tensors]
    return collections.OrderedDict((name, by_name[name]) for name in order)
