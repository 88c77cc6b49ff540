#!/usr/bin/env bash
# Runs every benchmark binary of a build on one thread, then prints the combined table.
# Usage: bench/run.sh [BUILD_DIR]      (default: build/release; make bench calls it)
# Results: build/bench/results.json, or $TAPEDECK_BENCH_RESULTS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build="${1:-build/release}"
out="${TAPEDECK_BENCH_RESULTS:-build/bench/results.json}"
list="$build/bench/benches.txt"
if [ ! -f "$list" ]; then
  echo "bench/run.sh: no $list; configure and build with TAPEDECK_BUILD_BENCH=ON (cmake --preset release)" >&2
  exit 1
fi

# The budgets are per core. OpenBLAS and OpenMP read these when they load, so they are
# set here, before any bench binary starts.
export OPENBLAS_NUM_THREADS=1
export OMP_NUM_THREADS=1

# Debian's OpenBLAS 0.3.21 picks its kernels by CPU model and falls back to the slow
# generic "Prescott" ones on CPUs newer than it knows (e.g. Xeon family 6 model 207),
# even when they have AVX-512. Unless the caller chose a core, pick one from the CPU's
# flags. Both sides of a pair use the same BLAS, so ratios hold either way; the core in
# use is recorded in results.json ("blas").
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  has() { for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
  if has avx512f avx512cd avx512bw avx512dq avx512vl; then
    export OPENBLAS_CORETYPE=SkylakeX
  elif has avx2 fma; then
    export OPENBLAS_CORETYPE=Haswell
  fi
fi

mkdir -p "$(dirname "$out")"
rm -f "$out"
status=0
while IFS= read -r binary; do
  [ -n "$binary" ] || continue
  echo "== $(basename "$binary")"
  if ! "$binary" --out "$out"; then
    echo "bench/run.sh: $(basename "$binary") failed" >&2
    status=1
  fi
  echo
done < "$list"

# The Python rows (py_bench.py, debug_bench.py), when the build has the tapedeck module:
# Debian's python3.
if [ -d "$build/python/tapedeck" ]; then
  for script in py_bench.py debug_bench.py; do
    echo "== $script"
    if ! PYTHONPATH="$build/python" /usr/bin/python3 "bench/python/$script" --out "$out"; then
      echo "bench/run.sh: $script failed" >&2
      status=1
    fi
    echo
  done
fi

if [ -f "$out" ]; then
  echo "== all results"
  "$build/bench/tapedeck_bench_report" --out "$out"
else
  echo "bench/run.sh: no benchmark wrote $out" >&2
  status=1
fi
exit "$status"
