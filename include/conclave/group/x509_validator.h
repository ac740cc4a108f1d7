/// @file
/// An Authentication Service for X.509 credentials (RFC 9420 §5.3, §5.3.1): the
/// GroupPolicy::credential_validator that verifies each member's certificate chain against the
/// application's trust anchors and binds the leaf certificate to the member's signature key.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/crypto/cipher_suite.h"
#include "conclave/crypto/x509.h"
#include "conclave/group/config.h"
#include "conclave/wire/credential.h"

namespace conclave {

/// The type of GroupPolicy::credential_validator.
using CredentialValidator = decltype(GroupPolicy::credential_validator);

/// How make_x509_credential_validator() decides beyond the chain itself.
struct X509ValidatorOptions {
  /// Accept basic credentials alongside X.509 ones (their identity is then unauthenticated, so
  /// only for groups that mix in members of a trusted channel, or during a migration).
  bool accept_basic = false;
  /// §5.3.1: the application's match of the presented identifiers (subject, subjectAltName)
  /// against its reference identifiers for the member. Unset: any verified chain is accepted.
  std::function<bool(const crypto::X509ChainInfo&)> accept_identity;
  /// Seconds since the Unix epoch at which certificates must be valid; pass the group's
  /// GroupPolicy::clock to keep both in step. Unset: the trust store's setting.
  std::function<uint64_t()> clock;
  /// Told why a credential was rejected (the hook itself can only answer yes or no, which the
  /// group reports as kCredentialRejected): for logs and user-facing diagnostics.
  std::function<void(const wire::Credential&, const Error&)> on_reject;
};

/// §5.3: verifies an X.509 credential for `signature_key` and returns what it attests. Throws the
/// kX509* errors of verify_x509_chain, and kInvalidArgument for a credential of another type.
crypto::X509ChainInfo verify_x509_credential(const crypto::X509TrustStore& store,
                                             crypto::SignatureScheme scheme,
                                             const wire::Credential& credential,
                                             BytesView signature_key,
                                             std::optional<uint64_t> at = std::nullopt);

/// A credential_validator for GroupPolicy: true for an X.509 credential that verifies (and whose
/// identity options.accept_identity accepts), for a basic one when options.accept_basic, false for
/// anything else. `scheme` is the group's cipher suite's (CipherSuite::signature). The validator
/// holds its own copy of the store; it is copyable and may be shared by several groups.
CredentialValidator make_x509_credential_validator(crypto::X509TrustStore store,
                                                   crypto::SignatureScheme scheme,
                                                   X509ValidatorOptions options = {});

}  // namespace conclave
