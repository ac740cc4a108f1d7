// Members on different crypto backends form one group: libsodium (sodium_provider over OpenSSL)
// on some, OpenSSL alone on others, for the suites whose signatures and KEM libsodium does
// (1 and 3: Ed25519, DHKEM(X25519)). Every signature, HPKE encryption and path secret crosses
// from one backend to the other, and the epoch authenticators must agree after each step.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <utility>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/sodium_provider.h"
#include "conclave/group/group.h"
#include "support/accept_any_policy.h"
#include "support/forwarding_provider.h"

namespace conclave {
namespace {

using conclave::testing::accept_any_policy;
using crypto::KemId;
using crypto::SignatureScheme;

// The base under the sodium members: counts the Ed25519/X25519 operations that reach it, which
// must be none for a valid group (libsodium does them; verify() asks the base only about a
// signature libsodium refuses).
class CountingBase : public conclave::testing::ForwardingProvider {
 public:
  mutable std::atomic<int> curve25519_calls{0};

  Bytes sign(SignatureScheme scheme, BytesView private_key, BytesView message) const override {
    if (scheme == SignatureScheme::kEd25519) ++curve25519_calls;
    return ForwardingProvider::sign(scheme, private_key, message);
  }
  bool verify(SignatureScheme scheme, BytesView public_key, BytesView message,
              BytesView signature) const override {
    if (scheme == SignatureScheme::kEd25519) ++curve25519_calls;
    return ForwardingProvider::verify(scheme, public_key, message, signature);
  }
  SecretBytes dh(KemId kem, BytesView private_key, BytesView peer_public_key) const override {
    if (kem == KemId::kDhkemX25519Sha256) ++curve25519_calls;
    return ForwardingProvider::dh(kem, private_key, peer_public_key);
  }
  Bytes dh_public_key(KemId kem, BytesView private_key) const override {
    if (kem == KemId::kDhkemX25519Sha256) ++curve25519_calls;
    return ForwardingProvider::dh_public_key(kem, private_key);
  }
};

struct Member {
  std::shared_ptr<const crypto::CryptoProvider> provider;
  crypto::Suite suite;
  Identity identity;
  KeyPackageBundle key_package;
};

Member make_member(std::shared_ptr<const crypto::CryptoProvider> provider, uint16_t suite_id,
                   const std::string& name) {
  crypto::Suite suite(provider, suite_id);
  Identity id = Identity::generate(suite, basic_credential(name));
  KeyPackageBundle kp = create_key_package(suite, id, unix_time_now());
  return Member{std::move(provider), std::move(suite), std::move(id), std::move(kp)};
}

Group join(const Member& m, const CommitOutput& out) {
  return Group::join(m.provider, m.identity, m.key_package, *out.welcome, std::nullopt, {},
                     accept_any_policy());
}

std::string text(const ProcessResult& r) {
  const auto& m = std::get<ApplicationMessage>(r);
  return std::string(m.data.begin(), m.data.end());
}

class SodiumOpenSslInterop : public ::testing::TestWithParam<uint16_t> {
 protected:
  void SetUp() override {
    if (!crypto::sodium_available()) GTEST_SKIP() << "built without libsodium";
    counting_ = std::make_shared<CountingBase>();
    sodium_ = crypto::sodium_provider(counting_);
  }
  std::shared_ptr<CountingBase> counting_;
  std::shared_ptr<const crypto::CryptoProvider> sodium_;
  std::shared_ptr<const crypto::CryptoProvider> openssl_ = crypto::openssl_provider();
};

// Alice (libsodium) creates and adds Bob (OpenSSL) and Carol (libsodium); messages flow every
// way; Bob commits a full-path update, Carol's proposed update is committed by Alice, Bob removes
// Carol, Dave (OpenSSL) joins from Bob's commit; all agree on each epoch.
TEST_P(SodiumOpenSslInterop, MixedBackendsShareOneGroup) {
  const uint16_t suite_id = GetParam();
  Member alice = make_member(sodium_, suite_id, "alice");
  Member bob = make_member(openssl_, suite_id, "bob");
  Member carol = make_member(sodium_, suite_id, "carol");
  Member dave = make_member(openssl_, suite_id, "dave");

  Group a = Group::create(alice.provider, alice.identity, {}, accept_any_policy());
  CommitOptions add;
  add.add = {bob.key_package.key_package, carol.key_package.key_package};
  CommitOutput out = a.commit(add);
  a.merge_pending_commit();
  Group b = join(bob, out);    // an OpenSSL member decrypts libsodium's HPKE, checks its leaves
  Group c = join(carol, out);  // a libsodium member does the same
  ASSERT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
  ASSERT_EQ(a.epoch_authenticator(), c.epoch_authenticator());

  // Application messages from each backend to the other (signed within PrivateMessage, §6.3).
  EXPECT_EQ(text(b.process(a.protect(as_bytes("from alice")))), "from alice");
  const auto from_bob = b.protect(as_bytes("from bob"));
  EXPECT_EQ(text(a.process(from_bob)), "from bob");
  EXPECT_EQ(text(c.process(from_bob)), "from bob");

  // An OpenSSL member commits an update path: its HPKE ciphertexts go to libsodium members
  // (RFC 9420 §7.6), whose UpdatePath and commit signature checks run on libsodium.
  CommitOutput bob_update = b.commit();
  b.merge_pending_commit();
  a.merge(std::get<StagedCommit>(a.process(bob_update.commit)));
  c.merge(std::get<StagedCommit>(c.process(bob_update.commit)));
  ASSERT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
  ASSERT_EQ(a.epoch_authenticator(), c.epoch_authenticator());

  // A libsodium member's Update proposal, committed by another libsodium member.
  const auto carol_update = c.propose_update();
  std::get<ReceivedProposal>(a.process(carol_update));
  std::get<ReceivedProposal>(b.process(carol_update));
  std::get<ReceivedProposal>(c.process(carol_update));
  CommitOutput alice_commit = a.commit();
  a.merge_pending_commit();
  b.merge(std::get<StagedCommit>(b.process(alice_commit.commit)));
  c.merge(std::get<StagedCommit>(c.process(alice_commit.commit)));
  ASSERT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
  ASSERT_EQ(a.epoch_authenticator(), c.epoch_authenticator());

  // The OpenSSL member removes a libsodium one and adds another OpenSSL one.
  CommitOptions change;
  change.remove = {c.own_leaf()};
  change.add = {dave.key_package.key_package};
  CommitOutput bob_change = b.commit(change);
  b.merge_pending_commit();
  a.merge(std::get<StagedCommit>(a.process(bob_change.commit)));
  auto carol_view = std::get<StagedCommit>(c.process(bob_change.commit));
  EXPECT_TRUE(carol_view.removes_me());
  Group d = join(dave, bob_change);
  ASSERT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
  ASSERT_EQ(a.epoch_authenticator(), d.epoch_authenticator());
  EXPECT_EQ(a.members().size(), 3u);
  EXPECT_EQ(text(d.process(a.protect(as_bytes("welcome dave")))), "welcome dave");
  EXPECT_EQ(text(a.process(d.protect(as_bytes("thanks")))), "thanks");

  // libsodium did every Ed25519 and X25519 operation of the libsodium members.
  EXPECT_EQ(counting_->curve25519_calls.load(), 0);
}

// Suites 1 (X25519, AES-128-GCM, Ed25519) and 3 (X25519, ChaCha20-Poly1305, Ed25519).
INSTANTIATE_TEST_SUITE_P(Curve25519Suites, SodiumOpenSslInterop, ::testing::Values(1, 3),
                         [](const auto& info) {
                           std::string name = "Suite";
                           return name.append(std::to_string(info.param));
                         });

}  // namespace
}  // namespace conclave
