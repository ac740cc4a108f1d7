// GroupInfo and Welcome (RFC 9420 §12.4.3).
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

// §12.4.3
struct GroupInfo {
  GroupContext group_context;
  ExtensionList extensions;
  Mac confirmation_tag;
  uint32_t signer = 0;
  Bytes signature;
  CONCLAVE_TLS_FIELDS(group_context, extensions, confirmation_tag, signer, signature)

  // §12.4.3: GroupInfoTBS, the content signed with label "GroupInfoTBS".
  Bytes to_be_signed() const;
  friend bool operator==(const GroupInfo&, const GroupInfo&) = default;
};

// §12.4.3.1
struct PathSecret {
  SecretBytes path_secret;
  CONCLAVE_TLS_FIELDS(path_secret)
  friend bool operator==(const PathSecret&, const PathSecret&) = default;
};

struct GroupSecrets {
  SecretBytes joiner_secret;
  std::optional<PathSecret> path_secret;
  std::vector<PreSharedKeyId> psks;
  CONCLAVE_TLS_FIELDS(joiner_secret, path_secret, psks)
  friend bool operator==(const GroupSecrets&, const GroupSecrets&) = default;
};

struct EncryptedGroupSecrets {
  KeyPackageRef new_member;
  HpkeCiphertext encrypted_group_secrets;
  CONCLAVE_TLS_FIELDS(new_member, encrypted_group_secrets)
  friend bool operator==(const EncryptedGroupSecrets&, const EncryptedGroupSecrets&) = default;
};

struct Welcome {
  CipherSuiteId cipher_suite = 0;
  std::vector<EncryptedGroupSecrets> secrets;
  Bytes encrypted_group_info;
  CONCLAVE_TLS_FIELDS(cipher_suite, secrets, encrypted_group_info)
  friend bool operator==(const Welcome&, const Welcome&) = default;
};

}  // namespace conclave::wire
