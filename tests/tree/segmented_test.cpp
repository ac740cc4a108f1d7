// The tree's storage (segmented.h): grows by doubling (RFC 9420 §7.7) without moving what it
// holds, reads zero (blank) where nothing was written, copies deeply.
#include "conclave/tree/segmented.h"

#include <gtest/gtest.h>

#include <string>

namespace conclave::tree::detail {
namespace {

TEST(Segmented, SegmentsDoubleSoEachDoublingAddsOne) {
  EXPECT_EQ(segment_of(0), 0u);
  EXPECT_EQ(segment_of(1), 1u);
  EXPECT_EQ(segment_of(2), 2u);
  EXPECT_EQ(segment_of(3), 2u);
  EXPECT_EQ(segment_of(4), 3u);
  EXPECT_EQ(segment_of(uint64_t{0xFFFFFFFF}), 32u);
  for (unsigned s = 1; s < kSegments; ++s)
    EXPECT_EQ(segment_base(s) + segment_length(s), segment_base(s + 1)) << s;
}

TEST(Segmented, GrowingKeepsRowsInPlaceAndNewRowsAreZero) {
  SegmentedArray<uint8_t> a(3);  // rows of 3, like hashes of 3 bytes
  a.cover(5);
  EXPECT_EQ(a.covered(), 8u);
  for (uint32_t i = 0; i < 8; ++i)
    a.row(i)[2] = static_cast<uint8_t>(i + 1);
  const uint8_t* row6 = a.row(6);
  a.cover(1000);
  EXPECT_EQ(a.covered(), 1024u);
  EXPECT_EQ(a.row(6), row6);  // nothing moved
  for (uint32_t i = 0; i < 8; ++i)
    EXPECT_EQ(a.row(i)[2], i + 1);
  for (uint32_t i = 8; i < 1024; ++i)
    EXPECT_EQ(a.row(i)[0] | a.row(i)[1] | a.row(i)[2], 0) << i;
}

TEST(Segmented, ReleaseFreesOnlyWholeSegmentsPastTheIndex) {
  SegmentedArray<uint32_t> a;
  a.cover(64);
  a[40] = 7;
  a[20] = 9;
  a.release_from(33);  // segment 6 ([32, 64)) holds index 32, so it stays
  EXPECT_EQ(a.covered(), 64u);
  EXPECT_EQ(a[40], 7u);
  a.release_from(32);
  EXPECT_EQ(a.covered(), 32u);
  EXPECT_EQ(a[20], 9u);
  a.cover(64);
  EXPECT_EQ(a[40], 0u);  // freed and allocated again: zero
  a.release_from(0);
  EXPECT_EQ(a.covered(), 0u);
}

TEST(Segmented, ArrayCopiesAreDeepAndMovesEmptyTheSource) {
  SegmentedArray<uint32_t> a;
  a.cover(10);
  a[9] = 5;
  SegmentedArray<uint32_t> b = a;
  b[9] = 6;
  EXPECT_EQ(a[9], 5u);
  SegmentedArray<uint32_t> c = std::move(a);
  EXPECT_EQ(c[9], 5u);
  EXPECT_EQ(a.covered(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  a = c;
  EXPECT_EQ(a[9], 5u);
}

TEST(Segmented, SlotsAreBlankUntilSetAndCopiesOwnTheirValues) {
  SegmentedSlots<std::string> s;
  s.cover(8);
  for (uint32_t i = 0; i < 8; ++i)
    EXPECT_EQ(s.get(i), nullptr);
  s.set(3, "three");
  s.set(6, "six");
  s.set(6, std::nullopt);
  SegmentedSlots<std::string> copy = s;
  s.set(3, "changed");
  ASSERT_NE(copy.get(3), nullptr);
  EXPECT_EQ(*copy.get(3), "three");
  EXPECT_EQ(copy.get(6), nullptr);
  s.cover(100);
  EXPECT_EQ(*s.get(3), "changed");
  s.set(70, "seventy");
  s.release_from(4);  // deletes the value at 70, frees the segments past index 4
  s.cover(100);
  EXPECT_EQ(s.get(70), nullptr);
  EXPECT_EQ(*s.get(3), "changed");
  SegmentedSlots<std::string> moved = std::move(copy);
  EXPECT_EQ(*moved.get(3), "three");
}

}  // namespace
}  // namespace conclave::tree::detail
