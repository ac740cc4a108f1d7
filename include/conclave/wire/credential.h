/// @file
/// Credentials (RFC 9420 §5.3).
#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

/// One certificate of an X.509 credential's chain.
struct Certificate {
  Bytes cert_data;  ///< one DER certificate
  CONCLAVE_TLS_FIELDS(cert_data)
  /// Field by field.
  friend bool operator==(const Certificate&, const Certificate&) = default;
};

/// A credential of a type this library does not interpret. The RFC gives no body layout for
/// such types; like other MLS stacks we carry the body as one opaque<V>, which is what the
/// credential types registered so far beyond basic and x509 use.
struct OpaqueCredential {
  Bytes data;  ///< the credential's body
  /// Field by field.
  friend bool operator==(const OpaqueCredential&, const OpaqueCredential&) = default;
};

struct CredentialBinding;

/// Extensions draft §Multi-Credentials: the body of the multi and weak-multi credentials,
/// struct { CredentialBinding bindings<V>; } (both types have this one layout).
struct MultiCredential {
  std::vector<CredentialBinding> bindings;  ///< one per credential bound to the leaf's key
  /// Field by field.
  friend bool operator==(const MultiCredential&, const MultiCredential&);
};

/// §5.3: what binds a member's signature key to an identity. The library reads basic and x509
/// credentials and carries other types as opaque bytes; whether a credential is acceptable is
/// the application's decision (§5.3.1, a credential validator).
struct Credential {
  CredentialType credential_type = CredentialType::kBasic;  ///< basic, x509 or another type
  /// basic: identity; x509: certificate chain, leaf first; multi and weak-multi (extensions
  /// draft): the bindings; other: opaque body.
  std::variant<Bytes, std::vector<Certificate>, OpaqueCredential, MultiCredential> content;

  /// A basic credential: the identity alone, vouched for by nothing (§5.3).
  static Credential basic(Bytes identity);
  /// An X.509 credential: the chain, leaf first (§5.3).
  static Credential x509(std::vector<Certificate> chain);

  /// Extensions draft §Multi-Credentials: a multi (or, with `weak`, weak-multi) credential.
  static Credential multi(std::vector<CredentialBinding> bindings, bool weak = false);

  /// The identity of a basic credential. Null unless the credential is of that type.
  const Bytes* identity() const { return std::get_if<Bytes>(&content); }
  /// The chain of an x509 credential; null for other types.
  const std::vector<Certificate>* certificates() const {
    return std::get_if<std::vector<Certificate>>(&content);
  }

  /// The bindings of a multi or weak-multi credential; null for other types.
  const MultiCredential* multi_credential() const { return std::get_if<MultiCredential>(&content); }
  /// True for the types of the extensions draft's §Multi-Credentials.
  bool is_multi() const {
    return credential_type == CredentialType::kMulti ||
           credential_type == CredentialType::kWeakMulti;
  }

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks
  /// (kMultiCredentialNested: a binding's credential is itself a multi-credential).
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const Credential&, const Credential&) = default;
};

/// Extensions draft §Multi-Credentials: one credential bound to the signature key of the
/// LeafNode that carries the multi-credential, signed by the credential's own key.
struct CredentialBinding {
  uint16_t cipher_suite = 0;  ///< the suite of credential_key; need not be the group's
  Credential credential;      ///< never itself multi or weak-multi (kMultiCredentialNested)
  Bytes credential_key;       ///< SignaturePublicKey that `credential` vouches for
  /// SignWithLabel(credential's private key, "CredentialBindingTBS", CredentialBindingTBS)
  Bytes signature;
  CONCLAVE_TLS_FIELDS(cipher_suite, credential, credential_key, signature)
  /// Field by field.
  friend bool operator==(const CredentialBinding&, const CredentialBinding&) = default;
};

/// Extensions draft §Credential Bindings: what a binding's signature covers, the binding's
/// fields and the signature_key of the LeafNode the multi-credential is embedded in.
struct CredentialBindingTbs {
  uint16_t cipher_suite = 0;  ///< the binding's cipher_suite
  Credential credential;      ///< the binding's credential
  Bytes credential_key;       ///< the binding's credential_key
  Bytes signature_key;        ///< the LeafNode's signature_key
  CONCLAVE_TLS_FIELDS(cipher_suite, credential, credential_key, signature_key)
};

/// Extensions draft §MLS Signature Labels: the label of a binding's signature.
inline constexpr std::string_view kCredentialBindingLabel = "CredentialBindingTBS";

/// Binding by binding.
inline bool operator==(const MultiCredential& a, const MultiCredential& b) {
  return a.bindings == b.bindings;
}

}  // namespace conclave::wire
