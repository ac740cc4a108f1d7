// The ratchet tree's per-commit costs on a full tree (every node set) of 2^7, 2^10, 2^14 and
// 2^17 leaves, suite 1: recomputing the tree hash after one path changed, creating an
// UpdatePath, and applying one. Each should grow with log n, not n.
//
// Membership changes (RFC 9420 §7.7, §12.1.1, §12.1.3) on a full tree of 2^10, 2^14 and 2^17
// leaves, each followed by the root tree hash (§7.8): an add that doubles the tree (no blank
// leaf) against one that fills a blank leaf, a remove that halves it (the only member of the
// right half) against one that does not. Second argument journal:1 does it as a group's commit
// does: inside a journal that is undone after staging and redone on merge (tree hash after
// each). Each should cost about the same whether or not the tree crosses a power of two.
// AddDoublingFirstTime: the same add on a tree just imported, whose storage never held more.
// FromNodes: importing a full tree and its root tree hash (the tree part of a join); Restore:
// loading it with its stored tree hashes (the tree part of Group::load).
// Run: build/bin/tree_bench (--benchmark_filter='Add|Remove|FromNodes|Restore' for the second
// group).
//
// The trees are built directly (not through 2^17 commits): nodes with random 32-byte keys, which
// X25519 accepts as public keys, and real key pairs where the benchmark encrypts or decrypts:
// the copath of leaf 0 (the committer) and leaf 1 (the receiver). Built once per size.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>

#include "conclave/crypto/openssl_provider.h"
#include "conclave/crypto/suite.h"
#include "conclave/tree/ratchet_tree.h"
#include "conclave/tree/treekem.h"

namespace {

using namespace conclave;
using namespace conclave::tree;

struct Fixture {
  crypto::Suite suite{crypto::openssl_provider(), 1};
  RatchetTree tree{suite};
  Bytes committer_signature_key;
  wire::LeafNode committer_template;
  TreeKemPrivate committer;
  TreeKemPrivate receiver;
  wire::GroupContext context;
};

Bytes random_bytes(std::mt19937_64& rng, size_t n) {
  Bytes out(n);
  for (auto& b : out)
    b = static_cast<uint8_t>(rng());
  return out;
}

std::unique_ptr<Fixture> build(uint32_t log_leaves) {
  auto f = std::make_unique<Fixture>();
  std::mt19937_64 rng(log_leaves);
  const LeafCount n(uint32_t{1} << log_leaves);
  const uint32_t width = node_width(n);

  // Real HPKE keys on leaf 0's copath (the committer encrypts to them), leaf 1's included.
  std::map<uint32_t, crypto::KeyPair> real;
  for (NodeIndex x : copath(NodeIndex(0), n))
    real.emplace(x.value, f->suite.generate_hpke_key_pair());
  const crypto::KeyPair signature = f->suite.generate_signature_key_pair();

  wire::RatchetTreeNodes nodes(width);
  for (uint32_t i = 0; i < width; ++i) {
    const auto it = real.find(i);
    const Bytes key = it != real.end() ? it->second.public_key : random_bytes(rng, 32);
    if (NodeIndex(i).is_leaf()) {
      wire::LeafNode leaf;
      leaf.encryption_key = key;
      leaf.signature_key = i == 0 ? signature.public_key : random_bytes(rng, 32);
      leaf.credential = wire::Credential::basic(random_bytes(rng, 16));
      leaf.capabilities.versions = {wire::ProtocolVersion::kMls10};
      leaf.capabilities.cipher_suites = {1};
      leaf.capabilities.credentials = {wire::CredentialType::kBasic};
      leaf.leaf_node_source = wire::LeafNodeSource::kCommit;
      leaf.parent_hash = random_bytes(rng, 32);
      leaf.signature = random_bytes(rng, 64);
      nodes[i].emplace().value = std::move(leaf);
    } else {
      wire::ParentNode parent;
      parent.encryption_key = key;
      parent.parent_hash = random_bytes(rng, 32);
      nodes[i].emplace().value = std::move(parent);
    }
  }
  f->tree = RatchetTree::from_nodes(f->suite, nodes);
  f->tree.tree_hash();  // O(n) once; every benchmark below starts from warm caches
  f->committer_signature_key = signature.private_key.copy_out();
  f->committer_template = *f->tree.leaf(LeafIndex(0));
  f->committer = TreeKemPrivate(LeafIndex(0));
  f->receiver = TreeKemPrivate(f->suite, LeafIndex(1), real.at(2).private_key);
  f->context.cipher_suite = 1;
  f->context.group_id = to_bytes("bench group");
  f->context.epoch = 1;
  f->context.confirmed_transcript_hash = Bytes(32, 7);
  return f;
}

Fixture& fixture(const benchmark::State& state) {
  static std::map<int64_t, std::unique_ptr<Fixture>> built;
  auto& f = built[state.range(0)];
  if (!f) f = build(static_cast<uint32_t>(state.range(0)));
  return *f;
}

void label(benchmark::State& state, const Fixture& f) {
  state.SetLabel(std::to_string(f.tree.leaf_count().value) + " leaves, path of " +
                 std::to_string(f.tree.filtered_direct_path(LeafIndex(0)).size()));
}

// RFC 9420 §7.8: a commit replaced leaf 0's path; recompute the root tree hash.
void BM_TreeHashAfterPathChange(benchmark::State& state) {
  Fixture& f = fixture(state);
  std::mt19937_64 rng(1);
  const size_t path_length = f.tree.filtered_direct_path(LeafIndex(0)).size();
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<wire::HpkePublicKey> keys;
    for (size_t i = 0; i < path_length; ++i)
      keys.push_back(random_bytes(rng, 32));
    PathMerge plan = f.tree.plan_path(LeafIndex(0), keys);
    plan.leaf = f.committer_template;
    plan.leaf.parent_hash = plan.leaf_parent_hash;
    f.tree.merge(plan);
    state.ResumeTiming();
    benchmark::DoNotOptimize(f.tree.tree_hash());
  }
  label(state, f);
}

// RFC 9420 §7.4-§7.6: leaf 0 commits with a fresh path.
void BM_CreateUpdatePath(benchmark::State& state) {
  Fixture& f = fixture(state);
  for (auto _ : state)
    benchmark::DoNotOptimize(create_update_path(f.tree, f.committer, f.committer_template,
                                                f.committer_signature_key, f.context));
  label(state, f);
}

// RFC 9420 §7.5: leaf 1 (below every node of leaf 0's path: it decrypts once and derives the
// whole path) applies leaf 0's UpdatePath. Two paths alternate, as each leaves the tree in a
// state the other applies to.
void BM_ApplyUpdatePath(benchmark::State& state) {
  Fixture& f = fixture(state);
  const wire::UpdatePath paths[2] = {create_update_path(f.tree, f.committer, f.committer_template,
                                                        f.committer_signature_key, f.context)
                                         .path,
                                     create_update_path(f.tree, f.committer, f.committer_template,
                                                        f.committer_signature_key, f.context)
                                         .path};
  size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        apply_update_path(f.tree, f.receiver, LeafIndex(0), paths[next], f.context));
    next ^= 1;
  }
  label(state, f);
}

// The membership benchmarks change their tree, so they get trees of their own (full, as built by
// build(); each benchmark leaves its tree full again).
RatchetTree& membership_tree(const benchmark::State& state) {
  static std::map<int64_t, std::unique_ptr<Fixture>> built;
  auto& f = built[state.range(0)];
  if (!f) f = build(static_cast<uint32_t>(state.range(0)));
  return f->tree;
}

wire::LeafNode joiner_leaf() {
  std::mt19937_64 rng(99);
  wire::LeafNode leaf;
  leaf.encryption_key = random_bytes(rng, 32);
  leaf.signature_key = random_bytes(rng, 32);
  leaf.credential = wire::Credential::basic(random_bytes(rng, 16));
  leaf.capabilities.versions = {wire::ProtocolVersion::kMls10};
  leaf.capabilities.cipher_suites = {1};
  leaf.capabilities.credentials = {wire::CredentialType::kBasic};
  leaf.leaf_node_source = wire::LeafNodeSource::kKeyPackage;
  leaf.signature = random_bytes(rng, 64);
  return leaf;
}

// `change` then the root tree hash; with `journal`, as a group stages and merges a commit: the
// change inside a journal, the tree hash for the new GroupContext, undo, redo on merge, and the
// tree hash the next epoch starts from.
template <class Change>
void commit(RatchetTree& tree, bool journal, Change&& change) {
  if (!journal) {
    change();
    benchmark::DoNotOptimize(tree.tree_hash());
    return;
  }
  tree.begin_journal();
  change();
  benchmark::DoNotOptimize(tree.tree_hash());
  const TreeJournal j = tree.end_journal();
  tree.undo(j);
  tree.redo(j);
  benchmark::DoNotOptimize(tree.tree_hash());
}

void membership_label(benchmark::State& state, const RatchetTree& tree) {
  state.SetLabel(std::to_string(tree.leaf_count().value) + " leaves, full");
}

// The leaf a non-doubling add fills and a non-halving remove blanks.
constexpr LeafIndex kMiddleLeaf(5);

// §7.7: the tree is full, so the new member's leaf is the first of a new blank right half.
void BM_AddDoubling(benchmark::State& state) {
  RatchetTree& tree = membership_tree(state);
  const wire::LeafNode leaf = joiner_leaf();
  const LeafIndex added(tree.leaf_count().value);
  for (auto _ : state) {
    commit(tree, state.range(1) != 0, [&] { tree.add_leaf(leaf); });
    state.PauseTiming();
    tree.remove_leaf(added);
    benchmark::DoNotOptimize(tree.tree_hash());
    state.ResumeTiming();
  }
  membership_label(state, tree);
}

// §12.1.1: the new member fills a blank leaf; the tree keeps its size.
void BM_AddIntoBlankLeaf(benchmark::State& state) {
  RatchetTree& tree = membership_tree(state);
  const wire::LeafNode leaf = joiner_leaf();
  for (auto _ : state) {
    state.PauseTiming();
    tree.remove_leaf(kMiddleLeaf);
    benchmark::DoNotOptimize(tree.tree_hash());
    state.ResumeTiming();
    commit(tree, state.range(1) != 0, [&] { tree.add_leaf(leaf); });
  }
  membership_label(state, tree);
}

// §12.1.3, §7.7: the removed member was the only one in the right half, which is dropped.
void BM_RemoveHalving(benchmark::State& state) {
  RatchetTree& tree = membership_tree(state);
  const wire::LeafNode leaf = joiner_leaf();
  for (auto _ : state) {
    state.PauseTiming();
    const LeafIndex added = tree.add_leaf(leaf);
    benchmark::DoNotOptimize(tree.tree_hash());
    state.ResumeTiming();
    commit(tree, state.range(1) != 0, [&] { tree.remove_leaf(added); });
  }
  membership_label(state, tree);
}

// §12.1.3: a remove that leaves the tree's size as it is.
void BM_RemoveNotHalving(benchmark::State& state) {
  RatchetTree& tree = membership_tree(state);
  const wire::LeafNode leaf = joiner_leaf();
  for (auto _ : state) {
    commit(tree, state.range(1) != 0, [&] { tree.remove_leaf(kMiddleLeaf); });
    state.PauseTiming();
    tree.add_leaf(leaf);
    benchmark::DoNotOptimize(tree.tree_hash());
    state.ResumeTiming();
  }
  membership_label(state, tree);
}

// §7.7: the first doubling of a tree just imported, whose storage has never held more: what
// growing it costs, besides hashing (the other doubling benchmarks reuse storage from earlier
// iterations).
void BM_AddDoublingFirstTime(benchmark::State& state) {
  const wire::RatchetTreeNodes nodes = membership_tree(state).to_nodes();
  const crypto::Suite suite(crypto::openssl_provider(), 1);
  const wire::LeafNode leaf = joiner_leaf();
  for (auto _ : state) {
    state.PauseTiming();
    auto tree = std::make_unique<RatchetTree>(RatchetTree::from_nodes(suite, nodes));
    benchmark::DoNotOptimize(tree->tree_hash());
    state.ResumeTiming();
    tree->add_leaf(leaf);
    benchmark::DoNotOptimize(tree->tree_hash());
    state.PauseTiming();
    tree.reset();
    state.ResumeTiming();
  }
  membership_label(state, membership_tree(state));
}

// §12.4.3.3, §7.8: a joiner imports the full tree and computes its root tree hash.
void BM_FromNodes(benchmark::State& state) {
  const wire::RatchetTreeNodes nodes = fixture(state).tree.to_nodes();
  const crypto::Suite suite(crypto::openssl_provider(), 1);
  for (auto _ : state) {
    RatchetTree tree = RatchetTree::from_nodes(suite, nodes);
    benchmark::DoNotOptimize(tree.tree_hash());
  }
}

// A member loads the full tree from its storage, with every node's tree hash.
void BM_Restore(benchmark::State& state) {
  const RatchetTree& built = fixture(state).tree;
  const wire::RatchetTreeNodes nodes = built.to_nodes();
  Bytes hashes;
  for (uint32_t x = 0; x < built.width(); ++x) {
    const Bytes h = built.tree_hash(NodeIndex(x));
    hashes.insert(hashes.end(), h.begin(), h.end());
  }
  const crypto::Suite suite(crypto::openssl_provider(), 1);
  for (auto _ : state) {
    RatchetTree tree = RatchetTree::restore(suite, nodes, hashes);
    benchmark::DoNotOptimize(tree.tree_hash());
  }
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(7)->Arg(10)->Arg(14)->Arg(17)->Unit(benchmark::kMicrosecond);
}

void membership_sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"log_leaves", "journal"})
      ->ArgsProduct({{10, 14, 17}, {0, 1}})
      ->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_TreeHashAfterPathChange)->Apply(sizes);
BENCHMARK(BM_CreateUpdatePath)->Apply(sizes);
BENCHMARK(BM_ApplyUpdatePath)->Apply(sizes);
BENCHMARK(BM_AddDoubling)->Apply(membership_sizes);
BENCHMARK(BM_AddIntoBlankLeaf)->Apply(membership_sizes);
BENCHMARK(BM_RemoveHalving)->Apply(membership_sizes);
BENCHMARK(BM_RemoveNotHalving)->Apply(membership_sizes);
BENCHMARK(BM_AddDoublingFirstTime)
    ->ArgName("log_leaves")
    ->Arg(10)
    ->Arg(14)
    ->Arg(17)
    ->Iterations(5)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FromNodes)->Apply(sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Restore)->Apply(sizes)->Unit(benchmark::kMillisecond);

}  // namespace
