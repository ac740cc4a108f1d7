// The chat's terminal: raw mode while the chat runs, the terminal's width, and the line being
// typed.
#pragma once

#include <cstddef>
#include <string>

namespace conclave::cli {

// Puts the terminal on `fd` in raw mode (no echo, no line buffering, no signals from Ctrl-C:
// the chat draws its input line itself and leaves cleanly) until destroyed. The old mode is
// also restored when the process is ended by SIGTERM, SIGHUP or SIGQUIT.
class RawMode {
 public:
  explicit RawMode(int fd);
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;
};

// The terminal's width in columns; 80 when it cannot be asked.
size_t terminal_columns(int fd);

// The line being typed, fed one byte at a time.
class LineEditor {
 public:
  enum class Action {
    kNone,    // nothing visible changed
    kRedraw,  // the line changed
    kSubmit,  // Enter: take_line()
    kQuit,    // Ctrl-D or Ctrl-C
  };
  Action feed(char byte);
  // The line typed so far, emptied.
  std::string take_line();
  const std::string& line() const { return line_; }
  // The end of the line that fits in `columns` columns (one per character).
  std::string visible_tail(size_t columns) const;

 private:
  enum class State { kText, kEscape, kSequence };
  std::string line_;
  State state_ = State::kText;
};

}  // namespace conclave::cli
