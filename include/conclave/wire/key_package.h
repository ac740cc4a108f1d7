// KeyPackage (RFC 9420 §10).
#pragma once

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/leaf_node.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

struct KeyPackage {
  ProtocolVersion version = ProtocolVersion::kMls10;
  CipherSuiteId cipher_suite = 0;
  HpkePublicKey init_key;
  LeafNode leaf_node;
  ExtensionList extensions;
  Bytes signature;
  CONCLAVE_TLS_FIELDS(version, cipher_suite, init_key, leaf_node, extensions, signature)

  // §10: KeyPackageTBS, the content signed with label "KeyPackageTBS".
  Bytes to_be_signed() const;
  friend bool operator==(const KeyPackage&, const KeyPackage&) = default;
};

}  // namespace conclave::wire
