// RFC 9420 §12.1 (each proposal on its own) and §12.2 (a list of proposals, for a commit).
#include <algorithm>
#include <string>
#include <unordered_set>

#include "conclave/base/detail/parallel.h"
#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/tree/negotiation.h"
#include "proposal_checks.h"

namespace conclave {

using detail::leaf_text;
using wire::ProposalType;

namespace detail {

// check_added() then reports it in list order, on this thread.
std::vector<std::exception_ptr> validate_added_key_packages(
    const crypto::Suite& suite, const std::vector<const wire::Proposal*>& proposals,
    tree::LeafPolicy policy, unsigned max_threads) {
  policy.credential_validator = nullptr;  // the application's code runs on its own thread only
  std::vector<std::exception_ptr> failures(proposals.size());
  constexpr size_t kMinPerThread = 16;
  parallel_chunks(
      proposals.size(), kMinPerThread,
      [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i) {
          const auto* add = std::get_if<wire::Add>(&proposals[i]->content);
          if (add == nullptr) continue;
          try {
            validate_key_package(suite, add->key_package, policy);
          } catch (...) {
            failures[i] = std::current_exception();
          }
        }
      },
      max_threads);
  return failures;
}

void check_added(const wire::Add& add, const std::exception_ptr& failure,
                 const tree::LeafPolicy& policy) {
  if (failure) std::rethrow_exception(failure);
  tree::check_leaf_credential(add.key_package.leaf_node, tree::LeafIndex(0), policy);
}

}  // namespace detail

// --- single proposals (§12.1) --------------------------------------------------------------------

void Group::check_proposal(const wire::Sender& sender, const wire::Proposal& proposal) const {
  const ProposalType type = proposal.proposal_type();
  const auto type_text = [&] { return std::to_string(static_cast<uint16_t>(type)); };
  // Extensions draft §SelfRemove Proposal: its own typed errors, before the generic sender rules.
  if (std::holds_alternative<wire::SelfRemove>(proposal.content)) check_self_remove(sender);
  // Extensions draft §AppDataUpdate, §AppEphemeral (and a GroupContextExtensions while
  // AppDataUpdate is required): app_data_update.cpp.
  check_app_proposal(proposal);
  // Extensions draft, IANA "External: Y" for both, and "can be included in an external Commit".
  const bool app_type = type == ProposalType::kAppDataUpdate || type == ProposalType::kAppEphemeral;
  // Which sender may send what: members anything but ExternalInit; external senders the
  // types of §12.1.8; a new member only its own Add (§12.1.8); an external committer only
  // ExternalInit, Remove and PreSharedKey, by value (§12.2).
  switch (sender.sender_type) {
    case wire::SenderType::kMember:
      if (type == ProposalType::kExternalInit)
        throw Error(ErrorCode::kExternalInitInMemberCommit,
                    "ExternalInit is only sent in an external commit");
      break;
    case wire::SenderType::kExternal:
      if (type != ProposalType::kAdd && type != ProposalType::kRemove &&
          type != ProposalType::kPsk && type != ProposalType::kReinit &&
          type != ProposalType::kGroupContextExtensions && !app_type)
        throw Error(ErrorCode::kSenderNotAllowed,
                    "proposal type " + type_text() + " from an external sender");
      break;
    case wire::SenderType::kNewMemberProposal:
      if (type != ProposalType::kAdd)
        throw Error(ErrorCode::kSenderNotAllowed,
                    "proposal type " + type_text() + " from a new_member_proposal sender");
      break;
    case wire::SenderType::kNewMemberCommit:
      if (type != ProposalType::kExternalInit && type != ProposalType::kRemove &&
          type != ProposalType::kPsk && !app_type)
        throw Error(ErrorCode::kExternalCommitInvalid,
                    "proposal type " + type_text() + " in an external commit");
      break;
    default: throw Error(ErrorCode::kSenderNotAllowed, "an unknown sender type");
  }
  if (const auto* remove = std::get_if<wire::Remove>(&proposal.content)) {
    // §12.1.3: the removed leaf must be a member.
    const tree::LeafIndex l(remove->removed);
    if (!tree_.contains(l) || tree_.leaf(l) == nullptr)
      throw Error(ErrorCode::kInvalidProposal, "Remove of " + leaf_text(l) + ", not a member");
  } else if (const auto* psk = std::get_if<wire::PreSharedKey>(&proposal.content)) {
    // §12.1.4
    if (psk->psk.psk_nonce.size() != suite_.hash_len())
      throw Error(ErrorCode::kPskNonceInvalid, "psk_nonce is not KDF.Nh bytes");
    // §12.1.4, §11.2, §11.3: usage reinit and branch only in the first commit of a new group
    // that Group::reinit or Group::branch makes.
    if (psk->psk.psktype == wire::PskType::kResumption &&
        psk->psk.usage != wire::ResumptionPskUsage::kApplication &&
        !(founding_psk_ && founding_psk_->id == psk->psk))
      throw Error(ErrorCode::kPskUsageInvalid,
                  "a resumption PSK of usage reinit or branch outside reinit or branching");
  } else if (const auto* reinit = std::get_if<wire::ReInit>(&proposal.content)) {
    // §12.1.5: no downgrade of the protocol version.
    if (static_cast<uint16_t>(reinit->version) < static_cast<uint16_t>(context_.version))
      throw Error(ErrorCode::kInvalidProposal, "ReInit to an older protocol version");
    if (!wire::extension_types_unique(reinit->extensions))
      throw Error(ErrorCode::kDuplicateExtension, "the ReInit's extensions repeat a type");
  } else if (const auto* add = std::get_if<wire::Add>(&proposal.content)) {
    validate_key_package(suite_, add->key_package, leaf_policy(context_.extensions));
  } else if (const auto* update = std::get_if<wire::Update>(&proposal.content)) {
    tree::validate_leaf_node(tree_, update->leaf_node, tree::LeafNodeContext::kUpdate,
                             tree::LeafIndex(sender.index), leaf_policy(context_.extensions));
  } else if (const auto* custom = std::get_if<wire::CustomProposal>(&proposal.content)) {
    check_custom_proposal(*custom);
  }
}

// §12.1.7: every member that stays must support the new GroupContext extensions.
void Group::check_group_context_extensions(const wire::ExtensionList& extensions,
                                           const std::unordered_set<uint32_t>& removed) const {
  if (!wire::extension_types_unique(extensions))
    throw Error(ErrorCode::kDuplicateExtension, "GroupContextExtensions repeat a type");
  tree::check_no_grease_required(extensions);  // extensions draft §GREASE
  for (tree::LeafIndex l : tree_.members()) {
    if (removed.count(l.value) != 0) continue;
    const wire::LeafNode& leaf = *tree_.leaf(l);
    tree::check_required_capabilities(leaf, l, extensions);
    for (const auto& ext : extensions) {
      if (tree::is_default_extension_type(ext.extension_type)) continue;
      const auto& caps = leaf.capabilities.extensions;
      if (std::find(caps.begin(), caps.end(), ext.extension_type) == caps.end())
        throw Error(ErrorCode::kRequiredCapabilityMissing,
                    leaf_text(l) + " does not support a new group extension");
    }
  }
}

// --- proposal lists (§12.2) ----------------------------------------------------------------------

// --- the proposals received this epoch ---------------------------------------------------------

const Group::CachedProposal* Group::find_proposal(BytesView ref) const {
  const auto it = proposal_positions_.find(detail::bytes_key(ref));
  return it == proposal_positions_.end() ? nullptr : &proposals_[it->second];
}

void Group::cache_proposal(CachedProposal proposal) {
  // A proposal received twice (the same ref) is cached once.
  if (proposal_positions_.emplace(detail::bytes_key(proposal.ref), proposals_.size()).second)
    proposals_.push_back(std::move(proposal));
}

void Group::clear_proposals() {
  proposals_.clear();
  proposal_positions_.clear();
}

std::vector<Group::ResolvedProposal> Group::resolve(const wire::Commit& commit,
                                                    const wire::Sender& committer) const {
  std::vector<ResolvedProposal> out;
  out.reserve(commit.proposals.size());
  for (const auto& por : commit.proposals) {
    if (const auto* p = por.proposal()) {
      out.push_back(ResolvedProposal{committer, *p, std::nullopt});
      continue;
    }
    const CachedProposal* cached = find_proposal(*por.reference());
    if (cached == nullptr)
      throw Error(ErrorCode::kUnknownProposalRef, "a proposal reference not received this epoch");
    out.push_back(ResolvedProposal{cached->sender, cached->proposal, cached->ref});
  }
  return out;
}

void Group::validate_proposal_list(const std::vector<ResolvedProposal>& proposals,
                                   std::optional<tree::LeafIndex> committer, bool external) const {
  if (external) {
    // §12.2: exactly one ExternalInit, at most one Remove, PreSharedKeys, nothing else.
    size_t inits = 0;
    size_t removes = 0;
    std::vector<Bytes> psk_ids;
    std::unordered_set<uint32_t> self_removed;
    std::optional<uint32_t> removed;
    for (const auto& rp : proposals) {
      // Extensions draft §SelfRemove Proposal: "allowed in external Commits", by reference only.
      if (std::holds_alternative<wire::SelfRemove>(rp.proposal.content)) {
        if (!rp.ref)
          throw Error(ErrorCode::kSelfRemoveByValue, "a SelfRemove by value in an external commit");
        if (!self_removed.insert(rp.sender.index).second)
          throw Error(ErrorCode::kSelfRemoveTwice, "two SelfRemoves of one member");
        continue;
      }
      if (rp.ref)
        throw Error(ErrorCode::kExternalCommitInvalid,
                    "an external commit includes a proposal by reference");
      if (std::holds_alternative<wire::ExternalInit>(rp.proposal.content)) {
        ++inits;
      } else if (const auto* remove = std::get_if<wire::Remove>(&rp.proposal.content)) {
        ++removes;
        removed = remove->removed;
      } else if (const auto* psk = std::get_if<wire::PreSharedKey>(&rp.proposal.content)) {
        Bytes id = codec::encode(psk->psk);
        if (std::find(psk_ids.begin(), psk_ids.end(), id) != psk_ids.end())
          throw Error(ErrorCode::kDuplicatePsk, "two PreSharedKey proposals for one PSK");
        psk_ids.push_back(std::move(id));
      } else if (std::holds_alternative<wire::AppDataUpdate>(rp.proposal.content) ||
                 std::holds_alternative<wire::AppEphemeral>(rp.proposal.content)) {
        // Extensions draft §AppDataUpdate, §AppEphemeral: allowed in external Commits (their
        // list rules are checked as they are applied).
      } else {
        throw Error(ErrorCode::kExternalCommitInvalid,
                    "an external commit holds only ExternalInit, Remove and PreSharedKey");
      }
    }
    if (inits != 1)
      throw Error(ErrorCode::kExternalCommitInvalid,
                  "an external commit holds " + std::to_string(inits) + " ExternalInit proposals");
    if (removes > 1)
      throw Error(ErrorCode::kExternalCommitInvalid,
                  "an external commit removes more than one leaf");
    // Extensions draft §SelfRemove Proposal: a Remove of a leaf that removes itself is invalid.
    if (removed && self_removed.count(*removed) != 0)
      throw Error(ErrorCode::kRemoveOfSelfRemoved,
                  "a Remove of " + leaf_text(tree::LeafIndex(*removed)) + ", which removes itself");
    return;
  }
  detail::ProposalListCheck check(tree_, committer);
  for (const auto& rp : proposals) {
    // Extensions draft §SelfRemove Proposal: "only allowed in a Commit by reference".
    if (!rp.ref && std::holds_alternative<wire::SelfRemove>(rp.proposal.content))
      throw Error(ErrorCode::kSelfRemoveByValue, "a SelfRemove by value");
    check.add(rp.sender, rp.proposal, false);
  }
  check.finish();
}

namespace detail {

ProposalListCheck::ProposalListCheck(const tree::RatchetTree& tree,
                                     std::optional<tree::LeafIndex> committer)
    : tree_(tree), committer_(committer) {}

void ProposalListCheck::add(const wire::Sender& sender, const wire::Proposal& proposal,
                            bool keep_valid_now) {
  // Every rule is checked before anything is recorded, so a refused proposal leaves no trace.
  const ProposalType type = proposal.proposal_type();
  std::optional<uint32_t> touched;
  std::string added_key;
  std::string psk_id;
  if (std::holds_alternative<wire::Update>(proposal.content)) {
    const tree::LeafIndex l(sender.index);
    if (committer_ && l == *committer_)
      throw Error(ErrorCode::kUpdateByCommitter, "a Commit covers its sender's own Update");
    touched = l.value;
  } else if (const auto* remove = std::get_if<wire::Remove>(&proposal.content)) {
    const tree::LeafIndex l(remove->removed);
    if (committer_ && l == *committer_)
      throw Error(ErrorCode::kRemoveOfCommitter, "a Commit removes its own sender");
    // Extensions draft §SelfRemove Proposal: "the Remove proposal is invalid".
    if (self_removed_.count(l.value) != 0)
      throw Error(ErrorCode::kRemoveOfSelfRemoved,
                  "a Remove of " + leaf_text(l) + ", which removes itself by SelfRemove");
    touched = l.value;
  } else if (std::holds_alternative<wire::SelfRemove>(proposal.content)) {
    // Extensions draft §SelfRemove Proposal: it removes its sender, like a Remove of that leaf.
    const tree::LeafIndex l(sender.index);
    if (self_removed_.count(l.value) != 0)
      throw Error(ErrorCode::kSelfRemoveTwice, "two SelfRemoves of " + leaf_text(l));
    if (removed_.count(l.value) != 0)
      throw Error(ErrorCode::kRemoveOfSelfRemoved,
                  "a Remove of " + leaf_text(l) + ", which removes itself by SelfRemove");
    if (committer_ && l == *committer_)
      throw Error(ErrorCode::kRemoveOfCommitter, "a Commit covers its sender's own SelfRemove");
    touched = l.value;
  } else if (const auto* add = std::get_if<wire::Add>(&proposal.content)) {
    added_key = bytes_key(add->key_package.leaf_node.signature_key);
    if (added_keys_.count(added_key) != 0)
      throw Error(ErrorCode::kDuplicateAdd, "two Adds for the same client");
    if (keep_valid_now) check_not_member(added_key);
  } else if (const auto* psk = std::get_if<wire::PreSharedKey>(&proposal.content)) {
    psk_id = bytes_key(codec::encode(psk->psk));
    if (psk_ids_.count(psk_id) != 0)
      throw Error(ErrorCode::kDuplicatePsk, "two PreSharedKey proposals for one PSK");
  } else if (std::holds_alternative<wire::GroupContextExtensions>(proposal.content)) {
    if (group_context_extensions_)
      throw Error(ErrorCode::kMultipleGroupContextExtensions,
                  "more than one GroupContextExtensions");
  } else if (type == ProposalType::kExternalInit) {
    throw Error(ErrorCode::kExternalInitInMemberCommit, "ExternalInit in a regular Commit");
  } else if (!tree::is_default_proposal_type(type)) {
    // Custom types and the extensions draft's: every member that stays supports them (§12.2).
    if (keep_valid_now) check_supported(type);
  }
  if (touched && touched_leaves_.count(*touched) != 0)
    throw Error(ErrorCode::kConflictingLeafProposals,
                "two Updates/Removes for " + leaf_text(tree::LeafIndex(*touched)));
  const bool is_reinit = std::holds_alternative<wire::ReInit>(proposal.content);
  if ((reinit_ || is_reinit) && count_ > 0)
    throw Error(ErrorCode::kReInitNotAlone, "ReInit together with other proposals");

  ++count_;
  reinit_ = reinit_ || is_reinit;
  if (touched) touched_leaves_.insert(*touched);
  if (const auto* remove = std::get_if<wire::Remove>(&proposal.content))
    removed_.insert(remove->removed);
  if (!added_key.empty()) added_keys_.insert(std::move(added_key));
  if (!psk_id.empty()) psk_ids_.insert(std::move(psk_id));
  if (std::holds_alternative<wire::GroupContextExtensions>(proposal.content))
    group_context_extensions_ = true;
  if (std::holds_alternative<wire::SelfRemove>(proposal.content))
    self_removed_.insert(sender.index);
  if (!tree::is_default_proposal_type(type)) custom_types_.insert(type);
}

void ProposalListCheck::finish() const {
  // The rules a Remove anywhere in the list can satisfy, checked once the list is complete.
  for (const ProposalType type : custom_types_)
    check_supported(type);
  for (const std::string& key : added_keys_)
    check_not_member(key);
}

void ProposalListCheck::check_supported(ProposalType type) const {
  // §12.2: every member that stays must support a non-default proposal type. O(1) when all do;
  // otherwise the members that do not are found and must all be removed.
  if (tree_.proposal_type_supporters(type) == tree_.member_count()) return;
  for (tree::LeafIndex l : tree_.members()) {
    if (removed_.count(l.value) != 0) continue;
    const auto& supported = tree_.leaf(l)->capabilities.proposals;
    if (std::find(supported.begin(), supported.end(), type) == supported.end())
      throw Error(ErrorCode::kProposalTypeUnsupported,
                  "proposal type " + std::to_string(static_cast<uint16_t>(type)) +
                      " unsupported by " + leaf_text(l));
  }
}

void ProposalListCheck::check_not_member(const std::string& signature_key) const {
  // §12.2: an Add of a client already in the group, unless the same Commit removes it.
  const auto existing = tree_.find_leaf_by_signature_key(
      BytesView(reinterpret_cast<const uint8_t*>(signature_key.data()), signature_key.size()));
  if (existing && removed_.count(existing->value) == 0)
    throw Error(ErrorCode::kAddOfMember, "an Add of a client already in the group");
}

}  // namespace detail

}  // namespace conclave
