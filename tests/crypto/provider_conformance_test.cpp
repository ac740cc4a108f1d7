// Conformance of every CryptoProvider combination Conclave ships (tests/support/
// provider_cases.h: OpenSSL, and libsodium for Ed25519/X25519 over OpenSSL): known answers from
// the RFCs that define each primitive, and the error contract of
// include/conclave/crypto/provider.h. Each test runs once per combination.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "support/provider_cases.h"

namespace conclave::crypto {
namespace {

Bytes Hex(std::string_view hex) {
  return from_hex(hex);
}

// Passes when f throws conclave::Error with exactly `code`.
template <typename F>
::testing::AssertionResult ThrowsCode(ErrorCode code, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.code() == code) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "threw " << e.what() << ", expected " << error_code_name(code);
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw a non-conclave exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw " << error_code_name(code);
}

using conclave::testing::provider_cases;
using conclave::testing::ProviderCase;

// One provider combination per run.
class ProviderTest : public ::testing::TestWithParam<ProviderCase> {
 protected:
  std::shared_ptr<const CryptoProvider> provider_ = GetParam().make();
  const CryptoProvider& p = *provider_;
};

INSTANTIATE_TEST_SUITE_P(Providers, ProviderTest, ::testing::ValuesIn(provider_cases()),
                         conclave::testing::ProviderCaseName());

// A provider combination and a case of the test (an AEAD, a scheme, a curve): every pair runs.
template <typename Case>
class ProviderGridTest : public ::testing::TestWithParam<std::tuple<ProviderCase, Case>> {
 protected:
  static const Case& param() { return std::get<1>(ProviderGridTest::GetParam()); }
  std::shared_ptr<const CryptoProvider> provider_ =
      std::get<0>(ProviderGridTest::GetParam()).make();
  const CryptoProvider& p = *provider_;
};

// The grid of provider combinations and `cases`, named <provider>_<case>.
template <typename Case, typename... Cases>
auto provider_grid(Case first, Cases... rest) {
  return ::testing::Combine(::testing::ValuesIn(provider_cases()),
                            ::testing::Values(first, rest...));
}

// --- randomness ------------------------------------------------------------------------------

// The factory hands out one shared, immutable instance.
TEST(OpenSslProvider, FactoryReturnsSharedInstance) {
  EXPECT_EQ(openssl_provider().get(), openssl_provider().get());
}

// random()/random_secret() return the requested size and fresh bytes each time.
TEST_P(ProviderTest, RandomHasRequestedSizeAndVaries) {
  EXPECT_TRUE(p.random(0).empty());
  Bytes a = p.random(32), b = p.random(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  SecretBytes s = p.random_secret(48);
  EXPECT_EQ(s.size(), 48u);
  EXPECT_NE(s, p.random_secret(48));
}

// --- hash and HMAC ---------------------------------------------------------------------------

// FIPS 180-4 examples: SHA-2 of "abc", and SHA-256 of the empty string.
TEST_P(ProviderTest, ShaKnownAnswers) {
  EXPECT_EQ(to_hex(p.hash(HashAlg::kSha256, as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(p.hash(HashAlg::kSha384, as_bytes("abc"))),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358ba"
            "eca134c825a7");
  EXPECT_EQ(to_hex(p.hash(HashAlg::kSha512, as_bytes("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba"
            "3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(to_hex(p.hash(HashAlg::kSha256, {})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// RFC 4231 §4.3 (test case 2: key "Jefe") for all three hashes, and §4.2 (test case 1).
TEST_P(ProviderTest, HmacRfc4231) {
  BytesView key = as_bytes("Jefe");
  BytesView data = as_bytes("what do ya want for nothing?");
  EXPECT_EQ(to_hex(p.hmac(HashAlg::kSha256, key, data)),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(to_hex(p.hmac(HashAlg::kSha384, key, data)),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b32"
            "39ecfab21649");
  EXPECT_EQ(to_hex(p.hmac(HashAlg::kSha512, key, data)),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d03"
            "4f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  EXPECT_EQ(to_hex(p.hmac(HashAlg::kSha256, Bytes(20, 0x0b), as_bytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// An empty key and empty data are valid HMAC inputs (MLS uses empty keys, e.g. in
// ExpandWithLabel contexts and the empty-salt extract).
TEST_P(ProviderTest, HmacEmptyKeyAndData) {
  EXPECT_EQ(to_hex(p.hmac(HashAlg::kSha256, {}, {})),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

// A key longer than the hash block is hashed first (RFC 2104 §2); it must still be accepted.
TEST_P(ProviderTest, HmacLongKeyDiffersFromPrefix) {
  Bytes long_key(200, 0xaa);
  Bytes mac = p.hmac(HashAlg::kSha512, long_key, as_bytes("x"));
  EXPECT_EQ(mac.size(), 64u);
  EXPECT_NE(mac, p.hmac(HashAlg::kSha512, BytesView(long_key).first(128), as_bytes("x")));
}

// --- HKDF ------------------------------------------------------------------------------------

// RFC 5869 Appendix A.1 (test case 1).
TEST_P(ProviderTest, HkdfRfc5869Case1) {
  Bytes ikm(22, 0x0b);
  Bytes salt = Hex("000102030405060708090a0b0c");
  Bytes info = Hex("f0f1f2f3f4f5f6f7f8f9");
  SecretBytes prk = p.hkdf_extract(HashAlg::kSha256, salt, ikm);
  EXPECT_EQ(to_hex(prk.view()), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  SecretBytes okm = p.hkdf_expand(HashAlg::kSha256, prk.view(), info, 42);
  EXPECT_EQ(to_hex(okm.view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

// RFC 5869 Appendix A.3 (test case 3): empty salt and empty info.
TEST_P(ProviderTest, HkdfRfc5869Case3EmptySaltAndInfo) {
  Bytes ikm(22, 0x0b);
  SecretBytes prk = p.hkdf_extract(HashAlg::kSha256, {}, ikm);
  EXPECT_EQ(to_hex(prk.view()), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  SecretBytes okm = p.hkdf_expand(HashAlg::kSha256, prk.view(), {}, 42);
  EXPECT_EQ(to_hex(okm.view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

// RFC 5869 §2.2: an absent salt is HashLen zeros; an empty IKM is allowed (MLS extracts from
// zero-length secrets).
TEST_P(ProviderTest, HkdfEmptySaltIsZeroSaltAndEmptyIkmWorks) {
  for (HashAlg h : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    Bytes zeros(hash_length(h), 0);
    EXPECT_EQ(p.hkdf_extract(h, {}, as_bytes("ikm")), p.hkdf_extract(h, zeros, as_bytes("ikm")));
    SecretBytes prk = p.hkdf_extract(h, {}, {});
    EXPECT_EQ(prk.size(), hash_length(h));
    EXPECT_EQ(prk.copy_out(), p.hmac(h, zeros, {}));
  }
}

// RFC 5869 §2.3: L <= 255*HashLen, beyond it kInvalidArgument; L = 0 gives nothing; a shorter
// output is a prefix of a longer one.
TEST_P(ProviderTest, HkdfExpandLengthLimits) {
  Bytes prk(32, 0x42);
  for (HashAlg h : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    const size_t max = 255 * hash_length(h);
    SecretBytes full = p.hkdf_expand(h, prk, as_bytes("info"), max);
    EXPECT_EQ(full.size(), max);
    SecretBytes part = p.hkdf_expand(h, prk, as_bytes("info"), 33);
    EXPECT_EQ(part.copy_out(), Bytes(full.begin(), full.begin() + 33));
    EXPECT_TRUE(p.hkdf_expand(h, prk, {}, 0).empty());
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidArgument,
                           [&] { p.hkdf_expand(h, prk, as_bytes("info"), max + 1); }));
  }
}

// --- AEAD ------------------------------------------------------------------------------------

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 1, 2, 4 (AES-128) and
// 14, 16 (AES-256); empty plaintext (case 1) and AAD (case 4, 16) included.
TEST_P(ProviderTest, AesGcmKnownAnswers) {
  Bytes zero_nonce(12, 0);
  EXPECT_EQ(to_hex(p.aead_seal(AeadId::kAes128Gcm, Bytes(16, 0), zero_nonce, {}, {})),
            "58e2fccefa7e3061367f1d57a4e7455a");
  EXPECT_EQ(to_hex(p.aead_seal(AeadId::kAes128Gcm, Bytes(16, 0), zero_nonce, {}, Bytes(16, 0))),
            "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
  EXPECT_EQ(to_hex(p.aead_seal(AeadId::kAes256Gcm, Bytes(32, 0), zero_nonce, {}, Bytes(16, 0))),
            "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");

  Bytes nonce = Hex("cafebabefacedbaddecaf888");
  Bytes aad = Hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  Bytes pt =
      Hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
          "49a6b525b16aedf5aa0de657ba637b39");
  Bytes key128 = Hex("feffe9928665731c6d6a8f9467308308");
  std::string ct4 =
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5a"
      "ac84aa051ba30b396a0aac973d58e091"
      "5bc94fbc3221a5db94fae95ae7121a47";
  EXPECT_EQ(to_hex(p.aead_seal(AeadId::kAes128Gcm, key128, nonce, aad, pt)), ct4);
  EXPECT_EQ(p.aead_open(AeadId::kAes128Gcm, key128, nonce, aad, Hex(ct4)), pt);

  Bytes key256 = Hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  std::string ct16 =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
      "56828838c5f61e6393ba7a0abcc9f662"
      "76fc6ece0f4e1768cddf8853bb2d551b";
  EXPECT_EQ(to_hex(p.aead_seal(AeadId::kAes256Gcm, key256, nonce, aad, pt)), ct16);
  EXPECT_EQ(p.aead_open(AeadId::kAes256Gcm, key256, nonce, aad, Hex(ct16)), pt);
}

// RFC 8439 §2.8.2: the AEAD_CHACHA20_POLY1305 example.
TEST_P(ProviderTest, ChaCha20Poly1305Rfc8439) {
  Bytes key = Hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  Bytes nonce = Hex("070000004041424344454647");
  Bytes aad = Hex("50515253c0c1c2c3c4c5c6c7");
  BytesView pt = as_bytes(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
      "future, sunscreen would be it.");
  std::string expected =
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69"
      "da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad67594"
      "5585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
      "1ae10b594f09e26a7e902ecbd0600691";
  EXPECT_EQ(to_hex(p.aead_seal(AeadId::kChaCha20Poly1305, key, nonce, aad, pt)), expected);
  EXPECT_EQ(p.aead_open(AeadId::kChaCha20Poly1305, key, nonce, aad, Hex(expected)), to_bytes(pt));
}

class AeadTest : public ProviderGridTest<AeadId> {
 protected:
  const AeadInfo& info() const { return aead_info(param()); }
  Bytes key() const { return Bytes(info().key_len, 0x11); }
  Bytes nonce() const { return Bytes(info().nonce_len, 0x22); }
};

// Seal appends a 16-byte tag; open inverts seal, also for empty plaintext and empty AAD.
TEST_P(AeadTest, RoundTripIncludingEmptyInputs) {
  for (size_t len : {0u, 1u, 15u, 16u, 17u, 1000u}) {
    Bytes pt(len, 0x5a);
    for (const Bytes& aad : {Bytes{}, to_bytes("header")}) {
      Bytes ct = p.aead_seal(param(), key(), nonce(), aad, pt);
      EXPECT_EQ(ct.size(), len + 16);
      EXPECT_EQ(p.aead_open(param(), key(), nonce(), aad, ct), pt);
    }
  }
}

// A wrong tag, a flipped ciphertext bit, a different AAD or nonce all fail authentication.
TEST_P(AeadTest, TamperingFailsAuthentication) {
  Bytes aad = to_bytes("aad");
  Bytes ct = p.aead_seal(param(), key(), nonce(), aad, as_bytes("attack at dawn"));
  Bytes bad_tag = ct;
  bad_tag.back() ^= 0x01;
  EXPECT_TRUE(ThrowsCode(ErrorCode::kAeadAuthenticationFailed,
                         [&] { p.aead_open(param(), key(), nonce(), aad, bad_tag); }));
  Bytes bad_body = ct;
  bad_body[0] ^= 0x80;
  EXPECT_TRUE(ThrowsCode(ErrorCode::kAeadAuthenticationFailed,
                         [&] { p.aead_open(param(), key(), nonce(), aad, bad_body); }));
  EXPECT_TRUE(ThrowsCode(ErrorCode::kAeadAuthenticationFailed,
                         [&] { p.aead_open(param(), key(), nonce(), as_bytes("aaD"), ct); }));
  Bytes other_nonce(info().nonce_len, 0x23);
  EXPECT_TRUE(ThrowsCode(ErrorCode::kAeadAuthenticationFailed,
                         [&] { p.aead_open(param(), key(), other_nonce, aad, ct); }));
  // An empty message's ciphertext is the tag alone; it must verify, and a flipped tag must not.
  Bytes empty_ct = p.aead_seal(param(), key(), nonce(), {}, {});
  EXPECT_TRUE(p.aead_open(param(), key(), nonce(), {}, empty_ct).empty());
  empty_ct[5] ^= 0x10;
  EXPECT_TRUE(ThrowsCode(ErrorCode::kAeadAuthenticationFailed,
                         [&] { p.aead_open(param(), key(), nonce(), {}, empty_ct); }));
}

// Input shorter than the tag cannot be authentic (provider.h contract).
TEST_P(AeadTest, ShortCiphertextFailsAuthentication) {
  for (size_t len : {0u, 1u, 15u}) {
    Bytes ct(len, 0);
    EXPECT_TRUE(ThrowsCode(ErrorCode::kAeadAuthenticationFailed,
                           [&] { p.aead_open(param(), key(), nonce(), {}, ct); }));
  }
}

// Key and nonce sizes are Nk and Nn of RFC 9180 §7.3; others are rejected before any crypto.
TEST_P(AeadTest, WrongKeyOrNonceSize) {
  Bytes short_key(info().key_len - 1, 0), long_key(info().key_len + 1, 0);
  Bytes short_nonce(info().nonce_len - 1, 0), long_nonce(info().nonce_len + 1, 0);
  Bytes ct(32, 0);
  for (const Bytes& k : {short_key, long_key, Bytes{}}) {
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidKeyLength,
                           [&] { p.aead_seal(param(), k, nonce(), {}, as_bytes("x")); }));
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidKeyLength,
                           [&] { p.aead_open(param(), k, nonce(), {}, ct); }));
  }
  for (const Bytes& n : {short_nonce, long_nonce, Bytes{}}) {
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidNonceLength,
                           [&] { p.aead_seal(param(), key(), n, {}, as_bytes("x")); }));
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidNonceLength,
                           [&] { p.aead_open(param(), key(), n, {}, ct); }));
  }
}

INSTANTIATE_TEST_SUITE_P(AllAeads, AeadTest,
                         provider_grid(AeadId::kAes128Gcm, AeadId::kAes256Gcm,
                                       AeadId::kChaCha20Poly1305),
                         [](const auto& info) {
                           std::string name = std::get<0>(info.param).name;
                           switch (std::get<1>(info.param)) {
                             case AeadId::kAes128Gcm: return name.append("_Aes128Gcm");
                             case AeadId::kAes256Gcm: return name.append("_Aes256Gcm");
                             default: return name.append("_ChaCha20Poly1305");
                           }
                         });

// RFC 9180 §7.3: the export-only AEAD id cannot seal or open; unknown ids are unsupported.
TEST_P(ProviderTest, ExportOnlyAndUnknownAeadUnsupported) {
  EXPECT_TRUE(ThrowsCode(ErrorCode::kUnsupportedAlgorithm,
                         [&] { p.aead_seal(AeadId::kExportOnly, {}, {}, {}, {}); }));
  EXPECT_TRUE(ThrowsCode(ErrorCode::kUnsupportedAlgorithm, [&] {
    p.aead_open(static_cast<AeadId>(0x0042), Bytes(16, 0), Bytes(12, 0), {}, Bytes(16, 0));
  }));
  EXPECT_TRUE(
      ThrowsCode(ErrorCode::kUnsupportedAlgorithm, [&] { p.hash(static_cast<HashAlg>(9), {}); }));
}

// --- signatures ------------------------------------------------------------------------------

// RFC 8032 §7.1 TEST 1: Ed25519 public key from the seed, and the exact (deterministic)
// signature of the empty message.
TEST_P(ProviderTest, Ed25519Rfc8032Test1) {
  Bytes sk = Hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  Bytes pk = Hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  std::string sig =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
      "1cf9b46bd25bf5f0595bbe24655141438e7a100b";
  EXPECT_EQ(p.signature_public_key(SignatureScheme::kEd25519, sk), pk);
  EXPECT_EQ(to_hex(p.sign(SignatureScheme::kEd25519, sk, {})), sig);
  EXPECT_TRUE(p.verify(SignatureScheme::kEd25519, pk, {}, Hex(sig)));
  EXPECT_FALSE(p.verify(SignatureScheme::kEd25519, pk, as_bytes("x"), Hex(sig)));
}

struct SchemeCase {
  SignatureScheme scheme;
  const char* name;
  size_t private_len;
  size_t public_len;
  bool ecdsa;
};

class SignatureTest : public ProviderGridTest<SchemeCase> {
 protected:
  SignatureScheme scheme() const { return param().scheme; }
};

// RFC 9420 §5.1.1 key encodings: raw 32/57-byte EdDSA keys; ECDSA scalars padded to 32/48/66
// bytes with uncompressed public points. The generated public key matches the derived one.
TEST_P(SignatureTest, GeneratedKeysHaveMlsEncoding) {
  KeyPair kp = p.signature_generate(scheme());
  EXPECT_EQ(kp.private_key.size(), param().private_len);
  EXPECT_EQ(kp.public_key.size(), param().public_len);
  if (param().ecdsa) {
    EXPECT_EQ(kp.public_key[0], 0x04);
  }
  EXPECT_EQ(p.signature_public_key(scheme(), kp.private_key.view()), kp.public_key);
  EXPECT_NE(p.signature_generate(scheme()).public_key, kp.public_key);
}

// A signature verifies under its key and message, including the empty message.
TEST_P(SignatureTest, SignVerifyRoundTrip) {
  KeyPair kp = p.signature_generate(scheme());
  for (const Bytes& msg : {Bytes{}, to_bytes("MLS 1.0 LeafNodeTBS"), Bytes(5000, 0x77)}) {
    Bytes sig = p.sign(scheme(), kp.private_key.view(), msg);
    EXPECT_TRUE(p.verify(scheme(), kp.public_key, msg, sig));
  }
}

// Another message's or another key's signature is rejected with false, not an exception.
TEST_P(SignatureTest, WrongSignatureIsFalse) {
  KeyPair kp = p.signature_generate(scheme());
  KeyPair other = p.signature_generate(scheme());
  Bytes sig = p.sign(scheme(), kp.private_key.view(), as_bytes("one"));
  EXPECT_FALSE(p.verify(scheme(), kp.public_key, as_bytes("two"), sig));
  EXPECT_FALSE(p.verify(scheme(), other.public_key, as_bytes("one"), sig));
  EXPECT_FALSE(p.verify(scheme(), kp.public_key, as_bytes("one"),
                        p.sign(scheme(), other.private_key.view(), as_bytes("one"))));
}

// Any single flipped bit in the signature makes it invalid.
TEST_P(SignatureTest, FlippedBitIsFalse) {
  KeyPair kp = p.signature_generate(scheme());
  Bytes msg = to_bytes("content");
  Bytes sig = p.sign(scheme(), kp.private_key.view(), msg);
  for (size_t bit = 0; bit < sig.size() * 8; bit += 7) {
    Bytes bad = sig;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_FALSE(p.verify(scheme(), kp.public_key, msg, bad)) << "bit " << bit;
  }
}

// Malformed signatures (garbage, truncated, empty, trailing bytes) are false, never an error.
TEST_P(SignatureTest, MalformedSignatureIsFalse) {
  KeyPair kp = p.signature_generate(scheme());
  Bytes msg = to_bytes("content");
  Bytes sig = p.sign(scheme(), kp.private_key.view(), msg);
  EXPECT_FALSE(p.verify(scheme(), kp.public_key, msg, {}));
  EXPECT_FALSE(p.verify(scheme(), kp.public_key, msg, Bytes(sig.size(), 0xff)));
  EXPECT_FALSE(p.verify(scheme(), kp.public_key, msg, Hex("3006020101020101")));  // r = s = 1
  EXPECT_FALSE(p.verify(scheme(), kp.public_key, msg, Hex("30ff0201")));          // bad DER length
  EXPECT_FALSE(p.verify(scheme(), kp.public_key, msg, BytesView(sig).first(sig.size() - 1)));
  Bytes trailing = sig;
  trailing.push_back(0);
  EXPECT_FALSE(p.verify(scheme(), kp.public_key, msg, trailing));
}

// A public key of the wrong length is kInvalidPublicKey in verify.
TEST_P(SignatureTest, WrongLengthPublicKeyThrows) {
  KeyPair kp = p.signature_generate(scheme());
  Bytes sig = p.sign(scheme(), kp.private_key.view(), as_bytes("m"));
  for (size_t len : {size_t{0}, param().public_len - 1, param().public_len + 1}) {
    Bytes pk(len, 0x04);
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPublicKey,
                           [&] { p.verify(scheme(), pk, as_bytes("m"), sig); }));
  }
}

// A private key of the wrong length is kInvalidPrivateKey in sign and signature_public_key.
// ECDSA keys are big-endian integers that may come without their leading zero bytes (the test
// vectors README: Field-Element-to-Octet-String), so only empty and over-long ones are wrong.
TEST_P(SignatureTest, WrongLengthPrivateKeyThrows) {
  std::vector<size_t> lengths = {size_t{0}, param().private_len + 1};
  if (!param().ecdsa) lengths.push_back(param().private_len - 1);
  for (size_t len : lengths) {
    Bytes sk(len, 0x01);
    EXPECT_TRUE(
        ThrowsCode(ErrorCode::kInvalidPrivateKey, [&] { p.sign(scheme(), sk, as_bytes("m")); }));
    EXPECT_TRUE(
        ThrowsCode(ErrorCode::kInvalidPrivateKey, [&] { p.signature_public_key(scheme(), sk); }));
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllSchemes, SignatureTest,
    provider_grid(SchemeCase{SignatureScheme::kEd25519, "Ed25519", 32, 32, false},
                  SchemeCase{SignatureScheme::kEd448, "Ed448", 57, 57, false},
                  SchemeCase{SignatureScheme::kEcdsaSecp256r1Sha256, "P256", 32, 65, true},
                  SchemeCase{SignatureScheme::kEcdsaSecp384r1Sha384, "P384", 48, 97, true},
                  SchemeCase{SignatureScheme::kEcdsaSecp521r1Sha512, "P521", 66, 133, true}),
    conclave::testing::ProviderGridName());

// An ECDSA or ECDH key given without its leading zero byte works like the padded key.
TEST_P(ProviderTest, EcdsaKeyWithoutLeadingZeroAccepted) {
  for (auto scheme :
       {SignatureScheme::kEcdsaSecp256r1Sha256, SignatureScheme::kEcdsaSecp384r1Sha384,
        SignatureScheme::kEcdsaSecp521r1Sha512}) {
    KeyPair kp = p.signature_generate(scheme);
    Bytes padded = kp.private_key.copy_out();
    padded[0] = 0;
    const Bytes pub = p.signature_public_key(scheme, padded);
    const Bytes trimmed(padded.begin() + 1, padded.end());
    EXPECT_EQ(p.signature_public_key(scheme, trimmed), pub);
    EXPECT_TRUE(p.verify(scheme, pub, as_bytes("m"), p.sign(scheme, trimmed, as_bytes("m"))));
  }
}

TEST_P(ProviderTest, EcdhKeyWithoutLeadingZeroAccepted) {
  for (auto kem : {KemId::kDhkemP256Sha256, KemId::kDhkemP384Sha384, KemId::kDhkemP521Sha512}) {
    KeyPair peer = p.dh_generate(kem);
    Bytes padded = p.dh_generate(kem).private_key.copy_out();
    padded[0] = 0;
    const Bytes trimmed(padded.begin() + 1, padded.end());
    EXPECT_EQ(p.dh_public_key(kem, trimmed), p.dh_public_key(kem, padded));
    EXPECT_EQ(p.dh(kem, trimmed, peer.public_key), p.dh(kem, padded, peer.public_key));
  }
}

// --- the NIST curves, for both ECDSA and ECDH --------------------------------------------------

struct CurveCase {
  KemId kem;
  SignatureScheme scheme;
  const char* name;
  size_t scalar_len;
  const char* order_hex;  // RFC 9180 §7.1.3
};

class CurveTest : public ProviderGridTest<CurveCase> {
 protected:
  KemId kem() const { return param().kem; }
  SignatureScheme scheme() const { return param().scheme; }
  Bytes scalar(uint8_t last) const {
    Bytes s(param().scalar_len - 1, 0);
    s.push_back(last);
    return s;
  }
  // The generator G = 1 * G: a point known to be valid.
  Bytes generator() const { return p.dh_public_key(kem(), scalar(1)); }
};

// Zero, the group order and all-0xff are not private keys (RFC 9180 §7.1.3 rejection sampling
// relies on dh_public_key rejecting them); 1 and order - 1 are.
TEST_P(CurveTest, OutOfRangeScalarsAreInvalidPrivateKeys) {
  Bytes order = Hex(param().order_hex);
  ASSERT_EQ(order.size(), param().scalar_len);
  Bytes order_minus_one = order;
  order_minus_one.back() -= 1;
  Bytes order_plus_one = order;
  order_plus_one.back() += 1;
  for (const Bytes& bad : {scalar(0), order, order_plus_one, Bytes(param().scalar_len, 0xff)}) {
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPrivateKey, [&] { p.dh_public_key(kem(), bad); }));
    EXPECT_TRUE(
        ThrowsCode(ErrorCode::kInvalidPrivateKey, [&] { p.signature_public_key(scheme(), bad); }));
    EXPECT_TRUE(
        ThrowsCode(ErrorCode::kInvalidPrivateKey, [&] { p.sign(scheme(), bad, as_bytes("m")); }));
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPrivateKey, [&] { p.dh(kem(), bad, generator()); }));
  }
  EXPECT_EQ(p.dh_public_key(kem(), scalar(1)).size(), 1 + 2 * param().scalar_len);
  Bytes minus_g = p.dh_public_key(kem(), order_minus_one);
  // (n - 1) * G = -G: same x, y negated.
  Bytes g = generator();
  EXPECT_TRUE(std::equal(g.begin(), g.begin() + 1 + static_cast<ptrdiff_t>(param().scalar_len),
                         minus_g.begin()));
  EXPECT_NE(g, minus_g);
}

// SEC1 / SP 800-56A §5.6.2.3.4: a point off the curve, a compressed (0x02) prefix, a wrong
// length, the infinity encoding and coordinates >= p are kInvalidPublicKey in verify and dh.
TEST_P(CurveTest, MalformedPublicKeysAreRejected) {
  Bytes g = generator();
  Bytes off_curve = g;
  off_curve.back() ^= 0x01;
  Bytes prefix02 = g;
  prefix02[0] = 0x02;
  Bytes compressed(g.begin(), g.begin() + 1 + static_cast<ptrdiff_t>(param().scalar_len));
  compressed[0] = static_cast<uint8_t>(0x02 | (g.back() & 1));
  Bytes huge_coordinates(g.size(), 0xff);
  huge_coordinates[0] = 0x04;
  Bytes truncated(g.begin(), g.end() - 1);

  KeyPair sig_kp = p.signature_generate(scheme());
  Bytes sig = p.sign(scheme(), sig_kp.private_key.view(), as_bytes("m"));
  KeyPair dh_kp = p.dh_generate(kem());
  for (const Bytes& bad :
       {off_curve, prefix02, compressed, huge_coordinates, truncated, Bytes{0x00}, Bytes{}}) {
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPublicKey, [&] {
      p.verify(scheme(), bad, as_bytes("m"), sig);
    })) << to_hex(bad);
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPublicKey, [&] {
      p.dh(kem(), dh_kp.private_key.view(), bad);
    })) << to_hex(bad);
  }
}

INSTANTIATE_TEST_SUITE_P(
    NistCurves, CurveTest,
    provider_grid(
        CurveCase{KemId::kDhkemP256Sha256, SignatureScheme::kEcdsaSecp256r1Sha256, "P256", 32,
                  "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"},
        CurveCase{KemId::kDhkemP384Sha384, SignatureScheme::kEcdsaSecp384r1Sha384, "P384", 48,
                  "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a7"
                  "7aecec196accc52973"},
        CurveCase{KemId::kDhkemP521Sha512, SignatureScheme::kEcdsaSecp521r1Sha512, "P521", 66,
                  "01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf"
                  "2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"}),
    conclave::testing::ProviderGridName());

// --- Diffie-Hellman --------------------------------------------------------------------------

struct KemCase {
  KemId kem;
  const char* name;
};

class DhTest : public ProviderGridTest<KemCase> {
 protected:
  KemId kem() const { return param().kem; }
  const KemInfo& info() const { return kem_info(kem()); }
  // Ndh: the shared secret length, equal to Nsk for every DHKEM of RFC 9180 §7.1.
  size_t ndh() const { return info().private_key_len; }
};

// a * B == b * A, with the RFC 9180 §7.1 sizes Nsk, Npk and Ndh.
TEST_P(DhTest, AgreementAndSizes) {
  KeyPair a = p.dh_generate(kem());
  KeyPair b = p.dh_generate(kem());
  EXPECT_EQ(a.private_key.size(), info().private_key_len);
  EXPECT_EQ(a.public_key.size(), info().public_key_len);
  EXPECT_EQ(p.dh_public_key(kem(), a.private_key.view()), a.public_key);
  SecretBytes ab = p.dh(kem(), a.private_key.view(), b.public_key);
  SecretBytes ba = p.dh(kem(), b.private_key.view(), a.public_key);
  EXPECT_EQ(ab.size(), ndh());
  EXPECT_EQ(ab, ba);
  EXPECT_NE(ab, p.dh(kem(), a.private_key.view(), p.dh_generate(kem()).public_key));
}

// Private and peer public keys of the wrong length are kInvalidPrivateKey / kInvalidPublicKey.
// An ECDH scalar may come without its leading zero bytes (as in the MLS vectors' P-521 keys), so
// for the NIST curves only empty and over-long private keys are of the wrong length.
TEST_P(DhTest, WrongLengthKeys) {
  KeyPair kp = p.dh_generate(kem());
  const bool nist = static_cast<uint16_t>(kem()) < 0x0020;
  std::vector<size_t> lengths = {size_t{0}, info().private_key_len + 1};
  if (!nist) lengths.push_back(info().private_key_len - 1);
  for (size_t len : lengths) {
    Bytes sk(len, 0x01);
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPrivateKey, [&] { p.dh_public_key(kem(), sk); }));
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPrivateKey, [&] { p.dh(kem(), sk, kp.public_key); }));
  }
  for (size_t len : {size_t{0}, info().public_key_len - 1, info().public_key_len + 1}) {
    Bytes pk(len, 0x04);
    EXPECT_TRUE(
        ThrowsCode(ErrorCode::kInvalidPublicKey, [&] { p.dh(kem(), kp.private_key.view(), pk); }));
  }
}

// The public key given with the private key saves OpenSSL recomputing it; the secret is dh()'s,
// and a wrong-length public key is refused like a wrong-length private key.
TEST_P(DhTest, WithPublicKeyAgreesWithDh) {
  KeyPair a = p.dh_generate(kem());
  KeyPair b = p.dh_generate(kem());
  EXPECT_EQ(p.dh_with_public_key(kem(), a.private_key.view(), a.public_key, b.public_key),
            p.dh(kem(), a.private_key.view(), b.public_key));
  EXPECT_EQ(p.dh_with_public_key(kem(), b.private_key.view(), b.public_key, a.public_key),
            p.dh(kem(), a.private_key.view(), b.public_key));
  const bool nist = static_cast<uint16_t>(kem()) < 0x0020;
  if (!nist) {
    const Bytes short_key(info().public_key_len - 1, 0x01);
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPublicKey, [&] {
      p.dh_with_public_key(kem(), a.private_key.view(), short_key, b.public_key);
    }));
  }
}

INSTANTIATE_TEST_SUITE_P(AllKems, DhTest,
                         provider_grid(KemCase{KemId::kDhkemX25519Sha256, "X25519"},
                                       KemCase{KemId::kDhkemX448Sha512, "X448"},
                                       KemCase{KemId::kDhkemP256Sha256, "P256"},
                                       KemCase{KemId::kDhkemP384Sha384, "P384"},
                                       KemCase{KemId::kDhkemP521Sha512, "P521"}),
                         conclave::testing::ProviderGridName());

// RFC 7748 §6.1: both public keys and the shared secret.
TEST_P(ProviderTest, X25519Rfc7748) {
  Bytes alice_sk = Hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  Bytes bob_sk = Hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  Bytes alice_pk = p.dh_public_key(KemId::kDhkemX25519Sha256, alice_sk);
  Bytes bob_pk = p.dh_public_key(KemId::kDhkemX25519Sha256, bob_sk);
  EXPECT_EQ(to_hex(alice_pk), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(to_hex(bob_pk), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  std::string shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  EXPECT_EQ(to_hex(p.dh(KemId::kDhkemX25519Sha256, alice_sk, bob_pk).view()), shared);
  EXPECT_EQ(to_hex(p.dh(KemId::kDhkemX25519Sha256, bob_sk, alice_pk).view()), shared);
}

// RFC 9180 §7.1.4 / RFC 7748 §6: a low-order peer point (here 0 and 1) gives the all-zero
// shared secret, which must be rejected as kInvalidPublicKey.
TEST_P(ProviderTest, AllZeroX25519AndX448OutputRejected) {
  KeyPair x25519 = p.dh_generate(KemId::kDhkemX25519Sha256);
  Bytes one25519(32, 0);
  one25519[0] = 1;
  for (const Bytes& low : {Bytes(32, 0), one25519}) {
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPublicKey, [&] {
      p.dh(KemId::kDhkemX25519Sha256, x25519.private_key.view(), low);
    }));
  }
  KeyPair x448 = p.dh_generate(KemId::kDhkemX448Sha512);
  Bytes one448(56, 0);
  one448[0] = 1;
  for (const Bytes& low : {Bytes(56, 0), one448}) {
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPublicKey,
                           [&] { p.dh(KemId::kDhkemX448Sha512, x448.private_key.view(), low); }));
  }
}

// RFC 9180 §7.1.4: a public key is checked before it is trusted as an encryption target. The
// X25519/X448 points of small order (u = 0, 1, p-1, Curve25519's two of order 8, and the
// non-canonical u + p that still fit; X25519 also with the ignored top bit set) are each
// confirmed here to give the all-zero DH output, and dh_check_public_key refuses every one;
// generated keys pass.
TEST_P(ProviderTest, Rfc9180_7_1_4_SmallOrderX25519AndX448KeysRefused) {
  const std::vector<std::string> x25519{
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"};
  const std::vector<std::string> x448{
      "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "00000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
      "00000000000000000000000000000000",
      "fefffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffffffffffffffffffffffffff"
      "ffffffffffffffffffffffffffffffff",
      "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffffffffffffffffffffffffff"
      "ffffffffffffffffffffffffffffffff",
      "00000000000000000000000000000000000000000000000000000000ffffffffffffffffffffffffffffffff"
      "ffffffffffffffffffffffff"};
  const auto refused = [&](KemId kem, const Bytes& key) {
    const KeyPair mine = p.dh_generate(kem);
    EXPECT_TRUE(
        ThrowsCode(ErrorCode::kInvalidPublicKey, [&] { p.dh(kem, mine.private_key.view(), key); }))
        << to_hex(key) << ": not of small order";
    EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPublicKey, [&] { p.dh_check_public_key(kem, key); }))
        << to_hex(key);
  };
  for (const std::string& hex : x25519) {
    Bytes key = Hex(hex);
    refused(KemId::kDhkemX25519Sha256, key);
    key.back() ^= 0x80;  // RFC 7748 §5: the top bit is ignored
    refused(KemId::kDhkemX25519Sha256, key);
  }
  for (const std::string& hex : x448)
    refused(KemId::kDhkemX448Sha512, Hex(hex));
  for (KemId kem : {KemId::kDhkemX25519Sha256, KemId::kDhkemX448Sha512}) {
    for (int i = 0; i < 32; ++i)
      EXPECT_NO_THROW(p.dh_check_public_key(kem, p.dh_generate(kem).public_key));
  }
}

// RFC 9180 §7.1.4: NIST-curve keys are checked as dh() checks its peer key: length, encoding, on
// the curve.
TEST_P(ProviderTest, Rfc9180_7_1_4_NistPublicKeyCheck) {
  for (KemId kem : {KemId::kDhkemP256Sha256, KemId::kDhkemP384Sha384, KemId::kDhkemP521Sha512}) {
    const Bytes good = p.dh_generate(kem).public_key;
    EXPECT_NO_THROW(p.dh_check_public_key(kem, good));
    Bytes off_curve = good;
    off_curve[1] ^= 1;  // x changed, y kept: off the curve
    Bytes compressed_tag = good;
    compressed_tag[0] = 0x02;
    const Bytes short_key(good.begin(), good.end() - 1);
    for (const Bytes& bad : {off_curve, compressed_tag, short_key, Bytes(good.size(), 0)})
      EXPECT_TRUE(ThrowsCode(ErrorCode::kInvalidPublicKey, [&] {
        p.dh_check_public_key(kem, bad);
      })) << to_hex(bad);
  }
}

// RFC 9180 Appendix A.3.1 (DHKEM(P-256)): pkEm = pk(skEm); the ECDH value skEm * pkRm is the
// 32-byte x-coordinate (cross-checked with an independent implementation).
TEST_P(ProviderTest, P256KnownAnswers) {
  Bytes sk_e = Hex("4995788ef4b9d6132b249ce59a77281493eb39af373d236a1fe415cb0c2d7beb");
  Bytes pk_r =
      Hex("04fe8c19ce0905191ebc298a9245792531f26f0cece2460639e8bc39cb7f706a826a779b4cf969b8a0e539c7"
          "f62fb3d30ad6aa8f80e30f1d128aafd68a2ce72ea0");
  EXPECT_EQ(to_hex(p.dh_public_key(KemId::kDhkemP256Sha256, sk_e)),
            "04a92719c6195d5085104f469a8b9814d5838ff72b60501e2c4466e5e67b325ac98536d7b61a1af4b78e"
            "5b7f951c0900be863c403ce65c9bfcb9382657222d18c4");
  EXPECT_EQ(to_hex(p.dh(KemId::kDhkemP256Sha256, sk_e, pk_r).view()),
            "13f918529458d2542531406888c8a6d4ea7ff473a6f4db452ac3c4ae1d01cea1");
  // SEC 2: 1 * G is the generator.
  Bytes one(32, 0);
  one.back() = 1;
  EXPECT_EQ(to_hex(p.dh_public_key(KemId::kDhkemP256Sha256, one)),
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8e"
            "e7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
}

}  // namespace
}  // namespace conclave::crypto
