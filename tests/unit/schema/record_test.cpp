#include "schema/record.h"

#include <gtest/gtest.h>

#include "core/uuid.h"

namespace tandem::schema {
namespace {

constexpr const char* kValid =
    R"({"id":"p1","name":"USB cable","category":"electronics","brand":"Acme","price":19.99})";

class RecordTest : public ::testing::Test {
 protected:
  Collection products_ = products_collection();
  RecordParser parser_{4096};
};

TEST_F(RecordTest, ValidRecordIsKeptByteForByte) {
  std::string text =
      R"(  {"id":"p1", "name":"USB cable","category":"electronics","brand":"Acme","price":19.990,"extra":{"x":[1]}} )";
  auto r = parser_.validate(products_, text);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->id, "p1");
  EXPECT_EQ(
      r->body,
      R"({"id":"p1", "name":"USB cable","category":"electronics","brand":"Acme","price":19.990,"extra":{"x":[1]}})");
}

TEST_F(RecordTest, MissingIdGetsAUuid) {
  auto r = parser_.validate(products_, R"({"name":"n","category":"c","brand":"b","price":1})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(core::is_uuid(r->id));
  EXPECT_EQ(r->body,
            "{\"id\":\"" + r->id + R"(","name":"n","category":"c","brand":"b","price":1})");
  auto null_id =
      parser_.validate(products_, R"({"id":null,"name":"n","category":"c","brand":"b","price":1})");
  ASSERT_FALSE(null_id);  // found by the fuzzer: a generated id beside a null one duplicated "id"
  EXPECT_EQ(null_id.error().message(), "id: expected string, got null");
}

TEST_F(RecordTest, UrlIdIsInsertedOrMustMatch) {
  auto r =
      parser_.validate(products_, R"({"name":"n","category":"c","brand":"b","price":1})", "url-id");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "url-id");
  EXPECT_TRUE(parser_.validate(products_, kValid, "p1"));
  auto mismatch = parser_.validate(products_, kValid, "other");
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message().find("differs"), std::string::npos);
}

struct BadRecord {
  std::string json;
  std::string message;
};

class BadRecordTest : public RecordTest, public ::testing::WithParamInterface<BadRecord> {};

TEST_P(BadRecordTest, IsRejectedWithAPreciseMessage) {
  auto r = parser_.validate(products_, GetParam().json);
  ASSERT_FALSE(r) << GetParam().json;
  EXPECT_EQ(r.error().message(), GetParam().message);
}

const std::string kRest = R"("name":"n","category":"c","brand":"b")";

INSTANTIATE_TEST_SUITE_P(
    Records, BadRecordTest,
    ::testing::Values(
        BadRecord{"{" + kRest + R"(,"price":"cheap"})", "price: expected number, got string"},
        BadRecord{"{" + kRest + "}", "price: required (number)"},
        BadRecord{"{" + kRest + R"(,"price":null})", "price: required (number)"},
        BadRecord{"{" + kRest + R"(,"price":1,"stock":1.5})",
                  "stock: expected integer, got number"},
        BadRecord{"{" + kRest + R"(,"price":1,"in_stock":"yes"})",
                  "in_stock: expected boolean, got string"},
        BadRecord{"{" + kRest + R"(,"price":1,"tags":["a",2]})",
                  "tags: expected array of strings, got array"},
        BadRecord{"{" + kRest + R"(,"price":1,"created_at":"yesterday"})",
                  "created_at: expected RFC 3339 timestamp string, got string"},
        BadRecord{"{" + kRest + R"(,"price":1,"created_at":"2026-02-30T00:00:00Z"})",
                  "created_at: expected RFC 3339 timestamp string, got string"},
        BadRecord{R"({"id":7,)" + kRest + R"(,"price":1})", "id: expected string, got integer"},
        BadRecord{R"({"id":"",)" + kRest + R"(,"price":1})", "id: must not be empty"},
        BadRecord{R"({"id":"a\u0001b",)" + kRest + R"(,"price":1})",
                  "id: must not contain control characters"},
        BadRecord{R"({"id":")" + std::string(513, 'x') + R"(",)" + kRest + R"(,"price":1})",
                  "id: 513 bytes is longer than 512"},
        BadRecord{R"({"a":1,"a":2})", "duplicate key 'a'"},
        BadRecord{"[1,2]", "expected a JSON object, got array"},
        BadRecord{"\"text\"", "expected a JSON object, got string"}));

TEST_F(RecordTest, InvalidJsonAndUtf8AreRejected) {
  EXPECT_NE(parser_.validate(products_, "{\"a\":").error().message().find("invalid JSON"),
            std::string::npos);
  auto utf8 = parser_.validate(products_, "{\"name\":\"\xff\"}");
  ASSERT_FALSE(utf8);
  EXPECT_NE(utf8.error().message().find("UTF-8"), std::string::npos) << utf8.error().message();
}

TEST_F(RecordTest, OversizeRecordIsPayloadTooLarge) {
  std::string big = "{" + kRest + R"(,"price":1,"description":")" + std::string(5000, 'x') + "\"}";
  auto r = parser_.validate(products_, big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), core::StatusCode::kPayloadTooLarge);
}

TEST_F(RecordTest, MergeReplacesAddsAndRemovesTopLevelKeys) {
  std::string base =
      R"({"id":"p1","name":"old","category":"c","brand":"b","price":19.990,"stock":3,"description":"d"})";
  auto merged = parser_.merge(products_, base, R"({"name":"new","description":null,"rating":4.5})");
  ASSERT_TRUE(merged) << merged.error().message();
  EXPECT_EQ(
      merged->body,
      R"({"id":"p1","name":"new","category":"c","brand":"b","price":19.990,"stock":3,"rating":4.5})");
}

TEST_F(RecordTest, MergeCannotChangeTheIdOrBreakTheSchema) {
  std::string base = R"({"id":"p1","name":"n","category":"c","brand":"b","price":1})";
  EXPECT_FALSE(parser_.merge(products_, base, R"({"id":"p2"})"));
  EXPECT_FALSE(parser_.merge(products_, base, R"({"id":null})"));
  EXPECT_TRUE(parser_.merge(products_, base, R"({"id":"p1","price":2})"));
  auto broken = parser_.merge(products_, base, R"({"price":null})");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message(), "price: required (number)");
}

TEST_F(RecordTest, IdsFromUrlsAreChecked) {
  EXPECT_TRUE(RecordParser::check_id("a b/c").is_ok());
  EXPECT_FALSE(RecordParser::check_id("").is_ok());
  EXPECT_FALSE(RecordParser::check_id("a\nb").is_ok());
  EXPECT_FALSE(RecordParser::check_id("\xc3").is_ok());
  EXPECT_TRUE(RecordParser::check_id("caf\xc3\xa9").is_ok());
}

}  // namespace
}  // namespace tandem::schema
