#include "server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace conclave::ds::harness {
namespace {

int wait_status(pid_t pid, bool block) {
  int status = 0;
  const pid_t r = waitpid(pid, &status, block ? 0 : WNOHANG);
  if (r != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ServerProcess::ServerProcess(const std::string& binary, const std::string& db_path,
                             const std::vector<std::string>& args, const std::string& stderr_path,
                             int port) {
  // Everything the child needs is built before fork: it may not allocate.
  std::vector<std::string> words = {binary, "--db", db_path, "--port", std::to_string(port)};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words)
    argv.push_back(w.data());
  argv.push_back(nullptr);
  int err_fd = -1;
  if (!stderr_path.empty()) {
    err_fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (err_fd < 0) throw std::runtime_error("cannot open the server's log file");
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    if (err_fd >= 0) close(err_fd);
    throw std::runtime_error("pipe failed");
  }
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Only async-signal-safe calls until exec: the test has gRPC threads.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fds[1], STDOUT_FILENO);
    if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (err_fd >= 0) close(err_fd);
  close(fds[1]);
  out_fd_ = fds[0];
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{out_fd_, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r <= 0) continue;
    char c;
    const ssize_t n = read(out_fd_, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    line.push_back(c);
  }
  const std::string prefix = "listening on ";
  if (line.rfind(prefix, 0) != 0) {
    stop();
    throw std::runtime_error("conclave-ds did not start: \"" + line + "\"");
  }
  address_ = line.substr(prefix.size());
}

int ServerProcess::port() const {
  return std::stoi(address_.substr(address_.rfind(':') + 1));
}

ServerProcess::~ServerProcess() {
  stop();
}

int ServerProcess::stop() {
  int status = exit_status_;
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 1000 && status < 0; ++i) {
      status = wait_status(pid_, false);
      if (status < 0) usleep(10000);
    }
    if (status < 0) {
      kill(pid_, SIGKILL);
      status = wait_status(pid_, true);
    }
    pid_ = -1;
    exit_status_ = status;
  }
  if (out_fd_ >= 0) {
    close(out_fd_);
    out_fd_ = -1;
  }
  return status;
}

void ServerProcess::kill_now() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    wait_status(pid_, true);
    pid_ = -1;
  }
  stop();
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "conclave-ds-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace conclave::ds::harness
