// Between the harness contract's fields (mls_client.proto) and the library's types, read the
// way tools/interop/README.md fixes. Every failure is a conclave::Error naming the field.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "conclave/base/bytes.h"
#include "conclave/base/error.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/group.h"
#include "conclave/wire/message.h"
#include "mls_client.pb.h"
#include "state.h"

namespace conclave::interop {

// Protobuf `bytes` fields are std::string.
inline BytesView view(const std::string& s) {
  return as_bytes(s);
}
inline std::string str(BytesView b) {
  return std::string(b.begin(), b.end());
}

// Decodes `bytes` as a T (RFC 9420 §2.1, strict); a codec error names the field.
template <class T>
T decode_field(const std::string& bytes, const char* field) {
  try {
    return codec::decode<T>(view(bytes));
  } catch (const Error& e) {
    throw Error(e.code(), std::string(field) + ": " + e.detail());
  }
}

// An MLSMessage (RFC 9420 §6) from `field`, strictly decoded.
wire::MlsMessage decode_message(const std::string& bytes, const char* field);
// An MLSMessage of wire format mls_key_package / mls_group_info (§6).
wire::KeyPackage decode_key_package(const std::string& bytes, const char* field);
wire::GroupInfo decode_group_info(const std::string& bytes, const char* field);
// §12.4.3.3 optional<Node> ratchet_tree<V>; empty bytes: none supplied.
std::optional<wire::RatchetTreeNodes> decode_tree(const std::string& bytes);
std::string encode_message(const wire::MlsMessage& message);
std::string encode_tree(const wire::RatchetTreeNodes& nodes);

// A uint32 field holding a uint16 cipher suite (§17.1); out of range: kUnsupportedCipherSuite.
uint16_t cipher_suite_id(uint32_t value);
wire::ExtensionList extensions_of(
    const google::protobuf::RepeatedPtrField<mls_client::Extension>& extensions);

// A fresh signature key pair with a basic credential (§5.3) holding `identity`.
Identity new_identity(const crypto::Suite& suite, const std::string& identity);
// How every group of this server behaves; encrypt_handshake picks the handshake wire format.
GroupConfig group_config(bool encrypt_handshake);
// The policy of every group: external PSKs from `psks`.
GroupPolicy group_policy(std::shared_ptr<PskStore> psks);

// The leaf of the member whose basic credential identity is `identity` (removed_id).
tree::LeafIndex member_leaf(const Group& group, BytesView identity);
// The same in a tree seen from outside the group.
tree::LeafIndex leaf_in_tree(const wire::RatchetTreeNodes& tree, BytesView identity);
// The tree of a GroupInfo: `supplied` if any, else its ratchet_tree extension (§12.4.3.3).
wire::RatchetTreeNodes tree_of(const wire::GroupInfo& info,
                               const std::optional<wire::RatchetTreeNodes>& supplied);

// A ProposalDescription (by value in a Commit, or from an external sender) as a proposal of
// the group `group_id` in `suite`. `leaf_of` finds a member by identity for "remove". PSK
// proposals get a fresh KDF.Nh psk_nonce (§8.4).
wire::Proposal describe(const mls_client::ProposalDescription& description,
                        const crypto::Suite& suite, BytesView group_id,
                        const std::function<tree::LeafIndex(BytesView)>& leaf_of);

}  // namespace conclave::interop
