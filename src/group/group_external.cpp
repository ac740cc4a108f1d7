// Joining by external commit (RFC 9420 §12.4.3.2) and proposals from outside the group
// (§12.1.8). Processing both as a member is in commit_processing.cpp.
#include <algorithm>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/schedule/detail/public_message.h"
#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/detail/welcome.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/tree/detail/tree_validation.h"
#include "conclave/wire/safe_aad.h"
#include "safe_exporter_start.h"

namespace conclave {

namespace {

// §6.2: content from a sender outside the group, signed and framed as a PublicMessage (no
// membership tag: the sender has no membership key).
wire::MlsMessage sign_outside(const crypto::Suite& suite, BytesView group_id, uint64_t epoch,
                              wire::Sender sender, BytesView signature_private_key,
                              wire::Content content, BytesView authenticated_data) {
  wire::AuthenticatedContent ac;
  ac.wire_format = wire::WireFormat::kPublicMessage;
  ac.content.group_id = to_bytes(group_id);
  ac.content.epoch = epoch;
  ac.content.sender = sender;
  ac.content.authenticated_data = to_bytes(authenticated_data);
  ac.content.content = std::move(content);
  // §6.1: the GroupContext is signed only for member and new_member_commit senders.
  const wire::GroupContext unused;
  ac.auth.signature = schedule::sign_framed_content(suite, ac.wire_format, ac.content,
                                                    signature_private_key, unused);
  return wire::MlsMessage{schedule::protect_public_message(suite, ac, {}, unused)};
}

}  // namespace

// --- proposals from outside the group (§12.1.8) --------------------------------------------------

wire::MlsMessage external_proposal(const crypto::Suite& suite, BytesView group_id, uint64_t epoch,
                                   uint32_t sender_index, BytesView signature_private_key,
                                   wire::Proposal proposal, BytesView authenticated_data) {
  using wire::ProposalType;
  const ProposalType type = proposal.proposal_type();
  // §12.1.8: the only types an external sender may send.
  if (type != ProposalType::kAdd && type != ProposalType::kRemove && type != ProposalType::kPsk &&
      type != ProposalType::kReinit && type != ProposalType::kGroupContextExtensions &&
      type != ProposalType::kAppDataUpdate && type != ProposalType::kAppEphemeral)
    throw Error(ErrorCode::kSenderNotAllowed, "an external sender cannot send proposal type " +
                                                  std::to_string(static_cast<uint16_t>(type)));
  return sign_outside(suite, group_id, epoch, wire::Sender::external(sender_index),
                      signature_private_key, std::move(proposal), authenticated_data);
}

wire::MlsMessage new_member_proposal(const crypto::Suite& suite, BytesView group_id, uint64_t epoch,
                                     const wire::KeyPackage& key_package,
                                     BytesView signature_private_key,
                                     BytesView authenticated_data) {
  return sign_outside(suite, group_id, epoch, wire::Sender::new_member_proposal(),
                      signature_private_key, wire::Proposal{wire::Add{key_package}},
                      authenticated_data);
}

wire::Extension external_senders_extension(const std::vector<wire::ExternalSender>& senders) {
  return wire::Extension{wire::ExtensionType::kExternalSenders, codec::encode(senders)};
}

// --- member side ---------------------------------------------------------------------------------

SecretBytes Group::external_init_secret(const std::vector<ResolvedProposal>& proposals) const {
  for (const auto& rp : proposals) {
    if (const auto* init = std::get_if<wire::ExternalInit>(&rp.proposal.content)) {
      // §8.3: the init secret the joiner exported, recovered with external_priv.
      const crypto::KeyPair external =
          schedule::derive_external_key_pair(suite_, secrets_.external_secret.view());
      return schedule::external_init_for_member(suite_, external.private_key.view(),
                                                init->kem_output);
    }
  }
  throw Error(ErrorCode::kExternalCommitInvalid, "an external commit without ExternalInit");
}

tree::LeafIndex Group::add_external_committer(const wire::LeafNode& leaf,
                                              const StagedCommit& staged,
                                              const tree::LeafPolicy& policy) {
  // §12.4.3.2: the joiner takes the leftmost free leaf, with a valid leaf of source commit.
  const tree::LeafIndex at = tree_.leftmost_blank_leaf();
  tree::validate_leaf_node(tree_, leaf, tree::LeafNodeContext::kCommit, at, policy);
  // §12.2: a resync's new leaf must be acceptable as an Update of the leaf it removes: the
  // same client, by the application's judgement (the same credential unless it says).
  for (const auto& removed : staged.removed_) {
    // Extensions draft §SelfRemove Proposal: a member that removed itself is not a resync.
    if (std::find(staged.self_removed_.begin(), staged.self_removed_.end(), removed.leaf) !=
        staged.self_removed_.end())
      continue;
    const bool same = policy_.same_client
                          ? policy_.same_client(removed.leaf_node.credential, leaf.credential)
                          : removed.leaf_node.credential == leaf.credential;
    if (!same)
      throw Error(ErrorCode::kExternalCommitInvalid, "an external commit removes leaf " +
                                                         std::to_string(removed.leaf.value) +
                                                         " of another client");
  }
  // In without its encryption key: merging the UpdatePath installs the leaf, after checking
  // that none of the path's keys is already in the tree.
  wire::LeafNode placeholder = leaf;
  placeholder.encryption_key.clear();
  return tree_.add_leaf(std::move(placeholder));
}

// --- joining (§12.4.3.2) -------------------------------------------------------------------------

ExternalJoin Group::join_external(std::shared_ptr<const crypto::CryptoProvider> provider,
                                  const Identity& identity, const wire::MlsMessage& group_info,
                                  const ExternalJoinOptions& options, GroupPolicy policy) {
  return join_external_with_self_removes(std::move(provider), identity, group_info, {}, options,
                                         std::move(policy));
}

ExternalJoin Group::join_external_with_self_removes(
    std::shared_ptr<const crypto::CryptoProvider> provider, const Identity& identity,
    const wire::MlsMessage& group_info, const std::vector<wire::MlsMessage>& self_removes,
    const ExternalJoinOptions& options, GroupPolicy policy) {
  check_policy(policy);  // §12.4.3.2: the tree's credentials are checked as a Welcome's
  const auto* info = group_info.get<wire::GroupInfo>();
  if (info == nullptr)
    throw Error(ErrorCode::kWireFormatMismatch, "an external join needs a GroupInfo");
  const wire::GroupContext& ctx = info->group_context;
  if (ctx.version != wire::ProtocolVersion::kMls10 || ctx.cipher_suite != identity.cipher_suite)
    throw Error(ErrorCode::kGroupInfoInvalid,
                "the GroupInfo's version or cipher suite is not the identity's");
  if (!wire::extension_types_unique(info->extensions) ||
      !wire::extension_types_unique(ctx.extensions))
    throw Error(ErrorCode::kDuplicateExtension, "GroupInfo extensions repeat a type");

  // Everything is built on a fresh value: a failure leaves nothing behind.
  Group g(crypto::Suite(provider, ctx.cipher_suite));
  g.provider_ = std::move(provider);
  check_config(options.config);
  g.config_ = options.config;
  g.policy_ = std::move(policy);
  g.credential_ = identity.credential;
  g.signature_private_key_ = identity.signature_private_key;
  g.context_ = ctx;
  const crypto::Suite& suite = g.suite_;

  g.load_tree(*info, options.ratchet_tree);  // checked as a Welcome's is (§12.4.3.1)
  const auto* pub_ext = wire::find_extension(info->extensions, wire::ExtensionType::kExternalPub);
  if (pub_ext == nullptr)
    throw Error(ErrorCode::kGroupInfoInvalid, "the GroupInfo has no external_pub extension");
  const auto external_pub = codec::decode<wire::ExternalPub>(pub_ext->extension_data);
  g.interim_transcript_hash_ = schedule::interim_transcript_hash(
      suite, ctx.confirmed_transcript_hash, info->confirmation_tag);

  // §12.4.3.2: ExternalInit, at most one Remove (of our old leaf), PSKs; all by value.
  schedule::ExternalInit init =
      schedule::external_init_for_joiner(suite, external_pub.external_pub);
  const wire::Sender me = wire::Sender::new_member_commit();
  std::vector<wire::Proposal> proposals{wire::Proposal{wire::ExternalInit{init.kem_output}}};
  if (options.remove_leaf)
    proposals.push_back(wire::Proposal{wire::Remove{options.remove_leaf->value}});
  for (wire::PreSharedKeyId psk : options.psks) {
    // §8.4: a fresh nonce of length KDF.Nh per injection; an empty one is ours to fill, as in
    // commit().
    if (psk.psk_nonce.empty()) psk.psk_nonce = suite.random(suite.hash_len());
    proposals.push_back(wire::Proposal{wire::PreSharedKey{std::move(psk)}});
  }
  for (const auto& ephemeral : options.app_ephemerals)
    proposals.push_back(wire::Proposal{ephemeral});
  for (const auto& update : options.app_data_updates)
    proposals.push_back(wire::Proposal{update});
  wire::Commit commit;
  std::vector<ResolvedProposal> list;
  for (auto& p : proposals) {
    g.check_proposal(me, p);
    list.push_back(ResolvedProposal{me, p, std::nullopt});
    commit.proposals.push_back(wire::ProposalOrRef{std::move(p)});
  }
  // Extensions draft §SelfRemove Proposal: the pending SelfRemoves, by reference.
  for (auto& rp : g.joiner_self_removes(self_removes)) {
    commit.proposals.push_back(wire::ProposalOrRef{*rp.ref});
    list.push_back(std::move(rp));
  }
  g.validate_proposal_list(list, std::nullopt, true);

  StagedCommit staged;
  wire::GroupContext next = ctx;
  next.epoch = ctx.epoch + 1;
  next.extensions = g.apply_proposals(list, staged);
  // §12.4.3.2: we take the leftmost free leaf, as an Add would place us, and commit from it.
  KeyPackageBundle own = create_key_package(suite, identity, g.now(), options.leaf);
  g.own_leaf_ = g.tree_.add_leaf(own.key_package.leaf_node);
  tree::TreeKemPrivate own_private(suite, g.own_leaf_, std::move(own.encryption_private_key));
  wire::GroupContext provisional = next;
  provisional.confirmed_transcript_hash = ctx.confirmed_transcript_hash;
  tree::CreatedUpdatePath created = tree::create_update_path(
      g.tree_, own_private, *g.tree_.leaf(g.own_leaf_), g.signature_private_key_.view(),
      provisional, {}, std::nullopt, g.max_threads());
  commit.path = created.path;
  own_private.prune(g.tree_);
  next.tree_hash = g.tree_.tree_hash();

  // §6.1: signed over the GroupInfo's context, by the key of the path's leaf.
  wire::AuthenticatedContent content;
  content.wire_format = wire::WireFormat::kPublicMessage;
  content.content.group_id = ctx.group_id;
  content.content.epoch = ctx.epoch;
  content.content.sender = me;
  // extensions draft §Safe AAD: the rule of the epoch the commit ends.
  wire::check_authenticated_data(ctx.extensions, options.authenticated_data);
  content.content.authenticated_data = options.authenticated_data;
  content.content.content = std::move(commit);
  const wire::EncodedFramedContent encoded(content.content);  // for signature and transcript
  content.auth.signature = schedule::sign_framed_content(suite, content.wire_format, encoded,
                                                         g.signature_private_key_.view(), ctx);
  next.confirmed_transcript_hash = schedule::confirmed_transcript_hash(
      suite, g.interim_transcript_hash_, content.wire_format, encoded, content.auth.signature);
  auto ks = schedule::run_key_schedule(suite, init.init_secret.view(), created.commit_secret.view(),
                                       g.psk_secret(staged.psks_).view(), next);
  content.auth.confirmation_tag = schedule::confirmation_tag(
      suite, ks.epoch.confirmation_key.view(), next.confirmed_transcript_hash);
  wire::MlsMessage message{schedule::protect_public_message(suite, content, {}, ctx)};

  g.context_ = std::move(next);
  g.tree_private_ = std::move(own_private);
  g.secrets_ = std::move(ks.epoch);
  g.confirmation_tag_ = *content.auth.confirmation_tag;
  g.interim_transcript_hash_ = schedule::interim_transcript_hash(
      suite, g.context_.confirmed_transcript_hash, g.confirmation_tag_);
  g.secret_tree_ = schedule::SecretTree(suite, g.tree_.leaf_count(), g.secrets_.encryption_secret,
                                        g.config_.ratchet_window);
  g.exporter_tree_ = detail::start_exporter_tree(suite, g.secrets_);
  return ExternalJoin{std::move(g), std::move(message)};
}

}  // namespace conclave
