#include "convert.h"

#include <algorithm>
#include <utility>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/wire/extension.h"
#include "conclave/wire/psk.h"

namespace conclave::interop {

namespace {

template <class T>
T expect_body(const std::string& bytes, const char* field, const char* what) {
  wire::MlsMessage message = decode_message(bytes, field);
  T* body = std::get_if<T>(&message.body);
  if (body == nullptr)
    throw Error(ErrorCode::kWireFormatMismatch, std::string(field) + ": not " + what);
  return std::move(*body);
}

bool has_identity(const wire::Credential& credential, BytesView identity) {
  const Bytes* id = credential.identity();
  return id != nullptr && std::equal(id->begin(), id->end(), identity.begin(), identity.end());
}

}  // namespace

wire::MlsMessage decode_message(const std::string& bytes, const char* field) {
  return decode_field<wire::MlsMessage>(bytes, field);
}

wire::KeyPackage decode_key_package(const std::string& bytes, const char* field) {
  return expect_body<wire::KeyPackage>(bytes, field, "a KeyPackage");
}

wire::GroupInfo decode_group_info(const std::string& bytes, const char* field) {
  return expect_body<wire::GroupInfo>(bytes, field, "a GroupInfo");
}

std::optional<wire::RatchetTreeNodes> decode_tree(const std::string& bytes) {
  if (bytes.empty()) return std::nullopt;
  return decode_field<wire::RatchetTreeNodes>(bytes, "ratchet_tree");
}

std::string encode_message(const wire::MlsMessage& message) {
  return str(codec::encode(message));
}

std::string encode_tree(const wire::RatchetTreeNodes& nodes) {
  return str(codec::encode(nodes));
}

uint16_t cipher_suite_id(uint32_t value) {
  if (value > 0xFFFF)
    throw Error(ErrorCode::kUnsupportedCipherSuite,
                "cipher suite " + std::to_string(value) + " is not a uint16");
  return static_cast<uint16_t>(value);
}

wire::ExtensionList extensions_of(
    const google::protobuf::RepeatedPtrField<mls_client::Extension>& extensions) {
  wire::ExtensionList list;
  for (const auto& e : extensions) {
    if (e.extension_type() > 0xFFFF)
      throw Error(ErrorCode::kInvalidArgument,
                  "extension type " + std::to_string(e.extension_type()) + " is not a uint16");
    list.push_back(wire::Extension{static_cast<wire::ExtensionType>(e.extension_type()),
                                   to_bytes(view(e.extension_data()))});
  }
  return list;
}

Identity new_identity(const crypto::Suite& suite, const std::string& identity) {
  return Identity::generate(suite, wire::Credential::basic(to_bytes(view(identity))));
}

GroupConfig group_config(bool encrypt_handshake) {
  GroupConfig config;
  config.handshake_format =
      encrypt_handshake ? HandshakeFormat::kPrivate : HandshakeFormat::kPublic;
  // §12.4: an UpdatePath only when the proposals need one or the runner asks (force_path), so
  // that both kinds of commit go over the wire.
  config.always_send_path = 0;
  // §8.6: ResumptionPSKProposal may name any recent epoch; keep more than the default.
  config.resumption_psks_kept = 16;
  return config;
}

GroupPolicy group_policy(std::shared_ptr<PskStore> psks) {
  GroupPolicy policy;
  // The interop runner hands out basic credentials with no Authentication Service behind them.
  policy.credential_validator = insecure_accept_any_credential();
  policy.external_psk = [psks = std::move(psks)](BytesView id) { return psks->find(id); };
  // The runner may ask for an application message while proposals wait for their commit;
  // §12.4's rule is the runner's to follow, not this client's to enforce.
  policy.allow_application_with_pending_proposals = true;
  return policy;
}

tree::LeafIndex member_leaf(const Group& group, BytesView identity) {
  for (const MemberInfo& m : group.members())
    if (has_identity(m.credential, identity)) return m.leaf;
  throw Error(ErrorCode::kInvalidArgument, "no member has identity " + to_hex(identity));
}

tree::LeafIndex leaf_in_tree(const wire::RatchetTreeNodes& tree, BytesView identity) {
  // §4.1: leaves are the even nodes of the array.
  for (size_t node = 0; node < tree.size(); node += 2) {
    const auto& n = tree[node];
    const wire::LeafNode* leaf = n ? n->leaf() : nullptr;
    if (leaf != nullptr && has_identity(leaf->credential, identity))
      return tree::LeafIndex(static_cast<uint32_t>(node / 2));
  }
  throw Error(ErrorCode::kInvalidArgument, "no leaf has identity " + to_hex(identity));
}

wire::RatchetTreeNodes tree_of(const wire::GroupInfo& info,
                               const std::optional<wire::RatchetTreeNodes>& supplied) {
  if (supplied) return *supplied;
  const wire::Extension* ext =
      wire::find_extension(info.extensions, wire::ExtensionType::kRatchetTree);
  if (ext == nullptr)
    throw Error(ErrorCode::kMissingRatchetTree, "no ratchet_tree supplied or in the GroupInfo");
  return codec::decode<wire::RatchetTreeNodes>(ext->extension_data);
}

wire::Proposal describe(const mls_client::ProposalDescription& d, const crypto::Suite& suite,
                        BytesView group_id,
                        const std::function<tree::LeafIndex(BytesView)>& leaf_of) {
  const std::string& type = d.proposal_type();
  const auto nonce = [&] { return suite.random(suite.hash_len()); };
  if (type == "add")
    return wire::Proposal{wire::Add{decode_key_package(d.key_package(), "key_package")}};
  if (type == "remove") return wire::Proposal{wire::Remove{leaf_of(view(d.removed_id())).value}};
  if (type == "externalPSK")
    return wire::Proposal{
        wire::PreSharedKey{wire::PreSharedKeyId::external(to_bytes(view(d.psk_id())), nonce())}};
  if (type == "resumptionPSK")
    return wire::Proposal{wire::PreSharedKey{wire::PreSharedKeyId::resumption(
        wire::ResumptionPskUsage::kApplication, to_bytes(group_id), d.epoch_id(), nonce())}};
  if (type == "groupContextExtensions")
    return wire::Proposal{wire::GroupContextExtensions{extensions_of(d.extensions())}};
  if (type == "reinit") {
    const crypto::Suite next(suite.provider_ptr(), cipher_suite_id(d.cipher_suite()));
    wire::ReInit reinit{to_bytes(view(d.group_id())), wire::ProtocolVersion::kMls10, next.id(),
                        extensions_of(d.extensions())};
    // As Group::propose_reinit does: an unnamed new group gets KDF.Nh random bytes (§11).
    if (reinit.group_id.empty()) reinit.group_id = next.random(next.hash_len());
    return wire::Proposal{std::move(reinit)};
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown proposal_type \"" + type + "\"");
}

}  // namespace conclave::interop
