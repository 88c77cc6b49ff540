"""Identity, Linear, Flatten and Embedding, with PyTorch's parameters and initialisation."""
import math
import operator

from ... import _C
from ...autograd import no_grad
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


_linear = _C._nn.linear


def _empty(*shape, dtype=None):
    return _C.empty(*shape, dtype=dtype if dtype is not None else _C.dtype.float32)


def _index(value):
    """An int, or anything that is one (__index__: a NumPy int, a 0-d int tensor); -1 for
    anything else (a bool, a float, a string)."""
    try:
        return operator.index(value) if not isinstance(value, bool) else -1
    except (TypeError, RuntimeError):  # (what an odd value's __index__ raises)
        return -1


def _check_sizes(name, **sizes):
    """A layer's sizes are ints >= 0 (a negative one used to surface as 'empty: negative size')."""
    for what, value in sizes.items():
        if _index(value) < 0:
            raise ValueError(f"{name}: {what} must be an int >= 0, got {value!r}")


def _check_device(name, device):
    if device is not None and str(_C.device(str(device))) != "cpu":
        raise RuntimeError(f"{name}: device={device} is not supported yet (modules from Python live on the cpu)")


class Identity(Module):
    """Returns its input (any constructor arguments are ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x @ weight.T + bias; weight [out_features, in_features]."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        _check_device("Linear", device)
        _check_sizes("Linear", in_features=in_features, out_features=out_features)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(_empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        parameters = self._parameters  # direct, not through __getattr__: this is the hot path
        try:
            return _linear(input, parameters["weight"], parameters["bias"])
        except _C.TapedeckError as error:
            if isinstance(input, _C.Tensor) and input.shape[-1:] != (self.in_features,):
                raise ValueError(f"Linear(in_features={self.in_features}): expected input [..., "
                                 f"{self.in_features}], got {list(input.shape)}") from error
            raise

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Merges dims start_dim..end_dim (by default all but the batch dim)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dim into unflattened_size."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input):
        dim = self.dim if self.dim >= 0 else input.dim() + self.dim
        shape = list(input.shape[:dim]) + list(self.unflattened_size) + list(input.shape[dim + 1:])
        return input.reshape(*shape)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Embedding(Module):
    """A lookup table: weight [num_embeddings, embedding_dim] ~ N(0, 1), rows picked by
    int64 indices; the padding_idx row starts at zero and gets no gradient."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        _check_device("Embedding", device)
        _check_sizes("Embedding", num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are not supported yet")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                                 f"({num_embeddings})")
            padding_idx = padding_idx if padding_idx >= 0 else num_embeddings + padding_idx
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(_empty(num_embeddings, embedding_dim, dtype=dtype), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise ValueError(f"Embedding: _weight of shape {list(_weight.shape)} does not match "
                                 f"[{num_embeddings}, {embedding_dim}]")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        """N(0, 1), with the padding row zeroed."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0.0)

    def forward(self, input):
        try:
            return F.embedding(input, self.weight, self.padding_idx)
        except _C.TapedeckError as error:
            if isinstance(input, _C.Tensor) and input.numel() > 0 and not input.dtype.is_floating_point:
                flat, rows = [], [input.tolist()]  # read, not ops: nothing more on the tape
                while rows:
                    row = rows.pop()
                    if isinstance(row, list):
                        rows.extend(row)
                    else:
                        flat.append(row)
                low, high = min(flat), max(flat)
                if low < 0 or high >= self.num_embeddings:
                    bad = low if low < 0 else high
                    raise IndexError(f"Embedding({self.num_embeddings}, {self.embedding_dim}): index {bad} is "
                                     f"out of range: indices must be in [0, {self.num_embeddings})") from error
            raise

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is `embeddings` (2-D), frozen unless freeze=False."""
        if embeddings.dim() != 2:
            raise ValueError("Embedding.from_pretrained: embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)
