// Group: one member's view of an MLS group (RFC 9420 §11-§12) and the public API of Conclave.
//
// A Group is a value: copyable, comparable and serializable. Nothing changes it until
// everything about an input has been verified: process() returns a StagedCommit that holds the
// next epoch, and only merge() applies it; a rejected message leaves the group exactly as it
// was. The committer's own commit is applied only by merge_pending_commit(), once the Delivery
// Service has accepted it (or dropped with discard_pending_commit()).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "conclave/base/bytes.h"
#include "conclave/base/secret_bytes.h"
#include "conclave/crypto/provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/group/config.h"
#include "conclave/group/identity.h"
#include "conclave/group/staged_commit.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/secret_tree.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/tree/treekem.h"
#include "conclave/wire/framing.h"
#include "conclave/wire/message.h"

namespace conclave {

struct CreateOptions {
  Bytes group_id;  // empty: KDF.Nh random bytes (§11)
  wire::ExtensionList extensions;
  GroupConfig config;
};

struct CommitOptions {
  std::vector<wire::KeyPackage> add;
  std::vector<tree::LeafIndex> remove;
  std::vector<wire::PreSharedKeyId> psks;
  std::optional<wire::ExtensionList> group_context_extensions;
  // Include the proposals received this epoch (by reference), as §12.4 recommends.
  bool include_pending_proposals = true;
  // Force an UpdatePath even when the configuration would leave it out.
  bool force_path = false;
  Bytes authenticated_data;
};

struct CommitOutput {
  wire::MlsMessage commit;
  std::optional<wire::MlsMessage> welcome;  // when members were added
  // §12.4.3: the new epoch's GroupInfo, with external_pub but without the ratchet tree
  // (group_info() after the merge includes it).
  wire::MlsMessage group_info;
};

struct ApplicationMessage {
  tree::LeafIndex sender;
  uint64_t epoch = 0;
  Bytes data;
  Bytes authenticated_data;
};

struct ReceivedProposal {
  wire::Sender sender;
  wire::Proposal proposal;
  Bytes ref;  // §5.2 ProposalRef, for commits that include it by reference
};

using ProcessResult = std::variant<ApplicationMessage, ReceivedProposal, StagedCommit>;

// How to join by external commit (RFC 9420 §12.4.3.2).
struct ExternalJoinOptions {
  // The tree, when the GroupInfo carries no ratchet_tree extension.
  std::optional<wire::RatchetTreeNodes> ratchet_tree;
  // A "resync": the leaf of our earlier appearance in the group, removed by the same commit.
  std::optional<tree::LeafIndex> remove_leaf;
  // External PSKs (from GroupPolicy::external_psk) mixed into the new epoch.
  std::vector<wire::PreSharedKeyId> psks;
  Bytes authenticated_data;
  GroupConfig config;
};
struct ExternalJoin;

struct MemberInfo {
  tree::LeafIndex leaf;
  wire::Credential credential;
  Bytes signature_key;
};

class Group {
 public:
  // §11: a one-member group at epoch 0.
  static Group create(std::shared_ptr<const crypto::CryptoProvider> provider,
                      const Identity& identity, const CreateOptions& options = {},
                      GroupPolicy policy = {});

  // §12.4.3.1: joins with the Welcome addressed to `key_package`. `ratchet_tree` is needed when
  // the Welcome's GroupInfo has no ratchet_tree extension.
  static Group join(std::shared_ptr<const crypto::CryptoProvider> provider,
                    const Identity& identity, const KeyPackageBundle& key_package,
                    const wire::MlsMessage& welcome,
                    const std::optional<wire::RatchetTreeNodes>& ratchet_tree = std::nullopt,
                    GroupConfig config = {}, GroupPolicy policy = {});

  // --- external joins (§12.4.3.2) ---
  // Joins with an external commit built from a GroupInfo that has the external_pub extension.
  // Returns the group in the commit's epoch and the commit for the Delivery Service; if the DS
  // refuses the commit, drop the returned group.
  static ExternalJoin join_external(std::shared_ptr<const crypto::CryptoProvider> provider,
                                    const Identity& identity, const wire::MlsMessage& group_info,
                                    const ExternalJoinOptions& options = {},
                                    GroupPolicy policy = {});

  // --- proposals (§12.1), sent now and committed later by reference ---
  wire::MlsMessage propose_add(const wire::KeyPackage& key_package, BytesView aad = {});
  wire::MlsMessage propose_remove(tree::LeafIndex leaf, BytesView aad = {});
  // §12.1.2: a fresh leaf encryption key for this member.
  wire::MlsMessage propose_update(BytesView aad = {});

  // --- commits (§12.4) ---
  CommitOutput commit(const CommitOptions& options = {});
  bool has_pending_commit() const { return pending_.has_value(); }
  void merge_pending_commit();
  void discard_pending_commit();

  // --- receiving (§6, §12) ---
  // Verifies a message in full and returns what it carries. Proposals are remembered for the
  // epoch's commit; a commit comes back staged and changes nothing until merge(). The
  // committer's own commit, echoed by the Delivery Service, comes back as its staged commit.
  ProcessResult process(const wire::MlsMessage& message);
  void merge(StagedCommit staged);

  // --- application messages (§6.3) ---
  wire::MlsMessage protect(BytesView application_data, BytesView aad = {});

  // --- state ---
  const crypto::Suite& suite() const { return suite_; }
  const wire::GroupContext& context() const { return context_; }
  const Bytes& group_id() const { return context_.group_id; }
  uint64_t epoch() const { return context_.epoch; }
  tree::LeafIndex own_leaf() const { return own_leaf_; }
  bool active() const { return active_; }
  const tree::RatchetTree& tree() const { return tree_; }
  std::vector<MemberInfo> members() const;
  const GroupConfig& config() const { return config_; }
  void set_policy(GroupPolicy policy) { policy_ = std::move(policy); }
  // §8.7
  Bytes epoch_authenticator() const { return secrets_.epoch_authenticator.copy_out(); }
  // §8.5 MLS-Exporter.
  SecretBytes export_secret(std::string_view label, BytesView context, size_t length) const;
  // §12.4.3: a signed GroupInfo for the current epoch (for external joins, §12.4.3.2).
  wire::MlsMessage group_info(bool with_ratchet_tree = true) const;
  // The epochs whose application keys are still held (the current one and kept past ones).
  std::vector<uint64_t> retained_epochs() const;

  // Versioned binary form of the whole state (the pending commit excluded: a commit not yet
  // merged is re-created after a restore). Holds private keys: store it protected.
  Bytes serialize() const;
  static Group deserialize(std::shared_ptr<const crypto::CryptoProvider> provider, BytesView data,
                           GroupPolicy policy = {});

  // Same state (policies aside).
  friend bool operator==(const Group& a, const Group& b);

 private:
  struct CachedProposal {
    Bytes ref;
    wire::Sender sender;
    wire::Proposal proposal;
    friend bool operator==(const CachedProposal&, const CachedProposal&) = default;
  };
  // Keys kept from an earlier epoch for late application messages (§9.2 allows keeping them
  // for some time), with the signature keys its members had where they differ from today's.
  struct PastEpoch {
    wire::GroupContext context;
    schedule::SecretTree secret_tree;
    SecretBytes sender_data_secret;
    std::map<uint32_t, std::optional<Bytes>> signature_keys;  // leaf -> key then (nullopt: blank)
    friend bool operator==(const PastEpoch&, const PastEpoch&) = default;
  };
  struct PendingCommit {
    StagedCommit staged;
    Bytes message;  // the encoded MLSMessage, to recognise its echo
  };
  struct ResolvedProposal {
    wire::Sender sender;
    wire::Proposal proposal;
    std::optional<Bytes> ref;
  };

  explicit Group(crypto::Suite suite);

  tree::LeafPolicy leaf_policy(const wire::ExtensionList& extensions) const;
  uint64_t now() const;
  wire::AuthenticatedContent sign_content(wire::WireFormat wire_format, wire::Content content,
                                          BytesView aad) const;
  wire::MlsMessage protect_content(const wire::AuthenticatedContent& content);
  wire::MlsMessage send_proposal(wire::Proposal proposal, BytesView aad);
  wire::WireFormat handshake_wire_format() const;
  size_t padding_for(size_t plaintext_size) const;

  // Receiving.
  ProcessResult process_public(const wire::PublicMessage& message);
  ProcessResult process_private(const wire::PrivateMessage& message);
  ProcessResult process_content(const wire::AuthenticatedContent& content);
  ApplicationMessage process_past_application(const wire::PrivateMessage& message);
  // §6.1: the key that verifies the sender's signature, for every sender type (§12.1.8).
  Bytes sender_signature_key(const wire::AuthenticatedContent& content) const;
  void check_proposal(const wire::Sender& sender, const wire::Proposal& proposal) const;

  // Commits, both directions.
  std::vector<ResolvedProposal> resolve(const wire::Commit& commit,
                                        const wire::Sender& committer) const;
  void validate_proposal_list(const std::vector<ResolvedProposal>& proposals,
                              std::optional<tree::LeafIndex> committer, bool external) const;
  StagedCommit stage_commit(const wire::AuthenticatedContent& content);
  // §12.3: applies the list to tree_ (inside the caller's journal), recording in `out` what
  // changed; returns the GroupContext extensions in force afterwards.
  wire::ExtensionList apply_proposals(const std::vector<ResolvedProposal>& proposals,
                                      StagedCommit& out);
  SecretBytes psk_secret(const std::vector<wire::PreSharedKeyId>& ids) const;
  // §12.4.3.2, member side: the init secret an external commit's ExternalInit gives.
  SecretBytes external_init_secret(const std::vector<ResolvedProposal>& proposals) const;
  // §12.4.3.2, member side: puts an external committer's leaf into tree_ (inside the caller's
  // journal) after its checks; returns its index.
  tree::LeafIndex add_external_committer(const wire::LeafNode& leaf, const StagedCommit& staged,
                                         const tree::LeafPolicy& policy);
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
  Bytes interim_transcript_hash_;
  Bytes confirmation_tag_;  // of the commit that started this epoch, for GroupInfo

  std::vector<CachedProposal> proposals_;  // received this epoch, in arrival order
  std::deque<std::pair<uint64_t, PastEpoch>> past_epochs_;
  // Resumption PSKs of past epochs (§8.6), by epoch; kept as long as past_epochs_kept.
  std::map<uint64_t, SecretBytes> resumption_psks_;
  std::optional<PendingCommit> pending_;
  std::vector<Bytes> own_proposal_messages_;  // encoded, to recognise their echoes
  // §12.1.2: private keys of this member's proposed Update leaves, by their public key.
  std::vector<std::pair<Bytes, SecretBytes>> update_private_keys_;
};

struct ExternalJoin {
  Group group;
  wire::MlsMessage commit;  // a PublicMessage from a new_member_commit sender
};

// --- proposals from outside the group (§12.1.8) ---

// A proposal (Add, Remove, PreSharedKey, ReInit or GroupContextExtensions) from the external
// sender at `sender_index` of the group's external_senders extension, signed with that sender's
// key, as a PublicMessage for the group's current epoch. Throws Error(kSenderNotAllowed) for
// another proposal type.
wire::MlsMessage external_proposal(const crypto::Suite& suite, BytesView group_id, uint64_t epoch,
                                   uint32_t sender_index, BytesView signature_private_key,
                                   wire::Proposal proposal, BytesView authenticated_data = {});

// A client's Add of itself (sender type new_member_proposal), signed with the key of the
// KeyPackage's leaf, as a PublicMessage for the group's current epoch.
wire::MlsMessage new_member_proposal(const crypto::Suite& suite, BytesView group_id, uint64_t epoch,
                                     const wire::KeyPackage& key_package,
                                     BytesView signature_private_key,
                                     BytesView authenticated_data = {});

// The external_senders group context extension (§12.1.8.1) listing `senders`.
wire::Extension external_senders_extension(const std::vector<wire::ExternalSender>& senders);

}  // namespace conclave
