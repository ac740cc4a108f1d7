/// @file
/// A client's identity in one cipher suite (RFC 9420 §5.3): its credential and signature key
/// pair, and the KeyPackages it publishes (§10).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/suite.h"
#include "conclave/tree/leaf_validation.h"
#include "conclave/wire/credential.h"
#include "conclave/wire/key_package.h"
#include "conclave/wire/leaf_node.h"

namespace conclave {

/// A client's credential and signature key pair in one cipher suite: what it signs its leaves,
/// KeyPackages and messages with.
struct Identity {
  uint16_t cipher_suite = 0;          ///< the suite of the key pair (§17.1)
  wire::Credential credential;        ///< who the client is (§5.3)
  SecretBytes signature_private_key;  ///< the signature private key
  Bytes signature_public_key;         ///< the signature public key, as in its leaves

  /// A fresh signature key pair from the suite's provider.
  static Identity generate(const crypto::Suite& suite, wire::Credential credential);
  /// Field by field.
  friend bool operator==(const Identity&, const Identity&) = default;
};

/// Extensions draft §Multi-Credentials: a credential to bind into a multi-credential, with the
/// key pair it vouches for, of `cipher_suite` (which need not be the group's).
struct CredentialToBind {
  wire::Credential credential;  ///< basic, x509 or another type; not itself multi
  uint16_t cipher_suite = 0;    ///< the suite of the key pair
  SecretBytes private_key;      ///< signs the binding
  Bytes public_key;             ///< the binding's credential_key
};

/// Extensions draft §Credential Bindings: binds `c` to the leaf signature key `signature_key`.
/// Error(kMultiCredentialNested) for a multi-credential, kUnsupportedCipherSuite for an
/// unknown suite.
wire::CredentialBinding bind_credential(const crypto::Suite& suite, const CredentialToBind& c,
                                        BytesView signature_key);

/// Extensions draft §Multi-Credentials: an identity of `suite` with a fresh signature key pair
/// and a multi-credential (weak: weak-multi) binding each of `credentials` to it. Its
/// KeyPackages list the credential type in their capabilities; the other members must list it
/// and each binding's suite and type too (or, weak-multi, one binding's).
Identity generate_multi_credential_identity(const crypto::Suite& suite,
                                            const std::vector<CredentialToBind>& credentials,
                                            bool weak = false);

/// §5.3: a basic credential naming `identity`.
wire::Credential basic_credential(std::string_view identity);

/// §7.2: what a client built on this library supports: version mls10, all seven cipher suites,
/// basic and X.509 credentials, and the extensions draft's self_remove, app_data_update and
/// app_ephemeral proposal types. Default proposal and extension types are never listed.
wire::Capabilities default_capabilities();

/// How create_key_package() (and a group's creator or an external joiner) builds a leaf. A leaf
/// whose capabilities list app_data_dictionary (extensions draft §Attaching Application Data)
/// always carries one with an app_components list naming app_components, safe_aad and each
/// component of the leaf's dictionary, added to the application's own list if it gave one.
struct KeyPackageOptions {
  /// §7.2: seconds since the Unix epoch. Unset: from an hour before `now` to 90 days after.
  std::optional<wire::Lifetime> lifetime;
  /// Unset: default_capabilities().
  std::optional<wire::Capabilities> capabilities;
  wire::ExtensionList extensions;       ///< KeyPackage.extensions
  wire::ExtensionList leaf_extensions;  ///< KeyPackage.leaf_node.extensions
  /// §7.2, §13.4: further (custom) extension and proposal types this client supports, added to
  /// the capabilities. The non-default types of `extensions` and `leaf_extensions` are added
  /// too (§10: "Extensions included in the extensions or leaf_node.extensions fields MUST be
  /// included in the leaf_node.capabilities field").
  std::vector<wire::ExtensionType> extension_types;
  std::vector<wire::ProposalType> proposal_types;  ///< as extension_types, for proposal types
  /// §13.5: random GREASE values in capabilities.cipher_suites, .extensions, .proposals and
  /// .credentials, and a GREASE extension in KeyPackage.extensions and leaf_node.extensions
  /// (both listed in capabilities.extensions, as §7.3 requires). Extensions draft §GREASE: when
  /// the leaf supports app_data_dictionary, also a GREASE component id in its app_components
  /// (and safe_aad) list and a GREASE entry in its dictionary, and a GREASE entry in an
  /// app_data_dictionary of KeyPackage.extensions.
  bool grease = true;
  /// A last_resort extension (type 0x000A) in KeyPackage.extensions: the owner keeps the
  /// private keys after a join, so the package may be used again (KeyPackageStore).
  bool last_resort = false;
  /// Extensions draft §Last-Resort KeyPackages: mark the package the draft's way instead, a
  /// last_resort_key_package component (empty data) in an app_data_dictionary extension of
  /// KeyPackage.extensions (merged into one that `extensions` already holds).
  bool last_resort_component = false;
};

/// A KeyPackage and the private keys that belong with it. The init key is used once, for the
/// Welcome that consumes the package (§10); the encryption key becomes the member's leaf key.
struct KeyPackageBundle {
  wire::KeyPackage key_package;        ///< what is published
  SecretBytes init_private_key;        ///< the private half of key_package.init_key
  SecretBytes encryption_private_key;  ///< the private half of the leaf's encryption_key

  /// §5.2: MakeKeyPackageRef over the encoded KeyPackage.
  Bytes ref(const crypto::Suite& suite) const;
  /// Field by field.
  friend bool operator==(const KeyPackageBundle&, const KeyPackageBundle&) = default;
};

/// §10: a KeyPackage for the identity's suite, leaf source key_package, signed twice (LeafNodeTBS,
/// KeyPackageTBS). `now` is seconds since the Unix epoch.
KeyPackageBundle create_key_package(const crypto::Suite& suite, const Identity& identity,
                                    uint64_t now, const KeyPackageOptions& options = {});

/// §10.1 and the leaf rules of §7.3 that do not depend on a group's tree (those that do are
/// checked when the Add is applied): version (kKeyPackageVersionMismatch), cipher suite
/// (kKeyPackageCipherSuiteMismatch), leaf source, leaf signature, leaf extensions, lifetime,
/// credential, required capabilities (policy.group_context_extensions), no extension type twice
/// (kDuplicateExtension), the KeyPackage signature (kKeyPackageSignatureInvalid) and
/// init_key != encryption_key (kKeyPackageInitKeyReused).
void validate_key_package(const crypto::Suite& suite, const wire::KeyPackage& key_package,
                          const tree::LeafPolicy& policy);

/// True when the KeyPackage is marked last resort: a last_resort extension (type 0x000A,
/// Conclave's own mark) or, extensions draft §Last-Resort KeyPackages, a
/// last_resort_key_package component with empty data in its app_data_dictionary extension (a
/// malformed dictionary marks nothing).
bool is_last_resort(const wire::KeyPackage& key_package);

/// Seconds since the Unix epoch from the system clock.
uint64_t unix_time_now();

}  // namespace conclave
