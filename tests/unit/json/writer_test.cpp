#include "json/writer.h"

#include <gtest/gtest.h>

#include <limits>

namespace tandem::json {
namespace {

std::string escaped(std::string_view s) {
  std::string out;
  append_string(out, s);
  return out;
}

TEST(JsonWriter, PlacesCommasAndColons) {
  Writer w;
  w.begin_object().field("a", 1).key("b").begin_array().value(true).null().value("x").end_array();
  w.key("c").begin_object().end_object().end_object();
  EXPECT_EQ(w.str(), R"({"a":1,"b":[true,null,"x"],"c":{}})");
}

TEST(JsonWriter, NumbersKeepTheirShortestForm) {
  Writer w;
  w.begin_array().value(19.99).value(0.1).value(1e21).value(-0.0).value(std::int64_t{-7});
  w.value(std::uint64_t{18446744073709551615u}).end_array();
  EXPECT_EQ(w.str(), "[19.99,0.1,1e+21,-0,-7,18446744073709551615]");
}

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
  std::string out;
  append_number(out, std::numeric_limits<double>::infinity());
  append_number(out, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(out, "nullnull");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(escaped("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(escaped("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(escaped(std::string("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(escaped(std::string("a\0b", 3)), R"("a\u0000b")");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(escaped("\xff"), R"("\ufffd")");
  EXPECT_EQ(escaped("\xc3"), R"("\ufffd")");                                // truncated sequence
  EXPECT_EQ(escaped("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(escaped("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate U+D800
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
}

TEST(JsonWriter, RawInsertsPreSerialisedJson) {
  Writer w;
  w.begin_object().key("document").raw(R"({"price":19.99})").field("n", 2).end_object();
  EXPECT_EQ(w.str(), R"({"document":{"price":19.99},"n":2})");
}

}  // namespace
}  // namespace tandem::json
