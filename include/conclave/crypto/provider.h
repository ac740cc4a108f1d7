/// @file
/// CryptoProvider: every cryptographic primitive and all randomness Conclave uses. Nothing in
/// Conclave reaches for a global: a provider is passed in. Implementations are thread-safe
/// (const methods may be called concurrently).
///
/// Key encodings are those of RFC 9420 §5.1.1 and the MLS test vectors:
///  - signature public keys: raw RFC 8032 bytes for Ed25519/Ed448; uncompressed SEC1 points
///    (0x04 || X || Y) for ECDSA;
///  - signature private keys: raw RFC 8032 seeds for EdDSA; the big-endian scalar, left-padded
///    to the field size, for ECDSA;
///  - DH (HPKE KEM) keys: SerializePublicKey / SerializePrivateKey of RFC 9180 §7.1.1;
///  - ECDSA signatures: DER (RFC 8446); EdDSA signatures: R || S.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/cipher_suite.h"

namespace conclave::crypto {

/// A private key and its public key, both in the encodings above.
struct KeyPair {
  SecretBytes private_key;  ///< the private key, wiped with the pair
  Bytes public_key;         ///< the public key
};

/// The primitives behind every cipher suite: hashes, HMAC, HKDF, AEADs, signatures and the
/// Diffie-Hellman groups of the DHKEMs, plus randomness. Implement it to bring another crypto
/// library or a hardware module; openssl_provider() is the one Conclave ships.
class CryptoProvider {
 public:
  virtual ~CryptoProvider() = default;

  /// The only source of randomness in Conclave.
  virtual void random_bytes(std::span<uint8_t> out) const = 0;
  /// `size` random bytes (from random_bytes()).
  Bytes random(size_t size) const;
  /// `size` random bytes for a secret (from random_bytes()).
  SecretBytes random_secret(size_t size) const;

  /// The digest of `data`.
  virtual Bytes hash(HashAlg alg, BytesView data) const = 0;
  /// HMAC (RFC 2104) of `data` under `key`.
  virtual Bytes hmac(HashAlg alg, BytesView key, BytesView data) const = 0;
  /// RFC 5869.
  virtual SecretBytes hkdf_extract(HashAlg alg, BytesView salt, BytesView ikm) const = 0;
  /// Throws Error(kInvalidArgument) when length exceeds 255 * hash length.
  virtual SecretBytes hkdf_expand(HashAlg alg, BytesView prk, BytesView info,
                                  size_t length) const = 0;

  /// Returns ciphertext || tag. Throws kInvalidKeyLength / kInvalidNonceLength on bad sizes.
  virtual Bytes aead_seal(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                          BytesView plaintext) const = 0;
  /// Throws Error(kAeadAuthenticationFailed) when the tag does not verify (including input
  /// shorter than the tag).
  virtual Bytes aead_open(AeadId aead, BytesView key, BytesView nonce, BytesView aad,
                          BytesView ciphertext) const = 0;

  /// A fresh signature key pair.
  virtual KeyPair signature_generate(SignatureScheme scheme) const = 0;
  /// Throws Error(kInvalidPrivateKey) for a malformed key or an out-of-range scalar.
  virtual Bytes signature_public_key(SignatureScheme scheme, BytesView private_key) const = 0;
  /// The signature of `message`. Throws Error(kInvalidPrivateKey) for a malformed key.
  virtual Bytes sign(SignatureScheme scheme, BytesView private_key, BytesView message) const = 0;
  /// False for a signature that does not verify, including a malformed one. Throws
  /// Error(kInvalidPublicKey) for a public key that is malformed or not on the curve.
  virtual bool verify(SignatureScheme scheme, BytesView public_key, BytesView message,
                      BytesView signature) const = 0;

  /// The Diffie-Hellman groups behind the DHKEMs of RFC 9180 §4.1.
  virtual KeyPair dh_generate(KemId kem) const = 0;
  /// Throws Error(kInvalidPrivateKey) for a wrong length, or for an ECDH scalar that is zero or
  /// not below the group order (DeriveKeyPair's rejection sampling relies on this).
  virtual Bytes dh_public_key(KemId kem, BytesView private_key) const = 0;
  /// Throws Error(kInvalidPublicKey) for a malformed or off-curve peer key, and for an all-zero
  /// X25519/X448 result (RFC 9180 §7.1.4).
  virtual SecretBytes dh(KemId kem, BytesView private_key, BytesView peer_public_key) const = 0;
  /// Throws Error(kInvalidPublicKey) unless `public_key` is a key dh() can take as a peer key for
  /// every private key: the right length, for the NIST curves a point on the curve (RFC 9180
  /// §7.1.4), for X25519/X448 not a point of small order, whose every DH output is all zero.
  virtual void dh_check_public_key(KemId kem, BytesView public_key) const = 0;
  /// dh() for a private key whose public key the caller holds as well (a fresh ephemeral key,
  /// a recipient's own pair). A backend that would otherwise recompute the public key from the
  /// private one (OpenSSL does for X25519/X448: a scalar multiplication, as costly as the DH)
  /// may take it as given; the result never depends on it. The default calls dh().
  virtual SecretBytes dh_with_public_key(KemId kem, BytesView private_key, BytesView public_key,
                                         BytesView peer_public_key) const;
};

}  // namespace conclave::crypto
