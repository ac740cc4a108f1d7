// conclave-ds-load: a load generator and fault injector for conclave-ds (tools/ds/README.md,
// "Load and faults").
//
//   conclave-ds-load --server PATH [--db PATH|postgresql://...] [--clients N] [--groups G]
//                    [--messages M] [--kills K] [--receive subscribe|poll] [--seed S] ...
//
// Starts its own conclave-ds on a free loopback port, sets up G groups of real MLS clients
// through it (one commit and Welcome each), then sends M application messages concurrently
// while killing the server K times (SIGKILL) and restarting it on the same database and port.
// Every client receives and decrypts its queue; at the end the deliveries are checked against
// the acknowledged sends (verify.h). Prints a report and one `RESULT key=value...` line; exits
// 1 with FINDING lines on any violation, 2 when it could not run, 77 when the PostgreSQL test
// cluster it was asked for is missing (ctest's skip).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "load_client.h"
#include "options.h"
#include "pg_cluster.h"
#include "server_process.h"
#include "verify.h"

namespace conclave::ds::load {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kSkip = 77;

// The PostgreSQL test cluster was asked for and cannot run here.
struct Skipped : std::runtime_error {
  using std::runtime_error::runtime_error;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A free loopback port below the kernel's ephemeral range. Not port 0's choice: while the
// server is down, the clients' reconnects take ephemeral ports, and one of them may take the
// server's own (a TCP self-connect to a port nobody listens on), so the restart could not
// listen there.
int free_port() {
  int low = 32768;
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%d", &low) != 1) low = 32768;
    std::fclose(f);
  }
  std::random_device random;
  const int first = 10000;
  const int count = std::max(1000, low - first);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = first + static_cast<int>(random() % static_cast<unsigned>(count));
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    if (free) return port;
  }
  throw std::runtime_error("no free loopback port");
}

// The conclave-ds process across kills: always on the port of its first start, each start
// logging to a file of its own in `log_dir`.
class Server {
 public:
  Server(const Options& options, std::string db, std::string log_dir)
      : options_(options), db_(std::move(db)), log_dir_(std::move(log_dir)) {}

  void start() {
    if (port_ == 0) port_ = free_port();
    // A restart may find the port still held for a moment: try again.
    for (int attempt = 0;; ++attempt) {
      const std::string log = log_dir_ + "/ds-" + std::to_string(starts_++) + ".log";
      try {
        process_ = std::make_unique<harness::ServerProcess>(options_.server, db_,
                                                            std::vector<std::string>{}, log, port_);
        break;
      } catch (const std::runtime_error&) {
        if (attempt >= 20) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    address_ = process_->address();
  }
  // SIGKILL, then a new process on the same database; how long the server was away.
  double kill_and_restart() {
    const auto start = Clock::now();
    process_->kill_now();
    this->start();
    return seconds_since(start);
  }
  int stop() { return process_->stop(); }
  const std::string& address() const { return address_; }

 private:
  const Options& options_;
  std::string db_;
  std::string log_dir_;
  std::unique_ptr<harness::ServerProcess> process_;
  int port_ = 0;  // chosen at the first start, kept across restarts
  int starts_ = 0;
  std::string address_;
};

struct Report {
  std::string backend;
  int kills_done = 0;
  double longest_outage_s = 0;
  double setup_s = 0;
  double phase_s = 0;
  double total_s = 0;
  int server_exit = -1;
};

// Client i is in group i % G; the group's first client creates it and adds the others.
std::vector<std::vector<int>> layout(const Options& options) {
  std::vector<std::vector<int>> groups(options.groups);
  for (int i = 0; i < options.clients; ++i)
    groups[i % options.groups].push_back(i);
  return groups;
}

void setup(const std::vector<std::vector<int>>& groups,
           std::vector<std::unique_ptr<LoadClient>>& clients) {
  for (auto& c : clients)
    c->register_device();
  for (const auto& members : groups) {
    std::vector<LoadClient*> others;
    for (size_t k = 1; k < members.size(); ++k) {
      clients[members[k]]->publish_key_package();
      others.push_back(clients[members[k]].get());
    }
    clients[members[0]]->create_group("load-group-" + std::to_string(&members - &groups[0]),
                                      others);
    for (const LoadClient* other : others)
      clients[other->index()]->join();
  }
  for (auto& c : clients)
    c->learn_roster();
}

// Kills the server at K moments spread over the message phase: when the acknowledged sends pass
// k/(K+1) of all, moved by up to a quarter of that step at random.
void kill_schedule(const Options& options, Server& server, const Stats& stats,
                   const std::atomic<bool>& senders_done, Report& report) {
  std::mt19937_64 rng(options.seed);
  const double step = 1.0 / (options.kills + 1);
  std::uniform_real_distribution<double> jitter(-step / 4, step / 4);
  for (int k = 1; k <= options.kills; ++k) {
    const auto target = static_cast<uint64_t>((k * step + jitter(rng)) * options.messages);
    while (stats.acked < target && !senders_done)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (senders_done) return;
    report.longest_outage_s = std::max(report.longest_outage_s, server.kill_and_restart());
    ++report.kills_done;
  }
}

void message_phase(const Options& options, Server& server,
                   std::vector<std::unique_ptr<LoadClient>>& clients, Stats& stats,
                   const std::atomic<bool>& stop_receiving, std::vector<std::thread>& receivers,
                   Report& report) {
  for (auto& c : clients)
    receivers.emplace_back([&c, &stop_receiving] { c->receive(stop_receiving); });
  std::atomic<bool> senders_done{false};
  std::atomic<uint64_t> senders_left{clients.size()};
  const auto start = Clock::now();
  std::vector<std::thread> senders;
  const uint64_t n = clients.size();
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t quota = options.messages / n + (i < options.messages % n ? 1 : 0);
    senders.emplace_back([&, &c = *clients[i], quota, i] {
      std::mt19937_64 rng(options.seed * 1000003 + i);
      std::uniform_int_distribution<int> pad(0, options.max_pad);
      try {
        for (uint64_t m = 0; m < quota; ++m)
          c.send_message(static_cast<size_t>(pad(rng)));
      } catch (const std::exception& e) {
        stats.finding(c.user() + " stopped sending: " + e.what());
      }
      if (--senders_left == 0) senders_done = true;
    });
  }
  // The kills run on this thread, which outlives the server: conclave-ds dies with the thread
  // that started it (PR_SET_PDEATHSIG in ServerProcess).
  try {
    kill_schedule(options, server, stats, senders_done, report);
  } catch (const std::exception& e) {
    stats.finding(std::string("restart: ") + e.what());
    stats.abandoned = true;
  }
  for (auto& t : senders)
    t.join();
  report.phase_s = seconds_since(start);
}

// Waits until every client received every acknowledged message of the others in its group,
// or until nothing moved for --drain-seconds.
void drain(const Options& options, const std::vector<std::vector<int>>& groups,
           const std::vector<std::unique_ptr<LoadClient>>& clients, Stats& stats) {
  std::vector<uint64_t> expected(clients.size(), 0);
  for (const auto& members : groups)
    for (int s : members)
      for (const Sent& sent : clients[s]->sent())
        for (int m : members)
          if (m != s && sent.acked) ++expected[m];
  uint64_t last = stats.delivered;
  auto moved = Clock::now();
  while (true) {
    bool all = true;
    for (size_t i = 0; i < clients.size() && all; ++i)
      all = clients[i]->delivered_count() >= expected[i];
    if (all) return;
    if (stats.delivered != last) {
      last = stats.delivered;
      moved = Clock::now();
    } else if (seconds_since(moved) > options.drain_seconds) {
      stats.finding("drain: deliveries stopped short of the acknowledged messages");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

double percentile_ms(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[i]) / 1e6;
}

int print_report(const Options& options, const Report& r, const Stats& stats,
                 const std::vector<std::unique_ptr<LoadClient>>& clients,
                 const VerifyResult& verified) {
  std::vector<int64_t> latencies;
  for (const auto& c : clients)
    latencies.insert(latencies.end(), c->latencies_ns().begin(), c->latencies_ns().end());
  std::sort(latencies.begin(), latencies.end());
  const double rate = r.phase_s > 0 ? static_cast<double>(stats.acked) / r.phase_s : 0;
  std::vector<std::string> findings = stats.findings();
  findings.insert(findings.end(), verified.findings.begin(), verified.findings.end());
  if (r.kills_done < options.kills)
    findings.push_back("kills: only " + std::to_string(r.kills_done) + " of " +
                       std::to_string(options.kills) + " happened");
  constexpr size_t kShown = 40;
  for (size_t i = 0; i < findings.size() && i < kShown; ++i)
    std::printf("FINDING %s\n", findings[i].c_str());
  if (findings.size() > kShown) std::printf("FINDING ... and %zu more\n", findings.size() - kShown);
  const char* receive = options.receive == Receive::kSubscribe ? "subscribe" : "poll";
  std::printf(
      "conclave-ds-load: %s, %d clients in %d groups, %llu messages, receive by %s, %d kills "
      "(longest outage %.2f s)\n"
      "  setup %.1f s; message phase %.1f s: %.0f accepted messages/s\n"
      "  delivery latency p50 %.1f ms, p99 %.1f ms, max %.1f ms over %zu deliveries\n"
      "  send retries %llu, other retries %llu, stream reconnects %llu, redeliveries dropped "
      "%llu, stored unacknowledged %llu\n"
      "  %s\n",
      r.backend.c_str(), options.clients, options.groups,
      static_cast<unsigned long long>(options.messages), receive, r.kills_done, r.longest_outage_s,
      r.setup_s, r.phase_s, rate, percentile_ms(latencies, 0.5), percentile_ms(latencies, 0.99),
      percentile_ms(latencies, 1.0), latencies.size(),
      static_cast<unsigned long long>(stats.send_retries.load()),
      static_cast<unsigned long long>(stats.other_retries.load()),
      static_cast<unsigned long long>(stats.reconnects.load()),
      static_cast<unsigned long long>(stats.redeliveries.load()),
      static_cast<unsigned long long>(verified.stored_unacked),
      findings.empty() ? "OK: every acknowledged message delivered exactly once, in order"
                       : "FAILED: see the FINDING lines");
  std::printf(
      "RESULT backend=%s clients=%d groups=%d messages=%llu acked=%llu receive=%s kills=%d "
      "duration_s=%.1f phase_s=%.1f msgs_per_s=%.0f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f "
      "redeliveries_dropped=%llu send_retries=%llu findings=%zu\n",
      r.backend.c_str(), options.clients, options.groups,
      static_cast<unsigned long long>(options.messages),
      static_cast<unsigned long long>(stats.acked.load()), receive, r.kills_done, r.total_s,
      r.phase_s, rate, percentile_ms(latencies, 0.5), percentile_ms(latencies, 0.99),
      percentile_ms(latencies, 1.0), static_cast<unsigned long long>(stats.redeliveries.load()),
      static_cast<unsigned long long>(stats.send_retries.load()), findings.size());
  return findings.empty() ? 0 : 1;
}

// The --db to use: the option's, else a fresh database of the throwaway PostgreSQL cluster when
// CONCLAVE_DS_TEST_BACKEND=postgresql (as in the integration tests), else a SQLite file in `dir`.
std::string choose_database(const Options& options, const std::string& dir) {
  if (!options.db.empty()) return options.db;
  const char* backend = std::getenv("CONCLAVE_DS_TEST_BACKEND");
  if (backend && std::string_view(backend) == "postgresql") {
    try {
      harness::PgCluster::shared();
    } catch (const std::runtime_error& e) {
      throw Skipped(e.what());
    }
    return harness::PgCluster::shared().create_database();
  }
  return dir + "/ds.sqlite";
}

int run(const Options& options, const std::string& dir) {
  const auto start = Clock::now();
  Report report;
  const std::string db = choose_database(options, dir);
  report.backend = db.rfind("postgres", 0) == 0 ? "postgresql" : "sqlite";
  Server server(options, db, dir);
  server.start();
  Stats stats;
  std::vector<std::unique_ptr<LoadClient>> clients;
  for (int i = 0; i < options.clients; ++i)
    clients.push_back(std::make_unique<LoadClient>(i, server.address(), options, stats));
  const auto groups = layout(options);
  setup(groups, clients);
  report.setup_s = seconds_since(start);

  std::atomic<bool> stop_receiving{false};
  std::vector<std::thread> receivers;
  message_phase(options, server, clients, stats, stop_receiving, receivers, report);
  drain(options, groups, clients, stats);
  stop_receiving = true;
  for (auto& c : clients)
    c->cancel_stream();
  for (auto& t : receivers)
    t.join();
  for (auto& c : clients)
    c->final_fetch();
  report.server_exit = server.stop();
  if (report.server_exit != 0)
    stats.finding("shutdown: conclave-ds exited with " + std::to_string(report.server_exit) +
                  " on SIGTERM");
  report.total_s = seconds_since(start);
  std::vector<ClientLog> logs;
  for (const auto& c : clients)
    logs.push_back({c->sent(), c->delivered()});
  return print_report(options, report, stats, clients, verify(groups, logs));
}

}  // namespace
}  // namespace conclave::ds::load

int main(int argc, char** argv) {
  using namespace conclave::ds::load;
  const auto options = parse_options(argc, argv);
  if (!options) return 2;
  // The SQLite file and the server's logs; kept when something failed.
  std::string dir = (std::filesystem::temp_directory_path() / "conclave-ds-load-XXXXXX").string();
  if (!mkdtemp(dir.data())) {
    std::perror("conclave-ds-load: mkdtemp");
    return 2;
  }
  int status = 2;
  try {
    status = run(*options, dir);
  } catch (const Skipped& e) {
    // CI installs PostgreSQL (scripts/install-deps.sh): there its absence is a failure.
    std::fprintf(stderr, "conclave-ds-load: skipped: %s\n", e.what());
    status = std::getenv("CI") ? 2 : kSkip;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conclave-ds-load: %s\n", e.what());
  }
  if (status == 0) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  } else {
    std::fprintf(stderr, "conclave-ds-load: the database and server logs are in %s\n", dir.c_str());
  }
  return status;
}
