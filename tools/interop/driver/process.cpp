#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace interop_driver {
namespace {

// Live server pids, read by the signal handler: a fixed array of atomics is async-signal-safe
// where a std::vector under a mutex would not be.
std::array<std::atomic<pid_t>, 32> g_live_pids{};

void register_pid(pid_t pid) {
  for (auto& slot : g_live_pids) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
  // More servers than slots: they still die with the driver through PR_SET_PDEATHSIG.
}

void unregister_pid(pid_t pid) {
  for (auto& slot : g_live_pids) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

extern "C" void kill_servers_and_die(int sig) {
  for (auto& slot : g_live_pids) {
    pid_t pid = slot.load();
    if (pid > 0) kill(pid, SIGKILL);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return "signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "status " + std::to_string(status);
}

}  // namespace

void install_cleanup_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    signal(sig, kill_servers_and_die);
}

ServerProcess::ServerProcess(const std::string& path, std::chrono::milliseconds ready_timeout,
                             bool echo_output, const std::string& log_path)
    : log_path_(log_path) {
  int log_fd = -1;
  if (!log_path.empty()) {
    log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error(log_path + ": " + strerror(errno));
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    if (log_fd >= 0) close(log_fd);
    throw std::runtime_error("pipe: " + std::string(strerror(errno)));
  }
  // Everything the child needs is prepared before fork(): the driver has gRPC threads, so the
  // child may only make async-signal-safe calls until exec.
  const char* file = path.c_str();
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    if (log_fd >= 0) close(log_fd);
    throw std::runtime_error("fork: " + std::string(strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the driver died before prctl took effect
    dup2(fds[1], STDOUT_FILENO);          // dup2 drops O_CLOEXEC on the copy
    if (log_fd >= 0) dup2(log_fd, STDERR_FILENO);
    execl(file, file, "--port", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  register_pid(pid);
  close(fds[1]);
  if (log_fd >= 0) close(log_fd);
  out_fd_ = fds[0];

  // Read up to the first newline, within the timeout.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  std::string failure;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      failure = "not ready within " + std::to_string(ready_timeout.count()) + " ms";
      break;
    }
    pollfd p{out_fd_, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;  // timeout: the loop reports it
    char c;
    ssize_t n = read(out_fd_, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failure = "closed stdout before printing its address";
      break;
    }
    if (c == '\n') break;
    line.push_back(c);
    if (line.size() > 4096) {
      failure = "printed a line longer than 4096 bytes";
      break;
    }
  }
  const std::string prefix = "listening on ";
  if (failure.empty()) {
    if (line.rfind(prefix, 0) != 0 || line.find(':', prefix.size()) == std::string::npos) {
      failure = "printed \"" + line + "\" instead of \"listening on HOST:PORT\"";
    } else {
      address_ = line.substr(prefix.size());
    }
  }
  if (!failure.empty()) {
    stop();
    std::string how = ended_.empty() ? "" : " (" + ended_ + ")";
    throw std::runtime_error("server " + path + ": " + failure + how);
  }
  // Keep reading its stdout so that a talkative server never blocks on a full pipe.
  drain_ = std::thread([fd = out_fd_, echo_output, pid] {
    char buf[4096];
    while (true) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      if (echo_output) std::fprintf(stderr, "[server %d] %.*s", pid, static_cast<int>(n), buf);
    }
  });
}

ServerProcess::~ServerProcess() {
  stop();
}

std::string ServerProcess::shutdown() {
  stop();
  return ended_;
}

std::string ServerProcess::log_tail(size_t lines) const {
  if (log_path_.empty()) return "";
  FILE* f = std::fopen(log_path_.c_str(), "rb");
  if (!f) return "";
  std::fseek(f, 0, SEEK_END);
  long size = std::ftell(f);
  long from = size > 8192 ? size - 8192 : 0;
  std::fseek(f, from, SEEK_SET);
  std::string text(static_cast<size_t>(size - from), '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  size_t start = text.size();
  for (size_t count = 0; count < lines; ++count) {
    size_t newline = start == 0 ? std::string::npos : text.rfind('\n', start - 1);
    if (newline == std::string::npos) return text;
    start = newline;
  }
  return text.substr(start + 1);
}

std::string ServerProcess::ended() {
  if (ended_.empty() && pid_ > 0) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      ended_ = describe_wait_status(status);
      unregister_pid(pid_);
      pid_ = -1;
    }
  }
  return ended_;
}

void ServerProcess::terminate() {
  if (pid_ > 0 && ended().empty() && !terminated_) {
    kill(pid_, SIGTERM);
    terminated_ = true;
  }
}

void ServerProcess::stop() {
  if (pid_ > 0 && ended().empty()) {
    // SIGTERM first so that a server may shut down cleanly (and a sanitizer build check for
    // leaks); SIGKILL if it does not within 10 s.
    terminate();
    for (int i = 0; i < 1000 && ended().empty(); ++i)
      usleep(10000);
    if (ended().empty()) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      ended_ = describe_wait_status(status);
      unregister_pid(pid_);
      pid_ = -1;
    }
  }
  if (drain_.joinable()) drain_.join();
  if (out_fd_ >= 0) {
    close(out_fd_);
    out_fd_ = -1;
  }
}

}  // namespace interop_driver
