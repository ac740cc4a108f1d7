// Proposals (§12.1), proposal lists (§12.2, §12.3), commits (§12.4) and processing received
// messages (§6, §12.4.2).
#include <algorithm>
#include <exception>
#include <set>
#include <string_view>
#include <unordered_set>

#include "conclave/base/error.h"
#include "conclave/base/parallel.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/schedule/private_message.h"
#include "conclave/schedule/psk.h"
#include "conclave/schedule/public_message.h"
#include "conclave/schedule/transcript_hash.h"
#include "conclave/schedule/welcome.h"
#include "conclave/tree/leaf_validation.h"

namespace conclave {

namespace {

using wire::ProposalType;

std::string leaf_text(tree::LeafIndex l) {
  return "leaf " + std::to_string(l.value);
}

// Runs `body` on the tree inside a journal; on any exception the tree is put back.
template <class Body>
tree::TreeJournal journaled(tree::RatchetTree& tree, Body&& body) {
  tree.begin_journal();
  try {
    body();
  } catch (...) {
    tree.undo(tree.end_journal());
    throw;
  }
  return tree.end_journal();
}

// §10.1 for the KeyPackage of every Add among `proposals`, except the application's credential
// validator: a mass add brings thousands of packages with two signatures each, so they are
// shared among the cores. Entry i holds what proposals[i] failed (null: valid or not an Add);
// check_added() then reports it in list order, on this thread.
std::vector<std::exception_ptr> validate_added_key_packages(
    const crypto::Suite& suite, const std::vector<const wire::Proposal*>& proposals,
    tree::LeafPolicy policy) {
  policy.credential_validator = nullptr;  // the application's code runs on its own thread only
  std::vector<std::exception_ptr> failures(proposals.size());
  constexpr size_t kMinPerThread = 16;
  parallel_chunks(proposals.size(), kMinPerThread, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const auto* add = std::get_if<wire::Add>(&proposals[i]->content);
      if (add == nullptr) continue;
      try {
        validate_key_package(suite, add->key_package, policy);
      } catch (...) {
        failures[i] = std::current_exception();
      }
    }
  });
  return failures;
}

// The rest of §10.1 for an Add validated by validate_added_key_packages: its failure, else the
// credential validator.
void check_added(const wire::Add& add, const std::exception_ptr& failure,
                 const tree::LeafPolicy& policy) {
  if (failure) std::rethrow_exception(failure);
  tree::check_leaf_credential(add.key_package.leaf_node, tree::LeafIndex(0), policy);
}

}  // namespace

// --- single proposals (§12.1) --------------------------------------------------------------------

void Group::check_proposal(const wire::Sender& sender, const wire::Proposal& proposal) const {
  const ProposalType type = proposal.proposal_type();
  const auto type_text = [&] { return std::to_string(static_cast<uint16_t>(type)); };
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
          type != ProposalType::kGroupContextExtensions)
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
          type != ProposalType::kPsk)
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

std::vector<Group::ResolvedProposal> Group::resolve(const wire::Commit& commit,
                                                    const wire::Sender& committer) const {
  std::vector<ResolvedProposal> out;
  out.reserve(commit.proposals.size());
  for (const auto& por : commit.proposals) {
    if (const auto* p = por.proposal()) {
      out.push_back(ResolvedProposal{committer, *p, std::nullopt});
      continue;
    }
    const Bytes& ref = *por.reference();
    const auto it = std::find_if(proposals_.begin(), proposals_.end(),
                                 [&](const CachedProposal& c) { return c.ref == ref; });
    if (it == proposals_.end())
      throw Error(ErrorCode::kUnknownProposalRef, "a proposal reference not received this epoch");
    out.push_back(ResolvedProposal{it->sender, it->proposal, it->ref});
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
    for (const auto& rp : proposals) {
      if (rp.ref)
        throw Error(ErrorCode::kExternalCommitInvalid,
                    "an external commit includes a proposal by reference");
      if (std::holds_alternative<wire::ExternalInit>(rp.proposal.content)) {
        ++inits;
      } else if (std::holds_alternative<wire::Remove>(rp.proposal.content)) {
        ++removes;
      } else if (const auto* psk = std::get_if<wire::PreSharedKey>(&rp.proposal.content)) {
        Bytes id = codec::encode(psk->psk);
        if (std::find(psk_ids.begin(), psk_ids.end(), id) != psk_ids.end())
          throw Error(ErrorCode::kDuplicatePsk, "two PreSharedKey proposals for one PSK");
        psk_ids.push_back(std::move(id));
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
    return;
  }
  std::set<uint32_t> touched_leaves;
  std::set<uint32_t> removed;
  std::vector<Bytes> added_keys;
  std::unordered_set<std::string_view> added_key_set;  // views into `proposals`: O(1) each
  std::vector<Bytes> psk_ids;
  std::vector<ProposalType> custom_types;
  size_t gce = 0;
  bool reinit = false;
  for (const auto& rp : proposals) {
    const ProposalType type = rp.proposal.proposal_type();
    if (const auto* update = std::get_if<wire::Update>(&rp.proposal.content)) {
      (void)update;
      const tree::LeafIndex l(rp.sender.index);
      if (committer && l == *committer)
        throw Error(ErrorCode::kUpdateByCommitter, "a Commit covers its sender's own Update");
      if (!touched_leaves.insert(l.value).second)
        throw Error(ErrorCode::kConflictingLeafProposals,
                    "two Updates/Removes for " + leaf_text(l));
    } else if (const auto* remove = std::get_if<wire::Remove>(&rp.proposal.content)) {
      const tree::LeafIndex l(remove->removed);
      if (committer && l == *committer)
        throw Error(ErrorCode::kRemoveOfCommitter, "a Commit removes its own sender");
      if (!touched_leaves.insert(l.value).second)
        throw Error(ErrorCode::kConflictingLeafProposals,
                    "two Updates/Removes for " + leaf_text(l));
      removed.insert(l.value);
    } else if (const auto* add = std::get_if<wire::Add>(&rp.proposal.content)) {
      const Bytes& key = add->key_package.leaf_node.signature_key;
      if (!added_key_set.emplace(reinterpret_cast<const char*>(key.data()), key.size()).second)
        throw Error(ErrorCode::kDuplicateAdd, "two Adds for the same client");
      added_keys.push_back(key);
    } else if (const auto* psk = std::get_if<wire::PreSharedKey>(&rp.proposal.content)) {
      Bytes id = codec::encode(psk->psk);
      if (std::find(psk_ids.begin(), psk_ids.end(), id) != psk_ids.end())
        throw Error(ErrorCode::kDuplicatePsk, "two PreSharedKey proposals for one PSK");
      psk_ids.push_back(std::move(id));
    } else if (std::holds_alternative<wire::GroupContextExtensions>(rp.proposal.content)) {
      ++gce;
    } else if (std::holds_alternative<wire::ReInit>(rp.proposal.content)) {
      reinit = true;
    } else if (type == ProposalType::kExternalInit) {
      throw Error(ErrorCode::kExternalInitInMemberCommit, "ExternalInit in a regular Commit");
    } else if (std::holds_alternative<wire::CustomProposal>(rp.proposal.content)) {
      custom_types.push_back(type);
    }
  }
  // §12.2: every member that stays must support a non-default proposal type. Checked once the
  // whole list is read, so a Remove anywhere in it exempts the removed member.
  for (const ProposalType type : custom_types) {
    for (tree::LeafIndex l : tree_.members()) {
      if (removed.count(l.value)) continue;
      const auto& supported = tree_.leaf(l)->capabilities.proposals;
      if (std::find(supported.begin(), supported.end(), type) == supported.end())
        throw Error(ErrorCode::kProposalTypeUnsupported,
                    "proposal type " + std::to_string(static_cast<uint16_t>(type)) +
                        " unsupported by " + leaf_text(l));
    }
  }
  if (gce > 1)
    throw Error(ErrorCode::kMultipleGroupContextExtensions, "more than one GroupContextExtensions");
  if (reinit && proposals.size() > 1)
    throw Error(ErrorCode::kReInitNotAlone, "ReInit together with other proposals");
  // §12.2: an Add of a client already in the group, unless the same Commit removes it.
  for (const Bytes& key : added_keys) {
    const auto existing = tree_.find_leaf_by_signature_key(key);
    if (existing && !removed.count(existing->value))
      throw Error(ErrorCode::kAddOfMember, "an Add of a client already in the group");
  }
}

// --- applying a proposal list (§12.3) ------------------------------------------------------------

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

// --- creating a commit (§12.4.1) -----------------------------------------------------------------

CommitOutput Group::commit(const CommitOptions& options) {
  if (!active_) throw Error(ErrorCode::kNotAMember, "removed from the group");
  check_not_reinitialized();
  if (pending_) throw Error(ErrorCode::kPendingCommit, "a commit is already pending");
  const wire::Sender me = wire::Sender::member(own_leaf_.value);

  // Proposals received this epoch, by reference, then the new ones by value. A received
  // proposal that would make the list invalid is left out (§12.4: include those that keep it
  // valid); own Updates are superseded by the commit's path.
  wire::Commit commit;
  std::vector<ResolvedProposal> list;
  const auto try_add = [&](ResolvedProposal rp, wire::ProposalOrRef por) {
    list.push_back(rp);
    try {
      validate_proposal_list(list, own_leaf_, false);
    } catch (const Error&) {
      list.pop_back();
      return;
    }
    commit.proposals.push_back(std::move(por));
  };
  if (options.include_pending_proposals && !options.reinit) {
    // §12.2: for one leaf, prefer a Remove, else the most recent Update: Removes go first,
    // then Updates newest first, then the rest in arrival order.
    std::vector<const CachedProposal*> ordered;
    for (const auto& c : proposals_)
      if (std::holds_alternative<wire::Remove>(c.proposal.content)) ordered.push_back(&c);
    for (auto c = proposals_.rbegin(); c != proposals_.rend(); ++c)
      if (std::holds_alternative<wire::Update>(c->proposal.content)) ordered.push_back(&*c);
    for (const auto& c : proposals_)
      if (!std::holds_alternative<wire::Remove>(c.proposal.content) &&
          !std::holds_alternative<wire::Update>(c.proposal.content))
        ordered.push_back(&c);
    for (const CachedProposal* c : ordered) {
      if (c->sender == me && std::holds_alternative<wire::Update>(c->proposal.content)) continue;
      // §8.4, §12.4.2: a PSK this member cannot resolve would make its own commit fail; left
      // out, so a proposal naming an unknown PSK cannot keep everyone from committing.
      if (const auto* psk = std::get_if<wire::PreSharedKey>(&c->proposal.content);
          psk != nullptr && !find_psk(psk->psk))
        continue;
      try_add(ResolvedProposal{c->sender, c->proposal, c->ref}, wire::ProposalOrRef{c->ref});
    }
  }
  std::vector<wire::Proposal> by_value;
  if (options.group_context_extensions)
    by_value.push_back(
        wire::Proposal{wire::GroupContextExtensions{*options.group_context_extensions}});
  for (tree::LeafIndex l : options.remove)
    by_value.push_back(wire::Proposal{wire::Remove{l.value}});
  for (const auto& kp : options.add)
    by_value.push_back(wire::Proposal{wire::Add{kp}});
  for (const auto& psk : options.psks)
    by_value.push_back(wire::Proposal{wire::PreSharedKey{psk}});
  if (options.reinit) {
    check_reinit_target(*options.reinit);
    by_value.push_back(wire::Proposal{*options.reinit});
  }
  for (const auto& custom : options.custom_proposals)
    by_value.push_back(wire::Proposal{custom});
  std::vector<const wire::Proposal*> new_proposals;
  for (const auto& p : by_value)
    new_proposals.push_back(&p);
  const tree::LeafPolicy policy = leaf_policy(extensions_after(list, by_value));
  const auto add_failures = validate_added_key_packages(suite_, new_proposals, policy);
  for (size_t i = 0; i < by_value.size(); ++i) {
    wire::Proposal& p = by_value[i];
    if (const auto* add = std::get_if<wire::Add>(&p.content))
      check_added(*add, add_failures[i], policy);
    else
      check_proposal(me, p);
    list.push_back(ResolvedProposal{me, p, std::nullopt});
    commit.proposals.push_back(wire::ProposalOrRef{std::move(p)});
  }
  validate_proposal_list(list, own_leaf_, false);

  StagedCommit staged;
  staged.committer_ = own_leaf_;
  staged.own_leaf_ = own_leaf_;
  staged.from_epoch_ = context_.epoch;
  bool needs_path = commit.proposals.empty() || config_.always_send_path || options.force_path;
  for (const auto& rp : list)
    needs_path = needs_path || requires_path(rp.proposal.proposal_type());

  wire::GroupContext next = context_;
  next.epoch = context_.epoch + 1;
  tree::TreeKemPrivate next_private = tree_private_;
  std::optional<tree::CreatedUpdatePath> created;
  CommitOutput output;
  wire::AuthenticatedContent content;
  schedule::KeyScheduleResult ks;
  staged.journal_ = journaled(tree_, [&] {
    next.extensions = apply_proposals(list, staged);
    std::vector<tree::LeafIndex> joiners;
    for (const auto& a : staged.added_)
      joiners.push_back(a.leaf);
    SecretBytes commit_secret = schedule::zero_secret(suite_);
    if (needs_path) {
      wire::GroupContext provisional = next;
      provisional.confirmed_transcript_hash = context_.confirmed_transcript_hash;
      created = tree::create_update_path(tree_, next_private, *tree_.leaf(own_leaf_),
                                         signature_private_key_.view(), provisional, joiners);
      commit.path = created->path;
      commit_secret = std::move(created->commit_secret);
    }
    next_private.prune(tree_);
    next.tree_hash = tree_.tree_hash();

    // §12.4.1: sign with the old GroupContext, then the transcript, key schedule and tag.
    content = sign_content(handshake_wire_format(), commit, options.authenticated_data);
    next.confirmed_transcript_hash =
        schedule::confirmed_transcript_hash(suite_, interim_transcript_hash_, content);
    ks = schedule::run_key_schedule(suite_, secrets_.init_secret.view(), commit_secret.view(),
                                    psk_secret(staged.psks_).view(), next);
    content.auth.confirmation_tag = schedule::confirmation_tag(
        suite_, ks.epoch.confirmation_key.view(), next.confirmed_transcript_hash);

    // §12.4.3: the new epoch's GroupInfo, and a Welcome for the new members. A ReInit commit
    // (alone in its commit, §12.2) ends the group: its epoch takes no joiner (§11.2).
    if (staged.reinit_) return;
    wire::GroupInfo info;
    info.group_context = next;
    info.confirmation_tag = *content.auth.confirmation_tag;
    info.signer = own_leaf_.value;
    info.extensions.push_back(
        wire::Extension{wire::ExtensionType::kExternalPub,
                        codec::encode(wire::ExternalPub{schedule::derive_external_key_pair(
                                                            suite_, ks.epoch.external_secret.view())
                                                            .public_key})});
    // The returned GroupInfo leaves the tree out: encoding it is O(group size), and
    // group_info() gives one with the tree once the commit is merged.
    schedule::sign_group_info(suite_, info, signature_private_key_.view());
    if (!staged.added_.empty()) {
      wire::Welcome welcome;
      welcome.cipher_suite = suite_.id();
      wire::GroupInfo welcome_info = info;
      if (options.ratchet_tree_in_welcome.value_or(config_.ratchet_tree_in_welcome != 0)) {
        welcome_info.extensions.push_back(
            wire::Extension{wire::ExtensionType::kRatchetTree, codec::encode(tree_.to_nodes())});
        schedule::sign_group_info(suite_, welcome_info, signature_private_key_.view());
      } else {
        output.ratchet_tree = tree_.to_nodes();  // the new epoch's: tree_ is inside the journal
      }
      welcome.encrypted_group_info =
          schedule::encrypt_group_info(suite_, ks.welcome_secret.view(), welcome_info);
      // One batch: the encrypted GroupInfo is every encryption's context, hashed once.
      std::vector<const wire::KeyPackage*> key_packages;
      std::vector<wire::GroupSecrets> group_secrets;
      for (const auto& added : staged.added_) {
        wire::GroupSecrets secrets;
        secrets.joiner_secret = ks.joiner_secret;
        secrets.psks = staged.psks_;
        if (created) {
          if (const SecretBytes* ps = created->path_secret_for(own_leaf_, added.leaf))
            secrets.path_secret = wire::PathSecret{*ps};
        }
        key_packages.push_back(&added.key_package);
        group_secrets.push_back(std::move(secrets));
      }
      welcome.secrets = schedule::encrypt_group_secrets_many(suite_, key_packages, group_secrets,
                                                             welcome.encrypted_group_info);
      output.welcome = wire::MlsMessage{std::move(welcome)};
    }
    output.group_info = wire::MlsMessage{std::move(info)};
  });
  tree_.undo(staged.journal_);

  // Protected under the old epoch's keys (§12.4.1).
  output.commit = protect_content(content);
  staged.has_path_ = created.has_value();
  staged.tree_private_ = std::move(next_private);
  staged.context_ = std::move(next);
  staged.secrets_ = std::move(ks.epoch);
  staged.confirmation_tag_ = *content.auth.confirmation_tag;
  staged.interim_transcript_hash_ = schedule::interim_transcript_hash(
      suite_, staged.context_.confirmed_transcript_hash, staged.confirmation_tag_);
  staged.epoch_authenticator_ = staged.secrets_.epoch_authenticator;
  pending_ = PendingCommit{std::move(staged), codec::encode(output.commit)};
  // Stored before the commit goes to the Delivery Service, so its echo merges after a restart.
  if (store_) changes_.pending = true;
  persist();
  return output;
}

void Group::merge_pending_commit() {
  if (!pending_) throw Error(ErrorCode::kNoPendingCommit, "no commit is pending");
  StagedCommit staged = std::move(pending_->staged);
  pending_.reset();
  apply_staged(std::move(staged));
  persist();
}

void Group::discard_pending_commit() {
  if (!pending_) throw Error(ErrorCode::kNoPendingCommit, "no commit is pending");
  pending_.reset();
  if (store_) changes_.pending = true;
  persist();
}

// --- receiving -----------------------------------------------------------------------------------

ProcessResult Group::process(const wire::MlsMessage& message) {
  ProcessResult result = process_message(message);
  // A staged commit changes nothing until merge(), which persists it with the key it used.
  if (!std::holds_alternative<StagedCommit>(result)) persist();
  return result;
}

ProcessResult Group::process_message(const wire::MlsMessage& message) {
  if (!active_) throw Error(ErrorCode::kNotAMember, "removed from the group");
  if (reinit_) check_readable_after_reinit(message);
  const Bytes encoded = codec::encode(message);
  // The Delivery Service echoes what we sent: our pending commit, or a proposal of ours.
  if (pending_ && encoded == pending_->message) return pending_->staged;
  for (size_t i = 0; i < own_proposal_messages_.size(); ++i) {
    if (own_proposal_messages_[i] != encoded) continue;
    // The i-th message sent is the i-th of our proposals in the cache (both in sending order).
    size_t own = 0;
    for (const auto& c : proposals_)
      if (c.sender == wire::Sender::member(own_leaf_.value) && own++ == i)
        return ReceivedProposal{c.sender, c.proposal, c.ref};
  }
  if (const auto* pub = message.get<wire::PublicMessage>()) return process_public(*pub);
  if (const auto* priv = message.get<wire::PrivateMessage>()) return process_private(*priv);
  throw Error(ErrorCode::kWireFormatMismatch,
              "process() takes PublicMessage and PrivateMessage; use join() for a Welcome");
}

Bytes Group::sender_signature_key(const wire::AuthenticatedContent& content) const {
  const wire::Sender& sender = content.content.sender;
  const wire::Content& body = content.content.content;
  switch (sender.sender_type) {
    case wire::SenderType::kMember: {
      const tree::LeafIndex l(sender.index);
      const wire::LeafNode* leaf = tree_.contains(l) ? tree_.leaf(l) : nullptr;
      if (leaf == nullptr)
        throw Error(ErrorCode::kUnknownSender, leaf_text(l) + " is not a member");
      return leaf->signature_key;
    }
    case wire::SenderType::kExternal: {
      // §12.1.8: proposals only, from a sender the external_senders extension lists.
      if (!std::holds_alternative<wire::Proposal>(body))
        throw Error(ErrorCode::kSenderNotAllowed, "an external sender sends proposals only");
      const auto* ext =
          wire::find_extension(context_.extensions, wire::ExtensionType::kExternalSenders);
      if (ext == nullptr)
        throw Error(ErrorCode::kExternalSenderUnknown, "the group has no external senders");
      auto senders = codec::decode<std::vector<wire::ExternalSender>>(ext->extension_data);
      if (sender.index >= senders.size())
        throw Error(ErrorCode::kExternalSenderUnknown, "external sender " +
                                                           std::to_string(sender.index) + " of " +
                                                           std::to_string(senders.size()));
      const wire::ExternalSender& es = senders[sender.index];
      // The Authentication Service vouches for external senders as for members (§5.3.1).
      if (policy_.credential_validator &&
          !policy_.credential_validator(es.credential, es.signature_key))
        throw Error(ErrorCode::kCredentialRejected, "the external sender's credential");
      return es.signature_key;
    }
    case wire::SenderType::kNewMemberProposal: {
      // §12.1.8: an Add of the sender itself, signed with its KeyPackage's key.
      const auto* proposal = std::get_if<wire::Proposal>(&body);
      const auto* add = proposal ? std::get_if<wire::Add>(&proposal->content) : nullptr;
      if (add == nullptr)
        throw Error(ErrorCode::kSenderNotAllowed, "a new_member_proposal sender sends an Add only");
      return add->key_package.leaf_node.signature_key;
    }
    case wire::SenderType::kNewMemberCommit: {
      // §12.4.3.2: signed with the key of the leaf in the commit's path.
      const auto* commit = std::get_if<wire::Commit>(&body);
      if (commit == nullptr)
        throw Error(ErrorCode::kSenderNotAllowed, "a new_member_commit sender sends a Commit only");
      if (!commit->path)
        throw Error(ErrorCode::kPathRequired, "an external commit without an UpdatePath");
      return commit->path->leaf_node.signature_key;
    }
    default: throw Error(ErrorCode::kSenderNotAllowed, "an unknown sender type");
  }
}

ProcessResult Group::process_public(const wire::PublicMessage& message) {
  const wire::FramedContent& fc = message.content;
  if (fc.group_id != context_.group_id)
    throw Error(ErrorCode::kWrongGroup, "a message for another group");
  if (fc.epoch != context_.epoch)
    throw Error(ErrorCode::kWrongEpoch, "a handshake message of epoch " + std::to_string(fc.epoch) +
                                            " in epoch " + std::to_string(context_.epoch));
  const auto content =
      schedule::unprotect_public_message(suite_, message, secrets_.membership_key.view(), context_);
  schedule::verify_framed_content(suite_, content, sender_signature_key(content), context_);
  return process_content(content);
}

ProcessResult Group::process_private(const wire::PrivateMessage& message) {
  if (message.group_id != context_.group_id)
    throw Error(ErrorCode::kWrongGroup, "a message for another group");
  if (message.epoch != context_.epoch) {
    if (message.content_type == wire::ContentType::kApplication && message.epoch < context_.epoch)
      return process_past_application(message);
    throw Error(ErrorCode::kWrongEpoch, "a message of epoch " + std::to_string(message.epoch) +
                                            " in epoch " + std::to_string(context_.epoch));
  }
  // The ratchet key is consumed only once the content verified, and the secret tree is the
  // only state touched before process_content decides. A commit is staged (every §12.4.2
  // check) before its key is consumed, so a rejected one leaves the key to the genuine commit.
  std::optional<StagedCommit> staged;
  const auto content = schedule::unprotect_private_message(
      suite_, message, secret_tree_, secrets_.sender_data_secret.view(),
      [&](const wire::AuthenticatedContent& c) {
        schedule::verify_framed_content(suite_, c, sender_signature_key(c), context_);
        if (c.content.content_type() == wire::ContentType::kProposal)
          check_proposal(c.content.sender, std::get<wire::Proposal>(c.content.content));
        if (c.content.content_type() == wire::ContentType::kCommit) staged = stage_commit(c);
      });
  if (staged) return std::move(*staged);
  return process_content(content);
}

ApplicationMessage Group::process_past_application(const wire::PrivateMessage& message) {
  auto it = std::find_if(past_epochs_.begin(), past_epochs_.end(),
                         [&](const auto& p) { return p.first == message.epoch; });
  if (it == past_epochs_.end())
    throw Error(ErrorCode::kEpochNotRetained,
                "the keys of epoch " + std::to_string(message.epoch) + " were deleted");
  PastEpoch& past = it->second;
  // The sender's signature key then: the first record of it from that epoch on, else today's.
  const auto key_then = [&](tree::LeafIndex l) -> Bytes {
    for (auto p = it; p != past_epochs_.end(); ++p) {
      const auto found = p->second.signature_keys.find(l.value);
      if (found == p->second.signature_keys.end()) continue;
      if (!found->second) throw Error(ErrorCode::kUnknownSender, leaf_text(l) + " was blank");
      return *found->second;
    }
    const wire::LeafNode* leaf = tree_.contains(l) ? tree_.leaf(l) : nullptr;
    if (leaf == nullptr) throw Error(ErrorCode::kUnknownSender, leaf_text(l) + " is not a member");
    return leaf->signature_key;
  };
  const auto content = schedule::unprotect_private_message(
      suite_, message, past.secret_tree, past.sender_data_secret.view(),
      [&](const wire::AuthenticatedContent& c) {
        schedule::verify_framed_content(
            suite_, c, key_then(tree::LeafIndex(c.content.sender.index)), past.context);
      });
  const auto& app = std::get<wire::ApplicationData>(content.content.content);
  return ApplicationMessage{tree::LeafIndex(content.content.sender.index), message.epoch, app.data,
                            content.content.authenticated_data};
}

ProcessResult Group::process_content(const wire::AuthenticatedContent& content) {
  const wire::FramedContent& fc = content.content;
  if (const auto* app = std::get_if<wire::ApplicationData>(&fc.content))
    return ApplicationMessage{tree::LeafIndex(fc.sender.index), fc.epoch, app->data,
                              fc.authenticated_data};
  if (const auto* proposal = std::get_if<wire::Proposal>(&fc.content)) {
    check_proposal(fc.sender, *proposal);
    Bytes ref = suite_.make_proposal_ref(codec::encode(content));
    const bool known = std::any_of(proposals_.begin(), proposals_.end(),
                                   [&](const CachedProposal& c) { return c.ref == ref; });
    if (!known) {
      proposals_.push_back(CachedProposal{ref, fc.sender, *proposal});
      if (store_) changes_.epoch = true;
    }
    return ReceivedProposal{fc.sender, *proposal, std::move(ref)};
  }
  return stage_commit(content);
}

// --- processing a commit (§12.4.2) ---------------------------------------------------------------

StagedCommit Group::stage_commit(const wire::AuthenticatedContent& content) {
  const wire::FramedContent& fc = content.content;
  const auto& commit = std::get<wire::Commit>(fc.content);
  // §12.4.3.2: a new member commits itself in (an external commit); otherwise only members.
  const bool external = fc.sender.sender_type == wire::SenderType::kNewMemberCommit;
  if (!external && fc.sender.sender_type != wire::SenderType::kMember)
    throw Error(ErrorCode::kSenderNotAllowed, "a commit from an external sender");
  if (external && !commit.path)
    throw Error(ErrorCode::kPathRequired, "an external commit without an UpdatePath");
  // An external committer's leaf is known once its Removes are applied.
  tree::LeafIndex committer(fc.sender.index);
  if (!external && committer == own_leaf_)
    throw Error(ErrorCode::kSenderNotAllowed,
                "a commit of ours that is not the pending one cannot be processed");
  if (!content.auth.confirmation_tag)
    throw Error(ErrorCode::kConfirmationTagInvalid, "a commit without a confirmation tag");

  const auto list = resolve(commit, fc.sender);
  // Proposals by reference were checked on receipt; the Adds by value all at once.
  std::vector<const wire::Proposal*> by_value;
  for (const auto& rp : list)
    if (!rp.ref) by_value.push_back(&rp.proposal);
  // §12.1.7: the Adds are checked against the GroupContext extensions the list puts in force.
  const tree::LeafPolicy add_policy = leaf_policy(extensions_after(list, {}));
  const auto add_failures = validate_added_key_packages(suite_, by_value, add_policy);
  for (size_t i = 0; i < by_value.size(); ++i) {
    if (const auto* add = std::get_if<wire::Add>(&by_value[i]->content))
      check_added(*add, add_failures[i], add_policy);
    else
      check_proposal(fc.sender, *by_value[i]);
  }
  validate_proposal_list(list, external ? std::nullopt : std::optional(committer), external);
  bool needs_path = commit.proposals.empty();
  for (const auto& rp : list)
    needs_path = needs_path || requires_path(rp.proposal.proposal_type());
  if (needs_path && !commit.path)
    throw Error(ErrorCode::kPathRequired, "the commit's proposals require an UpdatePath");

  StagedCommit staged;
  staged.own_leaf_ = own_leaf_;
  staged.from_epoch_ = context_.epoch;
  staged.has_path_ = commit.path.has_value();
  staged.external_ = external;
  wire::GroupContext next = context_;
  next.epoch = context_.epoch + 1;
  tree::TreeKemPrivate next_private = tree_private_;
  staged.journal_ = journaled(tree_, [&] {
    next.extensions = apply_proposals(list, staged);
    if (external)
      committer =
          add_external_committer(commit.path->leaf_node, staged, leaf_policy(next.extensions));
    staged.committer_ = committer;
    for (const auto& r : staged.removed_)
      staged.removes_me_ = staged.removes_me_ || r.leaf == own_leaf_;
    // Our own Update, committed by another member: our leaf now has the proposed key.
    for (tree::LeafIndex l : staged.updated_) {
      if (l != own_leaf_) continue;
      const Bytes& key = tree_.leaf(l)->encryption_key;
      const auto it = std::find_if(update_private_keys_.begin(), update_private_keys_.end(),
                                   [&](const auto& entry) { return entry.first == key; });
      if (it == update_private_keys_.end())
        throw Error(ErrorCode::kInvalidProposal, "an Update of our leaf that we did not send");
      next_private.set_key(l.node(), tree::NodeKeyPair{it->second, it->first});
    }
    std::vector<tree::LeafIndex> joiners;
    for (const auto& a : staged.added_)
      joiners.push_back(a.leaf);
    SecretBytes commit_secret = schedule::zero_secret(suite_);
    if (commit.path) {
      // §12.4.2: the committer's new leaf is valid, of source commit, with a new key.
      if (!external)
        tree::validate_leaf_node(tree_, commit.path->leaf_node, tree::LeafNodeContext::kCommit,
                                 committer, leaf_policy(next.extensions));
      wire::GroupContext provisional = next;
      if (staged.removes_me_) {
        tree::PathMerge plan = tree::plan_update_path(tree_, committer, *commit.path);
        plan.leaf = commit.path->leaf_node;
        tree_.merge(plan);
      } else {
        auto applied = tree::apply_update_path(tree_, next_private, committer, *commit.path,
                                               provisional, joiners);
        commit_secret = std::move(applied.commit_secret);
      }
    }
    next_private.prune(tree_);
    next.tree_hash = tree_.tree_hash();
    next.confirmed_transcript_hash =
        schedule::confirmed_transcript_hash(suite_, interim_transcript_hash_, content);
    if (!staged.removes_me_) {
      // §8.3: an external commit starts from the init secret its ExternalInit carries.
      const SecretBytes init_secret = external ? external_init_secret(list) : secrets_.init_secret;
      auto ks = schedule::run_key_schedule(suite_, init_secret.view(), commit_secret.view(),
                                           psk_secret(staged.psks_).view(), next);
      // §12.4.2: the confirmation tag proves the committer reached the same epoch.
      if (!schedule::verify_confirmation_tag(suite_, ks.epoch.confirmation_key.view(),
                                             next.confirmed_transcript_hash,
                                             *content.auth.confirmation_tag))
        throw Error(ErrorCode::kConfirmationTagInvalid, "the commit's confirmation tag");
      staged.secrets_ = std::move(ks.epoch);
      staged.epoch_authenticator_ = staged.secrets_.epoch_authenticator;
    }
  });
  tree_.undo(staged.journal_);

  staged.tree_private_ = std::move(next_private);
  staged.context_ = std::move(next);
  staged.confirmation_tag_ = *content.auth.confirmation_tag;
  staged.interim_transcript_hash_ = schedule::interim_transcript_hash(
      suite_, staged.context_.confirmed_transcript_hash, staged.confirmation_tag_);
  return staged;
}

void Group::merge(StagedCommit staged) {
  if (pending_ && staged.committer_ == own_leaf_ && staged.from_epoch_ == context_.epoch) {
    merge_pending_commit();
    return;
  }
  apply_staged(std::move(staged));
  persist();
}

void Group::apply_staged(StagedCommit staged) {
  if (staged.from_epoch_ != context_.epoch)
    throw Error(ErrorCode::kWrongEpoch, "the staged commit is for another epoch");
  if (store_) note_merge(staged.journal_);
  // Keep this epoch's application keys for late messages, with the signature keys of the
  // leaves the commit changes.
  if (config_.past_epochs_kept > 0) {
    PastEpoch past{context_, std::move(secret_tree_), secrets_.sender_data_secret, {}};
    for (const auto& [leaf, before] : staged.journal_.leaves_before)
      past.signature_keys.emplace(
          leaf, before ? std::optional<Bytes>(before->signature_key) : std::nullopt);
    past_epochs_.emplace_back(context_.epoch, std::move(past));
    while (past_epochs_.size() > config_.past_epochs_kept) {
      if (store_) changes_.dropped_epochs.push_back(past_epochs_.front().first);
      past_epochs_.pop_front();
    }
  } else if (store_) {
    changes_.dropped_epochs.push_back(context_.epoch);
  }
  resumption_psks_[context_.epoch] = secrets_.resumption_psk;
  while (resumption_psks_.size() > config_.resumption_psks_kept)
    resumption_psks_.erase(resumption_psks_.begin());
  reinit_ = std::move(staged.reinit_);  // §11.2: a ReInit ends the group

  tree_.redo(staged.journal_);
  context_ = std::move(staged.context_);
  interim_transcript_hash_ = std::move(staged.interim_transcript_hash_);
  confirmation_tag_ = std::move(staged.confirmation_tag_);
  proposals_.clear();
  own_proposal_messages_.clear();
  update_private_keys_.clear();
  pending_.reset();
  if (staged.removes_me_) {
    // §12.4.2: a removed member keeps nothing it could use to read the group.
    active_ = false;
    tree_private_ = tree::TreeKemPrivate(own_leaf_);
    secrets_ = {};
    secret_tree_ = {};
    return;
  }
  tree_private_ = std::move(staged.tree_private_);
  secrets_ = std::move(staged.secrets_);
  secret_tree_ = schedule::SecretTree(suite_, tree_.leaf_count(), secrets_.encryption_secret,
                                      config_.ratchet_window);
}

}  // namespace conclave
