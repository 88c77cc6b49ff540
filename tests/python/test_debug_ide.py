"""tapedeck.debug.ide: the IDE's side of a run. A ScriptRun executes a script on one thread
(the runner) while this thread drives the C++ debugger and has the paused thread serve jobs:
the paused frame's variables, an expression, a line step. Also: conditional line
breakpoints, a fresh __main__ per run, the outcome of a syntax error, an exception, a stop."""
import builtins
import queue
import sys
import textwrap
import threading

import pytest

import tapedeck
from tapedeck.debug import ide

TIMEOUT = 20.0

SCRIPT = textwrap.dedent("""\
    import torch
    import torch.nn as nn

    def scale(t, k):
        doubled = t * k
        return doubled

    model = nn.Linear(2, 1)
    x = torch.ones(3, 2)
    total = 0
    for i in range(4):
        total += i
        y = scale(x, 2.0)
    loss = model(y).sum()
    loss.backward()
    print("done", total)
""")


class Runner:
    """A ScriptRun executing on its own thread; results of served jobs come back through a queue."""

    def __init__(self, tmp_path, source=SCRIPT, name="script.py", lines=(), argv=()):
        self.path = tmp_path / name
        self.path.write_text(source)
        self.run = ide.ScriptRun(str(self.path), argv)
        self.problems = self.run.set_line_breakpoints([(str(self.path), line, cond) for line, cond in lines])
        self.debugger = self.run.session._debugger
        self.results = queue.Queue()
        self.thread = threading.Thread(target=self.run.execute, daemon=True)
        self.last = 0

    def start(self):
        self.thread.start()
        return self

    def wait(self):
        pause = self.debugger.wait_for_pause(self.last, TIMEOUT)
        assert pause is not None, "no pause"
        self.last = pause["sequence"]
        return pause

    def serve(self, job):
        assert self.debugger.serve(lambda: self.results.put(job()))
        return self.results.get(timeout=TIMEOUT)

    def step(self, kind, file=None, line=None):
        assert self.debugger.serve(lambda: self.run.step(kind, file, line))
        self.debugger.resume()
        return self.wait()

    def finish(self):
        self.debugger.resume()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()
        return self.run.outcome


def test_line_breakpoint_variables_evaluate_and_line_steps(tmp_path):
    r = Runner(tmp_path, lines=[(13, None)]).start()
    pause = r.wait()
    assert (pause["reason"], pause["line"]) == ("line", 13)
    snap = r.serve(lambda: r.run.snapshot())
    assert snap["frames"][snap["selected"]]["line"] == 13
    names = {v["name"]: v for v in snap["variables"]}
    assert names["i"]["value"] == "0" and names["total"]["value"] == "0"
    assert names["x"]["shape"] == [3, 2] and names["x"]["stats"]["mean"] == 1.0
    assert "parameters" in names["model"]["value"]
    assert "scale" not in names and "torch" not in names  # functions and modules are left out
    assert r.serve(lambda: r.run.evaluate("total + 40")).strip() == "40"
    assert "NameError" in r.serve(lambda: r.run.evaluate("nope"))
    r.serve(lambda: r.run.evaluate("total = 100"))  # a statement changes the frame
    # Step into scale(), over its first line, out back to the loop.
    pause = r.step("into")
    assert pause["line"] == 5
    snap = r.serve(lambda: r.run.snapshot())
    assert [f["function"] for f in snap["frames"]][-2:] == ["<module>", "scale"]
    assert {v["name"] for v in snap["variables"] if v["scope"] == "local"} == {"t", "k"}
    assert r.step("over")["line"] == 6
    pause = r.step("out")
    assert pause["line"] in (11, 12)  # back in the loop of the module frame
    r.serve(lambda: r.run.set_line_breakpoints([]))  # else line 13 stops the run to line 15 first
    assert r.step("to", str(r.path), 15)["line"] == 15
    assert r.finish()["status"] == "finished"


def test_conditional_breakpoint_and_bad_condition(tmp_path):
    r = Runner(tmp_path, lines=[(12, "i == 2"), (13, "i >")])
    assert len(r.problems) == 1 and "i >" in r.problems[0]
    r.start()
    pause = r.wait()
    assert pause["line"] == 12 and "i == 2" in pause["description"]
    assert r.serve(lambda: r.run.evaluate("i")).strip() == "2"
    assert r.finish()["status"] == "finished"


def test_condition_that_raises_pauses_and_says_why(tmp_path):
    r = Runner(tmp_path, lines=[(12, "undefined_name > 1")]).start()
    pause = r.wait()
    assert "NameError" in pause["description"]
    r.debugger.stop()
    r.thread.join(TIMEOUT)
    assert r.run.outcome["status"] == "stopped"


def test_expressions_while_paused_are_not_on_the_tape(tmp_path):
    r = Runner(tmp_path, lines=[(15, None)]).start()
    r.wait()
    recorder = r.run.session.recorder
    before = len(recorder.entries())
    r.serve(lambda: r.run.evaluate("(model(y) * 3).sum()"))
    assert len(recorder.entries()) == before
    assert r.finish()["status"] == "finished"


def test_outcomes_syntax_error_exception_exit_and_fresh_main(tmp_path):
    bad = Runner(tmp_path, source="x = (1,\n", name="bad.py").start()
    bad.thread.join(TIMEOUT)
    assert bad.run.outcome["status"] == "failed" and "SyntaxError" in bad.run.outcome["message"]
    assert bad.run.outcome["line"] >= 1

    boom = Runner(tmp_path, source="import helper_mod\nhelper_mod.f()\n", name="boom.py")
    (tmp_path / "helper_mod.py").write_text("def f():\n    raise ValueError('bad value')\n")
    boom.start().thread.join(TIMEOUT)
    out = boom.run.outcome
    assert out["status"] == "failed" and out["message"] == "ValueError: bad value"
    assert "helper_mod.py" in out["traceback"] and "tapedeck" not in out["traceback"]
    again = Runner(tmp_path, source="import sys\nassert 'helper_mod' not in sys.modules\n"
                   "assert 'leftover' not in globals()\nleftover = 1\nsys.exit(3)\n", name="again.py")
    again.start().thread.join(TIMEOUT)
    assert again.run.outcome["exit_code"] == 3 and again.run.outcome["status"] == "failed"
    assert "helper_mod" not in sys.modules


def test_argv_and_stop_while_running(tmp_path):
    # The event is set inside the loop, so the pause lands on one of its lines (setting it
    # before the loop let a busy machine pause on the line that set it).
    source = ("import sys, builtins\nassert sys.argv[1:] == ['a', 'b'], sys.argv\nn = 0\n"
              "while True:\n    n += 1\n    if n == 1000:\n        builtins._test_looping.set()\n")
    builtins._test_looping = threading.Event()
    r = Runner(tmp_path, source=source, argv=["a", "b"]).start()
    assert builtins._test_looping.wait(TIMEOUT)
    r.debugger.request_pause()
    pause = r.wait()
    assert pause["line"] in (4, 5, 6, 7)
    assert int(r.serve(lambda: r.run.evaluate("n"))) >= 1000
    r.debugger.stop()
    r.thread.join(TIMEOUT)
    assert r.run.outcome["status"] == "stopped"
    assert tapedeck.is_grad_enabled()


def test_every_backward_root_is_a_loss_point(tmp_path):
    source = ("import torch\nw = torch.ones(2, requires_grad=True)\nfor k in range(3):\n"
              "    loss = (w * (k + 1)).sum()\n    loss.backward()\n")
    r = Runner(tmp_path, source=source, name="curve.py").start()
    r.thread.join(TIMEOUT)
    assert r.run.outcome["status"] == "finished"
    points = r.run.session.recorder.losses()
    assert [value for _, value in points] == [2.0, 4.0, 6.0]
    assert [value for _, value in r.run.session.recorder.losses(2)] == [6.0]


def test_module_rows_parameters_gradients_and_optimizer_state():
    import tapedeck.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(2, 4)
            self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 1))

        def forward(self, x):
            return self.head(self.fc1(x))

    model = Net()
    optimizer = tapedeck.optim.Adam(model.parameters(), lr=0.01)
    inner = model.fc1  # a module inside the model: listed through it, not on its own
    rows = {r["path"]: r for r in ide.module_rows({"model": model, "optimizer": optimizer, "inner": inner})}
    assert sorted(rows) == ["", "fc1", "head", "head.0", "head.1"]
    assert rows[""]["type"] == "Net" and rows[""]["parameters"] == 0
    assert rows["fc1"]["parameters"] == 12 and rows["fc1"]["parameter_bytes"] == 48
    assert rows["fc1"]["shapes"] == ["weight [4, 2]", "bias [4]"]
    assert rows["fc1"]["gradient_bytes"] == 0 and rows["fc1"]["optimizer_bytes"] == 0
    model(tapedeck.randn(3, 2)).sum().backward()
    optimizer.step()
    rows = {r["path"]: r for r in ide.module_rows({"model": model, "optimizer": optimizer})}
    assert rows["fc1"]["gradient_bytes"] == 48
    # Adam keeps two moments per parameter (the engine's sizes, read without a copy).
    assert rows["fc1"]["optimizer_bytes"] == 2 * 48
    assert rows["head.1"]["optimizer_bytes"] == 2 * 4 * 5
