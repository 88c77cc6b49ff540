"""tapedeck.nn: Module registration and naming, state dicts, hooks, modes, containers, tape
scopes, conversion, initialisers, gradient clipping, repr and errors. The comparisons with
PyTorch live in nn_parity.py and nn_utils_checks.py and are collected here."""
import math
from collections import OrderedDict

import pytest

import tapedeck as td
import tapedeck.nn as nn
import tapedeck.nn.functional as F
from nn_parity import *  # noqa: F401,F403  (PyTorch comparisons, collected here)
from nn_utils_checks import *  # noqa: F401,F403  (init, clip_grad, containers, collected here)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(OrderedDict(layers=nn.ModuleList([Block(), Block()])))
        self.head = nn.Linear(3, 2)
        self.register_buffer("steps", td.zeros(1))
        self.register_buffer("scratch", td.zeros(2), persistent=False)

    def forward(self, x):
        for block in self.encoder.layers:
            x = block(x)
        return self.head(x)


def test_parameters_buffers_and_modules_have_pytorch_names():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["encoder.layers.0.fc.weight", "encoder.layers.0.fc.bias", "encoder.layers.1.fc.weight",
                     "encoder.layers.1.fc.bias", "head.weight", "head.bias"]
    assert [tuple(p.shape) for p in net.parameters()] == [(3, 3), (3,), (3, 3), (3,), (2, 3), (2,)]
    assert [name for name, _ in net.named_buffers()] == ["steps", "scratch"]
    assert [name for name, _ in net.named_modules()] == [
        "", "encoder", "encoder.layers", "encoder.layers.0", "encoder.layers.0.fc", "encoder.layers.0.act",
        "encoder.layers.1", "encoder.layers.1.fc", "encoder.layers.1.act", "head"]
    assert [name for name, _ in net.named_children()] == ["encoder", "head"]
    assert list(net.children())[1] is net.head
    assert net.head.weight.name == "head.weight"  # the tape shows parameters by their path
    assert net.encoder.layers[1].fc.bias.name == "encoder.layers.1.fc.bias"


def test_shared_parameters_and_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.modules())) == 3
    tied = nn.Module()
    tied.a = nn.Linear(2, 2)
    tied.b = nn.Linear(2, 2)
    tied.b.weight = tied.a.weight
    assert [name for name, _ in tied.named_parameters()] == ["a.weight", "a.bias", "b.bias"]
    assert len(list(tied.named_parameters(remove_duplicate=False))) == 4
    assert list(tied.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]


def test_parameter_is_a_tensor_sharing_storage():
    data = td.zeros(2, 2)
    p = nn.Parameter(data)
    assert isinstance(p, td.Tensor) and isinstance(p, nn.Parameter) and p.requires_grad and p.is_leaf
    with td.no_grad():
        p.fill_(3.0)
    assert data.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert not nn.Parameter(td.ones(1), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    p.data.mul_(2.0)  # .data: values without autograd
    assert p.tolist()[0][0] == 6.0
    with pytest.raises(TypeError, match="Parameter"):
        nn.Parameter([1.0, 2.0])


def test_state_dict_round_trip():
    a, b = Net(), Net()
    with td.no_grad():
        a.steps.fill_(5.0)
    state = a.state_dict()
    assert isinstance(state, OrderedDict)
    # A module's own parameters, then its persistent buffers (not scratch), then its children's.
    assert list(state) == ["steps"] + [name for name, _ in a.named_parameters()]
    assert not any(t.requires_grad for t in state.values())
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    x = td.randn(4, 3)
    assert b(x).tolist() == a(x).tolist()
    assert b.steps.tolist() == [5.0]
    assert a.state_dict(keep_vars=True)["head.weight"] is a.head.weight


def test_deepcopy_copies_parameters_and_buffers():
    import copy
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    snapshot = copy.deepcopy(model)
    assert snapshot[0].weight is not model[0].weight and isinstance(snapshot[0].weight, nn.Parameter)
    assert snapshot[0].weight.tolist() == model[0].weight.tolist() and snapshot[0].weight.requires_grad
    model(td.randn(4, 2))
    assert snapshot[1].running_mean.tolist() == [0.0, 0.0] and snapshot[1].num_batches_tracked.item() == 0
    assert snapshot[1].weight.name == "1.weight"


def test_strict_load_names_missing_unexpected_and_mismatched_keys():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    before = model[0].weight.tolist()
    state = model.state_dict()
    del state["1.bias"]
    state["extra.weight"] = td.zeros(1)
    state["0.weight"] = td.zeros(3, 3)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "Error(s) in loading state_dict for Sequential" in message
    assert 'Missing key(s) in state_dict: "1.bias"' in message
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in message
    assert "size mismatch for 0.weight: copying a param with shape [3, 3] from checkpoint, the shape in current " \
           "model is [3, 2]" in message
    assert model[0].weight.tolist() == before  # nothing was loaded
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        model.load_state_dict(state, strict=False)
    state["0.weight"] = td.ones(3, 2)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["1.bias"] and result.unexpected_keys == ["extra.weight"]
    assert model[0].weight.tolist() == [[1.0, 1.0]] * 3


def test_forward_hooks_replace_args_and_outputs_and_can_be_removed():
    layer = nn.Linear(2, 2)
    seen = []
    pre = layer.register_forward_pre_hook(lambda module, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda module, args, output: seen.append((module, output)) or output + 1)
    out = layer(td.ones(1, 2))
    assert seen[0][0] is layer
    assert out.tolist() == [(layer.bias + 1).tolist()]
    pre.remove()
    post.remove()
    post.remove()  # a second remove does nothing
    assert layer(td.zeros(1, 2)).tolist() == [layer.bias.tolist()]
    with layer.register_forward_pre_hook(lambda module, args: td.ones(1, 2)):  # a bare tensor is wrapped
        assert layer(td.zeros(1, 2)).tolist() == layer(td.ones(1, 2)).tolist()
    assert not layer._forward_pre_hooks


def test_train_and_eval_switch_dropout_and_batch_norm():
    model = nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(4))
    assert model.training and model[1].training
    x = td.randn(64, 4)
    assert (model[0](x) == 0).sum().item() > 0
    model(x)
    assert model[1].num_batches_tracked.item() == 1
    assert model.eval() is model and not model[0].training and not model[1].training
    assert model[0](x).tolist() == x.tolist()
    model(x)
    assert model[1].num_batches_tracked.item() == 1  # running statistics frozen in eval
    model.train()
    assert model[0].training


def test_zero_grad_apply_and_requires_grad():
    model = nn.Linear(2, 1)
    model(td.ones(3, 2)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert model.weight.grad.tolist() == [[0.0, 0.0]]
    model.zero_grad()
    assert model.weight.grad is None
    visited = []
    nn.Sequential(model, nn.ReLU()).apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "ReLU", "Sequential"]
    model.requires_grad_(False)
    assert not model.weight.requires_grad


def test_to_double_converts_parameters_and_buffers():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    weight = model[0].weight.tolist()
    assert model.double() is model
    assert all(p.dtype == td.float64 for p in model.parameters())
    assert isinstance(model[0].weight, nn.Parameter) and model[0].weight.requires_grad
    assert model[1].running_mean.dtype == td.float64 and model[1].num_batches_tracked.dtype == td.int64
    assert model[0].weight.name == "0.weight"
    assert model[0].weight.reshape(-1).tolist() == pytest.approx(sum(weight, []))
    assert model(td.randn(3, 2, dtype=td.float64)).dtype == td.float64
    assert model.to(td.float32)[0].weight.dtype == td.float32
    assert model.to("cpu") is model
    with pytest.raises(TypeError, match="floating point"):
        model.to(td.int64)
    with pytest.raises(RuntimeError, match="cuda"):
        model.to("cuda")


def test_scopes_follow_the_attribute_path_from_the_outermost_module():
    net = Net()
    seen = {}

    class Probe(nn.Module):
        def forward(self, x):
            seen.setdefault(self.key, []).append(td._C._current_scope())
            return x

    scopes = []
    for name, module in net.named_modules():
        # A pre-hook runs inside the module's scope, as its forward's ops do.
        module.register_forward_pre_hook(lambda m, args: scopes.append(td._C._current_scope()))
        if isinstance(module, nn.Linear):
            probe = Probe()
            probe.key = name
            module.register_forward_hook(lambda m, args, out, probe=probe: probe(out))
    outer = []
    net.register_forward_pre_hook(lambda m, args: outer.append(td._C._current_scope()))
    net(td.randn(2, 3))
    assert outer == [""]  # the outermost module keeps the current scope
    # Blocks are called by Net, which does not own them (the ModuleList does): their path
    # from the outermost module; each fc is called by its owner: the owner's path + its name.
    assert scopes == ["", "encoder.layers.0", "encoder.layers.0.fc", "encoder.layers.0.act", "encoder.layers.1",
                      "encoder.layers.1.fc", "encoder.layers.1.act", "head"]
    # A probe owned by no module gets its class name.
    assert seen == {"encoder.layers.0.fc": ["Probe"], "encoder.layers.1.fc": ["Probe"], "head": ["Probe"]}

    class Recorder(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.paths = []

        def forward(self, x):
            self.paths.append(td._C._current_scope())
            return self.fc(x)

    class Outer(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Sequential(Recorder(), nn.ReLU())
            self.alias = self.inner[0]

        def forward(self, x):
            return self.inner(x)

    model = Outer()
    model(td.randn(1, 3))
    assert model.inner[0].paths == ["inner.0"]
    model.inner[0](td.randn(1, 3))  # called on its own: it is the outermost module
    assert model.inner[0].paths[-1] == ""
    assert td._C._current_scope() == ""


def test_scope_of_a_module_called_by_a_non_owner_and_restored_after_errors():
    tree = nn.Module()
    tree.shared = nn.Linear(2, 2)
    paths = []
    tree.shared.register_forward_pre_hook(lambda m, args: paths.append(td._C._current_scope()))

    class Caller(nn.Module):
        def forward(self, x):
            return tree.shared(x)

    tree.caller = Caller()

    class Root(nn.Module):
        def __init__(self):
            super().__init__()
            self.tree = tree

        def forward(self, x):
            return self.tree.caller(x)

    Root()(td.ones(1, 2))
    assert paths == ["tree.shared"]  # not owned by Caller: its path from the outermost module
    with td._C._Scope("user.scope"):
        tree.caller(td.ones(1, 2))
        assert paths[-1] == "Linear"  # outside the outermost module's (Caller's) tree: its class name
        assert td._C._current_scope() == "user.scope"

    class Failing(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x.reshape(1, 3))

    with pytest.raises(RuntimeError):
        Failing()(td.ones(2))
    assert td._C._current_scope() == ""
    assert nn.modules._scope.call_frames() == []


def test_repr_is_pytorch_like():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.1)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.1, inplace=False)\n"
        "  )\n"
        ")")
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"

    class WithExtra(nn.Module):
        def extra_repr(self):
            return "k=1"

    assert repr(WithExtra()) == "WithExtra(k=1)"


def test_errors_name_the_module_and_the_problem():
    model = nn.Linear(2, 3)
    with pytest.raises(TypeError, match=r"Linear: cannot assign 'Tensor' as parameter 'weight'"):
        model.weight = td.zeros(3, 2)
    with pytest.raises(KeyError, match="name can.*t contain"):
        model.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="attribute 'in_features' already exists"):
        model.register_buffer("in_features", td.zeros(1))
    with pytest.raises(ValueError, match=r"Linear\(in_features=2\): expected input \[..., 2\], got \[4, 5\]"):
        model(td.zeros(4, 5))
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        model.nope  # noqa: B018

    class NoInit(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        NoInit()
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward"'):
        nn.Module()(td.zeros(1))
    with pytest.raises(ValueError, match="own ancestor"):
        model.add_module("me", model)
    with pytest.raises(ValueError, match="dropout probability"):
        nn.Dropout(1.5)
    with pytest.raises(NotImplementedError, match="ceil_mode"):
        nn.MaxPool2d(2, ceil_mode=True)
    with pytest.raises(RuntimeError, match=r"LSTM: expected hidden size \(1, 2, 4\), got \[1, 3, 4\]"):
        nn.LSTM(3, 4)(td.zeros(5, 2, 3), (td.zeros(1, 3, 4), td.zeros(1, 3, 4)))
    with pytest.raises(ValueError, match="Linear: in_features must be an int >= 0, got -1"):
        nn.Linear(-1, 3)
    with pytest.raises(ValueError, match="Embedding: embedding_dim must be an int >= 0, got 2.5"):
        nn.Embedding(5, 2.5)
    table = nn.Embedding(5, 2)
    for index in (7, -1):
        with pytest.raises(IndexError, match=rf"Embedding\(5, 2\): index {index} is out of range: indices must be in \[0, 5\)"):
            table(td.tensor([1, index]))
    assert table(td.tensor([[0, 4]])).shape == (1, 2, 2)
    with pytest.raises(ValueError, match="Conv2d: out_channels must be an int >= 0, got -4"):
        nn.Conv2d(1, -4, 3)
    with pytest.raises(ValueError, match=r"Conv2d: kernel_size must be ints >= 1, got \(0, 0\)"):
        nn.Conv2d(1, 4, 0)
    with pytest.raises(ValueError, match="Conv1d: stride must be an int >= 1, got 0"):
        nn.Conv1d(1, 4, 3, stride=0)
    with pytest.raises(TypeError, match="Adam: lr must be a number, got str '0.1'"):
        td.optim.Adam(nn.Linear(2, 2).parameters(), lr="0.1")
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        td.optim.SGD(nn.Linear(2, 2).parameters(), lr=-1)


def test_a_small_model_learns():
    td.manual_seed(0)
    x = td.linspace(-1, 1, 32).reshape(32, 1)
    y = x * 3.0 - 0.5
    model = nn.Linear(1, 1)
    loss_fn = nn.MSELoss()
    for _ in range(200):
        loss = loss_fn(model(x), y)
        model.zero_grad()
        loss.backward()
        with td.no_grad():
            for p in model.parameters():
                p.sub_(p.grad * 0.3)
    assert model.weight.item() == pytest.approx(3.0, abs=1e-3) and model.bias.item() == pytest.approx(-0.5, abs=1e-3)
    assert math.isfinite(F.mse_loss(model(x), y).item())


def test_linear_with_a_one_dimensional_weight():
    # x @ w (PyTorch's); Tapedeck also adds a 0-d or [1] bias, which PyTorch 1.13 refuses here.
    x = td.tensor([[1.0, 2.0], [3.0, 4.0]])
    w = td.tensor([1.0, -1.0])
    assert F.linear(x, w).tolist() == [-1.0, -1.0]
    assert F.linear(x, w, td.tensor(0.5)).tolist() == [-0.5, -0.5]
    assert F.linear(x[0], w, td.tensor([0.5])).tolist() == -0.5
    with pytest.raises(td.TapedeckError, match=r"linear: weight must be 1-D \[in\] or 2-D \[out, in\]"):
        F.linear(x, td.ones(1, 2, 2))


def test_class_losses_of_one_unbatched_sample_and_their_errors():
    # Input [C] with a 0-d target is a batch of one (compared with PyTorch in test_differential).
    x = td.tensor([0.5, -1.0, 2.0])
    assert F.cross_entropy(x, td.tensor(2)).shape == ()
    assert nn.CrossEntropyLoss(reduction="none")(x, td.tensor(1)).shape == ()
    with pytest.raises(td.TapedeckError, match=r"cross_entropy: input of shape \[3\] is one sample of 3 classes: its "
                                                r"target must be 0-d \(one class index\), got shape \[1\]"):
        F.cross_entropy(x, td.tensor([1]))
    with pytest.raises(td.TapedeckError, match=r"nll_loss: input must be \[C\], \[N, C\] or \[N, C, d...\], got \[\]"):
        F.nll_loss(td.ones(()), td.tensor(0))

