// conclave-ds's Authentication Service with X.509 credentials (RFC 9420 §5.3, §5.3.1; RFC 9750
// §6; issue 14, "Clients and authentication"): a chain must verify to the server's trust
// anchors (--trust-anchors), its leaf must name the user (subject commonName) and hold the
// device's signature key. Every refusal is CREDENTIAL_REJECTED and stores nothing.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "crypto/x509_test_util.h"
#include "ds_fixture.h"

namespace ds_test {
namespace {

namespace x509 = conclave::x509_testing;
using conclave::Bytes;

constexpr uint16_t kSuite = 1;  // MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519
constexpr auto kScheme = conclave::crypto::SignatureScheme::kEd25519;

int64_t now_s() {
  return static_cast<int64_t>(conclave::unix_time_now());
}

class DsX509Test : public DsTest {
 protected:
  void SetUp() override {
    DsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // The server trusts Acme's root only; the chains carry Acme's intermediate.
    anchors_ = dir_->path() + "/anchors.pem";
    std::ofstream(anchors_) << x509::pem_of(acme.root.get());
    restart({"--trust-anchors", anchors_});
  }

  // An identity whose leaf, issued by `pki` for `common_name`, holds its signature key (or,
  // with `key_of_leaf`, another key), chained leaf then intermediate (§5.3).
  conclave::Identity x509_identity(x509::Pki& pki, const std::string& common_name,
                                   std::optional<x509::CertSpec> spec = {},
                                   const x509::TestKey* key_of_leaf = nullptr) {
    x509::TestKey key = x509::make_key(kScheme);
    const Bytes leaf = pki.issue(common_name, key_of_leaf ? *key_of_leaf : key, spec);
    auto credential = conclave::wire::Credential::x509(
        {conclave::wire::Certificate{leaf}, conclave::wire::Certificate{pki.intermediate_der}});
    return conclave::Identity{kSuite, std::move(credential), std::move(key.mls_private),
                              key.mls_public};
  }

  // A client with `identity`, not registered yet.
  std::unique_ptr<DsClient> device(const std::string& user, conclave::Identity identity,
                                   const std::string& name = "phone") {
    return std::make_unique<DsClient>(server_->address(), user, name, std::move(identity));
  }

  // Registers `c` and expects CREDENTIAL_REJECTED for `reason` (in the message), with nothing
  // stored.
  void expect_rejected(DsClient& c, const std::string& reason) {
    const std::string before = footprint();
    const auto out = c.register_device();
    EXPECT_FALSE(out.ok());
    EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_CREDENTIAL_REJECTED) << out.status.error_message();
    EXPECT_NE(out.status.error_message().find(reason), std::string::npos)
        << out.status.error_message();
    EXPECT_EQ(footprint(), before);
    // Not registered: its requests are refused.
    EXPECT_EQ(c.publish(1).detail.code(), v1::ERROR_CODE_BAD_SIGNATURE);
  }

  x509::Pki acme{kScheme, now_s(), "Acme"};
  x509::Pki other{kScheme, now_s(), "Other"};
  std::string anchors_;
};

// §5.3: a chain to a configured anchor registers; the device then publishes KeyPackages with
// its X.509 credential and chats through the DS with an X.509 member and a basic one.
TEST_F(DsX509Test, ChainToAnchorRegistersAndWorksEndToEnd) {
  auto alice = device("alice", x509_identity(acme, "alice"));
  auto bob = device("bob", x509_identity(acme, "bob"));
  ASSERT_TRUE(alice->register_device().ok());
  const auto registered = bob->register_device();
  ASSERT_TRUE(registered.ok()) << registered.status.error_message();
  auto carol = client("carol");  // basic
  ASSERT_NO_FATAL_FAILURE(group_of_three(*alice, *bob, *carol));

  ASSERT_TRUE(alice->send(alice->group->protect(conclave::as_bytes("hello, certified"))).ok());
  ASSERT_TRUE(carol->send(carol->group->protect(conclave::as_bytes("hi from basic"))).ok());
  EXPECT_EQ(bob->sync(), 2u);
  EXPECT_EQ(alice->sync(), 1u);
  EXPECT_EQ(carol->sync(), 1u);
  EXPECT_EQ(bob->received, (std::vector<std::string>{"hello, certified", "hi from basic"}));
  EXPECT_EQ(alice->received, (std::vector<std::string>{"hi from basic"}));
  EXPECT_EQ(carol->received, (std::vector<std::string>{"hello, certified"}));
  EXPECT_EQ(state_of(*bob), state_of(*alice));
  EXPECT_EQ(state_of(*carol), state_of(*alice));
}

// §5.3.1: a chain that ends at a CA the server does not trust is refused.
TEST_F(DsX509Test, ChainToAnotherCaIsRejected) {
  auto mallory = device("alice", x509_identity(other, "alice"));
  expect_rejected(*mallory, "x509-untrusted");
}

// RFC 5280 path validation: a leaf past its notAfter is refused.
TEST_F(DsX509Test, ExpiredLeafIsRejected) {
  const int64_t now = now_s();
  const x509::CertSpec expired{
      "alice", false, now - 2 * 86400, now - 86400, {}, {"alice@example.com"}, {}, 0};
  auto alice = device("alice", x509_identity(acme, "alice", expired));
  expect_rejected(*alice, "x509-expired");
}

// §5.3.1: the user name is the leaf's subject commonName; a certificate for someone else (and a
// subjectAltName, which is not consulted) registers no other name.
TEST_F(DsX509Test, UserNameNotTheCertificateIdentityIsRejected) {
  auto mallory = device("alice", x509_identity(acme, "mallory"));
  expect_rejected(*mallory, "commonName");
  const int64_t now = now_s();
  const x509::CertSpec alias{"mallory", false,     now - 86400, now + 86400,
                             {"alice"}, {"alice"}, {},          0};
  auto aliased = device("alice", x509_identity(acme, "mallory", alias));
  expect_rejected(*aliased, "commonName");
}

// §5.3: the leaf's public key must be the signature key being registered (whose possession the
// request's signature proves): someone else's certificate does not do.
TEST_F(DsX509Test, LeafKeyNotSignatureKeyIsRejected) {
  const x509::TestKey alices_key = x509::make_key(kScheme);
  auto thief = device("alice", x509_identity(acme, "alice", {}, &alices_key));
  expect_rejected(*thief, "x509-key-mismatch");
}

// Issue 14: without --trust-anchors the server accepts no X.509 credential, and says why.
TEST_F(DsX509Test, ServerWithoutTrustAnchorsRejectsX509) {
  restart({});
  auto alice = device("alice", x509_identity(acme, "alice"));
  expect_rejected(*alice, "--trust-anchors");
}

// An operator's mistake is told at start, not at the first X.509 registration: a trust anchor
// file that is missing or holds no certificate stops the server.
TEST_F(DsX509Test, TrustAnchorsWithoutACertificateStopTheServer) {
  const std::string empty = dir_->path() + "/empty.pem";
  std::ofstream(empty) << "no certificate here\n";
  for (const std::string& file : {empty, dir_->path() + "/missing.pem"}) {
    const std::vector<std::string> args{"--trust-anchors", file};
    EXPECT_THROW(ServerProcess(CONCLAVE_DS_SERVER, db_path_, args), std::runtime_error) << file;
  }
}

// §10.1 at the directory: an X.509 device publishes KeyPackages with exactly its registered
// credential; another chain for the same key (a re-issued certificate) is NOT_YOUR_KEY_PACKAGE.
TEST_F(DsX509Test, KeyPackagesCarryTheRegisteredCredential) {
  x509::TestKey key = x509::make_key(kScheme);
  const auto chain = [&] {
    return conclave::wire::Credential::x509({conclave::wire::Certificate{acme.issue("alice", key)},
                                             conclave::wire::Certificate{acme.intermediate_der}});
  };
  auto alice =
      device("alice", conclave::Identity{kSuite, chain(), key.mls_private, key.mls_public});
  ASSERT_TRUE(alice->register_device().ok());
  ASSERT_TRUE(alice->publish(1).ok());

  auto reissued =
      device("alice", conclave::Identity{kSuite, chain(), key.mls_private, key.mls_public});
  const std::string before = footprint();
  const auto out = reissued->publish(1);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_NOT_YOUR_KEY_PACKAGE);
  EXPECT_EQ(footprint(), before);
}

// A name first claimed by certificate is the CA's to give: another device with a verified
// certificate for it registers without an approval. A basic credential cannot join that name,
// nor can a certificate join a name first claimed by a basic credential (tools/ds/README.md).
TEST_F(DsX509Test, CertificateAddsDevicesOnlyToNamesClaimedByCertificate) {
  auto phone = device("bob", x509_identity(acme, "bob"), "phone");
  ASSERT_TRUE(phone->register_device().ok());
  auto laptop = device("bob", x509_identity(acme, "bob"), "laptop");
  const auto added = laptop->register_device();
  ASSERT_TRUE(added.ok()) << added.status.error_message();
  ASSERT_TRUE(phone->publish(1).ok());
  ASSERT_TRUE(laptop->publish(1).ok());
  auto carol = client("carol");
  EXPECT_EQ(carol->fetch_key_packages("bob").reply.key_packages_size(), 2);

  std::string before = footprint();
  auto basic = std::make_unique<DsClient>(server_->address(), "bob", "tablet");
  auto out = basic->register_device();
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_NAME_TAKEN);
  EXPECT_EQ(footprint(), before);

  auto certified = device("carol", x509_identity(acme, "carol"), "laptop");
  out = certified->register_device();
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(out.detail.code(), v1::ERROR_CODE_NAME_TAKEN);
  EXPECT_EQ(footprint(), before);
}

}  // namespace
}  // namespace ds_test
