"""tapedeck.nn.Parameter: a tensor that a Module registers as trainable state."""
from .. import _C

Tensor = _C.Tensor


class Parameter(Tensor):
    """A leaf tensor sharing `data`'s storage, requiring grad unless told otherwise."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = _C.empty(0)
        elif not isinstance(data, Tensor):
            raise TypeError(f"Parameter: data must be a tapedeck.Tensor, got {type(data).__name__}")
        super().__init__(data)  # Tensor(other): shares other's storage, cut from its graph
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    @property
    def data(self):
        """The values without autograd (shares storage); assigning copies values in."""
        return self.detach()

    @data.setter
    def data(self, value):
        if tuple(value.shape) != tuple(self.shape):
            raise RuntimeError(f"Parameter.data: cannot assign a tensor of shape {tuple(value.shape)} to a "
                               f"parameter of shape {tuple(self.shape)} (tapedeck copies values in place)")
        self.detach().copy_(value)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(self.detach().clone(), self.requires_grad)
        result.name = self.name
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        raise TypeError("Parameter: pickling is not supported; save a state_dict with tapedeck.save instead")

