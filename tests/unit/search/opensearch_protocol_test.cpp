// The OpenSearch protocol without a server: the index body derived from the products schema
// (its mappings and analyzer, parsed back), stemmer names matching Xapian's, _bulk NDJSON with
// external versions (a pretty-printed record kept on one line), and _bulk responses item by
// item as OpenSearch sends them (created, version conflict, 429, mapping error, delete of a
// missing id), garbage included.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "search/opensearch/protocol.h"

namespace tandem::search::opensearch {
namespace {

TEST(OpenSearchProtocol, TheIndexBodyFollowsTheSchema) {
  auto body =
      index_body(schema::products_collection(),
                 {.shards = 3, .replicas = 2, .refresh_interval = "500ms", .language = "english"});
  ASSERT_TRUE(body) << body.error().message();
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(*body);
  EXPECT_EQ(std::int64_t(doc["settings"]["index"]["number_of_shards"]), 3);
  EXPECT_EQ(std::int64_t(doc["settings"]["index"]["number_of_replicas"]), 2);
  EXPECT_EQ(std::string_view(doc["settings"]["index"]["refresh_interval"]), "500ms");
  auto analysis = doc["settings"]["analysis"];
  EXPECT_EQ(std::string_view(analysis["filter"]["tandem_stem"]["type"]), "snowball");
  EXPECT_EQ(std::string_view(analysis["filter"]["tandem_stem"]["language"]), "English");
  EXPECT_EQ(std::string_view(analysis["analyzer"]["tandem_text"]["tokenizer"]), "standard");
  auto props = doc["mappings"]["properties"];
  EXPECT_FALSE(bool(doc["mappings"]["dynamic"]));
  EXPECT_EQ(std::string_view(props["id"]["type"]), "keyword");
  EXPECT_EQ(std::string_view(props["name"]["type"]), "text");
  EXPECT_EQ(std::string_view(props["name"]["analyzer"]), "tandem_text");
  EXPECT_EQ(std::string_view(props["brand"]["type"]), "keyword");
  EXPECT_EQ(std::string_view(props["category"]["type"]), "keyword");  // searchable:
  EXPECT_EQ(std::string_view(props["category"]["fields"]["text"]["type"]), "text");
  EXPECT_EQ(std::string_view(props["price"]["type"]), "double");
  EXPECT_EQ(std::string_view(props["stock"]["type"]), "long");
  EXPECT_EQ(std::string_view(props["in_stock"]["type"]), "boolean");
  EXPECT_EQ(std::string_view(props["created_at"]["type"]), "date");
  EXPECT_EQ(std::string_view(props["tags"]["type"]), "keyword");
  // The collection itself, so that nodes without a local store read it back.
  auto collections = parse_mapping_collections(
      "{\"tandem-products-v1\":{\"mappings\":" + std::string(simdjson::to_string(doc["mappings"])) +
      "},\"tandem-products-v2\":{\"mappings\":" +
      std::string(simdjson::to_string(doc["mappings"])) +
      "},\"someone-elses\":{\"mappings\":{\"properties\":{}}}}");
  ASSERT_TRUE(collections) << collections.error().message();
  ASSERT_EQ(collections->size(), 1u);  // once, though two versions of the index carry it
  EXPECT_EQ(schema::collection_to_json(collections->at(0)),
            schema::collection_to_json(schema::products_collection()));
}

TEST(OpenSearchProtocol, AMappingWhoseCollectionDoesNotLoadIsAnError) {
  EXPECT_FALSE(parse_mapping_collections(
      R"({"x-v1":{"mappings":{"_meta":{"tandem_collection":{"name":"Bad Name"}}}}})"));
  EXPECT_FALSE(parse_mapping_collections("[]"));
  auto none = parse_mapping_collections("{}");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(OpenSearchProtocol, RecordWritesAreVersionedByOpenSearch) {
  std::vector<RecordWrite> writes{
      {.kind = RecordWrite::Kind::kIndex,
       .index = "t-a",
       .id = "1",
       .body = "{\"id\":\"1\",\n\"x\":1}"},
      {.kind = RecordWrite::Kind::kCreate, .index = "t-a", .id = "2", .body = R"({"id":"2"})"},
      {.kind = RecordWrite::Kind::kIndex,
       .index = "t-b",
       .id = "3",
       .body = R"({"id":"3"})",
       .if_seq_no = 17,
       .if_primary_term = 2},
      {.kind = RecordWrite::Kind::kDelete, .index = "t-a", .id = "4"},
  };
  EXPECT_EQ(
      record_bulk_body(writes),
      "{\"index\":{\"_index\":\"t-a\",\"_id\":\"1\"}}\n{\"id\":\"1\", \"x\":1}\n"
      "{\"create\":{\"_index\":\"t-a\",\"_id\":\"2\"}}\n{\"id\":\"2\"}\n"
      "{\"index\":{\"_index\":\"t-b\",\"_id\":\"3\",\"if_seq_no\":17,\"if_primary_term\":2}}\n"
      "{\"id\":\"3\"}\n"
      "{\"delete\":{\"_index\":\"t-a\",\"_id\":\"4\"}}\n");
}

TEST(OpenSearchProtocol, DocumentsAreReadWithTheirVersions) {
  auto doc = parse_get_response(
      R"({"_index":"t-v1","_id":"a","_version":4,"_seq_no":9,"_primary_term":2,"found":true,)"
      R"("_source":{"id":"a","x":[1, 2]}})");
  ASSERT_TRUE(doc && *doc);
  EXPECT_EQ((*doc)->source, R"({"id":"a","x":[1, 2]})");
  EXPECT_EQ((*doc)->version, 4u);
  EXPECT_EQ((*doc)->seq_no, 9);
  EXPECT_EQ((*doc)->primary_term, 2);
  auto missing = parse_get_response(R"({"_index":"t-v1","_id":"a","found":false})");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
  for (std::string bad : {"", "[]", R"({"found":"yes"})", R"({"_version":-1,"found":true})"})
    EXPECT_FALSE(parse_get_response(bad)) << bad;
  auto docs = parse_mget_response(
      R"({"docs":[{"_id":"a","found":false},{"_id":"b","_version":2,"_seq_no":5,)"
      R"("_primary_term":1,"found":true,"_source":{"id":"b"}}]})",
      2);
  ASSERT_TRUE(docs);
  EXPECT_FALSE(docs->at(0));
  ASSERT_TRUE(docs->at(1));
  EXPECT_EQ(docs->at(1)->seq_no, 5);
  EXPECT_FALSE(parse_mget_response(R"({"docs":[]})", 1));
}

TEST(OpenSearchProtocol, StemmersMatchXapiansAndUnknownOnesAreRefused) {
  EXPECT_EQ(*snowball_language("english"), "English");
  EXPECT_EQ(*snowball_language("FR"), "French");
  EXPECT_EQ(*snowball_language("kraaij_pieters"), "Kp");
  EXPECT_EQ(*snowball_language("none"), "");
  auto none = index_body(schema::products_collection(), {.language = "none"});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->find("tandem_stem"), std::string::npos);
  auto tamil = snowball_language("tamil");  // Xapian has it, OpenSearch's Snowball does not
  ASSERT_FALSE(tamil);
  EXPECT_NE(tamil.error().message().find("tamil"), std::string::npos);
  EXPECT_FALSE(index_body(schema::products_collection(), {.language = "tamil"}));
}

TEST(OpenSearchProtocol, BulkBodiesCarryExternalVersions) {
  std::vector<changes::Change> batch{
      {.seq = 7,
       .collection = "products",
       .id = "p1",
       .body = "{\n  \"id\": \"p1\",\n  \"name\": \"a\\nb\"\n}"},
      {.seq = 8, .collection = "products", .id = "p\"2", .op = changes::ChangeOp::kDelete},
      {.seq = 9, .collection = "products", .op = changes::ChangeOp::kDrop},
  };
  EXPECT_EQ(bulk_body(batch, "products-v1"),
            "{\"index\":{\"_index\":\"products-v1\",\"_id\":\"p1\",\"version\":7,"
            "\"version_type\":\"external\"}}\n"
            "{   \"id\": \"p1\",   \"name\": \"a\\nb\" }\n"
            "{\"delete\":{\"_index\":\"products-v1\",\"_id\":\"p\\\"2\",\"version\":8,"
            "\"version_type\":\"external\"}}\n");
  EXPECT_EQ(bulk_body({}, "products-v1"), "");
}

TEST(OpenSearchProtocol, BulkResponsesAreReadItemByItem) {
  const std::string response = R"({"took":30,"errors":true,"items":[
    {"index":{"_index":"products-v1","_id":"p1","_version":7,"result":"created","status":201}},
    {"index":{"_index":"products-v1","_id":"p2","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[p2]: version conflict, current version [9] is higher or equal to the one provided [8]"}}},
    {"index":{"_index":"products-v1","_id":"p3","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}},
    {"index":{"_index":"products-v1","_id":"p4","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [price] of type [double]"}}},
    {"delete":{"_index":"products-v1","_id":"p5","_version":10,"result":"not_found","status":404}},
    {"index":{"_index":"products-v1","_id":"p6","status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}}
  ]})";
  auto items = parse_bulk_response(response, 6);
  ASSERT_TRUE(items) << items.error().message();
  ASSERT_EQ(items->size(), 6u);
  EXPECT_EQ((*items)[0].outcome, ItemOutcome::kApplied);
  EXPECT_EQ((*items)[1].outcome, ItemOutcome::kApplied);  // a newer version is there
  EXPECT_EQ((*items)[2].outcome, ItemOutcome::kRetry);
  EXPECT_EQ((*items)[3].outcome, ItemOutcome::kRejected);
  EXPECT_EQ((*items)[3].reason,
            "mapper_parsing_exception: failed to parse field [price] of type [double]");
  EXPECT_EQ((*items)[4].outcome, ItemOutcome::kApplied);  // deleting what is not there
  EXPECT_EQ((*items)[5].outcome, ItemOutcome::kRetry);
  EXPECT_EQ((*items)[5].status, 503);
}

TEST(OpenSearchProtocol, WhatIsNotABulkResponseIsAnError) {
  for (std::string bad :
       {"", "not json", "{}", R"({"items":{}})", R"({"items":[1]})", R"({"items":[{"index":{}}]})",
        R"({"items":[{"a":{"status":1},"b":{}}]})"}) {
    EXPECT_FALSE(parse_bulk_response(bad, 1)) << bad;
  }
  EXPECT_FALSE(parse_bulk_response(R"({"items":[]})", 1));  // an item missing
  EXPECT_TRUE(parse_bulk_response(R"({"items":[]})", 0));
}

}  // namespace
}  // namespace tandem::search::opensearch

namespace tandem::search::opensearch {
namespace {

TEST(OpenSearchProtocol, SearchResponsesBecomeOurHits) {
  const std::string response = R"({"took":3,"timed_out":false,
    "_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
    "hits":{"total":{"value":10000,"relation":"gte"},"max_score":null,"hits":[
      {"_index":"products-v1","_id":"p1","_score":2.5,"_source":{"id":"p1","price":19.99,"name":"Lamp \"Oak\""},
       "highlight":{"name":["<mark>Lamp</mark> Oak","tall <mark>lamp</mark>"]}},
      {"_index":"products-v1","_id":"p2","_score":null,"_source":{"id":"p2","price":1e2},"sort":[5]}
    ]},
    "aggregations":{"in_stock":{"doc_count_error_upper_bound":0,"sum_other_doc_count":0,
      "buckets":[{"key":1,"key_as_string":"true","doc_count":7}]},
      "brand":{"buckets":[{"key":"acme","doc_count":3},{"key":"globex","doc_count":1}]},
      "stock":{"buckets":[{"key":12,"doc_count":2}]}}})";
  auto r = parse_search_response(response, {"brand", "in_stock", "stock", "rating"});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->found, 10000u);
  EXPECT_TRUE(r->found_is_estimate);
  ASSERT_EQ(r->hits.size(), 2u);
  EXPECT_EQ(r->hits[0].id, "p1");
  EXPECT_DOUBLE_EQ(r->hits[0].score, 2.5);
  EXPECT_EQ(r->hits[0].document, R"({"id":"p1","price":19.99,"name":"Lamp \"Oak\""})");
  ASSERT_EQ(r->hits[0].highlights.size(), 1u);
  EXPECT_EQ(r->hits[0].highlights[0].second, "<mark>Lamp</mark> Oak ... tall <mark>lamp</mark>");
  EXPECT_EQ(r->hits[1].document, R"({"id":"p2","price":1e2})");  // as sent, not re-written
  EXPECT_EQ(r->hits[1].score, 0);
  ASSERT_EQ(r->facets.size(), 4u);
  EXPECT_EQ(r->facets[0].first, "brand");
  EXPECT_EQ(r->facets[0].second, (std::vector<FacetValue>{{"acme", 3}, {"globex", 1}}));
  EXPECT_EQ(r->facets[1].second, (std::vector<FacetValue>{{"true", 7}}));
  EXPECT_EQ(r->facets[2].second, (std::vector<FacetValue>{{"12", 2}}));
  EXPECT_TRUE(r->facets[3].second.empty());  // not in the response
}

TEST(OpenSearchProtocol, WhatIsNotASearchResponseIsAnError) {
  for (std::string bad : {"", "[]", "{}", R"({"hits":[]})", R"({"hits":{"hits":[{"_id":3}]}})",
                          R"({"hits":{"total":{"value":"x"}}})", "{\"hits\":{"}) {
    EXPECT_FALSE(parse_search_response(bad, {})) << bad;
  }
  auto empty =
      parse_search_response(R"({"hits":{"total":{"value":0,"relation":"eq"},"hits":[]}})", {});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->found, 0u);
  EXPECT_FALSE(empty->found_is_estimate);
}

}  // namespace
}  // namespace tandem::search::opensearch
