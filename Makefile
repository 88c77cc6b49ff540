# The two commands of the README, and the developer ones. Each installs the Debian
# packages it needs first (scripts/install-deps.sh is idempotent).
#   make run    build (dev preset) and run the main job: the IDE on a sample (spiral.py)
#   make test   build (dev preset) and run every CTest label except gpu
#   make asan   the same under AddressSanitizer and UBSan (dev-asan preset)
#   make bench  build the release preset and run the benchmarks (bench/run.sh)
#   make fuzz   fuzz the file readers with libFuzzer (FUZZ_SECONDS each, default 600)
#   make clean  remove build/
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# CI=true (from the environment, which make passes to every command) turns a test that
# would skip for a missing Debian package into a failure; locally it is usually unset.

.PHONY: deps run test asan bench fuzz clean

deps:
	scripts/install-deps.sh

run: deps
	cmake --preset dev
	cmake --build --preset dev -j2 --target tapedeck
	build/dev/app/tapedeck

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

# Seeds: the files the io tests write (TAPEDECK_FUZZ_SEEDS). Each target then runs for
# FUZZ_SECONDS under ASan and UBSan (FUZZ_READERS: which ones); crashes land in
# build/fuzz/crashes/<reader>, and make fuzz fails when any reader crashed.
FUZZ_SECONDS ?= 600
FUZZ_READERS ?= safetensors idx csv
fuzz: deps
	scripts/install-deps.sh --fuzz
	cmake --preset dev
	cmake --build --preset dev -j2 --target tapedeck_engine_tests
	rm -rf build/fuzz/seeds
	TAPEDECK_FUZZ_SEEDS=$(CURDIR)/build/fuzz/seeds build/dev/tests/tapedeck_engine_tests \
	  --gtest_filter='SafeTensors*:Idx*:Csv*' > build/fuzz-seeds.log
	cmake --preset fuzz
	cmake --build --preset fuzz -j2 --target fuzz_safetensors fuzz_idx fuzz_csv
	export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-16/bin/llvm-symbolizer; failed=""; \
	for reader in $(FUZZ_READERS); do \
	  mkdir -p build/fuzz/corpus/$$reader build/fuzz/crashes/$$reader; \
	  build/fuzz/tests/fuzz/fuzz_$$reader build/fuzz/corpus/$$reader build/fuzz/seeds/$$reader \
	    -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=4096 -malloc_limit_mb=2048 \
	    -artifact_prefix=build/fuzz/crashes/$$reader/ -print_final_stats=1 || failed="$$failed $$reader"; \
	done; \
	if [ -n "$$failed" ]; then echo "make fuzz: crashing inputs for:$$failed (build/fuzz/crashes/)"; exit 1; fi

clean:
	rm -rf build
