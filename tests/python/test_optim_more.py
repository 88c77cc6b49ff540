"""The learning-rate schedulers and optimizers added after the first ones, against Debian's
PyTorch: the rates (and cycled momenta) step by step, the parameters step by step."""
import numpy as np
import pytest

import tapedeck as td

torch = pytest.importorskip("torch", reason="the comparison needs Debian's python3-torch")


def _optimizers(kind, **kwargs):
    """The same optimizer over one parameter, ours and PyTorch's."""
    ours = getattr(td.optim, kind)([td.ones(2, requires_grad=True)], **kwargs)
    theirs = getattr(torch.optim, kind)([torch.ones(2, requires_grad=True)], **kwargs)
    return ours, theirs


SCHEDULERS = [  # (optimizer, its keywords, scheduler(module, optimizer), steps)
    ("SGD", {"lr": 0.1}, lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 0.5), 8),
    ("SGD", {"lr": 0.1}, lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=3), 6),
    ("SGD", {"lr": 0.1}, lambda m, o: m.PolynomialLR(o, total_iters=5, power=2.0), 8),
    ("SGD", {"lr": 0.1}, lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, eta_min=0.01), 10),
    ("SGD", {"lr": 0.1}, lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2), 12),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=3), 14),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, lambda m, o: m.CyclicLR(o, 0.01, 0.1, 2, 4, mode="triangular2"), 14),
    ("SGD", {"lr": 0.1, "momentum": 0.5}, lambda m, o: m.CyclicLR(o, 0.01, 0.1, 2, mode="exp_range", gamma=0.9), 10),
    ("SGD", {"lr": 0.1}, lambda m, o: m.CyclicLR(o, 0.01, 0.1, 2, cycle_momentum=False), 6),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=10), 9),
    ("Adam", {"lr": 0.1}, lambda m, o: m.OneCycleLR(o, 0.5, epochs=2, steps_per_epoch=6, anneal_strategy="linear",
                                                    three_phase=True), 11),
]


@pytest.mark.parametrize("kind,kwargs,make,steps", SCHEDULERS, ids=[f"scheduler{i}" for i in range(len(SCHEDULERS))])
def test_schedulers_match_pytorch(kind, kwargs, make, steps):
    ours, theirs = _optimizers(kind, **kwargs)
    s1, s2 = make(td.optim.lr_scheduler, ours), make(torch.optim.lr_scheduler, theirs)
    for i in range(steps + 1):
        for ours_group, theirs_group in zip(ours.param_groups, theirs.param_groups):
            for key in ("lr", "momentum", "betas"):
                if key in theirs_group:
                    assert ours_group[key] == pytest.approx(theirs_group[key], rel=1e-12, abs=1e-15), (i, key)
        assert s1.get_last_lr() == pytest.approx(s2.get_last_lr(), rel=1e-12, abs=1e-15)
        if i < steps:
            ours.step()
            theirs.step()
            s1.step()
            s2.step()


@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)` before")
@pytest.mark.filterwarnings("ignore:The epoch parameter in `scheduler.step\\(\\)`")
def test_warm_restarts_take_fractional_epochs_and_sequential_chains():
    ours, theirs = _optimizers("SGD", lr=0.2)
    s1 = td.optim.lr_scheduler.CosineAnnealingWarmRestarts(ours, T_0=2, T_mult=2)
    s2 = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(theirs, T_0=2, T_mult=2)
    for epoch in (0.25, 0.5, 1.75, 2.5, 6.0, 7.3):
        s1.step(epoch)
        s2.step(epoch)
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-12)
    ours, theirs = _optimizers("SGD", lr=0.1)
    chains = []
    for m, o in ((td.optim.lr_scheduler, ours), (torch.optim.lr_scheduler, theirs)):
        warm = m.LinearLR(o, start_factor=0.1, total_iters=3)
        decay = m.ExponentialLR(o, gamma=0.8)
        chains.append(m.SequentialLR(o, [warm, decay], milestones=[3]))
    for _ in range(8):
        assert ours.param_groups[0]["lr"] == pytest.approx(theirs.param_groups[0]["lr"], rel=1e-12)
        assert chains[0].get_last_lr() == pytest.approx(chains[1].get_last_lr(), rel=1e-12)
        for c in chains:
            c.step()


@pytest.mark.filterwarnings("ignore:The epoch parameter in `scheduler.step\\(\\)`")
def test_schedulers_on_one_optimizer_compose_as_pytorch():
    """Two schedulers stepping one optimizer multiply (PyTorch 1.13's chainable forms), and a
    warm-up handed to OneCycleLR by SequentialLR starts where PyTorch's does."""
    import pickle
    runs = []
    for lib in (td, torch):
        m = lib.optim.lr_scheduler
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.1, momentum=0.9)
        both = [m.ConstantLR(opt, 0.5, 2), m.ExponentialLR(opt, 0.9), m.StepLR(opt, 2, 0.5),
                m.MultiStepLR(opt, [1, 3]), m.LinearLR(opt, 0.5, 1.0, 3), m.PolynomialLR(opt, 6, 2.0)]
        lrs = []
        for _ in range(7):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            for s in both:
                s.step()
        opt2 = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.1, momentum=0.9)
        seq = m.SequentialLR(opt2, [m.LinearLR(opt2, 0.1, total_iters=2), m.OneCycleLR(opt2, 0.5, total_steps=6)],
                             milestones=[2])
        for _ in range(6):
            lrs.append(opt2.param_groups[0]["lr"])
            opt2.step()
            seq.step()
        opt3 = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=1.0)
        chained = m.ChainedScheduler([m.ConstantLR(opt3, factor=0.1, total_iters=2), m.ExponentialLR(opt3, 0.9),
                                      m.MultiStepLR(opt3, [3])])
        for _ in range(6):
            lrs.append(opt3.param_groups[0]["lr"])
            opt3.step()
            chained.step()
        lrs.extend(chained.get_last_lr())
        runs.append(lrs)
        pickle.dumps(m.MultiplicativeLR(opt, lambda e: 0.9).state_dict())  # no function in it
    assert runs[0] == pytest.approx(runs[1], rel=1e-12)


def test_scheduler_errors_name_the_problem():
    ours, _ = _optimizers("SGD", lr=0.1)
    sched = td.optim.lr_scheduler.OneCycleLR(ours, max_lr=0.1, total_steps=2, cycle_momentum=False)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times. The specified number of total steps is 2"):
        sched.step()
    with pytest.raises(ValueError, match="optimizer must support momentum with `cycle_momentum`"):
        td.optim.lr_scheduler.CyclicLR(_optimizers("Adam", lr=0.1)[0], 0.01, 0.1)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1 with `cycle_momentum`"):
        td.optim.lr_scheduler.OneCycleLR(_optimizers("Adagrad", lr=0.1)[0], 0.1, total_steps=3)
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        td.optim.lr_scheduler.OneCycleLR(ours, max_lr=0.1)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        td.optim.lr_scheduler.CosineAnnealingWarmRestarts(ours, T_0=0)
    with pytest.raises(ValueError, match="expects number of schedulers provided to be one more"):
        td.optim.lr_scheduler.SequentialLR(ours, [td.optim.lr_scheduler.ConstantLR(ours)], milestones=[2])


OPTIMIZERS = [  # (name, keywords)
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "betas": (0.8, 0.9), "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.5, "eps": 1e-3, "weight_decay": 0.01}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "momentum_decay": 0.01, "weight_decay": 0.1}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "betas": (0.5, 0.6), "weight_decay": 0.1}),  # rectified from the 3rd step
    ("Rprop", {}),
    ("Rprop", {"lr": 0.1, "etas": (0.3, 1.5), "step_sizes": (0.01, 0.2), "maximize": True}),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{o[0]}{i}" for i, o in enumerate(OPTIMIZERS)])
def test_optimizers_follow_pytorch(name, kwargs):
    """Twelve steps on a small quadratic-plus-sine loss: the same parameters after each."""
    start = np.random.default_rng(3).standard_normal((2, 3))
    target = np.random.default_rng(4).standard_normal((2, 3))
    params = []
    for lib in (td, torch):
        w = lib.tensor(start.copy(), requires_grad=True)
        # PyTorch 1.13's single-tensor NAdam (its CPU default) counts mu twice in the second
        # term's denominator, a bug later PyTorch fixed; its foreach path has the right formula.
        extra = {"foreach": True} if lib is torch and name == "NAdam" else {}
        opt = getattr(lib.optim, name)([w], **kwargs, **extra)
        goal = lib.tensor(target)
        trajectory = []
        for _ in range(12):
            opt.zero_grad()
            ((w - goal) ** 2).sum().add(lib.sin(w * 3.0).sum()).backward()
            opt.step()
            trajectory.append(w.detach().numpy().copy())
        params.append(trajectory)
    for i, (ours, theirs) in enumerate(zip(*params)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12, err_msg=f"{name} after step {i + 1}")


def test_optimizer_state_and_errors():
    w = td.ones(2, requires_grad=True)
    opt = td.optim.NAdam([w], lr=0.1)
    w.grad = td.tensor([1.0, -1.0])
    opt.step()
    state = opt.state_dict()
    assert set(state["state"][0]) == {"step", "mu_product", "exp_avg", "exp_avg_sq"}
    again = td.optim.NAdam([td.ones(2, requires_grad=True)], lr=0.1)
    again.load_state_dict(state)
    assert again.state_dict()["state"][0]["step"].item() == 1.0
    # Loading copies: stepping the second optimizer leaves the first one's state alone.
    before = opt.state[w]["exp_avg"].tolist()
    again.param_groups[0]["params"][0].grad = td.tensor([3.0, 3.0])
    again.step()
    assert opt.state[w]["exp_avg"].tolist() == before
    state["state"][0]["step"] = 1.0  # a number, as some saved states have it
    third = td.optim.NAdam([td.ones(2, requires_grad=True)], lr=0.1)
    third.load_state_dict(state)
    third.param_groups[0]["params"][0].grad = td.tensor([1.0, 1.0])
    third.step()
    assert third.state_dict()["state"][0]["step"].item() == 2.0
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        td.optim.Adamax([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid rho value: 1.5"):
        td.optim.Adadelta([w], rho=1.5)
    with pytest.raises(ValueError, match="Invalid eta values: 1.5, 1.2"):
        td.optim.Rprop([w], etas=(1.5, 1.2))
    with pytest.raises(ValueError, match="Invalid weight_decay value: -1"):
        td.optim.RAdam([w], weight_decay=-1)
