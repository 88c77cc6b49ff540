"""tapedeck.nn.init statistics, nn.utils gradient clipping and the containers' list and
dict behaviour. Its tests are collected through test_nn.py."""
import math
from collections import OrderedDict

import pytest

import tapedeck as td
import tapedeck.nn as nn
from tapedeck.nn import init


def _stats(tensor):
    values = [v for row in (tensor.reshape(-1).tolist(),) for v in row]
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return mean, std, min(values), max(values)


def test_init_functions_follow_pytorch_formulas():
    td.manual_seed(1)
    w = td.empty(200, 100)
    mean, std, low, high = _stats(init.uniform_(w, -2.0, 3.0))
    assert -2.0 <= low and high <= 3.0 and mean == pytest.approx(0.5, abs=0.05)
    mean, std, _, _ = _stats(init.normal_(w, 1.0, 0.5))
    assert mean == pytest.approx(1.0, abs=0.01) and std == pytest.approx(0.5, rel=0.02)
    bound = math.sqrt(6.0 / 300)
    _, std, low, high = _stats(init.xavier_uniform_(w))
    assert -bound <= low and high <= bound and std == pytest.approx(bound / math.sqrt(3), rel=0.02)
    _, std, _, _ = _stats(init.xavier_normal_(w, gain=2.0))
    assert std == pytest.approx(2.0 * math.sqrt(2.0 / 300), rel=0.02)
    _, std, low, high = _stats(init.kaiming_uniform_(w, nonlinearity="relu"))
    assert high <= math.sqrt(6.0 / 100) and std == pytest.approx(math.sqrt(2.0 / 100), rel=0.02)
    _, std, _, _ = _stats(init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"))
    assert std == pytest.approx(math.sqrt(2.0 / 200), rel=0.02)
    assert init.zeros_(w).abs().sum().item() == 0.0
    assert init.ones_(w).sum().item() == 20000.0
    assert init.constant_(w, 0.25).amax().item() == 0.25
    assert init.calculate_gain("tanh") == pytest.approx(5.0 / 3)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2.0 / 1.04))
    assert init._calculate_fan_in_and_fan_out(td.empty(8, 3, 5, 5)) == (75, 200)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(td.empty(5))


def test_init_works_on_parameters_without_recording():
    layer = nn.Linear(4, 4)
    init.kaiming_uniform_(layer.weight, a=math.sqrt(5))
    assert layer.weight.is_leaf and layer.weight.requires_grad and layer.weight.grad_fn is None


def test_default_initialisation_bounds():
    td.manual_seed(3)
    linear = nn.Linear(50, 40)
    assert linear.weight.abs().amax().item() <= 1 / math.sqrt(50)
    assert linear.bias.abs().amax().item() <= 1 / math.sqrt(50)
    assert _stats(linear.weight)[1] == pytest.approx(1 / math.sqrt(50) / math.sqrt(3), rel=0.1)
    conv = nn.Conv2d(4, 8, 3)
    assert conv.weight.abs().amax().item() <= 1 / math.sqrt(36)
    lstm = nn.LSTM(3, 16)
    assert all(p.abs().amax().item() <= 0.25 for p in lstm.parameters())
    gru = nn.GRUCell(3, 25)
    assert all(p.abs().amax().item() <= 0.2 for p in gru.parameters())
    embedding = nn.Embedding(100, 30)
    assert _stats(embedding.weight)[1] == pytest.approx(1.0, rel=0.1)
    norm = nn.LayerNorm(5)
    assert norm.weight.tolist() == [1.0] * 5 and norm.bias.tolist() == [0.0] * 5


def test_clip_grad_norm_scales_to_the_max_norm():
    a = nn.Parameter(td.zeros(2))
    b = nn.Parameter(td.zeros(1))
    a.grad = td.tensor([3.0, 0.0])
    b.grad = td.tensor([4.0])
    total = nn.utils.clip_grad_norm_([a, b, a], max_norm=1.0)
    assert isinstance(total, td.Tensor) and total.item() == pytest.approx(5.0)
    assert a.grad.tolist() == pytest.approx([0.6, 0.0], rel=1e-5) and b.grad.tolist() == pytest.approx([0.8], rel=1e-5)
    assert nn.utils.clip_grad_norm_([a, b], max_norm=10.0).item() == pytest.approx(1.0, rel=1e-5)
    assert a.grad.tolist() == pytest.approx([0.6, 0.0], rel=1e-5)  # under the limit: unchanged
    assert nn.utils.clip_grad_norm_([a, b], 0.5, norm_type=float("inf")).item() == pytest.approx(0.8, rel=1e-5)
    assert b.grad.tolist() == pytest.approx([0.5], rel=1e-4)
    assert nn.utils.clip_grad_norm_([nn.Parameter(td.zeros(1))], 1.0).item() == 0.0  # no gradients
    nn.utils.clip_grad_value_([a, b], 0.1)
    assert a.grad.tolist() == pytest.approx([0.1, 0.0]) and b.grad.tolist() == pytest.approx([0.1])


def test_parameters_to_vector_and_back():
    model = nn.Linear(2, 2)
    vector = nn.utils.parameters_to_vector(model.parameters())
    assert tuple(vector.shape) == (6,)
    nn.utils.vector_to_parameters(td.arange(6.0), model.parameters())
    assert model.weight.tolist() == [[0.0, 1.0], [2.0, 3.0]] and model.bias.tolist() == [4.0, 5.0]


def test_sequential_indexing_slicing_and_editing():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2] and list(seq) == layers
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    assert tuple(head(td.ones(4, 2)).shape) == (4, 2)
    seq.append(nn.Sigmoid())
    assert [name for name, _ in seq.named_children()] == ["0", "1", "2", "3"]
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    del seq[1]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear", "Sigmoid"]
    assert list(seq._modules) == ["0", "1", "2"]
    seq.insert(1, nn.ReLU())
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear", "Sigmoid"]
    assert seq[2].weight.name == "2.weight"
    with pytest.raises(IndexError, match="Sequential: index 9 is out of range"):
        seq[9]  # noqa: B018
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [name for name, _ in named.named_parameters()] == ["fc.weight", "fc.bias"] and named.act is named[1]


def test_module_list_and_module_dict():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(blocks) == 3 and [name for name, _ in blocks.named_parameters()][-1] == "2.bias"
    blocks.append(nn.ReLU())
    blocks.extend([nn.Tanh()])
    blocks += [nn.Sigmoid()]
    assert len(blocks) == 6 and isinstance(blocks[-1], nn.Sigmoid)
    assert isinstance(blocks[1:3], nn.ModuleList) and len(blocks[1:3]) == 2
    blocks.insert(0, nn.Identity())
    del blocks[0]
    assert list(blocks._modules) == [str(i) for i in range(6)]
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        blocks(td.zeros(1))
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    heads["c"] = nn.ReLU()
    assert list(heads.keys()) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert [name for name, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert isinstance(heads.pop("c"), nn.ReLU) and list(heads) == ["a", "b"]
    params = nn.ParameterList([nn.Parameter(td.ones(2)), td.zeros(3)])
    assert [name for name, _ in params.named_parameters()] == ["0", "1"] and isinstance(params[1], nn.Parameter)
