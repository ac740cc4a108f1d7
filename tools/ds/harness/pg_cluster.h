// A throwaway PostgreSQL cluster for the conclave-ds tests and the load generator: initdb and
// pg_ctl in a temporary folder, reachable only through a unix socket in that folder, stopped
// and removed at the end of the program.
#pragma once

#include <memory>
#include <string>

#include "server_process.h"

namespace conclave::ds::harness {

class PgCluster {
 public:
  // The program's cluster, started on first use. Throws std::runtime_error with the reason when
  // PostgreSQL's server programs are missing or the cluster did not start (then on every call).
  static PgCluster& shared();

  PgCluster();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // A new, empty database; its connection URI (postgresql://...), as conclave-ds takes it.
  std::string create_database();
  // Restarts the server (fast shutdown: every session is disconnected). False when it fails.
  bool restart();
  // Stops the server (fast shutdown), and starts it again, for outages longer than a restart.
  // False when it fails.
  bool stop();
  bool start();

 private:
  // Runs `command` (a shell command line) in the cluster's folder as the cluster's owner; its
  // output goes to `log` in that folder. False when it fails.
  bool run(const std::string& command, const std::string& log) const;
  std::string uri(const std::string& database) const;

  std::unique_ptr<TempDir> dir_;
  std::string bindir_;
  std::string as_owner_;  // "runuser -u nobody -- " when the tests run as root
  bool started_ = false;
  int databases_ = 0;
};

// Runs one SQL statement on the PostgreSQL database `uri`; the first column of its first row as
// an integer when it returns one (-1 otherwise). Throws std::runtime_error when it fails.
long long pg_query(const std::string& uri, const std::string& sql);

}  // namespace conclave::ds::harness
