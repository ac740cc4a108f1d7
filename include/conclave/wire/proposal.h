// Proposals (RFC 9420 §12.1).
#pragma once

#include <cstdint>
#include <variant>

#include "conclave/base/bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/key_package.h"
#include "conclave/wire/leaf_node.h"
#include "conclave/wire/psk.h"
#include "conclave/wire/types.h"

namespace conclave::wire {

struct Add {  // §12.1.1
  KeyPackage key_package;
  CONCLAVE_TLS_FIELDS(key_package)
  friend bool operator==(const Add&, const Add&) = default;
};

struct Update {  // §12.1.2
  LeafNode leaf_node;
  CONCLAVE_TLS_FIELDS(leaf_node)
  friend bool operator==(const Update&, const Update&) = default;
};

struct Remove {  // §12.1.3
  uint32_t removed = 0;
  CONCLAVE_TLS_FIELDS(removed)
  friend bool operator==(const Remove&, const Remove&) = default;
};

struct PreSharedKey {  // §12.1.4
  PreSharedKeyId psk;
  CONCLAVE_TLS_FIELDS(psk)
  friend bool operator==(const PreSharedKey&, const PreSharedKey&) = default;
};

struct ReInit {  // §12.1.5
  Bytes group_id;
  ProtocolVersion version = ProtocolVersion::kMls10;
  CipherSuiteId cipher_suite = 0;
  ExtensionList extensions;
  CONCLAVE_TLS_FIELDS(group_id, version, cipher_suite, extensions)
  friend bool operator==(const ReInit&, const ReInit&) = default;
};

struct ExternalInit {  // §12.1.6
  Bytes kem_output;
  CONCLAVE_TLS_FIELDS(kem_output)
  friend bool operator==(const ExternalInit&, const ExternalInit&) = default;
};

struct GroupContextExtensions {  // §12.1.7
  ExtensionList extensions;
  CONCLAVE_TLS_FIELDS(extensions)
  friend bool operator==(const GroupContextExtensions&, const GroupContextExtensions&) = default;
};

// A proposal of a type the RFC does not define (§13.3). Its body is carried as one opaque<V>,
// the layout custom proposal types use; the application interprets it.
struct CustomProposal {
  ProposalType proposal_type{};
  Bytes data;
  friend bool operator==(const CustomProposal&, const CustomProposal&) = default;
};

struct Proposal {
  std::variant<Add, Update, Remove, PreSharedKey, ReInit, ExternalInit, GroupContextExtensions,
               CustomProposal>
      content;

  ProposalType proposal_type() const;

  void tls_encode(codec::Writer& w) const;
  void tls_decode(codec::Reader& r);
  friend bool operator==(const Proposal&, const Proposal&) = default;
};

}  // namespace conclave::wire
