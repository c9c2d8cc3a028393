// The search API over real HTTP: the demo's /search and /v1/collections/{c}/search, with writes
// made visible through ?wait=indexed, on each embedded engine (search.backend).
#include <gtest/gtest.h>

#include "integration/service_fixture.h"

namespace tandem {
namespace {

class SearchTest : public ServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  SearchTest() { config_.search.backend = GetParam(); }

  testing::HttpResponse get(const std::string& path) {
    auto res = http_get(port_, path);
    EXPECT_TRUE(res) << path;
    return res ? *res : testing::HttpResponse{};
  }

  testing::HttpResponse post(const std::string& path, const std::string& body) {
    HttpConnection conn(port_);
    auto res = conn.request("POST", path, kJson, body);
    EXPECT_TRUE(res) << path;
    return res ? *res : testing::HttpResponse{};
  }

  void load() {
    auto res = post(kRecords + "?wait=indexed", R"([
      {"id":"e1","name":"USB-C Cable","category":"electronics","brand":"Acme","price":9.99,"tags":["usb-c","charging"]},
      {"id":"e2","name":"Wireless Headphones","description":"Noise cancelling over-ear headphones","category":"electronics","brand":"Voltix","price":199.5},
      {"id":"k1","name":"Cast Iron Pan","category":"home","brand":"Hearth","price":35},
      {"id":"b1","name":"The Electronics Handbook","category":"books","brand":"Atlas House","price":59}])");
    ASSERT_EQ(res.status, 200) << res.body;
    ASSERT_NE(res.body.find(R"("indexed":true)"), std::string::npos) << res.body;
  }
};

TEST_P(SearchTest, WaitIndexedMakesAWriteSearchableAtOnce) {
  start();
  auto res =
      post(kRecords + "?wait=indexed",
           R"({"id":"x1","name":"Zanzibar Lamp","category":"home","brand":"Oak","price":1})");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"id":"x1","seq":1,"indexed":true})");
  auto found = get("/search?q=zanzibar");
  EXPECT_NE(found.body.find(R"("found":1,)"), std::string::npos) << found.body;
  EXPECT_EQ(post(kRecords + "?wait=soon", "{}").status, 400);
}

TEST_P(SearchTest, DemoEndpointListsAndFindsCategories) {
  start();
  load();
  auto all = get("/search?q=*");
  EXPECT_EQ(all.status, 200);
  EXPECT_TRUE(all.body.starts_with(R"({"found":4,"page":1,"per_page":10,"took_ms":)")) << all.body;
  auto electronics = get("/search?q=electronics&per_page=10");
  // The category is a searchable keyword, and one book has the word in its title.
  EXPECT_NE(electronics.body.find(R"("found":3)"), std::string::npos) << electronics.body;
}

TEST_P(SearchTest, FullSearchReturnsHitsFacetsAndHighlights) {
  start();
  load();
  auto res = get("/v1/collections/products/search?q=headphones&highlight=name&facets=category");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(R"("hits":[{"id":"e2","score":)"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(R"("document":{"id":"e2","name":"Wireless Headphones")"),
            std::string::npos);
  EXPECT_NE(res.body.find(R"("highlights":{"name":"Wireless <mark>Headphones</mark>"})"),
            std::string::npos)
      << res.body;
  EXPECT_NE(res.body.find(R"("facets":{"category":[{"value":"electronics","count":1}]})"),
            std::string::npos);
}

TEST_P(SearchTest, FilterSortAndPaging) {
  start();
  load();
  auto res =
      get("/v1/collections/products/"
          "search?q=*&filter=price%20%3C%20100%20AND%20category%20IN%20%5Belectronics%2C%20home%5D"
          "&sort=price:desc&per_page=1&page=2");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find(R"("found":2,"page":2,"per_page":1)"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find(R"("hits":[{"id":"e1")"), std::string::npos) << res.body;
}

TEST_P(SearchTest, BadParametersAre400WithThePosition) {
  start();
  load();
  struct Case {
    std::string query;
    std::string code;
    std::string detail;
  };
  std::vector<Case> cases = {
      {"q=%22unterminated", "invalid_query", R"("parameter":"q","position":0)"},
      {"q=*&filter=price%20%3E%3D", "invalid_filter", R"("parameter":"filter")"},
      {"q=*&filter=colour%20%3D%20red", "invalid_argument", "unknown field 'colour' at position 0"},
      {"q=*&sort=price:sideways", "invalid_sort", R"("parameter":"sort")"},
      {"q=*&sort=name:asc", "invalid_argument", "not sortable"},
      {"q=*&per_page=251", "invalid_argument", "per_page"},
      {"q=*&page=0", "invalid_argument", "page"},
      {"q=*&typos=3", "invalid_argument", "typos"},
      {"q=lamp&ranking=exact,words", "invalid_argument", "unknown rule 'words'"},
      {"q=lamp&ranking=field,field", "invalid_argument", "named twice"},
      {"q=*&facets=name", "invalid_argument", "not a facet"},
  };
  for (const auto& c : cases) {
    auto res = get("/v1/collections/products/search?" + c.query);
    EXPECT_EQ(res.status, 400) << c.query << " -> " << res.body;
    EXPECT_NE(res.body.find("\"code\":\"" + c.code + "\""), std::string::npos)
        << c.query << " -> " << res.body;
    EXPECT_NE(res.body.find(c.detail), std::string::npos) << c.query << " -> " << res.body;
  }
  EXPECT_EQ(get("/v1/collections/nope/search?q=*").status, 404);
  auto past_end = get("/search?q=*&page=99");
  EXPECT_EQ(past_end.status, 200);
  EXPECT_NE(past_end.body.find(R"("hits":[])"), std::string::npos);
}

TEST_P(SearchTest, DeletedRecordsLeaveTheIndex) {
  start();
  load();
  HttpConnection conn(port_);
  auto del = conn.request("DELETE", kRecords + "/k1?wait=indexed");
  ASSERT_EQ(del->status, 200) << del->body;
  EXPECT_NE(get("/search?q=pan").body.find(R"("found":0)"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Engines, SearchTest, ::testing::Values("xapian", "native"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace tandem
