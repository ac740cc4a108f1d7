// Groups of members with X.509 credentials (RFC 9420 §5.3, §5.3.1): the Authentication Service
// made by make_x509_credential_validator accepts chains to the configured anchor and rejects
// others at each point the RFC names: a KeyPackage about to be added, an Add in a received
// Commit, and every member of the tree a Welcome brings.
#include "conclave/group/x509_validator.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"
#include "crypto/x509_test_util.h"
#include "support/accept_any_policy.h"

namespace conclave {
namespace {

using conclave::testing::accept_any_policy;
using x509_testing::Pki;
using x509_testing::TestKey;

struct Client {
  Identity identity;
  KeyPackageBundle key_package;
};

ErrorCode error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;
}

class X509GroupTest : public ::testing::TestWithParam<uint16_t> {
 protected:
  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, GetParam()};
  crypto::SignatureScheme scheme = suite.info().signature;
  int64_t now = static_cast<int64_t>(unix_time_now());
  Pki acme{scheme, now, "Acme"};
  Pki other{scheme, now, "Other"};
  std::vector<ErrorCode> rejections;  // the reasons the validator gave, in order

  // A client whose leaf certificate, issued by `pki`, holds its MLS signature key; the chain
  // is sent as leaf, intermediate (§5.3).
  Client x509_client(Pki& pki, const std::string& name) {
    TestKey key = x509_testing::make_key(scheme);
    const Bytes leaf = pki.issue(name, key);
    wire::Credential credential =
        wire::Credential::x509({wire::Certificate{leaf}, wire::Certificate{pki.intermediate_der}});
    Identity id{suite.id(), std::move(credential), std::move(key.mls_private), key.mls_public};
    KeyPackageBundle kp = create_key_package(suite, id, unix_time_now());
    return Client{std::move(id), std::move(kp)};
  }

  crypto::X509TrustStore trusting(const Pki& pki) const {
    crypto::X509TrustStore store;
    store.add_anchor_der(pki.root_der);
    return store;
  }

  GroupPolicy policy(const crypto::X509TrustStore& store, X509ValidatorOptions options = {}) {
    options.on_reject = [this](const wire::Credential&, const Error& e) {
      rejections.push_back(e.code());
    };
    GroupPolicy p;
    p.credential_validator = make_x509_credential_validator(store, scheme, std::move(options));
    return p;
  }
};

// Alice and Bob, both certified by Acme, form a group whose members all check certificates.
TEST_P(X509GroupTest, CertifiedMembersJoinAndTalk) {
  Client alice = x509_client(acme, "alice");
  Client bob = x509_client(acme, "bob");
  Group a = Group::create(provider, alice.identity, {}, policy(trusting(acme)));
  CommitOptions add;
  add.add = {bob.key_package.key_package};
  CommitOutput out = a.commit(add);
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt, {},
                        policy(trusting(acme)));
  EXPECT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
  EXPECT_TRUE(rejections.empty());
  const auto m = a.protect(as_bytes("signed by a certified key"));
  EXPECT_EQ(std::get<ApplicationMessage>(b.process(m)).data, to_bytes("signed by a certified key"));

  // The application reads the members' presented identifiers (§5.3.1).
  std::vector<std::string> names;
  for (const MemberInfo& member : b.members()) {
    const auto info =
        verify_x509_credential(trusting(acme), scheme, member.credential, member.signature_key);
    names.insert(names.end(), info.dns_names.begin(), info.dns_names.end());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"alice.example", "bob.example"}));
}

// §5.3.1: a KeyPackage is validated before it is used in an Add: Carol, certified by a CA the
// group does not trust, cannot be added, and Alice's group is left as it was.
TEST_P(X509GroupTest, UntrustedKeyPackageRejectedAtCommit) {
  Client alice = x509_client(acme, "alice");
  Client carol = x509_client(other, "carol");
  Group a = Group::create(provider, alice.identity, {}, policy(trusting(acme)));
  const Group before = a;
  CommitOptions add;
  add.add = {carol.key_package.key_package};
  EXPECT_EQ(error_of([&] { a.commit(add); }), ErrorCode::kCredentialRejected);
  EXPECT_EQ(error_of([&] { a.propose_add(carol.key_package.key_package); }),
            ErrorCode::kCredentialRejected);
  EXPECT_EQ(rejections,
            (std::vector<ErrorCode>{ErrorCode::kX509Untrusted, ErrorCode::kX509Untrusted}));
  EXPECT_FALSE(a.has_pending_commit());
  EXPECT_TRUE(a == before);
}

// §5.3.1: a member validates the Adds of a Commit it receives. Alice (who trusts both CAs)
// adds Carol; Bob, who trusts only Acme, rejects the commit and stays as he was. (Handshakes
// are PublicMessages here; the PrivateMessage case is in group_negative_commit_test.)
TEST_P(X509GroupTest, UntrustedAddRejectedByReceiver) {
  Client alice = x509_client(acme, "alice");
  Client bob = x509_client(acme, "bob");
  Client carol = x509_client(other, "carol");
  crypto::X509TrustStore both = trusting(acme);
  both.add_anchor_der(other.root_der);
  CreateOptions create;
  create.config.handshake_format = HandshakeFormat::kPublic;
  Group a = Group::create(provider, alice.identity, create, policy(both));
  CommitOptions add_bob;
  add_bob.add = {bob.key_package.key_package};
  CommitOutput out = a.commit(add_bob);
  a.merge_pending_commit();
  Group b = Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt,
                        create.config, policy(trusting(acme)));

  CommitOptions add_carol;
  add_carol.add = {carol.key_package.key_package};
  CommitOutput commit = a.commit(add_carol);
  const Group before = b;
  const SecretBytes state = b.serialize();
  EXPECT_EQ(error_of([&] { b.process(commit.commit); }), ErrorCode::kCredentialRejected);
  EXPECT_EQ(rejections, std::vector<ErrorCode>{ErrorCode::kX509Untrusted});
  EXPECT_TRUE(b == before);
  EXPECT_EQ(b.serialize(), state);

  // Once Alice drops the commit, the two carry on.
  a.discard_pending_commit();
  const auto m = a.protect(as_bytes("still here"));
  EXPECT_EQ(std::get<ApplicationMessage>(b.process(m)).data, to_bytes("still here"));
}

// §5.3.1, §12.4.3.1: a joiner validates every credential in the tree it is given. Alice, who
// accepts every credential, adds Bob and Carol; Bob's join fails on Carol's certificate.
TEST_P(X509GroupTest, UntrustedMemberRejectedAtJoin) {
  Client alice = x509_client(acme, "alice");
  Client bob = x509_client(acme, "bob");
  Client carol = x509_client(other, "carol");
  Group a = Group::create(provider, alice.identity, {}, accept_any_policy());
  CommitOptions add;
  add.add = {bob.key_package.key_package, carol.key_package.key_package};
  CommitOutput out = a.commit(add);
  a.merge_pending_commit();
  EXPECT_EQ(error_of([&] {
              Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt, {},
                          policy(trusting(acme)));
            }),
            ErrorCode::kCredentialRejected);
  EXPECT_EQ(rejections, std::vector<ErrorCode>{ErrorCode::kX509Untrusted});
  // Bob joins when he trusts Carol's CA too.
  crypto::X509TrustStore both = trusting(acme);
  both.add_anchor_der(other.root_der);
  EXPECT_NO_THROW(Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt,
                              {}, policy(both)));
}

// Basic credentials only when the policy admits them.
TEST_P(X509GroupTest, BasicCredentialsByPolicy) {
  Client alice = x509_client(acme, "alice");
  Identity dave_id = Identity::generate(suite, basic_credential("dave"));
  const KeyPackageBundle dave = create_key_package(suite, dave_id, unix_time_now());
  CommitOptions add;
  add.add = {dave.key_package};

  Group strict = Group::create(provider, alice.identity, {}, policy(trusting(acme)));
  EXPECT_EQ(error_of([&] { strict.commit(add); }), ErrorCode::kCredentialRejected);
  EXPECT_EQ(rejections, std::vector<ErrorCode>{ErrorCode::kCredentialRejected});

  X509ValidatorOptions mixed;
  mixed.accept_basic = true;
  Group lenient = Group::create(provider, alice.identity, {}, policy(trusting(acme), mixed));
  CommitOutput out = lenient.commit(add);
  lenient.merge_pending_commit();
  EXPECT_NO_THROW(Group::join(provider, dave_id, dave, *out.welcome, std::nullopt, {},
                              policy(trusting(acme), mixed)));
}

// The certificate must certify the key the member signs with (§5.3): Mallory presents Bob's
// certificate chain with her own signature key.
TEST_P(X509GroupTest, CertificateOfAnotherKeyRejected) {
  Client alice = x509_client(acme, "alice");
  Client bob = x509_client(acme, "bob");
  Identity mallory_id = Identity::generate(suite, bob.identity.credential);
  const KeyPackageBundle mallory = create_key_package(suite, mallory_id, unix_time_now());
  Group a = Group::create(provider, alice.identity, {}, policy(trusting(acme)));
  CommitOptions add;
  add.add = {mallory.key_package};
  EXPECT_EQ(error_of([&] { a.commit(add); }), ErrorCode::kCredentialRejected);
  EXPECT_EQ(rejections, std::vector<ErrorCode>{ErrorCode::kX509KeyMismatch});
}

// The application's identity check (§5.3.1 reference identifiers) and its clock.
TEST_P(X509GroupTest, IdentityCheckAndClock) {
  Client alice = x509_client(acme, "alice");
  Client bob = x509_client(acme, "bob");
  Client eve = x509_client(acme, "eve");
  X509ValidatorOptions options;
  options.accept_identity = [](const crypto::X509ChainInfo& info) {
    return std::find(info.dns_names.begin(), info.dns_names.end(), "eve.example") ==
           info.dns_names.end();
  };
  Group a = Group::create(provider, alice.identity, {}, policy(trusting(acme), options));
  CommitOptions add_eve;
  add_eve.add = {eve.key_package.key_package};
  EXPECT_EQ(error_of([&] { a.commit(add_eve); }), ErrorCode::kCredentialRejected);
  CommitOptions add_bob;
  add_bob.add = {bob.key_package.key_package};
  EXPECT_NO_THROW(a.commit(add_bob));
  a.discard_pending_commit();

  // Two days on, Bob's one-day leaf certificate has expired.
  X509ValidatorOptions later;
  later.clock = [t = now] { return static_cast<uint64_t>(t + 2 * 86400); };
  a.set_policy(policy(trusting(acme), later));
  EXPECT_EQ(error_of([&] { a.commit(add_bob); }), ErrorCode::kCredentialRejected);
  EXPECT_EQ(rejections,
            (std::vector<ErrorCode>{ErrorCode::kCredentialRejected, ErrorCode::kX509Expired}));
}

INSTANTIATE_TEST_SUITE_P(AllSuites, X509GroupTest, ::testing::Range<uint16_t>(1, 8));

}  // namespace
}  // namespace conclave
