#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan) and runs each one for a while,
# on a corpus that starts from seeds the library generates (conclave-fuzz-seeds) and grows
# across runs. A target that finds something stops the script with its report and the input,
# kept under BUILD_DIR/artifacts. Environment:
#   CONCLAVE_FUZZ_SECONDS  seconds per target (default 20; CI runs each briefly)
#   CONCLAVE_FUZZ_JOBS     targets run at once (default: the number of cores)
#   CONCLAVE_FUZZ_TARGETS  a space-separated subset (default: every target)
#   BUILD_DIR              build folder (default build-fuzz); the corpora live in it
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-fuzz}
seconds=${CONCLAVE_FUZZ_SECONDS:-20}
jobs=${CONCLAVE_FUZZ_JOBS:-$(nproc)}
jobs_build=$(nproc)
export CCACHE_BASEDIR="$PWD"
export CCACHE_NOHASHDIR=true
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCONCLAVE_FUZZ=ON \
  -DCONCLAVE_BUILD_TESTS=OFF -DCONCLAVE_BUILD_TOOLS=OFF -DCONCLAVE_BUILD_BENCH=OFF \
  -DCONCLAVE_BUILD_INTEROP=OFF >/dev/null
# A subset builds only its own programs (and the seed generator).
build_targets=()
for t in ${CONCLAVE_FUZZ_TARGETS:-}; do build_targets+=("fuzz_$t"); done
if [ ${#build_targets[@]} -gt 0 ]; then
  cmake --build "$build" -j"$jobs_build" --target "${build_targets[@]}" conclave-fuzz-seeds
else
  cmake --build "$build" -j"$jobs_build"
fi

bin="$build/bin"
seeds="$build/seeds"
corpus="$build/corpus"
artifacts="$build/artifacts"
rm -rf "$seeds"
"$bin/conclave-fuzz-seeds" "$seeds" >/dev/null
mkdir -p "$corpus" "$artifacts" "$build/logs"

targets=()
for program in "$bin"/fuzz_*; do
  targets+=("$(basename "$program" | sed 's/^fuzz_//')")
done
[ -n "${CONCLAVE_FUZZ_TARGETS:-}" ] && read -r -a targets <<<"$CONCLAVE_FUZZ_TARGETS"

# Each target's corpus starts from the seeds of its type. The byte-flip stateful targets take
# scripts over their live group's messages (fuzz/live_group.h), seeded here with every pick
# unmutated; the structure-aware ones (fuzz/resealer.h: process_resealed, join_resealed,
# join_external, storage_load) get their unmutated scripts from conclave-fuzz-seeds, like state
# (serialized groups) and vectors_json (small conclave-vectors files of every type).
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t"
  case "$t" in
    key_package_validation) from="$seeds/mls_message" ;;
    process | join)
      for i in 0 1 2 3 4 5 6 7; do
        printf "\\x0$i\\x00" >"$corpus/$t/pick-$i-private"
        printf "\\x0$i\\x01" >"$corpus/$t/pick-$i-public"
      done
      from="" ;;
    *) from="$seeds/$t" ;;
  esac
  [ -n "$from" ] && [ -d "$from" ] && cp -n "$from"/* "$corpus/$t/" 2>/dev/null || true
done

run_one() {
  local t=$1
  # Every input that once found something (fuzz/regressions/<target>/) is replayed first: each
  # must pass now that its bug is fixed.
  if [ -d "fuzz/regressions/$t" ]; then
    "$bin/fuzz_$t" -timeout=20 -rss_limit_mb=3072 fuzz/regressions/"$t"/* \
      >"$build/logs/$t.regressions.log" 2>&1 || { cat "$build/logs/$t.regressions.log" \
      >"$build/logs/$t.log"; return 1; }
  fi
  "$bin/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t-" "$corpus/$t" >"$build/logs/$t.log" 2>&1
}
export -f run_one
export bin seconds corpus artifacts build
echo "fuzzing ${#targets[@]} targets, ${seconds} s each, ${jobs} at once"
failed=()
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {} || echo {} >>"$build/logs/failed"' || true
if [ -f "$build/logs/failed" ]; then
  mapfile -t failed <"$build/logs/failed"
  rm -f "$build/logs/failed"
fi
for t in "${targets[@]}"; do
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/logs/$t.log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$build/logs/$t.log" | tail -1 | grep -o '[0-9]*' || echo "?")
  ft=$(grep -o 'ft: [0-9]*' "$build/logs/$t.log" | tail -1 | grep -o '[0-9]*' || echo "?")
  printf '  %-24s %10s runs  %6s edges  %6s features  %5s inputs\n' "$t" "$runs" "$cov" "$ft" \
    "$(ls "$corpus/$t" | wc -l)"
done
if [ ${#failed[@]} -gt 0 ]; then
  for t in "${failed[@]}"; do
    echo "== fuzz_$t found something:"
    tail -n 60 "$build/logs/$t.log"
  done
  exit 1
fi
