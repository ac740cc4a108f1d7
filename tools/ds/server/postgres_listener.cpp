// Cross-process push on PostgreSQL: a Send announces the devices whose queues grew with NOTIFY
// in its transaction (PostgresDatabase::announce), and every conclave-ds process on the database
// LISTENs on a connection of its own to wake its Subscribe streams.
#include <libpq-fe.h>
#include <poll.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <string>
#include <thread>

#include "database_backends.h"

namespace conclave::ds {
namespace {

// PostgreSQL refuses payloads of 8000 bytes or more; past this the announcement says "any".
constexpr size_t kMaxPayload = 7000;
constexpr const char* kAnyDevice = "*";

// The devices of a payload; empty (any device) for "*" or anything that does not parse.
std::vector<int64_t> parse_announcement(std::string_view payload) {
  std::vector<int64_t> devices;
  while (!payload.empty()) {
    const size_t comma = payload.find(',');
    const std::string_view item = payload.substr(0, comma);
    int64_t id = 0;
    const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (error != std::errc() || end != item.data() + item.size() || item.empty()) return {};
    devices.push_back(id);
    if (comma == std::string_view::npos) break;
    payload.remove_prefix(comma + 1);
  }
  return devices;
}

class PostgresListener final : public QueueListener {
 public:
  PostgresListener(std::string uri, QueueWake wake)
      : uri_(std::move(uri)), wake_(std::move(wake)), thread_([this] { run(); }) {}
  ~PostgresListener() override {
    stop_ = true;
    thread_.join();
    PQfinish(conn_);
  }

 private:
  bool connect() {
    PQfinish(conn_);
    conn_ = PQconnectdb(uri_.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    // A restart's "terminating connection" notice is expected here: the loop reconnects.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    std::string listen = "LISTEN ";
    listen += kQueueChannel;
    PGresult* result = PQexec(conn_, listen.c_str());
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    PQclear(result);
    return ok;
  }

  void run() {
    bool connected = false;
    while (!stop_) {
      if (!connected) {
        connected = connect();
        if (!connected) {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
          continue;
        }
        // Whatever was announced while this connection was down is lost: look at every queue.
        wake_({});
      }
      // A short timeout, so that the destructor's stop is seen promptly.
      pollfd watch{PQsocket(conn_), POLLIN, 0};
      if (poll(&watch, 1, 200) < 0) continue;
      if (!PQconsumeInput(conn_)) {
        connected = false;
        continue;
      }
      while (PGnotify* note = PQnotifies(conn_)) {
        const std::vector<int64_t> devices = parse_announcement(note->extra ? note->extra : "");
        PQfreemem(note);
        wake_(devices);
      }
    }
  }

  std::string uri_;
  QueueWake wake_;
  PGconn* conn_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: it starts once everything it uses is constructed
};

}  // namespace

std::string queue_announcement(const std::vector<int64_t>& devices) {
  std::string payload;
  for (const int64_t device : devices) {
    if (!payload.empty()) payload += ',';
    payload += std::to_string(device);
    if (payload.size() > kMaxPayload) return kAnyDevice;
  }
  return payload;
}

std::unique_ptr<QueueListener> listen_postgres(const std::string& uri, QueueWake wake) {
  return std::make_unique<PostgresListener>(uri, std::move(wake));
}

}  // namespace conclave::ds
