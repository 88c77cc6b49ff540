"""tapedeck.optim (against Debian's PyTorch on the same parameters and gradients),
schedulers, state dicts, and tapedeck.utils.data."""
import collections

import numpy as np
import pytest

import tapedeck as td

torch = pytest.importorskip("torch", reason="the comparison needs Debian's python3-torch")


def pair(values):
    """The same float32 leaf in both libraries."""
    a = td.tensor(np.array(values, dtype=np.float32), requires_grad=True)
    b = torch.tensor(np.array(values, dtype=np.float32), requires_grad=True)
    return a, b


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.2, maximize=True)),
])
def test_updates_match_pytorch(name, kwargs):
    rng = np.random.default_rng(0)
    ours, theirs = pair(rng.standard_normal(5))
    opt_ours = getattr(td.optim, name)([ours], **kwargs)
    opt_theirs = getattr(torch.optim, name)([theirs], **kwargs)
    for step in range(5):
        g = rng.standard_normal(5).astype(np.float32)
        opt_ours.zero_grad()
        opt_theirs.zero_grad()
        (ours * td.tensor(g)).sum().backward()
        (theirs * torch.tensor(g)).sum().backward()
        opt_ours.step()
        opt_theirs.step()
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name} step {step}")
    # opt.state[p], as PyTorch's: the same buffers, by the same names, with the same values.
    mine, theirs_state = opt_ours.state[ours], opt_theirs.state[theirs]
    for key, value in theirs_state.items():
        if key == "step" or value is None:  # (plain SGD's momentum_buffer is None there)
            continue
        assert key in mine, (key, sorted(mine))
        np.testing.assert_allclose(mine[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-6, err_msg=key)
    assert len(opt_ours.state) == 1


def test_adagrad_state_dict_and_scope():
    w = td.ones(3, requires_grad=True)
    opt = td.optim.Adagrad([w], lr=0.5, initial_accumulator_value=0.1)
    assert opt.state[w]["sum"].tolist() == pytest.approx([0.1] * 3)
    (w * td.tensor([1.0, 2.0, 3.0])).sum().backward()
    session = td.debug.Session()
    session._debugger.attach()
    try:
        opt.step()
    finally:
        session._debugger.detach()
    recorder = session.recorder
    scopes = {e["scope"] for it in recorder.iterations() for e in recorder.entries(it)}
    assert scopes == {"optimizer.step"}
    saved = opt.state_dict()
    assert saved["state"][0]["step"].item() == 1.0
    fresh = td.optim.Adagrad([td.ones(3, requires_grad=True)], lr=0.5)
    fresh.load_state_dict(saved)
    assert fresh.state_dict()["state"][0]["sum"].tolist() == saved["state"][0]["sum"].tolist()
    with pytest.raises(ValueError, match="Invalid lr_decay value: -1"):
        td.optim.Adagrad([w], lr_decay=-1)


def test_param_groups_schedulers_and_state_dict():
    w, b = td.ones(2, requires_grad=True), td.zeros(1, requires_grad=True)
    opt = td.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    sched = td.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(2):
        (w.sum() + b.sum()).backward()
        opt.step()
        opt.zero_grad()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)
    state = opt.state_dict()
    assert set(state["state"]) == {0, 1} and "momentum_buffer" in state["state"][0]
    fresh = td.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    fresh.load_state_dict(state)
    assert fresh.param_groups[0]["lr"] == pytest.approx(0.01)
    assert fresh.state_dict()["state"][0]["momentum_buffer"].tolist() == state["state"][0]["momentum_buffer"].tolist()
    with pytest.raises(ValueError, match="more than one parameter group"):
        td.optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        td.optim.Adam([], lr=0.1)


def test_cosine_and_lambda_schedulers_match_pytorch():
    for make in [lambda o, m: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
                 lambda o, m: m.LambdaLR(o, lambda e: 0.9 ** e),
                 lambda o, m: m.MultiStepLR(o, milestones=[2, 5], gamma=0.5)]:
        ours = td.optim.SGD([td.ones(1, requires_grad=True)], lr=0.1)
        theirs = torch.optim.SGD([torch.ones(1, requires_grad=True)], lr=0.1)
        s1, s2 = make(ours, td.optim.lr_scheduler), make(theirs, torch.optim.lr_scheduler)
        for _ in range(8):
            ours.step()
            theirs.step()
            s1.step()
            s2.step()
            assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"])


def test_tensor_dataset_and_loader():
    x, y = td.arange(10).reshape(10, 1).float(), td.arange(10)
    data = td.utils.data.TensorDataset(x, y)
    assert len(data) == 10 and data[3][1].item() == 3
    loader = td.utils.data.DataLoader(data, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    td.manual_seed(1)
    first = [b[1].tolist() for b in td.utils.data.DataLoader(data, batch_size=4, shuffle=True, drop_last=True)]
    td.manual_seed(1)
    again = [b[1].tolist() for b in td.utils.data.DataLoader(data, batch_size=4, shuffle=True, drop_last=True)]
    assert first == again and len(first) == 2  # the same seed, the same order; the last 2 dropped
    assert all(len(b) == 4 for b in first)
    drawn = sum(first, [])
    assert len(set(drawn)) == 8 and set(drawn) <= set(range(10)) and drawn != list(range(8)), "shuffled"
    with pytest.raises(TypeError, match="DataLoader: the dataset must support len"):
        td.utils.data.DataLoader(5, batch_size=2)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        td.utils.data.DataLoader(data, num_workers=-1)
    assert len(td.utils.data.DataLoader([1.0, 2.0, 3.0], batch_size=2)) == 2  # a plain list is a dataset
    seen = sorted(v for b in td.utils.data.DataLoader(data, batch_size=3, shuffle=True) for v in b[1].tolist())
    assert seen == list(range(10))
    with pytest.raises(ValueError, match="Size mismatch"):
        td.utils.data.TensorDataset(x, td.arange(9))


def test_generic_dataset_collates_tuples_and_numbers():
    class Squares(td.utils.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return td.tensor([float(i)]), i * i

    xs, ys = next(iter(td.utils.data.DataLoader(Squares(), batch_size=5)))
    assert xs.shape == (5, 1) and ys.tolist() == [0, 1, 4, 9, 16]
    a, b = td.utils.data.random_split(Squares(), [3, 2])
    assert len(a) == 3 and len(b) == 2


def test_a_dataset_of_numpy_arrays_strings_and_namedtuples_batches_as_with_pytorch():
    Point = collections.namedtuple("Point", "x y")

    class Samples(td.utils.data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.full((2,), i, dtype=np.float32), np.int64(i), f"name{i}", Point(i, float(i))

    ours = next(iter(td.utils.data.DataLoader(Samples(), batch_size=2)))
    theirs = next(iter(torch.utils.data.DataLoader(Samples(), batch_size=2)))
    assert ours[0].dtype == td.float32 and ours[0].tolist() == theirs[0].tolist()
    assert ours[1].dtype == td.int64 and ours[1].tolist() == theirs[1].tolist()
    assert tuple(ours[2]) == tuple(theirs[2]) == ("name0", "name1")
    assert isinstance(ours[3], Point) and ours[3].x.tolist() == [0, 1] and ours[3].y.dtype == td.float64
    # batch_size=None: no batching, each sample with its NumPy values as tensors.
    single = list(td.utils.data.DataLoader(Samples(), batch_size=None))
    assert len(single) == 5 == len(td.utils.data.DataLoader(Samples(), batch_size=None))
    assert single[3][0].tolist() == [3.0, 3.0] and single[3][1].item() == 3 and single[3][2] == "name3"
