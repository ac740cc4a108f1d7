// Extensibility (RFC 9420 §13): custom proposal types registered in the GroupConfig, the
// GroupContext extensions a creator or joiner must support, and joining from a KeyPackageStore
// (last_resort KeyPackages, §17.3 extension type 0x000A).
#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/group/group.h"
#include "conclave/tree/leaf_validation.h"

namespace conclave {

namespace {

std::string type_text(uint16_t type) {
  return std::to_string(type);
}

const CustomProposalType* registration(const GroupConfig& config, wire::ProposalType type) {
  for (const auto& r : config.custom_proposals)
    if (r.type == static_cast<uint16_t>(type)) return &r;
  return nullptr;
}

}  // namespace

KeyPackageOptions key_package_options_for(const GroupConfig& config) {
  KeyPackageOptions options;
  for (const auto& r : config.custom_proposals)
    options.proposal_types.push_back(static_cast<wire::ProposalType>(r.type));
  return options;
}

// --- custom proposals (§13.2) --------------------------------------------------------------------

void Group::check_custom_proposal(const wire::CustomProposal& proposal) const {
  const wire::ProposalType type = proposal.proposal_type;
  const auto value = static_cast<uint16_t>(type);
  // §13.5: GREASE values "MUST NOT be sent in Proposal.proposal_type" and are handled "using
  // normal logic for processing unsupported values": never registered, so unsupported.
  if (value == 0 || tree::is_default_proposal_type(type) || wire::is_grease(value) ||
      registration(config_, type) == nullptr)
    throw Error(ErrorCode::kProposalTypeUnsupported,
                "proposal type " + type_text(value) + " is not a registered custom type");
}

bool Group::requires_path(wire::ProposalType type) const {
  // §12.4 (and the "Path Required" column of §17.4): Add, PreSharedKey and ReInit need no
  // UpdatePath; the other default types do. A custom type as registered; an unregistered one
  // (rejected before this is asked) would need one.
  using wire::ProposalType;
  if (type == ProposalType::kAdd || type == ProposalType::kPsk || type == ProposalType::kReinit)
    return false;
  // Extensions draft §IANA Considerations, "Path Required": SelfRemove Y; AppDataUpdate and
  // AppEphemeral N.
  if (type == ProposalType::kSelfRemove) return true;
  if (type == ProposalType::kAppDataUpdate || type == ProposalType::kAppEphemeral) return false;
  if (tree::is_default_proposal_type(type)) return true;
  const CustomProposalType* r = registration(config_, type);
  return r == nullptr || r->requires_path != 0;
}

wire::MlsMessage Group::propose_custom(wire::ProposalType type, BytesView data, BytesView aad) {
  check_can_propose();
  const auto value = static_cast<uint16_t>(type);
  // The extensions draft's types (8-10) have structs of their own: a CustomProposal of one
  // would be encoded in a layout that decodes as something else.
  const bool draft_type = type == wire::ProposalType::kAppDataUpdate ||
                          type == wire::ProposalType::kAppEphemeral ||
                          type == wire::ProposalType::kSelfRemove;
  if (value == 0 || tree::is_default_proposal_type(type) || draft_type || wire::is_grease(value))
    throw Error(ErrorCode::kInvalidArgument,
                "proposal type " + type_text(value) +
                    " is a default, extensions draft, reserved or GREASE type");
  wire::CustomProposal custom{type, to_bytes(data)};
  check_custom_proposal(custom);
  // §12.2: a Commit may only cover it when every member supports it; refused now rather than
  // sent in vain.
  for (tree::LeafIndex l : tree_.members()) {
    const auto& supported = tree_.leaf(l)->capabilities.proposals;
    if (std::find(supported.begin(), supported.end(), type) == supported.end())
      throw Error(
          ErrorCode::kProposalTypeUnsupported,
          "proposal type " + type_text(value) + " unsupported by leaf " + std::to_string(l.value));
  }
  return send_proposal(wire::Proposal{std::move(custom)}, aad);
}

// --- GroupContext extensions (§13.4) -------------------------------------------------------------

KeyPackageOptions Group::creator_leaf_options(const CreateOptions& options) {
  KeyPackageOptions leaf = options.leaf;
  leaf.extensions.clear();
  leaf.last_resort = false;
  leaf.last_resort_component = false;
  for (const auto& r : options.config.custom_proposals)
    leaf.proposal_types.push_back(static_cast<wire::ProposalType>(r.type));
  for (const auto& e : options.extensions) {
    // §13.5: "GREASE values MUST NOT be sent in ... GroupContext.extensions".
    if (wire::is_grease(static_cast<uint16_t>(e.extension_type)))
      throw Error(ErrorCode::kInvalidArgument, "a GREASE type among the GroupContext extensions");
    // The creator supports the extensions it puts in the GroupContext (§13.4).
    if (!tree::is_default_extension_type(e.extension_type))
      leaf.extension_types.push_back(e.extension_type);
  }
  return leaf;
}

void Group::check_joiner_support(const wire::KeyPackage& own,
                                 const wire::ExtensionList& group_context_extensions) {
  const auto& supported = own.leaf_node.capabilities.extensions;
  for (const auto& e : group_context_extensions) {
    const auto value = static_cast<uint16_t>(e.extension_type);
    if (tree::is_default_extension_type(e.extension_type)) continue;
    // §13.5: "representations of a client's own capabilities MUST NOT contain GREASE values".
    if (wire::is_grease(value) ||
        std::find(supported.begin(), supported.end(), e.extension_type) == supported.end())
      throw Error(ErrorCode::kGroupExtensionUnsupported,
                  "the group uses extension type " + type_text(value) +
                      ", which this client does not support");
  }
}

wire::ExtensionList Group::extensions_after(const std::vector<ResolvedProposal>& list,
                                            const std::vector<wire::Proposal>& more) const {
  const wire::ExtensionList* last = &context_.extensions;
  for (const auto& rp : list)
    if (const auto* gce = std::get_if<wire::GroupContextExtensions>(&rp.proposal.content))
      last = &gce->extensions;
  for (const auto& p : more)
    if (const auto* gce = std::get_if<wire::GroupContextExtensions>(&p.content))
      last = &gce->extensions;
  return *last;
}

// --- joining from a KeyPackageStore (§12.4.3.1) --------------------------------------------------

Group Group::join(std::shared_ptr<const crypto::CryptoProvider> provider, const Identity& identity,
                  KeyPackageStore& store, const wire::MlsMessage& welcome_message,
                  const std::optional<wire::RatchetTreeNodes>& ratchet_tree, GroupConfig config,
                  GroupPolicy policy) {
  check_policy(policy);
  const auto* welcome = welcome_message.get<wire::Welcome>();
  if (welcome == nullptr)
    throw Error(ErrorCode::kWireFormatMismatch, "join needs an MLSMessage holding a Welcome");
  // §12.4.3.1: "Identify an entry in the secrets array where the new_member value corresponds
  // to one of this client's KeyPackages".
  const KeyPackageBundle* bundle = nullptr;
  Bytes ref;
  for (const auto& entry : welcome->secrets) {
    bundle = store.find(entry.new_member);
    if (bundle != nullptr) {
      ref = entry.new_member;
      break;
    }
  }
  if (bundle == nullptr)
    throw Error(ErrorCode::kWelcomeNotForUs, "the Welcome is for none of the stored KeyPackages");
  Group g = join(std::move(provider), identity, *bundle, welcome_message, ratchet_tree,
                 std::move(config), std::move(policy));
  // The init key is used once (§10), unless the package is last-resort. With storage, the
  // group is stored and the package consumed in one transaction.
  if (store.storage()) {
    storage::WriteBatch batch;
    store.consume_in(batch, ref);
    g.attach_with(store.storage(), std::move(batch));
    if (!is_last_resort(bundle->key_package)) store.forget(ref);
  } else if (!is_last_resort(bundle->key_package)) {
    store.remove(ref);
  }
  return g;
}

}  // namespace conclave
