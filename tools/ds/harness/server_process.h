// A conclave-ds child process on loopback, owned by the program that started it: the
// integration tests (tools/ds/tests) and the load generator (tools/ds/load).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace conclave::ds::harness {

class ServerProcess {
 public:
  // Starts `conclave-ds --db <db_path> --port <port> <args...>` and returns once it printed
  // "listening on HOST:PORT" (throws std::runtime_error otherwise, within 20 s). Port 0 is any
  // free port; a restart after a crash passes the port of the first start, so clients'
  // channels reconnect to it. Its stderr goes to `stderr_path` when given, else to
  // the caller's.
  ServerProcess(const std::string& binary, const std::string& db_path,
                const std::vector<std::string>& args = {}, const std::string& stderr_path = "",
                int port = 0);
  // Stops the server if it still runs (SIGTERM, then SIGKILL).
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& address() const { return address_; }
  // The port it listens on.
  int port() const;
  // SIGTERM and wait: the exit status (0 for a clean shutdown), or 128 + signal. Once stopped,
  // the same status again.
  int stop();
  // SIGKILL and wait: a crash, with no chance to finish anything.
  void kill_now();

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
  int out_fd_ = -1;
  std::string address_;
};

// A fresh temporary folder, removed with its contents when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace conclave::ds::harness
