"""tapedeck.nn against Debian's PyTorch (python3-torch): the same layer, with the weights
copied across through state_dict, gives the same outputs and gradients (float64, 1e-5).
Its tests are collected through test_nn.py."""
import os

import numpy as np
import pytest

import tapedeck as td
import tapedeck.nn as nn
import tapedeck.nn.functional as F

try:
    import torch
except ImportError:  # without CI the tests skip; with CI=true they fail (the package is required)
    torch = None

needs_torch = pytest.mark.skipif(torch is None and os.environ.get("CI") != "true",
                                 reason="Debian's python3-torch is not installed (scripts/install-deps.sh)")
TOLERANCE = 1e-5


def to_td(array_or_tensor, requires_grad=False):
    array = array_or_tensor.detach().numpy() if hasattr(array_or_tensor, "detach") else array_or_tensor
    if np.ndim(array) == 0:  # tapedeck.tensor(0-d array) gives shape [1] today (reported); go through a number
        return td.tensor(array.item(), requires_grad=requires_grad)
    return td.tensor(np.ascontiguousarray(array), requires_grad=requires_grad)


def outputs_of(result):
    """The tensors of a module's result (a tensor, or nested tuples of tensors; None is none)."""
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in outputs_of(item)]
    return [] if result is None else [result]


def assert_close(ours, theirs, what):
    ours = np.asarray(ours.detach().numpy() if hasattr(ours, "detach") else ours, dtype=np.float64)
    theirs = np.asarray(theirs.detach().numpy(), dtype=np.float64)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs PyTorch's {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=TOLERANCE, atol=TOLERANCE, err_msg=what)


def pair(torch_module, our_module):
    """Both in float64, our weights and buffers copied from PyTorch's."""
    torch_module.double()
    our_module.double()
    result = our_module.load_state_dict({k: to_td(v) for k, v in torch_module.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    return torch_module, our_module


class Constant(np.ndarray):
    """An input compare() gives no gradient (a loss's target): constant(array)."""


def constant(array):
    return np.asarray(array, dtype=np.float64).view(Constant)


def compare(torch_module, our_module, *inputs, grad_inputs=True):
    """Runs both on the same inputs (numpy arrays; float ones get gradients), compares the
    outputs, the inputs' gradients and every parameter's gradient."""
    seed = np.random.default_rng(7)

    def convert(a, make):
        if isinstance(a, tuple):
            return tuple(convert(item, make) for item in a)
        return make(np.asarray(a), grad_inputs and a.dtype == np.float64 and not isinstance(a, Constant))

    theirs_in = [convert(a, lambda v, g: torch.tensor(v, requires_grad=g)) for a in inputs]
    ours_in = [convert(a, lambda v, g: to_td(v, requires_grad=g)) for a in inputs]
    theirs_out = outputs_of(torch_module(*theirs_in))
    ours_out = outputs_of(our_module(*ours_in))
    assert len(ours_out) == len(theirs_out)
    weights = [seed.standard_normal(tuple(t.shape)) for t in theirs_out]
    for i, (o, t) in enumerate(zip(ours_out, theirs_out)):
        assert_close(o, t, f"{type(our_module).__name__} output {i}")
    sum(((t * torch.tensor(w)).sum() for t, w in zip(theirs_out, weights))).backward()
    sum(((o * to_td(w)).sum() for o, w in zip(ours_out, weights)), td.tensor(0.0, dtype=td.float64)).backward()
    for i, (o, t) in enumerate(zip(outputs_of(ours_in), outputs_of(theirs_in))):
        if t.requires_grad:
            assert_close(o.grad, t.grad, f"{type(our_module).__name__} input {i} grad")
    theirs_params = dict(torch_module.named_parameters())
    for name, p in our_module.named_parameters():
        assert_close(p.grad, theirs_params[name].grad, f"{type(our_module).__name__}.{name} grad")


def names_and_shapes(module, kind="named_parameters"):
    return [(name, tuple(t.shape)) for name, t in getattr(module, kind)()]


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


LAYERS = [  # (name, constructor arguments, input shapes)
    ("Linear", (5, 3), [(4, 5)]),
    ("Linear", (5, 3, False), [(2, 3, 5)]),
    ("Conv2d", (3, 4, 3), [(2, 3, 7, 7)]),
    ("Conv2d", (4, 6, (3, 2), 2, 1, 1, 2), [(2, 4, 9, 8)]),
    ("LayerNorm", ((4, 5),), [(2, 3, 4, 5)]),
    ("GRUCell", (4, 6), [(3, 4), (3, 6)]),
    ("LSTMCell", (4, 6), [(3, 4)]),
    ("RNNCell", (4, 6), [(3, 4), (3, 6)]),
    ("GRU", (4, 6), [(5, 3, 4)]),
    ("RNN", (4, 6, 2), [(5, 3, 4)]),
    ("LSTM", (4, 6, 2, True, True), [(3, 5, 4)]),
    ("GRU", (4, 5, 1, True, False, 0.0, True), [(5, 2, 4)]),
    ("MaxPool2d", (2,), [(2, 3, 6, 6)]),
    ("AvgPool2d", (3, 2, 1), [(2, 3, 7, 7)]),
    ("AdaptiveAvgPool2d", ((2, 3),), [(2, 3, 6, 6)]),
    ("Flatten", (), [(2, 3, 4)]),
    ("GELU", (), [(3, 4)]),
    ("GELU", ("tanh",), [(3, 4)]),
    ("Softplus", (2.0, 5.0), [(3, 4)]),
    ("LeakyReLU", (0.2,), [(3, 4)]),
    ("Softmax", (1,), [(3, 4)]),
    ("LogSoftmax", (-1,), [(3, 4)]),
    ("SiLU", (), [(3, 4)]),
    ("Tanh", (), [(3, 4)]),
    ("Sigmoid", (), [(3, 4)]),
    ("ELU", (), [(3, 4)]),
    ("ELU", (0.5,), [(3, 4)]),
    ("SELU", (), [(3, 4)]),
    ("CELU", (2.0,), [(3, 4)]),
    ("Hardtanh", (-0.5, 0.75), [(3, 4)]),
    ("Hardswish", (), [(3, 4)]),
    ("Hardsigmoid", (), [(3, 4)]),
    ("Mish", (), [(3, 4)]),
    ("Softsign", (), [(3, 4)]),
    ("LogSigmoid", (), [(3, 4)]),
    ("Tanhshrink", (), [(3, 4)]),
    ("Threshold", (0.1, 20.0), [(3, 4)]),
    ("PReLU", (), [(3, 4)]),
    ("PReLU", (3, 0.1), [(2, 3, 4)]),
    ("GLU", (), [(3, 4)]),
    ("GLU", (0,), [(4, 3)]),
    ("Softmin", (1,), [(3, 4)]),
    ("GroupNorm", (2, 4), [(3, 4, 5)]),
    ("GroupNorm", (3, 6, 1e-3, False), [(2, 6, 2, 3)]),
    ("InstanceNorm2d", (3,), [(2, 3, 4, 5)]),
    ("InstanceNorm2d", (3, 1e-5, 0.1, True), [(3, 4, 5)]),
    ("InstanceNorm1d", (2, 1e-5, 0.1, True), [(3, 2, 6)]),
    ("Dropout2d", (0.0,), [(2, 3, 4, 5)]),
]


@needs_torch
@pytest.mark.parametrize("name,args,shapes", LAYERS, ids=[f"{n}{i}" for i, (n, _, _) in enumerate(LAYERS)])
def test_layer_matches_pytorch(name, args, shapes):
    theirs, ours = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
    assert names_and_shapes(ours) == names_and_shapes(theirs)
    assert repr(ours) == repr(theirs)
    pair(theirs, ours)
    compare(theirs, ours, *[rand(*s, seed=i) for i, s in enumerate(shapes)])


@needs_torch
def test_lstm_with_initial_state_matches_pytorch():
    theirs, ours = pair(torch.nn.LSTM(3, 4, num_layers=2, batch_first=True), nn.LSTM(3, 4, num_layers=2,
                                                                                      batch_first=True))
    compare(theirs, ours, rand(2, 6, 3), (rand(2, 2, 4, seed=1), rand(2, 2, 4, seed=2)), grad_inputs=True)
    compare(theirs, ours, rand(6, 3, seed=3))  # unbatched


@needs_torch
@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d"])
def test_batch_norm_matches_pytorch_in_train_and_eval(name):
    shapes = {"BatchNorm1d": [(6, 3), (4, 3, 5)], "BatchNorm2d": [(4, 3, 5, 5)]}[name]
    theirs, ours = getattr(torch.nn, name)(3, momentum=0.2), getattr(nn, name)(3, momentum=0.2)
    assert names_and_shapes(ours) == names_and_shapes(theirs)
    assert names_and_shapes(ours, "named_buffers") == names_and_shapes(theirs, "named_buffers")
    assert repr(ours) == repr(theirs)
    pair(theirs, ours)
    for seed, shape in enumerate(shapes):
        compare(theirs, ours, rand(*shape, seed=seed) * 2 + 1)
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key].double(), value.double(), f"{name} {key} after training")
    theirs.eval(), ours.eval()
    compare(theirs, ours, rand(*shapes[-1], seed=9))


@needs_torch
def test_batch_norm_cumulative_average_and_no_running_stats():
    theirs, ours = pair(torch.nn.BatchNorm1d(2, momentum=None), nn.BatchNorm1d(2, momentum=None))
    for seed in range(3):
        compare(theirs, ours, rand(5, 2, seed=seed))
    assert_close(ours.running_var, theirs.running_var, "cumulative running_var")
    theirs, ours = pair(torch.nn.BatchNorm1d(2, track_running_stats=False), nn.BatchNorm1d(2, track_running_stats=False))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.eval(), ours.eval()
    compare(theirs, ours, rand(5, 2))


@needs_torch
def test_embedding_matches_pytorch_including_padding_gradient():
    theirs, ours = pair(torch.nn.Embedding(10, 4, padding_idx=1), nn.Embedding(10, 4, padding_idx=1))
    assert ours.weight[1].abs().sum().item() == 0.0
    indices = np.array([[1, 2, 3, 1], [9, 0, 1, 5]])
    t_out, o_out = theirs(torch.tensor(indices)), ours(td.tensor(indices))
    assert_close(o_out, t_out, "Embedding output")
    w = rand(2, 4, 4)
    (t_out * torch.tensor(w)).sum().backward()
    (o_out * to_td(w)).sum().backward()
    assert_close(ours.weight.grad, theirs.weight.grad, "Embedding weight grad")


LOSSES = [  # (name, kwargs, input shape, target kind)
    ("CrossEntropyLoss", {}, (5, 4), "class"),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, (5, 4), "class"),
    ("CrossEntropyLoss", {"ignore_index": 2}, (6, 4), "class"),
    ("CrossEntropyLoss", {"weight": [1.0, 2.0, 0.5, 3.0]}, (5, 4), "class"),
    ("CrossEntropyLoss", {"weight": [1.0, 2.0, 0.5, 3.0], "label_smoothing": 0.2, "ignore_index": 0}, (7, 4),
     "class"),
    ("CrossEntropyLoss", {"reduction": "sum"}, (3, 4, 2, 2), "class"),
    ("CrossEntropyLoss", {"reduction": "none", "label_smoothing": 0.05}, (5, 4), "probabilities"),
    ("NLLLoss", {"weight": [1.0, 2.0, 0.5, 3.0], "reduction": "mean"}, (5, 4), "class"),
    ("BCEWithLogitsLoss", {}, (4, 3), "binary"),
    ("BCEWithLogitsLoss", {"pos_weight": [1.0, 3.0, 0.5], "weight": [2.0, 1.0, 1.0]}, (4, 3), "binary"),
    ("BCELoss", {"weight": [2.0, 1.0, 1.0]}, (4, 3), "probability"),
    ("MSELoss", {"reduction": "sum"}, (4, 3), "real"),
    ("L1Loss", {}, (4, 3), "real"),
    ("SmoothL1Loss", {"beta": 0.5}, (4, 3), "real"),
]


def _loss_inputs(shape, kind):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    classes = shape[1]
    target_shape = (shape[0],) + shape[2:]
    if kind == "class":
        return x, rng.integers(0, classes, size=target_shape)
    if kind == "probabilities":
        p = rng.random(shape)
        return x, p / p.sum(axis=1, keepdims=True)
    if kind == "binary":
        return x, (rng.random(shape) > 0.5).astype(np.float64)
    if kind == "probability":
        return 1 / (1 + np.exp(-x)), rng.random(shape)
    return x, rng.standard_normal(shape)


@needs_torch
@pytest.mark.parametrize("name,kwargs,shape,kind", LOSSES, ids=[f"{n}{i}" for i, (n, *_) in enumerate(LOSSES)])
def test_loss_matches_pytorch(name, kwargs, shape, kind):
    tensors = {k: v for k, v in kwargs.items() if isinstance(v, list)}
    theirs = getattr(torch.nn, name)(**{**kwargs, **{k: torch.tensor(v, dtype=torch.float64) for k, v in
                                                     tensors.items()}})
    ours = getattr(nn, name)(**{**kwargs, **{k: td.tensor(v, dtype=td.float64) for k, v in tensors.items()}})
    x, target = _loss_inputs(shape, kind)
    if name == "NLLLoss":
        x = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    compare(theirs, ours, x, target if target.dtype != np.float64 else target, grad_inputs=True)


@needs_torch
@needs_torch
@pytest.mark.parametrize("mode,amounts,value", [
    ("constant", (1, 2), None), ("constant", (1, -1, 2, 0), 3.5), ("constant", (0, 0, 0, 0, 1, 1), None),
    ("reflect", (2, 1, 1, 2), None), ("replicate", (3, 0, 0, 2), None), ("circular", (1, 2, 3, 1), None),
])
def test_pad_matches_pytorch_with_its_gradient(mode, amounts, value):
    x = rand(2, 3, 4, 5)
    tx, ox = torch.tensor(x, requires_grad=True), to_td(x, requires_grad=True)
    kwargs = {} if value is None else {"value": value}
    ours, theirs = F.pad(ox, amounts, mode=mode, **kwargs), torch.nn.functional.pad(tx, amounts, mode=mode, **kwargs)
    assert_close(ours, theirs, f"pad {mode} {amounts}")
    weights = rand(*theirs.shape)
    (ours * to_td(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    assert_close(ox.grad, tx.grad, f"pad {mode} {amounts} gradient")


def test_pad_errors_name_the_problem():
    x = td.zeros(1, 2, 3)
    for amounts, mode, message in [((1,), "constant", "even number"), ((1, 1) * 4, "constant", "4 dims of a 3-d"),
                                   ((3, 0), "reflect", "less than the size"), ((0, 4), "circular", "at most the size"),
                                   ((-1, 0), "replicate", "cannot crop"), ((1, 1), "wrap", "mode must be"),
                                   ((-2, -2), "constant", "cropping")]:
        with pytest.raises(ValueError, match=message):
            F.pad(x, amounts, mode=mode)


def test_functional_forms_match_pytorch():
    x = rand(3, 5)
    tx, ox = torch.tensor(x), to_td(x)
    assert_close(F.relu(ox, inplace=False), torch.nn.functional.relu(tx), "relu")
    assert_close(F.one_hot(td.tensor([0, 2, 1]), 4), torch.nn.functional.one_hot(torch.tensor([0, 2, 1]), 4), "one_hot")
    assert_close(F.normalize(ox, dim=1), torch.nn.functional.normalize(tx, dim=1), "normalize")
    assert_close(F.logsigmoid(ox), torch.nn.functional.logsigmoid(tx), "logsigmoid")
    assert_close(F.cross_entropy(ox, td.tensor([0, 4, 2])), torch.nn.functional.cross_entropy(tx, torch.tensor([0, 4, 2])),
                 "cross_entropy")
    assert F.dropout(ox, p=0.2, training=False) is ox
    assert_close(F.softmax(ox, dim=1), torch.nn.functional.softmax(tx, dim=1), "softmax")
    assert_close(F.log_softmax(ox, dim=0, dtype=td.float32), torch.nn.functional.log_softmax(tx, 0, dtype=torch.float32),
                 "log_softmax")
    assert_close(F.leaky_relu(ox, negative_slope=0.3), torch.nn.functional.leaky_relu(tx, negative_slope=0.3),
                 "leaky_relu")
    copy = to_td(x)
    assert F.relu(copy, inplace=True) is copy and copy.amin().item() == 0.0
    assert_close(F.mse_loss(ox, ox * 2, reduction="none"), torch.nn.functional.mse_loss(tx, tx * 2, reduction="none"),
                 "mse_loss")


def compare_function(call, arrays, name, rtol=1e-10, atol=1e-12, grad_rtol=None, grad_atol=None, seed=4):
    """call(lib, *tensors) with lib tapedeck and then torch, on float64 leaves made from
    arrays: the same values, and the same gradient for every input (of the outputs weighted
    by fixed random numbers)."""
    import warnings
    ours_in = [td.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = call(td, *ours_in), call(torch, *theirs_in)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol, err_msg=name)
    weights = np.random.default_rng(seed).standard_normal(tuple(b.shape))
    (a * td.tensor(weights)).sum().backward()
    (b * torch.tensor(weights)).sum().backward()
    for i, (o, t) in enumerate(zip(ours_in, theirs_in)):
        expected = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(t.shape) if o.grad is None else o.grad.numpy()
        np.testing.assert_allclose(got, expected, rtol=grad_rtol or rtol, atol=grad_atol or atol,
                                   err_msg=f"{name} input {i} grad")


def same(ours, theirs):
    """Equal values (NaN where NaN), shapes and dtype names."""
    ours_np, theirs_np = np.asarray(ours.detach().numpy()), theirs.detach().numpy()
    assert ours_np.shape == theirs_np.shape
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours_np, theirs_np)
