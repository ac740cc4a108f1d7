#include "chat.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_error.h"
#include "terminal.h"
#include "text.h"

namespace conclave::cli {
namespace {

using namespace std::chrono_literals;

// What the chat writes: lines above the input line, which it keeps drawn at the bottom.
class Screen {
 public:
  Screen(bool terminal, std::string prompt) : terminal_(terminal), prompt_(std::move(prompt)) {}

  void line(const std::string& text) {
    std::lock_guard lock(mu_);
    std::string out;
    if (terminal_) out = "\r\033[K";
    out += text;
    out += terminal_ ? "\r\n" : "\n";
    if (terminal_) out += input_line();
    write(out);
  }

  void set_input(const LineEditor& editor) {
    std::lock_guard lock(mu_);
    if (!terminal_) return;
    const size_t columns = terminal_columns(STDOUT_FILENO);
    const size_t room = columns > prompt_.size() + 1 ? columns - prompt_.size() - 1 : 1;
    visible_ = editor.visible_tail(room);
    write("\r\033[K" + input_line());
  }

  // Leaves the terminal's cursor on an empty line.
  void close() {
    std::lock_guard lock(mu_);
    if (terminal_) write("\r\033[K");
  }

 private:
  std::string input_line() const { return prompt_ + visible_; }
  static void write(const std::string& out) {
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  }

  std::mutex mu_;
  const bool terminal_;
  const std::string prompt_;
  std::string visible_;
};

class Chat {
 public:
  Chat(Session& session, BytesView group_id, bool terminal)
      : session_(session),
        client_(session.client()),
        group_id_(group_id.begin(), group_id.end()),
        label_(group_label(group_id)),
        user_(session.profile().config().user),
        terminal_(terminal),
        screen_(terminal, label_ + "> ") {}

  int run();

 private:
  void receive();
  void show_events();  // with mu_ held
  void handle(const std::string& line);
  void command(const std::string& name, const std::vector<std::string>& operands);
  void send(const std::string& text);
  void read_input();
  void stop();
  void pause(std::chrono::milliseconds time);

  Session& session_;
  Client& client_;
  const Bytes group_id_;
  const std::string label_;
  const std::string user_;
  const bool terminal_;
  Screen screen_;

  std::mutex mu_;        // the Client, between the input and the receiver thread
  bool outage_ = false;  // with mu_: the last call to the service failed to reach it
  std::atomic<bool> stopping_{false};
  std::atomic<bool> removed_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  int wake_[2] = {-1, -1};  // the receiver's way to end the input loop
};

void Chat::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  // A full pipe already wakes the input loop: the result needs no check.
  const char byte = 0;
  if (wake_[1] >= 0 && ::write(wake_[1], &byte, 1) < 0) return;
}

void Chat::pause(std::chrono::milliseconds time) {
  std::unique_lock lock(stop_mu_);
  stop_cv_.wait_for(lock, time, [&] { return stopping_.load(); });
}

void Chat::show_events() {
  const std::vector<Event> events = session_.take_events();
  for (const std::string& line : session_.describe_events(events, false))
    screen_.line(line);
  for (const Event& e : events) {
    if (e.kind == EventKind::kRemovedFromGroup && e.group_id == group_id_) removed_ = true;
  }
  if (removed_) stop();
}

void Chat::receive() {
  auto backoff = 500ms;
  while (!stopping_) {
    try {
      client_.wait(30s);
      if (stopping_) break;
      std::lock_guard lock(mu_);
      client_.sync();
      show_events();
      if (outage_) screen_.line("(the delivery service is reachable again)");
      outage_ = false;
      backoff = 500ms;
    } catch (const Error& e) {
      {
        std::lock_guard lock(mu_);
        show_events();
        if (e.code() != ErrorCode::kDeliveryUnavailable) {
          screen_.line(std::string("(") + session_.explain(e).what() + ")");
        } else if (!outage_) {
          screen_.line("(the delivery service at " + session_.profile().config().server +
                       " is not reachable; trying again)");
          outage_ = true;
        }
      }
      pause(backoff);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, 10s);
    }
  }
}

void Chat::send(const std::string& text) {
  std::lock_guard lock(mu_);
  // The Client keeps one unsent message per group in its outbox and refuses the next one
  // before writing it while that one waits: once a sync has reached the service the outbox is
  // empty and a message the service cannot take now is kept; during an outage it may not be.
  if (outage_) {
    screen_.line("(not sent: the delivery service at " + session_.profile().config().server +
                 " is not reachable; send it again once it is)");
    return;
  }
  try {
    client_.send(group_id_, as_bytes(text));
    screen_.line("[" + label_ + "] " + user_ + ": " + printable_text(as_bytes(text)));
  } catch (const Error& e) {
    show_events();
    if (e.code() == ErrorCode::kDeliveryUnavailable) {
      outage_ = true;
      screen_.line("[" + label_ + "] " + user_ + ": " + printable_text(as_bytes(text)) +
                   "  (the delivery service is not reachable: kept, sent once it is)");
      return;
    }
    screen_.line(std::string("(not sent: ") + session_.explain(e).what() + ")");
  }
}

void Chat::command(const std::string& name, const std::vector<std::string>& operands) {
  std::lock_guard lock(mu_);
  try {
    if (name == "/help") {
      screen_.line(
          "(Enter sends the line; /members; /invite USER...; /remove USER...; /update; "
          "/quit or Ctrl-D leaves; start a message with // to send one starting with /)");
    } else if (name == "/members") {
      screen_.line("(members: " + session_.member_list(group_id_) + ")");
    } else if (name == "/invite" && !operands.empty()) {
      // The joins show as events, on every member's screen alike.
      const InviteResult result = client_.invite(group_id_, operands);
      for (const DeviceRef& d : result.skipped) {
        std::string line = "(";  // appended, as below
        line += device_label(d);
        screen_.line(line + " has no KeyPackage left: not added)");
      }
    } else if (name == "/remove" && !operands.empty()) {
      client_.remove(group_id_, operands);
    } else if (name == "/update" && operands.empty()) {
      client_.update(group_id_);
      screen_.line("(new keys; epoch " + std::to_string(client_.group(group_id_).epoch()) + ")");
    } else {
      // Appended: GCC 12 warns falsely (-Wrestrict, its bug 105329) on "(" + a temporary.
      std::string line = "(";
      line += printable_text(as_bytes(name));
      screen_.line(line + ": no such command or wrong arguments; /help lists them)");
    }
    show_events();
  } catch (const Error& e) {
    show_events();
    screen_.line(std::string("(") + session_.explain(e).what() + ")");
  }
}

void Chat::handle(const std::string& line) {
  if (line.find_first_not_of(' ') == std::string::npos) return;
  if (line.starts_with("//")) return send(line.substr(1));
  if (!line.starts_with("/")) return send(line);
  std::istringstream words(line);
  std::string name, word;
  std::vector<std::string> operands;
  words >> name;
  while (words >> word)
    operands.push_back(word);
  if (name == "/quit") return stop();
  command(name, operands);
}

void Chat::read_input() {
  LineEditor editor;
  std::string pending;  // a plain stdin's partial line
  char buffer[512];
  while (!stopping_) {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) break;
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {  // the end of input leaves, like Ctrl-D
      if (!pending.empty()) handle(pending);
      break;
    }
    for (ssize_t i = 0; i < n && !stopping_; ++i) {
      if (!terminal_) {
        if (buffer[i] == '\n') {
          if (!pending.empty() && pending.back() == '\r') pending.pop_back();
          handle(pending);
          pending.clear();
        } else {
          pending += buffer[i];
        }
        continue;
      }
      switch (editor.feed(buffer[i])) {
        case LineEditor::Action::kNone: break;
        case LineEditor::Action::kRedraw: screen_.set_input(editor); break;
        case LineEditor::Action::kSubmit: {
          const std::string line = editor.take_line();
          screen_.set_input(editor);
          handle(line);
          break;
        }
        case LineEditor::Action::kQuit: stop(); break;
      }
    }
  }
  stop();
}

int Chat::run() {
  if (pipe(wake_) != 0) throw CliError(kExitRefused, "cannot start the chat: no pipe");
  {
    std::lock_guard lock(mu_);
    screen_.line("chat in " + label_ + " as " + user_ +
                 "; members: " + session_.member_list(group_id_) +
                 ". Enter sends, /quit or Ctrl-D leaves, " + "/help lists the commands.");
  }
  {
    LineEditor empty;
    screen_.set_input(empty);
  }
  std::atomic<bool> receiver_done{false};
  std::thread receiver([&] {
    receive();
    receiver_done = true;
  });
  read_input();
  // interrupt() ends a wait in progress; the receiver may be between two waits, so it is
  // called until the thread is out.
  while (!receiver_done) {
    client_.interrupt();
    std::this_thread::sleep_for(20ms);
  }
  receiver.join();
  screen_.close();
  ::close(wake_[0]);
  ::close(wake_[1]);
  return kExitOk;
}

}  // namespace

int run_chat(Session& session, BytesView group_id) {
  const bool terminal = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  std::optional<RawMode> raw;
  if (terminal) raw.emplace(STDIN_FILENO);
  Chat chat(session, group_id, terminal);
  return chat.run();
}

}  // namespace conclave::cli
