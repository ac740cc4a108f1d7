// Work the library promises to do once: a received proposal's signatures are verified once,
// whichever framing carries it (RFC 9420 §6.1 the sender's signature, §10.1 an Add's
// KeyPackage, §7.3 its leaf), and a commit covering it by reference does not verify them again
// (§12.2: proposals by reference were checked when received). Counted through a provider that
// forwards to OpenSSL.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <variant>

#include "conclave/group/group.h"
#include "support/accept_any_policy.h"
#include "support/forwarding_provider.h"

namespace conclave {
namespace {

class VerifyCountingProvider : public conclave::testing::ForwardingProvider {
 public:
  bool verify(crypto::SignatureScheme scheme, BytesView public_key, BytesView message,
              BytesView signature) const override {
    ++verifications;
    return ForwardingProvider::verify(scheme, public_key, message, signature);
  }
  mutable std::atomic<int> verifications{0};
};

class VerificationCount : public ::testing::TestWithParam<HandshakeFormat> {
 protected:
  std::shared_ptr<VerifyCountingProvider> provider = std::make_shared<VerifyCountingProvider>();
  crypto::Suite suite{provider, 1};
};

TEST_P(VerificationCount, Rfc6_1_Rfc10_1_ReceivedAddProposalIsVerifiedOnce) {
  const Identity alice = Identity::generate(suite, basic_credential("alice"));
  const Identity bob = Identity::generate(suite, basic_credential("bob"));
  const Identity carol = Identity::generate(suite, basic_credential("carol"));
  const KeyPackageBundle bob_kp = create_key_package(suite, bob, unix_time_now());
  const KeyPackageBundle carol_kp = create_key_package(suite, carol, unix_time_now());
  CreateOptions options;
  options.config.handshake_format = GetParam();
  Group a = Group::create(provider, alice, options, testing::accept_any_policy());
  CommitOptions add_bob;
  add_bob.add = {bob_kp.key_package};
  const CommitOutput first = a.commit(add_bob);
  a.merge_pending_commit();
  Group b = Group::join(provider, bob, bob_kp, *first.welcome, std::nullopt, {},
                        testing::accept_any_policy());

  const wire::MlsMessage proposal = a.propose_add(carol_kp.key_package);
  provider->verifications = 0;
  const ProcessResult received = b.process(proposal);
  ASSERT_TRUE(std::holds_alternative<ReceivedProposal>(received));
  // The sender's FramedContent signature, the KeyPackage's and its leaf's: three.
  EXPECT_EQ(provider->verifications.load(), 3);

  const CommitOutput commit = a.commit();
  provider->verifications = 0;
  const StagedCommit staged = std::get<StagedCommit>(b.process(commit.commit));
  // The commit's signature and its UpdatePath leaf's; the Add by reference is not checked again.
  EXPECT_EQ(provider->verifications.load(), 2);
  EXPECT_EQ(staged.added().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(BothFormats, VerificationCount,
                         ::testing::Values(HandshakeFormat::kPrivate, HandshakeFormat::kPublic),
                         [](const auto& info) {
                           return info.param == HandshakeFormat::kPrivate ? "Private" : "Public";
                         });

}  // namespace
}  // namespace conclave
