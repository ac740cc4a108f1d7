// The end-of-run checks of conclave-ds-load: what each client's application received against
// what every client sent and the DS acknowledged.
#pragma once

#include <string>
#include <vector>

#include "records.h"

namespace conclave::ds::load {

struct VerifyResult {
  std::vector<std::string> findings;
  uint64_t stored_unacked = 0;  // messages delivered although their Send never returned OK
};

// `groups[g]` lists the indexes of the clients of group g. Checks that
//   - every acknowledged message reached the application of every other member of its group
//     exactly once, under the sequence its SendReply gave;
//   - no message reached its own sender, a client outside its group, or any client twice, and
//     none that was never sent; an unacknowledged one reached all other members or none;
//   - each member's messages came in ascending DS sequence, and any two members of a group
//     received the same messages in the same order, each apart from its own.
// What client `i` did, for verify(): the messages it sent (in counter order, from 1) and those
// its application received, in the order it received them.
struct ClientLog {
  const std::vector<Sent>& sent;
  const std::vector<Delivered>& delivered;
};

VerifyResult verify(const std::vector<std::vector<int>>& groups,
                    const std::vector<ClientLog>& clients);

}  // namespace conclave::ds::load
