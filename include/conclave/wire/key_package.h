/// @file
/// KeyPackage (RFC 9420 §10).
#pragma once

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/leaf_node.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

/// §10: what a client publishes so that others can add it to a group: its future leaf and an
/// HPKE key the Welcome is encrypted to, signed with the leaf's signature key.
struct KeyPackage {
  ProtocolVersion version = ProtocolVersion::kMls10;  ///< mls10
  CipherSuiteId cipher_suite = 0;                     ///< the suite of the groups it can join
  HpkePublicKey init_key;                             ///< the Welcome's GroupSecrets go to it
  LeafNode leaf_node;                                 ///< the leaf it becomes (source key_package)
  ExtensionList extensions;                           ///< e.g. last_resort
  Bytes signature;                                    ///< over KeyPackageTBS
  CONCLAVE_TLS_FIELDS(version, cipher_suite, init_key, leaf_node, extensions, signature)

  /// §10: KeyPackageTBS, the content signed with label "KeyPackageTBS".
  Bytes to_be_signed() const;
  /// Field by field.
  friend bool operator==(const KeyPackage&, const KeyPackage&) = default;
};

}  // namespace conclave::wire
