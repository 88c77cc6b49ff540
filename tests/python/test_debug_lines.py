"""tapedeck.debug line stepping: step over, into and out, run to a line, steps that start
at an op pause, the worker's call stack, and stopping a run that is being stepped."""
import os
import time

import pytest

import tapedeck as td
from conftest import line_of


@pytest.fixture
def session():
    """Makes sessions and stops each one at the end of the test, so no worker lingers."""
    made = []

    def make(**kwargs):
        made.append(td.debug.Session(**kwargs))
        return made[-1]

    yield make
    for each in made:
        each.stop()
        assert each._thread is None or not each._thread.is_alive()


def callee(value):
    doubled = value * 2  # CALLEE FIRST
    return doubled + 1  # CALLEE LAST


def caller():
    a = td.ones(2)  # CALLER START
    b = callee(a)  # CALLER CALL
    c = b * 3  # CALLER AFTER
    return c.tolist()


def loop_program():
    total = 0
    for i in range(3):  # LOOP HEAD
        total += i  # LOOP BODY
    return total


def paused_at(session, program, marker, where=None):
    """Runs `program` with a line breakpoint at `marker` (in `where`, else in `program`) and
    waits for that pause."""
    line = line_of(marker, where or program)
    session.break_at(__file__, line)
    session.run(program)
    pause = session.wait()
    assert pause is not None and pause["line"] == line
    return pause


def test_step_line_runs_over_a_call(session):
    s = session()
    paused_at(s, caller, "CALLER CALL")
    pause = s.step_line()
    assert pause["reason"] == "line" and pause["line"] == line_of("CALLER AFTER", caller)
    assert pause["file"] == __file__ and pause["description"] == f"step to test_debug_lines.py:{pause['line']}"
    assert s.continue_() is None
    s.join()
    assert s.result == [9.0, 9.0]


def test_step_into_enters_the_callee_and_step_out_returns(session):
    s = session()
    paused_at(s, caller, "CALLER CALL")
    pause = s.step_into()
    assert pause["line"] == line_of("CALLEE FIRST", callee) and pause["description"].startswith("step into ")
    pause = s.step_out()
    assert pause["line"] == line_of("CALLER AFTER", caller) and pause["description"].startswith("step out to ")
    assert s.continue_() is None
    s.join()
    assert s.result == [9.0, 9.0]


def test_step_line_at_the_end_of_a_function_lands_in_the_caller(session):
    s = session()
    paused_at(s, caller, "CALLEE LAST", callee)
    assert s.step_line()["line"] == line_of("CALLER AFTER", caller)
    # Out of the run's own function: the run ends (the debugger's frames are not stepped into).
    s.step_line()
    assert s.step_line() is None
    s.join()
    assert s.result == [9.0, 9.0]


def test_step_line_follows_a_loop(session):
    s = session()
    paused_at(s, loop_program, "LOOP BODY")
    s._lines.clear()  # only the steps pause from here on
    head, body = line_of("LOOP HEAD", loop_program), line_of("LOOP BODY", loop_program)
    assert [s.step_line()["line"] for _ in range(3)] == [head, body, head]
    assert s.continue_() is None
    s.join()
    assert s.result == 3


def test_run_to_line_is_a_one_off_breakpoint(session):
    s = session(pause_at_start=True)
    s.run(loop_program)
    assert s.wait()["reason"] == "pause requested"
    pause = s.run_to_line(__file__, line_of("LOOP BODY", loop_program))
    assert pause["reason"] == "line" and pause["line"] == line_of("LOOP BODY", loop_program)
    assert pause["description"] == f"run to test_debug_lines.py:{pause['line']}"
    assert s.continue_() is None, "the line runs twice more without pausing"
    s.join()
    assert s.result == 3


def test_step_line_from_an_op_pause(session):
    s = session(pause_at_start=True)
    s.run(caller)
    pause = s.wait()  # before the first line: a requested pause, stepped from as from any pause
    assert pause["reason"] == "pause requested" and pause["line"] == line_of("CALLER START", caller)
    assert s.step_line()["line"] == line_of("CALLER CALL", caller)
    pause = s.step_op()  # the first op: `value * 2` in the callee
    assert pause["op"] == "mul" and pause["line"] == line_of("CALLEE FIRST", callee)
    pause = s.step_line()
    assert pause["reason"] == "line" and pause["line"] == line_of("CALLEE LAST", callee)
    assert s.continue_() is None
    s.join()


def test_step_line_from_an_op_inside_a_module_steps_over_the_shown_line(session):
    model = td.nn.Linear(2, 3)

    def program():
        y = model(td.ones(4, 2))  # MODEL CALL
        return y.sum().item()  # MODEL AFTER

    s = session()
    s.break_on(op="linear")
    s.run(program)
    pause = s.wait()
    assert pause["op"] == "linear" and pause["line"] == line_of("MODEL CALL", program)
    assert s.frames()[-1]["function"] == "Linear.forward", "paused inside the module's forward"
    # The op pause shows the caller's line (as ops record it): step over steps over that line.
    assert s.step_line()["line"] == line_of("MODEL AFTER", program)
    assert s.continue_() is None
    s.join()


def test_step_into_a_module_enters_tapedeck_python_but_never_the_debugger(session):
    model = td.nn.ReLU()

    def program():
        time.sleep(0.01)  # SLEEP
        y = model(td.ones(2))  # MODEL CALL
        return y.tolist()  # MODEL RETURN

    s = session()
    paused_at(s, program, "SLEEP")
    # time.sleep runs the debugger's interruptible sleep: not stepped into.
    assert s.step_into()["line"] == line_of("MODEL CALL", program)
    pause = s.step_into()
    package = os.path.dirname(os.path.abspath(td.__file__))
    assert pause["file"].startswith(package + os.sep) and not pause["file"].endswith("debug.py")
    # Straight into the module's forward: Module.__call__ is stepped through, not shown.
    assert s.frames()[-1]["function"] == "ReLU.forward", s.frames()
    pause = s.step_out()
    assert pause["file"] == __file__ and pause["line"] == line_of("MODEL RETURN", program)
    assert s.continue_() is None
    s.join()
    assert s.result == [1.0, 1.0]


def test_step_into_a_model_lands_in_its_forward_and_steps_leave_it_for_the_calling_line(session):
    class Doubler(td.nn.Module):
        def forward(self, x):
            y = x * 2  # FORWARD FIRST
            return y  # FORWARD LAST

    model = Doubler()

    def program():
        y = model(td.ones(2))  # CALL MODEL
        return y.tolist()  # AFTER MODEL

    s = session()
    paused_at(s, program, "CALL MODEL")
    pause = s.step_into()
    assert pause["file"] == __file__ and pause["line"] == line_of("FORWARD FIRST", Doubler.forward)
    assert s.step_line()["line"] == line_of("FORWARD LAST", Doubler.forward)
    pause = s.step_line()  # off the end of forward: back in the caller, past Module.__call__
    assert pause["file"] == __file__ and pause["line"] == line_of("AFTER MODEL", program)
    assert s.continue_() is None
    s.join()
    assert s.result == [2.0, 2.0]


def test_another_pause_ends_a_step(session):
    s = session()
    s.break_on(op="add")
    paused_at(s, caller, "CALLER CALL")
    pause = s.step_line()  # over the call, but `doubled + 1` in it stops first
    assert pause["reason"] == "op breakpoint" and pause["line"] == line_of("CALLEE LAST", callee)
    assert s.continue_() is None, "the step over ended with that pause"
    s.join()


def test_frames_lists_the_callers_innermost_last(session):
    s = session()
    paused_at(s, caller, "CALLER CALL")
    s.step_into()
    assert s.frames() == [
        {"file": __file__, "line": line_of("CALLER CALL", caller), "function": "caller"},
        {"file": __file__, "line": line_of("CALLEE FIRST", callee), "function": "callee"},
    ]
    assert s.continue_() is None
    s.join()
    assert s.frames() == []


def test_line_steps_need_a_paused_run(session):
    def spin():
        while True:
            pass

    s = session()
    with pytest.raises(RuntimeError, match="step_line needs a paused run"):
        s.step_line()
    s.run(spin)
    with pytest.raises(RuntimeError, match="step_into needs a paused run"):
        s.step_into()


def test_stop_while_stepping_lines_ends_the_run(session):
    def spin():
        n = 0
        while True:
            n += 1

    def program():
        x = td.ones(2)  # PROGRAM START
        spin()  # SPIN
        return x

    s = session()
    paused_at(s, program, "PROGRAM START")
    assert s.step_line()["line"] == line_of("SPIN", program)
    assert s.step_line(timeout=0.2) is None and s.state == "running", "spin() never returns"
    started = time.monotonic()
    s.stop()
    assert s.cancelled and s.state == "finished" and time.monotonic() - started < 1.0

    paused = session()
    paused_at(paused, caller, "CALLER CALL")
    paused.step_into()
    paused.stop()
    assert paused.cancelled and paused.state == "finished"
