# Sourced by scripts/conversation.sh and tools/cli/tests/chat_tmux_test.sh: start_ds BIN DIR
# starts BIN/conclave-ds on DIR/ds.sqlite and sets ds_pid and server (HOST:PORT) once it is
# listening, or calls the caller's `fail`. Port 0: the server takes a free port and names it in
# its "listening on" line, so no other process can take the port between choosing and binding.
start_ds() {
  local bin=$1 dir=$2
  "$bin/conclave-ds" --db "$dir/ds.sqlite" --port 0 >"$dir/ds.out" 2>"$dir/ds.log" &
  ds_pid=$!
  server=""
  for _ in $(seq 1 200); do
    server=$(sed -n 's/^listening on //p' "$dir/ds.out")
    [ -n "$server" ] && return 0
    kill -0 "$ds_pid" 2>/dev/null || fail "conclave-ds did not start"
    sleep 0.05
  done
  fail "conclave-ds did not say it was listening within 10 s"
}
