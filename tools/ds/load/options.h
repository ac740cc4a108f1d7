// The command line of conclave-ds-load (tools/ds/README.md, "Load and faults").
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace conclave::ds::load {

enum class Receive { kPoll, kSubscribe };

struct Options {
  int clients = 100;
  int groups = 20;
  uint64_t messages = 20000;  // application messages in all, spread evenly over the clients
  std::string db;             // SQLite path or postgresql:// URI; empty: see main.cpp
  std::string server;         // the conclave-ds binary
  int kills = 0;              // SIGKILLs of the server during the message phase
  Receive receive = Receive::kPoll;
  uint64_t seed = 1;
  int poll_ms = 100;        // the pause of a poll receiver whose Fetch came back empty
  int ack_every = 64;       // entries handled between two Acks
  int drain_seconds = 120;  // the end's wait for delivery, without progress, before failing
  int max_pad = 200;        // payload padding: 0 to this many bytes, from the seed
};

// The options, or nullopt after printing why and the usage to stderr.
std::optional<Options> parse_options(int argc, char** argv);

}  // namespace conclave::ds::load
