// RFC 9420 §12.3: applying a validated proposal list to the tree, and the PSKs it names (§8.4).
#include <unordered_set>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/schedule/psk.h"
#include "conclave/tree/leaf_validation.h"
#include "proposal_checks.h"

namespace conclave {

using detail::leaf_text;

wire::ExtensionList Group::apply_proposals(const std::vector<ResolvedProposal>& proposals,
                                           StagedCommit& out) {
  wire::ExtensionList extensions = context_.extensions;
  for (const auto& rp : proposals) {
    if (const auto* gce = std::get_if<wire::GroupContextExtensions>(&rp.proposal.content)) {
      // §12.1.7: the new extensions apply to the rest of the list. "Excluding those removed":
      // members the list removes need not support them.
      std::unordered_set<uint32_t> removed;
      for (const auto& p : proposals)
        if (const auto* remove = std::get_if<wire::Remove>(&p.proposal.content))
          removed.insert(remove->removed);
      check_group_context_extensions(gce->extensions, removed);
      extensions = gce->extensions;
    }
  }
  const tree::LeafPolicy policy = leaf_policy(extensions);
  for (const auto& rp : proposals) {
    if (const auto* update = std::get_if<wire::Update>(&rp.proposal.content)) {
      const tree::LeafIndex l(rp.sender.index);
      tree::validate_leaf_node_verified(tree_, update->leaf_node, tree::LeafNodeContext::kUpdate, l,
                                        policy);
      tree_.update_leaf(l, update->leaf_node);
      out.updated_.push_back(l);
    }
  }
  // Extensions draft §SelfRemove Proposal: after the Updates, before the Removes; the leaf
  // removed is the proposal's sender.
  for (const auto& rp : proposals) {
    if (!std::holds_alternative<wire::SelfRemove>(rp.proposal.content)) continue;
    const tree::LeafIndex l(rp.sender.index);
    if (rp.sender.sender_type != wire::SenderType::kMember || !tree_.contains(l) ||
        tree_.leaf(l) == nullptr)
      throw Error(ErrorCode::kSelfRemoveSenderNotMember, "a SelfRemove of " + leaf_text(l));
    out.removed_.push_back(RemovedMember{l, *tree_.leaf(l)});
    out.self_removed_.push_back(l);
    tree_.remove_leaf(l);
  }
  for (const auto& rp : proposals) {
    if (const auto* remove = std::get_if<wire::Remove>(&rp.proposal.content)) {
      const tree::LeafIndex l(remove->removed);
      if (!tree_.contains(l) || tree_.leaf(l) == nullptr)
        throw Error(ErrorCode::kInvalidProposal, "Remove of " + leaf_text(l) + ", not a member");
      out.removed_.push_back(RemovedMember{l, *tree_.leaf(l)});
      tree_.remove_leaf(l);
    }
  }
  for (const auto& rp : proposals) {
    if (const auto* add = std::get_if<wire::Add>(&rp.proposal.content)) {
      tree::validate_leaf_node_verified(tree_, add->key_package.leaf_node,
                                        tree::LeafNodeContext::kKeyPackage,
                                        tree_.leftmost_blank_leaf(), policy);
      const tree::LeafIndex l = tree_.add_leaf(add->key_package.leaf_node);
      out.added_.push_back(AddedMember{l, add->key_package});
    } else if (const auto* psk = std::get_if<wire::PreSharedKey>(&rp.proposal.content)) {
      out.psks_.push_back(psk->psk);
    } else if (const auto* reinit = std::get_if<wire::ReInit>(&rp.proposal.content)) {
      out.reinit_ = *reinit;
    } else if (const auto* custom = std::get_if<wire::CustomProposal>(&rp.proposal.content)) {
      out.custom_.push_back(CommittedCustomProposal{rp.sender, *custom});
    }
  }
  // Extensions draft: AppEphemeral, then AppDataUpdate, after the default proposals.
  apply_app_proposals(proposals, extensions, out);
  return extensions;
}

SecretBytes Group::psk_secret(const std::vector<wire::PreSharedKeyId>& ids) const {
  std::vector<schedule::PskInput> inputs;
  for (const auto& id : ids) {
    std::optional<SecretBytes> psk = find_psk(id);
    if (!psk) throw Error(ErrorCode::kPskNotFound, "a PSK named by the commit is not available");
    inputs.push_back(schedule::PskInput{id, std::move(*psk)});
  }
  return schedule::derive_psk_secret(suite_, inputs);
}

}  // namespace conclave
