// Helpers for the group layer's negative tests (RFC 9420 §10.1, §12.2, §12.4.2, §12.4.3.1): a
// three-member group, the check that a rejection leaves the receiver exactly as it was, and
// forging a member's handshake messages by signing and MACing again with that member's keys.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"
#include "conclave/schedule/detail/private_message.h"
#include "conclave/schedule/detail/public_message.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/secret_tree.h"
#include "support/accept_any_policy.h"

namespace conclave::group_testing {

using conclave::testing::accept_any_policy;

inline constexpr std::string_view kLeafNodeLabel = "LeafNodeTBS";
inline constexpr std::string_view kKeyPackageLabel = "KeyPackageTBS";

struct Client {
  Identity identity;
  KeyPackageBundle key_package;
};

inline Client make_client(const crypto::Suite& suite, const std::string& name,
                          const KeyPackageOptions& options = {}) {
  Identity id = Identity::generate(suite, basic_credential(name));
  KeyPackageBundle kp = create_key_package(suite, id, unix_time_now(), options);
  return Client{std::move(id), std::move(kp)};
}

// A second KeyPackage of the same client (same signature key, fresh HPKE keys).
inline KeyPackageBundle another_key_package(const crypto::Suite& suite, const Client& client) {
  return create_key_package(suite, client.identity, unix_time_now());
}

// --- outcomes ------------------------------------------------------------------------------------

struct Outcome {
  bool threw = false;
  ErrorCode code = ErrorCode::kInternal;
  std::string what;
};

inline Outcome outcome_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return Outcome{true, e.code(), e.what()};
  } catch (const std::exception& e) {
    return Outcome{false, ErrorCode::kInternal, std::string("not a conclave::Error: ") + e.what()};
  }
  return Outcome{false, ErrorCode::kInternal, "no error"};
}

inline ::testing::AssertionResult rejects(ErrorCode code, const std::function<void()>& fn) {
  const Outcome o = outcome_of(fn);
  if (o.threw && o.code == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected " << error_code_name(code) << ", got " << o.what;
}

// The criterion of these tests: `fn` throws Error(code) and `group` is left as it was, the same
// serialized state (Group::serialize) and the same pending commit.
inline ::testing::AssertionResult rejects_unchanged(const Group& group, ErrorCode code,
                                                    const std::function<void()>& fn) {
  const SecretBytes before = group.serialize();
  const Group copy = group;
  const Outcome o = outcome_of(fn);
  if (!o.threw || o.code != code)
    return ::testing::AssertionFailure()
           << "expected " << error_code_name(code) << ", got " << o.what;
  if (group.serialize() != before)
    return ::testing::AssertionFailure()
           << "rejected (" << o.what << ") but the serialized group state changed";
  if (!(group == copy))
    return ::testing::AssertionFailure()
           << "rejected (" << o.what << ") but the pending commit changed";
  return ::testing::AssertionSuccess();
}

// RFC 9180 §7.1.4: all-zero bytes are no usable HPKE public key in any suite (for X25519 and
// X448 the point u = 0, of small order; for the NIST curves no point encoding).
inline Bytes unusable_encryption_key(const crypto::Suite& suite) {
  return Bytes(crypto::kem_info(suite.info().kem).public_key_len, 0);
}

// What a receiver would see: the message encoded and decoded again.
inline wire::MlsMessage over_the_wire(const wire::MlsMessage& message) {
  return codec::decode<wire::MlsMessage>(codec::encode(message));
}

// --- a member's keys -----------------------------------------------------------------------------

namespace detail {

// The leading fields of the state record of src/group/group.cpp (Group::serialize), in order:
// the stable ones, up to the epoch secrets. A change of them makes member_keys() throw and every
// forging test fail loudly.
struct NodeKeyRecord {
  uint32_t node = 0;
  SecretBytes private_key;
  Bytes public_key;
  CONCLAVE_TLS_FIELDS(node, private_key, public_key)
};

struct StatePrefix {
  uint16_t version = 0;
  uint16_t cipher_suite = 0;
  GroupConfig config;
  uint32_t own_leaf = 0;
  wire::Credential credential;
  SecretBytes signature_private_key;
  uint8_t active = 0;
  wire::GroupContext context;
  wire::RatchetTreeNodes tree;
  std::vector<NodeKeyRecord> tree_private;
  schedule::EpochSecrets secrets;
  CONCLAVE_TLS_FIELDS(version, cipher_suite, config, own_leaf, credential, signature_private_key,
                      active, context, tree, tree_private, secrets)
};

}  // namespace detail

// What a member signs, MACs and encrypts its handshake messages with in its current epoch.
struct MemberKeys {
  tree::LeafIndex leaf;
  wire::GroupContext context;
  SecretBytes signature_private_key;
  schedule::EpochSecrets secrets;
  schedule::SecretTree secret_tree;  // the epoch's, as it started (no key used yet)
};

// The keys of `member`, read out of its serialized state: Group has no accessor for its
// secrets, and the tests must not add one.
inline MemberKeys member_keys(const Group& member) {
  const SecretBytes state = member.serialize();
  codec::Reader r(state.view());
  detail::StatePrefix p;
  try {
    codec::read(r, p);
  } catch (const Error& e) {
    throw std::logic_error(std::string("the Group state layout changed (") + e.what() +
                           "): update negative_test_util.h");
  }
  if (p.version != 3 || p.own_leaf != member.own_leaf().value || p.context != member.context() ||
      p.config != member.config())
    throw std::logic_error("the Group state layout changed: update negative_test_util.h");
  schedule::SecretTree secret_tree(member.suite(), member.tree().leaf_count(),
                                   p.secrets.encryption_secret, p.config.ratchet_window);
  return MemberKeys{tree::LeafIndex(p.own_leaf), std::move(p.context),
                    std::move(p.signature_private_key), std::move(p.secrets),
                    std::move(secret_tree)};
}

// --- forging a member's messages -----------------------------------------------------------------

// Forges handshake messages as `member` (the state it had when the Forger was made): anything
// it builds carries a valid signature and membership tag (or PrivateMessage encryption), so a
// receiver rejects it only for the rule a test breaks on purpose.
class Forger {
 public:
  Forger(const crypto::Suite& suite, const Group& member)
      : suite_(suite), keys_(member_keys(member)) {}

  const MemberKeys& keys() const { return keys_; }

  wire::FramedContent frame(wire::Content content) const {
    wire::FramedContent fc;
    fc.group_id = keys_.context.group_id;
    fc.epoch = keys_.context.epoch;
    fc.sender = wire::Sender::member(keys_.leaf.value);
    fc.content = std::move(content);
    return fc;
  }

  // A PublicMessage of `content`, signed by the member, with its membership tag.
  wire::MlsMessage seal(wire::FramedContent content,
                        std::optional<wire::Mac> confirmation_tag = std::nullopt) const {
    wire::PublicMessage pm;
    pm.content = std::move(content);
    pm.auth.confirmation_tag = std::move(confirmation_tag);
    return finish(std::move(pm), true);
  }

  // A proposal of the member's, as a PublicMessage.
  wire::MlsMessage propose(wire::Proposal proposal) const { return seal(frame(proposal)); }

  // `genuine`, a PublicMessage of the member's, changed by `mutate`, then signed again (unless
  // `resign` is false: the signature stays as `mutate` left it) and given a new membership tag.
  wire::MlsMessage reseal(const wire::MlsMessage& genuine,
                          const std::function<void(wire::PublicMessage&)>& mutate,
                          bool resign = true) const {
    wire::PublicMessage pm = *genuine.get<wire::PublicMessage>();
    mutate(pm);
    return finish(std::move(pm), resign);
  }

  // The same for a commit's proposals, path or confirmation tag.
  wire::MlsMessage reseal_commit(const wire::MlsMessage& genuine,
                                 const std::function<void(wire::Commit&)>& mutate) const {
    return reseal(genuine, [&](wire::PublicMessage& pm) {
      mutate(std::get<wire::Commit>(pm.content.content));
    });
  }

  // `genuine`, a handshake PrivateMessage of the member's in this epoch, decrypted, changed by
  // `mutate`, signed again (unless `resign` is false) and encrypted under the same generation
  // of the member's handshake ratchet.
  wire::MlsMessage reseal_private(const wire::MlsMessage& genuine,
                                  const std::function<void(wire::AuthenticatedContent&)>& mutate,
                                  bool resign = true) const {
    const auto& pm = *genuine.get<wire::PrivateMessage>();
    schedule::SecretTree rx = keys_.secret_tree;
    wire::AuthenticatedContent content = schedule::unprotect_private_message(
        suite_, pm, rx, keys_.secrets.sender_data_secret.view(), nullptr);
    mutate(content);
    if (resign)
      content.auth.signature =
          schedule::sign_framed_content(suite_, wire::WireFormat::kPrivateMessage, content.content,
                                        keys_.signature_private_key.view(), keys_.context);
    schedule::SecretTree tx = keys_.secret_tree;
    const uint32_t generation =
        schedule::decrypt_sender_data(suite_, pm, keys_.secrets.sender_data_secret.view())
            .generation;
    for (uint32_t g = 0; g < generation; ++g)
      tx.next_key(suite_, keys_.leaf, schedule::RatchetType::kHandshake);
    return wire::MlsMessage{schedule::protect_private_message(
        suite_, content, tx, keys_.secrets.sender_data_secret.view())};
  }

  // Signs a leaf node (LeafNodeTBS) with the member's key; update and commit leaves are bound
  // to the group and the member's leaf.
  void sign_leaf(wire::LeafNode& leaf) const {
    std::optional<wire::LeafNodeGroupBinding> binding;
    if (leaf.leaf_node_source != wire::LeafNodeSource::kKeyPackage)
      binding = wire::LeafNodeGroupBinding{keys_.context.group_id, keys_.leaf.value};
    leaf.signature = suite_.sign_with_label(keys_.signature_private_key.view(), kLeafNodeLabel,
                                            leaf.to_be_signed(binding));
  }

 private:
  wire::MlsMessage finish(wire::PublicMessage pm, bool resign) const {
    if (resign)
      pm.auth.signature =
          schedule::sign_framed_content(suite_, wire::WireFormat::kPublicMessage, pm.content,
                                        keys_.signature_private_key.view(), keys_.context);
    pm.membership_tag = schedule::membership_tag(suite_, keys_.secrets.membership_key.view(),
                                                 pm.content, pm.auth, keys_.context);
    return over_the_wire(wire::MlsMessage{std::move(pm)});
  }

  crypto::Suite suite_;
  MemberKeys keys_;
};

inline wire::Commit& commit_of(wire::PublicMessage& pm) {
  return std::get<wire::Commit>(pm.content.content);
}

inline void flip_last_byte(Bytes& b) {
  if (b.empty()) b.push_back(0);
  b.back() ^= 0x01;
}

// Signs a KeyPackage (KeyPackageTBS) again with its client's key, after a test changed it.
inline void sign_key_package(const crypto::Suite& suite, wire::KeyPackage& kp,
                             BytesView signature_private_key) {
  kp.signature = suite.sign_with_label(signature_private_key, kKeyPackageLabel, kp.to_be_signed());
}

// Signs a KeyPackage leaf (source key_package, no group binding) again.
inline void sign_key_package_leaf(const crypto::Suite& suite, wire::LeafNode& leaf,
                                  BytesView signature_private_key) {
  leaf.signature =
      suite.sign_with_label(signature_private_key, kLeafNodeLabel, leaf.to_be_signed(std::nullopt));
}

// --- the group
// ------------------------------------------------------------------------------------

inline GroupConfig public_handshakes() {
  GroupConfig config;
  config.handshake_format = HandshakeFormat::kPublic;  // so tests can re-sign and re-MAC
  return config;
}

// Alice (leaf 0) creates a group and adds Bob (leaf 1) and Carol (leaf 2); the tree has four
// leaves, leaf 3 blank. Handshake messages are PublicMessages unless a test sets otherwise.
class NegativeGroupTest : public ::testing::TestWithParam<uint16_t> {
 protected:
  void SetUp() override { build(public_handshakes()); }

  // Bob's and Carol's KeyPackages have `member_options` (Alice's leaf supports the custom
  // proposal types `config` registers).
  void build(const GroupConfig& config, const KeyPackageOptions& member_options = {}) {
    config_ = config;
    alice = make_client(suite, "alice");
    bob = make_client(suite, "bob", member_options);
    carol = make_client(suite, "carol", member_options);
    CreateOptions create;
    create.config = config;
    a.emplace(Group::create(provider, alice.identity, create, accept_any_policy()));
    CommitOptions add;
    add.add = {bob.key_package.key_package, carol.key_package.key_package};
    const CommitOutput out = a->commit(add);
    a->merge_pending_commit();
    b.emplace(Group::join(provider, bob.identity, bob.key_package, *out.welcome, std::nullopt,
                          config, accept_any_policy()));
    c.emplace(Group::join(provider, carol.identity, carol.key_package, *out.welcome, std::nullopt,
                          config, accept_any_policy()));
    ASSERT_EQ(a->epoch_authenticator(), b->epoch_authenticator());
    ASSERT_EQ(a->epoch_authenticator(), c->epoch_authenticator());
  }

  // Every receiver takes `message`; a proposal is remembered by each.
  void deliver(const wire::MlsMessage& message, std::initializer_list<Group*> receivers) {
    for (Group* g : receivers)
      g->process(message);
  }

  // The receiver accepts the genuine commit of `committer` (the group that created it and holds
  // it pending) and both end in the same epoch with the same secrets.
  void expect_commit_accepted(Group& receiver, Group& committer, const wire::MlsMessage& commit) {
    ProcessResult result = receiver.process(over_the_wire(commit));
    ASSERT_TRUE(std::holds_alternative<StagedCommit>(result));
    receiver.merge(std::get<StagedCommit>(std::move(result)));
    committer.merge_pending_commit();
    EXPECT_EQ(receiver.epoch(), committer.epoch());
    EXPECT_EQ(receiver.epoch_authenticator(), committer.epoch_authenticator());
  }

  // A commit of a copy of `member` (the member itself stays as it was), with a Forger holding
  // the member's keys of the epoch the commit is sent in.
  struct GenuineCommit {
    Group committer;
    Forger forger;
    CommitOutput out;
  };
  GenuineCommit genuine_commit(const Group& member, const CommitOptions& options = {}) const {
    Group committer = member;
    Forger forger(suite, committer);
    CommitOutput out = committer.commit(options);
    return GenuineCommit{std::move(committer), std::move(forger), std::move(out)};
  }

  // Bob accepts Alice's genuine commit `g`, Carol too, and Alice becomes its committer: all
  // three are in the new epoch.
  void advance_all(GenuineCommit& g) {
    expect_commit_accepted(*b, g.committer, g.out.commit);
    c->merge(std::get<StagedCommit>(c->process(over_the_wire(g.out.commit))));
    a.emplace(std::move(g.committer));
  }

  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite{provider, GetParam()};
  GroupConfig config_;
  Client alice, bob, carol;
  std::optional<Group> a, b, c;
};

inline std::string suite_name(const ::testing::TestParamInfo<uint16_t>& info) {
  return "Suite" + std::to_string(info.param);
}

// CommitOptions of one kind (designated initializers would leave the other fields unnamed).
inline CommitOptions adding(std::vector<wire::KeyPackage> key_packages) {
  CommitOptions o;
  o.add = std::move(key_packages);
  return o;
}
inline CommitOptions removing(tree::LeafIndex leaf) {
  CommitOptions o;
  o.remove = {leaf};
  return o;
}
inline CommitOptions with_path() {
  CommitOptions o;
  o.force_path = true;
  return o;
}

}  // namespace conclave::group_testing
