#include "pg_cluster.h"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace conclave::ds::harness {
namespace {

// Any fixed port: the cluster listens on no TCP address, and its socket file is in a folder of
// its own, so no other server can collide with it.
constexpr const char* kPort = "5432";

bool is_executable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

// PostgreSQL's server programs: $CONCLAVE_PG_BINDIR, else `pg_config --bindir` (Debian's
// /usr/lib/postgresql/N/bin), else the first /usr/lib/postgresql/*/bin with initdb.
std::string find_bindir() {
  if (const char* env = std::getenv("CONCLAVE_PG_BINDIR"))
    if (is_executable(std::string(env) + "/initdb")) return env;
  if (FILE* p = popen("pg_config --bindir 2>/dev/null", "r")) {
    char line[4096] = {};
    const bool got = std::fgets(line, sizeof line, p) != nullptr;
    pclose(p);
    std::string dir = got ? line : "";
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' '))
      dir.pop_back();
    if (!dir.empty() && is_executable(dir + "/initdb") && is_executable(dir + "/pg_ctl"))
      return dir;
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string dir = (entry.path() / "bin").string();
    if (is_executable(dir + "/initdb") && is_executable(dir + "/pg_ctl")) return dir;
  }
  throw std::runtime_error(
      "PostgreSQL's server programs (initdb, pg_ctl) were not found; install postgresql or set "
      "CONCLAVE_PG_BINDIR");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

PgCluster& PgCluster::shared() {
  // Destroyed at exit, which stops the cluster. A failure to start is remembered: one attempt
  // per program, not one per test.
  static std::unique_ptr<PgCluster> cluster;
  static std::string failure;
  if (!cluster && failure.empty()) {
    try {
      cluster = std::make_unique<PgCluster>();
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  if (!cluster) throw std::runtime_error(failure);
  return *cluster;
}

PgCluster::PgCluster() : dir_(std::make_unique<TempDir>()), bindir_(find_bindir()) {
  // initdb and postgres refuse to run as root: the cluster then belongs to nobody, in a folder
  // nobody owns.
  if (geteuid() == 0) {
    const passwd* nobody = getpwnam("nobody");
    if (!nobody || chown(dir_->path().c_str(), nobody->pw_uid, nobody->pw_gid) != 0)
      throw std::runtime_error(
          "running as root, and the cluster's folder cannot be given to nobody");
    as_owner_ = "runuser -u nobody -- ";
  }
  const std::string& dir = dir_->path();
  // Trust on the unix socket only: nothing but processes that can reach the folder connect.
  std::string initdb =
      bindir_ + "/initdb -D " + dir + "/data -U conclave -A trust -E UTF8 --no-sync";
  if (!run(initdb, "initdb.log")) {
    std::string message = "initdb failed: ";
    message += read_file(dir + "/initdb.log");
    throw std::runtime_error(message);
  }
  if (!start()) {
    std::string message = "pg_ctl start failed: ";
    message += read_file(dir + "/server.log");
    throw std::runtime_error(message);
  }
}

bool PgCluster::start() {
  const std::string& dir = dir_->path();
  // fsync off: a throwaway cluster; the tests crash conclave-ds, never PostgreSQL.
  const std::string command = bindir_ + "/pg_ctl -D " + dir + "/data -l " + dir +
                              "/server.log -w -t 60 -o \"-k " + dir + " -p " + kPort +
                              " -c listen_addresses='' -c fsync=off\" start";
  if (!run(command, "pg_ctl.log")) return false;
  started_ = true;
  return true;
}

bool PgCluster::stop() {
  if (!run(bindir_ + "/pg_ctl -D " + dir_->path() + "/data -m fast -w -t 60 stop", "stop.log"))
    return false;
  started_ = false;
  return true;
}

bool PgCluster::restart() {
  // pg_ctl restart starts the server again with the options of the last start.
  return run(bindir_ + "/pg_ctl -D " + dir_->path() + "/data -m fast -w -t 60 restart",
             "restart.log");
}

PgCluster::~PgCluster() {
  if (started_)
    run(bindir_ + "/pg_ctl -D " + dir_->path() + "/data -m immediate -w stop", "stop.log");
}

bool PgCluster::run(const std::string& command, const std::string& log) const {
  std::string line = "cd " + dir_->path() + " && " + as_owner_ + command + " >" + dir_->path() +
                     "/" + log + " 2>&1";
  return std::system(line.c_str()) == 0;
}

std::string PgCluster::uri(const std::string& database) const {
  return "postgresql:///" + database + "?host=" + dir_->path() + "&port=" + kPort +
         "&user=conclave";
}

std::string PgCluster::create_database() {
  std::string name = "ds";
  name += std::to_string(++databases_);
  std::string create = "CREATE DATABASE ";
  create += name;
  pg_query(uri("postgres"), create);
  return uri(name);
}

long long pg_query(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  std::string error;
  long long value = -1;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    const ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQnfields(r) > 0)
      value = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
    else if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
      error = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(conn);
  if (!error.empty()) {
    error.insert(0, "postgresql: ");
    throw std::runtime_error(error);
  }
  return value;
}

}  // namespace conclave::ds::harness
