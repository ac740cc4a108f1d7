// conclave-interop-driver: starts conclave-interop servers on loopback and runs the interop
// scenarios through them, each for every cipher suite and both handshake modes.
//
//   conclave-interop-driver [--server PATH] [--connect HOST:PORT[,HOST:PORT]] [--suites 1,3]
//                           [--family NAME[,NAME]] [--verbose]
//
// --connect drives clients already running (another stack's interop client, say) as the first
// of the three clients of every scenario, in the order given; conclave-interop servers fill the
// remaining places.
//
// Prints "FAMILY: N passed, M failed" per family (a case is one suite and handshake mode),
// the reason of each failed case, the RPCs that never answered OK, and a total; exits non-zero
// when anything failed.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "client.h"
#include "families.h"
#include "process.h"
#include "scenario.h"

using namespace interop_driver;

namespace {

constexpr size_t kServers = 3;

struct Options {
  std::string server;
  std::vector<std::string> connect;  // addresses of clients the driver does not start
  std::vector<uint16_t> suites = {1, 2, 3, 4, 5, 6, 7};
  std::set<std::string> families;  // empty: all
  bool verbose = false;
  std::chrono::milliseconds ready_timeout{20000};
  std::chrono::milliseconds rpc_timeout{60000};
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "conclave-interop-driver: %s\n"
               "usage: conclave-interop-driver [--server PATH] [--connect HOST:PORT[,...]] "
               "[--suites 1,3] [--family NAME[,NAME]] [--verbose]\n",
               problem.c_str());
  std::exit(2);
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// conclave-interop next to this executable.
std::string default_server_path() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "conclave-interop";
  std::string self(buf, static_cast<size_t>(n));
  return self.substr(0, self.rfind('/') + 1) + "conclave-interop";
}

Options parse(int argc, char** argv) {
  Options o;
  o.server = default_server_path();
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--server") {
      o.server = value();
    } else if (arg == "--connect") {
      for (auto& address : split(value()))
        o.connect.push_back(address);
      if (o.connect.size() > kServers)
        usage("at most " + std::to_string(kServers) + " clients to connect to");
    } else if (arg == "--suites") {
      o.suites.clear();
      for (auto& s : split(value())) {
        int suite = std::atoi(s.c_str());
        if (suite < 1 || suite > 7) usage("no cipher suite " + s + " (1 to 7)");
        o.suites.push_back(static_cast<uint16_t>(suite));
      }
    } else if (arg == "--family") {
      for (auto& f : split(value()))
        o.families.insert(f);
    } else if (arg == "--verbose") {
      o.verbose = true;
    } else if (arg == "--help" || arg == "-h") {
      usage("runs the interop scenarios");
    } else {
      usage("unknown option " + arg);
    }
  }
  for (auto& f : o.families) {
    bool known = false;
    for (auto& family : families())
      known |= family.name == f;
    if (!known) {
      std::string names;
      for (auto& family : families())
        names += " " + family.name;
      usage("no family " + f + "; families:" + names);
    }
  }
  return o;
}

// The servers and their clients; a server that died is restarted so that later cases run.
// Their stderr (one line per refused request, and any sanitizer report) goes to log files in
// a temporary folder, kept when something failed.
class Servers {
 public:
  explicit Servers(const Options& o) : o_(o) {
    if (!o.verbose) {
      const char* tmp = std::getenv("TMPDIR");
      std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/conclave-interop-XXXXXX";
      if (mkdtemp(pattern.data())) log_dir_ = pattern;
    }
    try {
      for (size_t i = 0; i < kServers; ++i)
        start(i);
    } catch (...) {
      // No destructor runs for a constructor that throws.
      cleanup();
      throw;
    }
  }

  ~Servers() { cleanup(); }

  void keep_logs() { keep_logs_ = true; }

  // Stops every server the driver started; what went wrong at exit (a crash, a leak report),
  // or empty.
  std::string shutdown() {
    // Our channels close first: the server's graceful shutdown need not wait for them.
    clients_.clear();
    for (auto& p : processes_)
      if (p) p->terminate();
    std::string problems;
    for (size_t i = 0; i < processes_.size(); ++i) {
      if (!processes_[i]) continue;
      std::string ended = processes_[i]->shutdown();
      if (ended == "exit code 0") continue;
      std::string problem = "server " + std::to_string(i) + " stopped with " + ended;
      std::string tail = processes_[i]->log_tail(20);
      if (!tail.empty()) problem += "; its stderr ends with:\n" + indent(tail);
      problems += (problems.empty() ? "" : "\n  ") + problem;
      keep_logs_ = true;
    }
    return problems;
  }
  const std::string& log_dir() const { return log_dir_; }

  std::vector<Client*> clients() {
    std::vector<Client*> out;
    for (auto& c : clients_)
      out.push_back(c.get());
    return out;
  }

  // Why servers are unwell (empty: all answer Name); restarts those that died or hang (a
  // client the driver did not start is only reported).
  std::string check_and_restart() {
    std::string problems;
    for (size_t i = 0; i < kServers; ++i) {
      if (!processes_[i]) {
        if (std::string down = clients_[i]->ping(); !down.empty())
          problems += (problems.empty() ? "" : "; ") + std::string("client ") + std::to_string(i) +
                      " at " + clients_[i]->address() + " does not answer Name (" + down + ")";
        continue;
      }
      std::string ended = processes_[i]->ended();
      std::string problem;
      if (!ended.empty()) {
        problem = "server " + std::to_string(i) + " died (" + ended + ")";
      } else if (std::string down = clients_[i]->ping(); !down.empty()) {
        problem = "server " + std::to_string(i) + " does not answer Name (" + down + ")";
      }
      if (problem.empty()) continue;
      std::string tail = processes_[i]->log_tail(20);
      if (!tail.empty()) problem += "; its stderr ends with:\n" + indent(tail);
      problems += (problems.empty() ? "" : "; ") + problem + "\n      restarted";
      keep_logs_ = true;
      start(i);
    }
    return problems;
  }

 private:
  void cleanup() {
    clients_.clear();
    processes_.clear();
    if (!log_dir_.empty() && !keep_logs_) {
      for (auto& path : log_files_)
        unlink(path.c_str());
      rmdir(log_dir_.c_str());
    }
  }

  static std::string indent(const std::string& text) {
    std::string out = "        ";
    for (char c : text) {
      out.push_back(c);
      if (c == '\n') out += "        ";
    }
    return out;
  }

  void start(size_t i) {
    if (processes_.size() <= i) {
      processes_.resize(i + 1);
      clients_.resize(i + 1);
    }
    clients_[i].reset();
    processes_[i].reset();
    if (i < o_.connect.size()) {
      clients_[i] =
          std::make_unique<Client>(o_.connect[i], static_cast<int>(i), o_.rpc_timeout, o_.verbose);
      return;
    }
    std::string log;
    if (!log_dir_.empty()) {
      log = log_dir_ + "/server" + std::to_string(i) + "." + std::to_string(log_files_.size()) +
            ".log";
      log_files_.push_back(log);
    }
    processes_[i] = std::make_unique<ServerProcess>(o_.server, o_.ready_timeout, o_.verbose, log);
    clients_[i] = std::make_unique<Client>(processes_[i]->address(), static_cast<int>(i),
                                           o_.rpc_timeout, o_.verbose);
  }

  const Options& o_;
  std::string log_dir_;
  std::vector<std::string> log_files_;
  bool keep_logs_ = false;
  std::vector<std::unique_ptr<ServerProcess>> processes_;
  std::vector<std::unique_ptr<Client>> clients_;
};

uint32_t seed_of(const std::string& family, uint16_t suite, bool encrypt) {
  return static_cast<uint32_t>(std::hash<std::string>()(family) * 31 + suite * 2 + encrypt);
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  install_cleanup_handlers();
  auto started = std::chrono::steady_clock::now();
  std::unique_ptr<Servers> servers;
  std::set<uint16_t> supported;
  try {
    servers = std::make_unique<Servers>(o);
    bool first = true;
    for (Client* c : servers->clients()) {
      auto name = RPC(*c, Name, mls_client::NameRequest()).name();
      auto suites = RPC(*c, SupportedCiphersuites, mls_client::SupportedCiphersuitesRequest());
      // A case runs only in the suites every client supports.
      std::set<uint16_t> listed;
      for (uint32_t s : suites.ciphersuites())
        listed.insert(static_cast<uint16_t>(s));
      if (first) {
        supported = listed;
        first = false;
      } else {
        std::erase_if(supported, [&](uint16_t s) { return !listed.count(s); });
      }
      if (!o.connect.empty())
        std::printf("client %d: %s at %s\n", c->index(), name.c_str(), c->address().c_str());
      if (o.verbose)
        std::fprintf(stderr, "server %d: %s at %s, %zu suites\n", c->index(), name.c_str(),
                     c->address().c_str(), supported.size());
    }
  } catch (const std::exception& e) {
    std::printf("setup failed: %s\n", e.what());
    return 1;
  }

  int total_passed = 0, total_failed = 0;
  for (auto& family : families()) {
    if (!o.families.empty() && !o.families.count(family.name)) continue;
    int passed = 0, failed = 0;
    std::vector<std::string> reasons;
    for (uint16_t suite : o.suites) {
      for (bool encrypt : {false, true}) {
        std::string label = "suite " + std::to_string(suite) + (encrypt ? " private" : " public");
        auto case_start = std::chrono::steady_clock::now();
        std::string reason;
        if (!supported.count(suite)) {
          reason = "not every client lists the suite in SupportedCiphersuites";
        } else {
          try {
            Scenario s(servers->clients(), suite, encrypt, seed_of(family.name, suite, encrypt));
            try {
              family.run(s);
            } catch (const std::exception& e) {
              reason = s.current_step() + ": " + e.what();
            }
          } catch (const std::exception& e) {
            reason = std::string("teardown: ") + e.what();
          }
        }
        std::string health;
        try {
          health = servers->check_and_restart();
        } catch (const std::exception& e) {
          std::printf("%s: cannot restart a server: %s\n", family.name.c_str(), e.what());
          return 1;
        }
        if (!health.empty()) reason += (reason.empty() ? "" : " -- ") + health;
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - case_start)
                      .count();
        if (reason.empty()) {
          ++passed;
        } else {
          ++failed;
          reasons.push_back(label + ": " + reason);
        }
        if (o.verbose)
          std::fprintf(stderr, "%s %s: %s (%lld ms)\n", family.name.c_str(), label.c_str(),
                       reason.empty() ? "ok" : "FAILED", static_cast<long long>(ms));
      }
    }
    std::printf("%s: %d passed, %d failed\n", family.name.c_str(), passed, failed);
    for (auto& r : reasons)
      std::printf("  %s\n", r.c_str());
    std::fflush(stdout);
    total_passed += passed;
    total_failed += failed;
  }

  // Every RPC of the contract must have answered OK somewhere: checked only on a full run,
  // since a subset of families need not reach every RPC.
  auto stats = rpc_stats().snapshot();
  std::vector<std::string> never_ok;
  auto rpcs = service_rpcs();
  for (auto& rpc : rpcs)
    if (stats[rpc].ok == 0) never_ok.push_back(rpc);
  bool coverage_enforced = o.families.empty();
  std::printf("rpc coverage: %zu of %zu RPCs answered OK%s\n", rpcs.size() - never_ok.size(),
              rpcs.size(), coverage_enforced ? "" : " (not enforced for a subset of families)");
  for (auto& rpc : never_ok)
    std::printf("  %s: %llu calls, none OK\n", rpc.c_str(),
                static_cast<unsigned long long>(stats[rpc].calls));
  if (o.verbose) {
    for (auto& rpc : rpcs)
      std::fprintf(stderr, "  %-32s %8llu calls %8llu OK\n", rpc.c_str(),
                   static_cast<unsigned long long>(stats[rpc].calls),
                   static_cast<unsigned long long>(stats[rpc].ok));
  }
  bool ok = total_failed == 0 && !rpcs.empty() && (!coverage_enforced || never_ok.empty());
  // A clean stop, so that sanitizer builds of the server report leaks at exit.
  std::string at_exit = servers->shutdown();
  if (!at_exit.empty()) {
    std::printf("shutdown: %s\n", at_exit.c_str());
    ok = false;
  }
  if (!ok && !servers->log_dir().empty()) {
    servers->keep_logs();
    std::printf("server stderr logs: %s\n", servers->log_dir().c_str());
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("total: %d passed, %d failed in %.1f s%s\n", total_passed, total_failed, seconds,
              ok ? "" : " -- FAILED");
  servers.reset();
  return ok ? 0 : 1;
}
