#include "conclave/wire/credential.h"

#include "conclave/base/error.h"

namespace conclave::wire {

namespace {
// True while the bindings of a multi-credential are being decoded, on this thread.
thread_local bool decoding_bindings = false;
}  // namespace

Credential Credential::basic(Bytes identity) {
  return Credential{CredentialType::kBasic, std::move(identity)};
}

Credential Credential::multi(std::vector<CredentialBinding> bindings, bool weak) {
  return Credential{weak ? CredentialType::kWeakMulti : CredentialType::kMulti,
                    MultiCredential{std::move(bindings)}};
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
        } else if constexpr (std::is_same_v<T, MultiCredential>) {
          codec::write(w, body.bindings);
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
    case CredentialType::kMulti:
    case CredentialType::kWeakMulti: {
      // extensions draft §Multi-Credentials. A binding's credential is read by
      // CredentialBinding's fields, which would recurse here: refused one level down, so that
      // no input nests deeper (the draft gives nested multi-credentials no meaning).
      if (decoding_bindings)
        throw Error(ErrorCode::kMultiCredentialNested,
                    "a credential binding holds a multi-credential");
      decoding_bindings = true;
      MultiCredential multi;
      try {
        codec::read(r, multi.bindings);
      } catch (...) {
        decoding_bindings = false;
        throw;
      }
      decoding_bindings = false;
      content = std::move(multi);
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
