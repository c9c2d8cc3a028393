#include "pipeline/write_fence.h"

#include <gtest/gtest.h>

namespace tandem::pipeline {
namespace {

TEST(WriteFence, AKeyIsFencedAtItsNewestWriteUntilTheSinkAppliesIt) {
  WriteFence f;
  EXPECT_EQ(f.floor("products/a"), 0u);
  f.note("products/a", 3);
  f.note("products/b", 4);
  f.note("products/a", 5);
  EXPECT_EQ(f.floor("products/a"), 5u);
  EXPECT_EQ(f.floor("products/b"), 4u);
  EXPECT_EQ(f.floor("products/c"), 0u);
  f.applied(4);
  EXPECT_EQ(f.floor("products/a"), 5u);  // its newest write is not applied yet
  EXPECT_EQ(f.floor("products/b"), 0u);
  f.applied(5);
  EXPECT_EQ(f.floor("products/a"), 0u);
}

// The sink may store a change before the write path notes it: the late note changes nothing.
TEST(WriteFence, ANoteTheSinkIsAlreadyPastIsDropped) {
  WriteFence f;
  f.applied(10);
  f.note("products/a", 9);
  f.note("products/b", 10);
  EXPECT_EQ(f.floor("products/a"), 0u);
  EXPECT_EQ(f.floor("products/b"), 0u);
  f.note("products/c", 11);
  EXPECT_EQ(f.floor("products/c"), 11u);
}

// Past its bound it stops tracking keys and fences all of them until the sink catches up.
TEST(WriteFence, PastItsBoundEveryKeyIsFenced) {
  WriteFence f(2);
  f.note("a", 1);
  f.note("b", 2);
  f.note("c", 3);
  EXPECT_EQ(f.floor("never-written"), 3u);
  f.applied(2);
  EXPECT_EQ(f.floor("a"), 3u);
  f.applied(3);
  EXPECT_EQ(f.floor("a"), 0u);
  f.note("d", 4);  // tracking keys again
  EXPECT_EQ(f.floor("a"), 0u);
  EXPECT_EQ(f.floor("d"), 4u);
}

TEST(WriteFence, FenceAllHoldsUntilTheSinkReachesIt) {
  WriteFence f;
  f.fence_all(7);
  EXPECT_EQ(f.floor("x"), 7u);
  f.applied(6);
  EXPECT_EQ(f.floor("x"), 7u);
  f.applied(7);
  EXPECT_EQ(f.floor("x"), 0u);
  f.fence_all(5);  // the sink is past it already
  EXPECT_EQ(f.floor("x"), 0u);
}

}  // namespace
}  // namespace tandem::pipeline
