// HPKE (RFC 9180), base mode, over a CryptoProvider's primitives.
#pragma once

#include <cstdint>
#include <optional>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/cipher_suite.h"
#include "conclave/crypto/provider.h"

namespace conclave::crypto {

// RFC 9180 §5.2: an encryption context with its sequence number.
class HpkeContext {
 public:
  // The KEM id is part of the suite_id that export_secret labels with (RFC 9180 §5.3, §5.1).
  // Throws kInvalidKeyLength / kInvalidNonceLength when key / base_nonce are not Nk / Nn bytes.
  HpkeContext(const CryptoProvider& provider, KemId kem, KdfId kdf, AeadId aead, SecretBytes key,
              Bytes base_nonce, SecretBytes exporter_secret);

  // seal and open throw kUnsupportedAlgorithm for the export-only AEAD, and kHpkeMessageLimit
  // once the sequence number cannot advance any more.
  Bytes seal(BytesView aad, BytesView plaintext);
  // Throws Error(kAeadAuthenticationFailed); the sequence number advances only on success.
  Bytes open(BytesView aad, BytesView ciphertext);
  // RFC 9180 §5.3.
  SecretBytes export_secret(BytesView exporter_context, size_t length) const;

  const SecretBytes& key() const { return key_; }
  const Bytes& base_nonce() const { return base_nonce_; }
  const SecretBytes& exporter_secret() const { return exporter_secret_; }
  uint64_t sequence_number() const { return seq_; }

 private:
  Bytes next_nonce() const;
  void increment_seq();

  const CryptoProvider* provider_;
  KemId kem_;
  KdfId kdf_;
  AeadId aead_;
  SecretBytes key_;
  Bytes base_nonce_;
  SecretBytes exporter_secret_;
  uint64_t seq_ = 0;
};

class Hpke {
 public:
  Hpke(const CryptoProvider& provider, KemId kem, KdfId kdf, AeadId aead);
  static Hpke for_suite(const CryptoProvider& provider, const CipherSuite& suite) {
    return Hpke(provider, suite.kem, suite.kdf, suite.aead);
  }

  KeyPair generate_key_pair() const;
  // RFC 9180 §7.1.3. Throws Error(kDeriveKeyPairFailed) in the (negligible) case of 256
  // rejected candidates.
  KeyPair derive_key_pair(BytesView ikm) const;

  struct SenderContext {
    Bytes enc;
    HpkeContext context;
  };
  // RFC 9180 §5.1.1. ikm_e fixes the ephemeral key (only for known-answer tests); otherwise the
  // ephemeral key comes from the provider's randomness.
  SenderContext setup_base_s(BytesView public_key_r, BytesView info,
                             std::optional<BytesView> ikm_e = std::nullopt) const;
  HpkeContext setup_base_r(BytesView enc, BytesView private_key_r, BytesView info) const;

  struct Sealed {
    Bytes enc;
    Bytes ciphertext;
  };
  // RFC 9180 §6.1 single-shot APIs.
  Sealed seal_base(BytesView public_key_r, BytesView info, BytesView aad,
                   BytesView plaintext) const;
  Bytes open_base(BytesView enc, BytesView private_key_r, BytesView info, BytesView aad,
                  BytesView ciphertext) const;

  // The KeySchedule (§5.1) hashes info into info_hash, which depends on the suite and info
  // only. Sealing one long info to many recipients (a Welcome's holds the encrypted GroupInfo)
  // hashes it once with info_hash() and seals with seal_base_hashed(): same output as
  // seal_base().
  Bytes info_hash(BytesView info) const;
  Sealed seal_base_hashed(BytesView public_key_r, BytesView info_hash, BytesView aad,
                          BytesView plaintext) const;

  KemId kem() const { return kem_; }
  KdfId kdf() const { return kdf_; }
  AeadId aead() const { return aead_; }

 private:
  struct Encapsulated {
    Bytes enc;
    SecretBytes shared_secret;
  };
  Encapsulated encap(BytesView public_key_r, std::optional<BytesView> ikm_e) const;

  const CryptoProvider* provider_;
  KemId kem_;
  KdfId kdf_;
  AeadId aead_;
};

}  // namespace conclave::crypto
