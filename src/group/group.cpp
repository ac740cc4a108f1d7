// Group creation (§11), joining by Welcome (§12.4.3.1), sending, state access and
// serialization. Proposals, commits and message processing are in proposal_*.cpp, commit_*.cpp and
// message_processing.cpp.
#include "conclave/group/group.h"
#include "conclave/wire/safe_aad.h"

#include <algorithm>
#include <exception>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/schedule/detail/private_message.h"
#include "conclave/schedule/detail/public_message.h"
#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/detail/welcome.h"
#include "conclave/tree/detail/tree_validation.h"
#include "conclave/tree/negotiation.h"
#include "safe_exporter_start.h"
#include "state_records.h"

namespace conclave {

namespace {

// 2: RFC 9420 state. 3: 2 followed by the extensions draft's Exporter Tree (a state of
// version 2 still loads; its epoch has no safe exporter).
constexpr uint16_t kStateVersion = 3;
constexpr uint16_t kStateVersionBeforeExporter = 2;

wire::Extension make_extension(wire::ExtensionType type, Bytes data) {
  return wire::Extension{type, std::move(data)};
}

}  // namespace

Group::Group(crypto::Suite suite) : suite_(suite), tree_(std::move(suite)) {}

unsigned Group::max_threads() const {
  // GroupPolicy counts the workers beside the caller; the parallel helpers count the caller too.
  if (policy_.worker_threads == GroupPolicy::kWorkerThreadsPerCore) return 0;
  return policy_.worker_threads + 1;
}

uint64_t Group::now() const {
  return policy_.clock ? policy_.clock() : unix_time_now();
}

tree::LeafPolicy Group::leaf_policy(const wire::ExtensionList& extensions) const {
  tree::LeafPolicy p;
  p.group_id = context_.group_id;
  p.group_context_extensions = extensions;
  if (policy_.check_lifetimes) p.now = now();
  if (config_.max_lifetime != 0) p.max_lifetime = config_.max_lifetime;
  p.credential_validator = credential_validator();
  return p;
}

std::function<bool(const wire::Credential&, BytesView)> Group::credential_validator() const {
  if (policy_.credential_validator) return policy_.credential_validator;
  // Thrown where the credential would be checked, so the state is unchanged as for a rejected
  // one; only deserialize() and load() make a group without a validator (config.h).
  return [](const wire::Credential&, BytesView) -> bool {
    throw Error(ErrorCode::kCredentialValidatorMissing,
                "no GroupPolicy::credential_validator to check a credential with (RFC 9420 "
                "§5.3.1; insecure_accept_any_credential() accepts every one)");
  };
}

void Group::check_policy(const GroupPolicy& policy) {
  if (!policy.credential_validator)
    throw Error(ErrorCode::kCredentialValidatorMissing,
                "GroupPolicy::credential_validator is required (RFC 9420 §5.3.1; "
                "insecure_accept_any_credential() accepts every credential)");
}

void Group::set_policy(GroupPolicy policy) {
  check_policy(policy);
  policy_ = std::move(policy);
}

// §12.4.3.1 (and §12.4.3.2, which checks a GroupInfo's tree the same way): the tree comes from
// the ratchet_tree extension, else out of band; it must hash to the GroupContext's tree_hash and
// be valid in full, and the GroupInfo must be signed by the member at `signer`.
void Group::load_tree(const wire::GroupInfo& info,
                      const std::optional<wire::RatchetTreeNodes>& supplied) {
  // A supplied tree is read where it is: the signature workers below point into it.
  wire::RatchetTreeNodes decoded;
  const wire::RatchetTreeNodes* tree_nodes = nullptr;
  if (const auto* ext = wire::find_extension(info.extensions, wire::ExtensionType::kRatchetTree)) {
    decoded = codec::decode<wire::RatchetTreeNodes>(ext->extension_data);
    tree_nodes = &decoded;
  } else if (supplied) {
    tree_nodes = &*supplied;
  } else {
    throw Error(ErrorCode::kMissingRatchetTree, "no ratchet tree in the GroupInfo or supplied");
  }
  const wire::RatchetTreeNodes& nodes = *tree_nodes;
  tree::LeafPolicy policy = leaf_policy(info.group_context.extensions);
  // §7.3 makes lifetime checks of received leaves RECOMMENDED, but a member added from a
  // KeyPackage keeps that lifetime until it updates: checking the tree's leaves would lock
  // joiners out of a group whose quiet members outlived their KeyPackages. Opt-in.
  if (!policy_.check_tree_lifetimes) policy.now.reset();
  // §12.4.3.1: the tree is validated as tree::validate_tree does, but the leaf signatures (most
  // of a join's work) start on other threads before this one builds and hashes the tree. A
  // structural error is still the one reported; the signature workers then stop.
  tree::LeafSignatureCheck::Leaves leaves;
  for (size_t i = 0; i < nodes.size(); i += 2)
    if (nodes[i])
      if (const auto* leaf = std::get_if<wire::LeafNode>(&nodes[i]->value))
        leaves.emplace_back(tree::LeafIndex(static_cast<uint32_t>(i / 2)), leaf);
  tree::LeafSignatureCheck signatures(suite_, std::move(leaves), policy.group_id, max_threads());
  // §12.4.3.1: the GroupInfo's signature (a hash of the whole GroupInfo, tree included) is
  // checked while the workers verify the leaves; its verdict is reported after the tree's, as
  // a check in that order would.
  std::exception_ptr group_info_error;
  bool group_info_checked = false;
  const size_t signer_node = size_t{info.signer} * 2;
  if (signer_node < nodes.size() && nodes[signer_node] && nodes[signer_node]->leaf()) {
    group_info_checked = true;
    try {
      schedule::verify_group_info(suite_, info, nodes[signer_node]->leaf()->signature_key);
    } catch (const Error&) {
      group_info_error = std::current_exception();
    }
  }
  tree_ = tree::RatchetTree::from_nodes(suite_, nodes);
  if (!constant_time_equal(tree_.tree_hash(), info.group_context.tree_hash))
    throw Error(ErrorCode::kTreeHashMismatch, "the ratchet tree does not match tree_hash");
  tree::check_tree_structure(tree_, policy, &nodes);  // reads the decoded leaves it was built from
  signatures.finish();

  const tree::LeafIndex signer(info.signer);
  const wire::LeafNode* signer_leaf = tree_.contains(signer) ? tree_.leaf(signer) : nullptr;
  if (signer_leaf == nullptr)
    throw Error(ErrorCode::kGroupInfoInvalid, "the GroupInfo signer is not a member");
  if (!group_info_checked) schedule::verify_group_info(suite_, info, signer_leaf->signature_key);
  if (group_info_error) std::rethrow_exception(group_info_error);
}

// --- creation (§11) ----------------------------------------------------------------------------

Group Group::create(std::shared_ptr<const crypto::CryptoProvider> provider,
                    const Identity& identity, const CreateOptions& options, GroupPolicy policy) {
  check_policy(policy);  // the group's first Add would need it: fail before anything is made
  Group g(crypto::Suite(provider, identity.cipher_suite));
  g.provider_ = std::move(provider);
  check_config(options.config);
  g.config_ = options.config;
  g.policy_ = std::move(policy);
  g.credential_ = identity.credential;
  g.signature_private_key_ = identity.signature_private_key;

  if (!wire::extension_types_unique(options.extensions))
    throw Error(ErrorCode::kDuplicateExtension, "GroupContext extensions repeat a type");
  tree::check_no_grease_required(options.extensions);  // extensions draft §GREASE
  // The creator's leaf is that of a KeyPackage of its own.
  KeyPackageBundle own =
      create_key_package(g.suite_, identity, g.now(), creator_leaf_options(options));
  g.context_.cipher_suite = g.suite_.id();
  g.context_.group_id =
      options.group_id.empty() ? g.suite_.random(g.suite_.hash_len()) : options.group_id;
  g.context_.epoch = 0;
  g.context_.extensions = options.extensions;
  tree::check_required_capabilities(own.key_package.leaf_node, tree::LeafIndex(0),
                                    options.extensions);
  g.own_leaf_ = g.tree_.add_leaf(own.key_package.leaf_node);
  g.tree_private_ =
      tree::TreeKemPrivate(g.suite_, g.own_leaf_, std::move(own.encryption_private_key));
  g.context_.tree_hash = g.tree_.tree_hash();

  // §11: a fresh epoch secret; the interim transcript hash from a confirmation tag over the
  // empty confirmed transcript hash.
  g.secrets_ = schedule::secrets_from_epoch_secret(
      g.suite_, g.suite_.random_secret(g.suite_.hash_len()).view());
  g.confirmation_tag_ =
      schedule::confirmation_tag(g.suite_, g.secrets_.confirmation_key.view(), {});
  g.interim_transcript_hash_ = schedule::interim_transcript_hash(g.suite_, {}, g.confirmation_tag_);
  g.secret_tree_ = schedule::SecretTree(g.suite_, g.tree_.leaf_count(),
                                        g.secrets_.encryption_secret, g.config_.ratchet_window);
  g.exporter_tree_ = detail::start_exporter_tree(g.suite_, g.secrets_);
  return g;
}

// --- joining by Welcome (§12.4.3.1) ------------------------------------------------------------

// join() and join_resumed() (group_resumption.cpp) come here; `resumption_source` is the old
// group of a reinit or branch Welcome, else null.
Group Group::join_impl(std::shared_ptr<const crypto::CryptoProvider> provider,
                       const Identity& identity, const KeyPackageBundle& key_package,
                       const wire::MlsMessage& welcome_message,
                       const std::optional<wire::RatchetTreeNodes>& ratchet_tree,
                       GroupConfig config, GroupPolicy policy, const Group* resumption_source) {
  check_policy(policy);  // §12.4.3.1: every leaf's credential is checked
  const auto* welcome = welcome_message.get<wire::Welcome>();
  if (welcome == nullptr)
    throw Error(ErrorCode::kWireFormatMismatch, "join needs an MLSMessage holding a Welcome");
  const wire::KeyPackage& kp = key_package.key_package;
  if (welcome->cipher_suite != kp.cipher_suite || identity.cipher_suite != kp.cipher_suite)
    throw Error(ErrorCode::kWelcomeCipherSuiteMismatch,
                "the Welcome's cipher suite is not the KeyPackage's");
  Group g(crypto::Suite(provider, kp.cipher_suite));
  g.provider_ = std::move(provider);
  check_config(config);
  g.config_ = config;
  g.policy_ = std::move(policy);
  g.credential_ = identity.credential;
  g.signature_private_key_ = identity.signature_private_key;
  const crypto::Suite& suite = g.suite_;

  const auto* entry = schedule::find_group_secrets(*welcome, key_package.ref(suite));
  if (entry == nullptr)
    throw Error(ErrorCode::kWelcomeNotForUs, "the Welcome has no secrets for this KeyPackage");
  const wire::GroupSecrets secrets = schedule::decrypt_group_secrets(
      suite, *entry, key_package.init_private_key.view(), welcome->encrypted_group_info);
  for (const auto& psk : secrets.psks)
    if (psk.psk_nonce.size() != suite.hash_len())
      throw Error(ErrorCode::kPskNonceInvalid, "psk_nonce is not KDF.Nh bytes");
  const SecretBytes psk_secret =
      welcome_psk_secret(suite, g.policy_, secrets.psks, resumption_source);
  const SecretBytes welcome_secret =
      schedule::derive_welcome_secret(suite, secrets.joiner_secret.view(), psk_secret.view());
  const wire::GroupInfo info =
      schedule::decrypt_group_info(suite, welcome_secret.view(), welcome->encrypted_group_info);

  const wire::GroupContext& ctx = info.group_context;
  if (ctx.version != wire::ProtocolVersion::kMls10 || ctx.cipher_suite != suite.id())
    throw Error(ErrorCode::kGroupInfoInvalid, "GroupContext version or suite differs");
  if (!wire::extension_types_unique(info.extensions) ||
      !wire::extension_types_unique(ctx.extensions))
    throw Error(ErrorCode::kDuplicateExtension, "GroupInfo extensions repeat a type");
  check_joiner_support(kp, ctx.extensions);
  g.context_ = ctx;

  g.load_tree(info, ratchet_tree);
  check_resumption(ctx, g.tree_, secrets.psks, resumption_source);  // §11.2, §11.3

  // Our own leaf: the KeyPackage's leaf node, exactly.
  const auto own = g.tree_.find_leaf_by_signature_key(kp.leaf_node.signature_key);
  if (!own || !(*g.tree_.leaf(*own) == kp.leaf_node))
    throw Error(ErrorCode::kJoinerNotInTree, "the KeyPackage's leaf is not in the tree");
  g.own_leaf_ = *own;
  g.tree_private_ = tree::TreeKemPrivate(suite, g.own_leaf_, key_package.encryption_private_key);
  if (secrets.path_secret) {
    // §12.4.3.1: the path secret is that of the lowest common ancestor with the signer.
    g.tree_private_.implant(
        g.tree_, tree::common_ancestor(g.own_leaf_.node(), tree::LeafIndex(info.signer).node()),
        secrets.path_secret->path_secret);
  }
  g.tree_private_.check_consistent(g.tree_);

  g.secrets_ = schedule::derive_epoch_secrets(suite, secrets.joiner_secret.view(),
                                              psk_secret.view(), codec::encode(ctx));
  if (!schedule::verify_confirmation_tag(suite, g.secrets_.confirmation_key.view(),
                                         ctx.confirmed_transcript_hash, info.confirmation_tag))
    throw Error(ErrorCode::kConfirmationTagInvalid, "the GroupInfo's confirmation tag");
  g.confirmation_tag_ = info.confirmation_tag;
  g.interim_transcript_hash_ = schedule::interim_transcript_hash(
      suite, ctx.confirmed_transcript_hash, info.confirmation_tag);
  g.secret_tree_ = schedule::SecretTree(suite, g.tree_.leaf_count(), g.secrets_.encryption_secret,
                                        g.config_.ratchet_window);
  g.exporter_tree_ = detail::start_exporter_tree(suite, g.secrets_);
  g.tree_.release_decoded_leaves();  // validation read every leaf; keep them encoded only
  return g;
}

// --- sending -------------------------------------------------------------------------------------

wire::WireFormat Group::handshake_wire_format() const {
  return config_.handshake_format == HandshakeFormat::kPublic ? wire::WireFormat::kPublicMessage
                                                              : wire::WireFormat::kPrivateMessage;
}

Group::SignedContent Group::sign_content(wire::WireFormat wire_format, wire::Content content,
                                         BytesView aad) const {
  // extensions draft §Safe AAD: nothing leaves that the members would refuse.
  wire::check_authenticated_data(context_.extensions, aad);
  wire::AuthenticatedContent ac;
  ac.wire_format = wire_format;
  ac.content.group_id = context_.group_id;
  ac.content.epoch = context_.epoch;
  ac.content.sender = wire::Sender::member(own_leaf_.value);
  ac.content.authenticated_data = to_bytes(aad);
  ac.content.content = std::move(content);
  wire::EncodedFramedContent encoded(ac.content);
  ac.auth.signature = schedule::sign_framed_content(suite_, wire_format, encoded,
                                                    signature_private_key_.view(), context_);
  return SignedContent{std::move(ac), std::move(encoded)};
}

wire::MlsMessage Group::protect_content(const SignedContent& signed_content) {
  const wire::AuthenticatedContent& content = signed_content.content;
  if (content.wire_format == wire::WireFormat::kPublicMessage)
    return wire::MlsMessage{schedule::protect_public_message(
        suite_, content, signed_content.encoded, secrets_.membership_key.view(), context_)};
  // §6.3.1: padded to a multiple of the configured block.
  return wire::MlsMessage{
      schedule::protect_private_message(suite_, content, signed_content.encoded, secret_tree_,
                                        secrets_.sender_data_secret.view(), config_.padding_block)};
}

wire::MlsMessage Group::protect(BytesView application_data, BytesView aad) {
  if (!active_) throw Error(ErrorCode::kNotAMember, "removed from the group");
  check_not_reinitialized();
  // §12.4: "A group member that has observed one or more valid proposals within an epoch
  // MUST send a Commit message before sending application data."
  if (!proposals_.empty() && !policy_.allow_application_with_pending_proposals)
    throw Error(ErrorCode::kInvalidArgument,
                "proposals are pending in this epoch: commit them before sending data");
  wire::MlsMessage message = protect_content(sign_content(
      wire::WireFormat::kPrivateMessage, wire::ApplicationData{to_bytes(application_data)}, aad));
  // The advanced generation is stored before the ciphertext leaves: a restart never reuses it.
  persist();
  return message;
}

void Group::check_can_propose() const {
  if (!active_) throw Error(ErrorCode::kNotAMember, "removed from the group");
  check_not_reinitialized();
  if (pending_) throw Error(ErrorCode::kPendingCommit, "a commit is pending");
}

wire::MlsMessage Group::send_proposal(wire::Proposal proposal, BytesView aad,
                                      std::optional<std::pair<Bytes, SecretBytes>> update_key) {
  check_can_propose();
  check_proposal(wire::Sender::member(own_leaf_.value), proposal);
  // Extensions draft §SelfRemove Proposal: always a PublicMessage, for external joiners.
  const wire::WireFormat format = std::holds_alternative<wire::SelfRemove>(proposal.content)
                                      ? wire::WireFormat::kPublicMessage
                                      : handshake_wire_format();
  const SignedContent content = sign_content(format, proposal, aad);
  const Bytes ref = suite_.make_proposal_ref(wire::authenticated_content_bytes(
      content.content.wire_format, content.encoded, content.content.auth));
  wire::MlsMessage message = protect_content(content);
  cache_proposal(CachedProposal{ref, content.content.content.sender, std::move(proposal)});
  own_proposal_messages_.push_back(codec::encode(message));
  if (update_key) update_private_keys_.push_back(std::move(*update_key));
  if (store_) changes_.epoch = true;
  persist();
  return message;
}

wire::MlsMessage Group::propose_add(const wire::KeyPackage& key_package, BytesView aad) {
  return send_proposal(wire::Proposal{wire::Add{key_package}}, aad);
}

wire::MlsMessage Group::propose_remove(tree::LeafIndex leaf, BytesView aad) {
  return send_proposal(wire::Proposal{wire::Remove{leaf.value}}, aad);
}

wire::MlsMessage Group::propose_update(BytesView aad) {
  // Before the leaf is read (a removed member has none) and before anything is signed.
  check_can_propose();
  const wire::LeafNode* current = tree_.leaf(own_leaf_);
  auto keys = suite_.generate_hpke_key_pair();
  wire::LeafNode leaf = *current;
  leaf.encryption_key = keys.public_key;
  leaf.leaf_node_source = wire::LeafNodeSource::kUpdate;
  leaf.lifetime = {};
  leaf.parent_hash.clear();
  leaf.signature = suite_.sign_with_label(
      signature_private_key_.view(), "LeafNodeTBS",
      leaf.to_be_signed(wire::LeafNodeGroupBinding{context_.group_id, own_leaf_.value}));
  return send_proposal(wire::Proposal{wire::Update{std::move(leaf)}}, aad,
                       std::pair{std::move(keys.public_key), std::move(keys.private_key)});
}

// --- state ---------------------------------------------------------------------------------------

std::vector<MemberInfo> Group::members() const {
  std::vector<MemberInfo> out;
  for (tree::LeafIndex l : tree_.members()) {
    const wire::LeafNode* leaf = tree_.leaf(l);
    out.push_back(MemberInfo{l, leaf->credential, leaf->signature_key});
  }
  return out;
}

SecretBytes Group::export_secret(std::string_view label, BytesView context, size_t length) const {
  if (!active_) throw Error(ErrorCode::kNotAMember, "removed from the group");
  return schedule::mls_exporter(suite_, secrets_.exporter_secret.view(), label, context, length);
}

wire::MlsMessage Group::group_info(bool with_ratchet_tree) const {
  if (!active_) throw Error(ErrorCode::kNotAMember, "removed from the group");
  // §11.2: an ended group is joined by nobody (an external commit would be refused by all).
  check_not_reinitialized();
  wire::GroupInfo info;
  info.group_context = context_;
  if (with_ratchet_tree)
    info.extensions.push_back(
        make_extension(wire::ExtensionType::kRatchetTree, tree_.encoded_nodes()));
  const auto external = schedule::derive_external_key_pair(suite_, secrets_.external_secret.view());
  info.extensions.push_back(make_extension(wire::ExtensionType::kExternalPub,
                                           codec::encode(wire::ExternalPub{external.public_key})));
  info.confirmation_tag = confirmation_tag_;
  info.signer = own_leaf_.value;
  schedule::sign_group_info(suite_, info, signature_private_key_.view());
  return wire::MlsMessage{std::move(info)};
}

std::vector<uint64_t> Group::retained_epochs() const {
  std::vector<uint64_t> out;
  for (const auto& [epoch, past] : past_epochs_)
    out.push_back(epoch);
  if (active_) out.push_back(context_.epoch);
  return out;
}

// --- serialization -------------------------------------------------------------------------------

namespace {

struct PastEpochRecord {
  uint64_t epoch = 0;
  wire::GroupContext context;
  schedule::SecretTree secret_tree;
  SecretBytes sender_data_secret;
  std::vector<detail::SignatureKeyRecord> signature_keys;
  CONCLAVE_TLS_FIELDS(epoch, context, secret_tree, sender_data_secret, signature_keys)
};

// The common fields with the tree, the secret trees and past epochs in between, in the order
// of the first layout (tests read its leading fields).
struct StateRecord {
  uint16_t version = kStateVersion;
  detail::CommonRecord common;
  wire::RatchetTreeNodes tree;
  std::optional<schedule::SecretTree> secret_tree;  // none once removed: nothing to decrypt with
  std::vector<PastEpochRecord> past_epochs;
  CONCLAVE_TLS_FIELDS(version, common.cipher_suite, common.config, common.own_leaf,
                      common.credential, common.signature_private_key, common.active,
                      common.context, tree, common.tree_private, common.secrets, secret_tree,
                      common.interim_transcript_hash, common.confirmation_tag, common.proposals,
                      past_epochs, common.resumption_psks, common.update_private_keys,
                      common.own_proposal_messages, common.reinit)
};

// Version 3: the version-2 layout, then the current epoch's Exporter Tree (none when its root
// could not be derived: a state of version 2, or a removed member).
struct StateRecordWithExporter {
  StateRecord state;
  std::optional<schedule::ExporterTree> exporter_tree;
  CONCLAVE_TLS_FIELDS(state, exporter_tree)
};

}  // namespace

detail::CommonRecord Group::common_record() const {
  detail::CommonRecord r;
  r.cipher_suite = suite_.id();
  r.config = config_;
  r.own_leaf = own_leaf_.value;
  r.credential = credential_;
  r.signature_private_key = signature_private_key_;
  r.active = active_ ? 1 : 0;
  r.context = context_;
  r.tree_private = detail::node_key_records(tree_private_);
  r.secrets = secrets_;
  r.interim_transcript_hash = interim_transcript_hash_;
  r.confirmation_tag = confirmation_tag_;
  for (const auto& p : proposals_)
    r.proposals.push_back(detail::ProposalRecord{p.ref, p.sender, p.proposal});
  for (const auto& [epoch, psk] : resumption_psks_)
    r.resumption_psks.push_back({epoch, psk});
  for (const auto& [key, secret] : update_private_keys_)
    r.update_private_keys.push_back({key, secret});
  r.own_proposal_messages = own_proposal_messages_;
  r.reinit = reinit_;
  return r;
}

Group Group::from_common_record(std::shared_ptr<const crypto::CryptoProvider> provider,
                                GroupPolicy policy, detail::CommonRecord&& r) {
  if (!crypto::find_cipher_suite(r.cipher_suite))
    throw Error(ErrorCode::kGroupStateInvalid, "cipher suite " + std::to_string(r.cipher_suite));
  Group g(crypto::Suite(provider, r.cipher_suite));
  g.provider_ = std::move(provider);
  g.policy_ = std::move(policy);
  g.config_ = r.config;
  g.own_leaf_ = tree::LeafIndex(r.own_leaf);
  g.credential_ = std::move(r.credential);
  g.signature_private_key_ = std::move(r.signature_private_key);
  g.active_ = r.active != 0;
  g.context_ = std::move(r.context);
  g.tree_private_ = detail::tree_private_of(g.own_leaf_, std::move(r.tree_private));
  g.secrets_ = std::move(r.secrets);
  g.interim_transcript_hash_ = std::move(r.interim_transcript_hash);
  g.confirmation_tag_ = std::move(r.confirmation_tag);
  for (auto& p : r.proposals)
    g.cache_proposal(CachedProposal{std::move(p.ref), p.sender, std::move(p.proposal)});
  for (auto& rec : r.resumption_psks)
    g.resumption_psks_.emplace(rec.id, std::move(rec.secret));
  for (auto& rec : r.update_private_keys)
    g.update_private_keys_.emplace_back(std::move(rec.key), std::move(rec.secret));
  g.own_proposal_messages_ = std::move(r.own_proposal_messages);
  g.reinit_ = std::move(r.reinit);
  return g;
}

SecretBytes Group::serialize() const {
  StateRecordWithExporter full;
  full.exporter_tree = exporter_tree_;
  StateRecord& r = full.state;
  r.common = common_record();
  if (!tree_.empty()) r.tree = tree_.to_nodes();
  if (active_) r.secret_tree = secret_tree_;
  for (const auto& [epoch, past] : past_epochs_) {
    PastEpochRecord rec{epoch, past.context, past.secret_tree, past.sender_data_secret, {}};
    for (const auto& [leaf, key] : past.signature_keys)
      rec.signature_keys.push_back(detail::SignatureKeyRecord{leaf, key});
    r.past_epochs.push_back(std::move(rec));
  }
  return codec::encode_secret(full);
}

Group Group::deserialize(std::shared_ptr<const crypto::CryptoProvider> provider, BytesView data,
                         GroupPolicy policy) {
  StateRecordWithExporter full;
  StateRecord& r = full.state;
  try {
    // The version leads both layouts.
    const uint16_t version = codec::Reader(data).u16();
    if (version == kStateVersionBeforeExporter)
      r = codec::decode<StateRecord>(data);
    else if (version == kStateVersion)
      full = codec::decode<StateRecordWithExporter>(data);
    else
      throw Error(ErrorCode::kGroupStateInvalid, "state version " + std::to_string(version));
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kGroupStateInvalid) throw;
    throw Error(ErrorCode::kGroupStateInvalid, std::string("undecodable state: ") + e.what());
  }
  Group g = from_common_record(std::move(provider), std::move(policy), std::move(r.common));
  try {
    if (!r.tree.empty()) g.tree_ = tree::RatchetTree::from_nodes(g.suite_, std::move(r.tree));
  } catch (const Error& e) {
    throw Error(ErrorCode::kGroupStateInvalid, std::string("tree: ") + e.what());
  }
  if (r.secret_tree) g.secret_tree_ = std::move(*r.secret_tree);
  g.exporter_tree_ = std::move(full.exporter_tree);
  for (auto& rec : r.past_epochs) {
    PastEpoch past{
        std::move(rec.context), std::move(rec.secret_tree), std::move(rec.sender_data_secret), {}};
    for (auto& k : rec.signature_keys)
      past.signature_keys.emplace(k.leaf, std::move(k.key));
    g.past_epochs_.emplace_back(rec.epoch, std::move(past));
  }
  if (g.active_) g.check_loaded_state();
  return g;
}

// The record comes from the application's storage: this member's, but perhaps damaged. What
// the rest of Group relies on is checked, so a damaged record is refused rather than used.
// O(members) once per load, like the decoding.
void Group::check_config(const GroupConfig& config) {
  if (config.padding_block > GroupConfig::kMaxPaddingBlock)
    throw Error(ErrorCode::kInvalidArgument,
                "padding_block " + std::to_string(config.padding_block) + " exceeds " +
                    std::to_string(GroupConfig::kMaxPaddingBlock));
}

void Group::check_loaded_state() const {
  const auto invalid = [](const std::string& what) {
    throw Error(ErrorCode::kGroupStateInvalid, what);
  };
  if (config_.padding_block > GroupConfig::kMaxPaddingBlock) invalid("padding_block too large");
  if (tree_.empty() || secret_tree_.leaf_count() == 0)
    invalid("an active group without a (secret) tree");
  if (context_.cipher_suite != suite_.id()) invalid("the GroupContext names another cipher suite");
  const wire::LeafNode* own = tree_.contains(own_leaf_) ? tree_.leaf(own_leaf_) : nullptr;
  if (own == nullptr) invalid("the member's leaf is blank or outside the tree");
  if (own->credential != credential_) invalid("the member's leaf holds another credential");
  try {
    if (suite_.provider().signature_public_key(suite_.info().signature,
                                               signature_private_key_.view()) != own->signature_key)
      invalid("the signature private key does not match the member's leaf");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kGroupStateInvalid) throw;
    invalid(std::string("signature private key: ") + e.what());
  }
  if (tree_.tree_hash() != context_.tree_hash) invalid("the tree does not match the GroupContext");
  if (secret_tree_.leaf_count() != tree_.leaf_count().value)
    invalid("the secret tree does not match the ratchet tree");
  if (tree_private_.private_key(tree_, own_leaf_.node()) == nullptr)
    invalid("no private key for the member's leaf");
  try {
    tree_private_.check_consistent(tree_);
  } catch (const Error& e) {
    invalid(std::string("tree private keys: ") + e.what());
  }
  for (const SecretBytes* secret :
       {&secrets_.sender_data_secret, &secrets_.encryption_secret, &secrets_.exporter_secret,
        &secrets_.external_secret, &secrets_.confirmation_key, &secrets_.membership_key,
        &secrets_.resumption_psk, &secrets_.epoch_authenticator, &secrets_.init_secret})
    if (secret->size() != suite_.hash_len()) invalid("an epoch secret of the wrong length");
  if (exporter_tree_ && exporter_tree_->cipher_suite() != suite_.id())
    invalid("the exporter tree is of another cipher suite");
  if (interim_transcript_hash_.size() != suite_.hash_len() ||
      confirmation_tag_.size() != suite_.hash_len())
    invalid("a transcript hash or confirmation tag of the wrong length");
}

bool operator==(const Group& a, const Group& b) {
  const bool pending_equal = a.pending_.has_value() == b.pending_.has_value() &&
                             (!a.pending_ || a.pending_->message == b.pending_->message);
  // The states hold secrets: SecretBytes compare in constant time.
  return pending_equal && a.serialize() == b.serialize();
}

}  // namespace conclave

namespace conclave {

std::function<bool(const wire::Credential&, BytesView)> insecure_accept_any_credential() {
  return [](const wire::Credential&, BytesView) { return true; };
}

}  // namespace conclave
