// The tree layer's work on several threads. Run under ThreadSanitizer too (ctest label
// `threads`). With hardware_concurrency() of 1 the library starts no thread of its own; these
// trees are large enough for two signature workers or more on any other machine (32 leaves per
// worker).
#include <gtest/gtest.h>

#include <string>

#include "tree/tree_test_util.h"

namespace conclave::tree {
namespace {

using testing::edited;
using testing::error_of;
using testing::leaf_at;
using testing::parent_at;
using testing::TestGroup;

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

}  // namespace
}  // namespace conclave::tree
