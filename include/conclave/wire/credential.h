/// @file
/// Credentials (RFC 9420 §5.3).
#pragma once

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

/// §5.3: what binds a member's signature key to an identity. The library reads basic and x509
/// credentials and carries other types as opaque bytes; whether a credential is acceptable is
/// the application's decision (§5.3.1, a credential validator).
struct Credential {
  CredentialType credential_type = CredentialType::kBasic;  ///< basic, x509 or another type
  /// basic: identity; x509: certificate chain, leaf first; other: opaque body.
  std::variant<Bytes, std::vector<Certificate>, OpaqueCredential> content;

  /// A basic credential: the identity alone, vouched for by nothing (§5.3).
  static Credential basic(Bytes identity);
  /// An X.509 credential: the chain, leaf first (§5.3).
  static Credential x509(std::vector<Certificate> chain);

  /// The identity of a basic credential. Null unless the credential is of that type.
  const Bytes* identity() const { return std::get_if<Bytes>(&content); }
  /// The chain of an x509 credential; null for other types.
  const std::vector<Certificate>* certificates() const {
    return std::get_if<std::vector<Certificate>>(&content);
  }

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const Credential&, const Credential&) = default;
};

}  // namespace conclave::wire
