// Fixtures shared by the group benchmarks (group_bench, storage_bench): N clients with a
// KeyPackage each, and the "populated" tree at N members, built once per N and per program.
//
// populated(n): every member has committed once, so every parent node is set and a commit
// encrypts to one node per level. Driving N real members through N commits would need N Group
// objects each holding the whole tree, so the fixture builds the public tree at the tree layer
// instead: each leaf but two, in random order, merges a fresh path (random public keys,
// correct parent hashes) and signs its commit-source leaf; leaf 0 commits last with a real
// UpdatePath. The two measured members (leaf N-1 commits, leaf 1 receives) join that tree by a
// Welcome the fixture signs as leaf 0, then each commits once for real. The tree they hold is
// exactly the public state N commits would leave (every parent set, no unmerged leaves); it
// passes the joiners' full tree validation. Both end at the same epoch, with no pending commit
// and no store attached.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/sodium_provider.h"
#include "conclave/group/group.h"
#include "conclave/schedule/detail/transcript_hash.h"
#include "conclave/schedule/detail/welcome.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/psk.h"

namespace conclave::bench_fixtures {

// CONCLAVE_BENCH_PROVIDER=sodium: Ed25519 and X25519 from libsodium, the rest from OpenSSL
// (sodium_provider.h); otherwise OpenSSL alone. The floors (floors.h) use the same provider.
inline const std::shared_ptr<const crypto::CryptoProvider>& provider() {
  static const auto p = [] {
    const char* choice = std::getenv("CONCLAVE_BENCH_PROVIDER");
    if (choice != nullptr && std::string_view(choice) == "sodium")
      return crypto::sodium_provider(crypto::openssl_provider());
    return crypto::openssl_provider();
  }();
  return p;
}

inline const crypto::Suite& suite() {
  static const crypto::Suite s(provider(), 1);
  return s;
}

// The benchmarks make every credential themselves: each is accepted (RFC 9420 §5.3.1 leaves the
// check, and its cost, to the application's Authentication Service).
inline GroupPolicy policy() {
  GroupPolicy p;
  p.credential_validator = insecure_accept_any_credential();
  return p;
}

// N clients with a KeyPackage each; client 0 creates the groups.
struct Clients {
  std::vector<Identity> ids;
  std::vector<KeyPackageBundle> key_packages;
};

inline const Clients& clients(size_t n) {
  static std::map<size_t, std::unique_ptr<Clients>> built;
  auto& c = built[n];
  if (!c) {
    c = std::make_unique<Clients>();
    const uint64_t now = unix_time_now();
    for (size_t i = 0; i < n; ++i) {
      std::string name = "member ";
      name += std::to_string(i);
      c->ids.push_back(Identity::generate(suite(), basic_credential(name)));
      c->key_packages.push_back(create_key_package(suite(), c->ids.back(), now));
    }
  }
  return *c;
}

inline Bytes random_key(std::mt19937_64& rng) {
  // Any 32 bytes are an X25519 public key; the fixture never needs their private halves.
  Bytes out(32);
  for (auto& b : out)
    b = static_cast<uint8_t>(rng());
  return out;
}

// Every member has committed once (see the top of the file).
struct Populated {
  wire::MlsMessage welcome;
  wire::RatchetTreeNodes tree;
  tree::LeafIndex committer_leaf;
  Group committer;  // leaf N-1
  Group receiver;   // leaf 1
};

inline const Populated& populated(size_t n) {
  static std::map<size_t, std::unique_ptr<Populated>> built;
  auto& f = built[n];
  if (f) return *f;
  const Clients& c = clients(n);
  const crypto::Suite& s = suite();
  const tree::LeafIndex signer(0);
  const tree::LeafIndex receiver(1);
  const tree::LeafIndex committer(static_cast<uint32_t>(n - 1));
  std::mt19937_64 rng(n);

  wire::GroupContext context;
  context.cipher_suite = s.id();
  context.group_id = s.random(s.hash_len());
  context.epoch = n;  // as if each member's commit had been an epoch

  tree::RatchetTree tree(s);
  for (const auto& kp : c.key_packages)
    tree.add_leaf(kp.key_package.leaf_node);
  // Everyone but the two measured members and the signer commits once, in random order.
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::erase_if(order, [&](uint32_t l) {
    return l == signer.value || l == receiver.value || l == committer.value;
  });
  std::shuffle(order.begin(), order.end(), rng);
  for (uint32_t l : order) {
    const tree::LeafIndex leaf_index(l);
    std::vector<wire::HpkePublicKey> keys(tree.filtered_direct_path(leaf_index).size());
    for (auto& k : keys)
      k = random_key(rng);
    tree::PathMerge plan = tree.plan_path(leaf_index, keys);
    wire::LeafNode leaf = c.key_packages[l].key_package.leaf_node;
    leaf.encryption_key = random_key(rng);
    leaf.leaf_node_source = wire::LeafNodeSource::kCommit;
    leaf.lifetime = {};
    leaf.parent_hash = plan.leaf_parent_hash;
    leaf.signature =
        s.sign_with_label(c.ids[l].signature_private_key.view(), "LeafNodeTBS",
                          leaf.to_be_signed(wire::LeafNodeGroupBinding{context.group_id, l}));
    plan.leaf = std::move(leaf);
    tree.merge(plan);
  }
  // The signer's commit is a real one: its path secrets go into the Welcome.
  tree::TreeKemPrivate signer_private(signer);
  const tree::CreatedUpdatePath path =
      tree::create_update_path(tree, signer_private, c.key_packages[0].key_package.leaf_node,
                               c.ids[0].signature_private_key.view(), context);
  context.tree_hash = tree.tree_hash();
  context.confirmed_transcript_hash = s.random(s.hash_len());

  // §12.4.3.1: the Welcome, from a fresh joiner secret and no PSKs.
  const SecretBytes joiner_secret = s.random_secret(s.hash_len());
  const SecretBytes psk_secret = schedule::derive_psk_secret(s, {});
  const SecretBytes welcome_secret =
      schedule::derive_welcome_secret(s, joiner_secret.view(), psk_secret.view());
  const schedule::EpochSecrets epoch = schedule::derive_epoch_secrets(
      s, joiner_secret.view(), psk_secret.view(), codec::encode(context));
  wire::GroupInfo info;
  info.group_context = context;
  info.confirmation_tag = schedule::confirmation_tag(s, epoch.confirmation_key.view(),
                                                     context.confirmed_transcript_hash);
  info.signer = signer.value;
  schedule::sign_group_info(s, info, c.ids[0].signature_private_key.view());
  wire::Welcome welcome;
  welcome.cipher_suite = s.id();
  welcome.encrypted_group_info = schedule::encrypt_group_info(s, welcome_secret.view(), info);
  for (tree::LeafIndex j : {committer, receiver}) {
    wire::GroupSecrets secrets;
    secrets.joiner_secret = joiner_secret;
    secrets.path_secret = wire::PathSecret{*path.path_secret_for(signer, j)};
    welcome.secrets.push_back(schedule::encrypt_group_secrets(
        s, c.key_packages[j.value].key_package, secrets, welcome.encrypted_group_info));
  }
  const wire::MlsMessage message{welcome};
  const wire::RatchetTreeNodes nodes = tree.to_nodes();
  Group a = Group::join(provider(), c.ids[committer.value], c.key_packages[committer.value],
                        message, nodes, {}, policy());
  Group b = Group::join(provider(), c.ids[receiver.value], c.key_packages[receiver.value], message,
                        nodes, {}, policy());
  // The two measured members commit once each, for real, the committer first: a joiner holds
  // the keys of its path only from its common ancestor with the signer up.
  const CommitOutput first = a.commit();
  a.merge_pending_commit();
  b.merge(std::get<StagedCommit>(b.process(first.commit)));
  const CommitOutput second = b.commit();
  b.merge_pending_commit();
  a.merge(std::get<StagedCommit>(a.process(second.commit)));
  f.reset(new Populated{message, nodes, committer, std::move(a), std::move(b)});
  return *f;
}

// Processing a message consumes the receiver's ratchet key, so messages (commits, application
// data) are made in batches of `batch` by `make()` (untimed) and each is handed to `process`
// once, in order.
template <class Make, class Process>
void process_in_batches(benchmark::State& state, size_t batch, Make&& make, Process&& process) {
  std::vector<wire::MlsMessage> commits;
  size_t next = 0;
  for (auto _ : state) {
    if (next == commits.size()) {
      state.PauseTiming();
      commits.clear();
      for (size_t i = 0; i < batch; ++i)
        commits.push_back(make());
      next = 0;
      state.ResumeTiming();
    }
    process(commits[next++]);
  }
}

inline size_t n_of(const benchmark::State& state) {
  return static_cast<size_t>(state.range(0));
}

}  // namespace conclave::bench_fixtures
