// leaf_store.h: get() may run on several threads at once (the tree's node accessors may, see
// ratchet_tree.h): each leaf is decoded into one copy that every thread sees.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "conclave/codec/codec.h"
#include "conclave/tree/leaf_store.h"

namespace conclave::tree::detail {
namespace {

TEST(LeafStoreThreads, ConcurrentFirstAccessInstallsOneCopy) {
  constexpr uint64_t kLeaves = 256;
  LeafStore store;
  store.cover(kLeaves);
  for (uint64_t i = 0; i < kLeaves; ++i) {
    wire::LeafNode leaf;
    leaf.encryption_key = Bytes(32, static_cast<uint8_t>(i));
    leaf.signature_key = Bytes(32, static_cast<uint8_t>(i + 1));
    leaf.credential.content = Bytes{static_cast<uint8_t>(i)};
    leaf.signature = Bytes(64, 1);
    store.set_encoded_only(i, leaf);
  }
  constexpr int kThreads = 4;
  std::vector<std::vector<const wire::LeafNode*>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; i < kLeaves; ++i)
        seen[t].push_back(store.get(i));
    });
  for (auto& th : threads)
    th.join();
  for (uint64_t i = 0; i < kLeaves; ++i) {
    ASSERT_NE(seen[0][i], nullptr);
    EXPECT_EQ(seen[0][i]->encryption_key, Bytes(32, static_cast<uint8_t>(i)));
    for (int t = 1; t < kThreads; ++t)
      EXPECT_EQ(seen[t][i], seen[0][i]);
  }
}

}  // namespace
}  // namespace conclave::tree::detail
