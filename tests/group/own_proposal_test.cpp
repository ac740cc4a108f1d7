// A member does not send a proposal that every committer must refuse (RFC 9420 §12.2): its
// own PreSharedKey, GroupContextExtensions and ReInit proposals meet the checks their commit
// would (§12.4.2, §12.1.7, §11.2) when they are made, and a refused one leaves the group
// unchanged and able to commit.
#include <gtest/gtest.h>

#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

class OwnProposals : public NegativeGroupTest {
 protected:
  void expect_all_agree() {
    EXPECT_EQ(a->epoch_authenticator(), b->epoch_authenticator());
    EXPECT_EQ(a->epoch_authenticator(), c->epoch_authenticator());
  }
};

// §12.4.2: a commit covering a PSK nobody can resolve fails; the proposer must hold the PSK.
TEST_P(OwnProposals, Rfc12_4_2_PskProposalNeedsAPskTheProposerHolds) {
  wire::PreSharedKeyId external;
  external.psktype = wire::PskType::kExternal;
  external.psk_id = to_bytes("never stored");
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPskNotFound, [&] { b->propose_psk(external); }));

  wire::PreSharedKeyId resumption;
  resumption.psktype = wire::PskType::kResumption;
  resumption.usage = wire::ResumptionPskUsage::kApplication;
  resumption.psk_group_id = b->group_id();
  resumption.psk_epoch = b->epoch() + 1000;  // an epoch that has not happened
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPskNotFound, [&] { b->propose_psk(resumption); }));

  resumption.psk_epoch = b->epoch();  // the current epoch's is held
  deliver(b->propose_psk(resumption), {&*a, &*c});
  auto g = genuine_commit(*a);
  advance_all(g);
  expect_all_agree();
}

// §12.1.7, §13.4: GroupContextExtensions with a repeated type, or a required_capabilities
// extension that does not decode, would be refused by every committer.
TEST_P(OwnProposals, Rfc12_1_7_GroupContextExtensionsMustBeValidWhenProposed) {
  const wire::Extension required{wire::ExtensionType::kRequiredCapabilities,
                                 codec::encode(wire::RequiredCapabilities{})};
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kDuplicateExtension, [&] {
    b->propose_group_context_extensions({required, required});
  }));
  const wire::Extension garbled{wire::ExtensionType::kRequiredCapabilities, Bytes{0xff}};
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kVarintPrefixInvalid,
                                [&] { b->propose_group_context_extensions({garbled}); }));

  deliver(b->propose_group_context_extensions({required}), {&*a, &*c});
  auto g = genuine_commit(*a);
  advance_all(g);
  expect_all_agree();
}

// §11.2: a ReInit to a cipher suite the member cannot use would end the group with no new group
// to go to; it is refused when proposed or committed by value.
TEST_P(OwnProposals, Rfc11_2_ReInitMustNameAUsableCipherSuite) {
  for (const uint16_t unusable : {uint16_t{0}, uint16_t{0xffff}}) {
    wire::ReInit reinit;
    reinit.group_id = to_bytes("next");
    reinit.version = wire::ProtocolVersion::kMls10;
    reinit.cipher_suite = unusable;
    EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kUnsupportedCipherSuite, [&] {
      b->propose_reinit(reinit);
    })) << unusable;
    CommitOptions options;
    options.reinit = reinit;
    EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kUnsupportedCipherSuite, [&] {
      a->commit(options);
    })) << unusable;
  }
  auto g = genuine_commit(*a);
  advance_all(g);
  expect_all_agree();
}

// §12.4: a member's pending commit ends the epoch its proposals would be sent in, so none is
// sent (and no key is signed for an Update) until the commit is merged or discarded.
TEST_P(OwnProposals, Rfc12_4_NoProposalWhileOwnCommitIsPending) {
  const Client dave = make_client(suite, "dave");
  wire::PreSharedKeyId resumption = wire::PreSharedKeyId::resumption(
      wire::ResumptionPskUsage::kApplication, b->group_id(), b->epoch(), {});
  const std::vector<std::pair<std::string, std::function<void()>>> proposals{
      {"add", [&] { b->propose_add(dave.key_package.key_package); }},
      {"remove", [&] { b->propose_remove(c->own_leaf()); }},
      {"update", [&] { b->propose_update(); }},
      {"psk", [&] { b->propose_psk(resumption); }},
      {"group_context_extensions",
       [&] { b->propose_group_context_extensions(b->context().extensions); }},
      {"custom", [&] { b->propose_custom(wire::ProposalType{0xf0f0}, as_bytes("x")); }},
  };
  b->commit();
  for (const auto& [name, propose] : proposals)
    EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kPendingCommit, propose)) << name;
  b->discard_pending_commit();
  deliver(b->propose_update(), {&*a, &*c});
  auto g = genuine_commit(*a);
  advance_all(g);
  expect_all_agree();
}

INSTANTIATE_TEST_SUITE_P(AllSuites, OwnProposals, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
