// Resumption: PSK lookup (§8.4, §8.6), reinitialization (§11.2) and subgroup branching (§11.3).
//
// A group ended by a ReInit keeps its state (late application messages of earlier epochs are
// still read) but sends nothing more. Group::reinit and Group::branch make a new group whose
// first commit injects the old group's resumption PSK with usage reinit or branch: the only
// place such a PSK may appear (§12.1.4). Its joiners use Group::join_resumed with the old group
// they hold, which supplies the PSK and is what the new group is checked against.
#include <algorithm>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/schedule/psk.h"

namespace conclave {

namespace {

// §11.3: "a pair of LeafNodes is said to 'match' if the identifiers presented by their
// respective credentials are considered equivalent by the application": GroupPolicy::same_client
// when the application set it, else basic credentials by their identity and any other type by
// the whole credential (an X.509 chain must be the same chain).
class OldMembers {
 public:
  OldMembers(const tree::RatchetTree& tree, const GroupPolicy& policy)
      : tree_(tree), same_client_(policy.same_client) {
    if (same_client_) return;  // the application's relation cannot be indexed
    for (tree::LeafIndex l : tree.members())
      keys_.push_back(key_of(tree.leaf(l)->credential));
    std::sort(keys_.begin(), keys_.end());
  }

  // O(log n) without a custom relation, so checking a whole subgroup stays O(n log n).
  bool contains(const wire::Credential& credential) const {
    if (!same_client_) return std::binary_search(keys_.begin(), keys_.end(), key_of(credential));
    const auto members = tree_.members();
    return std::any_of(members.begin(), members.end(), [&](tree::LeafIndex l) {
      return same_client_(tree_.leaf(l)->credential, credential);
    });
  }

 private:
  static std::pair<wire::CredentialType, Bytes> key_of(const wire::Credential& c) {
    if (const Bytes* identity = c.identity()) return {c.credential_type, *identity};
    return {c.credential_type, codec::encode(c)};
  }

  const tree::RatchetTree& tree_;
  const std::function<bool(const wire::Credential&, const wire::Credential&)>& same_client_;
  std::vector<std::pair<wire::CredentialType, Bytes>> keys_;
};

bool is_link(const wire::PreSharedKeyId& id) {
  return id.psktype == wire::PskType::kResumption &&
         id.usage != wire::ResumptionPskUsage::kApplication;
}

}  // namespace

// --- PSKs (§8.4, §8.6) ---------------------------------------------------------------------------

std::optional<SecretBytes> Group::resumption_psk(uint64_t epoch) const {
  if (epoch == context_.epoch) {
    if (!active_) return std::nullopt;  // a removed member's secrets are gone
    return secrets_.resumption_psk;
  }
  const auto it = resumption_psks_.find(epoch);
  if (it == resumption_psks_.end()) return std::nullopt;
  return it->second;
}

std::optional<SecretBytes> Group::find_psk(const wire::PreSharedKeyId& id) const {
  if (founding_psk_ && founding_psk_->id == id) return founding_psk_->psk;
  if (id.psktype == wire::PskType::kExternal) {
    if (!policy_.external_psk) return std::nullopt;
    return policy_.external_psk(id.psk_id);
  }
  if (id.psktype == wire::PskType::kApplication) {
    // extensions draft §Pre-Shared Keys: the component's own namespace of PSKs
    if (!policy_.application_psk) return std::nullopt;
    return policy_.application_psk(id.component_id, id.psk_id);
  }
  if (id.psk_group_id != context_.group_id) return std::nullopt;
  return resumption_psk(id.psk_epoch);
}

// A member does not send what every committer must refuse (§12.2): its own proposals are held
// to the checks their commit would meet, beyond the per-proposal ones of check_proposal.

wire::MlsMessage Group::propose_psk(wire::PreSharedKeyId id, BytesView aad) {
  if (id.psk_nonce.empty()) id.psk_nonce = suite_.random(suite_.hash_len());
  // §12.4.2: a commit covering it fails without the PSK; the proposer must at least hold it.
  if (!find_psk(id))
    throw Error(ErrorCode::kPskNotFound,
                id.psktype == wire::PskType::kExternal ? "an external PSK this member does not hold"
                : id.psktype == wire::PskType::kApplication
                    ? "an application PSK this member does not hold"
                    : "a resumption PSK of an epoch this member does not hold");
  return send_proposal(wire::Proposal{wire::PreSharedKey{std::move(id)}}, aad);
}

wire::MlsMessage Group::propose_group_context_extensions(wire::ExtensionList extensions,
                                                         BytesView aad) {
  check_not_reinitialized();
  check_group_context_extensions(extensions, {});
  wire::Proposal proposal{wire::GroupContextExtensions{std::move(extensions)}};
  check_app_proposal(proposal);  // extensions draft §AppDataUpdate: app_data_dictionary kept
  return send_proposal(std::move(proposal), aad);
}

void Group::check_reinit_target(const wire::ReInit& reinit) const {
  // §11.2: the members must be able to create the new group; a suite this client cannot use
  // would end the group with no way on.
  (void)crypto::Suite(provider_, reinit.cipher_suite);
}

SecretBytes Group::welcome_psk_secret(const crypto::Suite& suite, const GroupPolicy& policy,
                                      const std::vector<wire::PreSharedKeyId>& ids,
                                      const Group* source) {
  std::vector<schedule::PskInput> inputs;
  for (const auto& id : ids) {
    std::optional<SecretBytes> psk;
    if (id.psktype == wire::PskType::kExternal) {
      if (policy.external_psk) psk = policy.external_psk(id.psk_id);
      if (!psk) throw Error(ErrorCode::kPskNotFound, "an external PSK the Welcome names");
    } else if (id.psktype == wire::PskType::kApplication) {
      if (policy.application_psk) psk = policy.application_psk(id.component_id, id.psk_id);
      if (!psk) throw Error(ErrorCode::kPskNotFound, "an application PSK the Welcome names");
    } else {
      // A joiner holds no epoch of the group it joins: a resumption PSK is of another group,
      // the one given to join_resumed.
      if (source != nullptr && id.psk_group_id == source->group_id())
        psk = source->resumption_psk(id.psk_epoch);
      if (!psk)
        throw Error(ErrorCode::kPskNotFound,
                    source == nullptr
                        ? "a resumption PSK in a Welcome: join it with Group::join_resumed"
                        : "a resumption PSK of a group or epoch the old group does not hold");
    }
    inputs.push_back(schedule::PskInput{id, std::move(*psk)});
  }
  return schedule::derive_psk_secret(suite, inputs);
}

// --- ReInit (§11.2) ------------------------------------------------------------------------------

void Group::check_not_reinitialized() const {
  if (reinit_)
    throw Error(ErrorCode::kGroupReInitialized,
                "a ReInit ended this group (§11.2): continue in the new group");
}

void Group::check_readable_after_reinit(const wire::MlsMessage& message) const {
  // §11.2: the old group is shut down. Its members send nothing more in its last epoch; an
  // application message of an earlier epoch may still arrive late.
  if (const auto* pm = message.get<wire::PrivateMessage>())
    if (pm->content_type == wire::ContentType::kApplication && pm->epoch < context_.epoch) return;
  throw Error(ErrorCode::kGroupReInitialized,
              "a ReInit ended this group (§11.2): it takes no more messages of its last epoch");
}

wire::MlsMessage Group::propose_reinit(wire::ReInit reinit, BytesView aad) {
  check_not_reinitialized();
  check_reinit_target(reinit);
  if (reinit.group_id.empty()) {
    const crypto::Suite next(provider_, reinit.cipher_suite);
    reinit.group_id = next.random(next.hash_len());
  }
  return send_proposal(wire::Proposal{std::move(reinit)}, aad);
}

ResumedGroup Group::reinit(const Group& old, const Identity& identity,
                           const std::vector<wire::KeyPackage>& key_packages,
                           std::optional<GroupConfig> config) {
  if (!old.reinit_)
    throw Error(ErrorCode::kInvalidArgument, "reinit() needs a group a ReInit ended");
  const wire::ReInit& r = *old.reinit_;
  if (r.version != wire::ProtocolVersion::kMls10)
    throw Error(ErrorCode::kUnsupportedProtocolVersion, "a ReInit to a version other than mls10");
  if (r.group_id.empty())
    throw Error(ErrorCode::kInvalidArgument, "a ReInit with an empty group_id");
  if (identity.cipher_suite != r.cipher_suite)
    throw Error(ErrorCode::kInvalidArgument, "the identity is not of the ReInit's cipher suite");
  CreateOptions options;
  options.group_id = r.group_id;
  options.extensions = r.extensions;
  options.config = config.value_or(old.config_);
  return found(old, identity, key_packages, wire::ResumptionPskUsage::kReinit, options);
}

// --- subgroup branching (§11.3) ------------------------------------------------------------------

ResumedGroup Group::branch(const Group& old, const Identity& identity,
                           const std::vector<wire::KeyPackage>& key_packages,
                           const BranchOptions& options) {
  old.check_not_reinitialized();
  if (identity.cipher_suite != old.suite_.id())
    throw Error(ErrorCode::kInvalidArgument, "a subgroup keeps the old group's cipher suite");
  CreateOptions create;
  create.group_id = options.group_id;
  create.extensions = options.extensions.value_or(old.context_.extensions);
  create.config = options.config.value_or(old.config_);
  return found(old, identity, key_packages, wire::ResumptionPskUsage::kBranch, create);
}

// --- the new group's first commit ----------------------------------------------------------------

ResumedGroup Group::found(const Group& old, const Identity& identity,
                          const std::vector<wire::KeyPackage>& key_packages,
                          wire::ResumptionPskUsage usage, const CreateOptions& options) {
  if (!old.active_) throw Error(ErrorCode::kNotAMember, "removed from the old group");
  if (key_packages.empty())
    throw Error(ErrorCode::kInvalidArgument, "a new group needs members to welcome");
  // Its members are the old group's (§11.2: "the same membership"; §11.3: joiners check it).
  // Refused here too rather than in every joiner.
  const ErrorCode not_member = usage == wire::ResumptionPskUsage::kBranch
                                   ? ErrorCode::kBranchMemberUnknown
                                   : ErrorCode::kInvalidArgument;
  const OldMembers old_members(old.tree_, old.policy_);
  if (!old_members.contains(identity.credential))
    throw Error(not_member, "the identity's credential is not a member's of the old group");
  for (const auto& kp : key_packages)
    if (!old_members.contains(kp.leaf_node.credential))
      throw Error(not_member, "a KeyPackage of a client that is not a member of the old group");

  // The PSK of the old group's current epoch: for a reinit, the epoch after the commit that
  // covered the ReInit (§11.2).
  std::optional<SecretBytes> psk = old.resumption_psk(old.epoch());
  if (!psk) throw Error(ErrorCode::kPskNotFound, "the old group's current resumption PSK");
  Group g = create(old.provider_, identity, options, old.policy_);
  // §8.4, §11.3: a fresh psk_nonce of the new group's KDF.Nh.
  const wire::PreSharedKeyId id = wire::PreSharedKeyId::resumption(
      usage, old.group_id(), old.epoch(), g.suite_.random(g.suite_.hash_len()));
  g.founding_psk_ = schedule::PskInput{id, std::move(*psk)};
  CommitOptions commit;
  commit.add = key_packages;
  commit.psks = {id};
  commit.include_pending_proposals = false;
  CommitOutput out = g.commit(commit);
  // Nobody else is in the group yet: the commit is the creator's alone (§11).
  g.merge_pending_commit();
  g.founding_psk_.reset();
  return ResumedGroup{std::move(g), std::move(*out.welcome)};
}

// --- joining
// ---------------------------------------------------------------------------------------

Group Group::join(std::shared_ptr<const crypto::CryptoProvider> provider, const Identity& identity,
                  const KeyPackageBundle& key_package, const wire::MlsMessage& welcome,
                  const std::optional<wire::RatchetTreeNodes>& ratchet_tree, GroupConfig config,
                  GroupPolicy policy) {
  return join_impl(std::move(provider), identity, key_package, welcome, ratchet_tree, config,
                   std::move(policy), nullptr);
}

Group Group::join_resumed(const Group& old, const Identity& identity,
                          const KeyPackageBundle& key_package, const wire::MlsMessage& welcome,
                          const std::optional<wire::RatchetTreeNodes>& ratchet_tree,
                          std::optional<GroupConfig> config) {
  return join_impl(old.provider_, identity, key_package, welcome, ratchet_tree,
                   config.value_or(old.config_), old.policy_, &old);
}

void Group::check_resumption(const wire::GroupContext& context, const tree::RatchetTree& tree,
                             const std::vector<wire::PreSharedKeyId>& ids, const Group* source) {
  std::vector<const wire::PreSharedKeyId*> links;
  for (const auto& id : ids)
    if (is_link(id)) links.push_back(&id);
  if (source == nullptr) {
    // Unreachable: without a source no resumption PSK was found. Kept as the rule itself.
    if (!links.empty())
      throw Error(ErrorCode::kPskNotFound, "a reinit or branch PSK without the old group");
    return;
  }
  if (links.size() != 1 || links[0]->psk_group_id != source->group_id())
    throw Error(ErrorCode::kResumptionPskInvalid,
                "the Welcome names not exactly one reinit or branch PSK of the old group");
  const wire::PreSharedKeyId& link = *links[0];
  if (context.epoch != 1)
    throw Error(ErrorCode::kResumptionEpochInvalid,
                "a reinit or branch Welcome at epoch " + std::to_string(context.epoch));
  if (link.usage == wire::ResumptionPskUsage::kReinit) {
    // §11.2
    if (!source->reinit_)
      throw Error(ErrorCode::kResumptionPskInvalid, "a reinit PSK of a group no ReInit ended");
    if (link.psk_epoch != source->epoch())
      throw Error(ErrorCode::kResumptionPskInvalid,
                  "the reinit PSK is not of the epoch the ReInit's commit started");
    const wire::ReInit& r = *source->reinit_;
    if (context.version != r.version)
      throw Error(ErrorCode::kReInitVersionMismatch, "the new group's version");
    if (context.cipher_suite != r.cipher_suite)
      throw Error(ErrorCode::kReInitCipherSuiteMismatch, "the new group's cipher suite");
    if (context.group_id != r.group_id)
      throw Error(ErrorCode::kReInitGroupIdMismatch, "the new group's group_id");
    if (context.extensions != r.extensions)
      throw Error(ErrorCode::kReInitExtensionsMismatch, "the new group's extensions");
    return;
  }
  // §11.3
  if (context.version != source->context_.version)
    throw Error(ErrorCode::kBranchVersionMismatch, "the subgroup's version");
  if (context.cipher_suite != source->context_.cipher_suite)
    throw Error(ErrorCode::kBranchCipherSuiteMismatch, "the subgroup's cipher suite");
  const OldMembers old_members(source->tree_, source->policy_);
  for (tree::LeafIndex l : tree.members())
    if (!old_members.contains(tree.leaf(l)->credential))
      throw Error(ErrorCode::kBranchMemberUnknown,
                  "leaf " + std::to_string(l.value) + " of the subgroup is no old member");
}

}  // namespace conclave
