"""tapedeck.debug: the debugger core, headless. A Session runs a function on a worker
thread with the debugger attached; this thread sets breakpoints, waits for pauses and
steps, while the paused worker holds neither an engine lock nor the GIL.

    session = tapedeck.debug.Session()
    session.break_on(nan=True)
    session.run(train_one_step)
    pause = session.wait()            # {'op': 'log', 'file': ..., 'line': 12, ...}
    pause = session.step_backward_op()
    session.continue_()               # None once the run finishes

(Line stepping, the recorder and `python -m tapedeck.debug` are the next part.)
"""
import os
import sys
import threading
import time

from . import _C

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


class Session:
    """One debugged run of a function on a worker thread."""

    def __init__(self, pause_at_start=False):
        """pause_at_start: the run pauses at its first op (so stepping can start there)."""
        self._pause_at_start = pause_at_start
        self._lines = set()
        self._real_paths = {}
        self._debugger = _C._debug.Debugger()
        self._last = 0
        self._thread = None
        self.result = None
        self.error = None
        self.cancelled = False

    def break_on(self, op=None, module=None, nan=False, grad_norm=None, when=None, forward=True, backward=True):
        """Adds stop conditions: an op ('matmul'), a module path glob ('layers.*.attn'), the first
        NaN/Inf, a gradient-norm threshold, or a callable on the entry (a dict); returns breakpoint ids."""
        ids = []
        if op is not None:
            ids.append(self._debugger.break_on_op(op, forward, backward))
        if module is not None:
            ids.append(self._debugger.break_on_module(module))
        if nan:
            self._debugger.break_on_nan(True)
        if grad_norm is not None:
            self._debugger.break_on_grad_norm(float(grad_norm))
        if when is not None:
            ids.append(self._debugger.break_when(when, getattr(when, "__name__", "condition")))
        return ids

    def break_at(self, file, line):
        """A line breakpoint: pauses before `line` of `file` (a path, matched by its real path) runs."""
        self._lines.add((os.path.realpath(os.fspath(file)), int(line)))

    def _tracer(self, frame, event, arg):
        """Per-line checkpoint in the worker: stop and pause requests and line breakpoints."""
        if event == "line":
            code = frame.f_code
            if self._lines and (self._real(code.co_filename), frame.f_lineno) in self._lines:
                self._debugger.pause_here(f"breakpoint at {os.path.basename(code.co_filename)}:{frame.f_lineno}",
                                          code.co_filename, frame.f_lineno)
            else:
                self._debugger.checkpoint()
        return self._tracer

    def _real(self, filename):
        real = self._real_paths.get(filename)
        if real is None:
            real = self._real_paths[filename] = os.path.realpath(filename)
        return real

    def run(self, function, *args, **kwargs):
        """Starts function(*args, **kwargs) on a worker thread under the debugger. Python lines
        in the worker honour stop and pause requests and line breakpoints (sys.settrace), and so
        does time.sleep."""
        if self._thread is not None:
            raise RuntimeError("this session already ran; make a new Session")

        def body():
            with _sleep_lock:
                _sleep_hooks[threading.get_ident()] = self._debugger
                time.sleep = _interruptible_sleep
            sys.settrace(self._tracer)
            try:
                self.result = function(*args, **kwargs)
                self._debugger.finish(False)
            except Cancelled:
                self.cancelled = True
                self._debugger.finish(False)
            except BaseException as error:  # reported to the controlling thread
                self.error = error
                self._debugger.finish(True)
            finally:
                sys.settrace(None)
                with _sleep_lock:
                    _sleep_hooks.pop(threading.get_ident(), None)
                    if not _sleep_hooks:
                        time.sleep = _original_sleep

        self._debugger.attach()
        if self._pause_at_start:
            self._debugger.request_pause()
        self._thread = threading.Thread(target=body, name="tapedeck-debug-run", daemon=True)
        self._thread.start()
        return self

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
        self._debugger.resume()
        return self.wait(timeout)

    def step_op(self, timeout=10.0):
        """Runs to the next tape entry (forward or backward)."""
        self._debugger.step("op")
        return self.wait(timeout)

    def step_backward_op(self, timeout=10.0):
        """Runs to the next backward step."""
        self._debugger.step("backward_op")
        return self.wait(timeout)

    def run_to_backward(self, timeout=10.0):
        """Runs to the start of the next backward()."""
        self._debugger.step("backward")
        return self.wait(timeout)

    def pause(self, timeout=10.0):
        """Asks the running function to pause at its next op."""
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
