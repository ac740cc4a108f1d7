#include "conclave/crypto/hpke.h"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "conclave/base/error.h"

namespace conclave::crypto {

namespace {

constexpr std::string_view kHpkeVersion = "HPKE-v1";

// RFC 9180 §5.1: mode_base; the other modes are out of scope.
constexpr uint8_t kModeBase = 0x00;

void append(Bytes& out, BytesView data) {
  out.insert(out.end(), data.begin(), data.end());
}

// I2OSP(value, 2).
void append_u16(Bytes& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

// Concatenates into a wiping buffer: the parts may hold DH outputs or input keying material.
SecretBytes concat_secret(std::initializer_list<BytesView> parts) {
  size_t size = 0;
  for (BytesView part : parts)
    size += part.size();
  SecretBytes out(size);
  size_t offset = 0;
  for (BytesView part : parts) {
    std::copy(part.begin(), part.end(), out.data() + offset);
    offset += part.size();
  }
  return out;
}

// RFC 9180 §4.1: suite_id = concat("KEM", I2OSP(kem_id, 2)).
Bytes kem_suite_id(KemId kem) {
  Bytes id = to_bytes(std::string_view("KEM"));
  append_u16(id, static_cast<uint16_t>(kem));
  return id;
}

// RFC 9180 §5.1: suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2),
// I2OSP(aead_id, 2)).
Bytes hpke_suite_id(KemId kem, KdfId kdf, AeadId aead) {
  Bytes id = to_bytes(std::string_view("HPKE"));
  append_u16(id, static_cast<uint16_t>(kem));
  append_u16(id, static_cast<uint16_t>(kdf));
  append_u16(id, static_cast<uint16_t>(aead));
  return id;
}

// RFC 9180 §4: LabeledExtract and LabeledExpand for one KDF and one suite_id.
class LabeledKdf {
 public:
  LabeledKdf(const CryptoProvider& provider, KdfId kdf, Bytes suite_id)
      : provider_(provider), hash_(kdf_hash(kdf)), suite_id_(std::move(suite_id)) {}

  size_t hash_len() const { return hash_length(hash_); }

  SecretBytes extract(BytesView salt, std::string_view label, BytesView ikm) const {
    SecretBytes labeled_ikm =
        concat_secret({as_bytes(kHpkeVersion), suite_id_, as_bytes(label), ikm});
    return provider_.hkdf_extract(hash_, salt, labeled_ikm.view());
  }

  SecretBytes expand(BytesView prk, std::string_view label, BytesView info, size_t length) const {
    // L is encoded as I2OSP(L, 2).
    if (length > std::numeric_limits<uint16_t>::max())
      throw Error(ErrorCode::kInvalidArgument,
                  "HPKE LabeledExpand length " + std::to_string(length) + " exceeds 2^16 - 1");
    Bytes labeled_info;
    labeled_info.reserve(2 + kHpkeVersion.size() + suite_id_.size() + label.size() + info.size());
    append_u16(labeled_info, static_cast<uint16_t>(length));
    append(labeled_info, as_bytes(kHpkeVersion));
    append(labeled_info, suite_id_);
    append(labeled_info, as_bytes(label));
    append(labeled_info, info);
    return provider_.hkdf_expand(hash_, prk, labeled_info, length);
  }

 private:
  const CryptoProvider& provider_;
  HashAlg hash_;
  Bytes suite_id_;
};

LabeledKdf kem_kdf(const CryptoProvider& provider, KemId kem) {
  return LabeledKdf(provider, kem_info(kem).kdf, kem_suite_id(kem));
}

bool is_nist_curve(KemId kem) {
  return kem == KemId::kDhkemP256Sha256 || kem == KemId::kDhkemP384Sha384 ||
         kem == KemId::kDhkemP521Sha512;
}

// RFC 9180 §7.1.3.
KeyPair derive_dh_key_pair(const CryptoProvider& provider, KemId kem, BytesView ikm) {
  const KemInfo& info = kem_info(kem);
  const LabeledKdf kdf = kem_kdf(provider, kem);
  const SecretBytes dkp_prk = kdf.extract({}, "dkp_prk", ikm);

  if (!is_nist_curve(kem)) {
    // X25519 / X448: every Nsk-byte string is a valid private key.
    SecretBytes sk = kdf.expand(dkp_prk.view(), "sk", {}, info.private_key_len);
    Bytes pk = provider.dh_public_key(kem, sk.view());
    return {std::move(sk), std::move(pk)};
  }

  // Rejection sampling: the provider refuses a zero or >= order scalar with kInvalidPrivateKey,
  // which is exactly the "sk == 0 or sk >= order" test of the RFC's loop.
  const uint8_t bitmask = kem == KemId::kDhkemP521Sha512 ? 0x01 : 0xff;
  for (unsigned counter = 0; counter <= 255; ++counter) {
    const uint8_t counter_byte = static_cast<uint8_t>(counter);
    SecretBytes candidate =
        kdf.expand(dkp_prk.view(), "candidate", BytesView(&counter_byte, 1), info.private_key_len);
    candidate[0] &= bitmask;
    try {
      Bytes pk = provider.dh_public_key(kem, candidate.view());
      return {std::move(candidate), std::move(pk)};
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kInvalidPrivateKey) throw;
    }
  }
  throw Error(ErrorCode::kDeriveKeyPairFailed, "no valid scalar within 256 candidates");
}

// RFC 9180 §4.1 ExtractAndExpand.
SecretBytes extract_and_expand(const CryptoProvider& provider, KemId kem, BytesView dh,
                               BytesView kem_context) {
  const LabeledKdf kdf = kem_kdf(provider, kem);
  const SecretBytes eae_prk = kdf.extract({}, "eae_prk", dh);
  return kdf.expand(eae_prk.view(), "shared_secret", kem_context, kem_info(kem).secret_len);
}

void check_public_key_length(BytesView public_key, size_t expected, std::string_view what) {
  if (public_key.size() != expected)
    throw Error(ErrorCode::kInvalidPublicKey, std::string(what) + " is " +
                                                  std::to_string(public_key.size()) +
                                                  " bytes, expected " + std::to_string(expected));
}

// RFC 9180 §5.2: IncrementSeq fails once seq reaches 2^(8*Nn) - 1. Conclave's sequence number is
// 64 bits (the RFC allows a shorter counter), so for Nn >= 8 the limit is its maximum.
uint64_t max_sequence_number(size_t nonce_len) {
  if (nonce_len >= sizeof(uint64_t)) return std::numeric_limits<uint64_t>::max();
  return (uint64_t{1} << (8 * nonce_len)) - 1;
}

// RFC 9180 §5.1 KeySchedule for mode_base (psk = psk_id = ""), given info_hash.
HpkeContext key_schedule_hashed(const CryptoProvider& provider, KemId kem, KdfId kdf_id,
                                AeadId aead, BytesView shared_secret, BytesView info_hash) {
  const LabeledKdf kdf(provider, kdf_id, hpke_suite_id(kem, kdf_id, aead));
  const SecretBytes psk_id_hash = kdf.extract({}, "psk_id_hash", {});
  Bytes key_schedule_context{kModeBase};
  append(key_schedule_context, psk_id_hash.view());
  append(key_schedule_context, info_hash);

  const SecretBytes secret = kdf.extract(shared_secret, "secret", {});
  const AeadInfo& aead_params = aead_info(aead);
  // The export-only AEAD has Nk = Nn = 0: no key or nonce to derive.
  SecretBytes key;
  Bytes base_nonce;
  if (aead != AeadId::kExportOnly) {
    key = kdf.expand(secret.view(), "key", key_schedule_context, aead_params.key_len);
    base_nonce =
        kdf.expand(secret.view(), "base_nonce", key_schedule_context, aead_params.nonce_len)
            .copy_out();
  }
  SecretBytes exporter_secret =
      kdf.expand(secret.view(), "exp", key_schedule_context, kdf.hash_len());
  return HpkeContext(provider, kem, kdf_id, aead, std::move(key), std::move(base_nonce),
                     std::move(exporter_secret));
}

// RFC 9180 §5.1: info_hash = LabeledExtract("", "info_hash", info).
Bytes hash_info(const CryptoProvider& provider, KemId kem, KdfId kdf_id, AeadId aead,
                BytesView info) {
  const LabeledKdf kdf(provider, kdf_id, hpke_suite_id(kem, kdf_id, aead));
  return kdf.extract({}, "info_hash", info).copy_out();
}

HpkeContext key_schedule_base(const CryptoProvider& provider, KemId kem, KdfId kdf_id, AeadId aead,
                              BytesView shared_secret, BytesView info) {
  return key_schedule_hashed(provider, kem, kdf_id, aead, shared_secret,
                             hash_info(provider, kem, kdf_id, aead, info));
}

}  // namespace

// --- HpkeContext ---------------------------------------------------------------------------------

HpkeContext::HpkeContext(const CryptoProvider& provider, KemId kem, KdfId kdf, AeadId aead,
                         SecretBytes key, Bytes base_nonce, SecretBytes exporter_secret)
    : provider_(&provider),
      kem_(kem),
      kdf_(kdf),
      aead_(aead),
      key_(std::move(key)),
      base_nonce_(std::move(base_nonce)),
      exporter_secret_(std::move(exporter_secret)) {
  kem_info(kem);  // rejects an unknown KEM id
  kdf_hash(kdf);  // rejects an unknown KDF id
  const AeadInfo& info = aead_info(aead);
  if (key_.size() != info.key_len)
    throw Error(ErrorCode::kInvalidKeyLength, "HPKE key is " + std::to_string(key_.size()) +
                                                  " bytes, expected " +
                                                  std::to_string(info.key_len));
  if (base_nonce_.size() != info.nonce_len)
    throw Error(ErrorCode::kInvalidNonceLength,
                "HPKE base_nonce is " + std::to_string(base_nonce_.size()) + " bytes, expected " +
                    std::to_string(info.nonce_len));
}

// RFC 9180 §5.2 ComputeNonce: base_nonce XOR I2OSP(seq, Nn). Also refuses a sequence number that
// IncrementSeq could not advance, before the AEAD runs, so no output is produced for it.
Bytes HpkeContext::next_nonce() const {
  if (aead_ == AeadId::kExportOnly)
    throw Error(ErrorCode::kUnsupportedAlgorithm, "the export-only HPKE AEAD cannot seal or open");
  if (seq_ >= max_sequence_number(base_nonce_.size()))
    throw Error(ErrorCode::kHpkeMessageLimit, "HPKE sequence number exhausted");
  Bytes nonce = base_nonce_;
  uint64_t seq = seq_;
  for (size_t i = 0; i < sizeof(seq) && i < nonce.size(); ++i) {
    nonce[nonce.size() - 1 - i] ^= static_cast<uint8_t>(seq);
    seq >>= 8;
  }
  return nonce;
}

void HpkeContext::increment_seq() {
  // next_nonce() has already refused a sequence number at the limit.
  ++seq_;
}

// RFC 9180 §5.2 ContextS.Seal.
Bytes HpkeContext::seal(BytesView aad, BytesView plaintext) {
  const Bytes nonce = next_nonce();
  Bytes ciphertext = provider_->aead_seal(aead_, key_.view(), nonce, aad, plaintext);
  increment_seq();
  return ciphertext;
}

// RFC 9180 §5.2 ContextR.Open: a failed open leaves the sequence number where it was.
Bytes HpkeContext::open(BytesView aad, BytesView ciphertext) {
  const Bytes nonce = next_nonce();
  Bytes plaintext = provider_->aead_open(aead_, key_.view(), nonce, aad, ciphertext);
  increment_seq();
  return plaintext;
}

// RFC 9180 §5.3.
SecretBytes HpkeContext::export_secret(BytesView exporter_context, size_t length) const {
  const LabeledKdf kdf(*provider_, kdf_, hpke_suite_id(kem_, kdf_, aead_));
  return kdf.expand(exporter_secret_.view(), "sec", exporter_context, length);
}

// --- Hpke --------------------------------------------------------------------------------------

Hpke::Hpke(const CryptoProvider& provider, KemId kem, KdfId kdf, AeadId aead)
    : provider_(&provider), kem_(kem), kdf_(kdf), aead_(aead) {
  // Each lookup throws kUnsupportedAlgorithm for an id outside RFC 9180 §7.
  kem_info(kem);
  kdf_hash(kdf);
  aead_info(aead);
}

KeyPair Hpke::generate_key_pair() const {
  return provider_->dh_generate(kem_);
}

KeyPair Hpke::derive_key_pair(BytesView ikm) const {
  return derive_dh_key_pair(*provider_, kem_, ikm);
}

// RFC 9180 §4.1 Encap.
Hpke::Encapsulated Hpke::encap(BytesView public_key_r, std::optional<BytesView> ikm_e) const {
  check_public_key_length(public_key_r, kem_info(kem_).public_key_len, "HPKE recipient public key");
  const KeyPair ephemeral = ikm_e ? derive_key_pair(*ikm_e) : generate_key_pair();
  const SecretBytes dh = provider_->dh_with_public_key(kem_, ephemeral.private_key.view(),
                                                       ephemeral.public_key, public_key_r);
  Bytes enc = ephemeral.public_key;
  Bytes kem_context = enc;
  append(kem_context, public_key_r);
  return {std::move(enc), extract_and_expand(*provider_, kem_, dh.view(), kem_context)};
}

// RFC 9180 §5.1.1 SetupBaseS.
Hpke::SenderContext Hpke::setup_base_s(BytesView public_key_r, BytesView info,
                                       std::optional<BytesView> ikm_e) const {
  Encapsulated e = encap(public_key_r, ikm_e);
  return {std::move(e.enc),
          key_schedule_base(*provider_, kem_, kdf_, aead_, e.shared_secret.view(), info)};
}

Bytes Hpke::info_hash(BytesView info) const {
  return hash_info(*provider_, kem_, kdf_, aead_, info);
}

// RFC 9180 §5.1.1 SetupBaseR with §4.1 Decap.
HpkeContext Hpke::setup_base_r(BytesView enc, BytesView private_key_r, BytesView info) const {
  check_public_key_length(enc, kem_info(kem_).enc_len, "HPKE enc");
  // pk(skR) first: the provider validates the key there (kInvalidPrivateKey), accepting NIST
  // scalars without their leading zero bytes as the MLS vectors have them.
  const Bytes public_key_r = provider_->dh_public_key(kem_, private_key_r);
  const SecretBytes dh = provider_->dh_with_public_key(kem_, private_key_r, public_key_r, enc);
  Bytes kem_context = to_bytes(enc);
  append(kem_context, public_key_r);
  const SecretBytes shared_secret = extract_and_expand(*provider_, kem_, dh.view(), kem_context);
  return key_schedule_base(*provider_, kem_, kdf_, aead_, shared_secret.view(), info);
}

// RFC 9180 §6.1.
Hpke::Sealed Hpke::seal_base(BytesView public_key_r, BytesView info, BytesView aad,
                             BytesView plaintext) const {
  SenderContext sender = setup_base_s(public_key_r, info);
  Bytes ciphertext = sender.context.seal(aad, plaintext);
  return {std::move(sender.enc), std::move(ciphertext)};
}

Hpke::Sealed Hpke::seal_base_hashed(BytesView public_key_r, BytesView info_hash, BytesView aad,
                                    BytesView plaintext) const {
  return seal_encapsulated(encap(public_key_r, std::nullopt), info_hash, aad, plaintext);
}

Hpke::Sealed Hpke::seal_encapsulated(Encapsulated encapsulated, BytesView info_hash, BytesView aad,
                                     BytesView plaintext) const {
  HpkeContext context = key_schedule_hashed(*provider_, kem_, kdf_, aead_,
                                            encapsulated.shared_secret.view(), info_hash);
  Bytes ciphertext = context.seal(aad, plaintext);
  return {std::move(encapsulated.enc), std::move(ciphertext)};
}

Bytes Hpke::open_base(BytesView enc, BytesView private_key_r, BytesView info, BytesView aad,
                      BytesView ciphertext) const {
  return setup_base_r(enc, private_key_r, info).open(aad, ciphertext);
}

}  // namespace conclave::crypto
