// Seeds of fuzz_vectors_json (issue 15): one small, valid file of each conclave-vectors type,
// in the field layout of the MLS working group's test vectors, with every value computed here by
// the library (never copied from the official files). A seed is the type's index in
// vectors::known_types() as one byte, then the JSON text.
#include "json_seeds.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conclave/codec/codec.h"
#include "conclave/group/group.h"
#include "conclave/group/identity.h"
#include "conclave/schedule/detail/private_message.h"
#include "conclave/schedule/detail/public_message.h"
#include "conclave/schedule/detail/sender_data.h"
#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/psk.h"
#include "conclave/schedule/secret_tree.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/tree/tree_math.h"
#include "conclave/tree/treekem.h"
#include "conclave/wire/message.h"

namespace conclave_fuzz {

namespace {

using namespace conclave;
using Json = nlohmann::json;

// The indices of vectors::known_types().
enum Type : uint8_t {
  kTreeMath,
  kCryptoBasics,
  kSecretTree,
  kMessageProtection,
  kKeySchedule,
  kPskSecret,
  kTranscriptHashes,
  kWelcome,
  kTreeOperations,
  kTreeValidation,
  kTreeKem,
  kMessages,
  kDeserialization,
  kPassiveClient,
};

std::string hex(BytesView b) {
  return to_hex(b);
}
std::string hex(const SecretBytes& b) {
  return to_hex(b.view());
}
template <class T>
std::string hex_of(const T& value) {
  return to_hex(codec::encode(value));
}

Json index_or_null(bool none, uint32_t value) {
  return none ? Json(nullptr) : Json(value);
}

Json tree_math(uint32_t n_leaves) {
  const tree::LeafCount n(n_leaves);
  const uint32_t width = tree::node_width(n);
  const tree::NodeIndex r = tree::root(n);
  Json c = {{"n_leaves", n_leaves}, {"n_nodes", width}, {"root", r.value}};
  for (const char* key : {"left", "right", "parent", "sibling"})
    c[key] = Json::array();
  for (uint32_t i = 0; i < width; ++i) {
    const tree::NodeIndex x(i);
    c["left"].push_back(index_or_null(x.is_leaf(), x.is_leaf() ? 0 : tree::left(x).value));
    c["right"].push_back(index_or_null(x.is_leaf(), x.is_leaf() ? 0 : tree::right(x).value));
    c["parent"].push_back(index_or_null(x == r, x == r ? 0 : tree::parent(x, n).value));
    c["sibling"].push_back(index_or_null(x == r, x == r ? 0 : tree::sibling(x, n).value));
  }
  return c;
}

Json crypto_basics(const crypto::Suite& suite) {
  const Bytes secret(suite.hash_len(), 0x11);
  const Bytes context{1, 2, 3};
  const crypto::KeyPair sig = suite.generate_signature_key_pair();
  const Bytes content{4, 5, 6};
  const crypto::KeyPair kem = suite.generate_hpke_key_pair();
  const Bytes plaintext{7, 8, 9};
  const auto ct = suite.encrypt_with_label(kem.public_key, "fuzz", context, plaintext);
  return {
      {"cipher_suite", suite.id()},
      {"ref_hash",
       {{"label", "RefHash"},
        {"value", hex(context)},
        {"out", hex(suite.ref_hash("RefHash", context))}}},
      {"expand_with_label",
       {{"secret", hex(secret)},
        {"label", "ExpandWithLabel"},
        {"context", hex(context)},
        {"length", 16},
        {"out", hex(suite.expand_with_label(secret, "ExpandWithLabel", context, 16))}}},
      {"derive_secret",
       {{"secret", hex(secret)},
        {"label", "DeriveSecret"},
        {"out", hex(suite.derive_secret(secret, "DeriveSecret"))}}},
      {"derive_tree_secret",
       {{"secret", hex(secret)},
        {"label", "tree"},
        {"generation", 3},
        {"length", 16},
        {"out", hex(suite.derive_tree_secret(secret, "tree", 3, 16))}}},
      {"sign_with_label",
       {{"priv", hex(sig.private_key)},
        {"pub", hex(sig.public_key)},
        {"content", hex(content)},
        {"label", "SignWithLabel"},
        {"signature",
         hex(suite.sign_with_label(sig.private_key.view(), "SignWithLabel", content))}}},
      {"encrypt_with_label",
       {{"priv", hex(kem.private_key)},
        {"pub", hex(kem.public_key)},
        {"label", "fuzz"},
        {"context", hex(context)},
        {"plaintext", hex(plaintext)},
        {"kem_output", hex(ct.kem_output)},
        {"ciphertext", hex(ct.ciphertext)}}},
  };
}

Json secret_tree(const crypto::Suite& suite) {
  const Bytes sender_data_secret(suite.hash_len(), 0x21);
  const Bytes ciphertext(suite.hash_len() + 5, 0x22);
  const auto sd = schedule::derive_sender_data_key(suite, sender_data_secret, ciphertext);
  const Bytes encryption_secret(suite.hash_len(), 0x23);
  schedule::SecretTree tree(suite, tree::LeafCount(2), SecretBytes(encryption_secret));
  Json leaves = Json::array();
  for (uint32_t leaf = 0; leaf < 2; ++leaf) {
    Json generations = Json::array();
    for (uint32_t g : {0u, 3u}) {
      Json entry = {{"generation", g}};
      for (const auto type :
           {schedule::RatchetType::kHandshake, schedule::RatchetType::kApplication}) {
        const std::string name(schedule::ratchet_label(type));
        const auto key = tree.peek_key(suite, tree::LeafIndex(leaf), type, g);
        entry[name + "_key"] = hex(key.key);
        entry[name + "_nonce"] = hex(key.nonce);
      }
      generations.push_back(entry);
    }
    leaves.push_back(generations);
  }
  return {{"cipher_suite", suite.id()},
          {"sender_data",
           {{"sender_data_secret", hex(sender_data_secret)},
            {"ciphertext", hex(ciphertext)},
            {"key", hex(sd.key)},
            {"nonce", hex(sd.nonce)}}},
          {"encryption_secret", hex(encryption_secret)},
          {"leaves", leaves}};
}

Json message_protection(const crypto::Suite& suite, const Identity& signer) {
  wire::GroupContext context;
  context.cipher_suite = suite.id();
  context.group_id = Bytes{'g', 'r', 'p'};
  context.epoch = 5;
  context.tree_hash = Bytes(suite.hash_len(), 0x31);
  context.confirmed_transcript_hash = Bytes(suite.hash_len(), 0x32);
  const Bytes encryption_secret(suite.hash_len(), 0x33);
  const Bytes sender_data_secret(suite.hash_len(), 0x34);
  const Bytes membership_key(suite.hash_len(), 0x35);
  const auto sign = [&](wire::WireFormat format, const wire::Content& content) {
    wire::AuthenticatedContent ac;
    ac.wire_format = format;
    ac.content.group_id = context.group_id;
    ac.content.epoch = context.epoch;
    ac.content.sender = wire::Sender::member(1);  // the README's sender
    ac.content.content = content;
    ac.auth.signature = schedule::sign_framed_content(suite, format, ac.content,
                                                      signer.signature_private_key.view(), context);
    if (ac.content.content_type() == wire::ContentType::kCommit)
      ac.auth.confirmation_tag = Bytes(suite.hash_len(), 0);
    return ac;
  };
  const auto priv = [&](const wire::Content& content) {
    schedule::SecretTree tree(suite, tree::LeafCount(2), SecretBytes(encryption_secret));
    return hex_of(wire::MlsMessage{schedule::protect_private_message(
        suite, sign(wire::WireFormat::kPrivateMessage, content), tree, sender_data_secret)});
  };
  const auto pub = [&](const wire::Content& content) {
    return hex_of(wire::MlsMessage{schedule::protect_public_message(
        suite, sign(wire::WireFormat::kPublicMessage, content), membership_key, context)});
  };
  const wire::Proposal proposal{wire::Remove{2}};
  const wire::Commit commit{{wire::ProposalOrRef{proposal}}, std::nullopt};
  const Bytes application{'h', 'i'};
  return {{"cipher_suite", suite.id()},
          {"group_id", hex(context.group_id)},
          {"epoch", context.epoch},
          {"tree_hash", hex(context.tree_hash)},
          {"confirmed_transcript_hash", hex(context.confirmed_transcript_hash)},
          {"signature_priv", hex(signer.signature_private_key)},
          {"signature_pub", hex(signer.signature_public_key)},
          {"encryption_secret", hex(encryption_secret)},
          {"sender_data_secret", hex(sender_data_secret)},
          {"membership_key", hex(membership_key)},
          {"proposal", hex_of(proposal)},
          {"proposal_pub", pub(proposal)},
          {"proposal_priv", priv(proposal)},
          {"commit", hex_of(commit)},
          {"commit_pub", pub(commit)},
          {"commit_priv", priv(commit)},
          {"application", hex(application)},
          {"application_priv", priv(wire::ApplicationData{application})}};
}

Json key_schedule(const crypto::Suite& suite) {
  const Bytes group_id{'k', 's'};
  SecretBytes init_secret(Bytes(suite.hash_len(), 0x41));
  Json c = {{"cipher_suite", suite.id()},
            {"group_id", hex(group_id)},
            {"initial_init_secret", hex(init_secret)},
            {"epochs", Json::array()}};
  for (uint64_t i = 0; i < 2; ++i) {
    wire::GroupContext context;
    context.cipher_suite = suite.id();
    context.group_id = group_id;
    context.epoch = i;
    context.tree_hash = Bytes(suite.hash_len(), static_cast<uint8_t>(0x42 + i));
    context.confirmed_transcript_hash = Bytes(suite.hash_len(), static_cast<uint8_t>(0x44 + i));
    const Bytes commit_secret(suite.hash_len(), static_cast<uint8_t>(0x46 + i));
    const Bytes psk_secret(suite.hash_len(), static_cast<uint8_t>(0x48 + i));
    const auto run =
        schedule::run_key_schedule(suite, init_secret.view(), commit_secret, psk_secret, context);
    const auto& s = run.epoch;
    const Bytes exporter_context{1};
    c["epochs"].push_back({
        {"tree_hash", hex(context.tree_hash)},
        {"commit_secret", hex(commit_secret)},
        {"psk_secret", hex(psk_secret)},
        {"confirmed_transcript_hash", hex(context.confirmed_transcript_hash)},
        {"group_context", hex_of(context)},
        {"joiner_secret", hex(run.joiner_secret)},
        {"welcome_secret", hex(run.welcome_secret)},
        {"init_secret", hex(s.init_secret)},
        {"sender_data_secret", hex(s.sender_data_secret)},
        {"encryption_secret", hex(s.encryption_secret)},
        {"exporter_secret", hex(s.exporter_secret)},
        {"epoch_authenticator", hex(s.epoch_authenticator)},
        {"external_secret", hex(s.external_secret)},
        {"confirmation_key", hex(s.confirmation_key)},
        {"membership_key", hex(s.membership_key)},
        {"resumption_psk", hex(s.resumption_psk)},
        {"external_pub",
         hex(schedule::derive_external_key_pair(suite, s.external_secret.view()).public_key)},
        {"exporter",
         {{"label", "exporter label"},
          {"context", hex(exporter_context)},
          {"length", 32},
          {"secret", hex(schedule::mls_exporter(suite, s.exporter_secret.view(), "exporter label",
                                                exporter_context, 32))}}},
    });
    init_secret = s.init_secret;
  }
  return c;
}

Json psk_secret(const crypto::Suite& suite) {
  std::vector<schedule::PskInput> inputs;
  Json psks = Json::array();
  for (uint8_t i = 0; i < 2; ++i) {
    const Bytes id{'p', i}, psk(suite.hash_len(), static_cast<uint8_t>(0x51 + i)),
        nonce(suite.hash_len(), static_cast<uint8_t>(0x53 + i));
    inputs.push_back(
        schedule::PskInput{wire::PreSharedKeyId::external(id, nonce), SecretBytes(psk)});
    psks.push_back({{"psk_id", hex(id)}, {"psk", hex(psk)}, {"psk_nonce", hex(nonce)}});
  }
  return {{"cipher_suite", suite.id()},
          {"psks", psks},
          {"psk_secret", hex(schedule::derive_psk_secret(suite, inputs))}};
}

Json transcript_hashes(const crypto::Suite& suite) {
  const Bytes confirmation_key(suite.hash_len(), 0x61);
  const Bytes interim_before(suite.hash_len(), 0x62);
  wire::AuthenticatedContent ac;
  ac.wire_format = wire::WireFormat::kPublicMessage;
  ac.content.group_id = Bytes{'t', 'h'};
  ac.content.epoch = 1;
  ac.content.sender = wire::Sender::member(0);
  ac.content.content = wire::Commit{};
  ac.auth.signature = Bytes(64, 0x63);
  const Bytes confirmed = schedule::confirmed_transcript_hash(suite, interim_before, ac);
  ac.auth.confirmation_tag = schedule::confirmation_tag(suite, confirmation_key, confirmed);
  return {{"cipher_suite", suite.id()},
          {"confirmation_key", hex(confirmation_key)},
          {"authenticated_content", hex_of(ac)},
          {"interim_transcript_hash_before", hex(interim_before)},
          {"confirmed_transcript_hash_after", hex(confirmed)},
          {"interim_transcript_hash_after",
           hex(schedule::interim_transcript_hash(suite, confirmed, *ac.auth.confirmation_tag))}};
}

// A live group of the suite, for the types made of real messages.
struct Live {
  std::shared_ptr<const crypto::CryptoProvider> provider;
  const crypto::Suite& suite;
  Identity alice_id, bob_id, carol_id;
  KeyPackageBundle bob_kp, carol_kp;
  std::optional<Group> alice;
  CommitOutput added;  // alice adding bob (epoch 0 to 1)
  SecretBytes authenticator;

  Live(std::shared_ptr<const crypto::CryptoProvider> p, const crypto::Suite& s)
      : provider(std::move(p)),
        suite(s),
        alice_id(Identity::generate(s, basic_credential("alice"))),
        bob_id(Identity::generate(s, basic_credential("bob"))),
        carol_id(Identity::generate(s, basic_credential("carol"))),
        bob_kp(create_key_package(s, bob_id, unix_time_now())),
        carol_kp(create_key_package(s, carol_id, unix_time_now())) {
    CreateOptions options;
    options.config.handshake_format = HandshakeFormat::kPublic;
    GroupPolicy policy;  // the credentials are made here: every one is accepted
    policy.credential_validator = insecure_accept_any_credential();
    alice.emplace(Group::create(provider, alice_id, options, policy));
    CommitOptions add;
    add.add = {bob_kp.key_package};
    added = alice->commit(add);
    alice->merge_pending_commit();
    authenticator = alice->epoch_authenticator();
  }
};

Json welcome(const Live& live) {
  return {{"cipher_suite", live.suite.id()},
          {"init_priv", hex(live.bob_kp.init_private_key)},
          {"signer_pub", hex(live.alice_id.signature_public_key)},
          {"key_package", hex_of(wire::MlsMessage{live.bob_kp.key_package})},
          {"welcome", hex_of(*live.added.welcome)}};
}

Json tree_operations(const Live& live, int which) {
  tree::RatchetTree tree = live.alice->tree();
  const Bytes before = codec::encode(tree.to_nodes());
  const Bytes hash_before = tree.tree_hash();
  wire::Proposal proposal{wire::Remove{1}};
  if (which == 0) {
    proposal = wire::Proposal{wire::Add{live.carol_kp.key_package}};
    tree.add_leaf(live.carol_kp.key_package.leaf_node);
  } else {
    tree.remove_leaf(tree::LeafIndex(1));
  }
  return {{"cipher_suite", live.suite.id()},
          {"tree_before", hex(before)},
          {"tree_hash_before", hex(hash_before)},
          {"proposal", hex_of(proposal)},
          {"proposal_sender", 0},
          {"tree_after", hex_of(tree.to_nodes())},
          {"tree_hash_after", hex(tree.tree_hash())}};
}

Json tree_validation(const Live& live) {
  const tree::RatchetTree& tree = live.alice->tree();
  Json resolutions = Json::array(), hashes = Json::array();
  for (uint32_t i = 0; i < tree.width(); ++i) {
    Json r = Json::array();
    for (tree::NodeIndex x : tree.resolution(tree::NodeIndex(i)))
      r.push_back(x.value);
    resolutions.push_back(r);
    hashes.push_back(hex(tree.tree_hash(tree::NodeIndex(i))));
  }
  return {{"cipher_suite", live.suite.id()},
          {"tree", hex_of(tree.to_nodes())},
          {"group_id", hex(live.alice->group_id())},
          {"resolutions", resolutions},
          {"tree_hashes", hashes}};
}

// Three leaves from KeyPackages (their private keys known), no parent nodes, and an UpdatePath
// from leaf 0 that the other two decrypt.
Json treekem(const Live& live) {
  const crypto::Suite& suite = live.suite;
  const Identity* ids[] = {&live.alice_id, &live.bob_id, &live.carol_id};
  std::vector<KeyPackageBundle> bundles;
  tree::RatchetTree tree(suite);
  for (const Identity* id : ids) {
    bundles.push_back(create_key_package(suite, *id, unix_time_now()));
    tree.add_leaf(bundles.back().key_package.leaf_node);
  }
  Json leaves = Json::array();
  for (uint32_t i = 0; i < 3; ++i)
    leaves.push_back({{"index", i},
                      {"encryption_priv", hex(bundles[i].encryption_private_key)},
                      {"signature_priv", hex(ids[i]->signature_private_key)},
                      {"path_secrets", Json::array()}});
  wire::GroupContext context;
  context.cipher_suite = suite.id();
  context.group_id = Bytes{'t', 'k'};
  context.epoch = 3;
  context.confirmed_transcript_hash = Bytes(suite.hash_len(), 0x71);
  tree::RatchetTree committed = tree;
  tree::TreeKemPrivate me(suite, tree::LeafIndex(0), bundles[0].encryption_private_key);
  const auto created = tree::create_update_path(committed, me, *tree.leaf(tree::LeafIndex(0)),
                                                ids[0]->signature_private_key.view(), context);
  Json path_secrets = Json::array();
  for (uint32_t j = 0; j < 3; ++j) {
    const SecretBytes* ps =
        j == 0 ? nullptr : created.path_secret_for(tree::LeafIndex(0), tree::LeafIndex(j));
    path_secrets.push_back(ps ? Json(hex(*ps)) : Json(nullptr));
  }
  return {{"cipher_suite", suite.id()},
          {"group_id", hex(context.group_id)},
          {"epoch", context.epoch},
          {"confirmed_transcript_hash", hex(context.confirmed_transcript_hash)},
          {"ratchet_tree", hex_of(tree.to_nodes())},
          {"leaves_private", leaves},
          {"update_paths", Json::array({{{"sender", 0},
                                         {"update_path", hex_of(created.path)},
                                         {"path_secrets", path_secrets},
                                         {"commit_secret", hex(created.commit_secret)},
                                         {"tree_hash_after", hex(committed.tree_hash())}}})}};
}

Json messages(const Live& live) {
  Group alice = *live.alice;
  const wire::MlsMessage application = alice.protect(as_bytes("hi"));
  const wire::MlsMessage remove = alice.propose_remove(tree::LeafIndex(1));
  const CommitOutput commit = Group(alice).commit();
  // A PublicMessage of application data: valid syntax that no member sends (§6.2).
  wire::PublicMessage app_pub = *remove.get<wire::PublicMessage>();
  app_pub.content.content = wire::ApplicationData{Bytes{'h', 'i'}};
  wire::GroupSecrets secrets;
  secrets.joiner_secret = SecretBytes(Bytes(live.suite.hash_len(), 0x81));
  const auto& pub = *commit.commit.get<wire::PublicMessage>();
  return {
      {"mls_welcome", hex_of(*live.added.welcome)},
      {"mls_group_info", hex_of(alice.group_info())},
      {"mls_key_package", hex_of(wire::MlsMessage{live.carol_kp.key_package})},
      {"ratchet_tree", hex_of(alice.tree().to_nodes())},
      {"group_secrets", to_hex(codec::encode_secret(secrets).view())},
      {"add_proposal", hex_of(wire::Add{live.carol_kp.key_package})},
      {"update_proposal", hex_of(wire::Update{live.carol_kp.key_package.leaf_node})},
      {"remove_proposal", hex_of(wire::Remove{1})},
      {"pre_shared_key_proposal",
       hex_of(wire::PreSharedKey{wire::PreSharedKeyId::external(Bytes{1}, Bytes(32, 2))})},
      {"re_init_proposal",
       hex_of(wire::ReInit{Bytes{'n'}, wire::ProtocolVersion::kMls10, live.suite.id(), {}})},
      {"external_init_proposal", hex_of(wire::ExternalInit{Bytes(32, 3)})},
      {"group_context_extensions_proposal", hex_of(wire::GroupContextExtensions{})},
      {"commit", hex_of(std::get<wire::Commit>(pub.content.content))},
      {"public_message_application", hex_of(wire::MlsMessage{app_pub})},
      {"public_message_proposal", hex_of(remove)},
      {"public_message_commit", hex_of(commit.commit)},
      {"private_message", hex_of(application)},
  };
}

Json deserialization(uint64_t length) {
  codec::Writer w;
  w.varint(length);
  return {{"vlbytes_header", hex(w.bytes())}, {"length", length}};
}

// bob joins alice's group passively and follows two epochs: an empty commit, and a proposal
// of alice's committed by reference.
Json passive_client(const Live& live) {
  Group alice = *live.alice;
  Json epochs = Json::array();
  const CommitOutput first = alice.commit();
  alice.merge_pending_commit();
  epochs.push_back({{"proposals", Json::array()},
                    {"commit", hex_of(first.commit)},
                    {"epoch_authenticator", hex(alice.epoch_authenticator())}});
  const wire::MlsMessage proposal = alice.propose_add(live.carol_kp.key_package);
  const CommitOutput second = alice.commit();
  alice.merge_pending_commit();
  epochs.push_back({{"proposals", Json::array({hex_of(proposal)})},
                    {"commit", hex_of(second.commit)},
                    {"epoch_authenticator", hex(alice.epoch_authenticator())}});
  return {{"cipher_suite", live.suite.id()},
          {"key_package", hex_of(wire::MlsMessage{live.bob_kp.key_package})},
          {"signature_priv", hex(live.bob_id.signature_private_key)},
          {"encryption_priv", hex(live.bob_kp.encryption_private_key)},
          {"init_priv", hex(live.bob_kp.init_private_key)},
          {"welcome", hex_of(*live.added.welcome)},
          {"ratchet_tree", nullptr},
          {"initial_epoch_authenticator", hex(live.authenticator)},
          {"external_psks", Json::array({{{"psk_id", "00"}, {"psk", hex(Bytes(32, 9))}}})},
          {"epochs", epochs}};
}

}  // namespace

void json_seeds(const std::shared_ptr<const crypto::CryptoProvider>& provider,
                const crypto::Suite& suite,
                const std::function<void(uint8_t type, const std::string& text)>& emit) {
  const auto one = [&](Type type, const Json& c) { emit(type, Json::array({c}).dump()); };
  if (suite.id() == 1) {
    for (uint32_t n : {1u, 2u, 3u, 4u, 8u})
      one(kTreeMath, tree_math(n));
    for (uint64_t length : {0ull, 63ull, 64ull, 16383ull, 16384ull, 1073741823ull})
      one(kDeserialization, deserialization(length));
  }
  one(kCryptoBasics, crypto_basics(suite));
  one(kSecretTree, secret_tree(suite));
  one(kKeySchedule, key_schedule(suite));
  one(kPskSecret, psk_secret(suite));
  one(kTranscriptHashes, transcript_hashes(suite));
  const Live live(provider, suite);
  one(kMessageProtection, message_protection(suite, live.alice_id));
  one(kWelcome, welcome(live));
  one(kTreeOperations, tree_operations(live, 0));
  one(kTreeOperations, tree_operations(live, 1));
  one(kTreeValidation, tree_validation(live));
  one(kTreeKem, treekem(live));
  one(kMessages, messages(live));
  one(kPassiveClient, passive_client(live));
}

}  // namespace conclave_fuzz
