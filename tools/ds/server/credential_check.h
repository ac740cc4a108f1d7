// The Authentication Service's check of a registering device's credential (RFC 9420 §5.3,
// RFC 9750 §6): that it names the user and holds the device's signature key.
//
// Basic credentials: the identity is the user name (unauthenticated: the first registration of
// a name wins). X.509 credentials: the chain verifies to one of the server's trust anchors
// (the library's verify_x509_credential, which also binds the leaf's key to the signature key),
// and the leaf's subject has exactly one commonName, which is the user name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "conclave/base/bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/crypto/x509.h"
#include "conclave/wire/credential.h"

namespace conclave::ds {

class CredentialCheck {
 public:
  // `anchors`: what X.509 chains must verify to; without them X.509 credentials are refused.
  explicit CredentialCheck(std::optional<crypto::X509TrustStore> anchors = std::nullopt);

  // Throws DsError(CREDENTIAL_REJECTED) unless `credential` names `user` and, for X.509, its
  // leaf holds `signature_key` of `suite`'s signature scheme.
  void check(const crypto::Suite& suite, const wire::Credential& credential, std::string_view user,
             BytesView signature_key) const;

 private:
  std::optional<crypto::X509TrustStore> anchors_;
};

// The user name an X.509 credential's verified leaf names: its subject's commonName, when there
// is exactly one (none, or several, name no user).
std::optional<std::string> x509_user_name(const crypto::X509ChainInfo& info);

// The certificates of a PEM file (conclave-ds --trust-anchors) as a trust store. Throws
// std::runtime_error naming the file when it cannot be read or holds no certificate.
crypto::X509TrustStore load_trust_anchors(const std::string& path);

}  // namespace conclave::ds
