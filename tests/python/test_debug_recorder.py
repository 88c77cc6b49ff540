"""The recorder from Python and `python3 -m tapedeck.debug`: break on the first NaN, see
where it came from, step backward op by op and read an earlier entry's value; a
parameter's value from before step(); dropped values; memory figures; the command line."""
import os
import subprocess
import sys
import textwrap

import pytest

import tapedeck as td
from conftest import line_of


def test_headless_nan_hunt_steps_backward_and_reads_earlier_values():
    x = td.tensor([2.0, 0.5], requires_grad=True)
    seen = {}

    def program():
        a = x * 2  # A LINE
        b = a - 3
        c = b.log()  # NAN LINE
        seen["a"] = a.detach().tolist()
        c.sum().backward()

    session = td.debug.Session()
    session.break_on(nan=True)
    session.run(program)
    pause = session.wait()
    assert pause["reason"] == "NaN or Inf" and pause["op"] == "log"
    assert pause["line"] == line_of("NAN LINE", program)
    entry = session.entry(pause["entry"])
    assert entry["file"] == pause["file"] and entry["line"] == pause["line"]
    assert entry["outputs"][0]["stats"]["nans"] == 1
    assert entry["inputs"][0]["stats"]["min"] == pytest.approx(-2.0)
    chain = [session.entry(i, values=False) for i in session.recorder.ancestors(pause["entry"])]
    assert [e["op"] for e in chain] == ["sub", "mul"]
    assert chain[1]["line"] == line_of("A LINE", program)
    mul_id = chain[1]["entry"]

    # Stop on NaN no more; step through backward op by op, reading the recorder as we go.
    session._debugger.break_on_nan(False)
    assert session.run_to_backward()["reason"] == "backward start"
    ops = []
    for _ in range(4):
        step = session.step_backward_op()
        ops.append(step["op"])
        assert session.entry(step["entry"])["backward_ran"]
    assert ops == ["sum", "log", "sub", "mul"]
    earlier = session.entry(mul_id)
    assert earlier["outputs"][0]["state"] == "held"
    assert earlier["outputs"][0]["value"].tolist() == [4.0, 1.0]
    assert earlier["grad_outputs"][0]["value"].tolist() == pytest.approx([1.0, -0.5])
    assert session.continue_() is None
    session.join()
    assert seen["a"] == [4.0, 1.0]


def test_parameter_value_from_before_the_optimizer_step():
    model = td.nn.Linear(3, 1)
    optimizer = td.optim.SGD(model.parameters(), lr=0.5)
    before = model.weight.detach().clone().tolist()

    def program():
        loss = model(td.ones(2, 3)).sum()
        loss.backward()
        optimizer.step()

    session = td.debug.Session()
    session.run(program)
    session.join()
    assert session.error is None
    assert model.weight.tolist() != before
    # The step is the first op after backward returned: it opens the next iteration.
    entries = [e for i in session.recorder.iterations() for e in session.recorder.entries(i)]
    # One entry per parameter, named after the optimizer: its inner ops are not entries.
    steps = [e for e in entries if e["scope"] == "optimizer.step"]
    assert [e["op"] for e in steps] == ["SGD", "SGD"]
    assert all(e["inplace"] and not e["differentiable"] for e in steps)
    stepped = session.entry(steps[0]["entry"])
    assert stepped["outputs"][0]["value"].tolist() == model.weight.tolist(), "the weight after the step"
    assert stepped["inputs"][1]["value"].tolist() == model.weight.grad.tolist(), "the gradient it applied"
    linear = next(e for e in entries if e["op"] == "linear")
    weight = next(i for i in session.entry(linear["entry"])["inputs"] if i["shape"] == (1, 3))
    assert weight["state"] == "held"
    assert weight["value"].tolist() == before, "the weight as the forward saw it, copied before step() wrote it"
    assert session.recorder.copy_bytes >= 12


def test_dropped_values_keep_their_statistics_and_memory_is_reported():
    def program():
        x = td.ones(1000)
        for i in range(10):
            x = x * 2.0
        (x.sum() * 0).item()

    session = td.debug.Session(budget_bytes=3 * 4000)
    session.run(program)
    session.join()
    entries = session.recorder.entries()
    first = session.entry(entries[0]["entry"])
    assert first["outputs"][0]["state"] == "dropped" and first["outputs"][0]["value"] is None
    assert first["outputs"][0]["stats"]["max"] == 2.0
    assert session.recorder.held_bytes <= session.recorder.budget
    memory = session.recorder.memory()[-1]
    assert memory["entries"] == len(entries)
    assert memory["tensor_bytes_peak"] >= 4000 and memory["recorder_bytes_peak"] <= 3 * 4000
    with pytest.raises(RuntimeError, match="records nothing"):
        td.debug.Session(record=False).entry(1)


def test_an_entry_not_kept_says_why_and_bad_ids_name_the_argument():
    def program():
        for _ in range(4):
            td.ones(2).mul(3.0)
            td.debug._C._debug.new_iteration()

    session = td.debug.Session(previous_iterations=1)
    session.run(program)
    session.join()
    kept = [e["entry"] for n in session.recorder.iterations() for e in session.recorder.entries(n)]
    assert kept and session.entry(kept[0], values=False)["entry"] == kept[0]
    with pytest.raises(LookupError, match=r"entry 1 is no longer kept: its iteration was dropped"):
        session.entry(1)
    with pytest.raises(LookupError, match=r"entry %d is not recorded yet: the newest entry is %d" %
                       (kept[-1] + 1000, kept[-1])):
        session.entry(kept[-1] + 1000)
    assert session.recorder.entry(1) is None  # the recorder itself: None, no reason
    for call, message in [(lambda: session.entry(-1), r"Recorder.entry\(id\): expected a whole number >= 0, got -1"),
                          (lambda: session.recorder.entries(-1), r"Recorder.entries\(iteration\): expected a whole"),
                          (lambda: session.recorder.ancestors(3, -2), r"Recorder.ancestors\(limit\): expected a whole"),
                          (lambda: setattr(session.recorder, "budget", -5), r"Recorder.budget \(bytes\): expected")]:
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(TypeError, match=r"Recorder.entry\(id\): expected an int, got float"):
        session.entry(1.5)


def test_memory_shared_with_numpy_stays_shared_under_the_recorder():
    np = pytest.importorskip("numpy")
    w = td.zeros(1000)
    view = w.numpy()  # shares w's memory

    def program():
        y = w * 1  # the recorder holds w (an input) ...
        w.fill_(3.0)  # ... so this write keeps the old value first
        return y.sum().item()

    session = td.debug.Session()
    session.run(program)
    session.join()
    assert session.result == 0.0
    assert np.all(view == 3.0), "the NumPy array still sees the tensor's memory"
    mul = next(e for e in session.recorder.entries() if e["op"] == "mul")
    assert session.entry(mul["entry"])["inputs"][0]["value"].sum().item() == 0.0


def run_cli(tmp_path, source, *args):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return subprocess.run([sys.executable, "-m", "tapedeck.debug", *args, str(script), "alpha"],
                          capture_output=True, text=True, timeout=120, env=os.environ.copy()), script


def test_command_line_stops_at_the_first_nan_and_shows_where_it_came_from(tmp_path):
    result, script = run_cli(tmp_path, """\
        import sys
        import tapedeck as td
        print("args", sys.argv[1:])
        w = td.tensor([1.0, -1.0], requires_grad=True)
        h = w * 3
        y = (h - 1).sqrt()
        y.sum().backward()
        print("not reached")
        """)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "args ['alpha']" in out and "not reached" not in out
    assert "NaN or Inf in the output of sqrt" in out
    assert f"{script}:6" in out and "y = (h - 1).sqrt()" in out
    assert "inputs:" in out and "min -4" in out
    assert "(of the 1 finite) min 1.41421" in out, out  # sqrt([2, -4]): statistics of what is finite, said so
    assert "ops that led to it" in out and "sub" in out and "mul" in out
    # Every op of the chain at the script's lines: the tensor made from data too, not the
    # binding's C++ source.
    chain = out[out.index("ops that led to it"):]
    assert ".cpp" not in chain, chain
    assert f"{script}:4" in chain


def test_command_line_chain_names_modules_and_earlier_iterations(tmp_path):
    result, _ = run_cli(tmp_path, """\
        import tapedeck as td
        model = td.nn.Sequential(td.nn.Linear(2, 1))
        opt = td.optim.SGD(model.parameters(), lr=1e30)  # a step that blows the weights up
        x = td.ones(4, 2)
        for step in range(3):
            loss = (model(x) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        """)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "NaN or Inf in the output of pow" in out, out
    chain = out[out.index("ops that led to it"):]
    assert "(module 0)" in chain, chain  # the Linear inside the Sequential
    assert "SGD" in chain and "iteration 0)" in chain, chain  # the update before, one iteration back


def test_command_line_clean_run_errors_and_usage(tmp_path):
    clean, _ = run_cli(tmp_path, "import tapedeck as td\nprint((td.ones(2) * 2).tolist())\n")
    assert clean.returncode == 0 and "[2.0, 2.0]" in clean.stdout
    assert "finished with no NaN" in clean.stderr
    pickled, _ = run_cli(tmp_path, """\
        import pickle
        class Point:
            pass
        print(type(pickle.loads(pickle.dumps(Point()))).__name__, __name__)
        """)
    assert pickled.returncode == 0 and "Point __main__" in pickled.stdout, pickled.stderr
    failing, _ = run_cli(tmp_path, "raise ValueError('bad input')\n")
    assert failing.returncode == 1 and "ValueError: bad input" in failing.stderr
    exiting, _ = run_cli(tmp_path, "import sys\nsys.exit(3)\n")
    assert exiting.returncode == 3
    # The script runs on the main thread with its lines untraced (at nearly its own speed),
    # and `import torch` gives tapedeck, as under `python3 -m tapedeck.run`.
    untraced, _ = run_cli(tmp_path, """\
        import sys, threading
        import torch
        print("trace", sys.gettrace(), "main", threading.current_thread() is threading.main_thread())
        print("torch is", torch.__name__)
        x = torch.tensor([1.0, 0.0], requires_grad=True)
        (x.log() * 2).sum().backward()
        """)
    assert untraced.returncode == 1, untraced.stderr
    assert "trace None main True" in untraced.stdout and "torch is tapedeck" in untraced.stdout
    assert "NaN or Inf in the output of log" in untraced.stdout
    missing = subprocess.run([sys.executable, "-m", "tapedeck.debug", str(tmp_path / "nope.py")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "cannot read the script" in missing.stderr
    none = subprocess.run([sys.executable, "-m", "tapedeck.debug"], capture_output=True, text=True, timeout=60)
    assert none.returncode == 2 and "the following arguments are required: script\n" in none.stderr, none.stderr
    grad, _ = run_cli(tmp_path, """\
        import tapedeck as td
        w = td.tensor([100.0, 100.0], requires_grad=True)
        (w * w).sum().backward()
        """, "--grad-norm", "10")
    assert grad.returncode == 1 and "gradient norm" in grad.stdout and "gradients:" in grad.stdout
    for option, value, message in [("--grad-norm", "-1", "expected a finite number >= 0, got '-1'"),
                                   ("--grad-norm", "nan", "expected a finite number >= 0, got 'nan'"),
                                   ("--chain", "-3", "expected a whole number >= 0, got '-3'")]:
        usage, _ = run_cli(tmp_path, "print('never runs')\n", option, value)
        assert usage.returncode == 2 and message in usage.stderr and "never runs" not in usage.stdout, usage.stderr
    # A script's exception shows the script's frames, not the runner's.
    nested, script = run_cli(tmp_path, """\
        def inner():
            raise ValueError('deep')
        inner()
        """)
    assert nested.returncode == 1 and "ValueError: deep" in nested.stderr
    assert f'File "{script}", line 3' in nested.stderr and "__main__.py" not in nested.stderr, nested.stderr
    assert "debug/__init__.py" not in nested.stderr, nested.stderr


@pytest.mark.parametrize("keep", ["values", "statistics", "tape"])
def test_what_a_session_keeps_of_each_tensor(keep):
    x = td.tensor([1.0, 4.0], requires_grad=True)

    def program():
        x.sqrt().sum().backward()

    session = td.debug.Session(keep=keep)
    assert (session.recorder.keep_values, session.recorder.keep_stats) == (keep == "values", keep != "tape")
    session.run(program)
    assert session.wait() is None
    sqrt = next(e for e in session.recorder.entries(session.recorder.iterations()[-1]) if e["op"] == "sqrt")
    entry = session.entry(sqrt["entry"])
    for t in (entry["inputs"][0], entry["outputs"][0], entry["grad_inputs"][0]):
        assert tuple(t["shape"]) == (2,)
        assert t["state"] == ("held" if keep == "values" else "not kept")
        assert (t["value"] is not None) == (keep == "values")
        assert (t["stats"] is not None) == (keep != "tape")
    if keep != "tape":
        assert entry["outputs"][0]["stats"]["max"] == pytest.approx(2.0)

