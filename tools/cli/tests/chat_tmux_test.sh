#!/usr/bin/env bash
# ctest cli.chat: two `conclave chat` sessions typing to each other, in a detached tmux session
# of fixed size (one window each). Checks that each side's message appears on the other's
# screen while that side waits at its prompt, that a line typed halfway is drawn again below a
# message that arrives meanwhile, that both see carol's arrival and removal, and that /quit and
# Ctrl-D end the chat with exit status 0. On a failure the screens are printed.
#
# Exit 77 (a skip) when tmux is missing and CI is not set; scripts/install-deps.sh installs it.
# CONCLAVE_BIN_DIR: where conclave and conclave-ds are (default: build/bin).
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
bin=${CONCLAVE_BIN_DIR:-$root/build/bin}
# shellcheck source=scripts/start-ds.sh
. "$root/scripts/start-ds.sh"
if ! command -v tmux >/dev/null 2>&1; then
  if [ -n "${CI:-}" ]; then
    echo "tmux is not installed (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
  echo "SKIP: tmux is not installed"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/conclave-chat-test.XXXXXX")
socket=$tmp/tmux.socket
ds_pid=""
tm() { tmux -S "$socket" "$@"; }
cleanup() {
  tm kill-server 2>/dev/null || true
  if [ -n "$ds_pid" ]; then
    kill "$ds_pid" 2>/dev/null || true
    wait "$ds_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

screen() { tm capture-pane -p -t "chat:$1" 2>/dev/null || echo "(no window $1)"; }

fail() {
  echo "FAILED: $*"
  for who in alice bob; do
    echo "---- $who's screen ----"
    screen "$who"
  done
  echo "---- the end of the conclave-ds log ----"
  tail -n 20 "$tmp/ds.log" 2>/dev/null || true
  exit 1
}

# wait_for WHO TEXT: TEXT appears on WHO's screen within 20 s.
wait_for() {
  local deadline=$((SECONDS + 20))
  while ! screen "$1" | grep -qF -- "$2"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "\"$2\" did not appear on $1's screen"
    sleep 0.1
  done
}

# The last line on WHO's screen that is not blank: the input line.
input_line() { screen "$1" | sed '/^[[:space:]]*$/d' | tail -n 1; }

type_line() {
  tm send-keys -t "chat:$1" -l "$2"
  tm send-keys -t "chat:$1" Enter
}

cli() {
  local who=$1
  shift
  "$bin/conclave" --data-dir "$tmp/$who" --profile "$who" "$@" >>"$tmp/cli.log" 2>&1 ||
    { cat "$tmp/cli.log"; fail "$who's conclave $* failed"; }
}

start_ds "$bin" "$tmp"

for who in alice bob carol; do cli "$who" register "$who" --server "$server"; done
cli alice group create general
cli alice invite general bob
cli bob sync

# Each chat runs in a window of its own; when it ends, its exit status stays on the screen.
chat_command() {
  printf '%q ' "$bin/conclave" --data-dir "$tmp/$1" --profile "$1" chat general
  printf '; echo "[chat exited with status $?]"; sleep 600'
}
tm new-session -d -s chat -n alice -x 120 -y 30 "$(chat_command alice)"
tm new-window -d -t chat -n bob "$(chat_command bob)"
wait_for alice "chat in general as alice"
wait_for bob "chat in general as bob"

# Promise: a message typed and sent in one chat appears in the other while it waits at its
# prompt, and in the sender's own.
type_line alice "hello from alice"
wait_for bob "[general] alice: hello from alice"
wait_for alice "[general] alice: hello from alice"
type_line bob "hi alice, bob here"
wait_for alice "[general] bob: hi alice, bob here"
wait_for bob "[general] bob: hi alice, bob here"

# Promise: a line typed halfway survives an incoming message: it is drawn again below it.
tm send-keys -t chat:alice -l "half a line"
wait_for alice "general> half a line"
type_line bob "interrupting you"
wait_for alice "[general] bob: interrupting you"
[ "$(input_line alice)" = "general> half a line" ] ||
  fail "alice's input line was not drawn again below the incoming message"
tm send-keys -t chat:alice -l ", finished"
tm send-keys -t chat:alice Enter
wait_for bob "[general] alice: half a line, finished"

# Promise: membership changes show in both chats.
type_line alice "/invite carol"
wait_for alice "[general] carol joined"
wait_for bob "[general] carol joined"
type_line alice "/remove carol"
wait_for alice "[general] carol is no longer a member"
wait_for bob "[general] carol is no longer a member"

# Promise: /quit and Ctrl-D leave the chat, with exit status 0.
type_line alice "/quit"
wait_for alice "[chat exited with status 0]"
tm send-keys -t chat:bob C-d
wait_for bob "[chat exited with status 0]"

echo "both chats showed each other's messages, the redrawn input line and carol's arrival and"
echo "removal, and ended cleanly"
