# The two commands of the README, and the developer ones. Each installs the Debian
# packages it needs first (scripts/install-deps.sh is idempotent).
#   make run    build (dev preset) and run the main job: for now the tape_tour sample
#   make test   build (dev preset) and run every CTest label except gpu
#   make asan   the same under AddressSanitizer and UBSan (dev-asan preset)
#   make bench  build the release preset and run the benchmarks (bench/run.sh)
#   make clean  remove build/
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# CI=true (from the environment, which make passes to every command) turns a test that
# would skip for a missing Debian package into a failure; locally it is usually unset.

.PHONY: deps run test asan bench clean

deps:
	scripts/install-deps.sh

run: deps
	cmake --preset dev
	cmake --build --preset dev -j2 --target tape_tour
	build/dev/samples/cpp/tape_tour

test: deps
	cmake --preset dev
	cmake --build --preset dev -j2
	ctest --preset dev

asan: deps
	cmake --preset dev-asan
	cmake --build --preset dev-asan -j2
	ctest --preset dev-asan

bench: deps
	cmake --preset release
	cmake --build --preset release -j2
	bench/run.sh build/release

clean:
	rm -rf build
