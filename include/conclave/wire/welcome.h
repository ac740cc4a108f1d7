/// @file
/// GroupInfo and Welcome (RFC 9420 §12.4.3).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/commit.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/group_context.h"
#include "conclave/wire/psk.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

/// §12.4.3: what a new member needs to know about the group's current epoch, signed by a member.
/// A Welcome carries it encrypted; an external joiner fetches it (§12.4.3.2).
struct GroupInfo {
  GroupContext group_context;  ///< the epoch's GroupContext
  ExtensionList extensions;    ///< e.g. ratchet_tree, external_pub
  Mac confirmation_tag;        ///< the epoch's confirmation tag (§6.1)
  uint32_t signer = 0;         ///< the leaf index of the signing member
  Bytes signature;             ///< over GroupInfoTBS
  CONCLAVE_TLS_FIELDS(group_context, extensions, confirmation_tag, signer, signature)

  /// §12.4.3: GroupInfoTBS, the content signed with label "GroupInfoTBS".
  Bytes to_be_signed() const;
  /// Field by field.
  friend bool operator==(const GroupInfo&, const GroupInfo&) = default;
};

/// §12.4.3.1: the path secret of the lowest common ancestor of the committer and the joiner.
struct PathSecret {
  SecretBytes path_secret;  ///< KDF.Nh bytes
  CONCLAVE_TLS_FIELDS(path_secret)
  /// Field by field.
  friend bool operator==(const PathSecret&, const PathSecret&) = default;
};

/// §12.4.3.1: the secrets a Welcome gives one new member, encrypted to its KeyPackage's init_key.
struct GroupSecrets {
  SecretBytes joiner_secret;              ///< the new epoch's joiner_secret (§8)
  std::optional<PathSecret> path_secret;  ///< present when the commit had an UpdatePath
  std::vector<PreSharedKeyId> psks;       ///< the PSKs the commit injected
  CONCLAVE_TLS_FIELDS(joiner_secret, path_secret, psks)
  /// Field by field.
  friend bool operator==(const GroupSecrets&, const GroupSecrets&) = default;
};

/// §12.4.3.1: GroupSecrets encrypted to one new member.
struct EncryptedGroupSecrets {
  KeyPackageRef new_member;                ///< the reference of the member's KeyPackage
  HpkeCiphertext encrypted_group_secrets;  ///< GroupSecrets, encrypted with label "Welcome"
  CONCLAVE_TLS_FIELDS(new_member, encrypted_group_secrets)
  /// Field by field.
  friend bool operator==(const EncryptedGroupSecrets&, const EncryptedGroupSecrets&) = default;
};

/// §12.4.3.1: how the members a commit adds join: their secrets and the encrypted GroupInfo.
struct Welcome {
  CipherSuiteId cipher_suite = 0;              ///< the group's cipher suite
  std::vector<EncryptedGroupSecrets> secrets;  ///< one per new member
  Bytes encrypted_group_info;                  ///< GroupInfo under the welcome key and nonce
  CONCLAVE_TLS_FIELDS(cipher_suite, secrets, encrypted_group_info)
  /// Field by field.
  friend bool operator==(const Welcome&, const Welcome&) = default;
};

}  // namespace conclave::wire
