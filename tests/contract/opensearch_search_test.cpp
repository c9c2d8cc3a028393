// The OpenSearch backend against the test-only OpenSearch on loopback (tests/support/
// fake_opensearch): the versioned index created behind its alias with the schema's mappings,
// external versions (an older change never replaces a newer, applying again changes nothing),
// per-item 429s sent again alone, per-item 400s rejected with OpenSearch's reason, whole-request
// faults (503, dropped connections, hangs, truncated bodies, slow answers) retried or failing the
// batch without losing anything once the fault passes, visibility moving only after a _refresh
// answered, rebuilds switching the alias atomically, drops, real-time gets and match_all
// searches parsed into hits.
#include "search/opensearch/opensearch_search.h"

#include <gtest/gtest.h>

#include <thread>

#include "net/gzip.h"
#include "query/parse.h"
#include "support/fake_opensearch.h"

namespace tandem::search {
namespace {

using namespace std::chrono_literals;
using testing::FakeOpenSearch;
using testing::HttpStep;
using Kind = testing::HttpStep::Kind;

std::shared_ptr<const schema::Collection> books() {
  static auto c = std::make_shared<const schema::Collection>(*schema::collection_from_json(
      R"({"name":"books","fields":[{"name":"title","type":"text","weight":3},
          {"name":"genre","type":"keyword","facet":true},
          {"name":"price","type":"float","sort":true,"optional":true}]})"));
  return c;
}

changes::Change upsert(std::uint64_t seq, const std::string& id, const std::string& title) {
  return {.seq = seq,
          .collection = "books",
          .id = id,
          .op = changes::ChangeOp::kUpsert,
          .body = R"({"id":")" + id + R"(","title":")" + title + R"(","genre":"x"})"};
}
changes::Change remove(std::uint64_t seq, const std::string& id) {
  return {.seq = seq, .collection = "books", .id = id, .op = changes::ChangeOp::kDelete};
}

class OpenSearchBackend : public ::testing::Test {
 protected:
  void SetUp() override { backend_ = open(); }

  std::unique_ptr<OpenSearchSearch> open(std::function<void(OpenSearchOptions&)> more = {}) {
    OpenSearchOptions o{.refresh_interval = 10ms,
                        .item_retry = {.initial = 5ms, .max = 20ms},
                        .collection = [this](std::string_view name) {
                          return name == "books" && !dropped_ ? books() : nullptr;
                        }};
    o.http.endpoints.push_back({.host = "127.0.0.1", .port = fake_.port()});
    o.http.request_timeout = 2s;
    o.http.retry = {.initial = 5ms, .max = 20ms};
    if (more) more(o);
    auto b = OpenSearchSearch::open(std::move(o));
    EXPECT_TRUE(b) << b.error().message();
    return b ? std::move(*b) : nullptr;
  }

  core::Result<std::vector<changes::Rejection>> apply(std::vector<changes::Change> batch) {
    return backend_->apply(batch);
  }

  void wait_visible(std::uint64_t seq) {
    auto seen = [&] {
      auto unseen = backend_->unseen_from();
      return unseen == 0 || unseen > seq;
    };
    auto until = std::chrono::steady_clock::now() + 5s;
    while (!seen() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
    ASSERT_TRUE(seen());
  }

  std::size_t requests_to(std::string_view target) {
    std::size_t n = 0;
    for (const auto& r : fake_.requests())
      n += r.target == target ? 1 : 0;
    return n;
  }

  FakeOpenSearch fake_;
  bool dropped_ = false;
  std::unique_ptr<OpenSearchSearch> backend_;
};

// The check reads the cluster's health: green and yellow pass, red and refusals fail.
TEST_F(OpenSearchBackend, TheCheckFailsForARedClusterOrARefusal) {
  EXPECT_TRUE(backend_->check().is_ok());
  fake_.set_health("yellow");
  EXPECT_TRUE(backend_->check().is_ok());
  fake_.set_health("red");
  auto red = backend_->check();
  EXPECT_FALSE(red.is_ok());
  EXPECT_NE(red.message().find("red"), std::string::npos) << red.message();
  fake_.set_health("green");
  fake_.fail_requests("_cluster/health", 503, 10);
  EXPECT_FALSE(backend_->check().is_ok());
}

TEST_F(OpenSearchBackend, TheFirstWriteCreatesAVersionedIndexBehindItsAlias) {
  auto r = apply({upsert(1, "b1", "Dune"), upsert(2, "b2", "Emma")});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->empty()) << (r->empty() ? "" : (*r)[0].reason);
  EXPECT_EQ(fake_.alias("tandem-books"), std::set<std::string>{"tandem-books-v1"});
  std::string created = fake_.created_with("tandem-books-v1");
  EXPECT_NE(created.find(R"("title":{"type":"text","analyzer":"tandem_text"})"), std::string::npos)
      << created;
  EXPECT_NE(created.find(R"("refresh_interval":"10ms")"), std::string::npos) << created;
  EXPECT_EQ(fake_.doc("tandem-books", "b2")->version, 2u);
  // Real-time by id before any refresh; _count only after one.
  std::vector<std::string> ids{"b1", "nope", "b2"};
  auto got = backend_->get("books", ids);
  ASSERT_TRUE(got) << got.error().message();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0], R"({"id":"b1","title":"Dune","genre":"x"})");
  EXPECT_FALSE((*got)[1]);
  wait_visible(2);
  EXPECT_EQ(*backend_->count("books"), 2u);
  // A second write finds the alias and creates nothing.
  ASSERT_TRUE(apply({upsert(3, "b3", "Ulysses")}));
  EXPECT_EQ(requests_to("/tandem-books-v1"), 1u);
  EXPECT_EQ(fake_.indexes(), std::vector<std::string>{"tandem-books-v1"});
}

TEST_F(OpenSearchBackend, AnOlderVersionNeverReplacesANewerOne) {
  ASSERT_TRUE(apply({upsert(5, "b1", "Newer")}));
  ASSERT_TRUE(apply({upsert(3, "b1", "Older"), remove(4, "b1")}));  // both older: conflicts
  EXPECT_EQ(fake_.doc("tandem-books", "b1")->source, R"({"id":"b1","title":"Newer","genre":"x"})");
  ASSERT_TRUE(apply({remove(6, "b1"), remove(7, "missing")}));  // a delete of nothing is fine
  EXPECT_EQ(fake_.size("tandem-books"), 0u);
  ASSERT_TRUE(apply({upsert(5, "b1", "Newer")}));  // the tombstone's version still counts
  EXPECT_EQ(fake_.size("tandem-books"), 0u);
}

TEST_F(OpenSearchBackend, ItemsAnswered429AreSentAgainAlone) {
  fake_.fail_item("b2", 429, 2);
  auto r = apply({upsert(1, "b1", "Dune"), upsert(2, "b2", "Emma"), upsert(3, "b3", "Ulysses")});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(fake_.size("tandem-books"), 3u);
  std::vector<std::string> bulks;
  for (const auto& seen : fake_.requests())
    if (seen.target == "/_bulk") bulks.push_back(seen.body);
  ASSERT_EQ(bulks.size(), 3u);
  EXPECT_NE(bulks[0].find(R"("_id":"b3")"), std::string::npos);
  for (int i : {1, 2}) {
    EXPECT_NE(bulks[i].find(R"("_id":"b2")"), std::string::npos);
    EXPECT_EQ(bulks[i].find(R"("_id":"b1")"), std::string::npos) << bulks[i];
  }
}

TEST_F(OpenSearchBackend, ItemsThatKeepBeingRefusedFailTheBatchAndNothingIsLost) {
  fake_.fail_item("b2", 429, 100);
  auto r = apply({upsert(1, "b1", "Dune"), upsert(2, "b2", "Emma")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), core::StatusCode::kUnavailable);
  EXPECT_NE(r.error().message().find("es_rejected_execution_exception"), std::string::npos)
      << r.error().message();
  fake_.fail_item("b2", 429, 0);
  ASSERT_TRUE(apply({upsert(1, "b1", "Dune"), upsert(2, "b2", "Emma")}));  // the applier's retry
  EXPECT_EQ(fake_.size("tandem-books"), 2u);
  EXPECT_EQ(fake_.doc("tandem-books", "b1")->version, 1u);
}

TEST_F(OpenSearchBackend, ItemsOpenSearchCannotIndexAreRejectedWithItsReason) {
  fake_.fail_item("b2", 400, 1);
  auto r = apply({upsert(1, "b1", "Dune"), upsert(2, "b2", "Emma")});
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].seq, 2u);
  EXPECT_NE((*r)[0].reason.find("mapper_parsing_exception"), std::string::npos) << (*r)[0].reason;
  EXPECT_EQ(fake_.size("tandem-books"), 1u);
}

TEST_F(OpenSearchBackend, WholeRequestFaultsAreRetriedOrFailTheBatch) {
  ASSERT_TRUE(apply({upsert(1, "b1", "Dune")}));  // the index exists
  // Scripted steps answer whichever request comes next: each is set while the refresh thread
  // has nothing to send.
  wait_visible(1);
  // 503 and a dropped connection: the client sends the bulk again (external versions make it safe).
  fake_.inject({{.status = 503, .body = R"({"error":"unavailable"})"}, {.kind = Kind::kDrop}});
  ASSERT_TRUE(apply({upsert(2, "b2", "Emma")}));
  EXPECT_EQ(fake_.doc("tandem-books", "b2")->version, 2u);
  wait_visible(2);
  // A truncated answer: what became of the items is unknown, so the batch fails; sent again, the
  // applied items conflict (already there) and the rest are applied.
  fake_.inject({{.kind = Kind::kTruncate, .body = std::string(400, ' ')}});
  auto cut = apply({upsert(3, "b3", "Ulysses")});
  if (cut) {  // the client may have retried the cut-off read itself
    EXPECT_EQ(fake_.doc("tandem-books", "b3")->version, 3u);
  } else {
    EXPECT_EQ(cut.error().code(), core::StatusCode::kUnavailable);
  }
  ASSERT_TRUE(apply({upsert(3, "b3", "Ulysses")}));
  EXPECT_EQ(fake_.doc("tandem-books", "b3")->version, 3u);
  wait_visible(3);
  // A node that never answers: the deadline ends the call, the batch fails, nothing hangs.
  fake_.inject({{.kind = Kind::kHang}});
  auto start = std::chrono::steady_clock::now();
  auto hung = apply({upsert(4, "b4", "Middlemarch")});
  ASSERT_FALSE(hung);
  EXPECT_EQ(hung.error().code(), core::StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  ASSERT_TRUE(apply({upsert(4, "b4", "Middlemarch")}));
  EXPECT_EQ(fake_.size("tandem-books"), 4u);
  // A slow answer within the deadline is just slow.
  fake_.slow_requests("_bulk", 300ms, 1);
  ASSERT_TRUE(apply({upsert(5, "b5", "Slow")}));
  EXPECT_EQ(fake_.doc("tandem-books", "b5")->version, 5u);
  // A refusal of the whole request is no success either.
  fake_.fail_requests("_bulk", 413, 1);
  auto big = apply({upsert(6, "b6", "Big")});
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message().find("413"), std::string::npos) << big.error().message();
}

TEST_F(OpenSearchBackend, VisibilityMovesOnlyWhenARefreshAnswered) {
  ASSERT_TRUE(apply({upsert(1, "b1", "Dune")}));
  wait_visible(1);
  auto g1 = backend_->generation("books");
  fake_.fail_requests("_refresh", 503, 1000);
  ASSERT_TRUE(apply({upsert(2, "b2", "Emma")}));
  std::this_thread::sleep_for(200ms);  // many refresh intervals
  EXPECT_EQ(backend_->unseen_from(), 2u);
  EXPECT_EQ(backend_->generation("books"), g1);
  EXPECT_EQ(*backend_->count("books"), 1u);
  fake_.fail_requests("_refresh", 503, 0);
  wait_visible(2);
  EXPECT_GT(backend_->generation("books"), g1);
  EXPECT_EQ(*backend_->count("books"), 2u);
}

TEST_F(OpenSearchBackend, ARebuildFillsANewIndexAndMovesTheAliasAtOnce) {
  ASSERT_TRUE(apply({upsert(1, "b1", "Dune"), upsert(2, "b2", "Emma")}));
  wait_visible(2);
  auto rebuild = backend_->rebuild("books");
  ASSERT_TRUE(rebuild) << rebuild.error().message();
  ASSERT_TRUE((*rebuild)->apply(std::vector<changes::Change>{upsert(2, "b2", "Emma")}));
  EXPECT_EQ(*backend_->count("books"), 2u);  // searches still see v1
  EXPECT_EQ(fake_.alias("tandem-books"), std::set<std::string>{"tandem-books-v1"});
  auto before = backend_->generation("books");
  ASSERT_TRUE((*rebuild)->finish().is_ok());
  EXPECT_GT(backend_->generation("books"), before);
  EXPECT_EQ(fake_.alias("tandem-books"), std::set<std::string>{"tandem-books-v2"});
  EXPECT_EQ(fake_.indexes(), std::vector<std::string>{"tandem-books-v2"});
  EXPECT_EQ(*backend_->count("books"), 1u);
  // A rebuild given up leaves the live index alone and removes its own.
  auto abandoned = backend_->rebuild("books");
  ASSERT_TRUE(abandoned);
  EXPECT_EQ(fake_.indexes().size(), 2u);
  abandoned->reset();
  EXPECT_EQ(fake_.indexes(), std::vector<std::string>{"tandem-books-v2"});
  EXPECT_EQ(fake_.alias("tandem-books"), std::set<std::string>{"tandem-books-v2"});
}

TEST_F(OpenSearchBackend, ADropDeletesEveryVersion) {
  ASSERT_TRUE(apply({upsert(1, "b1", "Dune")}));
  auto before = backend_->generation("books");
  dropped_ = true;
  auto r = apply({upsert(2, "b2", "Emma"),  // written before the drop: its schema is gone
                  {.seq = 3, .collection = "books", .op = changes::ChangeOp::kDrop}});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(fake_.indexes().empty());
  EXPECT_GT(backend_->generation("books"), before);
  wait_visible(3);  // the refresh of what went before the drop answers, index gone or not
  dropped_ = false;
  ASSERT_TRUE(apply({upsert(4, "b1", "Again")}));
  EXPECT_EQ(fake_.alias("tandem-books"), std::set<std::string>{"tandem-books-v1"});
  wait_visible(4);
  EXPECT_EQ(*backend_->count("books"), 1u);
}

TEST_F(OpenSearchBackend, SearchesParseIntoHitsAndRefusalsAreClear) {
  SearchRequest r{.collection = books(), .text = *query::parse_text("*", true)};
  auto empty = backend_->search(r);  // nothing written: no index, no error
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_EQ(empty->found, 0u);
  ASSERT_TRUE(
      apply({upsert(1, "b1", "Dune"), upsert(2, "b2", "Emma"), upsert(3, "b3", "Ulysses")}));
  wait_visible(3);
  r.per_page = 2;
  r.page = 2;
  auto page = backend_->search(r);
  ASSERT_TRUE(page) << page.error().message();
  EXPECT_EQ(page->found, 3u);
  ASSERT_EQ(page->hits.size(), 1u);
  EXPECT_EQ(page->hits[0].id, "b3");
  EXPECT_EQ(page->hits[0].document, R"({"id":"b3","title":"Ulysses","genre":"x"})");
  // OpenSearch's own 400 (here: the fake models no text search) is an invalid argument.
  r.text = *query::parse_text("dune", true);
  auto refused = backend_->search(r);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.error().message().find("opensearch refused the search"), std::string::npos);
  // Ranking rules it cannot apply are refused before OpenSearch is asked, not ranked otherwise.
  r.text = *query::parse_text("*", true);
  r.ranking = std::vector{schema::RankRule::kExact};
  auto unranked = backend_->search(r);
  ASSERT_FALSE(unranked);
  EXPECT_EQ(unranked.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(unranked.error().message().find("ranking"), std::string::npos);
  r.ranking.reset();
  // A node that answers 503 throughout: unavailable, saying so.
  fake_.inject(std::vector<HttpStep>(4, HttpStep{.status = 503}));
  r.text = *query::parse_text("*", true);
  auto down = backend_->search(r);
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code(), core::StatusCode::kUnavailable);
}

TEST_F(OpenSearchBackend, LargeBatchesSplitIntoBulkRequestsAndMayBeCompressed) {
  backend_ = open([](OpenSearchOptions& o) {
    o.bulk_max_docs = 4;
    o.http.gzip_from_bytes = 1;
  });
  std::vector<changes::Change> batch;
  for (int i = 1; i <= 10; ++i)
    batch.push_back(upsert(static_cast<std::uint64_t>(i), "b" + std::to_string(i), "T"));
  ASSERT_TRUE(apply(batch));
  EXPECT_EQ(fake_.size("tandem-books"), 10u);
  EXPECT_EQ(requests_to("/_bulk"), 3u);
  for (const auto& seen : fake_.requests())
    if (seen.target == "/_bulk") {
      EXPECT_EQ(seen.header("Content-Encoding"), "gzip");
    }
}

TEST(OpenSearchOptionsCheck, BadPrefixesAndLanguagesAreRefused) {
  auto with = [](std::string prefix, std::string language) {
    OpenSearchOptions o{.index_prefix = std::move(prefix)};
    o.index.language = std::move(language);
    o.http.endpoints.push_back({.host = "127.0.0.1", .port = 9});
    return OpenSearchSearch::open(std::move(o));
  };
  EXPECT_TRUE(with("tandem-", "english"));
  auto upper = with("Tandem", "english");
  ASSERT_FALSE(upper);
  EXPECT_NE(upper.error().message().find("search.opensearch.index_prefix"), std::string::npos);
  EXPECT_FALSE(with("_x", "english"));
  EXPECT_FALSE(with("tandem-", "tamil"));
}

}  // namespace
}  // namespace tandem::search
