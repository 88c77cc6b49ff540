"""The Python front side by side with PyTorch (Debian's python3-torch), one thread, the
same code run with each module, interleaved A B A B, medians (bench/README.md):

  py_tiny_op       a + b, 4-element float tensors, no grad                        <= 1.0
  py_tiny_op_grad  a * b, leaves that require grad (recorded, source line kept)    <= 1.0
  py_mlp_step      Linear 784->256, ReLU, Linear 256->10, cross_entropy, backward,
                   SGD step, zero_grad; batch 64                                   <= 1.05
  py_spiral_epoch  one epoch of the spiral lesson: 300 points, TensorDataset,
                   DataLoader (batch 32, shuffled), 2-64-64-3 MLP, Adam             <= 1.0

For context (no budget), each library against itself on the same two programs:
  py_debug_overhead_mlp, py_debug_overhead_spiral
                   tapedeck with a tapedeck.debug session's debugger attached (NaN/Inf check on,
                   the recorder at its defaults: 256 MB, 2 previous iterations) vs without; the
                   MLP step above, and the spiral lesson run whole (a fresh model, six epochs)
  py_torch_anomaly_mlp, py_torch_anomaly_spiral
                   PyTorch with anomaly detection on vs off (set_detect_anomaly)

Usage: PYTHONPATH=<build>/python /usr/bin/python3 bench/python/py_bench.py [--out results.json]
Rows are merged into the results file (rows of the same name replaced). Without torch the
rows are written as skipped with the reason.
"""
import argparse
import math
import statistics
import sys
import time

import tapedeck
from results import merge  # bench/python/results.py (the script's folder is on sys.path)

BUDGETS = {"py_tiny_op": 1.0, "py_tiny_op_grad": 1.0, "py_mlp_step": 1.05, "py_spiral_epoch": 1.0}
UNITS = {"py_tiny_op": ("us", 1e6), "py_tiny_op_grad": ("us", 1e6), "py_mlp_step": ("ms", 1e3),
         "py_spiral_epoch": ("ms", 1e3)}


def tiny_op(m):
    a, b = m.ones(4), m.full((4,), 2.0)
    return lambda: a + b


def tiny_op_grad(m):
    a, b = m.ones(4, requires_grad=True), m.full((4,), 2.0, requires_grad=True)
    return lambda: a * b


def mlp_step(m):
    m.manual_seed(0)
    model = m.nn.Sequential(m.nn.Linear(784, 256), m.nn.ReLU(), m.nn.Linear(256, 10))
    opt = m.optim.SGD(model.parameters(), lr=0.01)
    x, y = m.randn(64, 784), m.randint(0, 10, (64,))

    def step():
        opt.zero_grad()
        loss = m.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def spiral_points(m):
    points, labels = [], []
    for c in range(3):
        for i in range(100):
            r = i / 100
            t = c * 4 + r * 4 + math.sin(i * 7.1 + c) * 0.2
            points.append([r * math.sin(t), r * math.cos(t)])
            labels.append(c)
    return m.utils.data.TensorDataset(m.tensor(points), m.tensor(labels))


def spiral_training(m):
    """The spiral lesson's loader, model and optimizer, and one epoch of training with them."""
    loader = m.utils.data.DataLoader(spiral_points(m), batch_size=32, shuffle=True)
    model = m.nn.Sequential(m.nn.Linear(2, 64), m.nn.ReLU(), m.nn.Linear(64, 64), m.nn.ReLU(), m.nn.Linear(64, 3))
    opt = m.optim.Adam(model.parameters(), lr=1e-2)

    def epoch():
        for xb, yb in loader:
            opt.zero_grad()
            m.nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
    return epoch


def spiral_epoch(m):
    m.manual_seed(0)
    return spiral_training(m)


def spiral_run(m):
    """A whole short lesson per call, as a script runs it: a fresh model, six epochs. (One
    model trained call after call drifted: its Adam state decayed into denormal range and
    every step slowed, on both sides of a pair, which hid the debugger's per-op cost: its
    ratio read 1.07 to 1.14 so, 1.20 here. The fused optimizer passes now flush denormals.)"""
    def run():
        m.manual_seed(0)
        epoch = spiral_training(m)
        for _ in range(6):
            epoch()
    return run


ROWS = {"py_tiny_op": tiny_op, "py_tiny_op_grad": tiny_op_grad, "py_mlp_step": mlp_step,
        "py_spiral_epoch": spiral_epoch}


def debugger_switch(m):
    """Attach and detach of a debug session's debugger, as the IDE attaches it."""
    session = m.debug.Session()  # the recorder at its defaults
    session.break_on(nan=True)
    return session._debugger.attach, session._debugger.detach


def anomaly_switch(m):
    return (lambda: m.autograd.set_detect_anomaly(True)), (lambda: m.autograd.set_detect_anomaly(False))


# name -> (program, library ("tapedeck" or "torch"), the switch, what the reference is)
CONTEXT = {
    "py_debug_overhead_mlp": (mlp_step, "tapedeck", debugger_switch, "tapedeck without debugger"),
    "py_debug_overhead_spiral": (spiral_run, "tapedeck", debugger_switch, "tapedeck without debugger"),
    "py_torch_anomaly_mlp": (mlp_step, "torch", anomaly_switch, "PyTorch without anomaly mode"),
    "py_torch_anomaly_spiral": (spiral_run, "torch", anomaly_switch, "PyTorch without anomaly mode"),
}


def sample(fn, reps):
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def calibrate(fn, target=0.02):
    reps = 1
    while True:
        if sample(fn, reps) * reps >= target or reps >= 1 << 22:
            return reps
        reps *= 2


def pair(fa, fb, pairs=15):
    ra, rb = calibrate(fa), calibrate(fb)
    for _ in range(2):
        sample(fa, ra), sample(fb, rb)
    a, b = [], []
    for _ in range(pairs):
        a.append(sample(fa, ra))
        b.append(sample(fb, rb))
    return a, b


def switched_pair(make, m, switch, pairs=15):
    """One program timed with the switch on and off, interleaved, the same repetitions for
    both. (One instance for both sides: two instances of the spiral epoch, whose loaders
    shuffle apart, differed by 5% with nothing switched on.)"""
    on, off = switch(m)
    watched = plain = make(m)

    def watched_sample(reps):
        on()
        try:
            return sample(watched, reps)
        finally:
            off()
    reps = calibrate(plain)
    for _ in range(2):
        watched_sample(reps), sample(plain, reps)
    a, b = [], []
    for _ in range(pairs):
        a.append(watched_sample(reps))
        b.append(sample(plain, reps))
    return a, b


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="build/bench/results.json")
    parser.add_argument("--rows", default=",".join(list(ROWS) + list(CONTEXT)))
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(1)
        reason = None
    except ImportError as error:
        torch, reason = None, f"PyTorch not importable ({error}); install python3-torch"
    rows = []
    print(f"{'name':<18}{'tapedeck':>12}{'pytorch':>12}  unit  {'ratio':>6}  spread          budget")
    for name in args.rows.split(","):
        if name in CONTEXT:
            rows.append(context_row(name, torch, reason))
            continue
        unit, scale = UNITS[name]
        if torch is None:
            rows.append({"name": name, "skipped": True, "reason": reason, "unit": unit, "binary": "py_bench.py"})
            continue
        ours, theirs = pair(ROWS[name](tapedeck), ROWS[name](torch))
        ratios = [x / y for x, y in zip(ours, theirs)]
        med_a, med_b = statistics.median(ours) * scale, statistics.median(theirs) * scale
        ratio = med_a / med_b
        row = {"name": name, "tapedeck": med_a, "reference": med_b, "unit": unit, "ratio": ratio,
               "spread": [min(ratios), max(ratios)], "budget": BUDGETS[name], "within_budget": ratio <= BUDGETS[name],
               "reference_name": f"PyTorch {torch.__version__} (Python)", "samples": len(ours), "binary": "py_bench.py"}
        rows.append(row)
        print(f"{name:<18}{med_a:>12.3f}{med_b:>12.3f}  {unit:<4}  {ratio:>6.3f}  {min(ratios):.3f} .. "
              f"{max(ratios):.3f}  <= {BUDGETS[name]}  {'ok' if row['within_budget'] else 'OVER'}")
    merge(args.out, rows)
    return 0


def context_row(name, torch, reason):
    make, library, switch, reference = CONTEXT[name]
    unit, scale = "ms", 1e3
    if library == "torch" and torch is None:
        return {"name": name, "skipped": True, "reason": reason, "unit": unit, "binary": "py_bench.py"}
    module = tapedeck if library == "tapedeck" else torch
    ours, theirs = switched_pair(make, module, switch)
    ratios = [x / y for x, y in zip(ours, theirs)]
    med_a, med_b = statistics.median(ours) * scale, statistics.median(theirs) * scale
    if library == "torch":
        reference = f"PyTorch {torch.__version__} (Python) without anomaly mode"
    row = {"name": name, "tapedeck": med_a, "reference": med_b, "unit": unit, "ratio": med_a / med_b,
           "spread": [min(ratios), max(ratios)], "budget": None, "within_budget": None, "reference_name": reference,
           "samples": len(ours), "binary": "py_bench.py"}
    print(f"{name:<18}{med_a:>12.3f}{med_b:>12.3f}  {unit:<4}  {row['ratio']:>6.3f}  {min(ratios):.3f} .. "
          f"{max(ratios):.3f}  -  no budget")
    return row


if __name__ == "__main__":
    sys.exit(main())
