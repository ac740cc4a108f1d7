#!/usr/bin/env bash
# The main job: three people chat through a real Delivery Service with the `conclave` CLI.
#
# Starts conclave-ds on a SQLite database in a temporary folder; alice, bob and carol (each a
# profile in a data folder of its own there) register; alice creates `general` and invites bob
# and carol, who join by Welcome; messages go both ways; bob updates his keys; alice removes
# carol, who is told so and can no longer send; alice and bob chat on. Each step prints the
# commands and their output. After every commit each member's `conclave status general` is
# compared: the script exits non-zero when a member is in another epoch or holds another epoch
# authenticator (RFC 9420 §8.7), or when a message or notice someone should see is missing.
#
# CONCLAVE_BIN_DIR: where conclave and conclave-ds are (default: build/bin).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CONCLAVE_BIN_DIR:-$root/build/bin}
# shellcheck source=scripts/start-ds.sh
. "$root/scripts/start-ds.sh"
for program in conclave conclave-ds; do
  if [ ! -x "$bin/$program" ]; then
    echo "conversation.sh: $bin/$program is missing: build it first" \
         "(cmake --build build --target conclave-cli conclave-ds)" >&2
    exit 1
  fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/conclave-conversation.XXXXXX")
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
  echo >&2
  echo "FAILED: $*" >&2
  if [ -s "$tmp/ds.log" ]; then
    echo "last lines of the conclave-ds log:" >&2
    tail -n 20 "$tmp/ds.log" >&2
  fi
  exit 1
}

step=0
heading() {
  step=$((step + 1))
  printf '\n%d. %s\n' "$step" "$*"
}

# The command as one would type it: arguments with spaces in quotes.
shown() {
  local word line=""
  for word in "$@"; do
    case $word in *" "*) word="\"$word\"" ;; esac
    line+=" $word"
  done
  printf '%s' "${line# }"
}

# run WHO ARGS...: runs `conclave ARGS` in WHO's profile, prints it and its output (indented),
# leaves the output in $out and the exit status in $status.
run() {
  local who=$1
  shift
  printf '  %s$ conclave %s\n' "$who" "$(shown "$@")"
  set +e
  out=$("$bin/conclave" --data-dir "$tmp/$who" --profile "$who" "$@" 2>&1)
  status=$?
  set -e
  if [ -n "$out" ]; then printf '%s\n' "$out" | sed 's/^/      /'; fi
}

# ok WHO ARGS...: run, and the command must succeed.
ok() {
  run "$@"
  [ "$status" -eq 0 ] || fail "$1's \`conclave $(shown "${@:2}")\` exited with $status"
}

# expect WHO LINE: the last command's output holds LINE (a whole line).
expect() {
  grep -qxF -- "$2" <<<"$out" || fail "$1 did not see: $2"
}

# expect_start WHO TEXT: a line of the last command's output starts with TEXT.
expect_start() {
  awk -v text="$2" 'index($0, text) == 1 { found = 1 } END { exit !found }' <<<"$out" ||
    fail "$1 did not see a line starting with: $2"
}

# agree WHO...: every member's `conclave status general` shows the same epoch and epoch
# authenticator, which members reach only by deriving the same epoch secrets.
agree() {
  local who reference="" reference_who="" epoch authenticator
  printf '  status of general at %s:\n' "$*"
  for who in "$@"; do
    out=$("$bin/conclave" --data-dir "$tmp/$who" --profile "$who" status general 2>&1) ||
      fail "$who's \`conclave status general\` failed: $out"
    epoch=$(sed -n 's/^epoch: //p' <<<"$out")
    authenticator=$(sed -n 's/^epoch authenticator: //p' <<<"$out")
    if [ -z "$epoch" ] || [ -z "$authenticator" ]; then
      fail "$who's status shows no epoch: $out"
    fi
    printf '      %-6s epoch %s, epoch authenticator %s\n' "$who" "$epoch" "$authenticator"
    if [ -z "$reference" ]; then
      reference="$epoch $authenticator"
      reference_who=$who
    elif [ "$epoch $authenticator" != "$reference" ]; then
      fail "$who and $reference_who disagree on general's epoch or epoch authenticator"
    fi
  done
  printf '      they agree\n'
}

heading "The Delivery Service starts (conclave-ds on a fresh SQLite database)"
start_ds "$bin" "$tmp"
echo "  conclave-ds is listening on $server"

heading "Alice, Bob and Carol register their devices and publish KeyPackages"
ok alice register alice --server "$server"
ok bob register bob --server "$server"
ok carol register carol --server "$server"

heading "Alice creates the group general"
ok alice group create general
agree alice

heading "Alice invites Bob and Carol: one commit adds both, the DS queues their Welcome"
ok alice invite general bob carol

heading "Bob and Carol sync: they join by Welcome"
ok bob sync
expect_start bob "you joined general"
ok carol sync
expect_start carol "you joined general"
agree alice bob carol

heading "Alice writes; Bob and Carol read it"
ok alice send general "Hello Bob and Carol, welcome to general."
ok bob sync
expect bob "[general] alice: Hello Bob and Carol, welcome to general."
ok carol sync
expect carol "[general] alice: Hello Bob and Carol, welcome to general."

heading "Bob replies; Alice and Carol read it"
ok bob send general "Thanks Alice! Glad to be here."
ok alice sync
expect alice "[general] bob: Thanks Alice! Glad to be here."
ok carol sync
expect carol "[general] bob: Thanks Alice! Glad to be here."

heading "Bob updates his keys (a commit with an UpdatePath)"
ok bob update general
ok alice sync
ok carol sync
agree alice bob carol

heading "Alice removes Carol"
ok alice remove general carol
ok bob sync
expect bob "[general] carol is no longer a member"
agree alice bob

heading "Carol syncs and is told she was removed"
ok carol sync
expect carol "you were removed from general"

heading "Carol's message is refused"
run carol send general "Am I still here?"
[ "$status" -ne 0 ] || fail "carol could still send to general"
echo "      (exit status $status)"

heading "Alice and Bob chat on; Carol receives nothing"
ok alice send general "Just the two of us now."
ok bob sync
expect bob "[general] alice: Just the two of us now."
ok bob send general "Still end-to-end encrypted."
ok alice sync
expect alice "[general] bob: Still end-to-end encrypted."
ok carol sync
expect carol "nothing new"
agree alice bob

echo
echo "Every member agreed after every commit and every message arrived."
