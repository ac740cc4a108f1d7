/// @file
/// Proposals (RFC 9420 §12.1).
#pragma once

#include <cstdint>
#include <variant>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/app_proposals.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/key_package.h"
#include "conclave/wire/leaf_node.h"
#include "conclave/wire/psk.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

/// §12.1.1: adds the client of a KeyPackage.
struct Add {
  KeyPackage key_package;  ///< the new member's KeyPackage
  CONCLAVE_TLS_FIELDS(key_package)
  /// Field by field.
  friend bool operator==(const Add&, const Add&) = default;
};

/// §12.1.2: replaces the sender's leaf (new keys, same member).
struct Update {
  LeafNode leaf_node;  ///< the new leaf (source update)
  CONCLAVE_TLS_FIELDS(leaf_node)
  /// Field by field.
  friend bool operator==(const Update&, const Update&) = default;
};

/// §12.1.3: removes a member.
struct Remove {
  uint32_t removed = 0;  ///< the leaf index of the member removed
  CONCLAVE_TLS_FIELDS(removed)
  /// Field by field.
  friend bool operator==(const Remove&, const Remove&) = default;
};

/// §12.1.4: injects a pre-shared key into the next epoch's key schedule.
struct PreSharedKey {
  PreSharedKeyId psk;  ///< the PSK, with a fresh nonce
  CONCLAVE_TLS_FIELDS(psk)
  /// Field by field.
  friend bool operator==(const PreSharedKey&, const PreSharedKey&) = default;
};

/// §12.1.5: ends the group in favour of a new one with these parameters (§11.2).
struct ReInit {
  Bytes group_id;                                     ///< the new group's id
  ProtocolVersion version = ProtocolVersion::kMls10;  ///< its protocol version
  CipherSuiteId cipher_suite = 0;                     ///< its cipher suite
  ExtensionList extensions;                           ///< its GroupContext extensions
  CONCLAVE_TLS_FIELDS(group_id, version, cipher_suite, extensions)
  /// Field by field.
  friend bool operator==(const ReInit&, const ReInit&) = default;
};

/// §12.1.6: the external joiner's contribution to the next epoch's init_secret (§8.3).
struct ExternalInit {
  Bytes kem_output;  ///< encapsulated to the GroupInfo's external_pub
  CONCLAVE_TLS_FIELDS(kem_output)
  /// Field by field.
  friend bool operator==(const ExternalInit&, const ExternalInit&) = default;
};

/// §12.1.7: replaces the GroupContext's extensions.
struct GroupContextExtensions {
  ExtensionList extensions;  ///< the new list, in full
  CONCLAVE_TLS_FIELDS(extensions)
  /// Field by field.
  friend bool operator==(const GroupContextExtensions&, const GroupContextExtensions&) = default;
};

/// A proposal of a type the RFC does not define (§13.3). Its body is carried as one opaque<V>,
/// the layout custom proposal types use; the application interprets it.
struct CustomProposal {
  ProposalType proposal_type{};  ///< its registry or private-use value
  Bytes data;                    ///< its body
  /// Field by field.
  friend bool operator==(const CustomProposal&, const CustomProposal&) = default;
};

/// §12.1: a change to the group, sent alone or inside a Commit.
struct Proposal {
  /// The proposal; its type is the alternative held (CustomProposal names its own). The
  /// extensions draft's AppDataUpdate, AppEphemeral and SelfRemove are alternatives of their own.
  std::variant<Add, Update, Remove, PreSharedKey, ReInit, ExternalInit, GroupContextExtensions,
               AppDataUpdate, AppEphemeral, SelfRemove, CustomProposal>
      content;

  /// The proposal type of the content.
  ProposalType proposal_type() const;

  /// Writes the wire encoding.
  void tls_encode(codec::Writer& w) const;
  /// Reads the wire encoding; throws Error naming the rule a malformed input breaks.
  void tls_decode(codec::Reader& r);
  /// Field by field.
  friend bool operator==(const Proposal&, const Proposal&) = default;
};

}  // namespace conclave::wire
