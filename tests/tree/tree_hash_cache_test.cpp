// RFC 9420 §7.7, §7.8, §7.9: the cached tree and parent hashes stay exact while the tree doubles
// and halves (adds, removes, journal undo and redo), whatever the extension held ahead. Each
// check compares with hashes computed from the nodes alone (§7.8, written out below) and with a
// fresh import of the same nodes (§7.9 parent hashes).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "conclave/codec/codec.h"
#include "conclave/tree/ratchet_tree.h"
#include "tree/tree_test_util.h"

namespace conclave::tree {
namespace {

crypto::Suite suite1() {
  return crypto::Suite(crypto::openssl_provider(), 1);
}

Bytes id_bytes(uint8_t tag, uint32_t id) {
  return Bytes{tag, static_cast<uint8_t>(id >> 24), static_cast<uint8_t>(id >> 16),
               static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
}

wire::LeafNode fake_leaf(uint32_t id) {
  wire::LeafNode l;
  l.encryption_key = id_bytes(0xE0, id);
  l.signature_key = id_bytes(0x50, id);
  l.credential = wire::Credential::basic(id_bytes(0xC0, id));
  l.capabilities.credentials = {wire::CredentialType::kBasic};
  return l;
}

// §7.8 from the nodes alone: every node's tree hash, blank nodes past the last one included.
class ReferenceHashes {
 public:
  explicit ReferenceHashes(const RatchetTree& tree)
      : suite_(tree.suite()), nodes_(tree.to_nodes()), n_(tree.leaf_count()) {
    hashes_.resize(tree.width());
    if (!tree.empty()) compute(tree.root());
  }
  const Bytes& at(NodeIndex x) const { return hashes_.at(x.value); }

 private:
  const wire::Node* node(NodeIndex x) const {
    return x.value < nodes_.size() && nodes_[x.value] ? &*nodes_[x.value] : nullptr;
  }
  const Bytes& compute(NodeIndex x) {
    codec::Writer w;
    const wire::Node* n = node(x);
    if (x.is_leaf()) {
      // TreeHashInput{leaf, LeafNodeHashInput{leaf_index, optional<LeafNode>}}
      w.u8(1);
      w.u32(x.leaf().value);
      w.u8(n ? 1 : 0);
      if (n) codec::write(w, std::get<wire::LeafNode>(n->value));
    } else {
      // TreeHashInput{parent, ParentNodeHashInput{optional<ParentNode>, left, right}}
      const Bytes left_hash = compute(left(x));
      const Bytes right_hash = compute(right(x));
      w.u8(2);
      w.u8(n ? 1 : 0);
      if (n) codec::write(w, std::get<wire::ParentNode>(n->value));
      w.opaque(left_hash);
      w.opaque(right_hash);
    }
    return hashes_[x.value] = suite_.hash(w.bytes());
  }

  crypto::Suite suite_;
  wire::RatchetTreeNodes nodes_;
  LeafCount n_;
  std::vector<Bytes> hashes_;
};

// §7.8: the root hash (always), and with `every_node` each node's tree hash and each non-blank
// parent's parent hashes (§7.9, against a fresh import of the nodes).
void expect_exact_hashes(const RatchetTree& tree, bool every_node, const std::string& where) {
  SCOPED_TRACE(where + ", " + std::to_string(tree.leaf_count().value) + " leaves, " +
               std::to_string(tree.member_count()) + " members");
  if (tree.empty()) {
    EXPECT_TRUE(tree.tree_hash().empty());
    return;
  }
  const ReferenceHashes reference(tree);
  EXPECT_EQ(tree.tree_hash(), reference.at(tree.root()));
  if (!every_node) return;
  for (uint32_t x = 0; x < tree.width(); ++x)
    EXPECT_EQ(tree.tree_hash(NodeIndex(x)), reference.at(NodeIndex(x))) << "node " << x;
  const wire::RatchetTreeNodes nodes = tree.to_nodes();
  if (nodes.empty()) return;  // one blank leaf: nothing to import
  const RatchetTree fresh = RatchetTree::from_nodes(tree.suite(), nodes);
  ASSERT_EQ(fresh.leaf_count(), tree.leaf_count());
  EXPECT_EQ(fresh.tree_hash(), tree.tree_hash());
  for (uint32_t x = 1; x < tree.width(); x += 2) {
    const NodeIndex p(x);
    if (tree.is_blank(p)) continue;
    EXPECT_EQ(tree.parent_hash(p, left(p)), fresh.parent_hash(p, left(p))) << "node " << x;
    EXPECT_EQ(tree.parent_hash(p, right(p)), fresh.parent_hash(p, right(p))) << "node " << x;
  }
}

// Membership changes on fake nodes, driven by a seeded generator.
class Driver {
 public:
  explicit Driver(uint32_t seed) : rng_(seed) {}

  void add(RatchetTree& tree) { tree.add_leaf(fake_leaf(next_id_++)); }

  // The highest member mostly (that is what halves a tree), else any member.
  void remove(RatchetTree& tree) {
    const std::vector<LeafIndex> members = tree.members();
    if (members.empty()) return;
    const bool last = rng_() % 3 != 0;
    tree.remove_leaf(last ? members.back() : members[rng_() % members.size()]);
  }

  // §7.5 with made-up keys: sets the sender's filtered direct path, whose parents then list
  // later adds as unmerged (§12.1.1), which parent hashes (§7.9) leave out.
  void commit(RatchetTree& tree) {
    const std::vector<LeafIndex> members = tree.members();
    if (members.empty()) return;
    const LeafIndex sender = members[rng_() % members.size()];
    std::vector<wire::HpkePublicKey> keys;
    for (size_t i = 0; i < tree.filtered_direct_path(sender).size(); ++i)
      keys.push_back(id_bytes(0xB0, next_id_++));
    PathMerge plan = tree.plan_path(sender, keys);
    plan.leaf = fake_leaf(next_id_++);
    plan.leaf.parent_hash = plan.leaf_parent_hash;
    tree.merge(plan);
  }

  // Adds or removes (with commits now and then) until the tree has `target` members.
  void walk_to(RatchetTree& tree, uint32_t target, const std::function<void()>& after_each) {
    while (tree.member_count() != target) {
      if (tree.member_count() < target)
        add(tree);
      else
        remove(tree);
      if (rng_() % 4 == 0) commit(tree);
      after_each();
    }
  }

  std::mt19937& rng() { return rng_; }

 private:
  std::mt19937 rng_;
  uint32_t next_id_ = 1;
};

TEST(TreeHashCache, Section7_8HashesStayExactAcrossDoublingsAndHalvings) {
  // §7.7: up and down across powers of two several times, to one member and back; the tree
  // checked at every node after each change, and a twin checked at the root only (its caches
  // stay as lazy as a group's).
  Driver driver(1);
  RatchetTree tree(suite1());
  RatchetTree twin(suite1());
  expect_exact_hashes(tree, true, "empty");
  int step = 0;
  for (uint32_t target : {5u, 17u, 3u, 33u, 1u, 9u, 64u, 65u, 31u, 2u, 40u, 0u, 8u}) {
    Driver same = driver;
    same.walk_to(twin, target, [] {});
    driver.walk_to(tree, target, [&] { expect_exact_hashes(tree, true, std::to_string(++step)); });
    expect_exact_hashes(twin, false, "twin at " + std::to_string(target));
    EXPECT_EQ(twin.tree_hash(), tree.tree_hash());
  }
}

TEST(TreeHashCache, Section7_8CopiesHashAlikeAfterTheSameChanges) {
  // A copy taken mid-way (partly hashed extension) and changed alike hashes alike.
  Driver driver(2);
  RatchetTree tree(suite1());
  driver.walk_to(tree, 12, [] {});
  RatchetTree copy = tree;
  Driver same = driver;
  driver.walk_to(tree, 40, [] {});
  same.walk_to(copy, 40, [] {});
  EXPECT_EQ(copy.tree_hash(), tree.tree_hash());
  driver.walk_to(tree, 7, [] {});
  same.walk_to(copy, 7, [] {});
  EXPECT_EQ(copy.tree_hash(), tree.tree_hash());
  expect_exact_hashes(copy, true, "copy");
}

TEST(TreeHashCache, Section7_7HalvingSeveralLevelsAtOnceThenDoublingBack) {
  // Removing the only member of the right half of a tree of 16 whose other members are leaves
  // 0 and 1 drops three halves at once; adding back doubles one level at a time through them.
  Driver driver(3);
  RatchetTree tree(suite1());
  for (int i = 0; i < 9; ++i)
    driver.add(tree);
  driver.commit(tree);
  tree.tree_hash();
  for (uint32_t l = 8; l >= 2; --l)
    tree.remove_leaf(LeafIndex(l));
  ASSERT_EQ(tree.leaf_count().value, 2u);
  expect_exact_hashes(tree, false, "after halving");
  for (int i = 0; i < 20; ++i) {
    driver.add(tree);
    expect_exact_hashes(tree, false, "doubling back " + std::to_string(i));
  }
  expect_exact_hashes(tree, true, "at the end");
}

TEST(TreeHashCache, Section7_8HashesStayExactThroughJournalUndoAndRedo) {
  // §7.7 inside journals, as a group stages a commit (undo) and merges it (redo): batches that
  // double, halve, or cross two powers of two at once, the tree hash taken during the batch or
  // not. Undo must give the before state's hashes, redo the after state's.
  Driver driver(4);
  RatchetTree tree(suite1());
  for (int round = 0; round < 60; ++round) {
    const std::string where = "round " + std::to_string(round);
    const wire::RatchetTreeNodes before = tree.to_nodes();
    const LeafCount count_before = tree.leaf_count();
    tree.begin_journal();
    const uint32_t members = tree.member_count();
    // Mostly a step of a few members, sometimes a jump to a quarter or four times the size.
    const uint32_t r = driver.rng()() % 8;
    const uint32_t target = r == 0   ? members / 4
                            : r == 1 ? members * 4 + 1
                            : r < 5  ? members + 1 + driver.rng()() % 3
                                     : (members > 3 ? members - 1 - driver.rng()() % 3 : 0);
    driver.walk_to(tree, std::min(target, 70u), [] {});
    if (driver.rng()() % 2 == 0) tree.tree_hash();
    const wire::RatchetTreeNodes after = tree.to_nodes();
    const TreeJournal journal = tree.end_journal();
    const bool check_all = round % 5 == 0;

    tree.undo(journal);
    EXPECT_EQ(tree.to_nodes(), before) << where;
    EXPECT_EQ(tree.leaf_count(), count_before) << where;
    expect_exact_hashes(tree, check_all, where + " undone");
    tree.redo(journal);
    EXPECT_EQ(tree.to_nodes(), after) << where;
    expect_exact_hashes(tree, check_all, where + " redone");
    if (driver.rng()() % 3 == 0) {
      // Staged twice: the same commit undone and redone again.
      tree.undo(journal);
      tree.redo(journal);
      expect_exact_hashes(tree, false, where + " redone twice");
    }
  }
}

TEST(TreeHashCache, Section7_8EmptyTreeJournalGrowsAndShrinksExactly) {
  // A journal begun on a tree with no leaves: undo takes it back to none, redo to four leaves.
  Driver driver(5);
  RatchetTree tree(suite1());
  tree.begin_journal();
  for (int i = 0; i < 3; ++i)
    driver.add(tree);
  tree.tree_hash();
  const TreeJournal journal = tree.end_journal();
  ASSERT_EQ(tree.leaf_count().value, 4u);
  tree.undo(journal);
  EXPECT_TRUE(tree.empty());
  expect_exact_hashes(tree, true, "undone");
  tree.redo(journal);
  expect_exact_hashes(tree, true, "redone");
  for (int i = 0; i < 6; ++i)
    driver.add(tree);
  expect_exact_hashes(tree, true, "grown");
}

TEST(TreeHashCache, Section7_8ImportedAndRestoredTreesDoubleExactly) {
  // A full tree imported (§12.4.3.3) or restored with its stored hashes: the next add doubles.
  Driver driver(6);
  RatchetTree tree(suite1());
  driver.walk_to(tree, 16, [] {});  // adds only: leaves 0 to 15
  ASSERT_EQ(tree.member_count(), tree.leaf_count().value);
  Bytes stored;
  for (uint32_t x = 0; x < tree.width(); ++x) {
    const Bytes h = tree.tree_hash(NodeIndex(x));
    stored.insert(stored.end(), h.begin(), h.end());
  }
  RatchetTree imported = RatchetTree::from_nodes(tree.suite(), tree.to_nodes());
  RatchetTree restored = RatchetTree::restore(tree.suite(), tree.to_nodes(), stored);
  for (RatchetTree* t : {&imported, &restored}) {
    driver.add(*t);
    EXPECT_EQ(t->leaf_count().value, 32u);
    expect_exact_hashes(*t, false, "doubled");
    driver.walk_to(*t, 3, [] {});
    expect_exact_hashes(*t, true, "shrunk");
  }
}

}  // namespace
}  // namespace conclave::tree
