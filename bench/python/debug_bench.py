"""tapedeck.debug's stop, from Python: a user-facing ceiling with nothing to pair with
(bench/README.md):

  stop_latency  seconds from a stop request to the end of the debugged run (the worker
                thread has ended, the session finished and cancelled), in each of four
                situations, 10 runs each; the row is the worst situation's median, its
                spread the min and max of all runs; reference null               max <= 1.0

The situations, each entered and held 0.2 s (plus a random 0-50 ms, so the request falls at
any phase of a periodic check) before the stop is requested:

  python_loop  a pure Python loop (`while True: n += 1`)
  engine       one long backward: a retained chain of 256x256 matmuls, sized so its
               backward takes about 2 s here (no Python runs inside it)
  sleep        inside time.sleep(60)
  paused       paused (Session(pause_at_start=True), after wait() returned the pause)

The latency is counted from the moment the stop is due (the run entered its situation,
plus the hold), not from the moment the controlling thread manages to call stop(): a
thread that cannot get the GIL (the worker holds it inside an engine call) cannot even
ask, and that wait is part of what a user sees. Both figures, and the wait between them,
are in the row's `details`. (The debugger observes every thread's ops, so this thread
runs none while a session is attached.)

A run that does not reach its situation, or has not ended 10 s after its stop request (or
ends without being cancelled), fails the script: the row is written as skipped with the
reason and the exit status is 1. A worker that holds the GIL so long that this script
cannot run at all is killed by faulthandler's watchdog (exit status 1, "Timeout" and every
thread's stack on stderr).

Usage: PYTHONPATH=<build>/python /usr/bin/python3 bench/python/debug_bench.py [--out results.json]
Rows are merged into the results file (rows of the same name replaced), as py_bench.py does.
"""
import argparse
import faulthandler
import inspect
import math
import os
import random
import statistics
import sys
import threading
import time

import tapedeck
from results import merge  # bench/python/results.py (the script's folder is on sys.path)

NAME = "stop_latency"
BINARY = "debug_bench.py"
BUDGET = 1.0          # seconds, bounds the worst run (a ceiling)
RUNS = 10             # per situation
SETTLE = 0.2          # seconds in the situation before the stop is requested, plus
JITTER = 0.05         # a random 0-50 ms, so the request falls at any phase of a periodic check
STOP_TIMEOUT = 10.0   # seconds to reach the situation, and to end after the stop request
BACKWARD_TARGET = 2.0  # seconds the engine situation's backward takes (sized at start-up)
CHAIN_SIZE = 256       # the engine chain's square matrices
CHAIN_STEPS = (200, 8000)  # bounds on its length (8,000 steps keep about 2 GB alive)


class Failure(Exception):
    """A run that did not reach its situation or did not end after its stop request."""


def _sleep_until(deadline):
    left = deadline - time.perf_counter()
    if left > 0:
        time.sleep(left)


def _frames_of(thread):
    """The code names on `thread`'s stack, innermost first, with their current lines."""
    frame = sys._current_frames().get(thread.ident)
    names = []
    while frame is not None:
        names.append((frame.f_code.co_name, frame.f_lineno))
        frame = frame.f_back
    return names


def _line_of(function, text):
    lines, start = inspect.getsourcelines(function)
    for offset, line in enumerate(lines):
        if text in line:
            return start + offset
    raise LookupError(f"{text!r} is not in {function.__name__}")


# --- the situations: the worker's program, and a check that it is in the situation ---

def spin(mark, box):
    mark()
    n = 0
    while True:
        n += 1


def sleeper(mark, box):
    mark()
    time.sleep(60)  # SLEEP LINE
    box["slept"] = time.perf_counter()


class PythonLoop:
    name = "python_loop"
    paused = False
    program = staticmethod(spin)

    def setup(self):
        return "while True: n += 1"

    def check(self, session, box, request):
        if "spin" not in {name for name, _ in _frames_of(session._thread)}:
            raise Failure(f"the worker is not in its loop at the stop request ({_frames_of(session._thread)})")

    def after(self, box, request):
        pass


class Sleep:
    name = "sleep"
    paused = False
    program = staticmethod(sleeper)

    def setup(self):
        self.line = _line_of(sleeper, "SLEEP LINE")
        return "time.sleep(60)"

    def check(self, session, box, request):
        frames = _frames_of(session._thread)
        if "slept" in box or ("sleeper", self.line) not in frames:
            raise Failure(f"the worker is not inside time.sleep(60) at the stop request ({frames})")

    def after(self, box, request):
        pass


class Engine:
    name = "engine"
    paused = False

    @staticmethod
    def chain(steps):
        """sum(x @ w @ w ... @ w), `steps` matmuls; w = J/n keeps the values finite and normal."""
        w = tapedeck.full((CHAIN_SIZE, CHAIN_SIZE), 1.0 / CHAIN_SIZE)
        x = tapedeck.ones(CHAIN_SIZE, CHAIN_SIZE, requires_grad=True)
        y = x
        for _ in range(steps):
            y = y @ w
        return y.sum()

    def setup(self):
        # Built here, on this thread, before any session attaches; each run only walks it back.
        probe = self.chain(100)
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            probe.backward(retain_graph=True)
            seconds.append(time.perf_counter() - start)
        del probe
        per_step = min(seconds) / 100
        self.steps = max(CHAIN_STEPS[0], min(CHAIN_STEPS[1], math.ceil(BACKWARD_TARGET / per_step)))
        self.loss = self.chain(self.steps)
        self.backward_seconds = []
        return (f"backward over a retained chain of {self.steps} {CHAIN_SIZE}x{CHAIN_SIZE} matmuls "
                f"(about {self.steps * per_step:.2f} s expected)")

    def program(self, mark, box):
        mark()
        # One line: a stop that lands only after the backward returned (at the next line
        # event) still finds the end recorded.
        self.loss.backward(retain_graph=True); box["backward_end"] = time.perf_counter()  # noqa: E702
        n = 0
        while True:  # the stop lands here when it could not land inside the backward
            n += 1

    def check(self, session, box, request):
        pass  # with the worker inside the backward, this thread may not even run; see after()

    def after(self, box, request):
        end = box.get("backward_end")
        if end is not None:
            self.backward_seconds.append(end - box["entered"])
            if end <= request:
                raise Failure(f"the backward ended {request - end:.3f} s before the stop request "
                              f"({end - box['entered']:.3f} s long): the chain is too short")


class Paused:
    name = "paused"
    paused = True
    program = staticmethod(spin)

    def setup(self):
        return "Session(pause_at_start=True), paused"

    def check(self, session, box, request):
        if session.state != "paused":
            raise Failure(f"the run is {session.state}, not paused, at the stop request")

    def after(self, box, request):
        pass


SITUATIONS = {s.name: s for s in (PythonLoop, Engine, Sleep, Paused)}


def stop_once(situation, settle):
    """One run: start, enter the situation, hold it `settle` s, stop; (seconds from the due
    stop request to the end, seconds from the stop() call to the end)."""
    entered = threading.Event()
    box = {}

    def mark():
        box["entered"] = time.perf_counter()
        entered.set()

    session = tapedeck.debug.Session(pause_at_start=situation.paused)
    # The last resort: a worker that never lets this thread run again (the GIL held in an
    # engine call) still ends the process. Re-armed below once the situation is reached.
    faulthandler.dump_traceback_later(STOP_TIMEOUT + 5.0, exit=True)
    try:
        session.run(situation.program, mark, box)
        if situation.paused:
            pause = session.wait(STOP_TIMEOUT)
            if pause is None or session.state != "paused":
                raise Failure(f"no pause within {STOP_TIMEOUT} s (state {session.state}, error {session.error!r})")
            mark()
        elif not entered.wait(STOP_TIMEOUT):
            raise Failure(f"the run did not reach its situation within {STOP_TIMEOUT} s "
                          f"(state {session.state}, error {session.error!r})")
        faulthandler.dump_traceback_later(settle + STOP_TIMEOUT + 5.0, exit=True)
        request = box["entered"] + settle
        _sleep_until(request)
        situation.check(session, box, request)
        called = time.perf_counter()
        session._debugger.stop()
        session._thread.join(STOP_TIMEOUT)
        ended = time.perf_counter()
        if session._thread.is_alive():
            raise Failure(f"the run had not ended {ended - request:.1f} s after the stop request "
                          f"(state {session.state})")
        if not session.cancelled or session.state != "finished":
            raise Failure(f"the run ended without being cancelled (state {session.state}, "
                          f"cancelled {session.cancelled}, error {session.error!r})")
        situation.after(box, request)
        return ended - request, ended - called
    finally:
        faulthandler.cancel_dump_traceback_later()
        if session._thread is None or not session._thread.is_alive():
            session.join(1.0)  # detaches the debugger


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def fail(path, message):
    """Writes the row as skipped with the reason and leaves at once (a run may still be stuck)."""
    print(f"{BINARY}: {NAME}: {message}", file=sys.stderr, flush=True)
    merge(path, [{"name": NAME, "skipped": True, "reason": f"failed: {message}", "unit": "s", "tapedeck": None,
                  "reference": None, "ratio": None, "spread": None, "budget": BUDGET, "within_budget": None,
                  "binary": BINARY}])
    sys.stdout.flush()
    os._exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.environ.get("TAPEDECK_BENCH_RESULTS") or "build/bench/results.json")
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per situation (at least 10 for the row)")
    parser.add_argument("--situations", default=",".join(SITUATIONS))
    args = parser.parse_args()

    per = {}
    rng = random.Random(0)
    print(f"{NAME}: seconds from the due stop request to the run's end, {args.runs} runs per situation")
    for name in args.situations.split(","):
        situation = SITUATIONS[name]()
        what = situation.setup()
        print(f"  {name:<12}{what}", flush=True)
        latencies, from_call = [], []
        for run in range(args.runs):
            try:
                latency, after_call = stop_once(situation, SETTLE + rng.uniform(0.0, JITTER))
            except Failure as error:
                fail(args.out, f"{name}, run {run + 1}: {error}")
            latencies.append(latency)
            from_call.append(after_call)
        delays = [a - b for a, b in zip(latencies, from_call)]
        per[name] = dict(summary(latencies), what=what, runs=len(latencies),
                         from_call_median=statistics.median(from_call), from_call_max=max(from_call),
                         call_delay_median=statistics.median(delays), call_delay_max=max(delays))
        if getattr(situation, "backward_seconds", None):
            per[name]["backward_median"] = statistics.median(situation.backward_seconds)
        del situation  # the engine chain

    worst = max(per, key=lambda n: per[n]["median"])
    low, high = min(p["min"] for p in per.values()), max(p["max"] for p in per.values())
    row = {"name": NAME, "tapedeck": per[worst]["median"], "reference": None, "unit": "s", "ratio": None,
           "spread": [low, high], "budget": BUDGET, "within_budget": high <= BUDGET, "samples": args.runs,
           "binary": BINARY,
           "details": {"worst": worst, "max": high, "runs_per_situation": args.runs,
                       "settle_s": [SETTLE, SETTLE + JITTER],
                       "measured_from": "the due stop request (situation entered + settle_s, uniform in that "
                                        "range); from_call_*: from the stop() call; call_delay_*: the wait "
                                        "between the two",
                       "situations": per}}

    print(f"  {'situation':<12}{'median':>9}{'max':>9}  {'from stop()':>11}{'max':>9}  {'wait to call':>12}")
    for name, p in per.items():
        print(f"  {name:<12}{p['median']:>9.4f}{p['max']:>9.4f}  {p['from_call_median']:>11.4f}"
              f"{p['from_call_max']:>9.4f}  {p['call_delay_median']:>12.4f}"
              + (f"   (backward {p['backward_median']:.2f} s)" if "backward_median" in p else ""))
    print(f"{'name':<14}{'tapedeck':>10}{'reference':>11}  unit  {'ratio':>6}  spread            budget")
    print(f"{NAME:<14}{row['tapedeck']:>10.4f}{'-':>11}  s     {'-':>6}  {low:.4f} .. {high:.4f}  max <= {BUDGET}  "
          f"{'ok' if row['within_budget'] else 'OVER BUDGET'}  (worst: {worst}; max {high:.4f} s)")
    merge(args.out, [row])
    return 0


if __name__ == "__main__":
    sys.exit(main())
