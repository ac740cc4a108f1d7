/// @file
/// Extensions (RFC 9420 §7.2, §13) and the contents of the extension types §17.3 defines.
#pragma once

#include <optional>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/credential.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

/// §7.2, §13: one extension of a leaf, KeyPackage, GroupContext or GroupInfo. Unknown extension
/// types keep their data as opaque bytes (§13).
struct Extension {
  ExtensionType extension_type{};  ///< the registry value (§17.3)
  Bytes extension_data;            ///< the encoded content, by type
  CONCLAVE_TLS_FIELDS(extension_type, extension_data)
  /// Field by field.
  friend bool operator==(const Extension&, const Extension&) = default;
};

/// An extension list as it appears in every structure that carries one.
using ExtensionList = std::vector<Extension>;

/// The first extension of the given type, or nullptr.
const Extension* find_extension(const ExtensionList& list, ExtensionType type);
/// True when no extension type appears twice (§13.4: a list with duplicates is invalid).
bool extension_types_unique(const ExtensionList& list);

/// §11.1 (extension type required_capabilities): what every member of the group must support.
struct RequiredCapabilities {
  std::vector<ExtensionType> extension_types;    ///< extension types every leaf supports
  std::vector<ProposalType> proposal_types;      ///< proposal types every leaf supports
  std::vector<CredentialType> credential_types;  ///< credential types every leaf supports
  CONCLAVE_TLS_FIELDS(extension_types, proposal_types, credential_types)
  /// Field by field.
  friend bool operator==(const RequiredCapabilities&, const RequiredCapabilities&) = default;
};

/// §12.4.3.2 (extension type external_pub): the key an external joiner encrypts to.
struct ExternalPub {
  HpkePublicKey external_pub;  ///< the epoch's external public key (§8)
  CONCLAVE_TLS_FIELDS(external_pub)
  /// Field by field.
  friend bool operator==(const ExternalPub&, const ExternalPub&) = default;
};

/// §12.1.8.1 (extension type external_senders holds a vector of these).
struct ExternalSender {
  SignaturePublicKey signature_key;  ///< the key its proposals are signed with
  Credential credential;             ///< who it is
  CONCLAVE_TLS_FIELDS(signature_key, credential)
  /// Field by field.
  friend bool operator==(const ExternalSender&, const ExternalSender&) = default;
};

}  // namespace conclave::wire
