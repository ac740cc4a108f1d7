#!/usr/bin/env bash
# Builds and runs every test. Environment:
#   CONCLAVE_TEST_VECTORS     folder of the official MLS test vectors (tests skip without it,
#                             and fail without it when CI=true)
#   CONCLAVE_SANITIZE=ON      build with AddressSanitizer + UndefinedBehaviorSanitizer
#   CONCLAVE_SANITIZE=thread  build with ThreadSanitizer only the library and the programs of the
#                             tests that start threads, and run those (ctest -L threads)
#   BUILD_DIR                 build folder (default: build, build-asan or build-tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=${CONCLAVE_SANITIZE:-OFF}
case "$sanitize" in
  ON) default_dir=build-asan ;;
  thread) default_dir=build-tsan ;;
  *) default_dir=build ;;
esac
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
targets=()
ctest_args=()
case "$sanitize" in
  # The sanitizer build checks the code, not its speed: unoptimized, quick to compile, and
  # without the benchmark programs.
  ON) options=(-DCMAKE_BUILD_TYPE=Debug -DCONCLAVE_BUILD_BENCH=OFF) ;;
  # ThreadSanitizer checks only code that runs on several threads, so only the tests that start
  # threads are built and run (label `threads`, target thread_tests). -O1: TSan is about twice
  # as slow at -O0; -g1: line tables are all its reports need, at half the compile time of -g.
  thread)
    options=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DCONCLAVE_BUILD_BENCH=OFF
             -DCONCLAVE_BUILD_TOOLS=OFF -DCONCLAVE_BUILD_INTEROP=OFF)
    targets=(--target thread_tests)
    ctest_args=(-L threads)
    ;;
esac
cmake -S . -B "$build" "${options[@]}" -DCONCLAVE_SANITIZE="$sanitize" >/dev/null
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "${ctest_args[@]}"
