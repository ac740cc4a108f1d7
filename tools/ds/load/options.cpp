#include "options.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace conclave::ds::load {
namespace {

constexpr const char* kUsage =
    "usage: conclave-ds-load --server PATH [--db PATH|postgresql://...] [--clients N]\n"
    "                        [--groups G] [--messages M] [--kills K] [--receive subscribe|poll]\n"
    "                        [--seed S] [--poll-ms MS] [--ack-every N] [--drain-seconds S]\n"
    "                        [--max-pad BYTES]\n";

std::nullopt_t usage(const std::string& why) {
  std::fprintf(stderr, "conclave-ds-load: %s\n%s", why.c_str(), kUsage);
  return std::nullopt;
}

bool parse_number(const char* text, uint64_t max, uint64_t& out) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || text[0] == '-' || value > max) return false;
  out = value;
  return true;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage(std::string(arg) + " takes a value");
    const char* value = argv[++i];
    uint64_t n = 0;
    // The integer options, each with its bounds.
    const auto number = [&](uint64_t min, uint64_t max) {
      if (!parse_number(value, max, n) || n < min) return false;
      return true;
    };
    if (arg == "--server") {
      o.server = value;
    } else if (arg == "--db") {
      o.db = value;
    } else if (arg == "--receive") {
      const std::string_view v = value;
      if (v == "poll")
        o.receive = Receive::kPoll;
      else if (v == "subscribe")
        o.receive = Receive::kSubscribe;
      else
        return usage("--receive takes subscribe or poll");
    } else if (arg == "--clients") {
      if (!number(2, 10000)) return usage("--clients takes 2 to 10000");
      o.clients = static_cast<int>(n);
    } else if (arg == "--groups") {
      if (!number(1, 5000)) return usage("--groups takes 1 to 5000");
      o.groups = static_cast<int>(n);
    } else if (arg == "--messages") {
      if (!number(0, 100000000)) return usage("--messages takes 0 to 100000000");
      o.messages = n;
    } else if (arg == "--kills") {
      if (!number(0, 1000)) return usage("--kills takes 0 to 1000");
      o.kills = static_cast<int>(n);
    } else if (arg == "--seed") {
      if (!number(0, UINT64_MAX)) return usage("--seed takes a number");
      o.seed = n;
    } else if (arg == "--poll-ms") {
      if (!number(1, 60000)) return usage("--poll-ms takes 1 to 60000");
      o.poll_ms = static_cast<int>(n);
    } else if (arg == "--ack-every") {
      if (!number(1, 1000000)) return usage("--ack-every takes 1 to 1000000");
      o.ack_every = static_cast<int>(n);
    } else if (arg == "--drain-seconds") {
      if (!number(1, 86400)) return usage("--drain-seconds takes 1 to 86400");
      o.drain_seconds = static_cast<int>(n);
    } else if (arg == "--max-pad") {
      if (!number(0, 65536)) return usage("--max-pad takes 0 to 65536");
      o.max_pad = static_cast<int>(n);
    } else {
      return usage("unknown option " + std::string(arg));
    }
  }
  if (o.server.empty()) return usage("--server is required");
  // Every group needs a creator and at least one other member.
  if (o.clients < 2 * o.groups) return usage("--clients must be at least twice --groups");
  return o;
}

}  // namespace conclave::ds::load
