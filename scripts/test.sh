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
build_type=Release
[ "$sanitize" = "ON" ] && build_type=RelWithDebInfo
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=$build_type -DCONCLAVE_SANITIZE="$sanitize" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
