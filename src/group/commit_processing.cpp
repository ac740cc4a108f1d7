// RFC 9420 §12.4.2: processing a received commit into a StagedCommit, every check done on the
// tree inside a journal that is then undone; merging a StagedCommit into the group.
#include <algorithm>
#include <string>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/tree/treekem.h"
#include "proposal_checks.h"
#include "safe_exporter_start.h"

namespace conclave {

using detail::check_added;
using detail::journaled;
using detail::leaf_text;
using detail::validate_added_key_packages;

// --- processing a commit (§12.4.2) ---------------------------------------------------------------

StagedCommit Group::stage_commit(const wire::AuthenticatedContent& content,
                                 const wire::EncodedFramedContent& encoded) {
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
  const auto add_failures =
      validate_added_key_packages(suite_, by_value, add_policy, max_threads());
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
  stamp(staged);
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
    next.confirmed_transcript_hash = schedule::confirmed_transcript_hash(
        suite_, interim_transcript_hash_, content.wire_format, encoded, content.auth.signature);
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

void Group::stamp(StagedCommit& staged) const {
  staged.group_id_ = context_.group_id;
  staged.from_epoch_ = context_.epoch;
  staged.own_leaf_ = own_leaf_;
  staged.from_interim_transcript_hash_ = interim_transcript_hash_;
}

void Group::check_staged(const StagedCommit& staged) const {
  const auto refuse = [](const std::string& why) {
    throw Error(ErrorCode::kStagedCommitMismatch, "a commit staged " + why);
  };
  if (staged.group_id_ != context_.group_id) refuse("for another group");
  if (staged.from_epoch_ != context_.epoch)
    refuse("in epoch " + std::to_string(staged.from_epoch_) + ", the group is in epoch " +
           std::to_string(context_.epoch));
  if (staged.own_leaf_ != own_leaf_)
    refuse("by the member at leaf " + std::to_string(staged.own_leaf_.value) + ", not " +
           std::to_string(own_leaf_.value));
  // §8.2: the interim transcript hash covers the epoch's confirmation tag, which the key
  // schedule ties to the whole GroupContext (tree included): two states share it only when
  // they are the same epoch of the same group.
  if (staged.from_interim_transcript_hash_ != interim_transcript_hash_)
    refuse("by another state of this group in the same epoch");
}

void Group::merge(StagedCommit staged) {
  check_staged(staged);
  // Our own commit (its echo, or pending_commit()) is merged as the pending one, which it must
  // be: a copy of this member that committed something else staged another epoch.
  if (!staged.external_ && staged.committer_ == own_leaf_) {
    if (!pending_ || pending_->staged.confirmation_tag_ != staged.confirmation_tag_)
      throw Error(ErrorCode::kStagedCommitMismatch,
                  "a commit of this member that is not its pending commit");
    merge_pending_commit();
    return;
  }
  apply_staged(std::move(staged));
  persist();
}

// The caller checked `staged` (check_staged).
void Group::apply_staged(StagedCommit staged) {
  if (store_) note_merge(staged.journal_);
  // Keep this epoch's application keys for late messages, with the signature keys of the
  // leaves the commit changes.
  if (config_.past_epochs_kept > 0) {
    PastEpoch past{context_, std::move(secret_tree_), secrets_.sender_data_secret, {}};
    for (const auto& [leaf, before] : staged.journal_.leaves_before)
      past.signature_keys.emplace(
          leaf, before ? std::optional<Bytes>(codec::decode<wire::LeafNode>(*before).signature_key)
                       : std::nullopt);
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
  clear_proposals();
  own_proposal_messages_.clear();
  update_private_keys_.clear();
  pending_.reset();
  // Leaves read while the commit was checked stay encoded only (RatchetTree::leaf()).
  tree_.release_decoded_leaves();
  if (staged.removes_me_) {
    // §12.4.2: a removed member keeps nothing it could use to read the group.
    active_ = false;
    tree_private_ = tree::TreeKemPrivate(own_leaf_);
    secrets_ = {};
    secret_tree_ = {};
    exporter_tree_.reset();
    return;
  }
  tree_private_ = std::move(staged.tree_private_);
  secrets_ = std::move(staged.secrets_);
  secret_tree_ = schedule::SecretTree(suite_, tree_.leaf_count(), secrets_.encryption_secret,
                                      config_.ratchet_window);
  exporter_tree_ = detail::start_exporter_tree(suite_, secrets_);
}

}  // namespace conclave
