// Extensions draft §Multi-Credentials, §Credential Bindings and §Verifying a Multi-Credential in
// a group, every cipher suite: a member whose leaf carries a multi or weak-multi credential is
// added, joins and commits; every binding is verified wherever a leaf's credential is (Adds,
// proposals received, a joiner's tree, commit paths); bindings with a bad signature, a
// credential the Authentication Service refuses, or a cipher suite or credential type a member
// does not support are refused with a typed error and the receiver's state unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "negative_test_util.h"

namespace conclave::group_testing {
namespace {

// Capabilities that list the draft's credential types besides the defaults.
wire::Capabilities multi_capabilities() {
  wire::Capabilities caps = default_capabilities();
  caps.credentials.push_back(wire::CredentialType::kMulti);
  caps.credentials.push_back(wire::CredentialType::kWeakMulti);
  return caps;
}

KeyPackageOptions multi_options() {
  KeyPackageOptions o;
  o.capabilities = multi_capabilities();
  return o;
}

CredentialToBind to_bind(const crypto::Suite& group_suite, uint16_t suite_id,
                         const std::string& name) {
  const crypto::Suite s(group_suite.provider_ptr(), suite_id);
  crypto::KeyPair keys = s.generate_signature_key_pair();
  return CredentialToBind{basic_credential(name), suite_id, std::move(keys.private_key),
                          std::move(keys.public_key)};
}

class MultiCredentialGroup : public NegativeGroupTest {
 protected:
  // Alice, Bob and Carol support multi and weak-multi.
  void SetUp() override { build(public_handshakes(), multi_options()); }
  void build(const GroupConfig& config, const KeyPackageOptions& member_options) {
    config_ = config;
    alice = make_client(suite, "alice", member_options);
    bob = make_client(suite, "bob", member_options);
    carol = make_client(suite, "carol", member_options);
    CreateOptions create;
    create.config = config;
    create.leaf = member_options;
    a.emplace(Group::create(provider, alice.identity, create, policy_));
    const CommitOutput out =
        a->commit(adding({bob.key_package.key_package, carol.key_package.key_package}));
    a->merge_pending_commit();
    b.emplace(Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt,
                          config, policy_));
    c.emplace(Group::join(provider, carol.identity, carol.key_package, *out.welcome, std::nullopt,
                          config, policy_));
  }

  // Another suite than the group's: bindings need not use the group's (§Credential Bindings).
  uint16_t other_suite() const { return static_cast<uint16_t>(GetParam() % 7 + 1); }

  // Dave, whose credential binds "dave@work" (group's suite) and "dave@home" (another suite).
  Client dave(bool weak = false) const {
    Identity id = generate_multi_credential_identity(
        suite,
        {to_bind(suite, suite.id(), "dave@work"), to_bind(suite, other_suite(), "dave@home")},
        weak);
    KeyPackageBundle kp = create_key_package(suite, id, unix_time_now(), multi_options());
    return Client{std::move(id), std::move(kp)};
  }

  // Dave's KeyPackage with `edit` applied to his credential, signed again by him (so that only
  // the rule a test breaks is broken).
  wire::KeyPackage edited(const Client& d,
                          const std::function<void(wire::MultiCredential&)>& edit) const {
    wire::KeyPackage kp = d.key_package.key_package;
    edit(std::get<wire::MultiCredential>(kp.leaf_node.credential.content));
    sign_key_package_leaf(suite, kp.leaf_node, d.identity.signature_private_key.view());
    sign_key_package(suite, kp, d.identity.signature_private_key.view());
    return kp;
  }

  // The validator records what the Authentication Service was asked about.
  std::shared_ptr<std::set<std::string>> asked = std::make_shared<std::set<std::string>>();
  GroupPolicy policy_ = [this] {
    GroupPolicy p = accept_any_policy();
    auto seen = asked;
    p.credential_validator = [seen](const wire::Credential& c, BytesView) {
      if (const Bytes* id = c.identity()) seen->insert(std::string(id->begin(), id->end()));
      return true;
    };
    return p;
  }();
};

// §Verifying a Multi-Credential: a valid multi-credential is accepted by the committer, the
// members and the joiner itself (whose tree validation checks every leaf), and the
// Authentication Service is asked about each bound credential.
TEST_P(MultiCredentialGroup, MemberWithMultiCredentialJoinsAndCommits) {
  const Client d = dave();
  GenuineCommit g = genuine_commit(*a, adding({d.key_package.key_package}));
  EXPECT_TRUE(asked->count("dave@work") == 1 && asked->count("dave@home") == 1);
  advance_all(g);
  Group dg = Group::join(provider, d.identity, d.key_package, *g.out.welcome, std::nullopt, config_,
                         policy_);
  EXPECT_EQ(dg.epoch_authenticator(), a->epoch_authenticator());
  EXPECT_EQ(dg.members().at(3).credential, d.identity.credential);
  // Dave commits with a path: his new leaf (and its bindings) is verified by the others.
  CommitOutput out = dg.commit(with_path());
  dg.merge_pending_commit();
  for (Group* m : {&*a, &*b, &*c}) {
    m->merge(std::get<StagedCommit>(m->process(over_the_wire(out.commit))));
    EXPECT_EQ(m->epoch_authenticator(), dg.epoch_authenticator());
  }
}

// §Credential Bindings: a binding whose signature does not verify over CredentialBindingTBS
// is refused by the committer (kCredentialBindingInvalid) and by a member receiving the Add,
// both unchanged.
TEST_P(MultiCredentialGroup, BindingWithBadSignatureIsRefused) {
  const Client d = dave();
  const wire::KeyPackage bad =
      edited(d, [](wire::MultiCredential& m) { flip_last_byte(m.bindings[0].signature); });
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kCredentialBindingInvalid,
                                [&] { a->commit(adding({bad})); }));
  Forger forger(suite, *a);
  const auto proposal = forger.propose(wire::Proposal{wire::Add{bad}});
  EXPECT_TRUE(
      rejects_unchanged(*b, ErrorCode::kCredentialBindingInvalid, [&] { b->process(proposal); }));
}

// §Credential Bindings: the signature covers the LeafNode's signature_key: a binding copied
// into another client's leaf (another signature key) does not verify there.
TEST_P(MultiCredentialGroup, BindingOfAnotherLeafKeyIsRefused) {
  const Client d = dave();
  Identity eve = Identity::generate(suite, d.identity.credential);  // Dave's bindings, Eve's key
  const KeyPackageBundle kp = create_key_package(suite, eve, unix_time_now(), multi_options());
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kCredentialBindingInvalid,
                                [&] { a->commit(adding({kp.key_package})); }));
}

// §Verifying a Multi-Credential: "The credential is valid according to the MLS Authentication
// Service": a refused bound credential refuses the leaf.
TEST_P(MultiCredentialGroup, RefusedBoundCredentialIsRefused) {
  GroupPolicy strict = policy_;
  strict.credential_validator = [](const wire::Credential& c, BytesView) {
    return c.identity() == nullptr || *c.identity() != to_bytes(std::string_view("dave@home"));
  };
  a->set_policy(strict);
  const Client d = dave();
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kCredentialRejected,
                                [&] { a->commit(adding({d.key_package.key_package})); }));
}

// §Verifying a Multi-Credential (multi): "Every member of the group supports the cipher suite
// and credential type values for the binding": a binding of a suite no member lists is
// refused; weak-multi accepts it as long as each member supports one binding, and does not
// verify the bindings this client does not support.
TEST_P(MultiCredentialGroup, UnsupportedBindingSuite) {
  for (const bool weak : {false, true}) {
    const Client d = dave(weak);
    const wire::KeyPackage odd = edited(d, [](wire::MultiCredential& m) {
      m.bindings[1].cipher_suite = 0x7777;  // no one's suite; its signature is now meaningless
    });
    if (!weak) {
      EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kCredentialBindingUnsupported,
                                    [&] { a->commit(adding({odd})); }));
    } else {
      GenuineCommit g = genuine_commit(*a, adding({odd}));
      expect_commit_accepted(*b, g.committer, g.out.commit);
    }
  }
}

// §Verifying a Multi-Credential: a member whose capabilities lack a binding's suite makes the
// multi-credential unacceptable (kCredentialBindingUnsupported); a weak-multi-credential needs
// only one binding that member supports.
TEST_P(MultiCredentialGroup, MemberLackingBindingSupport) {
  // The members support the group's suite only; Dave's second binding is of another suite.
  KeyPackageOptions narrow = multi_options();
  narrow.capabilities->cipher_suites = {suite.id()};
  build(public_handshakes(), narrow);
  for (const bool weak : {false, true}) {
    const Client d = dave(weak);
    if (!weak) {
      EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kCredentialBindingUnsupported,
                                    [&] { a->commit(adding({d.key_package.key_package})); }));
    } else {
      GenuineCommit g = genuine_commit(*a, adding({d.key_package.key_package}));
      expect_commit_accepted(*b, g.committer, g.out.commit);
    }
  }
}

// §Verifying a Multi-Credential: "All members of the group support credential type multi":
// without it in a member's capabilities, the Add is refused (RFC 9420 §7.3's rule).
TEST_P(MultiCredentialGroup, MemberLackingTheCredentialType) {
  KeyPackageOptions plain;
  plain.capabilities = default_capabilities();
  build(public_handshakes(), plain);
  const Client d = dave();
  EXPECT_TRUE(rejects_unchanged(*a, ErrorCode::kCredentialTypeUnsupported,
                                [&] { a->commit(adding({d.key_package.key_package})); }));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, MultiCredentialGroup, ::testing::Range<uint16_t>(1, 8),
                         suite_name);

}  // namespace
}  // namespace conclave::group_testing
