#include "conclave/crypto/hpke.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/crypto/openssl_provider.h"
#include "crypto/hpke_rfc9180_vectors.inc"

namespace hpke_rfc9180 {
// gtest prints a failing parameter; the section name is all that identifies a vector.
void PrintTo(const BaseVector& v, std::ostream* os) {
  *os << "RFC 9180 " << v.section;
}
}  // namespace hpke_rfc9180

namespace conclave::crypto {
namespace {

using hpke_rfc9180::BaseVector;

const CryptoProvider& provider() {
  static const std::shared_ptr<const CryptoProvider> p = openssl_provider();
  return *p;
}

Bytes unhex(std::string_view s) {
  return from_hex(s);
}

std::string hex(BytesView b) {
  return to_hex(b);
}

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

Hpke hpke_for(const BaseVector& v) {
  return Hpke(provider(), static_cast<KemId>(v.kem_id), static_cast<KdfId>(v.kdf_id),
              static_cast<AeadId>(v.aead_id));
}

void expect_same_context(const HpkeContext& a, const HpkeContext& b) {
  EXPECT_EQ(hex(a.key().view()), hex(b.key().view()));
  EXPECT_EQ(hex(a.base_nonce()), hex(b.base_nonce()));
  EXPECT_EQ(hex(a.exporter_secret().view()), hex(b.exporter_secret().view()));
  EXPECT_EQ(a.sequence_number(), b.sequence_number());
}

// --- RFC 9180 Appendix A, mode 0 (Base Setup) --------------------------------------------------

class HpkeRfc9180Test : public ::testing::TestWithParam<BaseVector> {};
// The vectors with encryptions: all but the export-only AEAD (A.7).
class HpkeRfc9180EncryptionTest : public ::testing::TestWithParam<BaseVector> {};

std::vector<BaseVector> encrypting_vectors() {
  std::vector<BaseVector> out;
  for (const auto& v : hpke_rfc9180::kBaseVectors)
    if (!v.encryptions.empty()) out.push_back(v);
  return out;
}

TEST_P(HpkeRfc9180Test, DeriveKeyPair) {
  const BaseVector& v = GetParam();
  const Hpke hpke = hpke_for(v);
  const KeyPair e = hpke.derive_key_pair(unhex(v.ikmE));
  EXPECT_EQ(hex(e.private_key.view()), v.skEm);
  EXPECT_EQ(hex(e.public_key), v.pkEm);
  const KeyPair r = hpke.derive_key_pair(unhex(v.ikmR));
  EXPECT_EQ(hex(r.private_key.view()), v.skRm);
  EXPECT_EQ(hex(r.public_key), v.pkRm);
}

TEST_P(HpkeRfc9180Test, SetupBaseSender) {
  const BaseVector& v = GetParam();
  const Hpke hpke = hpke_for(v);
  const Bytes ikm_e = unhex(v.ikmE);
  const Hpke::SenderContext s = hpke.setup_base_s(unhex(v.pkRm), unhex(v.info), BytesView(ikm_e));
  EXPECT_EQ(hex(s.enc), v.enc);
  EXPECT_EQ(hex(s.context.key().view()), v.key);
  EXPECT_EQ(hex(s.context.base_nonce()), v.base_nonce);
  EXPECT_EQ(hex(s.context.exporter_secret().view()), v.exporter_secret);
  EXPECT_EQ(s.context.sequence_number(), 0u);
}

TEST_P(HpkeRfc9180Test, SetupBaseRecipient) {
  const BaseVector& v = GetParam();
  const Hpke hpke = hpke_for(v);
  const HpkeContext r = hpke.setup_base_r(unhex(v.enc), unhex(v.skRm), unhex(v.info));
  EXPECT_EQ(hex(r.key().view()), v.key);
  EXPECT_EQ(hex(r.base_nonce()), v.base_nonce);
  EXPECT_EQ(hex(r.exporter_secret().view()), v.exporter_secret);
  EXPECT_EQ(r.sequence_number(), 0u);

  const Bytes ikm_e = unhex(v.ikmE);
  const Hpke::SenderContext s = hpke.setup_base_s(unhex(v.pkRm), unhex(v.info), BytesView(ikm_e));
  expect_same_context(s.context, r);
}

TEST_P(HpkeRfc9180EncryptionTest, Encryptions) {
  const BaseVector& v = GetParam();
  const Hpke hpke = hpke_for(v);
  const Bytes ikm_e = unhex(v.ikmE);
  Hpke::SenderContext s = hpke.setup_base_s(unhex(v.pkRm), unhex(v.info), BytesView(ikm_e));
  HpkeContext r = hpke.setup_base_r(unhex(v.enc), unhex(v.skRm), unhex(v.info));

  const Bytes filler = to_bytes(std::string_view("filler"));
  for (const auto& enc : v.encryptions) {
    SCOPED_TRACE("sequence number " + std::to_string(enc.seq));
    // The vectors skip sequence numbers: spend the ones in between on both sides.
    while (s.context.sequence_number() < enc.seq) {
      const Bytes ct = s.context.seal(filler, filler);
      EXPECT_EQ(r.open(filler, ct), filler);
    }
    ASSERT_EQ(s.context.sequence_number(), enc.seq);
    ASSERT_EQ(r.sequence_number(), enc.seq);

    const Bytes ct = s.context.seal(unhex(enc.aad), unhex(enc.pt));
    EXPECT_EQ(hex(ct), enc.ct);
    // The listed nonce is the one behind ct, so the context's ComputeNonce produced it.
    EXPECT_EQ(hex(provider().aead_seal(static_cast<AeadId>(v.aead_id), unhex(v.key),
                                       unhex(enc.nonce), unhex(enc.aad), unhex(enc.pt))),
              enc.ct);
    EXPECT_EQ(hex(r.open(unhex(enc.aad), ct)), enc.pt);
    EXPECT_EQ(s.context.sequence_number(), enc.seq + 1);
    EXPECT_EQ(r.sequence_number(), enc.seq + 1);
  }
}

TEST_P(HpkeRfc9180Test, Exports) {
  const BaseVector& v = GetParam();
  ASSERT_FALSE(v.exports.empty());
  const Hpke hpke = hpke_for(v);
  const Bytes ikm_e = unhex(v.ikmE);
  const Hpke::SenderContext s = hpke.setup_base_s(unhex(v.pkRm), unhex(v.info), BytesView(ikm_e));
  const HpkeContext r = hpke.setup_base_r(unhex(v.enc), unhex(v.skRm), unhex(v.info));
  for (const auto& exp : v.exports) {
    SCOPED_TRACE("exporter_context '" + std::string(exp.context) + "'");
    EXPECT_EQ(hex(s.context.export_secret(unhex(exp.context), exp.length).view()), exp.value);
    EXPECT_EQ(hex(r.export_secret(unhex(exp.context), exp.length).view()), exp.value);
  }
}

TEST_P(HpkeRfc9180EncryptionTest, SingleShotOpen) {
  const BaseVector& v = GetParam();
  // The first listed encryption uses sequence number 0, as the single-shot API does.
  const auto& first = v.encryptions.front();
  ASSERT_EQ(first.seq, 0u);
  const Hpke hpke = hpke_for(v);
  EXPECT_EQ(hex(hpke.open_base(unhex(v.enc), unhex(v.skRm), unhex(v.info), unhex(first.aad),
                               unhex(first.ct))),
            first.pt);
}

std::string vector_name(const ::testing::TestParamInfo<BaseVector>& info) {
  // "A.1.1" -> "A1": the appendix section names the cipher suite.
  std::string name;
  for (char c : info.param.section.substr(0, info.param.section.rfind('.')))
    if (c != '.') name.push_back(c);
  return name;
}

INSTANTIATE_TEST_SUITE_P(BaseMode, HpkeRfc9180Test, ::testing::ValuesIn(hpke_rfc9180::kBaseVectors),
                         vector_name);
INSTANTIATE_TEST_SUITE_P(BaseMode, HpkeRfc9180EncryptionTest,
                         ::testing::ValuesIn(encrypting_vectors()), vector_name);

TEST(HpkeRfc9180, AllSevenSectionsTranscribed) {
  ASSERT_EQ(hpke_rfc9180::kBaseVectors.size(), 7u);
  for (const auto& v : hpke_rfc9180::kBaseVectors) {
    if (v.aead_id == 0xFFFF) {
      EXPECT_TRUE(v.encryptions.empty());
    } else {
      ASSERT_EQ(v.encryptions.size(), 6u) << v.section;
      const uint64_t seqs[] = {0, 1, 2, 4, 255, 256};
      for (size_t i = 0; i < 6; ++i)
        EXPECT_EQ(v.encryptions[i].seq, seqs[i]) << v.section;
    }
    EXPECT_EQ(v.exports.size(), 3u) << v.section;
  }
}

const BaseVector& export_only_vector() {
  for (const auto& v : hpke_rfc9180::kBaseVectors)
    if (v.aead_id == 0xFFFF) return v;
  throw std::logic_error("no export-only vector");
}

TEST(HpkeRfc9180, ExportOnlyAeadRefusesSealAndOpen) {
  const BaseVector& v = export_only_vector();
  const Hpke hpke = hpke_for(v);
  const Bytes ikm_e = unhex(v.ikmE);
  Hpke::SenderContext s = hpke.setup_base_s(unhex(v.pkRm), unhex(v.info), BytesView(ikm_e));
  HpkeContext r = hpke.setup_base_r(unhex(v.enc), unhex(v.skRm), unhex(v.info));
  EXPECT_TRUE(s.context.key().empty());
  EXPECT_TRUE(s.context.base_nonce().empty());
  const Bytes msg = to_bytes(std::string_view("msg"));
  expect_error(ErrorCode::kUnsupportedAlgorithm, [&] { s.context.seal({}, msg); });
  expect_error(ErrorCode::kUnsupportedAlgorithm, [&] { r.open({}, msg); });
  expect_error(ErrorCode::kUnsupportedAlgorithm,
               [&] { hpke.seal_base(unhex(v.pkRm), unhex(v.info), {}, msg); });
  expect_error(ErrorCode::kUnsupportedAlgorithm,
               [&] { hpke.open_base(unhex(v.enc), unhex(v.skRm), unhex(v.info), {}, msg); });
  EXPECT_EQ(s.context.sequence_number(), 0u);
  EXPECT_EQ(r.sequence_number(), 0u);
  // Export still works after the refused calls.
  EXPECT_EQ(hex(r.export_secret({}, v.exports.front().length).view()), v.exports.front().value);
}

// An HpkeContext built by hand from the RFC's key schedule outputs seals like one from setup.
TEST(HpkeContext, BuiltFromRfcKeyScheduleOutputs) {
  const BaseVector& v = hpke_rfc9180::kBaseVectors.front();  // A.1.1
  HpkeContext ctx(provider(), static_cast<KemId>(v.kem_id), static_cast<KdfId>(v.kdf_id),
                  static_cast<AeadId>(v.aead_id), SecretBytes(unhex(v.key)), unhex(v.base_nonce),
                  SecretBytes(unhex(v.exporter_secret)));
  const auto& enc = v.encryptions.front();
  EXPECT_EQ(hex(ctx.seal(unhex(enc.aad), unhex(enc.pt))), enc.ct);
  EXPECT_EQ(hex(ctx.export_secret(unhex(v.exports[1].context), v.exports[1].length).view()),
            v.exports[1].value);
}

TEST(HpkeContext, RejectsBadKeyAndNonceLengths) {
  const Bytes nonce(12, 0);
  expect_error(ErrorCode::kInvalidKeyLength, [&] {
    HpkeContext ctx(provider(), KemId::kDhkemX25519Sha256, KdfId::kHkdfSha256, AeadId::kAes128Gcm,
                    SecretBytes(Bytes(15, 0)), nonce, SecretBytes(Bytes(32, 0)));
  });
  expect_error(ErrorCode::kInvalidNonceLength, [&] {
    HpkeContext ctx(provider(), KemId::kDhkemX25519Sha256, KdfId::kHkdfSha256, AeadId::kAes128Gcm,
                    SecretBytes(Bytes(16, 0)), Bytes(11, 0), SecretBytes(Bytes(32, 0)));
  });
}

TEST(Hpke, RejectsUnknownAlgorithmIds) {
  expect_error(ErrorCode::kUnsupportedAlgorithm, [] {
    Hpke h(provider(), static_cast<KemId>(0x0099), KdfId::kHkdfSha256, AeadId::kAes128Gcm);
  });
  expect_error(ErrorCode::kUnsupportedAlgorithm, [] {
    Hpke h(provider(), KemId::kDhkemX25519Sha256, static_cast<KdfId>(0x0009), AeadId::kAes128Gcm);
  });
  expect_error(ErrorCode::kUnsupportedAlgorithm, [] {
    Hpke h(provider(), KemId::kDhkemX25519Sha256, KdfId::kHkdfSha256, static_cast<AeadId>(0x0009));
  });
}

// --- DeriveKeyPair rejection sampling (RFC 9180 §7.1.3) ----------------------------------------

// Forwards to the OpenSSL provider, but makes dh_public_key refuse the first `reject` candidate
// scalars with `code`, as it would for a zero or >= order scalar.
class RejectingProvider : public CryptoProvider {
 public:
  RejectingProvider(int reject, ErrorCode code) : reject_(reject), code_(code) {}

  int dh_public_key_calls() const { return calls_; }

  void random_bytes(std::span<uint8_t> out) const override { base().random_bytes(out); }
  Bytes hash(HashAlg alg, BytesView data) const override { return base().hash(alg, data); }
  Bytes hmac(HashAlg alg, BytesView key, BytesView data) const override {
    return base().hmac(alg, key, data);
  }
  SecretBytes hkdf_extract(HashAlg alg, BytesView salt, BytesView ikm) const override {
    return base().hkdf_extract(alg, salt, ikm);
  }
  SecretBytes hkdf_expand(HashAlg alg, BytesView prk, BytesView info,
                          size_t length) const override {
    return base().hkdf_expand(alg, prk, info, length);
  }
  Bytes aead_seal(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView plaintext) const override {
    return base().aead_seal(aead, key, nonce, aad, plaintext);
  }
  Bytes aead_open(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                  BytesView ciphertext) const override {
    return base().aead_open(aead, key, nonce, aad, ciphertext);
  }
  KeyPair signature_generate(SignatureScheme scheme) const override {
    return base().signature_generate(scheme);
  }
  Bytes signature_public_key(SignatureScheme scheme, BytesView private_key) const override {
    return base().signature_public_key(scheme, private_key);
  }
  Bytes sign(SignatureScheme scheme, BytesView private_key, BytesView message) const override {
    return base().sign(scheme, private_key, message);
  }
  bool verify(SignatureScheme scheme, BytesView public_key, BytesView message,
              BytesView signature) const override {
    return base().verify(scheme, public_key, message, signature);
  }
  KeyPair dh_generate(KemId kem) const override { return base().dh_generate(kem); }
  Bytes dh_public_key(KemId kem, BytesView private_key) const override {
    if (calls_++ < reject_) throw Error(code_, "test: candidate refused");
    return base().dh_public_key(kem, private_key);
  }
  SecretBytes dh(KemId kem, BytesView private_key, BytesView peer_public_key) const override {
    return base().dh(kem, private_key, peer_public_key);
  }
  void dh_check_public_key(KemId kem, BytesView public_key) const override {
    base().dh_check_public_key(kem, public_key);
  }

 private:
  static const CryptoProvider& base() { return provider(); }

  int reject_;
  ErrorCode code_;
  mutable int calls_ = 0;  // single-threaded test
};

Bytes concat(std::initializer_list<BytesView> parts) {
  Bytes out;
  for (BytesView p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(HpkeDeriveKeyPair, RejectedCandidateMovesToNextCounter) {
  const BaseVector& v = hpke_rfc9180::kBaseVectors[2];  // A.3.1: DHKEM(P-256, HKDF-SHA256)
  ASSERT_EQ(v.kem_id, 0x0010);
  RejectingProvider rejecting(1, ErrorCode::kInvalidPrivateKey);
  const Hpke hpke(rejecting, KemId::kDhkemP256Sha256, KdfId::kHkdfSha256, AeadId::kAes128Gcm);
  const KeyPair kp = hpke.derive_key_pair(unhex(v.ikmE));
  EXPECT_EQ(rejecting.dh_public_key_calls(), 2);

  // Independently: the candidate for counter = 1 (the vector's skEm is the one for counter 0).
  const Bytes suite_id = concat({as_bytes("KEM"), Bytes{0x00, 0x10}});
  const SecretBytes dkp_prk = provider().hkdf_extract(
      HashAlg::kSha256, {},
      concat({as_bytes("HPKE-v1"), suite_id, as_bytes("dkp_prk"), unhex(v.ikmE)}));
  const SecretBytes expected =
      provider().hkdf_expand(HashAlg::kSha256, dkp_prk.view(),
                             concat({Bytes{0x00, 0x20}, as_bytes("HPKE-v1"), suite_id,
                                     as_bytes("candidate"), Bytes{0x01}}),
                             32);
  EXPECT_EQ(hex(kp.private_key.view()), hex(expected.view()));
  EXPECT_NE(hex(kp.private_key.view()), v.skEm);
  EXPECT_EQ(hex(kp.public_key),
            hex(provider().dh_public_key(KemId::kDhkemP256Sha256, expected.view())));
}

TEST(HpkeDeriveKeyPair, FailsAfter256RejectedCandidates) {
  RejectingProvider rejecting(1000, ErrorCode::kInvalidPrivateKey);
  const Hpke hpke(rejecting, KemId::kDhkemP384Sha384, KdfId::kHkdfSha384, AeadId::kAes256Gcm);
  expect_error(ErrorCode::kDeriveKeyPairFailed, [&] { hpke.derive_key_pair(Bytes(48, 7)); });
  EXPECT_EQ(rejecting.dh_public_key_calls(), 256);
}

TEST(HpkeDeriveKeyPair, OtherProviderErrorsPropagate) {
  RejectingProvider rejecting(1, ErrorCode::kCryptoBackend);
  const Hpke hpke(rejecting, KemId::kDhkemP521Sha512, KdfId::kHkdfSha512, AeadId::kAes256Gcm);
  expect_error(ErrorCode::kCryptoBackend, [&] { hpke.derive_key_pair(Bytes(66, 7)); });
  EXPECT_EQ(rejecting.dh_public_key_calls(), 1);
}

// --- Round trips over the seven MLS cipher suites ------------------------------------------------
// RFC 9180 has no test vectors for DHKEM(X448) (MLS suites 4 and 6) nor DHKEM(P-384) (suite 7):
// for those these round trips are the only checks here; the MLS crypto-basics test vectors cover
// their known answers elsewhere.

class HpkeSuiteTest : public ::testing::TestWithParam<uint16_t> {
 protected:
  const CipherSuite& suite() const { return cipher_suite(GetParam()); }
  Hpke hpke() const { return Hpke::for_suite(provider(), suite()); }
  const KemInfo& kem() const { return suite().kem_info(); }
};

TEST_P(HpkeSuiteTest, DeriveKeyPairIsDeterministic) {
  const Hpke h = hpke();
  const Bytes ikm(32, 0x42);
  const KeyPair a = h.derive_key_pair(ikm);
  const KeyPair b = h.derive_key_pair(ikm);
  EXPECT_EQ(hex(a.private_key.view()), hex(b.private_key.view()));
  EXPECT_EQ(hex(a.public_key), hex(b.public_key));
  EXPECT_EQ(a.private_key.size(), kem().private_key_len);
  EXPECT_EQ(a.public_key.size(), kem().public_key_len);
  EXPECT_EQ(hex(a.public_key), hex(provider().dh_public_key(suite().kem, a.private_key.view())));

  const KeyPair c = h.derive_key_pair(Bytes(32, 0x43));
  EXPECT_NE(hex(a.private_key.view()), hex(c.private_key.view()));
  EXPECT_NE(hex(a.public_key), hex(c.public_key));
}

TEST_P(HpkeSuiteTest, GenerateKeyPairSizes) {
  const KeyPair kp = hpke().generate_key_pair();
  EXPECT_EQ(kp.private_key.size(), kem().private_key_len);
  EXPECT_EQ(kp.public_key.size(), kem().public_key_len);
}

TEST_P(HpkeSuiteTest, SetupSenderAndRecipientAgree) {
  const Hpke h = hpke();
  const KeyPair r = h.generate_key_pair();
  const Bytes info = to_bytes(std::string_view("info"));
  Hpke::SenderContext s = h.setup_base_s(r.public_key, info);
  EXPECT_EQ(s.enc.size(), kem().enc_len);
  HpkeContext rc = h.setup_base_r(s.enc, r.private_key.view(), info);
  expect_same_context(s.context, rc);
  EXPECT_EQ(s.context.key().size(), suite().aead_info().key_len);
  EXPECT_EQ(s.context.base_nonce().size(), suite().aead_info().nonce_len);
  EXPECT_EQ(s.context.exporter_secret().size(), suite().hash_len());

  // A different info gives a different context.
  const HpkeContext other =
      h.setup_base_r(s.enc, r.private_key.view(), to_bytes(std::string_view("x")));
  EXPECT_NE(hex(other.key().view()), hex(rc.key().view()));
  EXPECT_NE(hex(other.exporter_secret().view()), hex(rc.exporter_secret().view()));

  // Several messages in order, each with its own nonce.
  std::vector<Bytes> cts;
  for (int i = 0; i < 5; ++i) {
    const Bytes pt(static_cast<size_t>(i * 7), static_cast<uint8_t>(i));
    const Bytes aad{static_cast<uint8_t>(i)};
    cts.push_back(s.context.seal(aad, pt));
    EXPECT_EQ(cts.back().size(), pt.size() + suite().aead_info().tag_len);
    EXPECT_EQ(rc.open(aad, cts.back()), pt);
  }
  EXPECT_EQ(s.context.sequence_number(), 5u);
  EXPECT_EQ(rc.sequence_number(), 5u);
  // The same plaintext at a new sequence number encrypts differently.
  EXPECT_NE(hex(s.context.seal({}, {})), hex(s.context.seal({}, {})));
}

TEST_P(HpkeSuiteTest, SetupWithIkmEIsDeterministic) {
  const Hpke h = hpke();
  const KeyPair r = h.derive_key_pair(Bytes(32, 1));
  const Bytes ikm_e(32, 2);
  const Hpke::SenderContext a = h.setup_base_s(r.public_key, {}, BytesView(ikm_e));
  const Hpke::SenderContext b = h.setup_base_s(r.public_key, {}, BytesView(ikm_e));
  EXPECT_EQ(hex(a.enc), hex(b.enc));
  expect_same_context(a.context, b.context);
  EXPECT_EQ(hex(a.enc), hex(h.derive_key_pair(ikm_e).public_key));
  expect_same_context(a.context, h.setup_base_r(a.enc, r.private_key.view(), {}));
}

TEST_P(HpkeSuiteTest, ExportAgrees) {
  const Hpke h = hpke();
  const KeyPair r = h.generate_key_pair();
  const Hpke::SenderContext s = h.setup_base_s(r.public_key, {});
  const HpkeContext rc = h.setup_base_r(s.enc, r.private_key.view(), {});
  const size_t max_len = 255 * suite().hash_len();
  for (size_t len : {size_t{1}, size_t{32}, size_t{100}, max_len}) {
    const Bytes ctx = to_bytes(std::string_view("exporter context"));
    const SecretBytes a = s.context.export_secret(ctx, len);
    EXPECT_EQ(a.size(), len);
    EXPECT_EQ(hex(a.view()), hex(rc.export_secret(ctx, len).view()));
  }
  EXPECT_NE(hex(s.context.export_secret(as_bytes("a"), 32).view()),
            hex(s.context.export_secret(as_bytes("b"), 32).view()));
  // RFC 9180 §5.3: L is at most 255 * Nh.
  expect_error(ErrorCode::kInvalidArgument, [&] { s.context.export_secret({}, max_len + 1); });
}

TEST_P(HpkeSuiteTest, SingleShotRoundTrip) {
  const Hpke h = hpke();
  const KeyPair r = h.generate_key_pair();
  const Bytes info = to_bytes(std::string_view("info")), aad = to_bytes(std::string_view("aad"));
  const Bytes pt = to_bytes(std::string_view("the plaintext"));
  const Hpke::Sealed sealed = h.seal_base(r.public_key, info, aad, pt);
  EXPECT_EQ(h.open_base(sealed.enc, r.private_key.view(), info, aad, sealed.ciphertext), pt);
  EXPECT_EQ(h.open_base(sealed.enc, r.private_key.view(), info, aad, sealed.ciphertext), pt);
}

TEST_P(HpkeSuiteTest, OpenRejectsTamperingAndKeepsSequence) {
  const Hpke h = hpke();
  const KeyPair r = h.generate_key_pair();
  Hpke::SenderContext s = h.setup_base_s(r.public_key, {});
  HpkeContext rc = h.setup_base_r(s.enc, r.private_key.view(), {});
  const Bytes aad = to_bytes(std::string_view("aad"));
  const Bytes pt = to_bytes(std::string_view("message"));
  const Bytes ct = s.context.seal(aad, pt);

  Bytes bad_tag = ct;
  bad_tag.back() ^= 0x01;
  expect_error(ErrorCode::kAeadAuthenticationFailed, [&] { rc.open(aad, bad_tag); });
  Bytes bad_body = ct;
  bad_body.front() ^= 0x80;
  expect_error(ErrorCode::kAeadAuthenticationFailed, [&] { rc.open(aad, bad_body); });
  expect_error(ErrorCode::kAeadAuthenticationFailed,
               [&] { rc.open(to_bytes(std::string_view("aaD")), ct); });
  expect_error(ErrorCode::kAeadAuthenticationFailed,
               [&] { rc.open(aad, BytesView(ct).first(suite().aead_info().tag_len - 1)); });
  // Failures do not advance the sequence number: the genuine message still opens.
  EXPECT_EQ(rc.sequence_number(), 0u);
  EXPECT_EQ(rc.open(aad, ct), pt);
  EXPECT_EQ(rc.sequence_number(), 1u);
  // Replaying it at the next sequence number fails.
  expect_error(ErrorCode::kAeadAuthenticationFailed, [&] { rc.open(aad, ct); });
  EXPECT_EQ(rc.sequence_number(), 1u);
}

TEST_P(HpkeSuiteTest, OpenWithWrongKeyFails) {
  const Hpke h = hpke();
  const KeyPair r = h.generate_key_pair();
  const KeyPair other = h.generate_key_pair();
  const Bytes pt = to_bytes(std::string_view("message"));
  const Hpke::Sealed sealed = h.seal_base(r.public_key, {}, {}, pt);
  expect_error(ErrorCode::kAeadAuthenticationFailed, [&] {
    h.open_base(sealed.enc, other.private_key.view(), {}, {}, sealed.ciphertext);
  });
  // Another info also derives another key.
  expect_error(ErrorCode::kAeadAuthenticationFailed, [&] {
    h.open_base(sealed.enc, r.private_key.view(), as_bytes("info"), {}, sealed.ciphertext);
  });
}

TEST_P(HpkeSuiteTest, MalformedEncIsInvalidPublicKey) {
  const Hpke h = hpke();
  const KeyPair r = h.generate_key_pair();
  const Hpke::SenderContext s = h.setup_base_s(r.public_key, {});
  const Bytes shorter(s.enc.begin(), s.enc.end() - 1);
  expect_error(ErrorCode::kInvalidPublicKey,
               [&] { h.setup_base_r(shorter, r.private_key.view(), {}); });
  Bytes longer = s.enc;
  longer.push_back(0);
  expect_error(ErrorCode::kInvalidPublicKey,
               [&] { h.setup_base_r(longer, r.private_key.view(), {}); });
  expect_error(ErrorCode::kInvalidPublicKey, [&] { h.setup_base_r({}, r.private_key.view(), {}); });

  // Right length, but not a usable point: for X25519/X448 the all-zero point (its DH output is
  // all zero, RFC 9180 §7.1.4); for the NIST curves 0x04 || all-ones, which is off the curve.
  Bytes bad(kem().enc_len, 0);
  if (suite().kem == KemId::kDhkemP256Sha256 || suite().kem == KemId::kDhkemP384Sha384 ||
      suite().kem == KemId::kDhkemP521Sha512) {
    std::fill(bad.begin(), bad.end(), 0xff);
    bad[0] = 0x04;
  }
  expect_error(ErrorCode::kInvalidPublicKey,
               [&] { h.setup_base_r(bad, r.private_key.view(), {}); });
  expect_error(ErrorCode::kInvalidPublicKey, [&] { h.setup_base_s(bad, {}); });
  expect_error(ErrorCode::kInvalidPublicKey, [&] { h.setup_base_s(shorter, {}); });
}

// Empty and over-long private keys are invalid. X25519/X448 keys are exactly Nsk bytes; a
// NIST-curve scalar may come without its leading zero bytes (the MLS vectors' P-521 keys do).
TEST_P(HpkeSuiteTest, WrongLengthPrivateKeyIsInvalidPrivateKey) {
  const Hpke h = hpke();
  const KeyPair r = h.generate_key_pair();
  const Hpke::SenderContext s = h.setup_base_s(r.public_key, {});
  const Bytes sk = r.private_key.copy_out();
  const Bytes shorter(sk.begin(), sk.end() - 1);
  Bytes longer = sk;
  longer.push_back(1);
  expect_error(ErrorCode::kInvalidPrivateKey, [&] { h.setup_base_r(s.enc, longer, {}); });
  expect_error(ErrorCode::kInvalidPrivateKey, [&] { h.setup_base_r(s.enc, {}, {}); });
  const bool nist = static_cast<uint16_t>(h.kem()) < 0x0020;
  if (!nist) {
    expect_error(ErrorCode::kInvalidPrivateKey, [&] { h.setup_base_r(s.enc, shorter, {}); });
    expect_error(ErrorCode::kInvalidPrivateKey,
                 [&] { h.open_base(s.enc, shorter, {}, {}, Bytes(32, 0)); });
  }
}

// A long info hashed once (as for a Welcome's many recipients) seals what the info itself opens.
TEST_P(HpkeSuiteTest, SealWithInfoHashOpensWithTheInfo) {
  const Hpke h = hpke();
  const Bytes info(5000, 0x17);
  const Bytes info_hash = h.info_hash(info);
  const Bytes aad = {1, 2, 3};
  for (uint8_t i = 0; i < 3; ++i) {
    const KeyPair r = h.generate_key_pair();
    const Bytes message(20 + i, i);
    const Hpke::Sealed sealed = h.seal_base_hashed(r.public_key, info_hash, aad, message);
    EXPECT_EQ(h.open_base(sealed.enc, r.private_key.view(), info, aad, sealed.ciphertext), message);
    expect_error(ErrorCode::kAeadAuthenticationFailed, [&] {
      h.open_base(sealed.enc, r.private_key.view(), Bytes(5000, 0x18), aad, sealed.ciphertext);
    });
  }
}

// RFC 9180 §5.1: the KeySchedule binds the info after Encap, so an encapsulation made before
// the info exists (encapsulate(), then seal_encapsulated()) seals what open_base() opens with
// that info, and nothing under another info.
TEST_P(HpkeSuiteTest, SealOfAnEarlierEncapsulationOpensWithTheInfo) {
  const Hpke h = hpke();
  const Bytes info(300, 0x21);
  const Bytes aad = {9};
  const KeyPair r = h.generate_key_pair();
  Hpke::Encapsulated encapsulated = h.encapsulate(r.public_key);
  const Bytes enc = encapsulated.enc;
  const Bytes message(33, 0x44);
  const Hpke::Sealed sealed =
      h.seal_encapsulated(std::move(encapsulated), h.info_hash(info), aad, message);
  EXPECT_EQ(sealed.enc, enc);
  EXPECT_EQ(h.open_base(sealed.enc, r.private_key.view(), info, aad, sealed.ciphertext), message);
  expect_error(ErrorCode::kAeadAuthenticationFailed, [&] {
    h.open_base(sealed.enc, r.private_key.view(), Bytes(300, 0x22), aad, sealed.ciphertext);
  });
}

std::string suite_name(const ::testing::TestParamInfo<uint16_t>& info) {
  return "Suite" + std::to_string(info.param);
}

INSTANTIATE_TEST_SUITE_P(MlsSuites, HpkeSuiteTest, ::testing::Values(1, 2, 3, 4, 5, 6, 7),
                         suite_name);

// For a NIST curve, a zero or >= order scalar is not a private key.
TEST(Hpke, OutOfRangeNistScalarIsInvalidPrivateKey) {
  const Hpke h(provider(), KemId::kDhkemP256Sha256, KdfId::kHkdfSha256, AeadId::kAes128Gcm);
  const KeyPair r = h.generate_key_pair();
  const Hpke::SenderContext s = h.setup_base_s(r.public_key, {});
  expect_error(ErrorCode::kInvalidPrivateKey, [&] { h.setup_base_r(s.enc, Bytes(32, 0x00), {}); });
  expect_error(ErrorCode::kInvalidPrivateKey, [&] { h.setup_base_r(s.enc, Bytes(32, 0xff), {}); });
}

}  // namespace
}  // namespace conclave::crypto
