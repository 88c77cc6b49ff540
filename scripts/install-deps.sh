#!/usr/bin/env bash
# The one list of Tapedeck's system dependencies (Debian 12).
# Usage: scripts/install-deps.sh [--fuzz]
# Idempotent: asks dpkg what is already there and calls apt-get only for what is missing.
set -euo pipefail

PACKAGES=(
  # build
  cmake g++ ninja-build make ccache pkg-config
  # engine
  libopenblas-dev nlohmann-json3-dev zlib1g-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # Python front
  python3-dev pybind11-dev python3-numpy python3-pytest
  # IDE (python3-matplotlib: a script's plt.show() lands in the Plots dock)
  qt6-base-dev qt6-svg-dev libqcustomplot-dev python3-matplotlib
  # reference tools the tests and benchmarks compare against
  python3-torch libtorch-dev graphviz dataset-fashion-mnist
  # the de_DE.UTF-8 locale the CSV test reads and writes under (generated below)
  locales
)
# --fuzz adds what `make fuzz` needs (libFuzzer comes with clang 16's runtime; clang 14
# lacks std::source_location). The test command does not need them.
if [ "${1:-}" = "--fuzz" ]; then
  PACKAGES+=(clang-16 libclang-rt-16-dev llvm-16)  # llvm-16: llvm-symbolizer for readable reports
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# A locale with a decimal comma, so the CSV test proves that parsing and writing ignore
# the locale (locales ships its source; Debian generates none by default).
if ! locale -a 2>/dev/null | grep -qix 'de_DE.utf-\?8'; then
  echo "install-deps: generating the de_DE.UTF-8 locale"
  $SUDO localedef -i de_DE -f UTF-8 de_DE.UTF-8
fi
