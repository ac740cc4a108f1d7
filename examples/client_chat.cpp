// The Client API in one page: three devices on one in-process Delivery Service
// (LocalDeliveryService; an application talks to conclave-ds with make_grpc_transport instead),
// each on its own store. Alice creates a group and invites Bob and Carol, messages go both
// ways, Carol leaves (a proposal Alice's next sync commits), and every event is printed.
// Exits non-zero if the members disagree.
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "conclave/client/client.h"
#include "conclave/client/local_delivery.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/storage/memory_storage.h"

using namespace conclave;

namespace {

const char* kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kMessageReceived: return "message";
    case EventKind::kMemberAdded: return "member added";
    case EventKind::kMemberRemoved: return "member removed";
    case EventKind::kGroupJoined: return "joined";
    case EventKind::kRemovedFromGroup: return "removed from the group";
    case EventKind::kEpochChanged: return "epoch changed";
    case EventKind::kMessageRejected: return "message rejected";
    case EventKind::kCommitVetoed: return "commit vetoed";
  }
  return "?";
}

Client open_device(const std::shared_ptr<LocalDeliveryService>& ds, const std::string& user) {
  ClientOptions options;
  options.user = user;
  // A demo: every credential is accepted. A messenger checks each one with its
  // Authentication Service (RFC 9420 §5.3.1).
  options.policy.credential_validator = insecure_accept_any_credential();
  Client client = Client::open(crypto::openssl_provider(),
                               std::make_shared<storage::MemoryStorage>(), ds->connect(), options);
  client.on_event([user](const Event& e) {
    std::string line =
        "  [" + user + "] " + kind_name(e.kind) + ", epoch " + std::to_string(e.epoch);
    if (!e.member.user.empty()) line += ", " + e.member.user + "/" + e.member.device;
    if (!e.by.user.empty() && e.kind != EventKind::kMessageReceived) line += " by " + e.by.user;
    if (e.kind == EventKind::kMessageReceived)
      line += ": " + std::string(e.data.begin(), e.data.end());
    std::printf("%s\n", line.c_str());
  });
  client.register_device();
  return client;
}

Bytes text(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

}  // namespace

int main() {
  try {
    auto ds = LocalDeliveryService::create();
    Client alice = open_device(ds, "alice");
    Client bob = open_device(ds, "bob");
    Client carol = open_device(ds, "carol");
    const Bytes group = text("book-club");

    std::printf("Alice creates the group and invites Bob and Carol\n");
    alice.create_group(group);
    alice.invite(group, {"bob", "carol"});
    bob.sync();
    carol.sync();

    std::printf("Messages both ways\n");
    alice.send(group, text("Next book: The Dispossessed?"));
    bob.sync();
    carol.sync();
    bob.send(group, text("Yes!"));
    alice.sync();
    carol.sync();

    std::printf("Carol leaves: she proposes her removal, Alice's sync commits it\n");
    carol.leave(group);
    alice.sync();
    bob.sync();
    carol.sync();

    const Group& a = alice.group(group);
    const Group& b = bob.group(group);
    const bool agree = a.epoch() == b.epoch() &&
                       a.epoch_authenticator() == b.epoch_authenticator() &&
                       alice.members(group).size() == 2 && !carol.has_group(group);
    std::printf("%s\n", agree ? "Alice and Bob agree; Carol is out." : "The members disagree!");
    return agree ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
