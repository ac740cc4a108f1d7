#!/usr/bin/env bash
# Builds and runs every test. Environment:
#   CONCLAVE_TEST_VECTORS  folder of the official MLS test vectors (tests skip without it,
#                          and fail without it when CI=true)
#   CONCLAVE_SANITIZE=ON   build with AddressSanitizer + UndefinedBehaviorSanitizer
#   BUILD_DIR              build folder (default: build, or build-asan when sanitizing)
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=${CONCLAVE_SANITIZE:-OFF}
default_dir=build
[ "$sanitize" = "ON" ] && default_dir=build-asan
build=${BUILD_DIR:-$default_dir}
if [ -n "${CONCLAVE_TEST_VECTORS:-}" ]; then
  # ctest runs each test from the build folder: pass the folder as an absolute path.
  CONCLAVE_TEST_VECTORS=$(realpath -m "$CONCLAVE_TEST_VECTORS")
  export CONCLAVE_TEST_VECTORS
fi
# ccache keys on paths relative to the checkout, so clones in other folders share its cache.
# The sanitizer build has debug info, for which ccache also keys on the build folder unless
# told not to: then a clone elsewhere would recompile everything (the debug info's folder may
# name the first clone; nothing else differs).
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=true
options=(-DCMAKE_BUILD_TYPE=Release)
# The sanitizer build checks the code, not its speed: unoptimized, quick to compile, and
# without the benchmark programs.
[ "$sanitize" = "ON" ] && options=(-DCMAKE_BUILD_TYPE=Debug -DCONCLAVE_BUILD_BENCH=OFF)
cmake -S . -B "$build" "${options[@]}" -DCONCLAVE_SANITIZE="$sanitize" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
