// The live group of the stateful fuzz targets: alice, bob and carol in suite 1, and the valid
// messages alice and carol send that bob has not processed yet. Keys are fresh per process, so
// an input does not carry a message: it picks one of these and mutates its bytes (a script of
// byte flips), which keeps mutations aimed at bob's real state.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/group.h"
#include "conclave/group/identity.h"

namespace conclave_fuzz {

using namespace conclave;

// The targets' clients are their own: every credential is accepted, so a mutation meets the
// other checks (RFC 9420 §5.3.1 leaves this one to the application).
inline GroupPolicy accept_any_policy() {
  GroupPolicy policy;
  policy.credential_validator = insecure_accept_any_credential();
  return policy;
}

struct LiveGroup {
  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, 1};
  Identity bob_id = Identity::generate(suite, basic_credential("bob"));
  Identity dave_id = Identity::generate(suite, basic_credential("dave"));
  KeyPackageBundle dave_kp = create_key_package(suite, dave_id, unix_time_now());
  std::optional<Group> bob;
  std::vector<Bytes> messages;  // for bob's process()
  std::vector<Bytes> welcomes;  // for dave's join()

  explicit LiveGroup(HandshakeFormat format) {
    const Identity alice_id = Identity::generate(suite, basic_credential("alice"));
    const Identity carol_id = Identity::generate(suite, basic_credential("carol"));
    const KeyPackageBundle bob_kp = create_key_package(suite, bob_id, unix_time_now());
    const KeyPackageBundle carol_kp = create_key_package(suite, carol_id, unix_time_now());
    CreateOptions options;
    options.config.handshake_format = format;
    Group alice = Group::create(provider, alice_id, options, accept_any_policy());
    CommitOptions add;
    add.add = {bob_kp.key_package, carol_kp.key_package};
    const CommitOutput added = alice.commit(add);
    alice.merge_pending_commit();
    bob.emplace(Group::join(provider, bob_id, bob_kp, *added.welcome, std::nullopt, {},
                            accept_any_policy()));
    Group carol = Group::join(provider, carol_id, carol_kp, *added.welcome, std::nullopt, {},
                              accept_any_policy());

    // Each handshake message is made from a copy of alice at the same epoch, so that none of
    // them sees another's pending state; bob has processed none of them.
    const Group base = alice;
    keep(alice.protect(as_bytes("hello bob")));
    keep(carol.protect(as_bytes("hello from carol")));
    keep(carol.propose_update());
    keep(Group(base).propose_remove(carol.own_leaf()));
    keep(Group(base).commit().commit);  // an update commit
    CommitOptions add_dave;
    add_dave.add = {dave_kp.key_package};
    const CommitOutput with_dave = Group(base).commit(add_dave);
    keep(with_dave.commit);
    welcomes.push_back(codec::encode(*with_dave.welcome));
    CommitOptions remove_carol;
    remove_carol.remove = {carol.own_leaf()};
    keep(Group(base).commit(remove_carol).commit);
  }

  void keep(const wire::MlsMessage& message) { messages.push_back(codec::encode(message)); }
};

// `pool[data[0] % size]` with the rest of the input applied as flips: each 3 bytes are a
// 16-bit offset (modulo the message's size) and a byte XORed in there.
inline Bytes mutated(const std::vector<Bytes>& pool, const uint8_t* data, size_t size) {
  Bytes out = pool[data[0] % pool.size()];
  if (out.empty()) return out;
  for (size_t i = 1; i + 2 < size; i += 3) {
    const size_t offset = (data[i] | (size_t{data[i + 1]} << 8)) % out.size();
    out[offset] ^= data[i + 2];
  }
  return out;
}

}  // namespace conclave_fuzz
