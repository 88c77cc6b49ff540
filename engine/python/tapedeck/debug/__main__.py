"""python3 -m tapedeck.debug [options] script.py [args...]

Runs a script (`import torch` giving tapedeck, as under `python3 -m tapedeck.run`) under
the debugger until the first data breakpoint (the first NaN or Inf made by any op, forward
or backward; with --grad-norm, a gradient norm above a limit), then prints the entry, its
source line, its inputs' statistics and the chain of ops that led to it, and stops the
run. The script runs on the main thread at nearly full speed (lines are not traced).
Exit status: 0 when the script finished with no stop, 1 after a stop or when the script
raised, 2 for a usage error.
"""
import argparse
import builtins
import linecache
import math
import os
import sys
import threading
import traceback
import types

from . import Session

_STAT_KEYS = ("min", "max", "mean", "std", "norm")


def _limit(text):
    """--grad-norm: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0 or math.isinf(value):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _count(text):
    """--chain: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _parse(argv, prog):
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run a script until the first NaN or Inf (or a gradient norm above a limit) and show "
                    "where it came from.")
    parser.add_argument("--grad-norm", type=_limit, metavar="LIMIT",
                        help="also stop at a backward step whose input-gradient norm exceeds LIMIT")
    parser.add_argument("--no-nan", action="store_true", help="do not stop at NaN or Inf (with --grad-norm)")
    parser.add_argument("--chain", type=_count, default=8, metavar="N", help="ops shown in the chain (default 8)")
    parser.add_argument("script", help="the Python script to run")
    # (REMAINDER positionals count as required: without this, a missing script was
    # reported as "the following arguments are required: script, args".)
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments").required = False
    return parser.parse_args(argv)


def _stats_text(stats):
    """One line of statistics (or why there are none)."""
    if stats is None:
        return "statistics not computed"
    parts = [f"{key} {stats[key]:.6g}" for key in _STAT_KEYS] if stats["finite"] else ["no finite values"]
    if stats["finite"] and stats["nans"] + stats["infs"]:
        parts[0] = f"(of the {stats['finite']} finite) " + parts[0]
    parts += [f"nan {stats['nans']}", f"inf {stats['infs']}", f"zeros {stats['zeros']}"]
    return "  ".join(parts)


def _tensor_text(label, record):
    dtype = str(record["dtype"]).replace("tapedeck.", "")
    shape = "[" + ", ".join(str(size) for size in record["shape"]) + "]"
    return f"    {label:<9} {shape} {dtype}  {_stats_text(record['stats'])}"


def _where(entry):
    if not entry["file"]:
        return "(no source line)"
    where = f"{entry['file']}:{entry['line']}"
    return where + (f" in {entry['function']}" if entry["function"] else "")


def _source_line(entry):
    text = linecache.getline(entry["file"], entry["line"]).rstrip() if entry["file"] else ""
    return f"      {entry['line']:>4} | {text.strip()}" if text else None


def report(session, pause, chain_length=8, out=sys.stdout):
    """Prints the paused entry: what stopped, its line, its tensors' statistics and the ops
    that led to it (from the recorder)."""
    print(f"tapedeck.debug: {pause['description']}", file=out)
    entry = session.recorder.entry(pause["entry"], values=False) if pause.get("entry") else None
    if entry is None:
        print(f"  at {pause['file']}:{pause['line']} (the recorder has no entry for it)", file=out)
        return
    scope = f", module {entry['scope']}" if entry["scope"] else ""
    print(f"  entry #{entry['entry']} {entry['op']} ({pause['direction']}), iteration {entry['iteration']}{scope}",
          file=out)
    print(f"  at {_where(entry)}", file=out)
    line = _source_line(entry)
    if line:
        print(line, file=out)
    print("  inputs:", file=out)
    for i, record in enumerate(entry["inputs"]):
        print(_tensor_text(f"input {i}", record), file=out)
    print("  outputs:", file=out)
    for i, record in enumerate(entry["outputs"]):
        print(_tensor_text(f"output {i}", record), file=out)
    if pause["direction"] == "backward":
        print("  gradients:", file=out)
        for i, record in enumerate(entry["grad_outputs"]):
            print(_tensor_text(f"d out {i}", record), file=out)
        for i, record in enumerate(entry["grad_inputs"]):
            if record["id"]:
                print(_tensor_text(f"d in {i}", record), file=out)
    chain = session.recorder.ancestors(entry["entry"], chain_length)
    if chain:
        print("  ops that led to it (nearest first):", file=out)
        for ancestor_id in chain:
            ancestor = session.recorder.entry(ancestor_id, values=False)
            if ancestor is None:
                continue
            outputs = "; ".join(_stats_text(o["stats"]) for o in ancestor["outputs"][:1])
            # Where it ran when that is not where the stop is: a module, an earlier iteration
            # (a parameter's NaN often comes from the previous step's update).
            context = [f"module {ancestor['scope']}"] if ancestor["scope"] else []
            if ancestor["iteration"] != entry["iteration"]:
                context.append(f"iteration {ancestor['iteration']}")
            context = f"  ({', '.join(context)})" if context else ""
            print(f"    #{ancestor['entry']:<6} {ancestor['op']:<14} {_where(ancestor)}{context}", file=out)
            print(f"            output: {outputs}", file=out)


def _script_frames(tb):
    """A traceback from the script's first frame on: without this runner's and the
    debugger's own frames, which the user did not write."""
    here = os.path.dirname(os.path.abspath(__file__))
    first = tb
    while first is not None and os.path.dirname(os.path.abspath(first.tb_frame.f_code.co_filename)) == here:
        first = first.tb_next
    return first if first is not None else tb


def main(argv=None, prog="python3 -m tapedeck.debug"):
    """`prog` names the command in usage and errors (the IDE's executable: "tapedeck debug")."""
    options = _parse(sys.argv[1:] if argv is None else argv, prog)
    if options.no_nan and options.grad_norm is None:
        print("tapedeck.debug: --no-nan leaves nothing to stop at; give --grad-norm LIMIT too", file=sys.stderr)
        return 2
    path = os.path.abspath(options.script)
    try:
        with open(path, "rb") as handle:
            code = compile(handle.read(), path, "exec")
    except OSError as error:
        print(f"tapedeck.debug: cannot read the script {options.script}: {error.strerror}", file=sys.stderr)
        return 2
    except SyntaxError:
        traceback.print_exc(limit=0)
        return 1

    def run_script():
        """The script as the real __main__ module (so pickle finds its classes), with its own
        argv and its folder first on sys.path."""
        sys.argv = [path] + list(options.args)
        sys.path.insert(0, os.path.dirname(path))
        main_module = types.ModuleType("__main__")
        main_module.__file__ = path
        main_module.__builtins__ = builtins
        sys.modules["__main__"] = main_module
        exec(code, main_module.__dict__)

    session = Session()
    session.break_on(nan=not options.no_nan, grad_norm=options.grad_norm)
    # The script runs on this thread, as under python3: on Python's main thread its lines are
    # traced only where a step needs it (nothing here), so it runs at nearly full speed, and
    # Ctrl-C interrupts it as usual. A helper thread waits for the first stop, reports it
    # while the script stands paused, and stops the run.
    reported = []
    ended = threading.Event()

    def report_first_stop():
        while not ended.is_set():
            pause = session.wait(timeout=0.05)
            if pause is not None:
                reported.append(pause)
                try:
                    sys.stdout.flush()
                    report(session, pause, options.chain)
                except Exception:  # (a bug of ours): say so, and still end the paused run
                    print("tapedeck.debug: the report failed:", file=sys.stderr)
                    traceback.print_exc()
                finally:
                    session._debugger.stop()  # the paused script gets Cancelled
                return

    reporter = threading.Thread(target=report_first_stop, name="tapedeck-debug-report", daemon=True)
    reporter.start()
    try:
        session.run_here(run_script, lazy_trace=threading.current_thread() is threading.main_thread())
    finally:
        ended.set()
        reporter.join()
    if reported:
        return 1
    error = session.error
    if isinstance(error, KeyboardInterrupt):
        print("tapedeck.debug: interrupted; the script stopped", file=sys.stderr)
        return 1
    if isinstance(error, SystemExit):
        return error.code if isinstance(error.code, int) else (0 if error.code is None else 1)
    if error is not None:
        traceback.print_exception(type(error), error, _script_frames(error.__traceback__))
        return 1
    print("tapedeck.debug: the script finished with no NaN or Inf", file=sys.stderr)
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "tapedeck-debug-main"
    # As `python3 -m tapedeck.run` and `tapedeck debug`: `import torch` gives tapedeck (with
    # PyTorch itself the debugger would see no op).
    from ..run import alias_torch
    alias_torch()
    sys.exit(main())
