// Forward secrecy of application messages (RFC 9420 §9.2, §8, §12.4.2): once a commit is
// merged, nothing in a member's state decrypts a message of an epoch older than the configured
// window; a key decrypts its message once; a removed member reads nothing new.
//
// Besides what process() answers, these tests look at the serialized state the way someone
// who stole it would: its layout is private to the group layer, so the helpers below try every
// offset for a secret tree (whose decoding checks suite, sizes and structure) or for the raw
// bytes of a known secret.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "conclave/base/error.h"
#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/secret_tree.h"
#include "support/accept_any_policy.h"
#include "support/error_of.h"

namespace conclave {
namespace {

using conclave::testing::accept_any_policy;
using conclave::testing::error_of;
using schedule::KeyAndNonce;
using schedule::RatchetType;

bool contains(BytesView haystack, BytesView needle) {
  return !needle.empty() && std::search(haystack.begin(), haystack.end(), needle.begin(),
                                        needle.end()) != haystack.end();
}

// Every secret tree of the suite encoded anywhere in `state` (it starts with the suite id).
std::vector<schedule::SecretTree> secret_trees_in(BytesView state, uint16_t suite_id) {
  std::vector<schedule::SecretTree> out;
  for (size_t i = 0; i + 2 <= state.size(); ++i) {
    if (((state[i] << 8) | state[i + 1]) != suite_id) continue;
    codec::Reader r(state.subspan(i));
    schedule::SecretTree tree;
    try {
      tree.tls_decode(r);
    } catch (const Error&) {
      continue;
    }
    out.push_back(std::move(tree));
  }
  return out;
}

// Whether a secret tree held in `state` still yields `key` for generation `generation` of the
// sender's application ratchet.
bool state_derives(BytesView state, const crypto::Suite& suite, tree::LeafIndex sender,
                   uint32_t generation, const KeyAndNonce& key) {
  for (auto& tree : secret_trees_in(state, suite.id())) {
    try {
      if (tree.peek_key(suite, sender, RatchetType::kApplication, generation) == key) return true;
    } catch (const Error&) {
      // deleted, consumed or out of range in this tree
    }
  }
  return false;
}

// The epoch secrets encoded in `state` whose epoch authenticator is `authenticator`.
std::optional<schedule::EpochSecrets> epoch_secrets_in(BytesView state,
                                                       const SecretBytes& authenticator) {
  const Bytes prefix = [&] {
    Bytes encoded = codec::encode(SecretBytes(authenticator.size()));
    encoded.resize(encoded.size() - authenticator.size());
    return encoded;
  }();
  for (size_t i = 0; i + prefix.size() <= state.size(); ++i) {
    if (!std::equal(prefix.begin(), prefix.end(), state.begin() + i)) continue;
    codec::Reader r(state.subspan(i));
    schedule::EpochSecrets secrets;
    try {
      codec::read(r, secrets);
    } catch (const Error&) {
      continue;
    }
    if (secrets.epoch_authenticator == authenticator) return secrets;
  }
  return std::nullopt;
}

// prefix + n, appended rather than concatenated: GCC 12 warns (-Wrestrict, wrongly) on
// `"literal" + std::to_string(n)` once inlined.
std::string numbered(std::string prefix, uint64_t n) {
  prefix += std::to_string(n);
  return prefix;
}

std::string text(const ApplicationMessage& m) {
  return std::string(m.data.begin(), m.data.end());
}

class GroupFixture {
 public:
  explicit GroupFixture(uint16_t suite_id) : suite(provider, suite_id) {}

  // members[0] creates the group and adds the others in one commit, each with its config.
  std::vector<Group> make(const std::vector<GroupConfig>& configs) {
    std::vector<Identity> ids;
    for (size_t i = 0; i < configs.size(); ++i)
      ids.push_back(Identity::generate(suite, basic_credential(numbered("member ", i))));
    CreateOptions create;
    create.config = configs[0];
    std::vector<Group> out{Group::create(provider, ids[0], create, accept_any_policy())};
    CommitOptions add;
    std::vector<KeyPackageBundle> kps;
    for (size_t i = 1; i < configs.size(); ++i) {
      kps.push_back(create_key_package(suite, ids[i], unix_time_now()));
      add.add.push_back(kps.back().key_package);
    }
    const CommitOutput commit = out[0].commit(add);
    out[0].merge_pending_commit();
    for (size_t i = 1; i < configs.size(); ++i)
      out.push_back(Group::join(provider, ids[i], kps[i - 1], *commit.welcome, std::nullopt,
                                configs[i], accept_any_policy()));
    return out;
  }

  // `committer` commits; it and every other active member merge.
  static void commit(Group& committer, const std::vector<Group*>& others,
                     const CommitOptions& options = {}) {
    const CommitOutput out = committer.commit(options);
    committer.merge_pending_commit();
    for (Group* g : others)
      if (g != &committer && g->active()) g->merge(std::get<StagedCommit>(g->process(out.commit)));
  }

  std::shared_ptr<const crypto::CryptoProvider> provider = crypto::openssl_provider();
  crypto::Suite suite;
};

struct WindowCase {
  uint16_t suite = 1;
  uint32_t past_epochs_kept = 0;
};

void PrintTo(const WindowCase& c, std::ostream* os) {
  *os << "suite " << c.suite << ", past_epochs_kept " << c.past_epochs_kept;
}

class ForwardSecrecyWindow : public ::testing::TestWithParam<WindowCase> {};

// RFC 9420 §9.2 (keys are deleted once their epoch's window is over, whether used or not) with
// §8 (each epoch's secrets replace the last): a message of epoch e decrypts after up to
// past_epochs_kept commits and never after more, and then no member's state holds anything of
// epoch e that decrypts it.
TEST_P(ForwardSecrecyWindow, OldEpochKeysAreGoneAfterTheWindow) {
  const WindowCase param = GetParam();
  const uint32_t k = param.past_epochs_kept;
  GroupFixture f(param.suite);
  GroupConfig config;
  config.past_epochs_kept = k;
  std::vector<Group> g = f.make({config, config, config});
  Group& a = g[0];  // the sender
  Group& b = g[1];  // the receiver
  Group& c = g[2];  // a member that never decrypts anything
  const uint64_t e = b.epoch();

  // B has just joined: its state holds the secret tree of epoch e and no other.
  const SecretBytes joined = b.serialize();
  auto trees = secret_trees_in(joined.view(), param.suite);
  ASSERT_EQ(trees.size(), 1u);
  const auto epoch_e = epoch_secrets_in(joined.view(), b.epoch_authenticator());
  ASSERT_TRUE(epoch_e.has_value());

  // A sends k + 2 messages in epoch e; message j is delivered after j commits.
  std::vector<wire::MlsMessage> sent;
  std::vector<KeyAndNonce> keys;
  for (uint32_t j = 0; j <= k + 1; ++j) {
    keys.push_back(trees[0].peek_key(f.suite, a.own_leaf(), RatchetType::kApplication, j));
    sent.push_back(a.protect(as_bytes(numbered("message ", j))));
  }
  // §9.2: the sender deleted each key as it used it.
  const SecretBytes sender_state = a.serialize();
  for (uint32_t j = 0; j <= k + 1; ++j) {
    EXPECT_FALSE(state_derives(sender_state.view(), f.suite, a.own_leaf(), j, keys[j])) << j;
    EXPECT_FALSE(contains(sender_state.view(), keys[j].key.view())) << j;
  }

  for (uint32_t j = 0; j <= k + 1; ++j) {
    SCOPED_TRACE(numbered("message ", j) + ", after " + std::to_string(j) +
                 " commits, past_epochs_kept " + std::to_string(k));
    if (j > 0) GroupFixture::commit(j % 2 ? c : a, {&a, &b, &c});
    ASSERT_EQ(b.epoch(), e + j);
    const SecretBytes state = b.serialize();
    Group restored = Group::deserialize(f.provider, state.view());
    const auto retained = b.retained_epochs();
    const bool kept = std::count(retained.begin(), retained.end(), e) != 0;
    if (j <= k) {
      // Within the window: B, and a copy restored from its state, read message j.
      EXPECT_TRUE(kept);
      EXPECT_TRUE(state_derives(state.view(), f.suite, a.own_leaf(), j, keys[j]));
      if (j > 0) {
        EXPECT_TRUE(contains(state.view(), epoch_e->sender_data_secret.view()));
      }
      const auto got = std::get<ApplicationMessage>(b.process(sent[j]));
      EXPECT_EQ(text(got), numbered("message ", j));
      EXPECT_EQ(got.epoch, e);
      EXPECT_EQ(got.sender, a.own_leaf());
      EXPECT_EQ(text(std::get<ApplicationMessage>(restored.process(sent[j]))),
                numbered("message ", j));
      // §9.2: the key is used once, then deleted.
      EXPECT_EQ(error_of([&] { b.process(sent[j]); }), ErrorCode::kGenerationReused);
      const SecretBytes after = b.serialize();
      EXPECT_FALSE(state_derives(after.view(), f.suite, a.own_leaf(), j, keys[j]));
      EXPECT_FALSE(contains(after.view(), keys[j].key.view()));
      EXPECT_FALSE(contains(after.view(), keys[j].nonce.view()));
    } else {
      // Beyond it: neither B nor its restored copy can, and no member holds a secret of
      // epoch e that could (the resumption PSK aside: §8.6 keeps it to resume the group, and
      // it decrypts no message).
      EXPECT_FALSE(kept);
      EXPECT_EQ(error_of([&] { b.process(sent[j]); }), ErrorCode::kEpochNotRetained);
      EXPECT_EQ(error_of([&] { restored.process(sent[j]); }), ErrorCode::kEpochNotRetained);
      EXPECT_EQ(error_of([&] { c.process(sent[j]); }), ErrorCode::kEpochNotRetained);
      for (const Group* m : {&a, &b, &c}) {
        const SecretBytes s = m->serialize();
        for (uint32_t i = 0; i <= k + 1; ++i) {
          EXPECT_FALSE(state_derives(s.view(), f.suite, a.own_leaf(), i, keys[i]))
              << "message " << i;
          EXPECT_FALSE(contains(s.view(), keys[i].key.view())) << "message " << i;
        }
        for (const SecretBytes* secret :
             {&epoch_e->sender_data_secret, &epoch_e->encryption_secret, &epoch_e->exporter_secret,
              &epoch_e->external_secret, &epoch_e->confirmation_key, &epoch_e->membership_key,
              &epoch_e->epoch_authenticator, &epoch_e->init_secret})
          EXPECT_FALSE(contains(s.view(), secret->view()))
              << "a secret of epoch " << e << " is still held";
      }
    }
    if (j > 0) {
      // §8: whatever the window, an epoch's other secrets go with the commit that ends it.
      for (const SecretBytes* secret :
           {&epoch_e->exporter_secret, &epoch_e->external_secret, &epoch_e->confirmation_key,
            &epoch_e->membership_key, &epoch_e->epoch_authenticator, &epoch_e->init_secret})
        EXPECT_FALSE(contains(state.view(), secret->view()));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ForwardSecrecy, ForwardSecrecyWindow,
                         ::testing::Values(WindowCase{1, 0}, WindowCase{1, 1}, WindowCase{2, 2},
                                           WindowCase{3, 3}),
                         [](const ::testing::TestParamInfo<WindowCase>& info) {
                           return "suite" + std::to_string(info.param.suite) + "_kept" +
                                  std::to_string(info.param.past_epochs_kept);
                         });

// RFC 9420 §9.2: "each key and nonce MUST be deleted after use": a message decrypts once, in
// whatever order messages arrive, and a restored state remembers what was consumed. The same
// holds for the handshake ratchet (§6.3).
TEST(ForwardSecrecy, ConsumedKeyDecryptsOnce) {
  GroupFixture f(1);
  std::vector<Group> g = f.make({GroupConfig{}, GroupConfig{}});
  Group& a = g[0];
  Group& b = g[1];
  const auto trees = secret_trees_in(b.serialize().view(), 1);
  ASSERT_EQ(trees.size(), 1u);

  std::vector<wire::MlsMessage> sent;
  std::vector<KeyAndNonce> keys;
  for (uint32_t j = 0; j < 3; ++j) {
    auto tree = trees[0];
    keys.push_back(tree.peek_key(f.suite, a.own_leaf(), RatchetType::kApplication, j));
    sent.push_back(a.protect(as_bytes(numbered("m", j))));
  }
  // Out of order: 2, then 0; both consumed, 1 still readable.
  EXPECT_EQ(text(std::get<ApplicationMessage>(b.process(sent[2]))), "m2");
  EXPECT_EQ(text(std::get<ApplicationMessage>(b.process(sent[0]))), "m0");
  EXPECT_EQ(error_of([&] { b.process(sent[2]); }), ErrorCode::kGenerationReused);
  EXPECT_EQ(error_of([&] { b.process(sent[0]); }), ErrorCode::kGenerationReused);
  Group restored = Group::deserialize(f.provider, b.serialize().view());
  EXPECT_EQ(error_of([&] { restored.process(sent[2]); }), ErrorCode::kGenerationReused);
  EXPECT_EQ(error_of([&] { restored.process(sent[0]); }), ErrorCode::kGenerationReused);
  const SecretBytes state = b.serialize();
  for (uint32_t j : {0u, 2u}) {
    EXPECT_FALSE(state_derives(state.view(), f.suite, a.own_leaf(), j, keys[j])) << j;
    EXPECT_FALSE(contains(state.view(), keys[j].key.view())) << j;
    EXPECT_FALSE(contains(state.view(), keys[j].nonce.view())) << j;
  }
  // The skipped key of generation 1 is kept (§9.2 allows it, within the window) until used.
  EXPECT_TRUE(state_derives(state.view(), f.suite, a.own_leaf(), 1, keys[1]));
  EXPECT_EQ(text(std::get<ApplicationMessage>(restored.process(sent[1]))), "m1");
  EXPECT_EQ(error_of([&] { restored.process(sent[1]); }), ErrorCode::kGenerationReused);
  EXPECT_FALSE(contains(restored.serialize().view(), keys[1].key.view()));

  // A handshake message (a PrivateMessage proposal) is read once too.
  const auto proposal = a.propose_update();
  std::get<ReceivedProposal>(b.process(proposal));
  EXPECT_EQ(error_of([&] { b.process(proposal); }), ErrorCode::kGenerationReused);
}

// RFC 9420 §12.4.2 with §12.1.3: a member removed by a commit gets none of the new epoch's
// secrets (the UpdatePath is not encrypted to it), so its state, restored or not, reads no
// message of the new epoch and takes part in nothing.
TEST(ForwardSecrecy, RemovedMemberReadsNothingNew) {
  GroupFixture f(1);
  GroupConfig keeps_none;  // one secret tree in its state: the current epoch's
  keeps_none.past_epochs_kept = 0;
  GroupConfig keeps_three;
  keeps_three.past_epochs_kept = 3;
  std::vector<Group> g = f.make({GroupConfig{}, keeps_none, GroupConfig{}, keeps_three});
  Group& a = g[0];
  Group& b = g[1];
  Group& c = g[2];
  Group& d = g[3];  // removed below

  // A message of the last epoch D belongs to, read by D.
  const auto before = a.protect(as_bytes("before"));
  EXPECT_EQ(text(std::get<ApplicationMessage>(d.process(before))), "before");

  CommitOptions remove;
  remove.remove = {d.own_leaf()};
  const CommitOutput out = a.commit(remove);
  a.merge_pending_commit();
  for (Group* m : {&b, &c})
    m->merge(std::get<StagedCommit>(m->process(out.commit)));
  StagedCommit staged = std::get<StagedCommit>(d.process(out.commit));
  EXPECT_TRUE(staged.removes_me());
  EXPECT_TRUE(staged.epoch_authenticator().empty());
  d.merge(std::move(staged));
  EXPECT_FALSE(d.active());
  const auto retained = d.retained_epochs();
  EXPECT_EQ(std::count(retained.begin(), retained.end(), a.epoch()), 0);

  // The new epoch's secrets and its first message key, from B (whose state holds only them).
  const SecretBytes b_state = b.serialize();
  const auto new_epoch = epoch_secrets_in(b_state.view(), b.epoch_authenticator());
  ASSERT_TRUE(new_epoch.has_value());
  const auto b_trees = secret_trees_in(b_state.view(), 1);
  ASSERT_EQ(b_trees.size(), 1u);
  auto tree = b_trees[0];
  const KeyAndNonce key = tree.peek_key(f.suite, a.own_leaf(), RatchetType::kApplication, 0);
  const auto after = a.protect(as_bytes("after"));
  EXPECT_EQ(text(std::get<ApplicationMessage>(b.process(after))), "after");

  Group restored = Group::deserialize(f.provider, d.serialize().view());
  EXPECT_FALSE(restored.active());
  for (Group* removed : {&d, &restored}) {
    EXPECT_EQ(error_of([&] { removed->process(after); }), ErrorCode::kNotAMember);
    EXPECT_EQ(error_of([&] { removed->protect(as_bytes("x")); }), ErrorCode::kNotAMember);
    EXPECT_EQ(error_of([&] { removed->commit(); }), ErrorCode::kNotAMember);
    EXPECT_EQ(error_of([&] { removed->propose_update(); }), ErrorCode::kNotAMember);
    EXPECT_EQ(error_of([&] { removed->export_secret("x", {}, 32); }), ErrorCode::kNotAMember);
    const SecretBytes s = removed->serialize();
    EXPECT_FALSE(state_derives(s.view(), f.suite, a.own_leaf(), 0, key));
    EXPECT_FALSE(contains(s.view(), key.key.view()));
    for (const SecretBytes* secret :
         {&new_epoch->sender_data_secret, &new_epoch->encryption_secret,
          &new_epoch->exporter_secret, &new_epoch->external_secret, &new_epoch->confirmation_key,
          &new_epoch->membership_key, &new_epoch->resumption_psk, &new_epoch->epoch_authenticator,
          &new_epoch->init_secret})
      EXPECT_FALSE(contains(s.view(), secret->view()))
          << "the removed member holds a new-epoch secret";
  }

  // Nor the epochs after: the next commit cannot even be processed.
  const CommitOutput next = c.commit();
  c.merge_pending_commit();
  EXPECT_EQ(error_of([&] { d.process(next.commit); }), ErrorCode::kNotAMember);
  EXPECT_EQ(error_of([&] { restored.process(next.commit); }), ErrorCode::kNotAMember);
}

}  // namespace
}  // namespace conclave
