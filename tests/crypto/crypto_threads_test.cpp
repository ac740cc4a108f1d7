// The crypto layer on several threads: one CryptoProvider shared by every group of a process,
// HPKE batches spread over the cores, X.509 trust stores shared between threads. The provider
// tests run for each provider combination (tests/support/provider_cases.h). Run under
// ThreadSanitizer too (ctest label `threads`).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/crypto/x509.h"
#include "crypto/x509_test_util.h"
#include "support/provider_cases.h"

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

using conclave::testing::provider_cases;
using conclave::testing::ProviderCase;

class SharedProviderTest : public ::testing::TestWithParam<ProviderCase> {
 protected:
  std::shared_ptr<const CryptoProvider> provider_ = GetParam().make();
  const CryptoProvider& p = *provider_;
};

INSTANTIATE_TEST_SUITE_P(Providers, SharedProviderTest, ::testing::ValuesIn(provider_cases()),
                         conclave::testing::ProviderCaseName());

// provider.h: const methods may be called concurrently on one provider; results stay correct.
TEST_P(SharedProviderTest, ConcurrentUseGivesConsistentResults) {
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

// What each method of the provider gives for one suite's algorithms, computed on one thread.
struct SuiteAnswers {
  const CipherSuite* suite = nullptr;
  Bytes message, key, nonce;
  KeyPair signer, dh_a, dh_b;
  Bytes hash, mac, sealed, signature_public, dh_public;
  SecretBytes prk, okm, shared;
};

SuiteAnswers answers_for(const CryptoProvider& p, uint16_t id) {
  SuiteAnswers a;
  a.suite = &cipher_suite(id);
  const CipherSuite& s = *a.suite;
  a.message = to_bytes("suite " + std::to_string(id));
  a.key = Bytes(s.aead_info().key_len, 0x11);
  a.nonce = Bytes(s.aead_info().nonce_len, 0x22);
  a.signer = p.signature_generate(s.signature);
  a.dh_a = p.dh_generate(s.kem);
  a.dh_b = p.dh_generate(s.kem);
  a.hash = p.hash(s.hash, a.message);
  a.mac = p.hmac(s.hash, a.key, a.message);
  a.sealed = p.aead_seal(s.aead, a.key, a.nonce, a.message, a.message);
  a.signature_public = p.signature_public_key(s.signature, a.signer.private_key.view());
  a.dh_public = p.dh_public_key(s.kem, a.dh_a.private_key.view());
  a.prk = p.hkdf_extract(s.hash, a.key, a.message);
  a.okm = p.hkdf_expand(s.hash, a.prk.view(), a.message, 3 * s.hash_len());
  a.shared = p.dh(s.kem, a.dh_a.private_key.view(), a.dh_b.public_key);
  return a;
}

// The mismatches of every provider method against `a`, called as the groups of a process call
// them: all at once on one shared provider.
int mismatches(const CryptoProvider& p, const SuiteAnswers& a, int round) {
  const CipherSuite& s = *a.suite;
  int bad = 0;
  const auto expect = [&](bool ok) { bad += ok ? 0 : 1; };
  expect(p.hash(s.hash, a.message) == a.hash);
  expect(p.hmac(s.hash, a.key, a.message) == a.mac);
  expect(p.hkdf_extract(s.hash, a.key, a.message) == a.prk);
  expect(p.hkdf_expand(s.hash, a.prk.view(), a.message, 3 * s.hash_len()) == a.okm);
  expect(p.aead_seal(s.aead, a.key, a.nonce, a.message, a.message) == a.sealed);
  expect(p.aead_open(s.aead, a.key, a.nonce, a.message, a.sealed) == a.message);
  expect(p.signature_public_key(s.signature, a.signer.private_key.view()) == a.signature_public);
  const Bytes mine = to_bytes("round " + std::to_string(round));
  const Bytes signature = p.sign(s.signature, a.signer.private_key.view(), mine);
  expect(p.verify(s.signature, a.signer.public_key, mine, signature));
  expect(!p.verify(s.signature, a.signer.public_key, a.message, signature));
  expect(p.dh_public_key(s.kem, a.dh_a.private_key.view()) == a.dh_public);
  expect(p.dh(s.kem, a.dh_a.private_key.view(), a.dh_b.public_key) == a.shared);
  expect(p.dh(s.kem, a.dh_b.private_key.view(), a.dh_a.public_key) == a.shared);
  expect(p.dh_with_public_key(s.kem, a.dh_a.private_key.view(), a.dh_a.public_key,
                              a.dh_b.public_key) == a.shared);
  p.dh_check_public_key(s.kem, a.dh_b.public_key);
  const KeyPair fresh = p.dh_generate(s.kem);
  expect(p.dh_public_key(s.kem, fresh.private_key.view()) == fresh.public_key);
  const KeyPair signer = p.signature_generate(s.signature);
  expect(p.signature_public_key(s.signature, signer.private_key.view()) == signer.public_key);
  expect(p.random(32) != p.random(32));
  return bad;
}

// provider.h: "Implementations are thread-safe (const methods may be called concurrently)". The
// one provider of a process (openssl_provider(), or the application's composition) is shared by
// all its groups, so every method, for the algorithms of all seven suites, gives on many threads
// at once what it gives on one.
TEST_P(SharedProviderTest, EveryMethodOfTheSharedProviderIsThreadSafe) {
  const auto make = GetParam().make;  // the factory, called on every thread
  std::vector<SuiteAnswers> answers;
  for (uint16_t id = 1; id <= 7; ++id)
    answers.push_back(answers_for(p, id));
  constexpr int kThreads = 4;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      // Each thread starts at another suite, so different algorithms run side by side too.
      try {
        for (int round = 0; round < 3; ++round)
          for (size_t k = 0; k < answers.size(); ++k)
            failures[t] += mismatches(*make(), answers[(k + t) % answers.size()], round);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "thread " << t << ": " << e.what();
      }
    });
  for (auto& th : threads)
    th.join();
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(failures[t], 0) << "thread " << t;
}

// --- HPKE batches ----------------------------------------------------------------------------

// A provider combination and a suite.
class HpkeSuiteTest : public ::testing::TestWithParam<std::tuple<ProviderCase, uint16_t>> {
 protected:
  static uint16_t suite_id() { return std::get<1>(GetParam()); }
  static std::shared_ptr<const CryptoProvider> provider() { return std::get<0>(GetParam()).make(); }
};

// A batch (spread over threads) gives each recipient its own plaintext, in order; a malformed
// key fails the batch.
TEST_P(HpkeSuiteTest, EncryptWithLabelManyReachesEachRecipient) {
  const Suite s(provider(), suite_id());
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

std::string suite_name(const ::testing::TestParamInfo<std::tuple<ProviderCase, uint16_t>>& info) {
  std::string name = std::get<0>(info.param).name;
  name += "_Suite";
  name += std::to_string(std::get<1>(info.param));
  return name;
}

INSTANTIATE_TEST_SUITE_P(MlsSuites, HpkeSuiteTest,
                         ::testing::Combine(::testing::ValuesIn(provider_cases()),
                                            ::testing::Values(1, 2, 3, 4, 5, 6, 7)),
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
