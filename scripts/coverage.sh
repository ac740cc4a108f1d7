#!/usr/bin/env bash
# Line and branch coverage of src/ from the whole test suite (clang's source-based coverage:
# -fprofile-instr-generate -fcoverage-mapping, then llvm-profdata and llvm-cov). Prints the
# per-file table and writes an HTML report to BUILD_DIR/coverage/index.html. Environment:
#   CONCLAVE_TEST_VECTORS  as for scripts/test.sh (the vector tests cover much of src/)
#   BUILD_DIR              build folder (default build-cov)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-cov}
if [ -n "${CONCLAVE_TEST_VECTORS:-}" ]; then
  CONCLAVE_TEST_VECTORS=$(realpath -m "$CONCLAVE_TEST_VECTORS")
  export CONCLAVE_TEST_VECTORS
fi
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=true
flags="-fprofile-instr-generate -fcoverage-mapping"
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCONCLAVE_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$build" -j"$(nproc)"
profiles="$build/profiles"
rm -rf "$profiles"
mkdir -p "$profiles"
# %p: one file per process, the servers the tests start included; %m: per binary.
LLVM_PROFILE_FILE="$PWD/$profiles/%p-%m.profraw" ctest --test-dir "$build" -j"$(nproc)" \
  --output-on-failure || echo "coverage: some tests failed; the figures cover what ran"
llvm-profdata merge -sparse "$profiles"/*.profraw -o "$build/coverage.profdata"
# llvm-cov takes the first program as an argument and the others after -object.
objects=()
for program in "$build"/bin/*; do
  [ -x "$program" ] && [ -f "$program" ] || continue
  if [ ${#objects[@]} -eq 0 ]; then objects+=("$program"); else objects+=(-object "$program"); fi
done
llvm-cov report -instr-profile="$build/coverage.profdata" "${objects[@]}" \
  -ignore-filename-regex='(tests|tools|bench|examples|fuzz|_gen)/|/usr/' "$PWD/src"
llvm-cov show -format=html -output-dir="$build/coverage" -instr-profile="$build/coverage.profdata" \
  "${objects[@]}" -ignore-filename-regex='(tests|tools|bench|examples|fuzz|_gen)/|/usr/' \
  "$PWD/src" >/dev/null
echo "HTML report: $build/coverage/index.html"
