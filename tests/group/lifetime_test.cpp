// Leaf lifetimes (RFC 9420 §7.2, §7.3) at the clock the GroupPolicy configures: a KeyPackage
// leaf outside its lifetime is refused in an Add, by value and by reference, and (when
// GroupPolicy::check_tree_lifetimes asks) in the ratchet tree of a Welcome;
// GroupPolicy::check_lifetimes = false accepts them.
#include <gtest/gtest.h>

#include "group/negative_test_util.h"

namespace conclave::group_testing {
namespace {

constexpr uint64_t kNow = 1'900'000'000;  // the configured clock
constexpr uint64_t kHour = 3600;
constexpr uint64_t kDay = 24 * kHour;

GroupPolicy at(uint64_t time, bool check_lifetimes = true) {
  GroupPolicy policy = accept_any_policy();
  policy.clock = [time] { return time; };
  policy.check_lifetimes = check_lifetimes;
  return policy;
}

struct Window {
  const char* name;
  wire::Lifetime lifetime;
};

class Lifetimes : public ::testing::TestWithParam<uint16_t> {
 protected:
  // Alice (checking lifetimes at kNow) creates the group and adds Bob, who does not check them.
  void SetUp() override {
    a.emplace(Group::create(provider, alice, {}, at(kNow)));
    const KeyPackageBundle bob_kp = create_key_package(suite, bob, kNow);
    CommitOptions options;
    options.add = {bob_kp.key_package};
    const CommitOutput out = a->commit(options);
    a->merge_pending_commit();
    b.emplace(Group::join(provider, bob, bob_kp, *out.welcome, std::nullopt, {}, at(kNow, false)));
    ASSERT_EQ(a->epoch_authenticator(), b->epoch_authenticator());
  }

  KeyPackageBundle dave_key_package(const wire::Lifetime& lifetime) const {
    KeyPackageOptions options;
    options.lifetime = lifetime;
    return create_key_package(suite, dave, kNow, options);
  }

  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, GetParam()};
  Identity alice = Identity::generate(suite, basic_credential("alice"));
  Identity bob = Identity::generate(suite, basic_credential("bob"));
  Identity dave = Identity::generate(suite, basic_credential("dave"));
  std::optional<Group> a, b;
};

// §7.3 "Verify the lifetime field" (MUST for a leaf the client sends, RECOMMENDED for one it
// receives), for an expired and a not-yet-valid KeyPackage: Alice refuses to commit or propose
// its Add and rejects Bob's Add proposal and Bob's commit carrying the Add by value, each time
// unchanged. Once Alice stops checking lifetimes she accepts the commit, and Dave joins unless his
// policy checks the tree's lifetimes (check_tree_lifetimes refuses his own leaf in the tree).
TEST_P(Lifetimes, Rfc7_3_KeyPackageOutsideItsLifetimeIsRefusedInAnAdd) {
  for (const Window& w : {Window{"expired", {kNow - 2 * kHour, kNow - kHour}},
                          Window{"not yet valid", {kNow + kHour, kNow + 2 * kHour}}}) {
    SCOPED_TRACE(w.name);
    SetUp();
    const KeyPackageBundle kp = dave_key_package(w.lifetime);
    CommitOptions add;
    add.add = {kp.key_package};
    EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kLeafLifetimeInvalid, [&] { a->commit(add); }));
    EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kLeafLifetimeInvalid,
                                  [&] { a->propose_add(kp.key_package); }));
    // By reference: Bob (no lifetime checks) proposes it, Alice rejects the proposal.
    Group bob_proposing = *b;
    const auto proposal = bob_proposing.propose_add(kp.key_package);
    EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kLeafLifetimeInvalid,
                                  [&] { a->process(over_the_wire(proposal)); }));
    // By value in Bob's commit.
    const CommitOutput out = b->commit(add);
    EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kLeafLifetimeInvalid,
                                  [&] { a->process(over_the_wire(out.commit)); }));

    a->set_policy(at(kNow, false));
    a->merge(std::get<StagedCommit>(a->process(over_the_wire(out.commit))));
    b->merge_pending_commit();
    EXPECT_EQ(a->epoch_authenticator(), b->epoch_authenticator());
    GroupPolicy strict = at(kNow);
    strict.check_tree_lifetimes = true;
    EXPECT_TRUE(rejects(ErrorCode::kLeafLifetimeInvalid, [&] {
      Group::join(provider, dave, kp, *out.welcome, std::nullopt, {}, strict);
    }));
    for (const GroupPolicy& lenient : {at(kNow), at(kNow, false)}) {
      const Group d = Group::join(provider, dave, kp, *out.welcome, std::nullopt, {}, lenient);
      EXPECT_EQ(d.epoch_authenticator(), a->epoch_authenticator());
    }
  }
}

// §7.3: checking the lifetimes of the leaves in a received ratchet tree is RECOMMENDED, not
// required; with GroupPolicy::check_tree_lifetimes the joiner does it at its clock. Bob's
// KeyPackage leaf (from kNow - 1h to kNow + 90 days) is not yet valid two hours before kNow and
// has expired 100 days after it: Dave refuses to join then, and joins at kNow. By default (a
// quiet member's KeyPackage lifetime must not lock joiners out) he joins at every time.
TEST_P(Lifetimes, Rfc7_3_WelcomeTreeLeafOutsideItsLifetimeIsRefusedWhenAsked) {
  const KeyPackageBundle kp = dave_key_package({kNow - 200 * kDay, kNow + 200 * kDay});
  CommitOptions add;
  add.add = {kp.key_package};
  const CommitOutput out = a->commit(add);
  a->merge_pending_commit();
  const auto strict = [](uint64_t time) {
    GroupPolicy policy = at(time);
    policy.check_tree_lifetimes = true;
    return policy;
  };
  for (const uint64_t time : {kNow - 2 * kHour, kNow + 100 * kDay}) {
    EXPECT_TRUE(rejects(ErrorCode::kLeafLifetimeInvalid, [&] {
      Group::join(provider, dave, kp, *out.welcome, std::nullopt, {}, strict(time));
    })) << time;
    for (const GroupPolicy& lenient : {at(time), at(time, false)}) {
      const Group d = Group::join(provider, dave, kp, *out.welcome, std::nullopt, {}, lenient);
      EXPECT_EQ(d.epoch_authenticator(), a->epoch_authenticator());
    }
  }
  const Group d = Group::join(provider, dave, kp, *out.welcome, std::nullopt, {}, strict(kNow));
  EXPECT_EQ(d.epoch_authenticator(), a->epoch_authenticator());
}

INSTANTIATE_TEST_SUITE_P(AllSuites, Lifetimes, ::testing::Range<uint16_t>(1, 8), suite_name);

}  // namespace
}  // namespace conclave::group_testing
