#include "core/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace tandem::core {
namespace {

TEST(Uuid, IsCanonicalVersion4) {
  for (int i = 0; i < 100; ++i) {
    std::string id = uuid_v4();
    ASSERT_TRUE(is_uuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;                                          // version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant
  }
}

TEST(Uuid, DoesNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i)
    seen.insert(uuid_v4());
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(Uuid, RecognisesOnlyCanonicalForm) {
  EXPECT_TRUE(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
  EXPECT_TRUE(is_uuid("123E4567-E89B-12D3-A456-426614174000"));
  EXPECT_FALSE(is_uuid("123e4567e89b12d3a456426614174000"));
  EXPECT_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400g"));
  EXPECT_FALSE(is_uuid(""));
}

}  // namespace
}  // namespace tandem::core
