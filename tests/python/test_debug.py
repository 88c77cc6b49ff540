"""tapedeck.debug from Python: break on the first NaN with its line, step backward op by
op, stop a paused run, and keep running Python on the controlling thread while paused."""
import math
import os
import subprocess
import sys
import time

import pytest

import tapedeck as td
from conftest import line_of


def nan_program():
    x = td.tensor([1.0, -1.0], requires_grad=True)
    y = (x * 2).exp()
    z = (x - 0.5).log()  # NAN LINE
    (y + z).sum().backward()
    return "finished"


def test_break_on_the_first_nan_names_op_and_line():
    session = td.debug.Session()
    session.break_on(nan=True)
    session.run(nan_program)
    pause = session.wait()
    assert pause is not None and pause["reason"] == "NaN or Inf" and pause["op"] == "log"
    assert pause["file"].endswith("test_debug.py") and pause["line"] == line_of("NAN LINE", nan_program)
    assert session.state == "paused"
    # Still on: the ops after log only pass its NaN on (y + z, the sum, their backward); the
    # run goes to its end without stopping again.
    assert session.continue_() is None
    session.join()
    assert session.result == "finished" and session.state == "finished"


def test_nan_breakpoint_off_removing_breakpoints_and_what_a_condition_sees():
    seen = []

    def program():
        x = td.tensor([1.0, -1.0])
        y = td.log(x)  # LOG LINE
        return (y * 2).sum().item()

    session = td.debug.Session()
    session.break_on(nan=True)
    session.break_on(nan=False)  # turned off again: no stop
    [relu] = session.break_on(op="log")
    session.remove_break(relu)
    session.break_on(when=lambda e: seen.append((e["op"], e["file"], e["line"])) or False)
    session.run(program)
    assert session.wait() is None
    session.join()
    assert session.state == "finished"
    assert ("log", __file__, line_of("LOG LINE", program)) in [(op, f, line) for op, f, line in seen]


def test_run_to_the_end_of_the_iteration():
    w = td.ones(2, requires_grad=True)

    def program():
        for _ in range(3):
            (w * w).sum().backward()
        return "done"

    session = td.debug.Session(pause_at_start=True)
    session.run(program)
    assert session.wait() is not None  # at the start
    pause = session.run_to_iteration_end()
    assert pause is not None and pause["reason"] == "iteration end", pause
    first = pause["iteration"]
    pause = session.run_to_iteration_end()
    assert pause is not None and pause["iteration"] == first + 1
    # An iteration ends when the next one's first op runs: the last one's end is the run's.
    assert session.run_to_iteration_end() is None
    session.join()
    assert session.result == "done"


def test_an_optimizer_step_that_makes_a_parameter_inf_stops_at_its_entry():
    model = td.nn.Linear(2, 1)
    optimizer = td.optim.SGD(model.parameters(), lr=1e38)

    def program():
        model(td.full((4, 2), 1e3)).sum().backward()
        optimizer.step()  # STEP LINE

    session = td.debug.Session()
    session.break_on(nan=True)
    session.run(program)
    pause = session.wait()
    # The update is one entry per parameter, named after the optimizer, at the step's line.
    assert pause is not None and pause["reason"] == "NaN or Inf" and pause["op"] == "SGD", pause
    assert pause["scope"] == "optimizer.step" and pause["line"] == line_of("STEP LINE", program)
    session._debugger.break_on_nan(False)
    assert session.continue_() is None
    session.join()
    assert session.error is None and session.state == "finished"


def test_step_backward_op_by_op_and_run_python_while_paused():
    def program():
        x = td.tensor([1.0, 2.0], requires_grad=True)
        (x * x).exp().sum().backward()

    session = td.debug.Session(pause_at_start=True)
    session.run(program)
    assert session.wait()["reason"] == "pause requested"
    start = session.run_to_backward()
    assert start["reason"] == "backward start"
    backward_line = program.__code__.co_firstlineno + 2
    assert (os.path.basename(start["file"]), start["line"]) == ("test_debug.py", backward_line), \
        "the pause points at the line that called backward()"
    ops = []
    for _ in range(3):
        pause = session.step_backward_op()
        assert pause["direction"] == "backward"
        if not ops:
            assert start["root_entry"] == pause["entry"], "backward starts from the sum"
        ops.append(pause["op"])
    assert ops == ["sum", "exp", "mul"]
    assert (td.ones(3) * 2).tolist() == [2.0, 2.0, 2.0], "the controlling thread runs Python while paused"
    assert session.continue_() is None
    session.join()


def test_stop_a_paused_run_and_a_busy_one():
    def program():
        x = td.ones(2, requires_grad=True)
        for _ in range(10 ** 7):
            x = x + 1

    session = td.debug.Session()
    session.break_on(op="add")
    session.run(program)
    assert session.wait()["op"] == "add"
    session.stop()
    assert session.cancelled and session.state == "finished"

    busy = td.debug.Session()
    busy.run(program)
    time.sleep(0.05)
    started = time.monotonic()
    busy.stop()
    assert busy.cancelled and time.monotonic() - started < 1.0


def test_a_module_breakpoint_stops_at_every_call_of_the_module():
    # A cell applied once per time step: three calls back to back, with no op of another
    # scope between them (its entries all say "cell"); each is a new call.
    class Unrolled(td.nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = td.nn.Linear(2, 2)

        def forward(self, h):
            for _ in range(3):
                h = self.cell(h)
            return h

    model = Unrolled()

    def program():
        model(td.ones(1, 2)).sum().backward()

    session = td.debug.Session()
    session.break_on(module="cell")
    session.run(program)
    stops = []
    pause = session.wait()
    while pause is not None:
        stops.append((pause["scope"], pause["op"], pause["direction"]))
        pause = session.continue_()
    session.join()
    assert stops == [("cell", "linear", "forward")] * 3


def test_module_and_condition_breakpoints_and_errors():
    model = td.nn.Sequential(td.nn.Linear(2, 3), td.nn.ReLU(), td.nn.Linear(3, 1))

    def program():
        model(td.ones(4, 2)).sum().backward()

    session = td.debug.Session()
    session.break_on(module="2")
    session.run(program)
    pause = session.wait()
    assert pause["reason"] == "module breakpoint" and pause["scope"] == "2"
    assert session.continue_() is None
    session.join()

    seen = td.debug.Session()
    seen.break_on(when=lambda entry: entry["op"] == "relu")
    seen.run(program)
    directions = []
    pause = seen.wait()
    while pause is not None:  # relu forward, then relu's backward step
        assert pause["op"] == "relu"
        directions.append(pause["direction"])
        pause = seen.continue_()
    seen.join()
    assert directions == ["forward", "backward"]
    with pytest.raises(ValueError, match="no op named"):
        td.debug.Session().break_on(op="no_such_op")


def test_bad_arguments_name_the_argument_and_the_problem():
    session = td.debug.Session()
    with pytest.raises(TypeError, match=r"break_on\(when=...\): needs a callable .* got int"):
        session.break_on(when=42)
    for line in (0, -2, 1.5, "3", True):
        with pytest.raises(ValueError, match="the line must be a line number"):
            session.break_at(__file__, line)
    session.break_at(os.path.join(os.path.dirname(__file__), "written_later.py"), 3)  # a file to come is fine
    with pytest.raises(ValueError, match="budget_bytes must be a whole number >= 0, got -1"):
        td.debug.Session(budget_bytes=-1)
    with pytest.raises(ValueError, match="previous_iterations must be a whole number >= 0, got 1.5"):
        td.debug.Session(previous_iterations=1.5)
    assert td.debug.Session(budget_bytes=1e9).recorder is not None  # a whole float, as before
    with pytest.raises(ValueError, match="keep must be one of 'values', 'statistics', 'tape', got 'all'"):
        td.debug.Session(keep="all")
    with pytest.raises(ValueError, match="a series needs a name"):
        td.log("", 1.0)
    td.clear_log()
    td.log("loss", 0.5, step=td.tensor(3))  # steps and values as ints, whole floats or one-element tensors
    td.log("loss", td.tensor([0.25]), step=4.0)
    assert td.logged("loss") == [("loss", 3, 0.5), ("loss", 4, 0.25)]
    with pytest.raises(TypeError, match=r"tapedeck.log\('loss', ...\): the value must be a number .* got str"):
        td.log("loss", "abc")
    with pytest.raises(TypeError, match=r"the value must be a number or a one-element tensor, got Tensor"):
        td.log("loss", td.ones(3))
    for step in ("two", "3", 2.5, True):
        with pytest.raises(TypeError, match="step must be a whole number"):
            td.log("loss", 1.0, step=step)
    with pytest.raises(ValueError, match=r"break_at\('x.py', '3'\): the line must be a line number"):
        session.break_at("x.py", "3")
    with pytest.raises(ValueError, match="the line must be a line number"):
        session.break_at("x.py", td.tensor([3, 4]))
    with pytest.raises(TypeError, match="lr must be a number, got Tensor"):
        td.optim.SGD(td.nn.Linear(2, 2).parameters(), lr=td.tensor([0.1, 0.2]))
    assert td.optim.SGD(td.nn.Linear(2, 2).parameters(), lr=td.tensor(0.1)) is not None  # one element: a number


def test_break_on_checks_every_argument_before_adding_anything():
    session = td.debug.Session()
    for kwargs, error, message in [
            (dict(op=3), TypeError, r"break_on\(op=...\): expected an op name such as 'matmul' or a list of them, got 3"),
            (dict(op=["add", 4]), TypeError, r"break_on\(op=...\): expected an op name"),
            (dict(module=5), TypeError, r"break_on\(module=...\): expected a module path glob"),
            (dict(nan="no"), TypeError, r"break_on\(nan=...\): expected True or False, got 'no'"),
            (dict(grad_norm="big"), TypeError, r"break_on\(grad_norm=...\): expected a number .* got str"),
            (dict(grad_norm=-1), ValueError, r"expected a finite number >= 0, got -1"),
            (dict(grad_norm=float("nan")), ValueError, r"expected a finite number >= 0, got nan"),
            (dict(op="add", forward=False, backward=False), ValueError, "could never stop"),
            (dict(op="add", module="fc", when=7), TypeError, "needs a callable")]:
        with pytest.raises(error, match=message):
            session.break_on(**kwargs)
    # Nothing of a refused call was added: the ids start where they would have.
    first = session.break_on(op=["add", "mul"], module=("fc1", "fc2"))
    assert len(first) == 4 and len(set(first)) == 4
    for breakpoint_id in first:
        session.remove_break(breakpoint_id)
    with pytest.raises(KeyError, match=r"remove_break\(%d\): no such breakpoint" % first[0]):
        session.remove_break(first[0])
    with pytest.raises(TypeError, match=r"remove_break\(...\): expected an id .* got str"):
        session.remove_break("x")
    with pytest.raises(TypeError, match=r"Session.run\(...\): expected a function to run, got int"):
        session.run(5)


def test_a_gradient_norm_breakpoint_is_turned_off_with_false():
    w = td.tensor([100.0, 100.0], requires_grad=True)

    def program():
        (w * w).sum().backward()
        return "done"

    session = td.debug.Session()
    assert session.break_on(grad_norm=10) == []
    session.break_on(grad_norm=False)
    session.run(program)
    assert session.wait() is None
    session.join()
    assert session.result == "done"


def test_a_condition_that_raises_pauses_there_and_says_why():
    def program():
        x = td.ones(2) * 2
        y = x.exp()  # EXP LINE
        return y.sum().item()

    def picky(entry):
        return {"exp": True}[entry["op"]]  # a KeyError for every other op

    session = td.debug.Session()
    session.break_on(when=picky)
    session.run(program)
    pause = session.wait()
    assert pause["reason"] == "condition" and pause["op"] == "mul"
    assert pause["description"] == "picky raised KeyError: 'mul'"
    pause = session.continue_()
    assert pause["op"] == "exp" and pause["description"] == "picky"
    assert pause["line"] == line_of("EXP LINE", program)
    while pause is not None:
        pause = session.continue_()
    session.join()
    assert session.state == "finished" and session.result == pytest.approx(2 * math.exp(2), rel=1e-6)
    # A condition's value counts as `if` takes it: a one-element tensor, a number, None.
    truthy = td.debug.Session()
    truthy.break_on(when=lambda entry: td.tensor(1.0) if entry["op"] == "exp" else None)
    truthy.run(program)
    assert truthy.wait()["op"] == "exp"
    truthy.stop()


def test_a_first_session_numbers_iterations_from_0_as_the_command_line_does():
    # In a fresh process (a subprocess: this one's tape has run many iterations).
    program = ("import tapedeck as td\n"
               "w = td.ones(2, requires_grad=True)\n"
               "def f():\n"
               "    for _ in range(2):\n"
               "        (w * w).sum().backward()\n"
               "s = td.debug.Session()\n"
               "s.run(f)\n"
               "s.join()\n"
               "print(s.recorder.iterations())\n")
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[0, 1]"


def test_controls_need_a_run_in_progress():
    session = td.debug.Session()
    for control in (session.step_op, session.continue_, session.step_backward_op, session.run_to_backward,
                    session.run_to_iteration_end, session.pause):
        with pytest.raises(RuntimeError, match=r"needs a run: start one with session.run\(function\) first"):
            control(timeout=1)
    session.run(lambda: td.ones(2).sum().item())
    session.join()
    with pytest.raises(RuntimeError, match=r"step_op needs a run in progress \(the run is finished\)"):
        session.step_op(timeout=1)


def test_stop_a_pure_python_loop_and_a_sleep_within_a_second():
    def spin():
        n = 0
        while True:
            n += 1

    def sleeper():
        time.sleep(30)

    for program in (spin, sleeper):
        session = td.debug.Session()
        session.run(program)
        time.sleep(0.05)
        started = time.monotonic()
        session.stop()
        assert session.cancelled, program.__name__
        assert time.monotonic() - started < 1.0, program.__name__
    assert time.sleep is not None and time.sleep.__name__ == "sleep", "time.sleep is restored"


def line_program():
    a = td.ones(2)
    b = a * 3  # LINE BREAK
    return b.tolist()


def test_line_breakpoint_pauses_through_the_same_protocol():
    session = td.debug.Session()
    session.break_at(__file__, line_of("LINE BREAK", line_program))
    session.run(line_program)
    pause = session.wait()
    assert pause["reason"] == "line" and pause["line"] == line_of("LINE BREAK", line_program)
    assert pause["file"].endswith("test_debug.py")
    assert session.continue_() is None
    session.join()
    assert session.result == [3.0, 3.0]


def test_pause_and_stop_inside_a_long_backward():
    """backward releases the GIL, so the controlling thread can pause and stop it mid-way."""
    import threading
    started = threading.Event()

    def program():
        x = td.ones(4, requires_grad=True)
        y = x
        for _ in range(3000):
            y = y * 1.0001
        total = y.sum()
        started.set()
        for _ in range(10000):
            total.backward(retain_graph=True)

    session = td.debug.Session()
    session.run(program)
    assert started.wait(30)
    time.sleep(0.05)
    # The request lands at the next op or Python line: mostly inside a backward, sometimes on
    # a line between two (the engine is fast); ask again until one lands mid-backward.
    for _ in range(50):
        pause = session.pause()
        assert pause is not None, "no pause"
        if pause["direction"] == "backward":
            break
        session._debugger.resume()
    assert pause["direction"] == "backward", pause
    started_stop = time.monotonic()
    session.stop()
    assert session.cancelled and time.monotonic() - started_stop < 5.0
