#!/usr/bin/env bash
# The tapedeck executable's command line, headless: --version, --help, an unknown option,
# no display (unset, not answering, or a platform that cannot start), `tapedeck run` on two Python samples (output and a tape line per iteration),
# a failing script's status and traceback, `tapedeck debug` stopping at a NaN, and the
# OpenBLAS kernels chosen for the CPU.
# Usage: cli_test.sh <tapedeck> <samples/python folder> <scratch folder>
set -u
tapedeck=$1 samples=$2 scratch=$3
mkdir -p "$scratch"
failures=0
check() {  # check <name> <expected status> <regex the output must match> -- command...
  local name=$1 want=$2 pattern=$3
  shift 4
  local out status
  out=$("$@" 2>&1)
  status=$?
  if [ "$status" -ne "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: status $status (want $want), output must match /$pattern/:"
    tail -n 20 <<<"$out"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}
check version 0 '^tapedeck [0-9]+\.[0-9]+' -- "$tapedeck" --version
check help 0 'tapedeck run script.py' -- "$tapedeck" --help
check unknown-option 2 "unknown option '--bogus'" -- "$tapedeck" --bogus
check no-display 2 'no display.*|tapedeck run' -- env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$tapedeck"
# A display that is set but where nothing answers (no X server at :197), and a platform
# plugin that cannot start: the same advice and status, never an abort.
check no-x-server 2 'no X server answers at DISPLAY=:197.*' -- env -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM DISPLAY=:197 "$tapedeck"
check no-platform-plugin 2 'platform plugin could not start' -- env QT_QPA_PLATFORM=no-such-platform "$tapedeck"
check run-usage 2 'usage: tapedeck run' -- "$tapedeck" run
check run-xor 0 '\[tape\] iteration 0: [0-9]+ ops forward, [0-9]+ steps backward' -- "$tapedeck" run "$samples/xor_mlp.py"
check run-linreg 0 '\[tape\] iteration [0-9]+: ' -- "$tapedeck" run "$samples/linreg.py"
printf 'import sys\nprint("args", sys.argv[1:])\ndef f():\n    raise ValueError("bad value")\nf()\n' > "$scratch/fails.py"
check run-args-and-failure 1 'ValueError: bad value' -- "$tapedeck" run "$scratch/fails.py" one two
check run-args 1 "args \['one', 'two'\]" -- "$tapedeck" run "$scratch/fails.py" one two
check run-missing 2 'cannot read the script' -- "$tapedeck" run "$scratch/missing.py"
printf 'import torch\nx = torch.tensor([1.0, -1.0])\ny = torch.log(x)\nprint("after")\n' > "$scratch/nan.py"
check debug-nan 1 'log' -- "$tapedeck" debug "$scratch/nan.py"
check debug-usage 2 'usage: tapedeck debug ' -- "$tapedeck" debug
# Where OpenBLAS fell back to generic kernels, tapedeck starts again with the right ones
# named; a core the user named is left alone.
printf 'import os
from tapedeck import _C
print("core", _C.blas_core(), "better", _C.better_blas_core(), os.environ.get("OPENBLAS_CORETYPE"))
' > "$scratch/core.py"
check blas-core 0 'better None' -- "$tapedeck" run "$scratch/core.py"
check blas-core-named 0 'core Haswell .* Haswell$' -- env OPENBLAS_CORETYPE=Haswell "$tapedeck" run "$scratch/core.py"
exit $((failures > 0))
