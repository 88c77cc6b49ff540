"""tapedeck.autograd.functional: jacobian, hessian, vjp, jvp, vhp and hvp of a function, as
PyTorch's (reverse mode: a jacobian is one backward per output element; jvp and hvp use the
double-backward trick). The inputs are never changed. With create_graph the results stay
connected to inputs that require grad (a gradient penalty can be differentiated); outputs
that do not depend on the inputs give zeros (strict=True: an error)."""
from . import _C


def _as_tuple(value, name):
    """(tuple of tensors, whether it was a tuple)."""
    if isinstance(value, _C.Tensor):
        return (value,), False
    if isinstance(value, (tuple, list)) and all(isinstance(v, _C.Tensor) for v in value):
        return tuple(value), True
    raise TypeError(f"{name} must be a Tensor or a tuple of Tensors, got {type(value).__name__}")


def _leaves(inputs, create_graph):
    """The tensors the derivatives are taken at: with create_graph, inputs that require grad
    through an identity op (so the results reach them); otherwise detached copies."""
    return tuple(x * 1 if create_graph and x.requires_grad else x.detach().requires_grad_() for x in inputs)


def _grad(outputs, inputs, grad_outputs, create_graph, retain_graph=True):
    """grad, with zeros for inputs the outputs do not depend on, and for outputs that depend
    on nothing that requires grad."""
    from .autograd import grad
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    seeds = list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, seeds) if o.requires_grad]
    if not pairs:
        return tuple(_C.zeros_like(x) for x in inputs)
    grads = grad([o for o, _ in pairs], list(inputs), None if grad_outputs is None else [g for _, g in pairs],
                 retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)
    return tuple(_C.zeros_like(x) if g is None else g for g, x in zip(grads, inputs))


def _check_strict(outputs, name):
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs "
                               f"must be computed in a differentiable manner from the input when running in strict "
                               f"mode.")


def _vectors(v, like, name, what):
    """v as a tuple shaped as `like`; None only for one single-element tensor."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f"The vector v can only be None if the {what} a single Tensor with a single element.")
        return (_C.ones_like(like[0]),)
    vectors, _ = _as_tuple(v, f"{name}: v")
    if len(vectors) != len(like) or any(tuple(a.shape) != tuple(b.shape) for a, b in zip(vectors, like)):
        raise RuntimeError(f"{name}: v has invalid size: expected {[tuple(b.shape) for b in like]}, got "
                           f"{[tuple(a.shape) for a in vectors]}")
    return vectors


def _plain(values, create_graph):
    return tuple(v if create_graph else v.detach() for v in values)


def _shaped(values, was_tuple):
    return values if was_tuple else values[0]


def _evaluate(func, inputs, create_graph, strict, name):
    """func at the leaves made for inputs (grad mode on): (leaves, outputs, whether func
    returned a tuple); with strict, every output must depend on the inputs."""
    leaves = _leaves(inputs, create_graph)
    outputs, out_tuple = _run(func, leaves, name)
    if strict:
        _check_strict(outputs, name)
    return leaves, outputs, out_tuple


def _run(func, inputs, name):
    from .autograd import enable_grad
    with enable_grad():
        outputs, out_tuple = _as_tuple(func(*inputs), f"{name}: the function's output")
    return outputs, out_tuple


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """d func(inputs) / d inputs: a tensor of shape output.shape + input.shape, or tuples of
    them (one per output, each one per input) when func returns, or inputs are, tuples."""
    if strategy != "reverse-mode":
        raise NotImplementedError(f"jacobian: strategy={strategy!r} is not supported by tapedeck (reverse-mode only)")
    inputs, in_tuple = _as_tuple(inputs, "jacobian: inputs")
    from .autograd import enable_grad
    with enable_grad():
        leaves, outputs, out_tuple = _evaluate(func, inputs, create_graph, strict, "jacobian")
        per_output = []
        for out in outputs:
            flat = out.reshape(-1)
            rows = [_grad(flat[k], leaves, None, create_graph) for k in range(flat.numel())]
            blocks = []
            for i, x in enumerate(leaves):
                if rows:
                    block = _C.stack([row[i] for row in rows], 0)
                else:
                    block = _C.zeros(0, *x.shape, dtype=x.dtype)
                blocks.append(block.reshape(*out.shape, *x.shape))
            per_output.append(_shaped(_plain(blocks, create_graph), in_tuple))
    return tuple(per_output) if out_tuple else per_output[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The second derivatives of a function with one scalar output: shape input.shape +
    input.shape, or a tuple of tuples (one block per pair of inputs) for tuple inputs."""
    inputs, in_tuple = _as_tuple(inputs, "hessian: inputs")

    def gradient(*xs):
        out, _ = _run(func, xs, "hessian")
        if len(out) != 1 or out[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element")
        return _grad(out[0].reshape(()), xs, None, True)

    blocks = jacobian(gradient, inputs if in_tuple else inputs[0], create_graph=create_graph)
    return blocks if in_tuple else blocks[0]  # (one gradient: the block of the one input)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ J): the outputs and the vector-Jacobian product (v may be omitted for
    a one-element output)."""
    inputs, in_tuple = _as_tuple(inputs, "vjp: inputs")
    from .autograd import enable_grad
    with enable_grad():
        leaves, outputs, out_tuple = _evaluate(func, inputs, create_graph, strict, "vjp")
        seeds = _vectors(v, outputs, "vjp", "user-provided function returns")
        products = _grad(list(outputs), leaves, list(seeds), create_graph)
    return _shaped(_plain(outputs, create_graph), out_tuple), _shaped(_plain(products, create_graph), in_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-backward trick."""
    inputs, in_tuple = _as_tuple(inputs, "jvp: inputs")
    from .autograd import enable_grad
    with enable_grad():
        leaves, outputs, out_tuple = _evaluate(func, inputs, create_graph, strict, "jvp")
        tangents = _vectors(v, leaves, "jvp", "input to the user-provided function is")
        dummies = tuple(_C.zeros_like(o).requires_grad_() for o in outputs)
        transposed = _grad(list(outputs), leaves, list(dummies), True)
        products = _grad(list(transposed), dummies, list(tangents), create_graph)
    return _shaped(_plain(outputs, create_graph), out_tuple), _shaped(_plain(products, create_graph), out_tuple)


def _scalar_and_gradient(func, inputs, name, create_graph, strict):
    leaves, outputs, _ = _evaluate(func, inputs, create_graph, strict, name)
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(f"The function given to {name} should return a single Tensor with a single element")
    return leaves, outputs[0], _grad(outputs[0].reshape(()), leaves, None, True)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ H) for a function with one scalar output."""
    inputs, in_tuple = _as_tuple(inputs, "vhp: inputs")
    from .autograd import enable_grad
    with enable_grad():
        leaves, output, gradient = _scalar_and_gradient(func, inputs, "vhp", create_graph, strict)
        vectors = _vectors(v, leaves, "vhp", "input to the user-provided function is")
        products = _grad(list(gradient), leaves, list(vectors), create_graph)
    return (output if create_graph else output.detach()), _shaped(_plain(products, create_graph), in_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a function with one scalar output (the double-backward trick)."""
    inputs, in_tuple = _as_tuple(inputs, "hvp: inputs")
    from .autograd import enable_grad
    with enable_grad():
        leaves, output, gradient = _scalar_and_gradient(func, inputs, "hvp", create_graph, strict)
        vectors = _vectors(v, leaves, "hvp", "input to the user-provided function is")
        dummies = tuple(_C.zeros_like(g).requires_grad_() for g in gradient)
        transposed = _grad(list(gradient), leaves, list(dummies), True)
        products = _grad(list(transposed), dummies, list(vectors), create_graph)
    return (output if create_graph else output.detach()), _shaped(_plain(products, create_graph), in_tuple)
