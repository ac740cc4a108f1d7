#include "credential_check.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "conclave/base/error.h"
#include "conclave/group/x509_validator.h"
#include "ds_error.h"

namespace conclave::ds {
namespace {

DsError rejected(grpc::StatusCode status, const std::string& message) {
  return DsError(status, v1::ERROR_CODE_CREDENTIAL_REJECTED, message);
}

}  // namespace

CredentialCheck::CredentialCheck(std::optional<crypto::X509TrustStore> anchors)
    : anchors_(std::move(anchors)) {}

void CredentialCheck::check(const crypto::Suite& suite, const wire::Credential& credential,
                            std::string_view user, BytesView signature_key) const {
  if (credential.credential_type == wire::CredentialType::kBasic) {
    const Bytes* identity = credential.identity();
    if (!identity || *identity != to_bytes(user))
      throw rejected(grpc::StatusCode::PERMISSION_DENIED,
                     "the basic credential's identity is not the user name");
    return;
  }
  if (credential.credential_type != wire::CredentialType::kX509)
    throw rejected(grpc::StatusCode::INVALID_ARGUMENT,
                   "only basic and X.509 credentials are accepted");
  if (!anchors_)
    throw rejected(grpc::StatusCode::INVALID_ARGUMENT,
                   "X.509 credentials are not accepted: the server has no trust anchors "
                   "(conclave-ds --trust-anchors)");
  crypto::X509ChainInfo info;
  try {
    // The key binding is part of it: the leaf must hold the key the request is signed with.
    info = verify_x509_credential(*anchors_, suite.info().signature, credential, signature_key);
  } catch (const Error& e) {
    // The reason (which certificate, and why) helps the device's owner; it names nothing of
    // the server's beyond the anchors it trusts.
    throw rejected(grpc::StatusCode::PERMISSION_DENIED,
                   std::string("the X.509 credential does not verify: ") + e.what());
  }
  const std::optional<std::string> name = x509_user_name(info);
  if (!name || *name != user)
    throw rejected(
        grpc::StatusCode::PERMISSION_DENIED,
        "the X.509 leaf's subject commonName is not the user name (subject " + info.subject + ")");
}

std::optional<std::string> x509_user_name(const crypto::X509ChainInfo& info) {
  if (info.common_names.size() != 1) return std::nullopt;
  return info.common_names.front();
}

crypto::X509TrustStore load_trust_anchors(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file.is_open()) throw std::runtime_error("cannot read the trust anchors " + path);
  std::ostringstream text;
  text << file.rdbuf();
  crypto::X509TrustStore store;
  try {
    store.add_anchors_pem(text.str());
  } catch (const Error& e) {
    throw std::runtime_error("the trust anchors " + path + ": " + e.what());
  }
  return store;
}

}  // namespace conclave::ds
