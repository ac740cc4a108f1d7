#!/usr/bin/env bash
# ctest cli.scenarios: the CLI through a real conclave-ds where clients restart between steps
# (every `conclave` command is a new process on its profile's store). Three scenarios, each
# judged by `conclave status GROUP` agreement (same epoch and epoch authenticator at every
# member, RFC 9420 §8.7) and by what `conclave sync` prints:
#   1. a member offline across several epochs catches up with one sync, messages in order;
#   2. two members commit at the same moment: both succeed (the loser retries after
#      STALE_EPOCH, RFC 9750 §5.2) and the epoch advances by exactly two per round;
#   3. a member who lost the store but kept the identity (`conclave identity export`)
#      registers again with it and rejoins an open group by external commit (RFC 9420
#      §12.4.3.2), replacing the old leaf.
#
# CONCLAVE_BIN_DIR: where conclave and conclave-ds are (default: build/bin).
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
bin=${CONCLAVE_BIN_DIR:-$root/build/bin}
# shellcheck source=scripts/start-ds.sh
. "$root/scripts/start-ds.sh"
for program in conclave conclave-ds; do
  [ -x "$bin/$program" ] || { echo "$bin/$program is missing: build it first" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/conclave-scenarios-test.XXXXXX")
ds_pid=""
cleanup() {
  if [ -n "$ds_pid" ]; then
    kill "$ds_pid" 2>/dev/null || true
    wait "$ds_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAILED: $*"
  echo "---- the last commands' output ----"
  tail -n 40 "$tmp/cli.log" 2>/dev/null || true
  echo "---- the end of the conclave-ds log ----"
  tail -n 20 "$tmp/ds.log" 2>/dev/null || true
  exit 1
}

conclave_as() {
  local who=$1
  shift
  "$bin/conclave" --data-dir "$tmp/$who" --profile "$who" "$@"
}

# cli WHO ARGS...: the command must succeed; its output (stdout and stderr) is left in $out.
cli() {
  local who=$1
  shift
  echo "$who\$ conclave $*" >>"$tmp/cli.log"
  out=$(conclave_as "$who" "$@" 2>&1) || { echo "$out" >>"$tmp/cli.log"; fail "$who's conclave $* failed"; }
  echo "$out" >>"$tmp/cli.log"
}

# status_of WHO GROUP sets $epoch and $authenticator from WHO's `conclave status GROUP` (not in
# a subshell: a failure must reach fail's exit).
status_of() {
  cli "$1" status "$2"
  epoch=$(sed -n 's/^epoch: //p' <<<"$out")
  authenticator=$(sed -n 's/^epoch authenticator: //p' <<<"$out")
  if [ -z "$epoch" ] || [ -z "$authenticator" ]; then fail "$1's status of $2 shows no epoch: $out"; fi
}

# agree GROUP WHO...: every member shows the same epoch and epoch authenticator, which members
# reach only by deriving the same epoch secrets.
agree() {
  local group=$1 who reference=""
  shift
  for who in "$@"; do
    status_of "$who" "$group"
    if [ -z "$reference" ]; then
      reference="$epoch $authenticator"
    elif [ "$epoch $authenticator" != "$reference" ]; then
      fail "$who disagrees on $group: \"$epoch $authenticator\", $1 has \"$reference\""
    fi
  done
  echo "  $group: $* agree at epoch $epoch"
}

# has WHO LINE: the last command's output holds LINE as a whole line.
has() { grep -qxF -- "$2" <<<"$out" || fail "$1 did not see: $2"; }

start_ds "$bin" "$tmp"
for who in alice bob carol; do cli "$who" register "$who" --server "$server"; done

echo "1. carol is offline while alice and bob make 4 commits and write in between"
cli alice group create offline
cli alice invite offline bob carol
cli bob sync
cli carol sync
agree offline alice bob carol
expected=()
for round in 1 2 3 4; do
  if [ $((round % 2)) -eq 1 ]; then committer=alice; writer=bob; else committer=bob; writer=alice; fi
  cli "$committer" update offline
  cli "$writer" send offline "message $round from $writer"
  expected+=("[offline] $writer: message $round from $writer")
done
cli carol sync
# Her one sync shows every message, in the order they were sent.
got=$(grep -F ": message " <<<"$out" || true)
[ "$got" = "$(printf '%s\n' "${expected[@]}")" ] ||
  fail "carol's sync did not print the 4 messages in order: $out"
cli alice sync
cli bob sync
agree offline alice bob carol

echo "2. alice and bob commit at the same moment, 6 rounds"
cli alice group create race
cli alice invite race bob carol
cli bob sync
cli carol sync
stale_before=$(grep -c 'code=STALE_EPOCH' "$tmp/ds.log" || true)
for round in 1 2 3 4 5 6; do
  status_of alice race
  before=$epoch
  conclave_as alice update race >"$tmp/race-alice.out" 2>&1 &
  alice_pid=$!
  conclave_as bob update race >"$tmp/race-bob.out" 2>&1 &
  bob_pid=$!
  alice_status=0 bob_status=0
  wait "$alice_pid" || alice_status=$?
  wait "$bob_pid" || bob_status=$?
  cat "$tmp/race-alice.out" "$tmp/race-bob.out" >>"$tmp/cli.log"
  # Both succeed: the commit that lost the race is made again on the new epoch.
  [ "$alice_status" -eq 0 ] || fail "round $round: alice's update exited $alice_status"
  [ "$bob_status" -eq 0 ] || fail "round $round: bob's update exited $bob_status"
  for who in alice bob carol; do cli "$who" sync; done
  status_of alice race
  [ "$epoch" -eq $((before + 2)) ] ||
    fail "round $round: the epoch went from $before to $epoch, not by 2"
  agree race alice bob carol
done
stale=$(($(grep -c 'code=STALE_EPOCH' "$tmp/ds.log" || true) - stale_before))
# Informative: whether the two processes overlapped is up to the scheduler, not the client.
echo "  commits refused with STALE_EPOCH (and made again) in 6 rounds: $stale"

echo "3. bob loses his store, keeps his identity and rejoins an open group"
cli alice group create open --open
cli alice invite open bob carol
cli bob sync
cli carol sync
agree open alice bob carol
cli bob identity export "$tmp/bob.identity"
# The file holds the private key: its owner's alone.
[ "$(stat -c %a "$tmp/bob.identity")" = 600 ] || fail "bob.identity is not mode 600"
# It is never overwritten.
if conclave_as bob identity export "$tmp/bob.identity" >/dev/null 2>&1; then
  fail "identity export overwrote an existing file"
fi
rm -rf "$tmp/bob"
# Without the identity the name is lost: the service binds it to the old key.
if conclave_as bob register bob --server "$server" >/dev/null 2>&1; then
  fail "bob registered again with a new key"
fi
cli bob register bob --server "$server" --identity "$tmp/bob.identity"
cli bob join open
cli alice sync
cli carol sync
agree open alice bob carol
cli alice status open
members=$(sed -n 's/^members: //p' <<<"$out")
[ "$(grep -o 'bob' <<<"$members" | wc -l)" -eq 1 ] ||
  fail "bob's old leaf was not replaced: members: $members"
cli alice send open "welcome back, bob"
cli bob sync
has bob "[open] alice: welcome back, bob"

echo "All three scenarios passed."
