// Search requests compiled to OpenSearch's Query DSL, without a server: each part of the
// language (words with their typo budget, the prefix word, phrases, exclusions, every filter
// shape, sort, facets, highlights, pages, the no-results fallback) becomes the clause
// OpenSearch documents for it, and every request the embedded engine refuses is refused here
// with the same message.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <memory>

#include "query/parse.h"
#include "search/opensearch/query.h"
#include "search/xapian/xapian_search.h"

namespace tandem::search::opensearch {
namespace {

const auto kProducts = std::make_shared<const schema::Collection>(schema::products_collection());

SearchRequest request(std::string_view q, std::string_view filter = "",
                      std::string_view sort = "") {
  SearchRequest r{.collection = kProducts};
  r.text = query::parse_text(q, true).value();
  if (!filter.empty()) r.filter = query::parse_filter(filter).value();
  if (!sort.empty()) r.sort = query::parse_sort(sort).value();
  return r;
}

// The compiled body, checked to be JSON, as compact text.
std::string compiled(const SearchRequest& r, std::size_t keep_words = SIZE_MAX) {
  auto body = search_body(r, keep_words);
  EXPECT_TRUE(body) << body.error().message();
  if (!body) return "";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  EXPECT_EQ(parser.parse(*body).get(doc), simdjson::SUCCESS) << *body;
  return *body;
}

// The "query" member of the body, as text.
std::string query_of(const SearchRequest& r, std::size_t keep_words = SIZE_MAX) {
  std::string body = compiled(r, keep_words);
  auto at = body.find("\"query\":{\"bool\"");
  EXPECT_NE(at, std::string::npos) << body;
  return at == std::string::npos ? "" : body.substr(at);
}

constexpr std::string_view kFields =
    R"("fields":["name^3","description","category.text","brand.text","tags.text"])";

TEST(OpenSearchQuery, WordsAreFuzzyMultiMatchesOverEverySearchableFieldWithWeights) {
  std::string q = query_of(request("usb cable", "", ""));
  std::string word = std::string(R"({"multi_match":{"query":"usb",)") + std::string(kFields) +
                     R"(,"operator":"and","fuzziness":"AUTO:5,9","max_expansions":10}})";
  EXPECT_NE(q.find(word), std::string::npos) << q;
  // The last word is the prefix one.
  std::string prefix = std::string(R"({"multi_match":{"query":"cable",)") + std::string(kFields) +
                       R"(,"type":"bool_prefix","operator":"and","max_expansions":100}})";
  EXPECT_NE(q.find(prefix), std::string::npos) << q;
}

TEST(OpenSearchQuery, TyposSetTheFuzzinessAndQueryByTheFields) {
  auto r = request("\"usb cable\" adapter -cheap -\"gift card\"");
  r.text.words.back().prefix = false;
  r.typos = 0;
  r.query_by = {"name", "brand"};
  std::string q = query_of(r);
  EXPECT_NE(q.find(R"({"multi_match":{"query":"adapter","fields":["name^3","brand.text"],)"
                   R"("operator":"and"}})"),
            std::string::npos)
      << q;
  EXPECT_NE(q.find(R"({"multi_match":{"query":"usb cable","fields":["name^3","brand.text"],)"
                   R"("type":"phrase"}})"),
            std::string::npos)
      << q;
  EXPECT_NE(q.find(R"("must_not":[{"multi_match":{"query":"cheap","fields":["name^3",)"
                   R"("brand.text"],"operator":"and"}},{"multi_match":{"query":"gift card",)"
                   R"("fields":["name^3","brand.text"],"type":"phrase"}}])"),
            std::string::npos)
      << q;
  r.typos = 2;
  EXPECT_NE(query_of(r).find(R"("fuzziness":"2")"), std::string::npos);
}

TEST(OpenSearchQuery, MatchAllAndTheNoResultsFallback) {
  EXPECT_NE(query_of(request("*")).find(R"("must":[{"match_all":{}}])"), std::string::npos);
  auto r = request("red usb cable");
  std::string two = query_of(r, 2);
  EXPECT_NE(two.find(R"("query":"red")"), std::string::npos);
  EXPECT_NE(two.find(R"("query":"usb")"), std::string::npos);
  EXPECT_EQ(two.find(R"("query":"cable")"), std::string::npos) << two;
}

TEST(OpenSearchQuery, FiltersBecomeTermsRangesAndBools) {
  auto filter_of = [](std::string_view f) {
    std::string body = compiled(request("*", f));
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(body);
    return simdjson::to_string(doc["query"]["bool"]["filter"].at(0));
  };
  EXPECT_EQ(filter_of("brand = Acme"),
            R"({"term":{"brand":{"value":"Acme","case_insensitive":true}}})");
  EXPECT_EQ(filter_of("price >= 10"), R"({"range":{"price":{"gte":10}}})");
  EXPECT_EQ(filter_of("price < 9.5"), R"({"range":{"price":{"lt":9.5}}})");
  EXPECT_EQ(filter_of("stock = 3"), R"({"range":{"stock":{"gte":3,"lte":3}}})");
  EXPECT_EQ(filter_of("in_stock = true"), R"({"term":{"in_stock":{"value":true}}})");
  EXPECT_EQ(filter_of("created_at > 2024-01-01T00:00:00Z"),
            R"({"range":{"created_at":{"gt":1704067200000,"format":"epoch_millis"}}})");
  EXPECT_EQ(filter_of("price 1 TO 2"), R"({"range":{"price":{"gte":1,"lte":2}}})");
  EXPECT_EQ(
      filter_of("brand != acme"),
      R"({"bool":{"must_not":[{"term":{"brand":{"value":"acme","case_insensitive":true}}}]}})");
  EXPECT_EQ(
      filter_of("tags IN [a, \"b c\"]"),
      R"({"bool":{"should":[{"term":{"tags":{"value":"a","case_insensitive":true}}},)"
      R"({"term":{"tags":{"value":"b c","case_insensitive":true}}}],"minimum_should_match":1}})");
  EXPECT_EQ(
      filter_of("NOT (price > 1 AND (stock < 2 OR in_stock = false))"),
      R"({"bool":{"must_not":[{"bool":{"filter":[{"range":{"price":{"gt":1}}},)"
      R"({"bool":{"should":[{"range":{"stock":{"lt":2}}},{"term":{"in_stock":{"value":false}}}],)"
      R"("minimum_should_match":1}}]}}]}})");
}

TEST(OpenSearchQuery, SortFacetsHighlightsAndPages) {
  auto r = request("cable", "", "price:desc,_score");
  r.facets = {"brand", "in_stock"};
  r.max_facet_values = 5;
  r.highlight = {"name", "brand"};
  r.page = 3;
  r.per_page = 20;
  std::string body = compiled(r);
  EXPECT_EQ(body.find(R"({"from":40,"size":20,"track_total_hits":10000,)"), 0u) << body;
  EXPECT_NE(body.find(R"("sort":[{"price":{"order":"desc","missing":"_last"}},{"_score":"desc"}])"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("brand":{"terms":{"field":"brand","size":5,"order":[{"_count":"desc"},)"
                      R"({"_key":"asc"}]}})"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("fields":{"name":{},"brand.text":{}})"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("pre_tags":["<mark>"],"post_tags":["</mark>"],"encoder":"html")"),
            std::string::npos);
  // Relevance first, then the key for ties; no sort at all for relevance alone.
  EXPECT_NE(compiled(request("cable", "", "_score,price"))
                .find(R"("sort":[{"_score":"desc"},{"price":{"order":"asc","missing":"_last"}}])"),
            std::string::npos);
  EXPECT_EQ(compiled(request("cable", "", "_score")).find("\"sort\""), std::string::npos);
  // Dates are counted as epoch milliseconds, as the embedded engine labels them.
  auto with_dates = schema::products_collection();
  for (auto& f : with_dates.fields)
    f.facet = f.facet || f.name == "created_at";
  auto dates = request("*");
  dates.collection = std::make_shared<const schema::Collection>(with_dates);
  dates.facets = {"created_at"};
  EXPECT_NE(
      compiled(dates).find(R"("terms":{"field":"created_at","size":10,"format":"epoch_millis")"),
      std::string::npos);
}

TEST(OpenSearchQuery, PagesEndAtTheResultWindow) {
  auto r = request("*");
  r.per_page = 250;
  r.page = 40;
  EXPECT_TRUE(search_body(r, SIZE_MAX));
  r.page = 41;
  auto refused = search_body(r, SIZE_MAX);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.error().message().find("max_result_window"), std::string::npos);
}

// Every request the embedded engine refuses, OpenSearch's compiler refuses with the same words.
TEST(OpenSearchQuery, RefusesWhatTheEmbeddedEngineRefusesAlike) {
  auto dir =
      std::filesystem::temp_directory_path() / ("tandem-os-query-" + std::to_string(::getpid()));
  auto xapian = XapianSearch::open(
      {.dir = dir.string(), .collection = [](std::string_view) { return kProducts; }});
  ASSERT_TRUE(xapian) << xapian.error().message();
  std::vector<SearchRequest> bad;
  for (auto f : {"nope = 1", "name = x", "price > cheap", "in_stock < true", "tags > a",
                 "created_at = yesterday", "in_stock = yes", "price 1 TO x"})
    bad.push_back(request("*", f));
  bad.push_back(request("*", "", "name"));
  bad.push_back(request("*", "", "nope:desc"));
  bad.push_back(request("cable"));
  bad.back().query_by = {"price"};
  bad.push_back(request("cable"));
  bad.back().query_by = {"nope"};
  bad.push_back(request("cable"));
  bad.back().facets = {"price"};
  bad.push_back(request("cable"));
  bad.back().highlight = {"price"};
  for (const auto& r : bad) {
    auto ours = search_body(r, SIZE_MAX);
    auto theirs = (*xapian)->search(r);
    ASSERT_FALSE(ours);
    ASSERT_FALSE(theirs);
    EXPECT_EQ(ours.error().code(), core::StatusCode::kInvalidArgument);
    EXPECT_EQ(ours.error().message(), theirs.error().message());
  }
  xapian->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tandem::search::opensearch
