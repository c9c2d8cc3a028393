#include "schema/collection.h"

#include <gtest/gtest.h>

namespace tandem::schema {
namespace {

TEST(Collection, ProductsSchemaIsValidAndRoundTrips) {
  Collection products = products_collection();
  EXPECT_TRUE(check_collection(products).is_ok());
  auto back = collection_from_json(collection_to_json(products));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(collection_to_json(*back), collection_to_json(products));
  ASSERT_NE(back->field("category"), nullptr);
  EXPECT_TRUE(back->field("category")->facet);
  EXPECT_EQ(back->field("tags")->type, FieldType::kKeywordArray);
  EXPECT_EQ(back->field("missing"), nullptr);
}

TEST(Collection, ParsesEveryPropertyAndType) {
  auto c = collection_from_json(R"({"name":"books","fields":[
    {"name":"title","type":"text","weight":2.5},
    {"name":"genre","type":"keyword","facet":true,"searchable":true},
    {"name":"year","type":"int","sort":true,"optional":true},
    {"name":"published","type":"timestamp","sort":true},
    {"name":"ebook","type":"bool","facet":true}]})");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->fields.size(), 5u);
  EXPECT_DOUBLE_EQ(c->fields[0].weight, 2.5);
  EXPECT_TRUE(c->fields[2].optional);
}

// The ranking and a searchable keyword's weight survive the JSON form (the store keeps it).
TEST(Collection, RankingAndKeywordWeightsRoundTrip) {
  auto c = collection_from_json(R"({"name":"words","fields":[
    {"name":"synonyms","type":"keyword[]","searchable":true,"weight":2}],
    "ranking":["proximity","exact"]})");
  ASSERT_TRUE(c) << c.error().message();
  auto back = collection_from_json(collection_to_json(*c));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_DOUBLE_EQ(back->fields[0].weight, 2.0);
  EXPECT_EQ(back->ranking, (std::vector<RankRule>{RankRule::kProximity, RankRule::kExact}));
  EXPECT_FALSE(products_collection().ranking.has_value());
  auto none = collection_from_json(R"({"name":"x","fields":[],"ranking":[]})");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->ranking, std::vector<RankRule>{});
}

struct BadSchema {
  const char* json;
  const char* message;
};

class BadSchemaTest : public ::testing::TestWithParam<BadSchema> {};

TEST_P(BadSchemaTest, IsRejectedWithAPreciseMessage) {
  auto c = collection_from_json(GetParam().json);
  ASSERT_FALSE(c) << GetParam().json;
  EXPECT_EQ(c.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(c.error().message().find(GetParam().message), std::string::npos) << c.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Schemas, BadSchemaTest,
    ::testing::Values(
        BadSchema{"{", "invalid JSON"}, BadSchema{"[]", "expected a JSON object"},
        BadSchema{R"({"name":"x"})", "name and fields are required"},
        BadSchema{R"({"name":"x","fields":[],"ranking":["exact","bm25"]})",
                  "ranking: unknown rule 'bm25'"},
        BadSchema{R"({"name":"x","fields":[],"ranking":["field","field"]})",
                  "rule 'field' is named twice"},
        BadSchema{R"({"name":"x","fields":[],"ranking":"exact"})", "unknown or mistyped property"},
        BadSchema{R"({"name":"x","fields":[],"ranking":[1]})", "expected an array of rule names"},
        BadSchema{R"({"name":"Bad Name","fields":[]})", "collection name 'Bad Name'"},
        BadSchema{R"({"name":"x","fields":[{"name":"a","type":"blob"}]})", "unknown type 'blob'"},
        BadSchema{R"({"name":"x","fields":[{"name":"a","type":"text","facet":true}]})",
                  "facet needs"},
        BadSchema{R"({"name":"x","fields":[{"name":"a","type":"text","sort":true}]})",
                  "sort needs"},
        BadSchema{R"({"name":"x","fields":[{"name":"a","type":"int","searchable":true}]})",
                  "searchable applies"},
        BadSchema{R"({"name":"x","fields":[{"name":"a","type":"text"},{"name":"a","type":"int"}]})",
                  "declared twice"},
        BadSchema{R"({"name":"x","fields":[{"name":"id","type":"keyword"}]})", "id is implicit"},
        BadSchema{R"({"name":"x","fields":[{"name":"a","type":"text","weight":0}]})", "weight"},
        BadSchema{R"({"name":"x","fields":[{"name":"a","type":"text","colour":1}]})",
                  "unknown or mistyped property 'colour'"},
        BadSchema{R"({"name":"x","fields":[{"name":"a-b","type":"text"}]})", "field 'a-b'"},
        BadSchema{R"({"name":"x","fields":[{"name":"to","type":"text"}]})",
                  "is a filter keyword"}));

}  // namespace
}  // namespace tandem::schema
