"""tapedeck.debug: the debugger core, headless. A Session runs a function on a worker
thread with the debugger attached; this thread sets breakpoints, waits for pauses and
steps, while the paused worker holds neither an engine lock nor the GIL.

    session = tapedeck.debug.Session()
    session.break_on(nan=True)
    session.run(train_one_step)
    pause = session.wait()            # {'op': 'log', 'file': ..., 'line': 12, 'entry': 57, ...}
    session.entry(pause["entry"])     # its inputs' and outputs' stats and values
    session.recorder.ancestors(57)    # the entries that led to it, nearest first
    pause = session.step_backward_op()
    pause = session.step_line()       # {'reason': 'line', 'description': 'step to train.py:13', ...}
    session.frames()                  # [{'file': ..., 'line': 13, 'function': 'train_one_step'}]
    session.continue_()               # None once the run finishes

Line breakpoints and line steps (over, into, out, run to a line) come from a tracer on
the worker thread (sys.settrace) and pause through the same debugger as the op stops.
The recorder (session.recorder) keeps every entry of the current and previous iterations
with statistics, and values and gradients within a byte budget (by default: Session(keep=)
can keep statistics only, or the tape alone); a parameter's value from before an optimizer
step is copied just before the step writes it.

From a shell, `python3 -m tapedeck.debug script.py [args]` runs a script until the first
NaN or Inf and prints where it came from (see __main__.py).
"""
import math
import numbers
import operator
import os
import sys
import threading
import time

from .. import _C

_HERE = os.path.dirname(os.path.abspath(__file__))
# Ops record the innermost frame outside the tapedeck package (tapedeck/__init__.py tells _C).
_PACKAGE = os.path.dirname(_HERE) + os.sep
# Never traced, stepped into or listed: this package (the worker's body, the tracer, the
# sleep, the command line's runner) and the thread machinery under it.
_UNTRACED = {os.path.realpath(os.path.join(_HERE, name)) for name in ("__init__.py", "__main__.py", "ide.py")}
_UNTRACED.add(os.path.realpath(threading.__file__))
_untraced_names = {}  # co_filename -> whether it is untraced (cached: checked per call)


def _untraced(filename):
    """Whether frames of `filename` are the debugger's own or thread or import machinery."""
    skip = _untraced_names.get(filename)
    if skip is None:
        skip = _untraced_names[filename] = (filename.startswith("<frozen ")
                                            or os.path.realpath(filename) in _UNTRACED)
    return skip


# Stepped through, never paused in: the machinery of calling an nn.Module (Module.__call__,
# its scope bookkeeping), so that Step Into `model(x)` lands in the module's forward and a
# step out of a forward lands back in the line that called the model.
_PASS_THROUGH = {os.path.realpath(os.path.join(_PACKAGE, "nn", "modules", name)) for name in ("module.py", "_scope.py")}
_pass_through_names = {}


def _passes_through(filename):
    through = _pass_through_names.get(filename)
    if through is None:
        through = _pass_through_names[filename] = os.path.realpath(filename) in _PASS_THROUGH
    return through


_original_sleep = time.sleep
_sleep_hooks = {}  # worker thread id -> debugger, while a Session runs there
_sleep_lock = threading.Lock()


def _interruptible_sleep(seconds):
    """time.sleep, in slices, honouring a debugged worker's stop and pause requests."""
    debugger = _sleep_hooks.get(threading.get_ident())
    if debugger is None:
        return _original_sleep(seconds)
    end = time.monotonic() + max(0.0, float(seconds))
    while True:
        debugger.checkpoint()
        left = end - time.monotonic()
        if left <= 0:
            return None
        _original_sleep(min(left, 0.02))

Cancelled = _C._debug.Cancelled


def _names(value, argument, what):
    """break_on's op= or module=: None, one name, or a list or tuple of names."""
    if value is None:
        return []
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not all(isinstance(name, str) and name for name in names):
        raise TypeError(f"break_on({argument}=...): expected {what} or a list of them, got {value!r}")
    return list(names)


def _why_not_kept(recorder, entry_id):
    """Why the recorder has no entry `entry_id`: not recorded yet, its iteration dropped, or
    never observed."""
    kept = [entries for entries in (recorder.entries(n) for n in recorder.iterations()) if entries]
    if not kept:
        return f"entry {entry_id}: the recorder keeps no entries (nothing recorded yet, or cleared)"
    oldest, newest = kept[0][0], kept[-1][-1]
    if entry_id > newest["entry"]:
        return (f"entry {entry_id} is not recorded yet: the newest entry is {newest['entry']} "
                f"(iteration {newest['iteration']})")
    if entry_id < oldest["entry"]:
        return (f"entry {entry_id} is no longer kept: its iteration was dropped (the recorder keeps the "
                f"current iteration and the previous ones from iteration {oldest['iteration']}, "
                f"entries {oldest['entry']} to {newest['entry']})")
    return (f"entry {entry_id} was not recorded: an op the debugger did not observe (another thread's, or "
            f"the debugger's own), between kept entries {oldest['entry']} and {newest['entry']}")


# What a session's recorder keeps of each tensor (Session(keep=...)), costliest first.
KEEP = ("values", "statistics", "tape")


class Session:
    """One debugged run of a function on a worker thread."""

    def __init__(self, pause_at_start=False, record=True, budget_bytes=256 << 20, previous_iterations=2,
                 keep="values"):
        """pause_at_start: the run pauses before its first line (so stepping can start there).
        record: keep a recorder (session.recorder) of the current and `previous_iterations`
        iterations: by default statistics of every entry, and values and gradients within
        `budget_bytes`.
        keep: what it keeps of each tensor: "values" (and statistics: time travel), "statistics"
        (no values), or "tape" (ids, names, shapes and dtypes only: the cheapest)."""
        self._pause_at_start = pause_at_start
        self._lines = {}  # (real path, line) -> condition (an expression) or None
        self._line_files = set()  # the real paths that hold line breakpoints
        # Lazy tracing (run_here(lazy_trace=True), the IDE): the tracer runs only while line
        # breakpoints or a line step need it, and only in the frames they concern; pause and
        # stop requests reach pure Python code through pending calls instead.
        self._lazy = False
        self._executing = False  # the function runs (a pending stop may raise here)
        self._real_paths = {}
        for name, value in (("budget_bytes", budget_bytes), ("previous_iterations", previous_iterations)):
            # Whole numbers as ints or floats (budget_bytes=1e9), as int() took them before.
            if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
                    or value < 0 or value != int(value)):
                raise ValueError(f"Session: {name} must be a whole number >= 0, got {value!r}")
        budget_bytes, previous_iterations = int(budget_bytes), int(previous_iterations)
        if keep not in KEEP:
            raise ValueError(f"Session: keep must be one of {', '.join(map(repr, KEEP))}, got {keep!r}")
        self._debugger = _C._debug.Debugger()
        self.recorder = (_C._debug.Recorder(budget_bytes=budget_bytes, previous_iterations=previous_iterations,
                                            keep_values=keep == "values", keep_stats=keep != "tape")
                         if record else None)
        if self.recorder is not None:
            self._debugger.set_recorder(self.recorder)
        # A pending line step, set by the controlling thread before it resumes the worker:
        # ("over", frame), ("out", frame), ("into", None) or ("to", (real path, line)); a
        # step out becomes ("out to", caller) when its frame returns.
        self._step = None
        self._line_frame = None  # the frame of the worker's current line pause
        self._last = 0
        self._thread = None
        self._ident = None  # the executing thread's id
        self.result = None
        self.error = None
        self.cancelled = False

    def entry(self, entry_id, values=True):
        """A recorded entry as a dict: op, direction, iteration, scope, file, line, and its inputs,
        outputs, grad_outputs and grad_inputs (each: id, shape, dtype, stats, state 'held',
        'dropped' or 'not kept', and value, a private copy). An entry the recorder does not
        keep raises LookupError saying why: its iteration was dropped, it is not recorded yet,
        or it was never observed. (session.recorder.entry(id) returns None instead.)"""
        if self.recorder is None:
            raise RuntimeError("this session records nothing (Session(record=False))")
        found = self.recorder.entry(entry_id, values)
        if found is None:
            raise LookupError(_why_not_kept(self.recorder, entry_id))
        return found

    def break_on(self, op=None, module=None, nan=None, grad_norm=None, when=None, forward=True, backward=True):
        """Adds stop conditions: an op ('matmul', or a list of op names), a module path glob
        ('layers.*.attn', or a list), the op that first produces a NaN/Inf (nan=True; nan=False
        turns it off), a gradient-norm threshold (grad_norm=False turns it off), or a callable on
        the entry (a dict: entry, op, scope, iteration, direction, file, line; a callable that
        raises pauses there, the pause saying why); returns the ids of the op, module and callable
        breakpoints, which remove_break() takes. Op breakpoints stop forward and backward unless
        forward=False or backward=False."""
        ops, modules = _names(op, "op", "an op name such as 'matmul'"), _names(module, "module", "a module path glob")
        for name, flag in (("nan", nan), ("forward", forward), ("backward", backward)):
            if flag is not None and not isinstance(flag, bool):
                raise TypeError(f"break_on({name}=...): expected True or False, got {flag!r}")
        if ops and not (forward or backward):
            raise ValueError("break_on(op=...): with forward=False and backward=False it could never stop")
        threshold = None
        if grad_norm is not None and grad_norm is not False:
            if isinstance(grad_norm, bool) or not isinstance(grad_norm, numbers.Real):
                raise TypeError(f"break_on(grad_norm=...): expected a number (the norm to stop above) or False, "
                                f"got {type(grad_norm).__name__}")
            threshold = float(grad_norm)
            if not threshold >= 0 or math.isinf(threshold):
                raise ValueError(f"break_on(grad_norm=...): expected a finite number >= 0, got {grad_norm!r}")
        if when is not None and not callable(when):
            raise TypeError(f"break_on(when=...): needs a callable taking the entry (a dict), got "
                            f"{type(when).__name__}")
        # Everything checked: now add them (a bad argument adds nothing).
        ids = [self._debugger.break_on_op(name, forward, backward) for name in ops]
        ids += [self._debugger.break_on_module(glob) for glob in modules]
        if nan is not None:
            self._debugger.break_on_nan(nan)
        if grad_norm is False:
            self._debugger.break_on_grad_norm(None)
        elif threshold is not None:
            self._debugger.break_on_grad_norm(threshold)
        if when is not None:
            ids.append(self._debugger.break_when(when, getattr(when, "__name__", "condition")))
        return ids

    def remove_break(self, breakpoint_id):
        """Removes an op, module or condition breakpoint (an id break_on returned); a KeyError
        for an id that names none."""
        if isinstance(breakpoint_id, bool) or not isinstance(breakpoint_id, numbers.Integral):
            raise TypeError(f"remove_break(...): expected an id that break_on returned (an int), got "
                            f"{type(breakpoint_id).__name__}")
        self._debugger.remove_breakpoint(int(breakpoint_id))

    def break_at(self, file, line, condition=None):
        """A line breakpoint: pauses before `line` of `file` (a path, matched by its real path) runs;
        with `condition` (a Python expression), only when it is true in that frame (a condition that
        raises pauses too, and says why)."""
        try:
            number = operator.index(line) if not isinstance(line, bool) else 0
        except (TypeError, RuntimeError):  # (what an odd value's __index__ raises)
            number = 0
        if number < 1:
            raise ValueError(f"break_at({file!r}, {line!r}): the line must be a line number (an int >= 1)")
        line = number
        if condition is not None and not str(condition).strip():
            condition = None
        if condition is not None:
            compile(condition, "<breakpoint condition>", "eval")  # a SyntaxError names the problem now
        real = os.path.realpath(os.fspath(file))  # (a file written later may have breakpoints now)
        self._lines[(real, int(line))] = condition
        self._line_files.add(real)
        if self._lazy and self._executing and threading.get_ident() == self._ident:
            self._enable_tracing()

    def clear_breaks_at(self):
        """Removes every line breakpoint."""
        self._lines = {}
        self._line_files = set()

    def _tracing_needed(self):
        return bool(self._lines) or self._step is not None

    def _enable_tracing(self):
        """(On the executing thread.) Turns the tracer on for new frames and for every frame on
        the stack, so a breakpoint or a step in a function already running is seen."""
        sys.settrace(self._tracer)
        frame = _C._debug.paused_frame() or sys._getframe()
        while frame is not None:
            if not _untraced(frame.f_code.co_filename):
                frame.f_trace = self._tracer
            frame = frame.f_back

    def pause_now(self):
        """(On the executing thread, from a pending call: the IDE's Pause.) Pauses at the line
        the thread is running, in the innermost frame outside tapedeck."""
        if not self._executing:
            return
        frame = self._user_frame(sys._getframe(), outside_package=True)
        if frame is None:
            self._debugger.checkpoint()
            return
        self._pause_line(frame, "paused at")

    def stop_now(self):
        """(On the executing thread, from a pending call: the IDE's Stop.) Raises Cancelled in
        the running function, as KeyboardInterrupt would be raised there."""
        if self._executing:
            raise Cancelled()

    def _tracer(self, frame, event, arg):
        """Per-line checkpoint in the worker: stop and pause requests, line steps and line
        breakpoints. Without a pending step a line costs a set lookup and a checkpoint."""
        if event == "line":
            step = self._step
            if step is not None and self._step_ends(step, frame):
                return self._tracer
            code = frame.f_code
            if self._lazy and step is None and self._real(code.co_filename) not in self._line_files:
                frame.f_trace = None  # nothing to see in this frame any more (None alone keeps it)
                return None
            key = (self._real(code.co_filename), frame.f_lineno) if self._lines else None
            if key is not None and key in self._lines:
                verb = self._breakpoint_holds(self._lines.get(key), frame)
                if verb is not None:
                    self._pause_line(frame, verb)
                else:
                    self._debugger.checkpoint()
            else:
                self._debugger.checkpoint()
        elif event == "call":
            if _untraced(frame.f_code.co_filename):
                return None  # no line events in the debugger's own frames
            if self._lazy and self._step is None:
                if not self._lines:
                    sys.settrace(None)  # nothing needs the tracer until a breakpoint or a step
                    return None
                if self._real(frame.f_code.co_filename) not in self._line_files:
                    return None
        elif event == "return":
            step = self._step
            if step is not None and step[1] is frame:
                # The frame a step over or out runs in returns: the step goes on in its caller
                # (past a module call's machinery: in the line that called the model).
                caller = frame.f_back
                while caller is not None and (_untraced(caller.f_code.co_filename)
                                              or _passes_through(caller.f_code.co_filename)):
                    caller = caller.f_back
                self._step = ("over" if step[0] == "over" else "out to", caller) if caller is not None else None
        return self._tracer

    @staticmethod
    def _breakpoint_holds(condition, frame):
        """None when a conditional breakpoint's condition is false; else the pause's verb."""
        if condition is None:
            return "breakpoint at"
        try:
            with _C._debug.unobserved():
                holds = eval(condition, frame.f_globals, frame.f_locals)
        except Exception as error:  # the user's expression: pause and say why
            return f"breakpoint condition `{condition}` raised {type(error).__name__}: {error}; at"
        return f"breakpoint (`{condition}`) at" if holds else None

    def _step_ends(self, step, frame):
        """At a line event with `step` pending: pauses (and returns True) when it ends here."""
        kind, target = step
        if kind == "into":
            if _passes_through(frame.f_code.co_filename):
                return False  # calling a module: on into its forward (or a hook)
            verb = "step into"
        elif frame is target and kind != "out":  # over, or out once the frame returned
            verb = "step to" if kind == "over" else "step out to"
        elif kind == "to" and frame.f_lineno == target[1] and self._real(frame.f_code.co_filename) == target[0]:
            verb = "run to"
        else:
            return False
        self._step = None
        self._pause_line(frame, verb)
        return True

    def _pause_line(self, frame, verb):
        """Pauses the worker at `frame`'s line (through the debugger, as every pause)."""
        file, line = frame.f_code.co_filename, frame.f_lineno
        self._line_frame = frame
        try:
            self._debugger.pause_here(f"{verb} {os.path.basename(file)}:{line}", file, line)
        finally:
            self._line_frame = None

    @staticmethod
    def _user_frame(frame, outside_package):
        """`frame` or the nearest caller not untraced (and, with outside_package, outside
        tapedeck, as ops record their line); the innermost traced one when none is outside."""
        traced = None
        while frame is not None:
            filename = frame.f_code.co_filename
            if not _untraced(filename):
                if not outside_package or not filename.startswith(_PACKAGE):
                    return frame
                traced = traced or frame
            frame = frame.f_back
        return traced

    def _real(self, filename):
        real = self._real_paths.get(filename)
        if real is None:
            real = self._real_paths[filename] = os.path.realpath(filename)
        return real

    def run(self, function, *args, **kwargs):
        """Starts function(*args, **kwargs) on a worker thread under the debugger. Python lines
        in the worker honour stop and pause requests and line breakpoints (sys.settrace), and so
        does time.sleep."""
        if self._thread is not None or self._ident is not None:
            raise RuntimeError("this session already ran; make a new Session")
        if not callable(function):
            raise TypeError(f"Session.run(...): expected a function to run, got {type(function).__name__}")

        def body():
            self._run_body(function, args, kwargs)

        # A fresh iteration, so the last run's backward does not end this one's first; in a
        # fresh process the first one (0) is fresh already, and the numbering starts there,
        # as under run_here (the IDE, the command line).
        if _C._debug.iteration_started():
            _C._debug.new_iteration()
        self._debugger.attach()
        if self._pause_at_start:
            self._debugger.request_pause()
        self._thread = threading.Thread(target=body, name="tapedeck-debug-run", daemon=True)
        self._thread.start()
        self._ident = self._thread.ident
        return self

    def run_here(self, function, *args, lazy_trace=False, **kwargs):
        """Runs function(*args, **kwargs) on this thread under the debugger (the IDE's runner,
        whose thread is Python's main thread); returns when it ends, with self.result, .error
        and .cancelled set as after run(). Another thread controls it through the C++ debugger
        (pause, step, stop) and serve(). lazy_trace: trace lines only where breakpoints and
        steps need it; then the controller reaches pure Python code with pending calls that
        run pause_now() and stop_now() (Py_AddPendingCall: this must be the main thread)."""
        self._lazy = bool(lazy_trace)
        if self._thread is not None or self._ident is not None:
            raise RuntimeError("this session already ran; make a new Session")
        self._thread = threading.current_thread()
        self._ident = threading.get_ident()
        self._debugger.attach()  # (a no-op when already attached: requests made since are kept)
        if self._pause_at_start:
            self._debugger.request_pause()
        try:
            self._run_body(function, args, kwargs)
        finally:
            self._debugger.detach()
        return self

    def _run_body(self, function, args, kwargs):
        with _sleep_lock:
            _sleep_hooks[threading.get_ident()] = self._debugger
            time.sleep = _interruptible_sleep
        if not self._lazy or self._pause_at_start or self._tracing_needed():
            sys.settrace(self._tracer)
        try:
            self._executing = True
            try:
                self.result = function(*args, **kwargs)
            finally:
                self._executing = False  # first: a pending stop may not raise past this point
            self._debugger.finish(False)
        except Cancelled:
            self.cancelled = True
            self._debugger.finish(False)
        except BaseException as error:  # reported to the controlling thread
            self.error = error
            self._debugger.finish(True)
        finally:
            sys.settrace(None)
            self._step = None  # frames hold their locals: let them go
            with _sleep_lock:
                _sleep_hooks.pop(threading.get_ident(), None)
                if not _sleep_hooks:
                    time.sleep = _original_sleep

    @property
    def state(self):
        return self._debugger.state

    def wait(self, timeout=10.0):
        """The next pause (a dict: reason, description, op, direction, entry, scope, file, line,
        iteration), or None when the run finished first or the timeout passed."""
        pause = self._debugger.wait_for_pause(self._last, timeout)
        if pause is not None:
            self._last = pause["sequence"]
        return pause

    def continue_(self, timeout=10.0):
        """Resumes; returns the next pause, or None when the run finishes."""
        self._needs_run("continue_")
        self._step = None
        self._debugger.resume()
        return self.wait(timeout)

    def step_op(self, timeout=10.0):
        """Runs to the next tape entry (forward or backward)."""
        self._needs_run("step_op")
        self._step = None
        self._debugger.step("op")
        return self.wait(timeout)

    def step_backward_op(self, timeout=10.0):
        """Runs to the next backward step."""
        self._needs_run("step_backward_op")
        self._step = None
        self._debugger.step("backward_op")
        return self.wait(timeout)

    def run_to_backward(self, timeout=10.0):
        """Runs to the start of the next backward()."""
        self._needs_run("run_to_backward")
        self._step = None
        self._debugger.step("backward")
        return self.wait(timeout)

    def run_to_iteration_end(self, timeout=10.0):
        """Runs to the end of the current iteration: after its backward() and the in-place
        writes that follow it (an optimizer's update, zeroing gradients), as the next op
        that is not one begins (the next batch, an evaluation, the next forward pass)."""
        self._needs_run("run_to_iteration_end")
        self._step = None
        self._debugger.step("iteration")
        return self.wait(timeout)

    # Line steps, from any pause (a line, an op, a request). Any other pause on the way
    # (a breakpoint, a NaN) ends the step, as the next command replaces it.

    def step_line(self, timeout=10.0):
        """Step over: runs to the next line of the current frame, or of its caller once it
        returns; calls on the way run through."""
        return self._resume_stepping(self.line_step("over"), timeout)

    def step_into(self, timeout=10.0):
        """Runs to the next line anywhere, inside a called function included (tapedeck's
        Python code, nn modules' forward for one, too; not the debugger's own frames). Calling
        a module steps through Module.__call__ into its forward (or a hook) without stopping."""
        return self._resume_stepping(self.line_step("into"), timeout)

    def step_out(self, timeout=10.0):
        """Runs until the current frame returns, to the next line of its caller."""
        return self._resume_stepping(self.line_step("out"), timeout)

    def run_to_line(self, file, line, timeout=10.0):
        """Runs to `line` of `file` (a one-off line breakpoint: Run to Cursor)."""
        return self._resume_stepping(self.line_step("to", file, line), timeout)

    def line_step(self, kind, file=None, line=None):
        """The pending step for a line command ('over', 'into', 'out' or 'to' file:line) from
        the current pause; raises when the run is not paused in Python code."""
        if kind == "to":
            return ("to", (os.path.realpath(os.fspath(file)), int(line)))
        names = {"over": "step_line", "into": "step_into", "out": "step_out"}
        if kind not in names:
            raise ValueError(f"line step must be 'over', 'into', 'out' or 'to', got {kind!r}")
        frame = self._current_frame(names[kind])
        return (kind, None if kind == "into" else frame)

    def set_line_step(self, kind, file=None, line=None):
        """Arms a line step from the paused thread itself (a job it serves, as the IDE does);
        the controller then resumes."""
        self._step = self.line_step(kind, file, line)
        if self._lazy:
            self._enable_tracing()

    def _current_frame(self, command):
        """The frame a line step starts from: the paused line's, else (paused at an op or on
        request) the innermost frame outside tapedeck, whose line the pause shows."""
        if self.state != "paused":
            raise RuntimeError(f"{command} needs a paused run (the run is {self.state})")
        frame = self._line_frame
        if frame is None:
            if threading.get_ident() == self._ident:  # a job the paused thread serves
                top = _C._debug.paused_frame() or sys._getframe()
            else:
                top = sys._current_frames().get(self._ident)
            frame = self._user_frame(top, outside_package=True)
        if frame is None:
            raise RuntimeError(f"{command}: the paused worker runs no Python code to step")
        return frame

    def _resume_stepping(self, step, timeout):
        # Set before the worker wakes: it reads the step on its next line event.
        self._step = step
        self._debugger.resume()
        return self.wait(timeout)

    def frames(self):
        """The worker's Python call stack, innermost last, while paused: dicts of file, line
        and function (qualified name), without the debugger's and threading's own frames."""
        if self._thread is None or not self._thread.is_alive():
            return []
        frame = sys._current_frames().get(self._ident)
        stack = []
        while frame is not None:
            code = frame.f_code
            if not _untraced(code.co_filename):
                stack.append({"file": code.co_filename, "line": frame.f_lineno, "function": code.co_qualname})
            frame = frame.f_back
        stack.reverse()
        return stack

    def _needs_run(self, command):
        """Raises unless a run is going (running or paused): a step or continue before run()
        or after the run ended has nothing to act on."""
        if self._ident is None:
            raise RuntimeError(f"{command} needs a run: start one with session.run(function) first")
        state = self.state
        if state in ("finished", "failed"):
            raise RuntimeError(f"{command} needs a run in progress (the run is {state})")

    def pause(self, timeout=10.0):
        """Asks the running function to pause at its next op."""
        self._needs_run("pause")
        self._debugger.request_pause()
        return self.wait(timeout)

    def stop(self, timeout=10.0):
        """Ends the run (the worker gets Cancelled at its next op or pause) and waits for it."""
        self._debugger.stop()
        self.join(timeout)

    def join(self, timeout=10.0):
        """Waits for the run to end; one still going (or paused) after `timeout` is stopped."""
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                self._debugger.stop()
                self._thread.join(timeout)
        self._debugger.detach()
