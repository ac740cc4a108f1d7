// X.509 chain verification and the leaf key binding of RFC 9420 §5.3, for every signature scheme
// of §17.1, with certificates minted in the test.
#include "conclave/crypto/x509.h"

#include <gtest/gtest.h>

#include <ctime>

#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "crypto/x509_test_util.h"

namespace conclave::crypto {
namespace {

using x509_testing::CertSpec;
using x509_testing::Pki;
using x509_testing::TestKey;

constexpr int64_t kNow = 1'750'000'000;  // June 2025
constexpr int64_t kDay = 86400;

template <typename F>
::testing::AssertionResult ThrowsCode(ErrorCode code, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.code() == code) return ::testing::AssertionSuccess() << e.what();
    return ::testing::AssertionFailure()
           << "threw " << e.what() << ", expected " << error_code_name(code);
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-conclave exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw " << error_code_name(code);
}

class X509ChainTest : public ::testing::TestWithParam<SignatureScheme> {
 protected:
  SignatureScheme scheme = GetParam();
  Pki pki{scheme, kNow, "Acme"};
  TestKey bob = x509_testing::make_key(scheme);
  Bytes bob_leaf = pki.issue("bob", bob);

  // Anchored at Acme's root, verifying at kNow.
  X509TrustStore store() const {
    X509TrustStore s;
    s.add_anchor_der(pki.root_der);
    s.set_verification_time(kNow);
    return s;
  }

  X509ChainInfo verify(const X509TrustStore& s, const std::vector<Bytes>& chain) const {
    return verify_x509_chain(s, chain, scheme, bob.mls_public);
  }
};

// The test's MLS encodings are those of the provider (provider.h), so the binding below checks
// the format the rest of Conclave uses.
TEST_P(X509ChainTest, TestKeysUseTheProviderEncoding) {
  EXPECT_EQ(openssl_provider()->signature_public_key(scheme, bob.mls_private.view()),
            bob.mls_public);
}

// A root anchor -> intermediate -> leaf chain verifies, binds the leaf key and reports the
// presented identifiers (§5.3.1).
TEST_P(X509ChainTest, ValidTwoLevelChainVerifies) {
  const X509ChainInfo info = verify(store(), {bob_leaf, pki.intermediate_der});
  EXPECT_EQ(info.subject, "CN=bob,O=Conclave Test");
  EXPECT_EQ(info.issuer, "CN=Acme Issuing CA,O=Conclave Test");
  EXPECT_EQ(info.common_names, std::vector<std::string>{"bob"});
  EXPECT_EQ(info.dns_names, std::vector<std::string>{"bob.example"});
  EXPECT_EQ(info.emails, std::vector<std::string>{"bob@example.com"});
  EXPECT_TRUE(info.uris.empty());
  EXPECT_EQ(info.not_before, kNow - kDay);
  EXPECT_EQ(info.not_after, kNow + kDay);
  EXPECT_EQ(info.anchor_subject, "CN=Acme Root CA,O=Conclave Test");
  EXPECT_EQ(info.path_length, 3u);
}

// Anchors from a PEM bundle (with a non-certificate block in between); a chain that carries
// the root itself still verifies, and intermediates in any order are fine.
TEST_P(X509ChainTest, PemAnchorsAndRootInChain) {
  Pki other(scheme, kNow, "Other");
  X509TrustStore s;
  s.add_anchors_pem(x509_testing::pem_of(other.root.get()) +
                    "-----BEGIN JUNK-----\nAAAA\n-----END JUNK-----\n" +
                    x509_testing::pem_of(pki.root.get()));
  s.set_verification_time(kNow);
  EXPECT_EQ(s.anchor_count(), 2u);
  EXPECT_EQ(verify(s, {bob_leaf, pki.intermediate_der, pki.root_der}).path_length, 3u);
  EXPECT_EQ(verify(s, {bob_leaf, pki.root_der, pki.intermediate_der}).path_length, 3u);
}

// A chain whose root is not an anchor is rejected, whether or not it carries that root.
TEST_P(X509ChainTest, ForeignRootIsUntrusted) {
  Pki other(scheme, kNow, "Other");
  const Bytes leaf = other.issue("bob", bob);
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Untrusted, [&] {
    verify(store(), {leaf, other.intermediate_der});
  }));
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Untrusted, [&] {
    verify(store(), {leaf, other.intermediate_der, other.root_der});
  }));
  // An empty store trusts nothing.
  X509TrustStore empty;
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Untrusted, [&] {
    verify(empty, {bob_leaf, pki.intermediate_der});
  }));
}

// §5.3: a chain may omit intermediates the peers already have; the store supplies them.
TEST_P(X509ChainTest, OmittedIntermediateComesFromTheStore) {
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Untrusted, [&] { verify(store(), {bob_leaf}); }));
  X509TrustStore s = store();
  s.add_intermediate_der(pki.intermediate_der);
  EXPECT_EQ(s.intermediate_count(), 1u);
  EXPECT_EQ(verify(s, {bob_leaf}).path_length, 3u);
  // A known intermediate is not an anchor: without the root, nothing verifies.
  X509TrustStore no_root;
  no_root.add_intermediates_pem(x509_testing::pem_of(pki.intermediate.get()));
  no_root.set_verification_time(kNow);
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Untrusted, [&] { verify(no_root, {bob_leaf}); }));
}

// An anchor below the root (a pinned issuing CA) ends the path there.
TEST_P(X509ChainTest, IntermediateAsAnchor) {
  X509TrustStore s;
  s.add_anchor_der(pki.intermediate_der);
  s.set_verification_time(kNow);
  const X509ChainInfo info = verify(s, {bob_leaf});
  EXPECT_EQ(info.path_length, 2u);
  EXPECT_EQ(info.anchor_subject, "CN=Acme Issuing CA,O=Conclave Test");
}

// Validity periods: expired and not yet valid leaves, and an expired intermediate.
TEST_P(X509ChainTest, ExpiredCertificatesAreRejected) {
  const Bytes expired =
      pki.issue("bob", bob, CertSpec{"bob", false, kNow - 10 * kDay, kNow - kDay, {}, {}, {}, 0});
  const Bytes future =
      pki.issue("bob", bob, CertSpec{"bob", false, kNow + kDay, kNow + 10 * kDay, {}, {}, {}, 0});
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Expired, [&] {
    verify(store(), {expired, pki.intermediate_der});
  }));
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Expired, [&] {
    verify(store(), {future, pki.intermediate_der});
  }));
  // The same leaf at a time inside its validity, by the store and by the call.
  X509TrustStore earlier = store();
  earlier.set_verification_time(kNow - 5 * kDay);
  EXPECT_NO_THROW(verify(earlier, {expired, pki.intermediate_der}));
  EXPECT_NO_THROW(verify_x509_chain(store(), {future, pki.intermediate_der}, scheme, bob.mls_public,
                                    kNow + 2 * kDay));
  // §5.3.2: an application may choose to ignore expiry.
  X509TrustStore lenient = store();
  lenient.ignore_validity_periods();
  EXPECT_NO_THROW(verify(lenient, {expired, pki.intermediate_der}));

  // An intermediate that has expired invalidates the leaves under it.
  const auto old_ca = x509_testing::make_cert(
      {"Acme Issuing CA", true, kNow - 10 * kDay, kNow - kDay, {}, {}, {}, 2},
      pki.intermediate_key.pkey.get(), pki.root.get(), pki.root_key.pkey.get());
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Expired, [&] {
    verify(store(), {bob_leaf, x509_testing::der_of(old_ca.get())});
  }));
}

// The system clock by default: certificates valid around the real time verify.
TEST_P(X509ChainTest, SystemTimeByDefault) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  Pki live(scheme, now, "Live");
  const Bytes leaf = live.issue("bob", bob);
  X509TrustStore s;
  s.add_anchor_der(live.root_der);
  EXPECT_NO_THROW(verify(s, {leaf, live.intermediate_der}));
  // A leaf that ended yesterday by the real clock.
  const Bytes gone =
      live.issue("bob", bob, CertSpec{"bob", false, now - 10 * kDay, now - kDay, {}, {}, {}, 0});
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Expired, [&] {
    verify(s, {gone, live.intermediate_der});
  }));
}

// §5.3: the leaf's key must be the MLS signature key: another key of the scheme, a key of
// another scheme, and the right key checked under another scheme all fail.
TEST_P(X509ChainTest, LeafKeyMustBeTheSignatureKey) {
  const TestKey other = x509_testing::make_key(scheme);
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509KeyMismatch, [&] {
    verify_x509_chain(store(), {bob_leaf, pki.intermediate_der}, scheme, other.mls_public);
  }));
  // A truncated key; for ECDSA the same point compressed (MLS keys are uncompressed, §5.1.1).
  Bytes truncated = bob.mls_public;
  truncated.pop_back();
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509KeyMismatch, [&] {
    verify_x509_chain(store(), {bob_leaf, pki.intermediate_der}, scheme, truncated);
  }));
  if (scheme != SignatureScheme::kEd25519 && scheme != SignatureScheme::kEd448) {
    const size_t n = (bob.mls_public.size() - 1) / 2;
    Bytes compressed(bob.mls_public.begin(), bob.mls_public.begin() + 1 + n);
    compressed[0] = static_cast<uint8_t>(0x02 | (bob.mls_public.back() & 1));
    EXPECT_TRUE(ThrowsCode(ErrorCode::kX509KeyMismatch, [&] {
      verify_x509_chain(store(), {bob_leaf, pki.intermediate_der}, scheme, compressed);
    }));
  }
  for (SignatureScheme s : x509_testing::kAllSchemes) {
    if (s == scheme) continue;
    EXPECT_TRUE(ThrowsCode(ErrorCode::kX509KeyMismatch, [&] {
      verify_x509_chain(store(), {bob_leaf, pki.intermediate_der}, s, bob.mls_public);
    })) << x509_testing::scheme_name(s);
  }
}

// Input that is not one DER certificate per entry.
TEST_P(X509ChainTest, MalformedInputIsRejected) {
  const Bytes garbage = from_hex("3082ffff0102030405");
  Bytes trailing = bob_leaf;
  trailing.push_back(0);
  Bytes truncated(bob_leaf.begin(), bob_leaf.end() - 10);
  const std::vector<std::vector<Bytes>> chains = {{},
                                                  {garbage},
                                                  {Bytes{}},
                                                  {trailing, pki.intermediate_der},
                                                  {truncated},
                                                  {bob_leaf, garbage},
                                                  {to_bytes("not a certificate")}};
  for (const auto& chain : chains)
    EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Malformed, [&] { verify(store(), chain); }));

  X509TrustStore s = store();
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Malformed, [&] { s.add_anchor_der(garbage); }));
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Malformed, [&] { s.add_intermediate_der(trailing); }));
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Malformed, [&] { s.add_anchors_pem("no pem here"); }));
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Malformed, [&] {
    s.add_anchors_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  }));
  // A failed addition leaves the store as it was.
  EXPECT_EQ(s.anchor_count(), 1u);
  EXPECT_EQ(s.intermediate_count(), 0u);
  EXPECT_NO_THROW(verify(s, {bob_leaf, pki.intermediate_der}));
}

// A certificate whose signature was altered.
TEST_P(X509ChainTest, BadSignatureIsRejected) {
  Bytes tampered = bob_leaf;
  tampered.back() ^= 0x01;  // the last byte of the signature value
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509SignatureInvalid, [&] {
    verify(store(), {tampered, pki.intermediate_der});
  }));
  // A leaf signed by a key other than its named issuer's.
  const TestKey impostor = x509_testing::make_key(scheme);
  const auto forged =
      x509_testing::make_cert({"bob", false, kNow - kDay, kNow + kDay, {}, {}, {}, 9},
                              bob.pkey.get(), pki.intermediate.get(), impostor.pkey.get());
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509SignatureInvalid, [&] {
    verify(store(), {x509_testing::der_of(forged.get()), pki.intermediate_der});
  }));
}

// An issuer that is not a CA (basicConstraints CA:FALSE) cannot issue.
TEST_P(X509ChainTest, NonCaIssuerIsRejected) {
  const TestKey carol = x509_testing::make_key(scheme);
  const auto carol_cert = x509_testing::make_cert(
      {"carol", false, kNow - kDay, kNow + kDay, {}, {}, {}, 20}, carol.pkey.get(),
      pki.intermediate.get(), pki.intermediate_key.pkey.get());
  const auto leaf =
      x509_testing::make_cert({"bob", false, kNow - kDay, kNow + kDay, {}, {}, {}, 21},
                              bob.pkey.get(), carol_cert.get(), carol.pkey.get());
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509ChainInvalid, [&] {
    verify(store(), {x509_testing::der_of(leaf.get()), x509_testing::der_of(carol_cert.get()),
                     pki.intermediate_der});
  }));
}

// Copies share certificates but not changes.
TEST_P(X509ChainTest, CopiesAreIndependent) {
  Pki other(scheme, kNow, "Other");
  const Bytes leaf = other.issue("bob", bob);
  const X509TrustStore original = store();
  X509TrustStore copy = original;
  copy.add_anchor_der(other.root_der);
  copy.add_anchor_der(other.root_der);  // a duplicate is harmless
  EXPECT_EQ(original.anchor_count(), 1u);
  EXPECT_NO_THROW(verify(copy, {leaf, other.intermediate_der}));
  EXPECT_TRUE(ThrowsCode(ErrorCode::kX509Untrusted, [&] {
    verify(original, {leaf, other.intermediate_der});
  }));
  X509TrustStore moved = std::move(copy);
  EXPECT_NO_THROW(verify(moved, {leaf, other.intermediate_der}));
}

INSTANTIATE_TEST_SUITE_P(AllSchemes, X509ChainTest, ::testing::ValuesIn(x509_testing::kAllSchemes),
                         [](const auto& info) { return x509_testing::scheme_name(info.param); });

TEST(X509Errors, CodesHaveNames) {
  EXPECT_EQ(error_code_name(ErrorCode::kX509Malformed), "x509-malformed");
  EXPECT_EQ(error_code_name(ErrorCode::kX509Untrusted), "x509-untrusted");
  EXPECT_EQ(error_code_name(ErrorCode::kX509Expired), "x509-expired");
  EXPECT_EQ(error_code_name(ErrorCode::kX509SignatureInvalid), "x509-signature-invalid");
  EXPECT_EQ(error_code_name(ErrorCode::kX509ChainInvalid), "x509-chain-invalid");
  EXPECT_EQ(error_code_name(ErrorCode::kX509KeyMismatch), "x509-key-mismatch");
  EXPECT_EQ(static_cast<int>(ErrorCode::kX509Malformed), 700);
}

}  // namespace
}  // namespace conclave::crypto
