// The libsodium provider's own rules (include/conclave/crypto/sodium_provider.h): it is there
// exactly when the build has libsodium; libsodium does Ed25519 and X25519 and the base provider
// everything else; its keys, signatures and shared secrets are OpenSSL's bytes; and verify()
// gives OpenSSL's answer also where libsodium alone would not. The provider contract itself is
// checked for it by provider_conformance_test.cpp.
#include "conclave/crypto/sodium_provider.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <typeinfo>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/crypto/default_provider.h"
#include "conclave/crypto/openssl_provider.h"
#include "support/error_of.h"
#include "support/forwarding_provider.h"

namespace conclave::crypto {
namespace {

using conclave::testing::error_of;

// The OpenSSL provider, counting the calls that reach it by method name.
class RecordingProvider : public conclave::testing::ForwardingProvider {
 public:
  using Base = conclave::testing::ForwardingProvider;
  mutable std::map<std::string, int> calls;

  int count(const std::string& method) const {
    auto it = calls.find(method);
    return it == calls.end() ? 0 : it->second;
  }
  // Calls of anything but random_bytes (which the sodium provider takes from its base too).
  int crypto_calls() const {
    int n = 0;
    for (const auto& [method, c] : calls)
      if (method != "random_bytes") n += c;
    return n;
  }

  void random_bytes(std::span<uint8_t> out) const override {
    ++calls["random_bytes"];
    Base::random_bytes(out);
  }
  Bytes hash(HashAlg alg, BytesView data) const override {
    ++calls["hash"];
    return Base::hash(alg, data);
  }
  Bytes hmac(HashAlg alg, BytesView key, BytesView data) const override {
    ++calls["hmac"];
    return Base::hmac(alg, key, data);
  }
  SecretBytes hkdf_extract(HashAlg alg, BytesView salt, BytesView ikm) const override {
    ++calls["hkdf_extract"];
    return Base::hkdf_extract(alg, salt, ikm);
  }
  SecretBytes hkdf_expand(HashAlg alg, BytesView prk, BytesView info,
                          size_t length) const override {
    ++calls["hkdf_expand"];
    return Base::hkdf_expand(alg, prk, info, length);
  }
  Bytes aead_seal(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView plaintext) const override {
    ++calls["aead_seal"];
    return Base::aead_seal(aead, key, nonce, aad, plaintext);
  }
  Bytes aead_open(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView ciphertext) const override {
    ++calls["aead_open"];
    return Base::aead_open(aead, key, nonce, aad, ciphertext);
  }
  KeyPair signature_generate(SignatureScheme scheme) const override {
    ++calls["signature_generate"];
    return Base::signature_generate(scheme);
  }
  Bytes signature_public_key(SignatureScheme scheme, BytesView private_key) const override {
    ++calls["signature_public_key"];
    return Base::signature_public_key(scheme, private_key);
  }
  Bytes sign(SignatureScheme scheme, BytesView private_key, BytesView message) const override {
    ++calls["sign"];
    return Base::sign(scheme, private_key, message);
  }
  bool verify(SignatureScheme scheme, BytesView public_key, BytesView message,
              BytesView signature) const override {
    ++calls["verify"];
    return Base::verify(scheme, public_key, message, signature);
  }
  KeyPair dh_generate(KemId kem) const override {
    ++calls["dh_generate"];
    return Base::dh_generate(kem);
  }
  Bytes dh_public_key(KemId kem, BytesView private_key) const override {
    ++calls["dh_public_key"];
    return Base::dh_public_key(kem, private_key);
  }
  SecretBytes dh(KemId kem, BytesView private_key, BytesView peer_public_key) const override {
    ++calls["dh"];
    return Base::dh(kem, private_key, peer_public_key);
  }
  void dh_check_public_key(KemId kem, BytesView public_key) const override {
    ++calls["dh_check_public_key"];
    Base::dh_check_public_key(kem, public_key);
  }
  SecretBytes dh_with_public_key(KemId kem, BytesView private_key, BytesView public_key,
                                 BytesView peer_public_key) const override {
    ++calls["dh_with_public_key"];
    return Base::base().dh_with_public_key(kem, private_key, public_key, peer_public_key);
  }
};

class SodiumProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!sodium_available()) GTEST_SKIP() << "built without libsodium";
    recording_ = std::make_shared<RecordingProvider>();
    sodium_ = sodium_provider(recording_);
  }
  std::shared_ptr<RecordingProvider> recording_;
  std::shared_ptr<const CryptoProvider> sodium_;
  std::shared_ptr<const CryptoProvider> openssl_ = openssl_provider();
};

constexpr auto kEd25519 = SignatureScheme::kEd25519;
constexpr auto kX25519 = KemId::kDhkemX25519Sha256;

// CONCLAVE_HAVE_SODIUM, sodium_available() and sodium_provider() agree: the provider can be
// made exactly when the library was built with libsodium, and is refused otherwise.
TEST(SodiumAvailability, ProviderExistsExactlyWhenBuiltWithLibsodium) {
  EXPECT_EQ(sodium_available(), CONCLAVE_HAVE_SODIUM == 1);
  if (sodium_available()) {
    EXPECT_NE(sodium_provider(openssl_provider()), nullptr);
  } else {
    EXPECT_EQ(error_of([] { sodium_provider(openssl_provider()); }),
              ErrorCode::kUnsupportedAlgorithm);
  }
}

// default_provider.h: the composed provider where libsodium is built in, else OpenSSL alone;
// made once per process. Either way it signs and verifies Ed25519 and agrees with OpenSSL.
TEST(DefaultProvider, IsTheComposedOneWhereLibsodiumIsBuiltIn) {
  const auto provider = default_provider();
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(default_provider(), provider);
  const KeyPair pair = provider->signature_generate(kEd25519);
  const Bytes message = {1, 2, 3};
  const Bytes signature = provider->sign(kEd25519, pair.private_key.view(), message);
  EXPECT_TRUE(openssl_provider()->verify(kEd25519, pair.public_key, message, signature));
  EXPECT_TRUE(provider->verify(kEd25519, pair.public_key, message, signature));
  const auto openssl = openssl_provider();
  const CryptoProvider& chosen = *provider;
  const CryptoProvider& plain = *openssl;
  EXPECT_EQ(typeid(chosen) == typeid(plain), !sodium_available());
}

// A provider needs a base for everything libsodium does not do.
TEST_F(SodiumProviderTest, NullBaseIsInvalidArgument) {
  EXPECT_EQ(error_of([] { sodium_provider(nullptr); }), ErrorCode::kInvalidArgument);
}

// Ed25519 and X25519 never reach the base (but for randomness, which only the base provides);
// a valid signature is libsodium's alone.
TEST_F(SodiumProviderTest, Ed25519AndX25519AreDoneByLibsodium) {
  const KeyPair sig = sodium_->signature_generate(kEd25519);
  EXPECT_EQ(recording_->count("random_bytes"), 1);
  EXPECT_EQ(sodium_->signature_public_key(kEd25519, sig.private_key.view()), sig.public_key);
  const Bytes signature = sodium_->sign(kEd25519, sig.private_key.view(), as_bytes("m"));
  EXPECT_TRUE(sodium_->verify(kEd25519, sig.public_key, as_bytes("m"), signature));

  const KeyPair a = sodium_->dh_generate(kX25519);
  const KeyPair b = sodium_->dh_generate(kX25519);
  EXPECT_EQ(sodium_->dh_public_key(kX25519, a.private_key.view()), a.public_key);
  EXPECT_EQ(sodium_->dh(kX25519, a.private_key.view(), b.public_key),
            sodium_->dh_with_public_key(kX25519, b.private_key.view(), b.public_key, a.public_key));
  sodium_->dh_check_public_key(kX25519, a.public_key);
  EXPECT_EQ(recording_->crypto_calls(), 0);
}

// Every other primitive and algorithm is the base's: one call each.
TEST_F(SodiumProviderTest, EverythingElseIsHandedToTheBase) {
  sodium_->hash(HashAlg::kSha256, as_bytes("x"));
  sodium_->hmac(HashAlg::kSha256, as_bytes("k"), as_bytes("x"));
  const SecretBytes prk = sodium_->hkdf_extract(HashAlg::kSha256, {}, as_bytes("ikm"));
  sodium_->hkdf_expand(HashAlg::kSha256, prk.view(), {}, 32);
  const Bytes key(16, 1), nonce(12, 2);
  const Bytes ct = sodium_->aead_seal(AeadId::kAes128Gcm, key, nonce, {}, as_bytes("pt"));
  sodium_->aead_open(AeadId::kAes128Gcm, key, nonce, {}, ct);
  for (const char* method :
       {"hash", "hmac", "hkdf_extract", "hkdf_expand", "aead_seal", "aead_open"})
    EXPECT_EQ(recording_->count(method), 1) << method;

  for (SignatureScheme scheme : {SignatureScheme::kEd448, SignatureScheme::kEcdsaSecp256r1Sha256}) {
    recording_->calls.clear();
    const KeyPair kp = sodium_->signature_generate(scheme);
    sodium_->signature_public_key(scheme, kp.private_key.view());
    const Bytes signature = sodium_->sign(scheme, kp.private_key.view(), as_bytes("m"));
    EXPECT_TRUE(sodium_->verify(scheme, kp.public_key, as_bytes("m"), signature));
    for (const char* method : {"signature_generate", "signature_public_key", "sign", "verify"})
      EXPECT_EQ(recording_->count(method), 1) << method;
  }
  for (KemId kem : {KemId::kDhkemX448Sha512, KemId::kDhkemP256Sha256}) {
    recording_->calls.clear();
    const KeyPair a = sodium_->dh_generate(kem);
    const KeyPair b = sodium_->dh_generate(kem);
    sodium_->dh_public_key(kem, a.private_key.view());
    sodium_->dh(kem, a.private_key.view(), b.public_key);
    sodium_->dh_with_public_key(kem, a.private_key.view(), a.public_key, b.public_key);
    sodium_->dh_check_public_key(kem, b.public_key);
    EXPECT_EQ(recording_->count("dh_generate"), 2);
    for (const char* method : {"dh_public_key", "dh", "dh_with_public_key", "dh_check_public_key"})
      EXPECT_EQ(recording_->count(method), 1) << method;
  }
}

// The same bytes as OpenSSL for the same keys: Ed25519 public keys and (deterministic, RFC 8032
// §5.1.6) signatures, X25519 public keys and shared secrets; each verifies the other's.
TEST_F(SodiumProviderTest, SameBytesAsOpenSsl) {
  for (int i = 0; i < 16; ++i) {
    const KeyPair kp = openssl_->signature_generate(kEd25519);
    EXPECT_EQ(sodium_->signature_public_key(kEd25519, kp.private_key.view()), kp.public_key);
    const Bytes message = openssl_->random(static_cast<size_t>(i) * 37);
    const Bytes signature = sodium_->sign(kEd25519, kp.private_key.view(), message);
    EXPECT_EQ(signature, openssl_->sign(kEd25519, kp.private_key.view(), message));
    EXPECT_TRUE(openssl_->verify(kEd25519, kp.public_key, message, signature));
    EXPECT_TRUE(sodium_->verify(kEd25519, kp.public_key, message, signature));

    const KeyPair a = openssl_->dh_generate(kX25519);
    const KeyPair b = sodium_->dh_generate(kX25519);
    EXPECT_EQ(sodium_->dh_public_key(kX25519, a.private_key.view()), a.public_key);
    EXPECT_EQ(openssl_->dh_public_key(kX25519, b.private_key.view()), b.public_key);
    EXPECT_EQ(sodium_->dh(kX25519, a.private_key.view(), b.public_key),
              openssl_->dh(kX25519, b.private_key.view(), a.public_key));
  }
}

// RFC 8032 §7.1 TEST 2 and TEST 3 (TEST 1 is in the conformance tests).
TEST_F(SodiumProviderTest, Ed25519Rfc8032Tests2And3) {
  struct Case {
    const char *sk, *pk, *msg, *sig;
  };
  const Case cases[] = {
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d"
       "0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
      {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760"
       "984dc6594a7c15e9716ed28dc027beceea1ec40a"},
  };
  for (const Case& c : cases) {
    const Bytes sk = from_hex(c.sk), pk = from_hex(c.pk), msg = from_hex(c.msg);
    EXPECT_EQ(to_hex(sodium_->signature_public_key(kEd25519, sk)), c.pk);
    EXPECT_EQ(to_hex(sodium_->sign(kEd25519, sk, msg)), c.sig);
    EXPECT_TRUE(sodium_->verify(kEd25519, pk, msg, from_hex(c.sig)));
  }
}

// An Ed25519 case: public key, message, signature.
struct SigCase {
  Bytes pk, msg, sig;
};

Bytes with_s(const Bytes& sig, const Bytes& s) {
  Bytes out(sig.begin(), sig.begin() + 32);
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

// Little-endian a + b over 32 bytes (no overflow for the values used here).
Bytes add_le(const Bytes& a, const Bytes& b) {
  Bytes out(32);
  unsigned carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    carry += static_cast<unsigned>(a[i]) + b[i];
    out[i] = static_cast<uint8_t>(carry);
    carry >>= 8;
  }
  return out;
}

// The cases where Ed25519 implementations part ways ("Taming the many EdDSAs", Chalkias et al.,
// 2020): public keys and R of small order, non-canonical encodings of A (y >= p, and x = 0 with
// the sign bit set), S >= L, plus random bit flips of valid signatures.
std::vector<SigCase> edge_cases(const CryptoProvider& openssl) {
  const Bytes identity =
      from_hex("0100000000000000000000000000000000000000000000000000000000000000");
  const Bytes zero(32, 0);
  const Bytes identity_r_zero_s = [&] {
    Bytes sig = identity;
    sig.insert(sig.end(), zero.begin(), zero.end());
    return sig;
  }();
  // Public keys of small order (RFC 8032 points of order 1, 2, 4 and 8) and non-canonical
  // encodings (y = p + 1; x = 0 with the sign bit set).
  const std::vector<std::string> small_order_keys = {
      "0100000000000000000000000000000000000000000000000000000000000000",  // identity
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // order 2 (y = -1)
      "0000000000000000000000000000000000000000000000000000000000000000",  // order 4 (y = 0)
      "0000000000000000000000000000000000000000000000000000000000000080",  // order 4, x negative
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // y = p + 1
      "0100000000000000000000000000000000000000000000000000000000000080",  // identity, sign set
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  // order 8
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  // order 8
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  // order 8
  };
  std::vector<SigCase> cases;
  for (const std::string& key : small_order_keys)
    for (const char* m : {"", "a", "b", "c", "d", "e", "f", "g"})
      cases.push_back({from_hex(key), to_bytes(m), identity_r_zero_s});

  const Bytes l = from_hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  const KeyPair kp = openssl.signature_generate(SignatureScheme::kEd25519);
  for (int i = 0; i < 8; ++i) {
    const Bytes msg = openssl.random(static_cast<size_t>(i) * 11);
    const Bytes sig = openssl.sign(SignatureScheme::kEd25519, kp.private_key.view(), msg);
    cases.push_back({kp.public_key, msg, sig});
    const Bytes s(sig.begin() + 32, sig.end());
    cases.push_back({kp.public_key, msg, with_s(sig, add_le(s, l))});  // S + L: non-canonical
    // A small-order R with a valid key: never valid, but exercised.
    Bytes small_r = sig;
    std::copy(identity.begin(), identity.end(), small_r.begin());
    cases.push_back({kp.public_key, msg, small_r});
    for (int flip = 0; flip < 16; ++flip) {
      const Bytes pos = openssl.random(2);
      Bytes bad_sig = sig;
      bad_sig[pos[0] % 64] ^= static_cast<uint8_t>(1u << (pos[1] % 8));
      cases.push_back({kp.public_key, msg, bad_sig});
      Bytes bad_key = kp.public_key;
      bad_key[pos[0] % 32] ^= static_cast<uint8_t>(1u << (pos[1] % 8));
      cases.push_back({bad_key, msg, sig});
    }
  }
  return cases;
}

// Members on different backends must agree on every signature, or a crafted one splits a group:
// verify() answers as OpenSSL does in every edge case, never throwing for a 32-byte key. Where
// libsodium alone refuses what OpenSSL accepts (a public key of small order with R = identity
// and S = 0, which the cofactorless equation of RFC 8032 §5.1.7 holds for), the base's answer
// is taken.
TEST_F(SodiumProviderTest, Ed25519VerifyAgreesWithOpenSslOnEdgeCases) {
  int accepted_by_openssl = 0, refused_by_libsodium_alone = 0;
  for (const SigCase& c : edge_cases(*openssl_)) {
    SCOPED_TRACE(to_hex(c.pk) + " " + to_hex(c.msg) + " " + to_hex(c.sig));
    bool expected = false;
    ASSERT_NO_THROW(expected = openssl_->verify(kEd25519, c.pk, c.msg, c.sig));
    recording_->calls.clear();
    bool got = !expected;
    ASSERT_NO_THROW(got = sodium_->verify(kEd25519, c.pk, c.msg, c.sig));
    EXPECT_EQ(got, expected);
    accepted_by_openssl += expected ? 1 : 0;
    if (expected && recording_->count("verify") == 1) ++refused_by_libsodium_alone;
    // A signature libsodium refuses goes to the base; one it accepts does not.
    if (!expected) {
      EXPECT_EQ(recording_->count("verify"), 1);
    }
  }
  EXPECT_GT(accepted_by_openssl, 8);  // the valid ones, and some small-order ones
  // The difference the fallback exists for is real (and this test exercises it).
  EXPECT_GT(refused_by_libsodium_alone, 0);
}

// RFC 7748 §5.2: one and 1000 iterations of k, u = X25519(k, u), k.
TEST_F(SodiumProviderTest, X25519Rfc7748Iterations) {
  Bytes k = from_hex("0900000000000000000000000000000000000000000000000000000000000000");
  Bytes u = k;
  for (int i = 1; i <= 1000; ++i) {
    const Bytes next = sodium_->dh(kX25519, k, u).copy_out();
    u = k;
    k = next;
    if (i == 1) {
      EXPECT_EQ(to_hex(k), "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
    }
  }
  EXPECT_EQ(to_hex(k), "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

}  // namespace
}  // namespace conclave::crypto
