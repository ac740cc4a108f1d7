/// @file
/// Suite: a cipher suite bound to a CryptoProvider, with the labeled operations of RFC 9420
/// §5 and §8 that every upper layer uses.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/cipher_suite.h"
#include "conclave/crypto/hpke.h"
#include "conclave/crypto/provider.h"

namespace conclave::crypto {

/// RFC 9420 §7.6: struct { opaque kem_output<V>; opaque ciphertext<V>; } HPKECiphertext.
struct HpkeCiphertext {
  Bytes kem_output;  ///< the HPKE encapsulated key
  Bytes ciphertext;  ///< the AEAD ciphertext with its tag
  CONCLAVE_TLS_FIELDS(kem_output, ciphertext)
  /// Field by field.
  friend bool operator==(const HpkeCiphertext&, const HpkeCiphertext&) = default;
};

/// One cipher suite on one provider: the suite's hash, MAC, KDF, signatures and HPKE, and the
/// labeled operations built on them. Cheap to copy; thread-safe like its provider.
class Suite {
 public:
  /// Throws Error(kUnsupportedCipherSuite) for an id outside RFC 9420 §17.1.
  Suite(std::shared_ptr<const CryptoProvider> provider, uint16_t suite_id);

  uint16_t id() const { return info_->id; }                      ///< the suite's id (§17.1)
  const CipherSuite& info() const { return *info_; }             ///< the suite's row of the table
  const CryptoProvider& provider() const { return *provider_; }  ///< the provider
  /// The provider, shared.
  const std::shared_ptr<const CryptoProvider>& provider_ptr() const { return provider_; }
  size_t hash_len() const { return info_->hash_len(); }              ///< KDF.Nh
  Hpke hpke() const { return Hpke::for_suite(*provider_, *info_); }  ///< the suite's HPKE

  /// RFC 9420 §5.1: Hash, the suite's hash function.
  Bytes hash(BytesView data) const { return provider_->hash(info_->hash, data); }
  /// RFC 9420 §5.1: MAC, HMAC with the suite's hash.
  Bytes mac(BytesView key, BytesView data) const { return provider_->hmac(info_->hash, key, data); }
  /// KDF.Extract: HKDF-Extract (RFC 5869) with the suite's hash.
  SecretBytes extract(BytesView salt, BytesView ikm) const;
  /// KDF.Expand: HKDF-Expand (RFC 5869) with the suite's hash.
  SecretBytes expand(BytesView prk, BytesView info, size_t length) const;

  /// RFC 9420 §8: KDF.Expand(secret, KDFLabel{length, "MLS 1.0 " + label, context}, length).
  SecretBytes expand_with_label(BytesView secret, std::string_view label, BytesView context,
                                size_t length) const;
  /// RFC 9420 §8: ExpandWithLabel(secret, label, "", Nh).
  SecretBytes derive_secret(BytesView secret, std::string_view label) const;
  /// RFC 9420 §9: ExpandWithLabel(secret, label, uint32 generation, length).
  SecretBytes derive_tree_secret(BytesView secret, std::string_view label, uint32_t generation,
                                 size_t length) const;

  /// RFC 9420 §5.2: Hash(RefHashInput{label, value}); the label is used as given.
  Bytes ref_hash(std::string_view label, BytesView value) const;
  /// RFC 9420 §5.2: the KeyPackageRef, RefHash("MLS 1.0 KeyPackage Reference", KeyPackage).
  Bytes make_key_package_ref(BytesView encoded_key_package) const;
  /// RFC 9420 §5.2: the ProposalRef, RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent).
  Bytes make_proposal_ref(BytesView encoded_authenticated_content) const;

  /// RFC 9420 §5.1.2: signatures over SignContent{"MLS 1.0 " + label, content}.
  Bytes sign_with_label(BytesView private_key, std::string_view label, BytesView content) const;
  /// False when the signature does not verify. Throws Error(kInvalidPublicKey) for a
  /// malformed key.
  bool verify_with_label(BytesView public_key, std::string_view label, BytesView content,
                         BytesView signature) const;

  /// RFC 9420 §5.1.3: HPKE SealBase/OpenBase with info = EncryptContext{"MLS 1.0 " + label,
  /// context} and empty aad.
  HpkeCiphertext encrypt_with_label(BytesView public_key, std::string_view label, BytesView context,
                                    BytesView plaintext) const;
  /// One recipient of encrypt_with_label_many().
  struct LabeledRecipient {
    BytesView public_key;  ///< the recipient's HPKE public key
    BytesView plaintext;   ///< what to encrypt to it
  };
  /// encrypt_with_label to each recipient in turn, all under one label and context: the
  /// context is hashed once, not once per recipient (a Welcome's is the whole encrypted
  /// GroupInfo), and the recipients are shared among up to max_threads threads (0: one per
  /// core). Output i is for recipients[i]; a failure reports the lowest failing recipient.
  /// With `encapsulated` not empty: one encapsulation per recipient, made beforehand by
  /// Hpke::encapsulate() to its public key, each consumed by its seal.
  std::vector<HpkeCiphertext> encrypt_with_label_many(
      std::span<const LabeledRecipient> recipients, std::string_view label, BytesView context,
      unsigned max_threads = 0, std::span<Hpke::Encapsulated> encapsulated = {}) const;
  /// Throws Error(kAeadAuthenticationFailed) when the ciphertext does not open.
  Bytes decrypt_with_label(BytesView private_key, std::string_view label, BytesView context,
                           BytesView kem_output, BytesView ciphertext) const;

  /// A fresh key pair of the suite's signature scheme.
  KeyPair generate_signature_key_pair() const {
    return provider_->signature_generate(info_->signature);
  }
  /// Throws Error(kInvalidPublicKey) for an HPKE public key no one can encrypt to (see
  /// CryptoProvider::dh_check_public_key).
  void check_hpke_public_key(BytesView public_key) const {
    provider_->dh_check_public_key(info_->kem, public_key);
  }
  /// A fresh key pair of the suite's KEM.
  KeyPair generate_hpke_key_pair() const { return hpke().generate_key_pair(); }
  /// RFC 9180 §7.1.3: DeriveKeyPair(ikm) of the suite's KEM.
  KeyPair derive_hpke_key_pair(BytesView ikm) const { return hpke().derive_key_pair(ikm); }

  /// `size` random bytes from the provider.
  Bytes random(size_t size) const { return provider_->random(size); }
  /// `size` random bytes for a secret, from the provider.
  SecretBytes random_secret(size_t size) const { return provider_->random_secret(size); }

 private:
  std::shared_ptr<const CryptoProvider> provider_;
  const CipherSuite* info_;
};

}  // namespace conclave::crypto
