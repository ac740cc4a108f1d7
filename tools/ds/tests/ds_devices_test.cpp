// Users with more than one device (issue 14, "Clients and authentication"; RFC 9750 §6): a
// further device of a user needs the approval of one of its registered devices; FetchKeyPackages
// hands out one KeyPackage per device, each consumed once; one commit and one Welcome add all of
// a user's devices, which then receive like any member, until removed.
#include <gtest/gtest.h>

#include <set>

#include "conclave/codec/codec.h"
#include "device_approval.h"
#include "ds_fixture.h"

namespace ds_test {
namespace {

using conclave::Bytes;

std::string str(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

class DsDevicesTest : public DsTest {
 protected:
  // The RegisterBody of `device`, approved by `approver` (signed with its key) if given.
  static v1::RegisterBody registration(const DsClient& device, const DsClient* approver) {
    v1::RegisterBody body;
    body.set_cipher_suite(device.suite().id());
    const Bytes credential = conclave::codec::encode(device.identity().credential);
    body.set_credential(str(credential));
    body.set_signature_key(str(device.identity().signature_public_key));
    if (approver) {
      body.set_approver_device(approver->device());
      body.set_approver_signature(str(conclave::ds::sign_device_approval(
          approver->suite(), approver->identity().signature_private_key.view(), device.user(),
          device.device(), device.suite().id(), credential,
          device.identity().signature_public_key)));
    }
    return body;
  }

  // A further device of `approver`'s user, registered with its approval.
  std::unique_ptr<DsClient> approved_device(const DsClient& approver, const std::string& name) {
    auto c = std::make_unique<DsClient>(server_->address(), approver.user(), name);
    const auto out = c->call(kRegister, registration(*c, &approver));
    EXPECT_TRUE(out.ok()) << out.status.error_message();
    return c;
  }

  // The member leaves of `user`'s devices in `c`'s group.
  static std::vector<conclave::tree::LeafIndex> leaves_of(const DsClient& c,
                                                          const DsClient& device_of_user) {
    std::vector<conclave::tree::LeafIndex> out;
    for (const auto& m : c.group->members())
      if (m.credential == device_of_user.identity().credential) out.push_back(m.leaf);
    return out;
  }
};

// "First registration of a name wins" must hold for devices too: nobody adds a device under a
// user's name without the consent of one of that user's devices. Each refusal is typed and
// stores nothing; the approved registration then succeeds.
TEST_F(DsDevicesTest, StrangerCannotAddADeviceUnderAUsersName) {
  auto phone = client("bob", "phone");
  auto mallory = client("mallory", "phone");
  auto laptop = std::make_unique<DsClient>(server_->address(), "bob", "laptop");
  const std::string before = footprint();

  // No approval.
  auto out = laptop->register_device();
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_NAME_TAKEN);
  EXPECT_EQ(footprint(), before);

  // An "approval" by bob's phone that mallory signed with her own key.
  v1::RegisterBody forged = registration(*laptop, mallory.get());
  forged.set_approver_device("phone");  // names bob/phone, whose key did not sign it
  out = laptop->call(kRegister, forged);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_BAD_SIGNATURE);
  EXPECT_EQ(footprint(), before);

  // An approver that is not a device of the user.
  v1::RegisterBody unknown = registration(*laptop, phone.get());
  unknown.set_approver_device("tablet");
  out = laptop->call(kRegister, unknown);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_BAD_SIGNATURE);
  EXPECT_EQ(footprint(), before);

  // A genuine approval of another key: it approves that registration only.
  auto other_key = std::make_unique<DsClient>(server_->address(), "bob", "laptop");
  v1::RegisterBody moved = registration(*other_key, phone.get());
  moved.set_signature_key(str(laptop->identity().signature_public_key));
  out = laptop->call(kRegister, moved);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_BAD_SIGNATURE);
  EXPECT_EQ(footprint(), before);

  // The approved registration, then its retry, which changes nothing.
  const v1::RegisterBody approved = registration(*laptop, phone.get());
  out = laptop->call(kRegister, approved);
  ASSERT_TRUE(out.ok()) << out.status.error_message();
  const std::string after = footprint();
  EXPECT_NE(after, before);
  EXPECT_TRUE(laptop->call(kRegister, approved).ok());
  EXPECT_EQ(footprint(), after);
  EXPECT_EQ(rows("devices WHERE \"user\" = 'bob'"), 2);
}

// Issue 14: FetchKeyPackages hands out one KeyPackage per device of the user, each consumed
// exactly once; a device with none left is reported exhausted.
TEST_F(DsDevicesTest, FetchGivesOneKeyPackagePerDeviceEachConsumedOnce) {
  auto alice = client("alice");
  auto phone = client("bob", "phone");
  auto laptop = approved_device(*phone, "laptop");
  ASSERT_TRUE(phone->publish(1).ok());
  ASSERT_TRUE(laptop->publish(1).ok());
  ASSERT_EQ(rows("key_packages"), 2);

  const auto first = alice->fetch_key_packages("bob");
  ASSERT_TRUE(first.ok()) << first.status.error_message();
  ASSERT_EQ(first.reply.key_packages_size(), 2);
  std::set<std::string> devices;
  for (const auto& kp : first.reply.key_packages()) {
    devices.insert(kp.device());
    EXPECT_FALSE(kp.last_resort());
  }
  EXPECT_EQ(devices, (std::set<std::string>{"phone", "laptop"}));
  EXPECT_EQ(rows("key_packages"), 0);

  const auto second = alice->fetch_key_packages("bob");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.reply.key_packages_size(), 0);
  EXPECT_EQ(second.reply.exhausted_devices_size(), 2);
}

// Issue 14: an invite goes to all of a user's devices: alice adds bob's phone and laptop in one
// commit with one Welcome, which the DS queues to both; both join, send and receive; removing
// both devices stops both.
TEST_F(DsDevicesTest, OneCommitAddsAllDevicesOfAUserAndRemovesThem) {
  auto alice = client("alice");
  auto phone = client("bob", "phone");
  auto laptop = approved_device(*phone, "laptop");
  ASSERT_TRUE(phone->publish(1).ok());
  ASSERT_TRUE(laptop->publish(1).ok());
  const auto fetched = alice->fetch_key_packages("bob");
  ASSERT_TRUE(fetched.ok());
  ASSERT_EQ(fetched.reply.key_packages_size(), 2);

  alice->create_group("group-1");
  conclave::CommitOptions add;
  for (const auto& kp : fetched.reply.key_packages())
    add.add.push_back(*decode_message(kp.key_package()).get<conclave::wire::KeyPackage>());
  const auto commit = alice->group->commit(add);
  ASSERT_TRUE(commit.welcome.has_value());
  const auto sent = alice->send(commit.commit, {phone->ref(), laptop->ref()}, {}, commit.welcome,
                                alice->next_group_info());
  ASSERT_TRUE(sent.ok()) << sent.status.error_message();
  alice->group->merge_pending_commit();
  EXPECT_EQ(phone->sync(), 1u);
  EXPECT_EQ(laptop->sync(), 1u);
  ASSERT_TRUE(phone->group && laptop->group);
  EXPECT_EQ(state_of(*phone), state_of(*alice));
  EXPECT_EQ(state_of(*laptop), state_of(*alice));

  // Both devices receive; what one device sends reaches the other too.
  ASSERT_TRUE(alice->send(text(*alice, "hi bob")).ok());
  ASSERT_TRUE(phone->send(text(*phone, "from my phone")).ok());
  EXPECT_EQ(phone->sync(), 1u);
  EXPECT_EQ(laptop->sync(), 2u);
  EXPECT_EQ(alice->sync(), 1u);
  EXPECT_EQ(phone->received, (std::vector<std::string>{"hi bob"}));
  EXPECT_EQ(laptop->received, (std::vector<std::string>{"hi bob", "from my phone"}));
  EXPECT_EQ(alice->received, (std::vector<std::string>{"from my phone"}));

  // alice removes both of bob's devices in one commit (their leaves share bob's credential);
  // both still receive the commit that removes them.
  const auto late = text(*laptop, "still here?");  // prepared while a member
  conclave::CommitOptions remove;
  remove.remove = leaves_of(*alice, *phone);
  ASSERT_EQ(remove.remove.size(), 2u);
  const auto removal = alice->group->commit(remove);
  ASSERT_TRUE(alice->send(removal.commit, {}, {phone->ref(), laptop->ref()}).ok());
  alice->group->merge_pending_commit();
  EXPECT_EQ(phone->sync(), 1u);
  EXPECT_EQ(laptop->sync(), 1u);
  EXPECT_FALSE(phone->group->active());
  EXPECT_FALSE(laptop->group->active());

  // Neither may post any more; nothing is stored; alice's next message reaches neither.
  const std::string before = footprint();
  const auto refused = laptop->send(late);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(refused.detail.code(), v1::ERROR_CODE_NOT_A_MEMBER);
  EXPECT_EQ(footprint(), before);
  ASSERT_TRUE(alice->send(text(*alice, "alone")).ok());
  EXPECT_EQ(phone->sync(), 0u);
  EXPECT_EQ(laptop->sync(), 0u);
}

}  // namespace
}  // namespace ds_test
