// The tree layer's work on several threads, and what ratchet_tree.h promises about threads. Run
// under ThreadSanitizer too (ctest label `threads`). With hardware_concurrency() of 1 the
// library starts no thread of its own; these trees are large enough for two workers or more on
// any other machine (32 leaves per signature worker, 8 recipients per HPKE worker).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tree/tree_test_util.h"

namespace conclave::tree {
namespace {

using testing::edited;
using testing::error_of;
using testing::leaf_at;
using testing::NewMember;
using testing::parent_at;
using testing::TestGroup;

// A copy of `tree` with nothing cached: what a joiner builds from the wire (from_nodes).
RatchetTree uncached(const RatchetTree& tree) {
  return RatchetTree::from_nodes(tree.suite(), tree.to_nodes());
}

// n members added at once, then a commit by the first and one by the last: parent nodes on two
// paths, at a cost linear in n (TestGroup::grown(n) commits n - 1 times: quadratic).
TestGroup large_group(int n) {
  TestGroup g;
  for (int i = 0; i < n; ++i)
    g.add("member " + std::to_string(i));
  g.commit(LeafIndex(0));
  g.commit(LeafIndex(static_cast<uint32_t>(n - 1)));
  return g;
}

TEST(TreeValidation, SignaturesOfALargeTreeAreCheckedOnSeveralThreads) {
  // §7.3: the result does not depend on the thread count; the lowest bad leaf is reported.
  TestGroup g;
  for (int i = 0; i < 80; ++i)
    g.add("member " + std::to_string(i));
  for (unsigned threads : {1u, 2u, 3u, 8u})
    EXPECT_NO_THROW(check_leaf_signatures(g.tree, g.group_id, threads));
  const RatchetTree bad = edited(g.tree, [](wire::RatchetTreeNodes& nodes) {
    leaf_at(nodes, 70).signature.at(3) ^= 1;  // in the last chunk
    leaf_at(nodes, 30).signature.at(3) ^= 1;  // in the first
  });
  for (unsigned threads : {1u, 3u, 8u}) {
    try {
      check_leaf_signatures(bad, g.group_id, threads);
      ADD_FAILURE() << "no error with " << threads << " threads";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kLeafSignatureInvalid);
      EXPECT_NE(e.detail().find("leaf 30:"), std::string::npos) << e.detail();
    }
  }
}

TEST(TreeValidation, StructuralErrorIsReportedBeforeSignaturesCheckedMeanwhile) {
  // validate_tree checks the signatures on other threads while it checks the rest: a broken
  // rule of the rest is still what it reports (the order of validate_tree), and the signature
  // workers stop without a report.
  TestGroup g = large_group(96);
  const RatchetTree bad = edited(g.tree, [](wire::RatchetTreeNodes& nodes) {
    parent_at(nodes, 1).parent_hash.at(0) ^= 1;
    leaf_at(nodes, 90).signature.at(3) ^= 1;
  });
  TreeValidationOptions options;
  options.policy = g.policy();
  for (unsigned threads : {1u, 2u, 8u}) {
    options.max_threads = threads;
    EXPECT_EQ(error_code_name(error_of([&] { validate_tree(bad, options); })),
              error_code_name(ErrorCode::kParentHashInvalid))
        << threads << " threads";
  }
}

TEST(TreeValidation, WorkersReadLeavesWhileTheCallerFillsTheHashCaches) {
  // tree_validation.h: validate_tree's signature workers run while the calling thread checks the
  // rest (§7.9.2 parent hashes), which fills the tree's hash caches. The workers read leaf nodes
  // only, so a tree with nothing cached (as a joiner imports it) validates without a data race, at
  // any thread count, and hashes as before.
  TestGroup g = large_group(66);
  g.add("unmerged 1");
  g.add("unmerged 2");
  TreeValidationOptions options;
  options.policy = g.policy();
  for (unsigned threads : {0u, 2u, 8u}) {
    options.max_threads = threads;
    const RatchetTree fresh = uncached(g.tree);
    EXPECT_NO_THROW(validate_tree(fresh, options)) << threads << " threads";
    EXPECT_EQ(fresh.tree_hash(), g.tree.tree_hash()) << threads << " threads";
  }
}

TEST(TreeThreads, NodeAccessorsRunBesideOneThreadThatHashes) {
  // ratchet_tree.h: the node accessors read no cache, so while nothing changes the tree they may
  // run on other threads beside one thread whose const calls fill the hash caches; all see the tree
  // as it is.
  const TestGroup g = large_group(40);
  const RatchetTree tree = uncached(g.tree);
  const std::vector<LeafIndex> members = g.tree.members();
  const std::vector<NodeIndex> root_resolution = g.tree.resolution(g.tree.root());
  std::vector<std::vector<PathStep>> paths;
  for (LeafIndex l : members)
    paths.push_back(g.tree.filtered_direct_path(l));
  const Bytes root_hash = g.tree.tree_hash();
  constexpr int kReaders = 3;
  std::vector<int> failures(kReaders, 0);
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t)
    readers.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round)
        for (size_t i = 0; i < members.size(); ++i) {
          const LeafIndex l = members[i];
          const wire::LeafNode* leaf = tree.leaf(l);
          const bool ok = leaf != nullptr && tree.members() == members &&
                          tree.find_leaf_by_signature_key(leaf->signature_key) == l &&
                          tree.find_node_by_encryption_key(leaf->encryption_key) == l.node() &&
                          tree.encryption_key(l.node()).has_value() &&
                          tree.filtered_direct_path(l) == paths[i] &&
                          tree.resolution(tree.root()) == root_resolution;
          failures[t] += ok ? 0 : 1;
        }
    });
  check_parent_hashes(tree);
  EXPECT_EQ(tree.tree_hash(), root_hash);
  for (auto& r : readers)
    r.join();
  for (int t = 0; t < kReaders; ++t)
    EXPECT_EQ(failures[t], 0) << "reader " << t;
}

TEST(TreeThreads, CopiesAreChangedAndHashedOnDistinctThreadsAtOnce) {
  // ratchet_tree.h: copies are independent values sharing only the (thread-safe) provider, so each
  // thread may validate, change and hash its own copy while the others do the same; every copy ends
  // as the same steps give on one thread.
  TestGroup g = TestGroup::grown(12);
  const NewMember extra = g.new_member("extra");
  const auto steps = [&](RatchetTree& t) {
    TreeValidationOptions options;
    options.policy = g.policy();
    validate_tree(t, options);
    t.remove_leaf(LeafIndex(3));
    const LeafIndex added = t.add_leaf(extra.leaf);
    check_parent_hashes(t);
    return std::pair(added, t.tree_hash());
  };
  RatchetTree serial = uncached(g.tree);
  const auto expected = steps(serial);

  constexpr int kThreads = 4;
  std::vector<RatchetTree> copies(kThreads, uncached(g.tree));
  std::vector<std::pair<LeafIndex, Bytes>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] { results[t] = steps(copies[t]); });
  for (auto& th : threads)
    th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(results[t], expected) << "thread " << t;
    EXPECT_TRUE(copies[t] == serial) << "thread " << t;
  }
}

TEST(TreeKem, PathSecretsToManyRecipientsAreEncryptedOnSeveralThreads) {
  // §7.6: a path secret is encrypted to every node of its copath child's resolution, the whole path
  // in one batch spread over the cores. With 40 members added and no commit yet every parent is
  // blank, so the committer's resolutions hold the 39 others: each one decrypts the commit secret
  // and reaches the committer's tree (TestGroup::commit checks).
  TestGroup g;
  for (int i = 0; i < 40; ++i)
    g.add("member " + std::to_string(i));
  size_t recipients = 0;
  for (const PathStep& step : g.tree.filtered_direct_path(LeafIndex(0)))
    recipients += g.tree.resolution(step.copath_child).size();
  EXPECT_EQ(recipients, 39u);
  const CreatedUpdatePath created = g.commit(LeafIndex(0));
  size_t sealed = 0;
  for (const auto& node : created.path.nodes)
    sealed += node.encrypted_path_secret.size();
  EXPECT_EQ(sealed, 39u);
}

}  // namespace
}  // namespace conclave::tree
