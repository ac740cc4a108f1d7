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

namespace ds_test {
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

ServerProcess::ServerProcess(const std::string& binary, const std::string& db_path) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Only async-signal-safe calls until exec: the test has gRPC threads.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fds[1], STDOUT_FILENO);
    execl(binary.c_str(), binary.c_str(), "--db", db_path.c_str(), "--port", "0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
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

ServerProcess::~ServerProcess() {
  stop();
}

int ServerProcess::stop() {
  int status = -1;
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

}  // namespace ds_test
