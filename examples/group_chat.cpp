// A three-member MLS group (RFC 9420), step by step: Alice creates a group and adds Bob and
// Carol in one commit (they join by Welcome), messages go both ways, Bob refreshes his keys,
// Alice removes Carol, Carol learns she is out, and the chat goes on.
//
// Every message here would travel through a Delivery Service; this program hands it from one
// member to the others directly. After each commit it prints every member's epoch and the
// first bytes of its epoch authenticator (§8.7), which agree only when all derived the same
// epoch secrets. It exits with 1 as soon as anything disagrees.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <variant>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"

namespace {

using namespace conclave;

struct Member {
  std::string name;
  Group group;
};

// Thrown when members disagree; main() reports it and exits non-zero.
struct Disagreement : std::exception {
  std::string what_;
  explicit Disagreement(std::string what) : what_(std::move(what)) {}
  const char* what() const noexcept override { return what_.c_str(); }
};

void check(bool ok, const std::string& what) {
  if (!ok) throw Disagreement(what);
}

std::string prefix(BytesView authenticator) {
  return to_hex(authenticator.first(std::min<size_t>(authenticator.size(), 8)));
}

std::string text(BytesView data) {
  return std::string(data.begin(), data.end());
}

// Prints each member's epoch and authenticator prefix and checks they agree.
void show_epoch(const std::vector<const Member*>& members) {
  const Group& first = members.front()->group;
  for (const Member* m : members) {
    std::printf("    %-5s epoch %llu  authenticator %s...  %zu members\n", m->name.c_str(),
                static_cast<unsigned long long>(m->group.epoch()),
                prefix(m->group.epoch_authenticator().view()).c_str(), m->group.members().size());
    check(m->group.epoch() == first.epoch(), m->name + " is in another epoch");
    check(m->group.epoch_authenticator() == first.epoch_authenticator(),
          m->name + "'s epoch authenticator differs: not the same group state");
  }
}

// `from` sends `message`; every member in `to` decrypts it and must read the same text.
void chat(Member& from, const std::vector<Member*>& to, const std::string& message) {
  const MlsMessage sent = from.group.protect(as_bytes(message));
  std::printf("  %s: \"%s\"  (PrivateMessage, %zu bytes)\n", from.name.c_str(), message.c_str(),
              sent.to_bytes().size());
  for (Member* m : to) {
    const auto got = std::get<ApplicationMessage>(m->group.process(sent));
    std::printf("    %-5s reads \"%s\" from leaf %u\n", m->name.c_str(), text(got.data).c_str(),
                got.sender.value);
    check(text(got.data) == message, m->name + " read something else");
    check(got.sender == from.group.own_leaf(), m->name + " sees another sender");
  }
}

// The committer's commit reaches every other member, who checks and merges it; the
// committer merges its own once the Delivery Service has accepted it.
void deliver_commit(Member& committer, const MlsMessage& commit,
                    const std::vector<Member*>& others) {
  std::printf("  %s's commit is %zu bytes\n", committer.name.c_str(), commit.to_bytes().size());
  committer.group.merge_pending_commit();
  for (Member* m : others) {
    StagedCommit staged = std::get<StagedCommit>(m->group.process(commit));
    std::printf("    %-5s stages it: epoch %llu, %zu added, %zu removed, %zu updated%s\n",
                m->name.c_str(), static_cast<unsigned long long>(staged.new_epoch()),
                staged.added().size(), staged.removed().size(), staged.updated().size(),
                staged.removes_me() ? ", and it removes me" : "");
    m->group.merge(std::move(staged));
  }
}

int run() {
  const auto provider = crypto::openssl_provider();
  // Suite 1: MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519, the one every client supports.
  const crypto::Suite suite(provider, 1);
  std::printf("Cipher suite 0x%04x %s\n\n", suite.id(), std::string(suite.info().name).c_str());

  // Each client has a signature key and credential, and publishes KeyPackages (§10).
  const Identity alice_id = Identity::generate(suite, basic_credential("alice"));
  const Identity bob_id = Identity::generate(suite, basic_credential("bob"));
  const Identity carol_id = Identity::generate(suite, basic_credential("carol"));
  const KeyPackageBundle bob_kp = create_key_package(suite, bob_id, unix_time_now());
  const KeyPackageBundle carol_kp = create_key_package(suite, carol_id, unix_time_now());

  // §5.3.1: each member checks the others' credentials with its Authentication Service (a
  // messenger's directory, X.509 with make_x509_credential_validator...). This demo accepts
  // every credential, which the library makes it say explicitly.
  GroupPolicy policy;
  policy.credential_validator = insecure_accept_any_credential();

  std::printf("1. Alice creates the group (§11)\n");
  Member alice{"alice", Group::create(provider, alice_id, {}, policy)};
  std::printf("    group id %s, epoch %llu, 1 member\n\n", prefix(alice.group.group_id()).c_str(),
              static_cast<unsigned long long>(alice.group.epoch()));

  std::printf("2. Alice adds Bob and Carol in one commit (§12.1.1, §12.4)\n");
  CommitOptions add;
  add.add = {bob_kp.key_package, carol_kp.key_package};
  const CommitOutput added = alice.group.commit(add);
  alice.group.merge_pending_commit();
  check(added.welcome.has_value(), "no Welcome for the new members");
  std::printf("  Welcome: %zu bytes, with the ratchet tree\n", added.welcome->to_bytes().size());
  Member bob{"bob",
             Group::join(provider, bob_id, bob_kp, *added.welcome, std::nullopt, {}, policy)};
  Member carol{"carol",
               Group::join(provider, carol_id, carol_kp, *added.welcome, std::nullopt, {}, policy)};
  std::printf("  Bob and Carol join by Welcome (§12.4.3.1): Bob at leaf %u, Carol at leaf %u\n",
              bob.group.own_leaf().value, carol.group.own_leaf().value);
  show_epoch({&alice, &bob, &carol});

  std::printf("\n3. Messages both ways (§6.3)\n");
  chat(alice, {&bob, &carol}, "Welcome, both of you!");
  chat(bob, {&alice, &carol}, "Thanks, Alice.");
  chat(carol, {&alice, &bob}, "Hi all.");

  std::printf("\n4. Bob commits an update: fresh keys on his path (§7.4, §12.4)\n");
  const CommitOutput updated = bob.group.commit();
  deliver_commit(bob, updated.commit, {&alice, &carol});
  show_epoch({&alice, &bob, &carol});
  chat(bob, {&alice, &carol}, "New keys, same Bob.");

  std::printf("\n5. Alice removes Carol (§12.1.3)\n");
  CommitOptions remove;
  remove.remove = {carol.group.own_leaf()};
  const CommitOutput removed = alice.group.commit(remove);
  deliver_commit(alice, removed.commit, {&bob, &carol});
  check(!carol.group.active(), "Carol still thinks she is a member");
  std::printf("  Carol's group is %s: she keeps no keys of the new epoch\n",
              carol.group.active() ? "still active" : "inactive");
  show_epoch({&alice, &bob});
  check(carol.group.epoch_authenticator().empty() ||
            carol.group.epoch_authenticator() != alice.group.epoch_authenticator(),
        "Carol knows the new epoch's authenticator");

  std::printf("\n6. The chat goes on without Carol\n");
  chat(alice, {&bob}, "Just the two of us now.");
  chat(bob, {&alice}, "Carol can't read this.");
  const MlsMessage secret = alice.group.protect(as_bytes("for Bob only"));
  bool carol_reads = true;
  try {
    carol.group.process(secret);
  } catch (const std::exception& e) {
    carol_reads = false;
    std::printf("  Carol tries to read Alice's next message: refused (%s)\n", e.what());
  }
  check(!carol_reads, "Carol read a message of an epoch she was removed from");

  std::printf("\nEvery member agreed at every step.\n");
  return 0;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const Disagreement& e) {
    std::fprintf(stderr, "\nDISAGREEMENT: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nerror: %s\n", e.what());
  }
  return 1;
}
