// conclave-interop server processes started and owned by the driver.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <thread>

namespace interop_driver {

// One `conclave-interop --port 0` child on loopback. The constructor returns once the server
// printed "listening on HOST:PORT"; the destructor kills it. The child also gets SIGKILL when
// the driver dies (PR_SET_PDEATHSIG), so no server outlives a crashed driver.
class ServerProcess {
 public:
  // Throws std::runtime_error when the server exits, prints something else, or is not ready
  // within `ready_timeout`. `echo_output`: copy the server's stdout to our stderr. `log_path`:
  // the file that receives the server's stderr (empty: our stderr).
  ServerProcess(const std::string& path, std::chrono::milliseconds ready_timeout, bool echo_output,
                const std::string& log_path = "");
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  // Empty while the process runs; otherwise how it ended ("exit code 1", "signal 11 (...)").
  std::string ended();
  // Sends SIGTERM without waiting (to stop several servers at once).
  void terminate();
  // Stops the server (SIGTERM, then SIGKILL after 10 s) and returns how it ended: "exit code 0"
  // for a clean stop; a sanitizer finding at exit (e.g. a leak) shows as another exit code.
  std::string shutdown();
  // The last lines of the stderr log (what a crash or a sanitizer printed), or empty.
  std::string log_tail(size_t lines) const;

 private:
  void stop();

  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string address_;
  std::string ended_;
  std::string log_path_;
  bool terminated_ = false;
  std::thread drain_;
};

// SIGINT, SIGTERM and SIGHUP kill every running server before the driver dies of the signal.
void install_cleanup_handlers();

}  // namespace interop_driver
