// The SearchBackend contract: every backend runs this suite (Xapian and native always; OpenSearch
// when TANDEM_TEST_OPENSEARCH_URL is set). Capability flags skip what a backend cannot do, visibly
// and with the reason; a factory that cannot open its backend fails the test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <random>
#include <set>
#include <thread>

#include "net/http_client.h"
#include "query/parse.h"
#include "search/native/native_search.h"
#include "search/opensearch/opensearch_search.h"
#include "search/xapian/xapian_search.h"
#include "support/temp_dir.h"

namespace tandem::search {
namespace {

// What a backend can do, for the tests that need it.
struct SearchCapabilities {
  bool exact_counts = true;     // `found` exact up to 10,000 matches (OpenSearch: track_total_hits)
  bool typos = true;            // typo tolerance by word length
  bool stems = true;            // a word's other forms match (the language's stemmer)
  bool highlights = true;       // <mark> snippets of requested fields
  bool atomic_rebuild = false;  // searches see the old documents until a rebuild finishes
};

struct BackendFactory {
  std::string name;
  std::function<core::Result<std::unique_ptr<SearchBackend>>(
      const std::string& dir,
      std::function<std::shared_ptr<const schema::Collection>(std::string_view)>)>
      make;
  SearchCapabilities can;
};

#define REQUIRE_CAPABILITY(flag, reason) \
  if (!GetParam().can.flag) GTEST_SKIP() << GetParam().name << " cannot: " << (reason)

std::shared_ptr<const schema::Collection> books_schema() {
  auto c = schema::collection_from_json(R"({"name":"books","fields":[
    {"name":"title","type":"text","weight":3},
    {"name":"blurb","type":"text","optional":true},
    {"name":"genre","type":"keyword","facet":true,"searchable":true},
    {"name":"tags","type":"keyword[]","facet":true,"optional":true},
    {"name":"year","type":"int","sort":true,"facet":true,"optional":true},
    {"name":"price","type":"float","sort":true,"optional":true},
    {"name":"ebook","type":"bool","facet":true,"optional":true},
    {"name":"published","type":"timestamp","sort":true,"optional":true}]})");
  return std::make_shared<const schema::Collection>(*c);
}

class SearchContract : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    auto backend = GetParam().make(dir_.path().string(), [this](std::string_view name) {
      return name == "books" && !dropped_ ? books_ : nullptr;
    });
    ASSERT_TRUE(backend) << "cannot open " << GetParam().name << ": " << backend.error().message();
    backend_ = std::move(*backend);
  }

  // Applies upserts with consecutive seqs.
  void put(const std::vector<std::pair<std::string, std::string>>& records) {
    std::vector<changes::Change> changes;
    for (const auto& [id, body] : records) {
      changes.push_back({.seq = ++seq_,
                         .collection = "books",
                         .id = id,
                         .op = changes::ChangeOp::kUpsert,
                         .body = R"({"id":")" + id + "\"," + body + "}"});
    }
    auto r = backend_->apply(changes);
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_TRUE(r->empty());
    wait_visible(seq_);
  }

  void apply_one(changes::Change c) {
    std::vector<changes::Change> one{std::move(c)};
    auto seq = one.front().seq;
    ASSERT_TRUE(backend_->apply(one));
    wait_visible(seq);
  }

  // Searches see what was applied once unseen_from() says so (OpenSearch: after a refresh).
  void wait_visible(std::uint64_t seq) {
    auto seen = [&] {
      auto unseen = backend_->unseen_from();
      return unseen == 0 || unseen > seq;
    };
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!seen() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(seen()) << "applied changes never became visible";
  }

  // Runs a search given the API's textual parameters.
  core::Result<SearchResult> find(const std::string& q, const std::string& filter = "",
                                  const std::string& sort = "",
                                  std::function<void(SearchRequest&)> more = {}) {
    SearchRequest r{.collection = books_, .text = *query::parse_text(q, true)};
    if (!filter.empty()) {
      auto f = query::parse_filter(filter);
      EXPECT_TRUE(f) << f.error().message;
      r.filter = std::move(*f);
    }
    if (!sort.empty()) r.sort = *query::parse_sort(sort);
    if (more) more(r);
    return backend_->search(r);
  }

  std::vector<std::string> ids(const core::Result<SearchResult>& r) {
    std::vector<std::string> out;
    if (!r) return {"error: " + r.error().message()};
    for (const auto& h : r->hits)
      out.push_back(h.id);
    return out;
  }

  void load_library() {
    put({{"b1",
          R"("title":"The Rust Programming Language","genre":"programming","tags":["rust","systems"],"year":2019,"price":39.99,"ebook":true,"published":"2019-08-12T00:00:00Z")"},
         {"b2",
          R"("title":"Programming in Lua","genre":"programming","tags":["lua"],"year":2016,"price":45.5,"ebook":false,"published":"2016-07-01T00:00:00Z")"},
         {"b3",
          R"("title":"A Field Guide to Birds","blurb":"Running commentary on rust coloured birds","genre":"nature","tags":["birds"],"year":2001,"price":19.0,"ebook":false)"},
         {"b4",
          R"("title":"Cooking for Runners","genre":"cooking","tags":["food","running"],"year":2021,"price":25,"ebook":true,"published":"2021-03-05T10:00:00Z")"},
         {"b5", R"("title":"Headphones and Acoustics","genre":"audio","year":2010)"}});
  }

  testing::TempDir dir_;
  std::shared_ptr<const schema::Collection> books_ = books_schema();
  bool dropped_ = false;
  std::unique_ptr<SearchBackend> backend_;
  std::uint64_t seq_ = 0;
};

TEST_P(SearchContract, AWorkingBackendPassesItsCheck) {
  auto st = backend_->check();
  EXPECT_TRUE(st.is_ok()) << st.message();
}

TEST_P(SearchContract, MatchAllListsEverything) {
  load_library();
  auto r = find("*");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->found, 5u);
  EXPECT_FALSE(r->found_is_estimate);
  EXPECT_EQ(backend_->unseen_from(), 0u);  // put() waited until searches see everything
}

TEST_P(SearchContract, EveryWordMustMatch) {
  load_library();
  EXPECT_EQ(ids(find("programming rust")), std::vector<std::string>{"b1"});
  EXPECT_EQ(find("programming")->found, 2u);
}

TEST_P(SearchContract, PhrasesNeedAdjacentWords) {
  load_library();
  EXPECT_EQ(ids(find("\"programming language\"")), std::vector<std::string>{"b1"});
  EXPECT_EQ(find("\"language programming\"")->found, 0u);
}

TEST_P(SearchContract, ExclusionRemovesMatches) {
  load_library();
  EXPECT_EQ(ids(find("programming -lua")), std::vector<std::string>{"b1"});
  EXPECT_EQ(ids(find("programming -\"in lua\"")), std::vector<std::string>{"b1"});
}

TEST_P(SearchContract, LastWordIsAPrefix) {
  load_library();
  EXPECT_EQ(ids(find("headph")), std::vector<std::string>{"b5"});
  auto off = find("headph", "", "",
                  [](SearchRequest& r) { r.text = *query::parse_text("headph", false); });
  EXPECT_EQ(off->found, 0u);
}

TEST_P(SearchContract, TyposAreToleratedByLength) {
  REQUIRE_CAPABILITY(typos, "it has no typo tolerance");
  load_library();
  EXPECT_EQ(ids(find("acoustcs and")), std::vector<std::string>{"b5"});     // 1 typo, 9 letters
  EXPECT_EQ(ids(find("progrmaming lua")), std::vector<std::string>{"b2"});  // transposition
  EXPECT_EQ(ids(find("acoustcs")), std::vector<std::string>{"b5"});         // the prefix word, too
  EXPECT_EQ(find("lau guide")->found, 0u);  // 3 letters: no typo budget, "lau" != "lua"
  auto none = find("acoustcs and", "", "", [](SearchRequest& r) { r.typos = 0; });
  EXPECT_EQ(none->found, 0u);
}

TEST_P(SearchContract, StemmedFormsMatch) {
  REQUIRE_CAPABILITY(stems, "it does not stem");
  load_library();
  auto r = find("runner");
  EXPECT_EQ(ids(r), std::vector<std::string>{"b4"});  // "Runners"
  EXPECT_EQ(find("cook")->found, 1u);                 // "Cooking"
}

TEST_P(SearchContract, QueryByLimitsFields) {
  load_library();
  EXPECT_EQ(find("rust")->found, 2u);  // b1 title, b3 blurb
  auto title = find("rust", "", "", [](SearchRequest& r) { r.query_by = {"title"}; });
  EXPECT_EQ(ids(title), std::vector<std::string>{"b1"});
  auto genre = find("nature", "", "", [](SearchRequest& r) { r.query_by = {"genre"}; });
  EXPECT_EQ(ids(genre), std::vector<std::string>{"b3"});  // searchable keyword
}

TEST_P(SearchContract, FiltersOnEveryType) {
  load_library();
  EXPECT_EQ(find("*", "genre = programming")->found, 2u);
  EXPECT_EQ(find("*", "genre = PROGRAMMING")->found, 2u);  // keywords match case-insensitively
  EXPECT_EQ(find("*", "genre != programming")->found, 3u);
  EXPECT_EQ(find("*", "tags = running")->found, 1u);  // any element of a keyword[]
  EXPECT_EQ(find("*", "year >= 2016")->found, 3u);
  EXPECT_EQ(find("*", "year > 2016")->found, 2u);
  EXPECT_EQ(find("*", "year < 2016")->found, 2u);
  EXPECT_EQ(find("*", "year <= 2016")->found, 3u);
  EXPECT_EQ(find("*", "price 19 TO 40")->found, 3u);
  EXPECT_EQ(find("*", "price > 39.99")->found, 1u);
  EXPECT_EQ(find("*", "ebook = true")->found, 2u);
  EXPECT_EQ(find("*", "NOT ebook = true")->found, 3u);
  EXPECT_EQ(find("*", "genre IN [cooking, audio]")->found, 2u);
  EXPECT_EQ(find("*", "published >= 2020-01-01T00:00:00Z")->found, 1u);
  EXPECT_EQ(find("*", "(genre = programming OR genre = nature) AND price < 40")->found, 2u);
  EXPECT_EQ(ids(find("programming", "year = 2016")), std::vector<std::string>{"b2"});
}

// Filters, facets and sorts see every later write: updates, deletes and new records.
TEST_P(SearchContract, FiltersFollowUpdatesAndDeletes) {
  load_library();
  EXPECT_EQ(find("*", "year >= 2019")->found, 2u);  // b1 2019, b4 2021
  put({{"b3", R"("title":"A Field Guide to Birds","genre":"nature","year":2030,"price":19.0)"},
       {"b6", R"("title":"New Arrivals","genre":"Nature","year":2025)"}});
  apply_one({.seq = ++seq_, .collection = "books", .id = "b4", .op = changes::ChangeOp::kDelete});
  EXPECT_EQ(ids(find("*", "year >= 2019", "year:desc")),
            (std::vector<std::string>{"b3", "b6", "b1"}));
  auto r = find("*", "genre = nature", "", [](SearchRequest& req) { req.facets = {"genre"}; });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->found, 2u);
  ASSERT_EQ(r->facets[0].second.size(), 2u);  // values as written: "Nature" and "nature"
}

// A keyword list with more distinct values than the in-memory columns keep is still filtered.
TEST_P(SearchContract, KeywordListsWithManyValuesFilter) {
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 80; ++i) {
    many.emplace_back("k" + std::to_string(i), R"("title":"Tagged","genre":"x","tags":["t)" +
                                                   std::to_string(i) + R"(","common"])");
  }
  put(many);
  EXPECT_EQ(find("*", "tags = t71")->found, 1u);
  EXPECT_EQ(find("*", "tags = common")->found, 80u);
  auto r = find("*", "", "", [](SearchRequest& req) { req.facets = {"tags"}; });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->facets[0].second[0].value, "common");
  EXPECT_EQ(r->facets[0].second[0].count, 80u);
  auto text = find("tagged", "tags IN [t1, t2, t3]", "", [](SearchRequest& req) {
    req.facets = {"tags", "genre"};
  });
  ASSERT_TRUE(text) << text.error().message();
  EXPECT_EQ(text->found, 3u);
  EXPECT_EQ(text->facets[0].second[0].value, "common");
  EXPECT_EQ(text->facets[0].second[0].count, 3u);
  EXPECT_EQ(text->facets[0].second.size(), 4u);
  EXPECT_EQ(text->facets[1].second[0].count, 3u);
}

// `found` is exact up to at least 10,000 matches, whatever the query and however the matches
// spread over the backend's shards; above that it may be an estimate, and says so.
TEST_P(SearchContract, FoundIsExactUpToTenThousand) {
  REQUIRE_CAPABILITY(exact_counts, "it estimates match counts");
  std::vector<std::pair<std::string, std::string>> records;
  std::mt19937_64 ids(7);  // random ids: matches spread unevenly over shards, as in real data
  for (int i = 0; i < 20100; ++i) {
    std::string title = i % 5 == 0 ? "desk" : "lamp";  // "lamp" in 80%: it only filters
    if (i < 10000) title += i % 7 == 0 ? " amber amber amber" : " amber";  // under half: weighed
    if (i < 9990) title += " red glow";
    records.emplace_back(
        std::to_string(i % 7) + "-" + std::to_string(ids()),
        R"("title":")" + title + R"(","genre":")" + (i < 12490 ? "home" : "garden") + "\"");
  }
  put(records);
  auto amber = find("amber", "", "", [](SearchRequest& r) { r.per_page = 50; });
  ASSERT_TRUE(amber) << amber.error().message();
  EXPECT_EQ(amber->found, 10000u);
  EXPECT_FALSE(amber->found_is_estimate);
  for (std::size_t i = 1; i < amber->hits.size(); ++i)
    EXPECT_GE(amber->hits[i - 1].score, amber->hits[i].score);
  EXPECT_EQ(amber->hits[0].id.substr(0, 2), "0-");  // the most ambers rank first

  auto phrase = find("\"red glow\"");
  ASSERT_TRUE(phrase);
  EXPECT_EQ(phrase->found, 9990u);
  EXPECT_FALSE(phrase->found_is_estimate);

  // Unscored, so a match that may stop once it has counted enough: 9,992 records.
  auto filtered = find("lamp", "genre = home");
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->found, 9992u);
  EXPECT_FALSE(filtered->found_is_estimate);

  auto lamp = find("lamp");
  ASSERT_TRUE(lamp);
  EXPECT_TRUE(lamp->found == 16080u || lamp->found_is_estimate) << lamp->found;
}

// Searches run while changes apply (run under ThreadSanitizer in CI): every answer is well formed
// and the last one counts every record.
TEST_P(SearchContract, ConcurrentSearchesAndWrites) {
  load_library();
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 150; ++i) {
      put({{"w" + std::to_string(i), R"("title":"Serial )" + std::to_string(i) +
                                         R"(","genre":"serial","year":)" +
                                         std::to_string(2000 + i % 10)}});
    }
    done = true;
  });
  auto reader = [&] {
    while (!done) {
      auto r = find("*", "genre = serial", "year:desc",
                    [](SearchRequest& req) { req.facets = {"year"}; });
      ASSERT_TRUE(r) << r.error().message();
      EXPECT_LE(r->found, 150u);
      auto text = find("serial");
      ASSERT_TRUE(text) << text.error().message();
    }
  };
  std::thread a(reader), b(reader);
  writer.join();
  a.join();
  b.join();
  EXPECT_EQ(find("*", "genre = serial")->found, 150u);
}

TEST_P(SearchContract, SortsByFieldsWithMissingValuesLast) {
  load_library();
  EXPECT_EQ(ids(find("*", "", "price:asc")),
            (std::vector<std::string>{"b3", "b4", "b1", "b2", "b5"}));
  EXPECT_EQ(ids(find("*", "", "price:desc")),
            (std::vector<std::string>{"b2", "b1", "b4", "b3", "b5"}));
  EXPECT_EQ(ids(find("*", "", "year:desc,price:asc")),
            (std::vector<std::string>{"b4", "b1", "b2", "b5", "b3"}));
  EXPECT_EQ(ids(find("programming", "", "_score,year:asc")).size(), 2u);
}

// Words sorted by fields: ties on the fields are broken by relevance, documents without a value
// come last, and pages cut through a tie without losing or repeating a match.
TEST_P(SearchContract, WordsSortedByFieldsBreakTiesByRelevance) {
  put({{"s1",
        R"("title":"Kitchen knives","blurb":"a garden of blades","genre":"home","price":10,"year":2001)"},
       {"s2", R"("title":"Garden shears","genre":"tools","price":10,"year":2001)"},
       {"s3", R"("title":"Garden hose","genre":"tools","price":5,"year":2001)"},
       {"s4", R"("title":"Kitchen timer","blurb":"garden","genre":"home","price":1,"year":1999)"},
       {"s5", R"("title":"Garden gnome","genre":"tools")"},
       {"s6", R"("title":"Kitchen sink","genre":"home","price":2)"}});
  std::vector<std::pair<std::string, std::string>> others;  // so that "garden" has a weight
  for (int i = 0; i < 6; ++i)
    others.emplace_back("k" + std::to_string(i), R"("title":"Kitchen scale","genre":"home")");
  put(others);
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids(find("garden", "", "price:asc")), (Ids{"s4", "s3", "s2", "s1", "s5"}));
  EXPECT_EQ(ids(find("garden", "", "price:desc")), (Ids{"s2", "s1", "s3", "s4", "s5"}));
  EXPECT_EQ(ids(find("garden", "", "year:desc,price:desc")), (Ids{"s2", "s1", "s3", "s4", "s5"}));
  EXPECT_EQ(ids(find("garden", "genre = home", "price:asc")), (Ids{"s4", "s1"}));
  Ids paged;
  for (std::size_t n = 1; n <= 3; ++n) {
    auto page = find("garden", "", "price:asc", [n](SearchRequest& r) {
      r.page = n;
      r.per_page = 3;
      r.facets = {"genre"};
    });
    ASSERT_TRUE(page) << page.error().message();
    EXPECT_EQ(page->found, 5u);
    EXPECT_EQ(page->facets[0].second, (std::vector<FacetValue>{{"tools", 3}, {"home", 2}}));
    for (const auto& h : page->hits) {
      paged.push_back(h.id);
      EXPECT_GT(h.score, 0) << h.id;
    }
  }
  EXPECT_EQ(paged, (Ids{"s4", "s3", "s2", "s1", "s5"}));
}

TEST_P(SearchContract, FacetsCountEveryMatch) {
  load_library();
  auto r = find("*", "", "", [](SearchRequest& req) {
    req.facets = {"genre", "tags", "ebook", "year"};
  });
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->facets.size(), 4u);
  EXPECT_EQ(r->facets[0].first, "genre");
  EXPECT_EQ(r->facets[0].second[0].value, "programming");
  EXPECT_EQ(r->facets[0].second[0].count, 2u);
  EXPECT_EQ(r->facets[1].second.size(), 6u);  // rust systems lua birds food running
  EXPECT_EQ(r->facets[2].second[0].value, "false");
  EXPECT_EQ(r->facets[2].second[0].count, 2u);
  EXPECT_EQ(r->facets[3].second.size(), 5u);
  auto top = find("*", "", "", [](SearchRequest& req) {
    req.facets = {"genre"};
    req.max_facet_values = 1;
    req.per_page = 0;
  });
  ASSERT_EQ(top->facets[0].second.size(), 1u);
  EXPECT_TRUE(top->hits.empty());
  EXPECT_EQ(top->found, 5u);
}

// Facets of a text query count every match of the words (and the filter), not only the page.
TEST_P(SearchContract, FacetsOfATextQueryCountEveryMatch) {
  load_library();
  auto r = find("programming", "", "", [](SearchRequest& req) {
    req.facets = {"genre", "tags", "ebook", "year"};
    req.per_page = 1;
  });
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->found, 2u);
  EXPECT_FALSE(r->found_is_estimate);
  EXPECT_EQ(r->hits.size(), 1u);
  ASSERT_EQ(r->facets.size(), 4u);
  EXPECT_EQ(r->facets[0].second,
            (std::vector<FacetValue>{{"programming", 2}}));  // both, though one is on the page
  EXPECT_EQ(r->facets[1].second.size(), 3u);                 // rust systems lua
  EXPECT_EQ(r->facets[2].second, (std::vector<FacetValue>{{"false", 1}, {"true", 1}}));
  EXPECT_EQ(r->facets[3].second, (std::vector<FacetValue>{{"2016", 1}, {"2019", 1}}));
  auto filtered =
      find("rust", "ebook = true", "", [](SearchRequest& req) { req.facets = {"genre"}; });
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->found, 1u);  // b1 (b3 has rust too, in its blurb, but is no ebook)
  EXPECT_EQ(filtered->facets[0].second, (std::vector<FacetValue>{{"programming", 1}}));
  // A filter nothing passes: no hits, and each facet without values.
  for (const auto* q : {"rust", "*"}) {
    auto none = find(q, "year > 3000", "", [](SearchRequest& req) { req.facets = {"genre"}; });
    ASSERT_TRUE(none) << q << ": " << none.error().message();
    EXPECT_EQ(none->found, 0u) << q;
    EXPECT_TRUE(none->hits.empty()) << q;
    ASSERT_EQ(none->facets.size(), 1u) << q;
    EXPECT_TRUE(none->facets[0].second.empty()) << q;
  }
}

// Words with a filter on values: every match and only those, over pages, after deletes too.
TEST_P(SearchContract, WordsWithARangeFilterFindExactlyTheirMatches) {
  std::vector<std::pair<std::string, std::string>> lamps;
  for (int i = 0; i < 300; ++i) {
    lamps.emplace_back("l" + std::to_string(i),
                       R"("title":"Lamp )" + std::string(i % 3 == 0 ? "brass" : "steel") +
                           R"(","genre":"home","price":)" + std::to_string(i));
  }
  put(lamps);
  auto all_pages = [&](const std::string& q, const std::string& filter) {
    std::set<std::string> seen;
    std::uint64_t found = 0;
    for (std::size_t page = 1; page <= 10; ++page) {
      auto r = find(q, filter, "", [&](SearchRequest& req) {
        req.page = page;
        req.per_page = 40;
      });
      EXPECT_TRUE(r) << r.error().message();
      if (!r) break;
      found = r->found;
      for (const auto& h : r->hits)
        EXPECT_TRUE(seen.insert(h.id).second) << h.id;
    }
    EXPECT_EQ(found, seen.size());
    return seen;
  };
  auto expected = [](int from, int to, bool brass_only) {
    std::set<std::string> out;
    for (int i = from; i < to; ++i)
      if (!brass_only || i % 3 == 0) out.insert("l" + std::to_string(i));
    return out;
  };
  EXPECT_EQ(all_pages("lamp", "price >= 100 AND price < 250"), expected(100, 250, false));
  EXPECT_EQ(all_pages("brass lamp", "price 70 TO 199"), expected(70, 200, true));
  EXPECT_EQ(all_pages("lamp", "price > 1000").size(), 0u);
  for (int i = 100; i < 110; ++i) {
    apply_one({.seq = ++seq_,
               .collection = "books",
               .id = "l" + std::to_string(i),
               .op = changes::ChangeOp::kDelete});
  }
  EXPECT_EQ(all_pages("lamp", "price >= 100 AND price < 250"), expected(110, 250, false));
}

TEST_P(SearchContract, PagesDoNotOverlapAndEndEmpty) {
  load_library();
  auto page = [&](std::size_t n) {
    return ids(find("*", "", "price:asc", [n](SearchRequest& r) {
      r.page = n;
      r.per_page = 2;
    }));
  };
  EXPECT_EQ(page(1), (std::vector<std::string>{"b3", "b4"}));
  EXPECT_EQ(page(2), (std::vector<std::string>{"b1", "b2"}));
  EXPECT_EQ(page(3), (std::vector<std::string>{"b5"}));
  EXPECT_TRUE(page(4).empty());
}

// An unscored query (`*`, or filters alone) lists matches in one stable order: pages cover every
// match once, and the order is the same whichever way the engine evaluates it (facets make the
// Xapian backend match every shard together instead of each on its own).
TEST_P(SearchContract, UnscoredPagesCoverEveryMatchOnceInOneOrder) {
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 31; ++i)
    many.emplace_back("m" + std::to_string(i), R"("title":"Volume )" + std::to_string(i) +
                                                   R"(","genre":"serial","year":)" +
                                                   std::to_string(1990 + i % 7));
  put(many);
  auto page = [&](std::size_t n, std::size_t size, bool facets) {
    return ids(find("*", "genre = serial", "", [=](SearchRequest& r) {
      r.page = n;
      r.per_page = size;
      if (facets) r.facets = {"year"};
    }));
  };
  auto all = page(1, 50, false);
  ASSERT_EQ(all.size(), 31u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 31u);
  EXPECT_EQ(page(1, 50, true), all);
  std::vector<std::string> paged;
  for (std::size_t n = 1; n <= 5; ++n) {
    auto p = page(n, 7, false);
    paged.insert(paged.end(), p.begin(), p.end());
  }
  EXPECT_EQ(paged, all);
  auto r = find("*", "genre = serial");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->found, 31u);
  EXPECT_FALSE(r->found_is_estimate);
}

TEST_P(SearchContract, HighlightsMarkMatches) {
  REQUIRE_CAPABILITY(highlights, "it does not highlight");
  load_library();
  auto r = find("rust", "", "", [](SearchRequest& req) { req.highlight = {"title", "blurb"}; });
  ASSERT_TRUE(r);
  for (const auto& h : r->hits) {
    ASSERT_FALSE(h.highlights.empty()) << h.id;
    EXPECT_NE(h.highlights[0].second.find("<mark>"), std::string::npos) << h.highlights[0].second;
  }
}

TEST_P(SearchContract, NoResultsFallsBackToFewerWords) {
  load_library();
  auto r = find("programming rust zebra");
  ASSERT_TRUE(r);
  EXPECT_EQ(ids(r), std::vector<std::string>{"b1"});
  EXPECT_EQ(r->dropped_words, std::vector<std::string>{"zebra"});
}

TEST_P(SearchContract, UpdatesReplaceAndDeletesRemove) {
  load_library();
  put({{"b2", R"("title":"Programming in Python","genre":"programming")"}});
  EXPECT_EQ(find("lua")->found, 0u);
  EXPECT_EQ(ids(find("python")), std::vector<std::string>{"b2"});
  apply_one({.seq = ++seq_, .collection = "books", .id = "b2", .op = changes::ChangeOp::kDelete});
  EXPECT_EQ(find("python")->found, 0u);
  EXPECT_EQ(find("*")->found, 4u);
}

TEST_P(SearchContract, AnOlderVersionNeverReplacesANewerOne) {
  load_library();
  apply_one({.seq = 100,
             .collection = "books",
             .id = "b9",
             .op = changes::ChangeOp::kUpsert,
             .body = R"({"id":"b9","title":"Newer Title","genre":"x"})"});
  apply_one({.seq = 50,
             .collection = "books",
             .id = "b9",
             .op = changes::ChangeOp::kUpsert,
             .body = R"({"id":"b9","title":"Older Title","genre":"x"})"});
  apply_one({.seq = 60, .collection = "books", .id = "b9", .op = changes::ChangeOp::kDelete});
  EXPECT_EQ(ids(find("newer")), std::vector<std::string>{"b9"});
  EXPECT_EQ(find("older")->found, 0u);
}

TEST_P(SearchContract, ApplyingTheSameChangesAgainChangesNothing) {
  load_library();
  std::vector<changes::Change> again{{.seq = 1,
                                      .collection = "books",
                                      .id = "b1",
                                      .op = changes::ChangeOp::kUpsert,
                                      .body = R"({"id":"b1","title":"Replaced","genre":"x"})"}};
  ASSERT_TRUE(backend_->apply(again));
  EXPECT_EQ(find("replaced")->found, 0u);
  EXPECT_EQ(find("*")->found, 5u);
}

TEST_P(SearchContract, DroppingACollectionEmptiesIt) {
  load_library();
  dropped_ = true;
  apply_one({.seq = ++seq_, .collection = "books", .op = changes::ChangeOp::kDrop});
  dropped_ = false;
  EXPECT_EQ(find("*")->found, 0u);
  put({{"n1", R"("title":"After the drop","genre":"x")"}});
  EXPECT_EQ(find("*")->found, 1u);
}

// What `tandem reindex` relies on: a rebuild's documents replace the collection's when it
// finishes (and the generation says so, so cached responses go), count() sees what was applied,
// and a rebuild of an empty collection is fine.
TEST_P(SearchContract, ARebuildReplacesOneCollectionAndCountFollows) {
  auto never = backend_->count("books");
  ASSERT_TRUE(never) << never.error().message();
  EXPECT_EQ(*never, 0u);
  load_library();
  auto loaded = backend_->count("books");
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(*loaded, 5u);
  auto before = backend_->generation("books");
  auto rebuild = backend_->rebuild("books");
  ASSERT_TRUE(rebuild) << rebuild.error().message();
  std::vector<changes::Change> docs{
      {.seq = 2,
       .collection = "books",
       .id = "b2",
       .op = changes::ChangeOp::kUpsert,
       .body = R"({"id":"b2","title":"Programming in Lua","genre":"programming"})"},
      {.seq = 4,
       .collection = "books",
       .id = "b4",
       .op = changes::ChangeOp::kUpsert,
       .body = R"({"id":"b4","title":"Cooking for Runners","genre":"cooking"})"}};
  ASSERT_TRUE((*rebuild)->apply(docs));
  if (GetParam().can.atomic_rebuild) {
    EXPECT_EQ(*backend_->count("books"), 5u);  // the old index still answers
  }
  ASSERT_TRUE((*rebuild)->finish().is_ok());
  wait_visible(seq_);
  EXPECT_GT(backend_->generation("books"), before);
  EXPECT_EQ(*backend_->count("books"), 2u);
  EXPECT_EQ(ids(find("programming")), std::vector<std::string>{"b2"});
  EXPECT_EQ(find("rust")->found, 0u);
  auto empty = backend_->rebuild("nothing");
  ASSERT_TRUE(empty) << empty.error().message();
  ASSERT_TRUE((*empty)->finish().is_ok());
}

TEST_P(SearchContract, GenerationGrowsWithEveryChangeAndIsNeverReused) {
  auto g0 = backend_->generation("books");
  load_library();
  auto g1 = backend_->generation("books");
  EXPECT_GT(g1, g0);
  EXPECT_EQ(backend_->generation("books"), g1);  // stable while nothing changes
  dropped_ = true;
  apply_one({.seq = ++seq_, .collection = "books", .op = changes::ChangeOp::kDrop});
  dropped_ = false;
  auto g2 = backend_->generation("books");
  EXPECT_GT(g2, g1);
  put({{"n1", R"("title":"Again","genre":"x")"}});
  EXPECT_GT(backend_->generation("books"), g2);
}

TEST_P(SearchContract, StoredDocumentComesBackWhole) {
  put({{"d1", R"("title":"Precise","genre":"x","price":19.990)"}});
  auto r = find("precise");
  ASSERT_EQ(r->hits.size(), 1u);
  EXPECT_EQ(r->hits[0].document, R"({"id":"d1","title":"Precise","genre":"x","price":19.990})");
}

TEST_P(SearchContract, InvalidFieldsAreClearErrors) {
  load_library();
  struct Case {
    std::string filter, sort;
    std::function<void(SearchRequest&)> more;
    std::string message;
  };
  std::vector<Case> cases = {
      {"colour = red", "", {}, "unknown field 'colour' at position 0"},
      {"title = rust", "", {}, "field 'title' is text and cannot be filtered"},
      {"year > soon", "", {}, "year: 'soon' is not a number at position 7"},
      {"ebook = yes", "", {}, "ebook: expected true or false, got 'yes'"},
      {"tags > a", "", {}, "field 'tags' (keyword[]) has no order"},
      {"published > yesterday", "", {}, "published: 'yesterday' is not an RFC 3339 timestamp"},
      {"", "genre:asc", {}, "sort: field 'genre' is not sortable"},
      {"", "nope:asc", {}, "sort: unknown field 'nope'"},
      {"", "", [](SearchRequest& r) { r.facets = {"title"}; },
       "facets: field 'title' is not a facet"},
      {"", "", [](SearchRequest& r) { r.query_by = {"year"}; },
       "query_by: field 'year' is not searchable text"},
      {"", "", [](SearchRequest& r) { r.highlight = {"price"}; },
       "highlight: field 'price' is not a searchable text field"},
  };
  for (const auto& c : cases) {
    auto r = find("*", c.filter, c.sort, c.more);
    ASSERT_FALSE(r) << c.message;
    EXPECT_EQ(r.error().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(c.message), std::string::npos) << r.error().message();
  }
}

// The Xapian backend twice: `*` searches answered from its in-memory columns (the default), and
// by the matcher alone, so that both ways are held to the same answers.
BackendFactory xapian(bool columns) {
  return {columns ? "xapian" : "xapian_matcher_only",
          [columns](const std::string& dir,
                    auto lookup) -> core::Result<std::unique_ptr<SearchBackend>> {
            auto b = XapianSearch::open(
                {.dir = dir, .shards = 2, .columns = columns, .collection = std::move(lookup)});
            if (!b) return core::fail(b.error());
            return std::unique_ptr<SearchBackend>(std::move(*b));
          }};
}

// tandem's own index.
BackendFactory native() {
  return {"native",
          [](const std::string& dir, auto lookup) -> core::Result<std::unique_ptr<SearchBackend>> {
            auto b = NativeSearch::open({.dir = dir, .collection = std::move(lookup)});
            if (!b) return core::fail(b.error());
            return std::unique_ptr<SearchBackend>(std::move(*b));
          }};
}

// A real OpenSearch, when TANDEM_TEST_OPENSEARCH_URL names one: each test under its own index
// prefix, every index of this run deleted at the end.
const char* opensearch_url() {
  return std::getenv("TANDEM_TEST_OPENSEARCH_URL");
}
std::string opensearch_run_prefix() {
  return "tandemtest-" + std::to_string(::getpid()) + "-";
}

net::HttpClientOptions opensearch_http() {
  net::HttpClientOptions http;
  std::string_view urls = opensearch_url();
  while (!urls.empty()) {
    auto comma = urls.find(',');
    auto e = net::parse_http_endpoint(urls.substr(0, comma));
    if (e) http.endpoints.push_back(*e);
    urls = comma == std::string_view::npos ? "" : urls.substr(comma + 1);
  }
  if (std::any_of(http.endpoints.begin(), http.endpoints.end(), [](auto& e) { return e.tls; }))
    http.tls = net::TlsContext::load({}).value_or(nullptr);
  return http;
}

BackendFactory opensearch() {
  return {"opensearch",
          [](const std::string&, auto lookup) -> core::Result<std::unique_ptr<SearchBackend>> {
            static std::atomic<int> n{0};
            auto b = OpenSearchSearch::open(
                {.http = opensearch_http(),
                 .index_prefix = opensearch_run_prefix() + std::to_string(++n) + "-",
                 .index = {.replicas = 0},
                 .refresh_interval = std::chrono::milliseconds(20),
                 .collection = std::move(lookup)});
            if (!b) return core::fail(b.error());
            return std::unique_ptr<SearchBackend>(std::move(*b));
          },
          {.atomic_rebuild = true}};
}

class DeleteOpenSearchIndexes : public ::testing::Environment {
 public:
  void TearDown() override {
    if (opensearch_url() == nullptr) return;
    net::HttpClient client(opensearch_http());
    (void)client.send({.method = "DELETE", .target = "/" + opensearch_run_prefix() + "*"});
  }
};
const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new DeleteOpenSearchIndexes);

std::vector<BackendFactory> backends() {
  std::vector<BackendFactory> out{xapian(true), xapian(false), native()};
  if (opensearch_url() != nullptr) out.push_back(opensearch());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Backends, SearchContract, ::testing::ValuesIn(backends()),
                         [](const auto& param_info) { return param_info.param.name; });

// Visible in every run's results: whether the suite met a real OpenSearch.
TEST(SearchContractOpenSearch, RunsAgainstARealServerWhenItsUrlIsSet) {
  if (opensearch_url() == nullptr) {
    GTEST_SKIP() << "no OpenSearch here: set TANDEM_TEST_OPENSEARCH_URL (docs/OPERATIONS.md) to "
                    "run the SearchBackend contract suite against one";
  }
  net::HttpClient client(opensearch_http());
  auto info = client.send({.target = "/"});
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->status, 200) << info->body;
}

}  // namespace
}  // namespace tandem::search
