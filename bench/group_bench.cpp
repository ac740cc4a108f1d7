// Group operations at N = 10, 100, 1000 and 10000 members, suite 1, through the public Group
// API: one commit adding N-1 members, joining by its Welcome, update and remove commits
// (created, and processed by another member), and application messages of 100 B and 10 KiB.
// Run: build/bin/group_bench (Release; --benchmark_filter=N:10000 for the big group only)
// Time is wall-clock time; CPU is the whole process's, worker threads included, so CPU above
// Time shows work shared among cores (joins, HPKE batches, KeyPackage checks).
//
// Commits are measured in two tree states:
//  - after_add: right after the mass add. Only the adder's direct path is set, so a commit by
//    another member encrypts its path secrets to nearly every leaf (resolutions are leaves).
//    The committer is leaf 1 (the first added member, whose copath covers every other leaf).
//  - populated: every member has committed once, so every parent node is set and a commit
//    encrypts to one node per level. Driving N real members through N commits would need N
//    Group objects each holding the whole tree, so the fixture builds the public tree at the
//    tree layer instead: each leaf but two, in random order, merges a fresh path (random
//    public keys, correct parent hashes) and signs its commit-source leaf; leaf 0 commits last
//    with a real UpdatePath. The two measured members (leaf N-1 commits, leaf 1 receives)
//    join that tree by a Welcome the fixture signs as leaf 0, then each commits once for real.
//    The tree they hold is exactly the public state N commits would leave (every parent set,
//    no unmerged leaves); it passes the joiners' full tree validation.
//
// Creating a commit leaves the group unchanged until merge, so it is repeated with
// commit() + discard_pending_commit(). Processing consumes the receiver's handshake ratchet
// key, so commits are made in batches (untimed) and each is processed once, in order. Every
// benchmark works on its own copies of the members, made before timing.
// The fixtures are built once per N and take a while at N = 10000 (key packages, the mass add
// and the joins: some seconds each).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "conclave/codec/codec.h"
#include "conclave/crypto/openssl_provider.h"
#include "conclave/group/group.h"
#include "conclave/schedule/key_schedule.h"
#include "conclave/schedule/psk.h"
#include "conclave/schedule/transcript_hash.h"
#include "conclave/schedule/welcome.h"

namespace {

using namespace conclave;

const std::shared_ptr<const crypto::CryptoProvider>& provider() {
  static const auto p = crypto::openssl_provider();
  return p;
}

const crypto::Suite& suite() {
  static const crypto::Suite s(provider(), 1);
  return s;
}

// N clients with a KeyPackage each; client 0 creates the groups.
struct Clients {
  std::vector<Identity> ids;
  std::vector<KeyPackageBundle> key_packages;
};

const Clients& clients(size_t n) {
  static std::map<size_t, std::unique_ptr<Clients>> built;
  auto& c = built[n];
  if (!c) {
    c = std::make_unique<Clients>();
    const uint64_t now = unix_time_now();
    for (size_t i = 0; i < n; ++i) {
      c->ids.push_back(
          Identity::generate(suite(), basic_credential("member " + std::to_string(i))));
      c->key_packages.push_back(create_key_package(suite(), c->ids.back(), now));
    }
  }
  return *c;
}

std::vector<wire::KeyPackage> all_but_first(const Clients& c) {
  std::vector<wire::KeyPackage> out;
  for (size_t i = 1; i < c.key_packages.size(); ++i)
    out.push_back(c.key_packages[i].key_package);
  return out;
}

size_t encoded_size(const wire::MlsMessage& m) {
  return codec::encode(m).size();
}

// Right after leaf 0 added everyone else in one commit.
struct AfterAdd {
  Group creator;  // leaf 0 at epoch 0, alone: the mass add starts from a copy
  std::vector<wire::KeyPackage> adds;
  wire::MlsMessage welcome;
  size_t welcome_bytes = 0;
  Group adder;   // leaf 0 after merging the mass add
  Group joiner;  // leaf 1, joined by the Welcome
};

const AfterAdd& after_add(size_t n) {
  static std::map<size_t, std::unique_ptr<AfterAdd>> built;
  auto& f = built[n];
  if (!f) {
    const Clients& c = clients(n);
    Group creator = Group::create(provider(), c.ids[0]);
    Group adder = creator;
    CommitOptions options;
    options.add = all_but_first(c);
    CommitOutput out = adder.commit(options);
    adder.merge_pending_commit();
    Group joiner = Group::join(provider(), c.ids[1], c.key_packages[1], *out.welcome);
    const size_t welcome_bytes = encoded_size(*out.welcome);
    f.reset(new AfterAdd{std::move(creator), std::move(options.add), std::move(*out.welcome),
                         welcome_bytes, std::move(adder), std::move(joiner)});
  }
  return *f;
}

Bytes random_key(std::mt19937_64& rng) {
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

const Populated& populated(size_t n) {
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
        s.sign_with_label(c.ids[l].signature_private_key, "LeafNodeTBS",
                          leaf.to_be_signed(wire::LeafNodeGroupBinding{context.group_id, l}));
    plan.leaf = std::move(leaf);
    tree.merge(plan);
  }
  // The signer's commit is a real one: its path secrets go into the Welcome.
  tree::TreeKemPrivate signer_private(signer);
  const tree::CreatedUpdatePath path =
      tree::create_update_path(tree, signer_private, c.key_packages[0].key_package.leaf_node,
                               c.ids[0].signature_private_key, context);
  context.tree_hash = tree.tree_hash();
  context.confirmed_transcript_hash = s.random(s.hash_len());

  // §12.4.3.1: the Welcome, from a fresh joiner secret and no PSKs.
  const SecretBytes joiner_secret = s.random_secret(s.hash_len());
  const SecretBytes psk_secret = schedule::derive_psk_secret(s, {});
  const SecretBytes welcome_secret = schedule::derive_welcome_secret(s, joiner_secret, psk_secret);
  const schedule::EpochSecrets epoch =
      schedule::derive_epoch_secrets(s, joiner_secret, psk_secret, codec::encode(context));
  wire::GroupInfo info;
  info.group_context = context;
  info.confirmation_tag =
      schedule::confirmation_tag(s, epoch.confirmation_key, context.confirmed_transcript_hash);
  info.signer = signer.value;
  schedule::sign_group_info(s, info, c.ids[0].signature_private_key);
  wire::Welcome welcome;
  welcome.cipher_suite = s.id();
  welcome.encrypted_group_info = schedule::encrypt_group_info(s, welcome_secret, info);
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
                        message, nodes);
  Group b = Group::join(provider(), c.ids[receiver.value], c.key_packages[receiver.value], message,
                        nodes);
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

size_t n_of(const benchmark::State& state) {
  return static_cast<size_t>(state.range(0));
}

// --- the benchmarks ---------------------------------------------------------------------------

// One commit by leaf 0 adding N-1 members (Welcome included), created on a copy of the
// one-member group.
void BM_MassAdd(benchmark::State& state) {
  const size_t n = n_of(state);
  const AfterAdd& f = after_add(n);
  CommitOptions options;
  options.add = f.adds;
  size_t bytes = 0;
  for (auto _ : state) {
    Group g = f.creator;
    CommitOutput out = g.commit(options);
    bytes = encoded_size(*out.welcome);
    benchmark::DoNotOptimize(out);
  }
  state.counters["welcome_KiB"] = static_cast<double>(bytes) / 1024.0;
}

// Leaf 1 joins by the mass add's Welcome (the tree is in it): decrypts, validates the whole tree
// (N leaf signatures) and derives the epoch.
void BM_JoinAfterAdd(benchmark::State& state) {
  const size_t n = n_of(state);
  const AfterAdd& f = after_add(n);
  const Clients& c = clients(n);
  for (auto _ : state)
    benchmark::DoNotOptimize(Group::join(provider(), c.ids[1], c.key_packages[1], f.welcome));
  state.counters["welcome_KiB"] = static_cast<double>(f.welcome_bytes) / 1024.0;
}

// Joining the populated tree (every parent set: more parent-hash links to check).
void BM_JoinPopulated(benchmark::State& state) {
  const size_t n = n_of(state);
  const Populated& f = populated(n);
  const Clients& c = clients(n);
  const size_t j = f.committer_leaf.value;
  for (auto _ : state)
    benchmark::DoNotOptimize(
        Group::join(provider(), c.ids[j], c.key_packages[j], f.welcome, f.tree));
}

enum class TreeState { kAfterAdd = 0, kPopulated = 1 };

// The committing and the receiving member, copied for one benchmark run.
std::pair<Group, Group> members(TreeState which, size_t n) {
  if (which == TreeState::kAfterAdd) {
    const AfterAdd& f = after_add(n);
    return {f.joiner, f.adder};
  }
  const Populated& f = populated(n);
  return {f.committer, f.receiver};
}

const char* state_name(TreeState which) {
  return which == TreeState::kAfterAdd ? "after_add" : "populated";
}

CommitOptions remove_options(TreeState which, size_t n) {
  // A member other than both measured ones and the adder.
  CommitOptions options;
  options.remove = {tree::LeafIndex(
      static_cast<uint32_t>(which == TreeState::kAfterAdd ? n - 1 : std::max<size_t>(n / 2, 2)))};
  return options;
}

void commit_create(benchmark::State& state, bool remove) {
  const auto which = static_cast<TreeState>(state.range(1));
  const size_t n = n_of(state);
  auto [committer, receiver] = members(which, n);
  const CommitOptions options = remove ? remove_options(which, n) : CommitOptions{};
  size_t bytes = 0;
  for (auto _ : state) {
    CommitOutput out = committer.commit(options);
    state.PauseTiming();
    bytes = encoded_size(out.commit);
    committer.discard_pending_commit();
    state.ResumeTiming();
  }
  state.counters["commit_KiB"] = static_cast<double>(bytes) / 1024.0;
  state.SetLabel(state_name(which));
}

void commit_process(benchmark::State& state, bool remove) {
  const auto which = static_cast<TreeState>(state.range(1));
  const size_t n = n_of(state);
  auto [committer, receiver] = members(which, n);
  const CommitOptions options = remove ? remove_options(which, n) : CommitOptions{};
  // Batches small enough not to dominate the run when commits are slow to make.
  const size_t batch = which == TreeState::kAfterAdd && n >= 1000 ? 2 : 16;
  std::vector<wire::MlsMessage> commits;
  size_t next = 0;
  for (auto _ : state) {
    if (next == commits.size()) {
      state.PauseTiming();
      commits.clear();
      for (size_t i = 0; i < batch; ++i) {
        commits.push_back(committer.commit(options).commit);
        committer.discard_pending_commit();
      }
      next = 0;
      state.ResumeTiming();
    }
    auto staged = receiver.process(commits[next++]);
    benchmark::DoNotOptimize(staged);
  }
  state.SetLabel(state_name(which));
}

void BM_UpdateCreate(benchmark::State& state) {
  commit_create(state, false);
}
void BM_UpdateProcess(benchmark::State& state) {
  commit_process(state, false);
}
void BM_RemoveCreate(benchmark::State& state) {
  commit_create(state, true);
}
void BM_RemoveProcess(benchmark::State& state) {
  commit_process(state, true);
}

// Application messages (§6.3): sign and encrypt, then decrypt and verify, in the group right
// after the mass add (the cost does not depend on the tree's state).
void BM_Protect(benchmark::State& state) {
  const size_t n = n_of(state);
  Group sender = after_add(n).adder;
  const Bytes data(static_cast<size_t>(state.range(1)), 0x61);
  for (auto _ : state)
    benchmark::DoNotOptimize(sender.protect(data));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}

void BM_Unprotect(benchmark::State& state) {
  const size_t n = n_of(state);
  Group sender = after_add(n).adder;
  Group receiver = after_add(n).joiner;
  const Bytes data(static_cast<size_t>(state.range(1)), 0x61);
  constexpr size_t kBatch = 256;  // within the default forward distance of the ratchet
  std::vector<wire::MlsMessage> messages;
  size_t next = 0;
  for (auto _ : state) {
    if (next == messages.size()) {
      state.PauseTiming();
      messages.clear();
      for (size_t i = 0; i < kBatch; ++i)
        messages.push_back(sender.protect(data));
      next = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(receiver.process(messages[next++]));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
}

constexpr int64_t kSizes[] = {10, 100, 1000, 10000};

void by_size(benchmark::internal::Benchmark* b) {
  for (int64_t n : kSizes)
    b->Arg(n);
  b->ArgName("N")->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
}

void by_size_and_state(benchmark::internal::Benchmark* b) {
  for (int64_t n : kSizes)
    for (int64_t s : {0, 1})
      b->Args({n, s});
  b->ArgNames({"N", "populated"})
      ->Unit(benchmark::kMillisecond)
      ->MeasureProcessCPUTime()
      ->UseRealTime();
}

void by_size_and_bytes(benchmark::internal::Benchmark* b) {
  for (int64_t n : kSizes)
    for (int64_t bytes : {100, 10 * 1024})
      b->Args({n, bytes});
  b->ArgNames({"N", "bytes"})
      ->Unit(benchmark::kMicrosecond)
      ->MeasureProcessCPUTime()
      ->UseRealTime();
}

BENCHMARK(BM_MassAdd)->Apply(by_size);
BENCHMARK(BM_JoinAfterAdd)->Apply(by_size);
BENCHMARK(BM_JoinPopulated)->Apply(by_size);
BENCHMARK(BM_UpdateCreate)->Apply(by_size_and_state);
BENCHMARK(BM_UpdateProcess)->Apply(by_size_and_state);
BENCHMARK(BM_RemoveCreate)->Apply(by_size_and_state);
BENCHMARK(BM_RemoveProcess)->Apply(by_size_and_state);
BENCHMARK(BM_Protect)->Apply(by_size_and_bytes);
BENCHMARK(BM_Unprotect)->Apply(by_size_and_bytes);

}  // namespace
