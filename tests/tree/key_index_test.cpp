// The ratchet tree's key index (key_index.h), against a plain multimap: it must answer §7.3's
// uniqueness checks exactly (how many nodes hold a key, which one) through any sequence of
// inserts and erases, including the backward shifts of deletions in long probe runs.
#include "conclave/tree/key_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

namespace {

using conclave::tree::KeyIndex;
using Key = std::vector<uint8_t>;

// The values (in the model) and their keys; a value's key is looked up as the tree does.
struct Model {
  std::map<uint32_t, Key> key_of;

  size_t count(const KeyIndex& index, const Key& key) const {
    size_t n = 0;
    index.for_each_candidate(key, [&](uint32_t v) {
      n += key_of.at(v) == key ? 1 : 0;
      return false;
    });
    return n;
  }
  size_t expected(const Key& key) const {
    size_t n = 0;
    for (const auto& [v, k] : key_of)
      n += k == key ? 1 : 0;
    return n;
  }
};

Key random_key(std::mt19937& rng, size_t pool) {
  // Keys from a small pool, so that many values share a key (a tree under validation may).
  const auto id = static_cast<uint32_t>(rng() % pool);
  Key k(32, 0);
  for (size_t i = 0; i < 4; ++i)
    k[i] = static_cast<uint8_t>(id >> (8 * i));
  return k;
}

// RFC 9420 §7.3 (keys unique among the members): counts stay exact through random inserts and
// erases, the table growing and shrinking runs as it goes.
TEST(KeyIndex, CountsMatchAModelThroughInsertsAndErases) {
  std::mt19937 rng(7);
  KeyIndex index;
  Model model;
  uint32_t next_value = 0;
  for (int step = 0; step < 20000; ++step) {
    if (model.key_of.empty() || rng() % 3 != 0) {
      const Key k = random_key(rng, 500);
      index.insert(k, next_value);
      model.key_of[next_value++] = k;
    } else {
      auto it = model.key_of.begin();
      std::advance(it, rng() % model.key_of.size());
      index.erase(it->second, it->first);
      model.key_of.erase(it);
    }
    ASSERT_EQ(index.size(), model.key_of.size());
    if (step % 97 == 0) {
      for (size_t id = 0; id < 500; id += 7) {
        Key k(32, 0);
        for (size_t i = 0; i < 4; ++i)
          k[i] = static_cast<uint8_t>(id >> (8 * i));
        ASSERT_EQ(model.count(index, k), model.expected(k)) << "step " << step;
      }
    }
  }
  // Every remaining entry is found, and erasing them all leaves nothing.
  for (const auto& [v, k] : model.key_of) {
    bool found = false;
    index.for_each_candidate(k, [&](uint32_t c) { return found = (c == v); });
    ASSERT_TRUE(found);
  }
  for (const auto& [v, k] : model.key_of)
    index.erase(k, v);
  EXPECT_EQ(index.size(), 0u);
}

// Erasing an entry that is not there (a value under another key) changes nothing.
TEST(KeyIndex, EraseOfAnAbsentEntryChangesNothing) {
  KeyIndex index;
  const Key a(32, 1), b(32, 2);
  index.insert(a, 5);
  index.erase(b, 5);
  index.erase(a, 6);
  EXPECT_EQ(index.size(), 1u);
  size_t hits = 0;
  index.for_each_candidate(a, [&](uint32_t v) {
    hits += v == 5 ? 1 : 0;
    return false;
  });
  EXPECT_EQ(hits, 1u);
}

// Searching an empty index (no slots yet) finds nothing and does not fault.
TEST(KeyIndex, EmptyIndexFindsNothing) {
  const KeyIndex index;
  bool called = false;
  index.for_each_candidate(Key(32, 9), [&](uint32_t) { return called = true; });
  EXPECT_FALSE(called);
}

}  // namespace
