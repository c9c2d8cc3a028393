#include "core/status.h"

#include <gtest/gtest.h>

#include <set>

#include "core/result.h"

namespace tandem::core {
namespace {

TEST(Status, DefaultIsOkWithoutMessage) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = invalid_argument("server.port: out of range");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.to_string(), "invalid_argument: server.port: out of range");
}

TEST(Status, EveryCodeHasADistinctWireName) {
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(StatusCode::kInternal); ++c) {
    names.insert(code_name(static_cast<StatusCode>(c)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(StatusCode::kInternal) + 1);
}

Result<int> half(int v) {
  if (v % 2 != 0) return fail(invalid_argument(std::to_string(v) + " is odd"));
  return v / 2;
}

TEST(Result, HoldsValueOrStatus) {
  auto ok = half(8);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 4);
  auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "3 is odd");
  EXPECT_EQ(half(3).value_or(-1), -1);
}

}  // namespace
}  // namespace tandem::core
