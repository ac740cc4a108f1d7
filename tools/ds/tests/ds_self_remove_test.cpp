// The extensions draft's SelfRemove proposal through conclave-ds (§SelfRemove Proposal): an
// external commit may include the epoch's pending SelfRemoves by reference, and the DS takes
// their senders off the roster; every other reference is still refused (RFC 9420 §12.4.3.2).
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "conclave/wire/framing.h"
#include "ds_fixture.h"

namespace ds_test {
namespace {

namespace wire = conclave::wire;

// The ProposalRef (RFC 9420 §5.2) of a PublicMessage proposal, as the members compute it.
conclave::Bytes proposal_ref(const conclave::crypto::Suite& suite,
                             const wire::MlsMessage& proposal) {
  const auto& pub = std::get<wire::PublicMessage>(proposal.body);
  const wire::EncodedFramedContent content(pub.content);
  return suite.make_proposal_ref(
      wire::authenticated_content_bytes(wire::WireFormat::kPublicMessage, content, pub.auth));
}

// `commit` (an external commit) with its proposals by reference replaced by `refs`. The DS
// reads the framing only, so the broken signature does not matter to what is tested.
wire::MlsMessage with_references(const wire::MlsMessage& commit,
                                 const std::vector<conclave::Bytes>& refs) {
  wire::MlsMessage out = commit;
  auto& body = std::get<wire::Commit>(std::get<wire::PublicMessage>(out.body).content.content);
  std::vector<wire::ProposalOrRef> kept;
  for (auto& entry : body.proposals)
    if (entry.proposal()) kept.push_back(std::move(entry));
  for (const auto& ref : refs)
    kept.push_back(wire::ProposalOrRef{ref});
  body.proposals = std::move(kept);
  return out;
}

class DsSelfRemoveTest : public DsTest {
 protected:
  void SetUp() override {
    DsTest::SetUp();
    alice = client("alice");
    bob = client("bob");
    carol = client("carol");
    dave = client("dave");
    ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol, "group-1", true));
    // §SelfRemove Proposal: carol leaves by a SelfRemove, a PublicMessage through the DS.
    leave = carol->group->propose_self_remove();
    ASSERT_TRUE(carol->send(leave).ok());
    v1::FetchGroupInfoBody fetch;
    fetch.set_group_id("group-1");
    const auto info = dave->call(kFetchGroupInfo, fetch);
    ASSERT_TRUE(info.ok()) << info.status.error_message();
    group_info = decode_message(info.reply.group_info());
  }
  void TearDown() override {
    alice.reset();
    bob.reset();
    carol.reset();
    dave.reset();
    DsTest::TearDown();
  }
  // dave's external commit with the proposals by reference replaced by `refs`, sent raw.
  Outcome<v1::SendReply> send_external(const std::vector<conclave::Bytes>& refs,
                                       const std::string& id) {
    const auto join = conclave::Group::join_external_with_self_removes(
        dave->provider(), dave->identity(), group_info, {leave}, {}, group_policy());
    v1::SendBody body;
    body.set_group_id("group-1");
    body.set_message(encode_message(with_references(join.commit, refs)));
    body.set_client_message_id(id);
    return dave->call(kSend, body);
  }

  std::unique_ptr<DsClient> alice, bob, carol, dave;
  wire::MlsMessage leave;
  wire::MlsMessage group_info;
};

// §SelfRemove Proposal: "the new joiner MUST fetch any pending SelfRemove Proposals ... and
// include the SelfRemove Proposals in its external Commit by reference". The DS accepts the
// commit, removes the self-remover from the roster and still delivers the commit to it; every
// member ends in the joiner's epoch, carol's group knows it is out.
TEST_F(DsSelfRemoveTest, ExternalCommitMayReferToPendingSelfRemoves) {
  const auto joined = dave->join_external("group-1", {}, {leave});
  ASSERT_TRUE(joined.ok()) << joined.status.error_message();
  EXPECT_EQ(joined.reply.epoch(), 2u);
  EXPECT_EQ(rows("members"), 3);  // alice, bob and dave
  EXPECT_EQ(sql("SELECT COUNT(*) FROM members m JOIN devices d ON d.id = m.device_id "
                "WHERE d.\"user\" = 'carol'"),
            0);
  for (DsClient* member : {alice.get(), bob.get()}) {
    EXPECT_EQ(member->sync(), 2u);  // carol's SelfRemove, then dave's commit
    EXPECT_EQ(state_of(*member), state_of(*dave));
    EXPECT_EQ(member->group->members().size(), 3u);
  }
  EXPECT_EQ(carol->sync(), 1u);  // the commit that removes it
  EXPECT_FALSE(carol->group->active());

  // carol is off the roster: alice's next message reaches dave, not carol.
  ASSERT_TRUE(alice->send(text(*alice, "after carol")).ok());
  EXPECT_EQ(dave->sync(), 1u);
  EXPECT_EQ(dave->received, (std::vector<std::string>{"after carol"}));
  EXPECT_EQ(carol->sync(), 0u);
}

// RFC 9420 §12.4.3.2 with the draft's one exception: a reference the DS cannot match to a
// SelfRemove of the epoch is refused and nothing is stored. Refused: a reference to no stored
// proposal, one to a stored PublicMessage proposal that is not a SelfRemove, and the same
// SelfRemove twice (§SelfRemove Proposal: one per member and epoch).
TEST_F(DsSelfRemoveTest, OtherReferencesAreRefused) {
  const conclave::Bytes good = proposal_ref(dave->suite(), leave);
  conclave::Bytes unknown = good;
  unknown[0] ^= 1;

  // carol's proposal made a Remove (of bob) and stored by the DS, which reads the framing only.
  wire::MlsMessage remove = leave;
  std::get<wire::Proposal>(std::get<wire::PublicMessage>(remove.body).content.content) =
      wire::Proposal{wire::Remove{1}};
  ASSERT_TRUE(carol->send(remove).ok());
  const conclave::Bytes not_self_remove = proposal_ref(dave->suite(), remove);

  const std::string before = footprint();
  int attempt = 0;
  for (const auto& refs : std::vector<std::vector<conclave::Bytes>>{
           {unknown}, {not_self_remove}, {good, good}, {good, not_self_remove}}) {
    const auto out = send_external(refs, "join-" + std::to_string(++attempt));
    EXPECT_EQ(out.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << attempt;
    EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_ROSTER_INVALID) << attempt;
    EXPECT_EQ(footprint(), before) << attempt;
  }
  // The same commit with the right reference is accepted: the refusals above were the refs'.
  const auto accepted = send_external({good}, "join-ok");
  EXPECT_TRUE(accepted.ok()) << accepted.status.error_message();
  EXPECT_EQ(rows("members"), 3);
}

}  // namespace
}  // namespace ds_test
