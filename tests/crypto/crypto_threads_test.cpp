// The crypto layer on several threads: one CryptoProvider shared by every group of a process,
// HPKE batches spread over the cores, X.509 trust stores shared between threads. Run under
// ThreadSanitizer too (ctest label `threads`).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/crypto/x509.h"
#include "crypto/x509_test_util.h"

namespace conclave::crypto {
namespace {

// Runs f and checks that it throws conclave::Error with the given code.
template <typename F>
void expect_error(ErrorCode code, F&& f) {
  try {
    f();
    ADD_FAILURE() << "expected Error(" << error_code_name(code) << "), nothing was thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << "got " << error_code_name(e.code()) << ": " << e.what();
  }
}

// --- one provider, many threads --------------------------------------------------------------

class OpenSslProviderTest : public ::testing::Test {
 protected:
  std::shared_ptr<const CryptoProvider> provider_ = openssl_provider();
  const CryptoProvider& p = *provider_;
};

// provider.h: const methods may be called concurrently on one provider; results stay correct.
TEST_F(OpenSslProviderTest, ConcurrentUseGivesConsistentResults) {
  KeyPair sig = p.signature_generate(SignatureScheme::kEcdsaSecp256r1Sha256);
  KeyPair a = p.dh_generate(KemId::kDhkemP384Sha384);
  KeyPair b = p.dh_generate(KemId::kDhkemP384Sha384);
  SecretBytes expected_dh = p.dh(KemId::kDhkemP384Sha384, a.private_key.view(), b.public_key);
  Bytes expected_mac = p.hmac(HashAlg::kSha256, as_bytes("k"), as_bytes("d"));
  Bytes key(16, 1), nonce(12, 2);
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Bytes msg = to_bytes("message " + std::to_string(t) + "/" + std::to_string(i));
        if (p.hmac(HashAlg::kSha256, as_bytes("k"), as_bytes("d")) != expected_mac) ++failures[t];
        Bytes ct = p.aead_seal(AeadId::kAes128Gcm, key, nonce, {}, msg);
        if (p.aead_open(AeadId::kAes128Gcm, key, nonce, {}, ct) != msg) ++failures[t];
        Bytes s = p.sign(SignatureScheme::kEcdsaSecp256r1Sha256, sig.private_key.view(), msg);
        if (!p.verify(SignatureScheme::kEcdsaSecp256r1Sha256, sig.public_key, msg, s))
          ++failures[t];
        if (!(p.dh(KemId::kDhkemP384Sha384, b.private_key.view(), a.public_key) == expected_dh))
          ++failures[t];
      }
    });
  }
  for (auto& th : threads)
    th.join();
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(failures[t], 0) << "thread " << t;
}

// --- HPKE batches ----------------------------------------------------------------------------

class HpkeSuiteTest : public ::testing::TestWithParam<uint16_t> {};

// A batch (spread over threads) gives each recipient its own plaintext, in order; a malformed
// key fails the batch.
TEST_P(HpkeSuiteTest, EncryptWithLabelManyReachesEachRecipient) {
  const Suite s(openssl_provider(), GetParam());
  constexpr size_t kRecipients = 40;
  std::vector<KeyPair> keys;
  std::vector<Bytes> plaintexts;
  std::vector<Suite::LabeledRecipient> recipients;
  for (size_t i = 0; i < kRecipients; ++i) {
    keys.push_back(s.generate_hpke_key_pair());
    plaintexts.push_back(Bytes(10 + i, static_cast<uint8_t>(i)));
  }
  for (size_t i = 0; i < kRecipients; ++i)
    recipients.push_back({keys[i].public_key, plaintexts[i]});
  const Bytes context(3000, 0x5a);
  const auto sealed = s.encrypt_with_label_many(recipients, "Batch", context);
  ASSERT_EQ(sealed.size(), kRecipients);
  for (size_t i = 0; i < kRecipients; ++i)
    EXPECT_EQ(s.decrypt_with_label(keys[i].private_key.view(), "Batch", context,
                                   sealed[i].kem_output, sealed[i].ciphertext),
              plaintexts[i]);
  const Bytes bad(3, 0x01);
  recipients[17].public_key = bad;
  expect_error(ErrorCode::kInvalidPublicKey,
               [&] { s.encrypt_with_label_many(recipients, "Batch", context); });
}

std::string suite_name(const ::testing::TestParamInfo<uint16_t>& info) {
  return "Suite" + std::to_string(info.param);
}

INSTANTIATE_TEST_SUITE_P(MlsSuites, HpkeSuiteTest, ::testing::Values(1, 2, 3, 4, 5, 6, 7),
                         suite_name);

// --- X.509 trust stores ----------------------------------------------------------------------

constexpr int64_t kNow = 1'750'000'000;  // June 2025

class X509ChainTest : public ::testing::TestWithParam<SignatureScheme> {
 protected:
  SignatureScheme scheme = GetParam();
  x509_testing::Pki pki{scheme, kNow, "Acme"};
  x509_testing::TestKey bob = x509_testing::make_key(scheme);
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

// One store serves several threads at once.
TEST_P(X509ChainTest, ConcurrentVerification) {
  const X509TrustStore s = store();
  std::atomic<int> verified{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        try {
          verify(s, {bob_leaf, pki.intermediate_der});
          ++verified;
        } catch (const Error&) {
        }
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(verified.load(), 80);
}

INSTANTIATE_TEST_SUITE_P(AllSchemes, X509ChainTest, ::testing::ValuesIn(x509_testing::kAllSchemes),
                         [](const auto& info) { return x509_testing::scheme_name(info.param); });

}  // namespace
}  // namespace conclave::crypto
