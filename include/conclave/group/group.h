/// @file
/// Group: one member's view of an MLS group (RFC 9420 §11-§12) and the public API of Conclave.
///
/// A Group is a value: copyable, comparable and serializable. Nothing changes it until
/// everything about an input has been verified: process() returns a StagedCommit that holds the
/// next epoch, and only merge() applies it; a rejected message leaves the group exactly as it
/// was. The committer's own commit is applied only by merge_pending_commit(), once the Delivery
/// Service has accepted it (or dropped with discard_pending_commit()).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/config.h"
#include "conclave/group/identity.h"
#include "conclave/group/key_package_store.h"
#include "conclave/group/staged_commit.h"
#include "conclave/schedule/exporter_tree.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/psk.h"
#include "conclave/schedule/secret_tree.h"
#include "conclave/storage/storage_provider.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/tree/treekem.h"
#include "conclave/wire/app_data.h"
#include "conclave/wire/component.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/media_type.h"
#include "conclave/wire/message.h"

namespace conclave {

namespace schedule {
class WelcomePrecomputation;
}  // namespace schedule
namespace detail {
struct CommonRecord;
}

/// What applications send and receive: an MLSMessage (§6), to_bytes() on the way out and
/// MlsMessage::from_bytes() on the way in.
using MlsMessage = wire::MlsMessage;

/// How Group::create() makes a group.
struct CreateOptions {
  Bytes group_id;  ///< empty: KDF.Nh random bytes (§11)
  /// §11, §13.4: the GroupContext extensions. Custom types are listed in the creator's
  /// capabilities; GREASE types are refused (§13.5: never sent in GroupContext.extensions).
  wire::ExtensionList extensions;
  GroupConfig config;  ///< the group's configuration
  /// The creator's leaf (§7.2): capabilities, leaf extensions, GREASE. The registered custom
  /// proposal types (config.custom_proposals) are added to it; the KeyPackage-only fields
  /// (extensions, last_resort) are unused.
  KeyPackageOptions leaf;
};

/// What Group::commit() puts into a commit besides the proposals received this epoch.
struct CommitOptions {
  std::vector<wire::KeyPackage> add;       ///< §12.1.1: Adds by value
  std::vector<tree::LeafIndex> remove;     ///< §12.1.3: Removes by value
  std::vector<wire::PreSharedKeyId> psks;  ///< §12.1.4: PSKs to inject (empty nonce: a fresh one)
  /// §12.1.7: a GroupContextExtensions proposal by value: the new extension list.
  std::optional<wire::ExtensionList> group_context_extensions;
  /// §12.1.5, §11.2: a ReInit by value, with a non-empty group_id; alone in the commit (§12.2),
  /// so the proposals received this epoch are left out. Merging the commit ends the group.
  std::optional<wire::ReInit> reinit;
  /// §13.2: custom proposals by value, of types registered in config().custom_proposals.
  std::vector<wire::CustomProposal> custom_proposals;
  /// Extensions draft §Updating Application Data in the GroupContext: AppDataUpdates by value,
  /// after the other proposals, of components in GroupPolicy::components.
  std::vector<wire::AppDataUpdate> app_data_updates;
  /// Extensions draft §Attaching Application Data to a Commit: AppEphemerals by value (an
  /// AppAck: app_ack_ephemeral()), of components in GroupPolicy::components or app_ack.
  std::vector<wire::AppEphemeral> app_ephemerals;
  /// Include the proposals received this epoch (by reference), as §12.4 recommends.
  bool include_pending_proposals = true;
  /// Force an UpdatePath even when the configuration would leave it out.
  bool force_path = false;
  /// §12.4.3.3: whether this commit's Welcome carries the ratchet_tree extension; unset:
  /// config().ratchet_tree_in_welcome. Without it the joiners need CommitOutput::ratchet_tree.
  std::optional<bool> ratchet_tree_in_welcome;
  /// §12.4.3.2: put the ratchet_tree extension in CommitOutput::group_info too, for a Delivery
  /// Service that hands it to external joiners (encoding the tree is O(group size)).
  bool ratchet_tree_in_group_info = false;
  Bytes authenticated_data;  ///< sent with the commit, authenticated but not encrypted
};

/// What Group::commit() produces, for the Delivery Service.
struct CommitOutput {
  wire::MlsMessage commit;                  ///< the commit, for every member
  std::optional<wire::MlsMessage> welcome;  ///< when members were added
  /// The new epoch's tree, when the Welcome leaves it out: for the joiners, out of band.
  std::optional<wire::RatchetTreeNodes> ratchet_tree;
  /// §12.4.3: the new epoch's GroupInfo, with external_pub but without the ratchet tree
  /// (group_info() after the merge includes it). None for a ReInit commit: its epoch has ended
  /// the group (§11.2), so nobody may join it.
  std::optional<wire::MlsMessage> group_info;
};

/// A decrypted application message (§6.3).
struct ApplicationMessage {
  tree::LeafIndex sender;    ///< the sender's leaf
  uint64_t epoch = 0;        ///< the epoch it was sent in (a past one for a late message)
  Bytes data;                ///< the application's bytes
  Bytes authenticated_data;  ///< sent in the clear, authenticated
};

/// A verified proposal, kept by the group for the epoch's commit (§12.1).
struct ReceivedProposal {
  wire::Sender sender;      ///< who proposed it
  wire::Proposal proposal;  ///< the proposal
  Bytes ref;                ///< §5.2 ProposalRef, for commits that include it by reference
};

/// What Group::process() found in a message.
using ProcessResult = std::variant<ApplicationMessage, ReceivedProposal, StagedCommit>;

/// How to join by external commit (RFC 9420 §12.4.3.2).
struct ExternalJoinOptions {
  /// The tree, when the GroupInfo carries no ratchet_tree extension.
  std::optional<wire::RatchetTreeNodes> ratchet_tree;
  /// A "resync": the leaf of our earlier appearance in the group, removed by the same commit.
  std::optional<tree::LeafIndex> remove_leaf;
  /// External PSKs (from GroupPolicy::external_psk) mixed into the new epoch.
  std::vector<wire::PreSharedKeyId> psks;
  /// Extensions draft §AppDataUpdate, §AppEphemeral: "can be included in an external Commit",
  /// by value, of components in the joiner's GroupPolicy::components.
  std::vector<wire::AppDataUpdate> app_data_updates;
  std::vector<wire::AppEphemeral> app_ephemerals;  ///< as app_data_updates
  Bytes authenticated_data;  ///< sent with the commit, authenticated but not encrypted
  GroupConfig config;        ///< the joiner's configuration of the group
  /// The new leaf (§7.2): capabilities, leaf extensions, GREASE; the KeyPackage-only fields
  /// (extensions, last_resort) are unused.
  KeyPackageOptions leaf;
};
struct ExternalJoin;

/// §11.3: how Group::branch makes the subgroup.
struct BranchOptions {
  Bytes group_id;  ///< empty: KDF.Nh random bytes (§11)
  /// The subgroup's GroupContext extensions; unset: the old group's.
  std::optional<wire::ExtensionList> extensions;
  /// Unset: the old group's configuration.
  std::optional<GroupConfig> config;
};

struct ResumedGroup;  // a group made by Group::reinit or Group::branch, and its Welcome

/// One member of a group as Group::members() lists it.
struct MemberInfo {
  tree::LeafIndex leaf;         ///< its leaf
  wire::Credential credential;  ///< its credential
  Bytes signature_key;          ///< its signature public key
};

/// §13.2: KeyPackage options whose capabilities list the custom proposal types `config`
/// registers, for clients that will join a group with that configuration.
KeyPackageOptions key_package_options_for(const GroupConfig& config);

/// One member's state in one group (RFC 9420 §8: epoch secrets, §7: the ratchet tree).
///
/// Threads: distinct Group objects, copies included, may be used on distinct threads at once;
/// they share only the CryptoProvider (thread-safe), a StorageProvider attached to several of
/// them (MemoryStorage and SqliteStorage are safe to share) and the GroupPolicy callbacks. One
/// Group used from several threads at once needs external synchronization, even for const
/// methods: they fill the tree's hash caches (tree(), group_info()...). join(), commit() and
/// process() may spread a large batch over worker threads (a joiner's leaf signatures, a mass
/// add's KeyPackage checks, HPKE to many recipients), at most GroupPolicy::worker_threads of
/// them (0: none); the workers never call the GroupPolicy callbacks, which run on the calling
/// thread only, and have finished when the call returns.
///
/// Storage: with a StorageProvider attached (attach_storage(), load()), every call that changes
/// the state commits one storage transaction before it returns: a crash at any instant leaves
/// the stored group as it was before the call or after it, never a mix. Writes are
/// incremental: a commit writes the tree nodes its path changed (and their hashes), a message
/// the one sender ratchet it used.
///   - protect() persists the advanced sender generation before the ciphertext is returned,
///     so no generation is used twice, also across crashes;
///   - process() persists a consumed key or a received proposal; a commit it returns staged
///     is persisted by merge() (or, discarded, with the next change);
///   - commit() persists the pending commit, so its echo can be merged after a restart.
///
/// When a write fails (Error(kStorageConflict): another process or Group object changed the
/// stored group since this one read it; or kStorageBackend), the call throws and this object
/// is out of date: load the group again. The store is unchanged by the failed call.
class Group {
 public:
  /// §11: a one-member group at epoch 0.
  static Group create(std::shared_ptr<const crypto::CryptoProvider> provider,
                      const Identity& identity, const CreateOptions& options = {},
                      GroupPolicy policy = {});

  /// §12.4.3.1: joins with the Welcome addressed to `key_package`. `ratchet_tree` is needed when
  /// the Welcome's GroupInfo has no ratchet_tree extension.
  static Group join(std::shared_ptr<const crypto::CryptoProvider> provider,
                    const Identity& identity, const KeyPackageBundle& key_package,
                    const wire::MlsMessage& welcome,
                    const std::optional<wire::RatchetTreeNodes>& ratchet_tree = std::nullopt,
                    GroupConfig config = {}, GroupPolicy policy = {});

  // --- external joins (§12.4.3.2) ---
  /// Joins with an external commit built from a GroupInfo that has the external_pub extension.
  /// Returns the group in the commit's epoch and the commit for the Delivery Service; if the DS
  /// refuses the commit, drop the returned group.
  static ExternalJoin join_external(std::shared_ptr<const crypto::CryptoProvider> provider,
                                    const Identity& identity, const wire::MlsMessage& group_info,
                                    const ExternalJoinOptions& options = {},
                                    GroupPolicy policy = {});

  // --- proposals (§12.1), sent now and committed later by reference ---
  /// §12.1.1: proposes adding the client of `key_package`.
  wire::MlsMessage propose_add(const wire::KeyPackage& key_package, BytesView aad = {});
  /// §12.1.3: proposes removing the member at `leaf` (this member's own leaf to ask to leave).
  wire::MlsMessage propose_remove(tree::LeafIndex leaf, BytesView aad = {});
  /// §12.1.2: a fresh leaf encryption key for this member.
  wire::MlsMessage propose_update(BytesView aad = {});

  // --- commits (§12.4) ---
  /// §12.4: a commit of the proposals received this epoch and those of `options`. It becomes
  /// the pending commit: send it, then merge_pending_commit() once the Delivery Service has
  /// accepted it, or discard_pending_commit() when it was refused. kPendingCommit while
  /// another is pending.
  CommitOutput commit(const CommitOptions& options = {});
  /// True between commit() and merge_pending_commit() or discard_pending_commit().
  bool has_pending_commit() const { return pending_.has_value(); }
  /// The commit this member created and has not merged or discarded yet, as the members that
  /// receive it will stage it (added, removed, ReInit...); nullptr when none is pending.
  const StagedCommit* pending_commit() const { return pending_ ? &pending_->staged : nullptr; }
  /// Moves the group to the pending commit's epoch (kNoPendingCommit when there is none).
  void merge_pending_commit();
  /// Drops the pending commit; the group stays in its epoch (kNoPendingCommit when none).
  void discard_pending_commit();

  // --- receiving (§6, §12) ---
  /// Verifies a message in full and returns what it carries. Proposals are remembered for the
  /// epoch's commit; a commit comes back staged and changes nothing until merge(). The
  /// committer's own commit, echoed by the Delivery Service, comes back as its staged commit.
  ProcessResult process(const wire::MlsMessage& message);
  /// process(), where `application_state` computes, from what the message carries, the
  /// application bytes stored with the change it makes (set_application_state()), in the same
  /// transaction: an application keeps a decrypted message there until it has handled it, so a
  /// crash between the two cannot lose it (its key is deleted in that transaction). The
  /// function must not throw. A staged commit's bytes are stored by merge().
  ProcessResult process(const wire::MlsMessage& message,
                        const std::function<Bytes(const ProcessResult&)>& application_state);
  /// Applies a staged commit of the current epoch: the group moves to its epoch. Only a commit
  /// this state (or an identical copy) staged, and of its own commits only the pending one;
  /// any other is kStagedCommitMismatch, the group unchanged.
  void merge(StagedCommit staged);
  /// §12.4: the proposals received this epoch and not yet committed, in arrival order. A member
  /// that holds any must commit before it sends application data (protect() enforces it).
  std::vector<ReceivedProposal> pending_proposals() const;

  // --- application messages (§6.3) ---
  /// §6.3: encrypts application data as a PrivateMessage of the current epoch. kInvalidArgument
  /// while received proposals wait for a commit (see pending_proposals()).
  wire::MlsMessage protect(BytesView application_data, BytesView aad = {});

  // --- extensibility (§13, §17.3): custom proposals, joining from a KeyPackageStore ---
  // (group_extensibility.cpp)
  /// §13.2: a proposal of a custom type registered in config().custom_proposals (not a default
  /// or GREASE type: kInvalidArgument; unregistered or unsupported by a member:
  /// kProposalTypeUnsupported), sent now and committed later by reference.
  wire::MlsMessage propose_custom(wire::ProposalType type, BytesView data, BytesView aad = {});
  /// §12.4.3.1: joins with the bundle of `store` the Welcome is addressed to (none:
  /// kWelcomeNotForUs). Once the join succeeds the bundle is deleted from the store, its private
  /// keys with it, unless its KeyPackage is last-resort; a failed join leaves the store as it was.
  static Group join(std::shared_ptr<const crypto::CryptoProvider> provider,
                    const Identity& identity, KeyPackageStore& store,
                    const wire::MlsMessage& welcome,
                    const std::optional<wire::RatchetTreeNodes>& ratchet_tree = std::nullopt,
                    GroupConfig config = {}, GroupPolicy policy = {});

  // --- extensions draft: proposals (SelfRemove, AppDataUpdate, AppEphemeral) ---
  // (self_remove.cpp)
  /// Extensions draft §SelfRemove Proposal: whether every member lists self_remove in its
  /// capabilities (a "self-remove-capable group"); only then may SelfRemove be used.
  bool self_remove_capable() const;
  /// Extensions draft §SelfRemove Proposal: proposes removing this member, as a PublicMessage
  /// (whatever config().handshake_format says) that any member, or an external joiner, commits
  /// by reference with an UpdatePath. kSelfRemoveGroupNotCapable outside a self-remove-capable
  /// group; kSelfRemoveTwice when this member already sent one this epoch.
  wire::MlsMessage propose_self_remove(BytesView aad = {});
  /// §12.4.3.2 with the extensions draft §SelfRemove Proposal: join_external() that also
  /// includes `self_removes` by reference, the pending SelfRemove proposals (PublicMessages)
  /// fetched with the GroupInfo. Each is validated as a member would, except its membership tag
  /// (a non-member cannot check it): the GroupInfo's group and epoch, a member sender, its
  /// signature, at most one per member, a self-remove-capable group; and none may name the
  /// leaf of options.remove_leaf (kRemoveOfSelfRemoved).
  static ExternalJoin join_external_with_self_removes(
      std::shared_ptr<const crypto::CryptoProvider> provider, const Identity& identity,
      const wire::MlsMessage& group_info, const std::vector<wire::MlsMessage>& self_removes,
      const ExternalJoinOptions& options = {}, GroupPolicy policy = {});

  // --- extensions draft: application data in the GroupContext and in commits ---
  // (app_data_update.cpp, app_ephemeral.cpp)
  /// §Updating Application Data in the GroupContext: the GroupContext's app_data_dictionary
  /// (no entry when the extension is absent).
  wire::AppDataDictionary app_data_dictionary() const;
  /// The data of `component` in app_data_dictionary(); nullopt when it has no entry.
  std::optional<Bytes> app_data(wire::ComponentId component) const;
  /// §Updating Application Data in the GroupContext: proposes an AppDataUpdate (`update` is
  /// sent for op update only), committed later by reference with no UpdatePath needed.
  /// kAppComponentUnknown for a component not in GroupPolicy::components;
  /// kAppDataRemoveAbsent for a remove of a component with no entry;
  /// kProposalTypeUnsupported when a member does not list app_data_update.
  wire::MlsMessage propose_app_data_update(wire::ComponentId component,
                                           wire::AppDataUpdateOperation op, BytesView update = {},
                                           BytesView aad = {});
  /// §Attaching Application Data to a Commit: proposes an AppEphemeral, committed later by
  /// reference. kAppComponentUnknown, kAppEphemeralVetoed (the component's hook refuses it),
  /// kProposalTypeUnsupported as above.
  wire::MlsMessage propose_app_ephemeral(wire::ComponentId component, BytesView data,
                                         BytesView aad = {});
  /// §AppAck: propose_app_ephemeral() of component app_ack carrying `ack`
  /// (kAppAckRangeInvalid for a range whose first generation is above its last).
  wire::MlsMessage propose_app_ack(const wire::AppAck& ack, BytesView aad = {});

 private:
  struct ResolvedProposal;
  /// The registration of `component` in GroupPolicy::components; nullptr when none.
  const AppComponent* app_component(wire::ComponentId component) const;
  /// §AppDataUpdate, §AppEphemeral: the rules of one such proposal on its own (its component
  /// known, an AppEphemeral's data accepted), and the rule of a GroupContextExtensions while
  /// AppDataUpdate is required. Other proposals pass.
  void check_app_proposal(const wire::Proposal& proposal) const;
  /// §AppEphemeral: the component knows `ephemeral` and accepts its data.
  void check_app_ephemeral(const wire::AppEphemeral& ephemeral) const;
  /// §AppEphemeral, then §AppDataUpdate, after the default proposals: records the list's
  /// AppEphemerals in `out` and applies its AppDataUpdates to `extensions` (the GroupContext
  /// extensions after the list's GroupContextExtensions); tree_ holds the new members.
  void apply_app_proposals(const std::vector<ResolvedProposal>& proposals,
                           wire::ExtensionList& extensions, StagedCommit& out) const;
  /// commit(): leaves out of `list` (and `commit`) the received AppDataUpdates that would make
  /// it invalid (a conflicting operation, a remove of absent state, a veto).
  void keep_valid_app_data_updates(std::vector<ResolvedProposal>& list, wire::Commit& commit) const;
  /// Extensions draft §SelfRemove Proposal: the rules of one SelfRemove from `sender`.
  void check_self_remove(const wire::Sender& sender) const;
  struct CachedProposal;
  /// A member's SelfRemove among the proposals received this epoch; nullptr when none.
  const CachedProposal* pending_self_remove(uint32_t leaf) const;
  /// join_external: the SelfRemove messages validated against this (joining) group's tree and
  /// GroupContext, resolved for the commit.
  std::vector<ResolvedProposal> joiner_self_removes(
      const std::vector<wire::MlsMessage>& self_removes) const;

 public:
  // --- state ---
  const crypto::Suite& suite() const { return suite_; }           ///< the group's cipher suite
  const wire::GroupContext& context() const { return context_; }  ///< the current GroupContext
  const Bytes& group_id() const { return context_.group_id; }     ///< the group's id
  uint64_t epoch() const { return context_.epoch; }               ///< the current epoch
  tree::LeafIndex own_leaf() const { return own_leaf_; }          ///< this member's leaf
  /// False once this member was removed: the group can send nothing more.
  bool active() const { return active_; }
  const tree::RatchetTree& tree() const { return tree_; }  ///< the public ratchet tree
  std::vector<MemberInfo> members() const;                 ///< the members, in leaf order
  const GroupConfig& config() const { return config_; }    ///< the group's configuration
  /// Replaces the application's callbacks and policies (they are not part of the state);
  /// kCredentialValidatorMissing without policy.credential_validator (config.h).
  void set_policy(GroupPolicy policy);
  /// §8.7: a secret of the epoch (an application may use it as a PAKE password, say).
  SecretBytes epoch_authenticator() const { return secrets_.epoch_authenticator; }
  /// §8.5 MLS-Exporter.
  SecretBytes export_secret(std::string_view label, BytesView context, size_t length) const;
  /// §12.4.3: a signed GroupInfo for the current epoch (for external joins, §12.4.3.2). None
  /// of a group a ReInit ended (kGroupReInitialized, §11.2).
  wire::MlsMessage group_info(bool with_ratchet_tree = true) const;
  /// The epochs whose application keys are still held (the current one and kept past ones).
  std::vector<uint64_t> retained_epochs() const;

  /// Versioned binary form of the whole state (the pending commit excluded: a commit not yet
  /// merged is re-created after a restore). Holds private keys: store it protected.
  SecretBytes serialize() const;
  /// The group serialize() wrote. kGroupStateInvalid for input that does not decode, has
  /// another version, or breaks an invariant.
  static Group deserialize(std::shared_ptr<const crypto::CryptoProvider> provider, BytesView data,
                           GroupPolicy policy = {});

  /// Same state (policies aside).
  friend bool operator==(const Group& a, const Group& b);

  // --- storage (group_storage.cpp) ---
  /// Writes the whole state to `store` in one transaction and keeps it attached.
  /// kStorageConflict when the store already holds a group with this group_id.
  void attach_storage(std::shared_ptr<storage::StorageProvider> store);
  /// The group `group_id` as stored, attached to `store`. kStorageNotFound when the store has
  /// no such group; kStorageCorrupt when a record is damaged, misplaced or inconsistent with
  /// the rest (nothing is loaded then).
  static Group load(std::shared_ptr<const crypto::CryptoProvider> provider,
                    std::shared_ptr<storage::StorageProvider> store, BytesView group_id,
                    GroupPolicy policy = {});
  /// The group ids the store holds, in ascending order.
  static std::vector<Bytes> stored_groups(const storage::StorageProvider& store);
  /// Deletes every record of the group from the store (one transaction).
  static void erase_stored(storage::StorageProvider& store, BytesView group_id);
  /// The attached store; null when none is attached.
  const std::shared_ptr<storage::StorageProvider>& storage() const { return store_; }

  /// Application bytes kept with the group (a delivery cursor, say). They are written in the
  /// same transaction as the group's next change, so that the two agree after a crash; or at
  /// once by save_application_state() when no change is coming (a message that was refused).
  void set_application_state(Bytes state);
  const Bytes& application_state() const { return application_state_; }  ///< as last set
  /// Writes the application state now, in a transaction of its own.
  void save_application_state();

  // --- resumption: PSKs (§8.4, §8.6), ReInit (§11.2), subgroup branching (§11.3) ---
  // (group_resumption.cpp)

  /// §8.6: the resumption_psk of `epoch`: the current one, or one of the last
  /// config().resumption_psks_kept past epochs; nullopt when it is not (or no longer) held.
  std::optional<SecretBytes> resumption_psk(uint64_t epoch) const;
  /// §12.1.4: proposes injecting the PSK `id` (external, or resumption of usage application:
  /// reinit and branch PSKs are kPskUsageInvalid here); an empty psk_nonce becomes a fresh one
  /// of KDF.Nh bytes. The committer and every member must have the PSK (kPskNotFound).
  wire::MlsMessage propose_psk(wire::PreSharedKeyId id, BytesView aad = {});
  /// §12.1.7: proposes replacing the GroupContext extensions, to be committed by reference.
  wire::MlsMessage propose_group_context_extensions(wire::ExtensionList extensions,
                                                    BytesView aad = {});

  /// §12.1.5: proposes to reinitialize the group with `reinit`'s parameters (an empty group_id
  /// becomes KDF.Nh random bytes of the new suite). Commit it by reference, or by value with
  /// CommitOptions::reinit.
  wire::MlsMessage propose_reinit(wire::ReInit reinit, BytesView aad = {});
  /// §11.2: set once a commit holding a ReInit is merged. The group is then ended: protect(),
  /// proposals, commits and group_info() throw kGroupReInitialized, and process() reads only late
  /// application messages of earlier epochs. Its current epoch's resumption PSK links it to
  /// the new group.
  std::optional<wire::ReInit> pending_reinit() const { return reinit_; }

  /// §11.2 step 3: creates the new group of `old`, a group ended by a ReInit, with the ReInit's
  /// group_id, cipher suite and extensions (version mls10), and commits in it the Adds of
  /// `key_packages` (the other members' KeyPackages in the new suite) with a PreSharedKey of
  /// type resumption, usage reinit, naming `old` at its current epoch (the epoch the ReInit's
  /// commit started). `identity` is this member's in the new suite, with the credential it
  /// has in `old`. The new group is at epoch 1, its first commit merged; the Welcome is for
  /// the other members (Group::join_resumed). `config`: unset, the old group's.
  static ResumedGroup reinit(const Group& old, const Identity& identity,
                             const std::vector<wire::KeyPackage>& key_packages,
                             std::optional<GroupConfig> config = std::nullopt);

  /// §11.3: branches a subgroup off `old`, same version and cipher suite, whose first commit
  /// adds `key_packages` (new KeyPackages of members of `old`) with a PreSharedKey of type
  /// resumption, usage branch, naming `old` at its current epoch, with a fresh KDF.Nh
  /// psk_nonce. `identity` is this member's (the credential it has in `old`).
  static ResumedGroup branch(const Group& old, const Identity& identity,
                             const std::vector<wire::KeyPackage>& key_packages,
                             const BranchOptions& options = {});

  /// §11.2, §11.3: join() for the Welcome of a group that resumes `old`, a group this client
  /// holds: its reinit or branch PSK (and any other resumption PSK of `old`) is taken from
  /// `old`, and the new group is checked against it. Reinit: `old` was ended by a ReInit, the
  /// PSK names its current epoch, and the new GroupContext has the ReInit's version, cipher
  /// suite, group_id and extensions. Branch: the old group's version and cipher suite, and
  /// every member's credential matches one of a member of `old` (basic: the same identity;
  /// other types: the same credential). Both: epoch 1. The provider and policy are `old`'s;
  /// `config` unset is `old`'s configuration. Plain join() finds no resumption PSK (kPskNotFound).
  static Group join_resumed(
      const Group& old, const Identity& identity, const KeyPackageBundle& key_package,
      const wire::MlsMessage& welcome,
      const std::optional<wire::RatchetTreeNodes>& ratchet_tree = std::nullopt,
      std::optional<GroupConfig> config = std::nullopt);

  // --- extensions draft: safe application interface (draft-ietf-mls-extensions §The Safe
  // Application Interface, §Safe AAD; safe_api.cpp). Every operation names the component
  // performing it; its ComponentOperationLabel separates it from MLS and from the others. ---

  /// §HPKE Keys: SafeEncryptWithLabel to the encryption key of the member at `to` (the key
  /// only that member's current leaf private key opens). Error(kSafeKeyUnavailable) for a
  /// leaf outside the tree or blank.
  crypto::HpkeCiphertext safe_encrypt(tree::LeafIndex to, wire::ComponentId component_id,
                                      std::string_view label, BytesView context,
                                      BytesView plaintext) const;
  /// §HPKE Keys: SafeDecryptWithLabel with this member's leaf private key, for the component
  /// performing the decryption. Error(kAeadAuthenticationFailed) when it was made for another
  /// key, component, label or context; Error(kSafeKeyUnavailable) when no key is held.
  Bytes safe_decrypt(wire::ComponentId component_id, std::string_view label, BytesView context,
                     const crypto::HpkeCiphertext& ciphertext) const;
  /// §Signature Keys: SafeSignWithLabel with this member's signature key.
  Bytes safe_sign(wire::ComponentId component_id, std::string_view label, BytesView content) const;
  /// §Signature Keys: SafeVerifyWithLabel against the signature key of the member at
  /// `signer`; false when it does not verify. Error(kSafeKeyUnavailable) for a leaf outside
  /// the tree or blank.
  bool safe_verify(tree::LeafIndex signer, wire::ComponentId component_id, std::string_view label,
                   BytesView content, BytesView signature) const;
  /// §Exported Secrets: SafeExportSecret(component_id), KDF.Nh bytes from this epoch's
  /// Exporter Tree, consumed as it is returned (and the change stored, when attached).
  /// Error(kSafeExportConsumed) the second time in an epoch; Error(kSafeExportUnavailable) in
  /// an epoch loaded from a state written before the safe exporter existed, or once removed.
  SecretBytes safe_export(wire::ComponentId component_id);
  /// §Exported Secrets: true when safe_export(component_id) would succeed.
  bool safe_export_available(wire::ComponentId component_id) const;
  /// §Safe AAD: true when this epoch's GroupContext holds the safe_aad component: every
  /// authenticated_data sent or received is then a SafeAAD (wire::encode_safe_aad builds one,
  /// wire::decode_safe_aad reads one), or Error(kSafeAadMalformed / kSafeAadUnsorted).
  bool safe_aad_required() const;

  /// §Content Advertisement: the media types this epoch's GroupContext requires every member
  /// to support (its content_media_types component); none: application_data is not framed.
  /// The committer refuses to add a client that does not advertise them all (a
  /// content_media_types component in its LeafNode's app_data_dictionary), and to require new
  /// types that a remaining member lacks: Error(kMediaTypeUnsupported).
  std::optional<wire::MediaTypeList> required_media_types() const;
  /// §Framing of application_data: protect() of the ApplicationFraming of `content`, of type
  /// `media_type` (an empty type: the group's first). Error(kInvalidArgument) in a group
  /// without content_media_types.
  wire::MlsMessage protect_framed(const wire::MediaType& media_type, BytesView content,
                                  BytesView aad = {});
  /// §Framing of application_data: a received message's framing, an empty type resolved to the
  /// group's first required type. Error(kApplicationFramingMalformed) for data that is not an
  /// ApplicationFraming; Error(kInvalidArgument) in a group without content_media_types.
  wire::ApplicationFraming unframe(const ApplicationMessage& message) const;

 private:
  struct CachedProposal {
    Bytes ref;
    wire::Sender sender;
    wire::Proposal proposal;
    /// Field by field.
    friend bool operator==(const CachedProposal&, const CachedProposal&) = default;
  };
  /// Keys kept from an earlier epoch for late application messages (§9.2 allows keeping them
  /// for some time), with the signature keys its members had where they differ from today's.
  struct PastEpoch {
    wire::GroupContext context;
    schedule::SecretTree secret_tree;
    SecretBytes sender_data_secret;
    std::map<uint32_t, std::optional<Bytes>> signature_keys;  ///< leaf -> key then (nullopt: blank)
    /// Field by field.
    friend bool operator==(const PastEpoch&, const PastEpoch&) = default;
  };
  struct PendingCommit {
    StagedCommit staged;
    Bytes message;  ///< the encoded MLSMessage, to recognise its echo
  };
  struct ResolvedProposal {
    wire::Sender sender;
    wire::Proposal proposal;
    std::optional<Bytes> ref;
  };

  explicit Group(crypto::Suite suite);

  /// Resumption internals (group_resumption.cpp).
  static Group join_impl(std::shared_ptr<const crypto::CryptoProvider> provider,
                         const Identity& identity, const KeyPackageBundle& key_package,
                         const wire::MlsMessage& welcome,
                         const std::optional<wire::RatchetTreeNodes>& ratchet_tree,
                         GroupConfig config, GroupPolicy policy, const Group* resumption_source);
  /// §8.4, §12.4.3.1: the psk_secret of a Welcome's GroupSecrets, resumption PSKs taken from
  /// `source` (none without it).
  static SecretBytes welcome_psk_secret(const crypto::Suite& suite, const GroupPolicy& policy,
                                        const std::vector<wire::PreSharedKeyId>& ids,
                                        const Group* source);
  /// §11.2, §11.3: the checks of a reinit or branch Welcome against `source`.
  static void check_resumption(const wire::GroupContext& context, const tree::RatchetTree& tree,
                               const std::vector<wire::PreSharedKeyId>& ids, const Group* source);
  static ResumedGroup found(const Group& old, const Identity& identity,
                            const std::vector<wire::KeyPackage>& key_packages,
                            wire::ResumptionPskUsage usage, const CreateOptions& options);
  /// A PSK by id: external from the policy, resumption of this group, or the founding one.
  std::optional<SecretBytes> find_psk(const wire::PreSharedKeyId& id) const;
  /// §11.2: throws kGroupReInitialized once a ReInit ended the group.
  void check_not_reinitialized() const;
  /// Whether this member may send a proposal now: a member, of a group not ended, with no commit
  /// of its own pending.
  void check_can_propose() const;
  /// Group::deserialize: the invariants of an active member's state (kGroupStateInvalid).
  void check_loaded_state() const;
  /// The configuration's limits (kInvalidArgument): padding_block.
  static void check_config(const GroupConfig& config);
  /// §5.3.1: a credential validator is set (kCredentialValidatorMissing).
  static void check_policy(const GroupPolicy& policy);
  /// The state shared by serialize() and the storage records (state_records.h).
  detail::CommonRecord common_record() const;
  static Group from_common_record(std::shared_ptr<const crypto::CryptoProvider> provider,
                                  GroupPolicy policy, detail::CommonRecord&& record);

  // --- storage (group_storage.cpp) ---
  // What changed since the last write, beyond what the secret trees track themselves.
  struct StorageChanges {
    bool epoch = false;    ///< the epoch record (everything but tree nodes and secret trees)
    bool pending = false;  ///< the pending commit was set or cleared
    bool application_state = false;
    std::set<uint32_t> tree_nodes;         ///< nodes a merged commit changed
    std::optional<uint32_t> width_before;  ///< the tree's width before them
    std::vector<uint64_t> dropped_epochs;  ///< epochs whose secret trees are gone
    bool exporter = false;                 ///< a safe export consumed from the exporter tree
  };
  /// Commits the changes to the attached store (nothing when none is attached).
  void persist();
  /// Records what merging a commit with this journal changes in the stored tree.
  void note_merge(const tree::TreeJournal& journal);
  /// The pending commit as a storage record, and back (group_pending_record.cpp).
  SecretBytes encode_pending() const;
  PendingCommit decode_pending(const SecretBytes& record) const;
  /// Adds this group's changes (all of its state when `everything`) to `batch`.
  void write_changes(storage::WriteBatch& batch, bool everything);
  void write_tree_nodes(storage::WriteBatch& batch, const std::set<uint32_t>& nodes) const;
  void write_secret_tree(storage::WriteBatch& batch, uint64_t epoch, schedule::SecretTree& tree,
                         bool everything) const;
  /// Group::join from a KeyPackageStore with storage: the group and the consumption of its
  /// KeyPackage in one transaction.
  void attach_with(std::shared_ptr<storage::StorageProvider> store, storage::WriteBatch batch);
  void check_readable_after_reinit(const wire::MlsMessage& message) const;

  /// §12.1.7: kDuplicateExtension, or a member outside `removed` that does not support
  /// `extensions` (kRequiredCapabilityMissing and the codes of check_required_capabilities).
  void check_group_context_extensions(const wire::ExtensionList& extensions,
                                      const std::unordered_set<uint32_t>& removed) const;
  /// §11.2: a ReInit this client can follow (its cipher suite is one the provider implements).
  void check_reinit_target(const wire::ReInit& reinit) const;

  // --- extensibility (group_extensibility.cpp) ---
  // §13.2: a received or sent custom proposal is of a registered type.
  void check_custom_proposal(const wire::CustomProposal& proposal) const;
  /// §12.4: whether a proposal of this type requires an UpdatePath (custom types: as registered).
  bool requires_path(wire::ProposalType type) const;
  /// The creator's leaf options: options.leaf with the registered custom proposal types and the
  /// GroupContext extension types; GREASE GroupContext extensions are refused.
  static KeyPackageOptions creator_leaf_options(const CreateOptions& options);
  /// §13.4: "A client joining a group MUST verify that it supports every extension in the
  /// GroupContext": its own KeyPackage lists each non-default type, GREASE values not counting
  /// (§13.5). kGroupExtensionUnsupported.
  static void check_joiner_support(const wire::KeyPackage& own,
                                   const wire::ExtensionList& group_context_extensions);
  /// §12.1.7: the GroupContext extensions in force after `list` and then `more` (those of their
  /// last GroupContextExtensions, else the current ones).
  wire::ExtensionList extensions_after(const std::vector<ResolvedProposal>& list,
                                       const std::vector<wire::Proposal>& more) const;

  tree::LeafPolicy leaf_policy(const wire::ExtensionList& extensions) const;
  /// §5.3.1: the policy's credential validator, or without one a validator that throws
  /// kCredentialValidatorMissing, so that no credential is accepted unchecked.
  std::function<bool(const wire::Credential&, BytesView)> credential_validator() const;
  /// §12.4.3.1: the tree of a joiner (by Welcome or external commit), validated in full, and the
  /// GroupInfo's signature by its signer in it.
  void load_tree(const wire::GroupInfo& info,
                 const std::optional<wire::RatchetTreeNodes>& supplied);
  uint64_t now() const;
  /// GroupPolicy::worker_threads as the parallel helpers count: the caller included, 0 = cores.
  unsigned max_threads() const;
  /// Content signed by this member, with its FramedContent encoded once: the signature, the
  /// membership tag, the transcript hash and the PrivateMessage plaintext are all made from it.
  struct SignedContent {
    wire::AuthenticatedContent content;
    wire::EncodedFramedContent encoded;
  };
  SignedContent sign_content(wire::WireFormat wire_format, wire::Content content,
                             BytesView aad) const;
  wire::MlsMessage protect_content(const SignedContent& signed_content);
  /// Signs, protects and remembers an own proposal (with the private key of an Update's new
  /// leaf), persisted before it is returned.
  wire::MlsMessage send_proposal(wire::Proposal proposal, BytesView aad,
                                 std::optional<std::pair<Bytes, SecretBytes>> update_key = {});
  ProcessResult process_message(const wire::MlsMessage& message);
  /// Whether `message` could be the Delivery Service's echo of our pending commit or of one of
  /// our proposals; only then is it encoded to compare.
  bool may_be_own_echo(const wire::MlsMessage& message) const;
  wire::WireFormat handshake_wire_format() const;

  /// Receiving.
  ProcessResult process_public(const wire::PublicMessage& message);
  ProcessResult process_private(const wire::PrivateMessage& message);
  /// `proposal_checked`: a proposal's §12.1 checks were already made (PrivateMessage, before its
  /// key was consumed).
  /// `encoded`: content.content's encoding, made once per message.
  ProcessResult process_content(const wire::AuthenticatedContent& content,
                                const wire::EncodedFramedContent& encoded,
                                bool proposal_checked = false);
  ApplicationMessage process_past_application(const wire::PrivateMessage& message);
  /// §6.1: the key that verifies the sender's signature, for every sender type (§12.1.8).
  Bytes sender_signature_key(const wire::AuthenticatedContent& content) const;
  void check_proposal(const wire::Sender& sender, const wire::Proposal& proposal) const;

  /// The proposals received this epoch (§12.1), by reference in O(1) (proposal_validation.cpp).
  const CachedProposal* find_proposal(BytesView ref) const;
  void cache_proposal(CachedProposal proposal);
  void clear_proposals();

  /// Commits, both directions.
  std::vector<ResolvedProposal> resolve(const wire::Commit& commit,
                                        const wire::Sender& committer) const;
  void validate_proposal_list(const std::vector<ResolvedProposal>& proposals,
                              std::optional<tree::LeafIndex> committer, bool external) const;
  /// §12.4.1, commit_creation.cpp: the commit's proposals (received ones by reference that keep
  /// the list valid, then the options' by value), each resolved; then the new epoch's GroupInfo
  /// and Welcome (§12.4.3) into `output`.
  struct CommitProposals {
    wire::Commit commit;
    std::vector<ResolvedProposal> list;
  };
  /// `validated` is called once the new KeyPackages are verified, before the list's serial
  /// checks: commit() starts the Welcome's work there.
  CommitProposals commit_proposals(const CommitOptions& options,
                                   const std::function<void()>& validated) const;
  void new_epoch_info(const CommitOptions& options, const StagedCommit& staged,
                      const wire::GroupContext& next, const wire::Mac& confirmation_tag,
                      const schedule::KeyScheduleResult& ks,
                      const std::optional<tree::CreatedUpdatePath>& created,
                      schedule::WelcomePrecomputation* welcome_work, CommitOutput& output) const;
  StagedCommit stage_commit(const wire::AuthenticatedContent& content,
                            const wire::EncodedFramedContent& encoded);
  /// §12.3: applies the list to tree_ (inside the caller's journal), recording in `out` what
  /// changed; returns the GroupContext extensions in force afterwards.
  wire::ExtensionList apply_proposals(const std::vector<ResolvedProposal>& proposals,
                                      StagedCommit& out);
  SecretBytes psk_secret(const std::vector<wire::PreSharedKeyId>& ids) const;
  /// §12.4.3.2, member side: the init secret an external commit's ExternalInit gives.
  SecretBytes external_init_secret(const std::vector<ResolvedProposal>& proposals) const;
  /// §12.4.3.2, member side: puts an external committer's leaf into tree_ (inside the caller's
  /// journal) after its checks; returns its index.
  tree::LeafIndex add_external_committer(const wire::LeafNode& leaf, const StagedCommit& staged,
                                         const tree::LeafPolicy& policy);
  /// Records in `staged` the state that stages it; check_staged() refuses it to any other
  /// (kStagedCommitMismatch).
  void stamp(StagedCommit& staged) const;
  void check_staged(const StagedCommit& staged) const;
  void apply_staged(StagedCommit staged);

  std::shared_ptr<const crypto::CryptoProvider> provider_;
  crypto::Suite suite_;
  GroupConfig config_;
  GroupPolicy policy_;

  tree::LeafIndex own_leaf_;
  wire::Credential credential_;
  SecretBytes signature_private_key_;
  bool active_ = true;

  wire::GroupContext context_;
  tree::RatchetTree tree_;
  tree::TreeKemPrivate tree_private_;
  schedule::EpochSecrets secrets_;
  schedule::SecretTree secret_tree_;
  /// extensions draft §Exported Secrets: none when this epoch's root is not held.
  std::optional<schedule::ExporterTree> exporter_tree_;
  Bytes interim_transcript_hash_;
  Bytes confirmation_tag_;  ///< of the commit that started this epoch, for GroupInfo

  std::vector<CachedProposal> proposals_;  ///< received this epoch, in arrival order
  std::unordered_map<std::string, size_t> proposal_positions_;  ///< ref -> index in proposals_
  std::deque<std::pair<uint64_t, PastEpoch>> past_epochs_;
  /// Resumption PSKs of past epochs (§8.6), by epoch; the last config_.resumption_psks_kept.
  std::map<uint64_t, SecretBytes> resumption_psks_;
  std::optional<PendingCommit> pending_;
  std::vector<Bytes> own_proposal_messages_;  ///< encoded, to recognise their echoes
  /// §12.1.2: private keys of this member's proposed Update leaves, by their public key.
  std::vector<std::pair<Bytes, SecretBytes>> update_private_keys_;
  /// §11.2: the ReInit of the merged commit that ended the group.
  std::optional<wire::ReInit> reinit_;
  /// §11.2, §11.3: the reinit or branch PSK of a new group's first commit, set only while
  /// Group::reinit or Group::branch makes that commit (never serialized).
  std::optional<schedule::PskInput> founding_psk_;

  std::shared_ptr<storage::StorageProvider> store_;
  uint64_t store_version_ = 0;  ///< the stored group's version this object reflects
  bool store_stale_ = false;    ///< a write failed: the object no longer matches the store
  StorageChanges changes_;
  Bytes application_state_;
};

/// A group made by Group::reinit() or Group::branch(), and its Welcome.
struct ResumedGroup {
  Group group;               ///< the new group, at epoch 1
  wire::MlsMessage welcome;  ///< for the other members (Group::join_resumed)
};

/// What Group::join_external() returns.
struct ExternalJoin {
  Group group;              ///< the group in the commit's epoch, if the commit is accepted
  wire::MlsMessage commit;  ///< a PublicMessage from a new_member_commit sender
};

// --- proposals from outside the group (§12.1.8) ---

/// A proposal (Add, Remove, PreSharedKey, ReInit or GroupContextExtensions) from the external
/// sender at `sender_index` of the group's external_senders extension, signed with that sender's
/// key, as a PublicMessage for the group's current epoch. Throws Error(kSenderNotAllowed) for
/// another proposal type.
wire::MlsMessage external_proposal(const crypto::Suite& suite, BytesView group_id, uint64_t epoch,
                                   uint32_t sender_index, BytesView signature_private_key,
                                   wire::Proposal proposal, BytesView authenticated_data = {});

/// A client's Add of itself (sender type new_member_proposal), signed with the key of the
/// KeyPackage's leaf, as a PublicMessage for the group's current epoch.
wire::MlsMessage new_member_proposal(const crypto::Suite& suite, BytesView group_id, uint64_t epoch,
                                     const wire::KeyPackage& key_package,
                                     BytesView signature_private_key,
                                     BytesView authenticated_data = {});

/// Extensions draft §AppAck: the AppEphemeral of component app_ack that carries `ack`
/// (kAppAckRangeInvalid for a range whose first generation is above its last).
wire::AppEphemeral app_ack_ephemeral(const wire::AppAck& ack);

/// The external_senders group context extension (§12.1.8.1) listing `senders`.
wire::Extension external_senders_extension(const std::vector<wire::ExternalSender>& senders);

}  // namespace conclave
