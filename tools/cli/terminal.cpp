#include "terminal.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

namespace conclave::cli {
namespace {

// The mode to restore; a signal handler may read it, so it is set before the handlers are.
struct termios saved_mode;
int saved_fd = -1;

void restore_and_reraise(int signal) {
  if (saved_fd >= 0) tcsetattr(saved_fd, TCSAFLUSH, &saved_mode);
  ::signal(signal, SIG_DFL);
  raise(signal);
}

bool continuation(char byte) {
  return (static_cast<unsigned char>(byte) & 0xC0) == 0x80;
}

}  // namespace

RawMode::RawMode(int fd) {
  if (tcgetattr(fd, &saved_mode) != 0) return;
  saved_fd = fd;
  for (int s : {SIGTERM, SIGHUP, SIGQUIT})
    ::signal(s, restore_and_reraise);
  struct termios raw = saved_mode;
  raw.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
  raw.c_iflag &= ~(IXON | ICRNL);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  tcsetattr(fd, TCSAFLUSH, &raw);
}

RawMode::~RawMode() {
  if (saved_fd < 0) return;
  tcsetattr(saved_fd, TCSAFLUSH, &saved_mode);
  for (int s : {SIGTERM, SIGHUP, SIGQUIT})
    ::signal(s, SIG_DFL);
  saved_fd = -1;
}

size_t terminal_columns(int fd) {
  struct winsize size {};
  if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

LineEditor::Action LineEditor::feed(char byte) {
  const auto c = static_cast<unsigned char>(byte);
  switch (state_) {
    case State::kEscape:
      // ESC [ and ESC O start the sequences of arrow and function keys; other keys after ESC
      // (Alt+key) are dropped with it.
      state_ = (c == '[' || c == 'O') ? State::kSequence : State::kText;
      return Action::kNone;
    case State::kSequence:
      if (c >= 0x40 && c <= 0x7e) state_ = State::kText;
      return Action::kNone;
    case State::kText: break;
  }
  switch (c) {
    case '\r':
    case '\n': return Action::kSubmit;
    case 0x03:  // Ctrl-C
    case 0x04:  // Ctrl-D
      return Action::kQuit;
    case 0x1b: state_ = State::kEscape; return Action::kNone;
    case 0x7f:
    case 0x08:  // Backspace: one character, all bytes of it
      if (line_.empty()) return Action::kNone;
      while (!line_.empty() && continuation(line_.back()))
        line_.pop_back();
      if (!line_.empty()) line_.pop_back();
      return Action::kRedraw;
    case 0x15:  // Ctrl-U
      line_.clear();
      return Action::kRedraw;
    case '\t': line_ += ' '; return Action::kRedraw;
    default:
      if (c < 0x20) return Action::kNone;
      line_ += byte;
      return Action::kRedraw;
  }
}

std::string LineEditor::take_line() {
  std::string taken;
  taken.swap(line_);
  return taken;
}

std::string LineEditor::visible_tail(size_t columns) const {
  size_t characters = 0;
  size_t start = line_.size();
  while (start > 0) {
    size_t lead = start - 1;
    while (lead > 0 && continuation(line_[lead]))
      --lead;
    if (characters + 1 > columns) break;
    ++characters;
    start = lead;
  }
  return line_.substr(start);
}

}  // namespace conclave::cli
