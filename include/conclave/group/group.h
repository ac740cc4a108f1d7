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
#include "conclave/group/key_package_store.h"
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
  // §11, §13.4: the GroupContext extensions. Custom types are listed in the creator's
  // capabilities; GREASE types are refused (§13.5: never sent in GroupContext.extensions).
  wire::ExtensionList extensions;
  GroupConfig config;
  // The creator's leaf (§7.2): capabilities, leaf extensions, GREASE. The registered custom
  // proposal types (config.custom_proposals) are added to it; the KeyPackage-only fields
  // (extensions, last_resort) are unused.
  KeyPackageOptions leaf;
};

struct CommitOptions {
  std::vector<wire::KeyPackage> add;
  std::vector<tree::LeafIndex> remove;
  std::vector<wire::PreSharedKeyId> psks;
  std::optional<wire::ExtensionList> group_context_extensions;
  // §13.2: custom proposals by value, of types registered in config().custom_proposals.
  std::vector<wire::CustomProposal> custom_proposals;
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

struct MemberInfo {
  tree::LeafIndex leaf;
  wire::Credential credential;
  Bytes signature_key;
};

// §13.2: KeyPackage options whose capabilities list the custom proposal types `config`
// registers, for clients that will join a group with that configuration.
KeyPackageOptions key_package_options_for(const GroupConfig& config);

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

  // --- extensibility (§13, §17.3): custom proposals, joining from a KeyPackageStore ---
  // (group_extensibility.cpp)
  // §13.2: a proposal of a custom type registered in config().custom_proposals (not a default
  // or GREASE type: kInvalidArgument; unregistered or unsupported by a member:
  // kProposalTypeUnsupported), sent now and committed later by reference.
  wire::MlsMessage propose_custom(wire::ProposalType type, BytesView data, BytesView aad = {});
  // §12.4.3.1: joins with the bundle of `store` the Welcome is addressed to (none:
  // kWelcomeNotForUs). Once the join succeeds the bundle is deleted from the store, its private
  // keys with it, unless its KeyPackage is last-resort; a failed join leaves the store as it was.
  static Group join(std::shared_ptr<const crypto::CryptoProvider> provider,
                    const Identity& identity, KeyPackageStore& store,
                    const wire::MlsMessage& welcome,
                    const std::optional<wire::RatchetTreeNodes>& ratchet_tree = std::nullopt,
                    GroupConfig config = {}, GroupPolicy policy = {});

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

  // --- extensibility (group_extensibility.cpp) ---
  // §13.2: a received or sent custom proposal is of a registered type.
  void check_custom_proposal(const wire::CustomProposal& proposal) const;
  // §12.4: whether a proposal of this type requires an UpdatePath (custom types: as registered).
  bool requires_path(wire::ProposalType type) const;
  // The creator's leaf options: options.leaf with the registered custom proposal types and the
  // GroupContext extension types; GREASE GroupContext extensions are refused.
  static KeyPackageOptions creator_leaf_options(const CreateOptions& options);
  // §13.4: "A client joining a group MUST verify that it supports every extension in the
  // GroupContext": its own KeyPackage lists each non-default type, GREASE values not counting
  // (§13.5). kGroupExtensionUnsupported.
  static void check_joiner_support(const wire::KeyPackage& own,
                                   const wire::ExtensionList& group_context_extensions);
  // §12.1.7: the GroupContext extensions in force after `list` and then `more` (those of their
  // last GroupContextExtensions, else the current ones).
  wire::ExtensionList extensions_after(const std::vector<ResolvedProposal>& list,
                                       const std::vector<wire::Proposal>& more) const;

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
  BytesView sender_signature_key(const wire::AuthenticatedContent& content) const;
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

}  // namespace conclave
