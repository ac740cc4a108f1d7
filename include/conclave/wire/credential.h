// Credentials (RFC 9420 §5.3).
#pragma once

#include <variant>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

struct Certificate {
  Bytes cert_data;  // one DER certificate
  CONCLAVE_TLS_FIELDS(cert_data)
  friend bool operator==(const Certificate&, const Certificate&) = default;
};

// A credential of a type this library does not interpret. The RFC gives no body layout for
// such types; like other MLS stacks we carry the body as one opaque<V>, which is what the
// credential types registered so far beyond basic and x509 use.
struct OpaqueCredential {
  Bytes data;
  friend bool operator==(const OpaqueCredential&, const OpaqueCredential&) = default;
};

struct Credential {
  CredentialType credential_type = CredentialType::kBasic;
  // basic: identity; x509: certificate chain, leaf first; other: opaque body.
  std::variant<Bytes, std::vector<Certificate>, OpaqueCredential> content;

  static Credential basic(Bytes identity);
  static Credential x509(std::vector<Certificate> chain);

  // Null unless the credential is of that type.
  const Bytes* identity() const { return std::get_if<Bytes>(&content); }
  const std::vector<Certificate>* certificates() const {
    return std::get_if<std::vector<Certificate>>(&content);
  }

  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const Credential&, const Credential&) = default;
};

}  // namespace conclave::wire
