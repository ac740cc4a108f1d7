/// @file
/// HPKE (RFC 9180), base mode, over a CryptoProvider's primitives.
#pragma once

#include <cstdint>
#include <optional>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/cipher_suite.h"
#include "conclave/crypto/provider.h"

namespace conclave::crypto {

/// RFC 9180 §5.2: an encryption context with its sequence number.
class HpkeContext {
 public:
  /// The KEM id is part of the suite_id that export_secret labels with (RFC 9180 §5.3, §5.1).
  /// Throws kInvalidKeyLength / kInvalidNonceLength when key / base_nonce are not Nk / Nn bytes.
  HpkeContext(const CryptoProvider& provider, KemId kem, KdfId kdf, AeadId aead, SecretBytes key,
              Bytes base_nonce, SecretBytes exporter_secret);

  /// Encrypts the next message (RFC 9180 §5.2): ciphertext || tag.
  /// seal and open throw kUnsupportedAlgorithm for the export-only AEAD, and kHpkeMessageLimit
  /// once the sequence number cannot advance any more.
  Bytes seal(BytesView aad, BytesView plaintext);
  /// Decrypts the next message. Throws Error(kAeadAuthenticationFailed); the sequence number
  /// advances only on success.
  Bytes open(BytesView aad, BytesView ciphertext);
  /// RFC 9180 §5.3: Context.Export, `length` bytes bound to `exporter_context`.
  SecretBytes export_secret(BytesView exporter_context, size_t length) const;

  const SecretBytes& key() const { return key_; }                          ///< the AEAD key
  const Bytes& base_nonce() const { return base_nonce_; }                  ///< the base nonce
  const SecretBytes& exporter_secret() const { return exporter_secret_; }  ///< for export_secret
  uint64_t sequence_number() const { return seq_; }  ///< messages sealed or opened so far

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

/// HPKE in base mode (RFC 9180 §5.1.1) for one KEM, KDF and AEAD, on a provider that must outlive
/// it.
class Hpke {
 public:
  /// Throws Error(kUnsupportedAlgorithm) for ids outside RFC 9180 §7.
  Hpke(const CryptoProvider& provider, KemId kem, KdfId kdf, AeadId aead);
  /// The HPKE algorithms of an MLS cipher suite.
  static Hpke for_suite(const CryptoProvider& provider, const CipherSuite& suite) {
    return Hpke(provider, suite.kem, suite.kdf, suite.aead);
  }

  /// A fresh KEM key pair from the provider's randomness.
  KeyPair generate_key_pair() const;
  /// RFC 9180 §7.1.3. Throws Error(kDeriveKeyPairFailed) in the (negligible) case of 256
  /// rejected candidates.
  KeyPair derive_key_pair(BytesView ikm) const;

  /// What the sender's setup gives: the encapsulated key for the receiver and the context.
  struct SenderContext {
    Bytes enc;            ///< the encapsulated key, sent to the receiver
    HpkeContext context;  ///< the sender's context
  };
  /// RFC 9180 §5.1.1. ikm_e fixes the ephemeral key (only for known-answer tests); otherwise the
  /// ephemeral key comes from the provider's randomness.
  SenderContext setup_base_s(BytesView public_key_r, BytesView info,
                             std::optional<BytesView> ikm_e = std::nullopt) const;
  /// RFC 9180 §5.1.1, receiver side: the context for `enc`. Throws Error(kInvalidPublicKey) for an
  /// `enc` that is not a valid public key, kInvalidPrivateKey for a malformed private key.
  HpkeContext setup_base_r(BytesView enc, BytesView private_key_r, BytesView info) const;

  /// A single-shot encryption: the encapsulated key and the ciphertext.
  struct Sealed {
    Bytes enc;         ///< the encapsulated key
    Bytes ciphertext;  ///< ciphertext || tag
  };
  /// RFC 9180 §6.1 single-shot APIs.
  Sealed seal_base(BytesView public_key_r, BytesView info, BytesView aad,
                   BytesView plaintext) const;
  /// The receiver's side of seal_base(). Throws Error(kAeadAuthenticationFailed) when the
  /// ciphertext does not open.
  Bytes open_base(BytesView enc, BytesView private_key_r, BytesView info, BytesView aad,
                  BytesView ciphertext) const;

  /// The KeySchedule (§5.1) hashes info into info_hash, which depends on the suite and info
  /// only. Sealing one long info to many recipients (a Welcome's holds the encrypted GroupInfo)
  /// hashes it once with info_hash() and seals with seal_base_hashed(): same output as
  /// seal_base().
  Bytes info_hash(BytesView info) const;
  /// seal_base() with info_hash() of the info computed beforehand.
  Sealed seal_base_hashed(BytesView public_key_r, BytesView info_hash, BytesView aad,
                          BytesView plaintext) const;

  /// RFC 9180 §4.1 Encap: a fresh ephemeral key's encapsulation to a recipient and the shared
  /// secret. A seal's KeySchedule binds the info only after it (§5.1), so a sender with many
  /// recipients can encapsulate before the info exists (a Welcome's is the GroupInfo it
  /// encrypts, known only once the new epoch is built).
  struct Encapsulated {
    Bytes enc;                  ///< the encapsulated key, sent to the receiver
    SecretBytes shared_secret;  ///< the KEM's shared secret, wiped with the struct
  };
  /// Encap to `public_key_r` with an ephemeral key from the provider's randomness.
  Encapsulated encapsulate(BytesView public_key_r) const {
    return encap(public_key_r, std::nullopt);
  }
  /// seal_base_hashed() with an encapsulation made beforehand for the same recipient by
  /// encapsulate(); each encapsulation is used for one seal only.
  Sealed seal_encapsulated(Encapsulated encapsulated, BytesView info_hash, BytesView aad,
                           BytesView plaintext) const;

  KemId kem() const { return kem_; }     ///< the KEM
  KdfId kdf() const { return kdf_; }     ///< the KDF
  AeadId aead() const { return aead_; }  ///< the AEAD

 private:
  Encapsulated encap(BytesView public_key_r, std::optional<BytesView> ikm_e) const;

  const CryptoProvider* provider_;
  KemId kem_;
  KdfId kdf_;
  AeadId aead_;
};

}  // namespace conclave::crypto
