"""The IDE's side of a debugged run, in Python. The IDE's runner thread (Python's main thread
in the embedded interpreter) makes a ScriptRun and calls execute(); the GUI thread drives
the C++ debugger (pause, step, stop) and asks for what needs Python (the paused frame's
variables, an expression, a line step) as jobs the paused thread serves itself
(Debugger.serve), so the GUI never waits for the GIL.

Each run gets a fresh __main__, the user's own modules dropped from sys.modules, grad mode
on, the random seed reset, `import torch` resolving to tapedeck, its own sys.argv, and the
script's folder as sys.path[0] and working directory.
"""
import builtins
import contextlib
import ctypes
import io
import os
import reprlib
import sys
import threading
import time
import traceback
import types

from .. import _C
from . import Session, _PACKAGE, _untraced

# Modules present before the first run (the interpreter's, tapedeck's): never dropped.
_baseline = None
_SYSTEM_PREFIXES = tuple({os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
                         | {"/usr/lib/python3/", "/usr/local/lib/python3"})
_DEFAULT_SEED = 0

_repr = reprlib.Repr()
_repr.maxstring = 120
_repr.maxother = 120
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 8


def _user_module(module):
    """Whether `module` is the user's own (a file outside the system's and tapedeck's folders)."""
    path = getattr(module, "__file__", None)
    if not path:
        return False
    real = os.path.realpath(path)
    return not real.startswith(_SYSTEM_PREFIXES) and not real.startswith(os.path.realpath(_PACKAGE))


def reset_interpreter():
    """Drops the user's modules from sys.modules, and resets grad mode and the seed."""
    global _baseline
    if _baseline is None:
        _baseline = set(sys.modules)
    for name, module in list(sys.modules.items()):
        if name not in _baseline and module is not None and _user_module(module):
            del sys.modules[name]
    import tapedeck
    tapedeck.set_grad_enabled(True)
    tapedeck.manual_seed(_DEFAULT_SEED)
    tapedeck.clear_log()  # a run's logged scalars start afresh
    from ..run import alias_torch
    alias_torch()


_current = None  # the ScriptRun executing now (input() honours its stop and pause requests)


class ConsoleStream(io.TextIOBase):
    """sys.stdout or sys.stderr inside the IDE: text goes to the console as written."""

    def __init__(self, host, number, name):
        super().__init__()
        self._host, self._number, self.name = host, number, name

    @property
    def encoding(self):
        return "utf-8"

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._host.write(self._number, text)
        return len(text)

    def isatty(self):
        return False


def install_console(host):
    """Sends sys.stdout and sys.stderr to the IDE's console and makes input() read from it.
    `host` is the IDE's embedded module (write, read_line, request_input)."""
    sys.stdout = ConsoleStream(host, 1, "<stdout>")
    sys.stderr = ConsoleStream(host, 2, "<stderr>")
    # tapedeck.log(name, value, step) scalars go to the Curves dock as they are logged.
    from .. import logging as scalar_log
    scalar_log.add_log_listener(host.log_scalar)
    # matplotlib draws off screen and plt.show() sends the figures to the Plots dock.
    from . import mpl_pin
    os.environ["MPLBACKEND"] = mpl_pin.BACKEND
    mpl_pin.install()  # and there it stays, whatever a script asks for

    def console_input(prompt=""):
        prompt = str(prompt)
        if prompt:
            sys.stdout.write(prompt)
        host.request_input(prompt)
        while True:
            line = host.read_line(0.05)
            if line is not None:
                return line
            run = _current
            if run is not None:
                run.session._debugger.checkpoint()  # Stop and Pause reach a script waiting here

    builtins.input = console_input


@contextlib.contextmanager
def script_environment(path, argv):
    """What a script sees, as under `python3 script.py`: a fresh __main__ (its namespace is
    yielded), sys.argv, its folder first on sys.path and as the working directory; with the
    user's modules dropped, grad mode on, the seed reset and `import torch` giving tapedeck.
    All restored afterwards but the module resets."""
    reset_interpreter()
    old_main, old_argv, old_path0, old_cwd = sys.modules.get("__main__"), sys.argv, sys.path[0], os.getcwd()
    main = types.ModuleType("__main__")
    main.__file__ = path
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    sys.argv = list(argv)
    folder = os.path.dirname(path)
    sys.path[0] = folder
    try:
        try:
            os.chdir(folder)
        except OSError:
            pass
        yield main.__dict__
    finally:
        sys.modules["__main__"] = old_main
        sys.argv, sys.path[0] = old_argv, old_path0
        try:
            os.chdir(old_cwd)
        except OSError:
            pass


def _user_traceback(error, path):
    """The traceback of `error` without the debugger's and tapedeck's own frames."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if f.filename == path or not (_untraced(f.filename) or f.filename.startswith(_PACKAGE))]
    text = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) + \
        "".join(traceback.format_exception_only(type(error), error))
    return text, (frames[-1] if frames else None)


def run_plain(path, argv=()):
    """Runs a script with no debugger (`tapedeck run`); returns its exit status. A syntax
    error or an exception prints its traceback to stderr (status 1)."""
    path = os.path.abspath(path)
    try:
        with open(path, encoding="utf-8") as file:
            source = file.read()
    except (OSError, UnicodeDecodeError) as error:
        print(f"tapedeck run: cannot read the script {path}: {getattr(error, 'strerror', None) or error}",
              file=sys.stderr)
        return 2
    with script_environment(path, [path] + [str(a) for a in argv]) as namespace:
        try:
            exec(compile(source, path, "exec"), namespace)
        except SystemExit as exit_:
            code = exit_.code
            if code is None or isinstance(code, int):
                return code or 0
            print(code, file=sys.stderr)
            return 1
        except SyntaxError as error:
            sys.stderr.write("".join(traceback.format_exception_only(type(error), error)))
            return 1
        except BaseException as error:  # the script's failure: reported like python3 does
            sys.stderr.write(_user_traceback(error, path)[0])
            return 1
    return 0


class ScriptRun:
    """One run of a script: execute() on the runner thread; the rest on the paused thread."""

    def __init__(self, path, argv=(), source=None, pause_at_start=False, run_to=None, budget_bytes=256 << 20,
                 previous_iterations=2, keep="values"):
        """run_to: (file, line) to run to, as Run to Cursor from an idle IDE. budget_bytes,
        previous_iterations and keep: what the recorder keeps (Session)."""
        self.path = os.path.abspath(path)
        self.argv = [self.path] + [str(a) for a in argv]
        self.source = source
        self.session = Session(pause_at_start=pause_at_start, record=True, budget_bytes=budget_bytes,
                               previous_iterations=previous_iterations, keep=keep)
        # Lines are traced only where breakpoints and steps need it, when executed on Python's
        # main thread: the IDE's Pause and Stop reach pure Python code there through pending
        # calls (pause_now, stop_now). None: decided by the executing thread; False: always trace.
        self.lazy_trace = None
        # Attached now, so a pause or stop asked for before execute() starts is kept.
        self.session._debugger.attach()
        if run_to is not None:
            self.session._step = self.session.line_step("to", run_to[0], run_to[1])
        self.outcome = None  # after execute(): a dict (status, message, traceback, exit_code)

    def set_line_breakpoints(self, breakpoints):
        """Replaces the line breakpoints: (file, line, condition or None) triples. Returns one
        message per breakpoint whose condition does not compile (that breakpoint is skipped)."""
        self.session.clear_breaks_at()
        problems = []
        for file, line, condition in breakpoints:
            try:
                self.session.break_at(file, line, condition or None)
            except SyntaxError as error:
                problems.append(f"{os.path.basename(file)}:{line}: the condition `{condition}` is not an "
                                f"expression: {error.msg}")
            except ValueError as error:  # not a line number
                problems.append(str(error))
        return problems

    def execute(self):
        """Runs the script to its end (or a stop); returns and keeps self.outcome."""
        global _current
        _current = self
        try:
            return self._execute()
        finally:
            _current = None

    def _execute(self):
        source = self.source
        if source is None:
            with open(self.path, encoding="utf-8") as file:
                source = file.read()
        with script_environment(self.path, self.argv) as namespace:
            try:
                code = compile(source, self.path, "exec")
            except SyntaxError as error:
                text = "".join(traceback.format_exception_only(type(error), error))
                self.outcome = {"status": "failed", "message": f"SyntaxError: {error.msg}", "traceback": text,
                                "exit_code": 1, "file": error.filename or self.path, "line": error.lineno or 0}
                return self.outcome
            start = time.perf_counter()
            lazy = self.lazy_trace
            if lazy is None:
                lazy = threading.current_thread() is threading.main_thread()
            self.session.run_here(exec, code, namespace, lazy_trace=lazy)
            seconds = time.perf_counter() - start
            try:
                with _C._debug.unobserved():
                    modules = module_rows(namespace)
            except Exception:  # the module view is a convenience: never fail a run for it
                modules = []
        self.outcome = self._outcome()
        self.outcome["modules"] = modules
        self.outcome["seconds"] = seconds  # the script's own time (the IDE's overhead bench)
        return self.outcome

    def _outcome(self):
        session = self.session
        if session.cancelled:
            return {"status": "stopped", "message": "stopped", "traceback": "", "exit_code": 0}
        error = session.error
        if error is None:
            return {"status": "finished", "message": "finished", "traceback": "", "exit_code": 0}
        if isinstance(error, SystemExit):
            code = error.code
            if code is None or isinstance(code, int):
                code = code or 0
                return {"status": "finished" if code == 0 else "failed", "message": f"exit status {code}",
                        "traceback": "", "exit_code": code}
            return {"status": "failed", "message": str(code), "traceback": str(code) + "\n", "exit_code": 1}
        text, last = _user_traceback(error, self.path)
        return {"status": "failed", "message": f"{type(error).__name__}: {error}", "traceback": text,
                "exit_code": 1, "file": last.filename if last else self.path, "line": last.lineno if last else 0}

    # --- served by the paused thread (jobs) --------------------------------------------

    def _stack(self):
        """The paused thread's frames (innermost last) without the debugger's, and the index of
        the paused one (the line's frame, or the innermost outside tapedeck)."""
        # Where the thread paused: a job served from Python knows it; one called from C++ (the
        # IDE's) runs right on top of the paused frame, under untraced frames only.
        frame = _C._debug.paused_frame() or sys._getframe()
        frames = []
        while frame is not None:
            if not _untraced(frame.f_code.co_filename):
                frames.append(frame)
            frame = frame.f_back
        frames.reverse()
        try:
            current = self.session._current_frame("inspect")
        except RuntimeError:
            current = None
        index = next((i for i, f in enumerate(frames) if f is current), len(frames) - 1)
        return frames, index

    def snapshot(self, frame_index=-1):
        """The call stack and the variables of one frame (default: the paused one), as plain
        data: {'frames': [{'file', 'line', 'function'}], 'selected': i, 'variables': [...]}."""
        frames, selected = self._stack()
        if 0 <= frame_index < len(frames):
            selected = frame_index
        variables, modules = [], []
        if frames:
            frame = frames[selected]
            with _C._debug.unobserved():
                variables = _variables(frame)
                modules = module_rows(frame.f_locals, frame.f_globals)
        return {"frames": [{"file": f.f_code.co_filename, "line": f.f_lineno, "function": f.f_code.co_qualname}
                           for f in frames],
                "selected": selected, "variables": variables, "modules": modules}

    def evaluate(self, text, frame_index=-1):
        """Evaluates an expression (or runs a statement) in a paused frame; returns what to
        print: the value's repr, the statement's output, or the error."""
        frames, selected = self._stack()
        if 0 <= frame_index < len(frames):
            selected = frame_index
        if not frames:
            return "(no Python frame to evaluate in)"
        frame = frames[selected]
        out = io.StringIO()
        old_stdout = sys.stdout
        sys.stdout = out
        try:
            with _C._debug.unobserved():
                try:
                    value = eval(compile(text, "<console>", "eval"), frame.f_globals, frame.f_locals)
                    if value is not None:
                        print(repr(value))
                except SyntaxError:
                    exec(compile(text, "<console>", "exec"), frame.f_globals, frame.f_locals)
                    if frame.f_code.co_flags & 0x2:  # CO_NEWLOCALS: a function's frame keeps the change
                        ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
        except Exception as error:
            print("".join(traceback.format_exception_only(type(error), error)).rstrip())
        finally:
            sys.stdout = old_stdout
        return out.getvalue()

    def pause_now(self):
        """(A pending call on the executing thread: Pause.) Pauses at the running line."""
        self.session.pause_now()

    def stop_now(self):
        """(A pending call on the executing thread: Stop.) Raises Cancelled in the script."""
        self.session.stop_now()

    def step(self, kind, file=None, line=None):
        """Arms a line step ('over', 'into', 'out', or 'to' file:line); the IDE then resumes."""
        self.session.set_line_step(kind, file, line)


_ITEM_BYTES = {"float32": 4, "float64": 8, "int64": 8, "bool": 1}


def _bytes(tensor):
    if not isinstance(tensor, _C.Tensor):
        return 0
    return tensor.numel() * _ITEM_BYTES.get(str(tensor.dtype).replace("tapedeck.", ""), 4)


def module_rows(*namespaces):
    """The nn.Module trees the namespaces hold (a frame's locals and globals): one plain row
    per module of each outermost model, with its own parameters (count, shapes, bytes), their
    gradients' bytes and the optimizer state kept for them (optimizers found beside it).
    Paths are relative to the model, as the tape's scopes are ("fc1", "layers.0.attn"); with
    several models, each but the first is prefixed with its variable name."""
    from ..nn import Module
    from ..optim import Optimizer
    models, optimizers, seen = [], [], set()
    for names in namespaces:
        for name, value in list(names.items()):
            if id(value) in seen:
                continue
            seen.add(id(value))
            if isinstance(value, Module):
                models.append((name, value))
            elif isinstance(value, Optimizer):
                optimizers.append(value)
    # Only outermost models: a module inside another one is listed through it.
    inner = {id(child) for _, model in models for _, child in model.named_modules() if child is not model}
    models = [(name, model) for name, model in models if id(model) not in inner]
    state_bytes = {}
    for optimizer in optimizers:
        try:
            engines = getattr(optimizer, "_engines", None)
            if engines is not None:  # the engine's optimizers: sizes without copying the state
                for group, engine in zip(optimizer.param_groups, engines):
                    for p, size in zip(group["params"], engine.state_bytes()):
                        state_bytes[id(p)] = state_bytes.get(id(p), 0) + size
                continue
            for p, entries in optimizer.state.items():  # a Python optimizer's own state
                state_bytes[id(p)] = state_bytes.get(id(p), 0) + sum(_bytes(v) for v in entries.values())
        except Exception:  # an optimizer in a state it cannot report: no state bytes
            continue
    rows = []
    for number, (variable, model) in enumerate(models):
        prefix = "" if number == 0 else variable
        for path, module in model.named_modules():
            full = ".".join(part for part in (prefix, path) if part)
            own = [(n, p) for n, p in module._parameters.items() if p is not None]
            rows.append({
                "path": full,
                "type": type(module).__name__,
                "parameters": sum(p.numel() for _, p in own),
                "shapes": [f"{n} {list(p.shape)}" for n, p in own],
                "parameter_bytes": sum(_bytes(p) for _, p in own),
                "gradient_bytes": sum(_bytes(p.grad) for _, p in own if p.grad is not None),
                "optimizer_bytes": sum(state_bytes.get(id(p), 0) for _, p in own),
            })
    return rows


def _variables(frame):
    """The frame's locals, then (for a function's frame) its module's globals, without modules,
    functions, classes and dunder names; each a dict of plain values."""
    rows = []
    seen = set()
    scopes = [("local", frame.f_locals)]
    if frame.f_code.co_flags & 0x2:
        scopes.append(("global", frame.f_globals))
    for scope, names in scopes:
        for name, value in list(names.items()):
            if name in seen or (name.startswith("__") and name.endswith("__")):
                continue
            if isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)):
                continue
            seen.add(name)
            rows.append(_describe(name, scope, value))
    return rows


def _describe(name, scope, value):
    row = {"name": name, "scope": scope, "type": type(value).__name__, "value": "", "shape": None,
           "dtype": None, "stats": None, "id": 0}
    if isinstance(value, _C.Tensor):
        row["shape"] = list(value.shape)
        row["dtype"] = str(value.dtype).replace("tapedeck.", "")
        row["stats"] = _C._debug.stats(value)
        row["id"] = value.id
        grad = value.grad if value.requires_grad else None
        extras = ", requires_grad" if value.requires_grad else ""
        extras += f", grad {list(grad.shape)}" if grad is not None else (", grad None" if value.requires_grad else "")
        row["value"] = f"tensor {list(value.shape)} {row['dtype']}{extras}"
        return row
    try:
        parameters = getattr(value, "parameters", None)
        if callable(parameters) and hasattr(value, "forward"):
            count = sum(p.numel() for p in parameters())
            row["value"] = f"{type(value).__name__} ({count} parameters)"
            return row
        row["value"] = _repr.repr(value)
    except Exception as error:  # a user's __repr__ that raises
        row["value"] = f"<repr failed: {type(error).__name__}>"
    return row
