// `conclave chat GROUP`: an interactive chat in the terminal.
#pragma once

#include "conclave/base/bytes.h"
#include "session.h"

namespace conclave::cli {

// Runs the chat until /quit, Ctrl-D (or the end of input) or this device's removal from the
// group; returns the exit code.
//
// Incoming messages appear while the user types: a receiver thread blocks in Client::wait()
// (which touches only the transport, so it runs outside the lock) and then syncs; one mutex
// guards the Client between it and the input thread. Every line printed clears the input line
// and draws it again below (`\r\033[K`), on a terminal in raw mode. When stdin is not a
// terminal, lines are read plainly and nothing is redrawn.
int run_chat(Session& session, BytesView group_id);

}  // namespace conclave::cli
