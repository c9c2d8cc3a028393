// Prints, as a JSON array, every HTTP exchange the OpenSearch backend has with the test-only
// OpenSearch while it does everything it does: create the versioned index, write with _bulk
// (applied, conflicting, 429 and 400 items), refresh, count, get by id, search with every shape
// of the query language (the Query DSL bodies), rebuild and move the alias, drop; and direct
// mode's record store (collections in the mapping, versioned writes, reads by id). Each entry:
// {"method", "path", "query", "request", "status", "response"} with the bodies as text.
// opensearch_spec_check.mjs validates them against the official OpenSearch API specification.
#include <iostream>
#include <thread>

#include "json/writer.h"
#include "query/parse.h"
#include "search/opensearch/opensearch_store.h"
#include "search/opensearch/opensearch_search.h"
#include "support/fake_opensearch.h"

using namespace std::chrono_literals;
using namespace tandem;

namespace {

std::shared_ptr<const schema::Collection> books() {
  static auto c = std::make_shared<const schema::Collection>(*schema::collection_from_json(
      R"({"name":"books","fields":[{"name":"title","type":"text","weight":3},
          {"name":"blurb","type":"text","optional":true},
          {"name":"genre","type":"keyword","facet":true,"searchable":true},
          {"name":"tags","type":"keyword[]","facet":true,"optional":true},
          {"name":"year","type":"int","sort":true,"facet":true,"optional":true},
          {"name":"price","type":"float","sort":true,"optional":true},
          {"name":"ebook","type":"bool","facet":true,"optional":true},
          {"name":"published","type":"timestamp","sort":true,"facet":true,"optional":true}]})"));
  return c;
}

changes::Change upsert(std::uint64_t seq, const std::string& id) {
  return {.seq = seq,
          .collection = "books",
          .id = id,
          .op = changes::ChangeOp::kUpsert,
          .body = R"({"id":")" + id + R"(","title":"Dune )" + id +
                  R"(","genre":"sf","tags":["a","b"],"year":1965,"price":9.5,"ebook":true,)"
                  R"("published":"1965-08-01T00:00:00Z"})"};
}

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::cerr << "opensearch_exchanges: " << what << " failed\n";
    std::exit(1);
  }
}

void wait_seen(search::OpenSearchSearch& b) {
  for (int i = 0; i < 2000 && b.unseen_from() != 0; ++i)
    std::this_thread::sleep_for(1ms);
}

}  // namespace

int main() {
  testing::FakeOpenSearch fake;
  search::OpenSearchOptions o{.refresh_interval = 5ms,
                              .item_retry = {.initial = 1ms, .max = 2ms},
                              .collection = [](std::string_view) { return books(); }};
  o.http.endpoints.push_back({.host = "127.0.0.1", .port = fake.port()});
  o.http.retry = {.initial = 1ms, .max = 2ms};
  auto opened = search::OpenSearchSearch::open(std::move(o));
  check(bool(opened), "open");
  auto& b = **opened;

  fake.fail_item("b3", 429, 1);
  fake.fail_item("b4", 400, 1);
  std::vector<changes::Change> batch{upsert(1, "b1"), upsert(2, "b2"), upsert(3, "b3"),
                                     upsert(4, "b4")};
  batch.push_back({.seq = 5, .collection = "books", .id = "b2", .op = changes::ChangeOp::kDelete});
  check(bool(b.apply(batch)), "apply");
  check(bool(b.apply(std::vector<changes::Change>{upsert(1, "b1")})), "apply again");  // 409
  wait_seen(b);
  check(bool(b.count("books")), "count");
  std::vector<std::string> ids{"b1", "missing"};
  check(bool(b.get("books", ids)), "get");

  // Every shape of the query language; the fake answers text queries 400 (it does not search),
  // so each of these is a request body and an error response to check.
  struct Shape {
    std::string q, filter, sort;
    std::function<void(search::SearchRequest&)> more;
  };
  std::vector<Shape> shapes{
      {"*", "", "", {}},
      {"dune", "", "", {}},
      {"dune messiah", "", "", [](auto& r) { r.typos = 0; }},
      {"dune messiah", "", "", [](auto& r) { r.typos = 2; }},
      {"\"desert planet\" spice -sandworm -\"gom jabbar\"", "", "", {}},
      {"dune", "", "",
       [](auto& r) {
         r.query_by = {"title", "genre"};
       }},
      {"*", "genre = sf AND year >= 1960 AND year < 1970", "", {}},
      {"*", "price 1 TO 20 OR ebook = false", "", {}},
      {"*", "tags IN [a, \"b c\"] AND NOT genre != sf", "", {}},
      {"*", "published > 1960-01-01T00:00:00Z AND published <= 1970-01-01T00:00:00Z", "", {}},
      {"*", "genre > m", "", {}},
      {"dune", "", "year:desc,_score", {}},
      {"dune", "", "_score,price:asc", {}},
      {"*", "", "published:asc", {}},
      {"dune", "", "",
       [](auto& r) {
         r.facets = {"genre", "tags", "year", "ebook", "published"};
         r.max_facet_values = 5;
       }},
      {"dune", "", "",
       [](auto& r) {
         r.highlight = {"title", "blurb", "genre"};
         r.page = 3;
         r.per_page = 20;
       }},
  };
  for (const auto& s : shapes) {
    search::SearchRequest r{.collection = books(), .text = *query::parse_text(s.q, true)};
    if (!s.filter.empty()) r.filter = *query::parse_filter(s.filter);
    if (!s.sort.empty()) r.sort = *query::parse_sort(s.sort);
    if (s.more) s.more(r);
    (void)b.search(r);  // the answers are checked in the tests; here only the exchanges
  }

  auto rebuild = b.rebuild("books");
  check(bool(rebuild), "rebuild");
  check(bool((*rebuild)->apply(std::vector<changes::Change>{upsert(1, "b1")})), "rebuild apply");
  check((*rebuild)->finish().is_ok(), "rebuild finish");
  check(bool(b.apply(std::vector<changes::Change>{
            {.seq = 9, .collection = "books", .op = changes::ChangeOp::kDrop}})),
        "drop");
  check(bool(b.count("books")), "count after the drop");  // a 404, answered 0

  // Direct mode's record store: the collection in the mapping, writes versioned by OpenSearch
  // (created, replaced, conflicting creates, merges with if_seq_no, deletes found and not, a
  // batch made visible), reads by id.
  search::OpenSearchStoreOptions d{.index_prefix = "direct-"};
  d.http.endpoints.push_back({.host = "127.0.0.1", .port = fake.port()});
  auto records = search::OpenSearchStore::open(std::move(d));
  check(bool(records), "open the records");
  auto& rs = **records;
  check(rs.create_collection(*books()).is_ok(), "create_collection");
  check(rs.create_collection(*books()).code() == core::StatusCode::kAlreadyExists, "again");
  check(bool(rs.collections()), "collections");
  using store::Action;
  std::string dune = upsert(1, "d1").body;
  auto written = rs.write({.collection = books(),
                           .ops = {{Action::kUpsert, "d1", dune},
                                   {Action::kCreate, "d1", dune},
                                   {Action::kUpdate, "d1", R"({"price":8.5})"},
                                   {Action::kDelete, "d2", ""},
                                   {Action::kCreate, "d2", upsert(2, "d2").body},
                                   {Action::kDelete, "d2", ""}},
                           .visible = true});
  check(written && written->size() == 6, "write");
  check(bool(rs.get("books", "d1")), "get d1");
  check(bool(rs.get("books", "d2")), "get d2");  // deleted: a 404

  json::Writer w;
  w.begin_array();
  for (const auto& r : fake.requests()) {
    auto q = r.target.find('?');
    w.begin_object().field("method", r.method).field("path", r.target.substr(0, q));
    w.field("query", q == std::string::npos ? "" : r.target.substr(q + 1));
    w.field("request", r.body).field("status", r.response_status);
    w.field("response", r.response_body).end_object();
  }
  w.end_array();
  std::cout << w.str() << "\n";
  return 0;
}
