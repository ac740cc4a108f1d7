#include "conclave/group/x509_validator.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace conclave {

crypto::X509ChainInfo verify_x509_credential(const crypto::X509TrustStore& store,
                                             crypto::SignatureScheme scheme,
                                             const wire::Credential& credential,
                                             BytesView signature_key, std::optional<uint64_t> at) {
  const std::vector<wire::Certificate>* certs = credential.certificates();
  if (certs == nullptr)
    throw Error(ErrorCode::kInvalidArgument,
                "credential type " +
                    std::to_string(static_cast<uint16_t>(credential.credential_type)) +
                    " is not x509");
  std::vector<Bytes> chain;
  chain.reserve(certs->size());
  for (const wire::Certificate& c : *certs)
    chain.push_back(c.cert_data);
  return crypto::verify_x509_chain(store, chain, scheme, signature_key, at);
}

CredentialValidator make_x509_credential_validator(crypto::X509TrustStore store,
                                                   crypto::SignatureScheme scheme,
                                                   X509ValidatorOptions options) {
  // Shared, so copies of the std::function (one per group policy, per LeafPolicy) stay cheap.
  struct State {
    crypto::X509TrustStore store;
    crypto::SignatureScheme scheme;
    X509ValidatorOptions options;
  };
  auto state = std::make_shared<const State>(State{std::move(store), scheme, std::move(options)});
  return [state](const wire::Credential& credential, BytesView signature_key) {
    const X509ValidatorOptions& opt = state->options;
    const auto reject = [&](const Error& why) {
      if (opt.on_reject) opt.on_reject(credential, why);
      return false;
    };
    switch (credential.credential_type) {
      case wire::CredentialType::kX509: break;
      case wire::CredentialType::kBasic:
        if (opt.accept_basic) return true;
        return reject(Error(ErrorCode::kCredentialRejected, "basic credentials are not accepted"));
      default:
        return reject(Error(ErrorCode::kCredentialRejected,
                            "credential type " +
                                std::to_string(static_cast<uint16_t>(credential.credential_type)) +
                                " is not accepted"));
    }
    std::optional<crypto::X509ChainInfo> info;
    try {
      std::optional<uint64_t> at;
      if (opt.clock) at = opt.clock();
      info = verify_x509_credential(state->store, state->scheme, credential, signature_key, at);
    } catch (const Error& e) {
      // The hook answers yes or no; the group turns the no into kCredentialRejected (§5.3.1).
      return reject(e);
    }
    if (opt.accept_identity && !opt.accept_identity(*info))
      return reject(Error(ErrorCode::kCredentialRejected,
                          "the identities of " + info->subject + " are not accepted"));
    return true;
  };
}

}  // namespace conclave
