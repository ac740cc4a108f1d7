#include "conclave/wire/credential.h"

namespace conclave::wire {

Credential Credential::basic(Bytes identity) {
  return Credential{CredentialType::kBasic, std::move(identity)};
}

Credential Credential::x509(std::vector<Certificate> chain) {
  return Credential{CredentialType::kX509, std::move(chain)};
}

void Credential::tls_encode(codec::Writer& w) const {
  codec::write(w, credential_type);
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, OpaqueCredential>) {
          w.opaque(body.data);
        } else {
          codec::write(w, body);
        }
      },
      content);
}

void Credential::tls_decode(codec::Reader& r) {
  codec::read(r, credential_type);
  switch (credential_type) {
    case CredentialType::kBasic: {
      Bytes identity;
      codec::read(r, identity);
      content = std::move(identity);
      break;
    }
    case CredentialType::kX509: {
      std::vector<Certificate> chain;
      codec::read(r, chain);
      content = std::move(chain);
      break;
    }
    default: {
      BytesView body = r.opaque();
      content = OpaqueCredential{Bytes(body.begin(), body.end())};
      break;
    }
  }
}

}  // namespace conclave::wire
