/// @file
/// A commit that has passed every check but is not applied yet (RFC 9420 §12.4.2): the
/// application inspects it, then merges it into the group (or drops it).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/secret_tree.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/tree/treekem.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/group_context.h"
#include "conclave/wire/key_package.h"
#include "conclave/wire/leaf_node.h"
#include "conclave/wire/proposal.h"

namespace conclave {

/// A member a commit adds.
struct AddedMember {
  tree::LeafIndex leaf;          ///< the leaf it takes
  wire::KeyPackage key_package;  ///< the KeyPackage it was added with
};

/// A member a commit removes.
struct RemovedMember {
  tree::LeafIndex leaf;      ///< the leaf it had
  wire::LeafNode leaf_node;  ///< as it was before the commit
};

/// §13.2: a custom proposal the commit covers, for the application to act on.
struct CommittedCustomProposal {
  wire::Sender sender;            ///< who proposed it (the committer for proposals by value)
  wire::CustomProposal proposal;  ///< the proposal
};

/// Extensions draft §Attaching Application Data to a Commit: an AppEphemeral the commit covers,
/// accepted by its component (GroupPolicy::components), for the application to act on when
/// it merges the commit.
struct CommittedAppEphemeral {
  wire::Sender sender;         ///< who proposed it (the committer for proposals by value)
  wire::AppEphemeral content;  ///< the component and its data
  /// Field by field.
  friend bool operator==(const CommittedAppEphemeral&, const CommittedAppEphemeral&) = default;
};

/// Extensions draft §AppAck: an AppAck (an AppEphemeral of component app_ack) the commit covers.
struct CommittedAppAck {
  wire::Sender sender;  ///< who acknowledges (the committer for proposals by value)
  wire::AppAck ack;     ///< the messages it received in the epoch the commit ends
  /// Field by field.
  friend bool operator==(const CommittedAppAck&, const CommittedAppAck&) = default;
};

/// A verified commit and the next epoch it leads to, returned by Group::process() and applied
/// by Group::merge().
class StagedCommit {
 public:
  /// What the commit does, for the application to inspect before merging: here the
  /// committer's leaf.
  tree::LeafIndex committer() const { return committer_; }
  uint64_t new_epoch() const { return context_.epoch; }                   ///< the epoch it starts
  const std::vector<AddedMember>& added() const { return added_; }        ///< members it adds
  const std::vector<RemovedMember>& removed() const { return removed_; }  ///< members it removes
  /// Members whose Update proposals it covers (§12.1.2).
  const std::vector<tree::LeafIndex>& updated() const { return updated_; }
  /// The PSKs it injects (§8.4).
  const std::vector<wire::PreSharedKeyId>& psks() const { return psks_; }
  /// Its ReInit (§11.2), if any: merging it ends the group.
  const std::optional<wire::ReInit>& reinit() const { return reinit_; }
  /// In the commit's order.
  const std::vector<CommittedCustomProposal>& custom_proposals() const { return custom_; }
  /// Extensions draft §SelfRemove Proposal: the members it removes by their own SelfRemove
  /// (also in removed()), in the commit's order.
  const std::vector<tree::LeafIndex>& self_removed() const { return self_removed_; }
  /// Extensions draft §Attaching Application Data to a Commit: its AppEphemerals (AppAcks
  /// included), each accepted by its component, in the commit's order (the order the draft
  /// says they are processed in).
  const std::vector<CommittedAppEphemeral>& app_ephemerals() const { return app_ephemerals_; }
  /// Extensions draft §AppAck: the AppAcks among app_ephemerals(), decoded, in the same order.
  std::vector<CommittedAppAck> app_acks() const;
  /// True when it carries an UpdatePath: the committer's keys are fresh.
  bool has_path() const { return has_path_; }
  /// An external commit (§12.4.3.2): committer() is the leaf the new member took.
  bool external() const { return external_; }
  /// True when this commit removes the receiving member from the group.
  bool removes_me() const { return removes_me_; }
  /// The GroupContext of the new epoch.
  const wire::GroupContext& new_context() const { return context_; }
  /// §8.7: a secret, empty when the commit removes this member.
  const SecretBytes& epoch_authenticator() const { return epoch_authenticator_; }

 private:
  friend class Group;
  tree::LeafIndex committer_;
  std::vector<AddedMember> added_;
  std::vector<RemovedMember> removed_;
  std::vector<tree::LeafIndex> updated_;
  std::vector<wire::PreSharedKeyId> psks_;
  std::optional<wire::ReInit> reinit_;
  std::vector<CommittedCustomProposal> custom_;
  std::vector<tree::LeafIndex> self_removed_;
  std::vector<CommittedAppEphemeral> app_ephemerals_;
  bool has_path_ = false;
  bool external_ = false;
  bool removes_me_ = false;
  SecretBytes epoch_authenticator_;

  /// The state that staged it, which alone may merge it (kStagedCommitMismatch): the group, the
  /// epoch, the member's leaf and the epoch's interim transcript hash, which tells apart two
  /// states of one group in one epoch (a fork) and matches an identical copy.
  Bytes group_id_;
  uint64_t from_epoch_ = 0;
  Bytes from_interim_transcript_hash_;

  /// The next epoch's state.
  tree::TreeJournal journal_;
  tree::TreeKemPrivate tree_private_;
  wire::GroupContext context_;
  schedule::EpochSecrets secrets_;
  Bytes interim_transcript_hash_;
  Bytes confirmation_tag_;
  tree::LeafIndex own_leaf_;
};

}  // namespace conclave
