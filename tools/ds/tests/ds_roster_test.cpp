// conclave-ds reads the roster change of the commits it can read (issue 14 item 4: "from the
// commit itself when it is a PublicMessage"): a member's PublicMessage commit whose attached
// roster change differs from its Adds and Removes is refused, and nothing is stored.
#include <gtest/gtest.h>

#include "ds_fixture.h"

namespace ds_test {
namespace {

namespace wire = conclave::wire;

// alice's group with handshake messages as PublicMessage (RFC 9420 §6), which the DS can read.
void create_public_group(DsClient& alice, const std::string& group_id) {
  conclave::CreateOptions options;
  options.group_id = conclave::to_bytes(group_id);
  options.config.handshake_format = conclave::HandshakeFormat::kPublic;
  alice.group =
      conclave::Group::create(alice.provider(), alice.identity(), options, group_policy());
  v1::CreateGroupBody body;
  body.set_group_id(group_id);
  ASSERT_TRUE(alice.call(kCreateGroup, body).ok());
}

wire::KeyPackage fetch_one(DsClient& by, const DsClient& of) {
  const auto out = by.fetch_key_packages(of.user());
  EXPECT_TRUE(out.ok());
  EXPECT_EQ(out.reply.key_packages_size(), 1);
  return *decode_message(out.reply.key_packages(0).key_package()).get<wire::KeyPackage>();
}

TEST_F(DsTest, PublicCommitRosterMustMatchItsProposals) {
  auto alice = client("alice");
  auto bob = client("bob");
  auto carol = client("carol");
  ASSERT_TRUE(bob->publish(1).ok());
  ASSERT_TRUE(carol->publish(1).ok());
  ASSERT_NO_FATAL_FAILURE(create_public_group(*alice, "public"));
  conclave::CommitOptions add_bob;
  add_bob.add.push_back(fetch_one(*alice, *bob));
  const auto out = alice->group->commit(add_bob);
  ASSERT_TRUE(out.commit.get<wire::PublicMessage>()) << "the commit should be public";
  const std::string before = footprint();

  // The commit adds bob; a roster change naming carol instead is not the commit's.
  auto refused = alice->send(out.commit, {carol->ref()}, {}, out.welcome);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.detail.code(), v1::ERROR_CODE_ROSTER_INVALID);
  EXPECT_EQ(footprint(), before);
  // Naming bob and carol adds one device too many.
  refused = alice->send(out.commit, {bob->ref(), carol->ref()}, {}, out.welcome);
  EXPECT_EQ(refused.detail.code(), v1::ERROR_CODE_ROSTER_INVALID);
  EXPECT_EQ(footprint(), before);

  // The roster change the commit makes is accepted, and bob joins.
  const auto sent = alice->send(out.commit, {bob->ref()}, {}, out.welcome);
  ASSERT_TRUE(sent.ok()) << sent.status.error_message();
  alice->group->merge_pending_commit();
  EXPECT_EQ(bob->sync(), 1u);
  ASSERT_TRUE(bob->group);
  EXPECT_EQ(state_of(*bob), state_of(*alice));

  // A Remove of bob with no roster change would leave bob on the DS's roster.
  conclave::CommitOptions remove_bob;
  for (const auto& m : alice->group->members())
    if (m.credential == bob->identity().credential) remove_bob.remove.push_back(m.leaf);
  const auto removal = alice->group->commit(remove_bob);
  const std::string at_epoch_one = footprint();
  refused = alice->send(removal.commit);
  EXPECT_EQ(refused.detail.code(), v1::ERROR_CODE_ROSTER_INVALID);
  EXPECT_EQ(footprint(), at_epoch_one);
  const auto removed = alice->send(removal.commit, {}, {bob->ref()});
  ASSERT_TRUE(removed.ok()) << removed.status.error_message();
  EXPECT_EQ(removed.reply.epoch(), 2u);
}

}  // namespace
}  // namespace ds_test
