// Extensions draft §Safe Additional Authenticated Data in a group of three, every cipher
// suite: with the safe_aad component in the GroupContext's app_data_dictionary, the
// authenticated_data of every message (application, proposal, commit; PublicMessage and
// PrivateMessage) is a SafeAAD with sorted items. Members neither send nor accept anything
// else, and a refused message leaves the receiver as it was.
#include <gtest/gtest.h>

#include <vector>

#include "conclave/wire/app_data.h"
#include "conclave/wire/component.h"
#include "conclave/wire/safe_aad.h"
#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

constexpr wire::ComponentId kChess = 0x8001;
constexpr wire::ComponentId kPoll = 0x8002;

const Bytes kFreeForm = from_hex("68656c6c6f");  // "hello": no SafeAAD
const Bytes kUnsorted = from_hex(
    "09"
    "8002"
    "01cc"
    "8001"
    "02aabb");

class SafeAadGroup : public NegativeGroupTest {
 protected:
  // The group of NegativeGroupTest, then a commit that puts safe_aad (listing kChess and
  // kPoll) into the GroupContext: every member supports app_data_dictionary, and lists both in
  // its own safe_aad (§Negotiating Extensions and Components: the group's are required).
  void SetUp() override {
    KeyPackageOptions options;
    wire::AppDataDictionary supported;
    wire::set_component(supported, wire::component::kSafeAad,
                        codec::encode(wire::ComponentsList{{kChess, kPoll}}));
    options.leaf_extensions = {
        wire::Extension{wire::ExtensionType::kAppDataDictionary, codec::encode(supported)}};
    config_ = public_handshakes();
    alice = make_client(suite, "alice", options);
    bob = make_client(suite, "bob", options);
    carol = make_client(suite, "carol", options);
    CreateOptions create;
    create.config = config_;
    create.leaf = options;
    a.emplace(Group::create(provider, alice.identity, create, accept_any_policy()));
    const CommitOutput out =
        a->commit(adding({bob.key_package.key_package, carol.key_package.key_package}));
    a->merge_pending_commit();
    b.emplace(Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt,
                          config_, accept_any_policy()));
    c.emplace(Group::join(provider, carol.identity, carol.key_package, *out.welcome, std::nullopt,
                          config_, accept_any_policy()));
    ASSERT_FALSE(a->safe_aad_required());
    // Unframed AAD is fine before safe_aad is required (a control for the tests below).
    EXPECT_NO_THROW(b->process(over_the_wire(a->protect(from_hex("00"), kFreeForm))));

    wire::AppDataDictionary dictionary;
    wire::set_component(dictionary, wire::component::kSafeAad,
                        codec::encode(wire::ComponentsList{{kChess, kPoll}}));
    CommitOptions gce;
    gce.group_context_extensions = wire::ExtensionList{
        wire::Extension{wire::ExtensionType::kAppDataDictionary, codec::encode(dictionary)}};
    GenuineCommit g = genuine_commit(*a, gce);
    advance_all(g);
    ASSERT_TRUE(a->safe_aad_required());
    ASSERT_TRUE(b->safe_aad_required());
  }

  static Bytes items(std::vector<wire::SafeAadItem> list) { return wire::encode_safe_aad(list); }
};

// §Safe AAD: a SafeAAD of per-component items goes through; the receiver reads its items.
TEST_P(SafeAadGroup, SafeAadIsSentAndRead) {
  const Bytes aad = items({{kPoll, from_hex("02")}, {kChess, from_hex("01")}});
  const auto message = a->protect(from_hex("0a"), aad);
  const auto received = std::get<ApplicationMessage>(b->process(over_the_wire(message)));
  const wire::SafeAad read = wire::decode_safe_aad(received.authenticated_data);
  ASSERT_EQ(read.aad_items.size(), 2u);
  EXPECT_EQ(read.aad_items[0].component_id, kChess);
  EXPECT_EQ(wire::find_safe_aad_item(read, kPoll)->aad_item_data, from_hex("02"));
  // No component with data: the zero-length vector.
  const auto empty = a->protect(from_hex("0b"), items({}));
  EXPECT_EQ(std::get<ApplicationMessage>(c->process(over_the_wire(empty))).data, from_hex("0b"));
}

// draft-10: with safe_aad present, unframed AAD is not allowed: the sender refuses to send it
// (application message, proposal, commit) and its state does not move.
TEST_P(SafeAadGroup, SenderRefusesUnframedAad) {
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kSafeAadMalformed,
                                [&] { a->protect(from_hex("0a"), kFreeForm); }));
  EXPECT_TRUE(
      rejects_unchanged(*a, ErrorCode::kSafeAadMalformed, [&] { a->protect(from_hex("0a"), {}); }));
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kSafeAadUnsorted,
                                [&] { a->protect(from_hex("0a"), kUnsorted); }));
  EXPECT_TRUE(
      rejects_unchanged(*a, ErrorCode::kSafeAadMalformed, [&] { a->propose_update(kFreeForm); }));
  CommitOptions options;
  options.authenticated_data = kFreeForm;
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kSafeAadMalformed, [&] { a->commit(options); }));
}

// §Safe AAD on receipt, PublicMessage: a proposal whose (validly signed and MACed)
// authenticated_data is not a SafeAAD, or has unsorted items, is refused.
TEST_P(SafeAadGroup, ReceiverRefusesPublicMessageWithoutSafeAad) {
  Forger forger(suite, *a);
  for (const auto& [aad, code] : {std::pair{kFreeForm, ErrorCode::kSafeAadMalformed},
                                  std::pair{kUnsorted, ErrorCode::kSafeAadUnsorted}}) {
    wire::FramedContent fc = forger.frame(wire::Proposal{wire::Remove{c->own_leaf().value}});
    fc.authenticated_data = aad;
    const auto message = forger.seal(fc);
    EXPECT_TRUE(rejects_unchanged(*b, code, [&] { b->process(message); }));
  }
  // The same proposal with a SafeAAD goes through (a control).
  wire::FramedContent fc = forger.frame(wire::Proposal{wire::Remove{c->own_leaf().value}});
  fc.authenticated_data = items({{kChess, from_hex("01")}});
  EXPECT_NO_THROW(b->process(forger.seal(fc)));
}

// §Safe AAD on receipt, PrivateMessage: its authenticated_data travels in the clear and is
// checked before any key is used (otherwise the AEAD would refuse with another error).
TEST_P(SafeAadGroup, ReceiverRefusesPrivateMessageWithoutSafeAad) {
  const auto genuine = a->protect(from_hex("0a"), items({{kChess, from_hex("01")}}));
  auto damaged = *genuine.get<wire::PrivateMessage>();
  damaged.authenticated_data = kFreeForm;
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kSafeAadMalformed,
                                [&] { b->process(over_the_wire(wire::MlsMessage{damaged})); }));
  damaged.authenticated_data = kUnsorted;
  EXPECT_TRUE(rejects_unchanged(*b, ErrorCode::kSafeAadUnsorted,
                                [&] { b->process(over_the_wire(wire::MlsMessage{damaged})); }));
  // The genuine message still decrypts: nothing was consumed.
  EXPECT_EQ(std::get<ApplicationMessage>(b->process(over_the_wire(genuine))).data, from_hex("0a"));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, SafeAadGroup, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
