"""parameters_to_vector / vector_to_parameters, as PyTorch's."""
from ... import _C
from ...autograd import no_grad


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated into one 1-D tensor."""
    return _C.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copies consecutive slices of the 1-D `vec` into the parameters."""
    if not isinstance(vec, _C.Tensor) or vec.dim() != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D tensor, got {type(vec).__name__}")
    offset = 0
    with no_grad():
        for p in parameters:
            n = p.numel()
            p.copy_(vec[offset:offset + n].reshape(*p.shape))
            offset += n
