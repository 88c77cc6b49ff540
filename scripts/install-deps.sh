#!/usr/bin/env bash
# The one list of Tapedeck's system dependencies (Debian 12).
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
  # IDE
  qt6-base-dev qt6-svg-dev libqcustomplot-dev
  # reference tools the tests and benchmarks compare against
  python3-torch libtorch-dev graphviz dataset-fashion-mnist
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [ "$status" != "installed" ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
