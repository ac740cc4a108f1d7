// Extensions (RFC 9420 §7.2, §13) and the contents of the extension types §17.3 defines.
#pragma once

#include <optional>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/credential.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

// Unknown extension types keep their data as opaque bytes (§13).
struct Extension {
  ExtensionType extension_type{};
  Bytes extension_data;
  CONCLAVE_TLS_FIELDS(extension_type, extension_data)
  friend bool operator==(const Extension&, const Extension&) = default;
};

using ExtensionList = std::vector<Extension>;

// The first extension of the given type, or nullptr.
const Extension* find_extension(const ExtensionList& list, ExtensionType type);
// True when no extension type appears twice (§13.4: a list with duplicates is invalid).
bool extension_types_unique(const ExtensionList& list);

// §11.1 (extension type required_capabilities).
struct RequiredCapabilities {
  std::vector<ExtensionType> extension_types;
  std::vector<ProposalType> proposal_types;
  std::vector<CredentialType> credential_types;
  CONCLAVE_TLS_FIELDS(extension_types, proposal_types, credential_types)
  friend bool operator==(const RequiredCapabilities&, const RequiredCapabilities&) = default;
};

// §12.4.3.2 (extension type external_pub).
struct ExternalPub {
  HpkePublicKey external_pub;
  CONCLAVE_TLS_FIELDS(external_pub)
  friend bool operator==(const ExternalPub&, const ExternalPub&) = default;
};

// §12.1.8.1 (extension type external_senders holds a vector of these).
struct ExternalSender {
  SignaturePublicKey signature_key;
  Credential credential;
  CONCLAVE_TLS_FIELDS(signature_key, credential)
  friend bool operator==(const ExternalSender&, const ExternalSender&) = default;
};

}  // namespace conclave::wire
