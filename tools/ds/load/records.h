// What each client of conclave-ds-load records while the load runs: the messages it sent and
// those its application received; the end-of-run checks (verify.h) read only these.
#pragma once

#include <cstdint>
#include <string>

namespace conclave::ds::load {

// One application message this client sent: acknowledged when its Send returned OK.
struct Sent {
  uint64_t counter = 0;
  uint64_t sequence = 0;  // the DS's, from the SendReply
  bool acked = false;
};

// One application message handed to this client's application.
struct Delivered {
  uint64_t sequence = 0;  // the queue entry's
  int sender = 0;         // the sending client, from the payload
  uint64_t counter = 0;
};

// The user name of client `index`; its only device is "d".
inline std::string client_name(int index) {
  // Appended, not "c" + to_string(): GCC 12 warns falsely (-Wrestrict) on that at -O2.
  std::string name = "c";
  name += std::to_string(index);
  return name;
}

}  // namespace conclave::ds::load
