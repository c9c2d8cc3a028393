#include "config/values.h"

#include <gtest/gtest.h>

namespace tandem::config {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsWholeNumbersWithUnits) {
  EXPECT_EQ(*parse_duration("250ms"), 250ms);
  EXPECT_EQ(*parse_duration("10s"), 10s);
  EXPECT_EQ(*parse_duration("5m"), 5min);
  EXPECT_EQ(*parse_duration("1h"), 1h);
}

TEST(ParseDuration, RejectsMissingOrUnknownUnitsAndJunk) {
  EXPECT_FALSE(parse_duration("10"));
  EXPECT_FALSE(parse_duration("10 s"));
  EXPECT_FALSE(parse_duration("10d"));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("99999999999999999999h"));
  EXPECT_FALSE(parse_duration("9223372036854775807h"));
}

TEST(ParseBytes, AcceptsBinaryUnits) {
  EXPECT_EQ(*parse_bytes("1048576"), 1048576u);
  EXPECT_EQ(*parse_bytes("512B"), 512u);
  EXPECT_EQ(*parse_bytes("16KiB"), 16u * 1024);
  EXPECT_EQ(*parse_bytes("8MiB"), 8u << 20);
  EXPECT_EQ(*parse_bytes("2GiB"), 2ull << 30);
  EXPECT_FALSE(parse_bytes("16KB"));
  EXPECT_FALSE(parse_bytes("MiB"));
  EXPECT_FALSE(parse_bytes("-1"));
}

TEST(FormatValues, RoundTripThroughTheParsers) {
  for (auto d :
       {Duration(250), Duration(10000), Duration(300000), Duration(3600000), Duration(0)}) {
    EXPECT_EQ(*parse_duration(format_duration(d)), d) << format_duration(d);
  }
  for (std::uint64_t b : {0ull, 1ull, 1000ull, 1024ull, 16ull << 20, 3ull << 30}) {
    EXPECT_EQ(*parse_bytes(format_bytes(b)), b) << format_bytes(b);
  }
  EXPECT_EQ(format_duration(Duration(90000)), "90s");
  EXPECT_EQ(format_bytes(16 * 1024), "16KiB");
}

const Setting& setting(std::string_view key) {
  return *find_setting(settings_table(), key);
}

RawValue text(std::string v) {
  return RawValue{.value = std::move(v), .is_text_source = true, .origin = "TEST_ORIGIN"};
}
RawValue typed(std::variant<std::string, std::int64_t, bool> v) {
  return RawValue{.value = std::move(v), .origin = "file.toml:1:1"};
}

TEST(Assign, ParsesTextFromEnvironmentAndFlags) {
  Config c;
  ASSERT_TRUE(assign(setting("server.port"), text("9090"), c).is_ok());
  ASSERT_TRUE(assign(setting("log.access"), text("false"), c).is_ok());
  ASSERT_TRUE(assign(setting("server.idle_timeout"), text("2m"), c).is_ok());
  ASSERT_TRUE(assign(setting("server.max_body_bytes"), text("2MiB"), c).is_ok());
  EXPECT_EQ(c.server.port, 9090);
  EXPECT_FALSE(c.log.access);
  EXPECT_EQ(c.server.idle_timeout, std::chrono::minutes(2));
  EXPECT_EQ(c.server.max_body_bytes.value, 2u << 20);
}

TEST(Assign, OutOfRangeNamesSettingOriginAndAcceptedValues) {
  Config c;
  auto st = assign(setting("server.port"), text("70000"), c);
  ASSERT_EQ(st.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "server.port (from TEST_ORIGIN): 70000 is out of range; expected an integer from 0 "
            "to 65535");
  EXPECT_EQ(c.server.port, 8080);  // unchanged
}

TEST(Assign, RejectsWrongTypesFromFiles) {
  Config c;
  EXPECT_FALSE(assign(setting("server.port"), typed(std::string("8080")), c).is_ok());
  EXPECT_FALSE(assign(setting("log.access"), typed(std::string("yes")), c).is_ok());
  EXPECT_FALSE(assign(setting("server.host"), typed(std::int64_t{1}), c).is_ok());
  EXPECT_FALSE(assign(setting("server.idle_timeout"), typed(std::int64_t{10}), c).is_ok());
  EXPECT_TRUE(assign(setting("server.max_body_bytes"), typed(std::int64_t{4096}), c).is_ok());
  EXPECT_EQ(c.server.max_body_bytes.value, 4096u);
}

TEST(Assign, ChoicesAreEnforced) {
  Config c;
  auto st = assign(setting("log.level"), text("verbose"), c);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("one of trace, debug, info, warn, error, off"), std::string::npos)
      << st.message();
  EXPECT_TRUE(assign(setting("log.level"), text("debug"), c).is_ok());
  EXPECT_EQ(c.log.level, "debug");
}

TEST(Assign, DurationBoundsAreChecked) {
  Config c;
  auto st = assign(setting("server.read_timeout"), text("1ms"), c);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("from 100ms to 10m"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace tandem::config
