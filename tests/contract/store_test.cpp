// The store contracts (RecordStore, KeyStore, JobRunStore), run against the SQLite store and
// direct mode's OpenSearchStore (over the OpenSearch test server): per-record outcomes, versions
// that grow, merges, operations on one id in order, concurrent writers, collections, keys and job
// runs. Then what only OpenSearch does: merges from several nodes at once, items it answers 429
// or cannot map, refresh=wait_for, an outage, state shared by nodes.
#include "store/store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "search/opensearch/opensearch_store.h"
#include "support/fake_opensearch.h"
#include "support/temp_dir.h"

namespace tandem {
namespace {

using namespace std::chrono_literals;
using core::StatusCode;
using store::Action;
using store::WriteBatch;
using store::WriteOp;

schema::Collection notes() {
  using enum schema::FieldType;
  return schema::Collection{.name = "notes",
                            .fields = {{.name = "title", .type = kText},
                                       {.name = "tag", .type = kKeyword, .optional = true},
                                       {.name = "n", .type = kInt, .optional = true}}};
}

std::unique_ptr<search::OpenSearchStore> open_records(const testing::FakeOpenSearch& fake,
                                                      int attempts = 6) {
  search::OpenSearchStoreOptions o{.attempts = attempts,
                                   .retry = {.initial = 5ms, .max = 20ms, .seed = 7}};
  o.http.endpoints.push_back({.host = "127.0.0.1", .port = fake.port()});
  o.http.request_timeout = 3s;
  o.http.retry = {.initial = 5ms, .max = 20ms, .seed = 7};
  auto r = search::OpenSearchStore::open(std::move(o));
  EXPECT_TRUE(r) << r.error().message();
  return std::move(*r);
}

class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      auto s = store::Store::open({.path = dir_.file("tandem.db")});
      ASSERT_TRUE(s) << s.error().message();
      sqlite_ = std::move(*s);
      store_ = sqlite_.get();
      keys_ = sqlite_.get();
      runs_ = sqlite_.get();
    } else {
      fake_ = std::make_unique<testing::FakeOpenSearch>();
      opensearch_ = open_records(*fake_);
      store_ = opensearch_.get();
      keys_ = opensearch_.get();
      runs_ = opensearch_.get();
    }
    ASSERT_TRUE(store_->create_collection(*collection_).is_ok());
  }

  WriteBatch batch(std::vector<WriteOp> ops) {
    return WriteBatch{.collection = collection_, .ops = std::move(ops)};
  }
  std::vector<store::OpResult> write(std::vector<WriteOp> ops) {
    auto r = store_->write(batch(std::move(ops)));
    EXPECT_TRUE(r) << r.error().message();
    return r ? std::move(*r) : std::vector<store::OpResult>{};
  }
  std::optional<store::Document> get(const std::string& id) {
    auto d = store_->get("notes", id);
    EXPECT_TRUE(d) << d.error().message();
    return d ? *d : std::nullopt;
  }

  std::shared_ptr<const schema::Collection> collection_ =
      std::make_shared<const schema::Collection>(notes());
  testing::TempDir dir_;
  std::unique_ptr<testing::FakeOpenSearch> fake_;
  std::unique_ptr<store::Store> sqlite_;
  std::unique_ptr<search::OpenSearchStore> opensearch_;
  store::RecordStore* store_ = nullptr;
  store::KeyStore* keys_ = nullptr;
  store::JobRunStore* runs_ = nullptr;
};

TEST_P(StoreContract, AnUpsertIsReadBackAndEveryWriteOfAnIdRaisesItsVersion) {
  auto first = write({{Action::kUpsert, "a", R"({"id":"a","title":"first"})"}});
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(first[0].seq) << first[0].seq.error().message();
  EXPECT_EQ(first[0].id, "a");
  auto doc = get("a");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->body, R"({"id":"a","title":"first"})");
  EXPECT_EQ(doc->seq, *first[0].seq);

  auto second = write({{Action::kUpsert, "a", R"({"id":"a","title":"second"})"}});
  ASSERT_TRUE(second.at(0).seq);
  EXPECT_GT(*second[0].seq, *first[0].seq);
  EXPECT_EQ(get("a")->body, R"({"id":"a","title":"second"})");
  EXPECT_EQ(get("a")->seq, *second[0].seq);
  EXPECT_FALSE(get("nobody"));
}

TEST_P(StoreContract, ACreateOfAnIdThatExistsIsRefusedAndChangesNothing) {
  auto r = write({{Action::kCreate, "a", R"({"id":"a","title":"one"})"},
                  {Action::kCreate, "b", R"({"id":"b","title":"two"})"}});
  ASSERT_TRUE(r.at(0).seq && r.at(1).seq);
  auto again = write({{Action::kCreate, "a", R"({"id":"a","title":"other"})"},
                      {Action::kCreate, "c", R"({"id":"c","title":"three"})"}});
  ASSERT_FALSE(again.at(0).seq);
  EXPECT_EQ(again[0].seq.error().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again[0].seq.error().message(), "id 'a' already exists");
  EXPECT_TRUE(again.at(1).seq);  // the other record of the batch is stored
  EXPECT_EQ(get("a")->body, R"({"id":"a","title":"one"})");
  EXPECT_EQ(get("a")->seq, *r[0].seq);
}

TEST_P(StoreContract, AnUpdateMergesItsPatchAndOfAMissingRecordIsNotFound) {
  write({{Action::kUpsert, "a", R"({"id":"a","title":"t","tag":"x"})"}});
  auto r = write(
      {{Action::kUpdate, "a", R"({"n":3,"tag":null})"}, {Action::kUpdate, "ghost", R"({"n":1})"}});
  ASSERT_TRUE(r.at(0).seq) << r[0].seq.error().message();
  EXPECT_EQ(get("a")->body, R"({"id":"a","title":"t","n":3})");
  EXPECT_EQ(get("a")->seq, *r[0].seq);
  ASSERT_FALSE(r.at(1).seq);
  EXPECT_EQ(r[1].seq.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(r[1].seq.error().message(), "no record with id 'ghost'");
  EXPECT_FALSE(get("ghost"));
}

TEST_P(StoreContract, AMergeTheSchemaRefusesIsInvalidAndChangesNothing) {
  auto a = write({{Action::kUpsert, "a", R"({"id":"a","title":"t"})"}});
  auto r = write({{Action::kUpdate, "a", R"({"n":"three"})"}});
  ASSERT_FALSE(r.at(0).seq);
  EXPECT_EQ(r[0].seq.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r[0].seq.error().message().find("n:"), std::string::npos) << r[0].seq.error().message();
  EXPECT_EQ(get("a")->body, R"({"id":"a","title":"t"})");
  EXPECT_EQ(get("a")->seq, *a.at(0).seq);
}

TEST_P(StoreContract, ADeleteRemovesTheRecordAndOfAMissingOneIsNotFound) {
  write({{Action::kUpsert, "a", R"({"id":"a","title":"t"})"}});
  auto r = write({{Action::kDelete, "a", ""}, {Action::kDelete, "ghost", ""}});
  EXPECT_TRUE(r.at(0).seq);
  EXPECT_FALSE(get("a"));
  ASSERT_FALSE(r.at(1).seq);
  EXPECT_EQ(r[1].seq.error().code(), StatusCode::kNotFound);
}

TEST_P(StoreContract, OperationsOnOneIdInABatchApplyInTheirOrder) {
  auto r = write({{Action::kUpsert, "a", R"({"id":"a","title":"one"})"},
                  {Action::kUpsert, "b", R"({"id":"b","title":"bee"})"},
                  {Action::kUpdate, "a", R"({"tag":"x"})"},
                  {Action::kDelete, "a", ""},
                  {Action::kCreate, "a", R"({"id":"a","title":"again"})"},
                  {Action::kUpdate, "a", R"({"n":2})"}});
  ASSERT_EQ(r.size(), 6u);
  std::uint64_t last = 0;
  for (std::size_t i : {0, 2, 3, 4, 5}) {
    ASSERT_TRUE(r[i].seq) << i << ": " << r[i].seq.error().message();
    EXPECT_GT(*r[i].seq, last) << i;
    last = *r[i].seq;
  }
  EXPECT_EQ(get("a")->body, R"({"id":"a","title":"again","n":2})");
  EXPECT_EQ(get("a")->seq, last);
  EXPECT_EQ(get("b")->body, R"({"id":"b","title":"bee"})");
}

TEST_P(StoreContract, ConcurrentWritersLoseNothingAcknowledged) {
  constexpr int kThreads = 4, kBatches = 25, kPerBatch = 4;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<WriteOp> ops;
        for (int i = 0; i < kPerBatch; ++i) {
          std::string id = "w" + std::to_string(t) + "-" + std::to_string(b * kPerBatch + i);
          ops.push_back({Action::kUpsert, id, R"({"id":")" + id + R"(","title":"x"})"});
        }
        std::promise<void> done;
        store_->submit(batch(std::move(ops)), [&](auto result) {
          if (result)
            for (const auto& op : *result)
              acknowledged += op.seq ? 1 : 0;
          done.set_value();
        });
        done.get_future().wait();
      }
    });
  }
  for (auto& w : writers)
    w.join();
  EXPECT_EQ(acknowledged.load(), kThreads * kBatches * kPerBatch);
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kBatches * kPerBatch; ++i)
      EXPECT_TRUE(get("w" + std::to_string(t) + "-" + std::to_string(i))) << t << " " << i;
}

TEST_P(StoreContract, CollectionsAreListedAndANameIsTakenOnce) {
  auto other = notes();
  other.name = "other";
  ASSERT_TRUE(store_->create_collection(other).is_ok());
  EXPECT_EQ(store_->create_collection(notes()).code(), StatusCode::kAlreadyExists);
  auto all = store_->collections();
  ASSERT_TRUE(all) << all.error().message();
  std::vector<std::string> names;
  for (const auto& c : *all)
    names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"notes", "other"}));
  EXPECT_EQ(schema::collection_to_json(all->at(0)), schema::collection_to_json(notes()));
}

TEST_P(StoreContract, ADroppedCollectionIsGoneWithItsRecords) {
  auto other = notes();
  other.name = "other";
  ASSERT_TRUE(store_->create_collection(other).is_ok());
  auto written =
      store_->write(WriteBatch{.collection = std::make_shared<const schema::Collection>(other),
                               .ops = {{Action::kUpsert, "a", R"({"id":"a","title":"t"})"},
                                       {Action::kUpsert, "b", R"({"id":"b","title":"t"})"}},
                               .visible = true});
  ASSERT_TRUE(written && written->at(1).seq);
  EXPECT_EQ(*store_->count("other"), 2);
  EXPECT_EQ(*store_->count("notes"), 0);
  ASSERT_TRUE(store_->drop_collection("other"));
  auto all = store_->collections();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->at(0).name, "notes");
  EXPECT_FALSE(*store_->get("other", "a"));
  EXPECT_EQ(*store_->count("other"), 0);
}

TEST_P(StoreContract, KeysAreReplacedByIdListedOldestFirstAndRevokedOnce) {
  ASSERT_TRUE(
      keys_->put_key({.id = "k2", .hash = "h2", .spec = "{}", .created_at_ms = 200}).is_ok());
  ASSERT_TRUE(
      keys_->put_key({.id = "k1", .hash = "h1", .spec = "{}", .created_at_ms = 100}).is_ok());
  ASSERT_TRUE(
      keys_
          ->put_key(
              {.id = "k1", .hash = "h1", .spec = R"({"scopes":["search"]})", .created_at_ms = 100})
          .is_ok());
  auto all = keys_->keys();
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ(all->at(0).id, "k1");
  EXPECT_EQ(all->at(0).spec, R"({"scopes":["search"]})");
  EXPECT_EQ(all->at(1).id, "k2");
  EXPECT_EQ(all->at(1).hash, "h2");
  EXPECT_EQ(all->at(1).created_at_ms, 200);

  auto revoked = keys_->revoke_key("k1", 500);
  ASSERT_TRUE(revoked && *revoked);
  EXPECT_FALSE(*keys_->revoke_key("k1", 600));  // not live any more
  EXPECT_FALSE(*keys_->revoke_key("ghost", 600));
  all = keys_->keys();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->at(0).revoked_at_ms, 500);
  EXPECT_EQ(all->at(1).revoked_at_ms, 0);
}

TEST_P(StoreContract, JobRunsComeNewestFirstPerJob) {
  auto empty = runs_->job_runs("generate", 5);
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_TRUE(empty->empty());
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(runs_
                    ->add_job_run({.job = "generate",
                                   .started_at_ms = 1000 * i,
                                   .duration_ms = 1.5 * i,
                                   .outcome = i == 2 ? "failed" : "ok",
                                   .message = std::to_string(i) + " records"})
                    .is_ok());
  }
  ASSERT_TRUE(
      runs_->add_job_run({.job = "other", .started_at_ms = 5, .outcome = "skipped"}).is_ok());
  auto runs = runs_->job_runs("generate", 2);
  ASSERT_TRUE(runs) << runs.error().message();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ(runs->at(0).started_at_ms, 3000);
  EXPECT_EQ(runs->at(0).message, "3 records");
  EXPECT_DOUBLE_EQ(runs->at(0).duration_ms, 4.5);
  EXPECT_EQ(runs->at(1).outcome, "failed");
  EXPECT_EQ(runs->at(1).job, "generate");
  EXPECT_EQ(runs_->job_runs("other", 10)->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values("sqlite", "opensearch"),
                         [](const auto& p) { return p.param; });

// Direct mode: what OpenSearch's versions, items and refreshes add.
class OpenSearchStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    records_ = open_records(fake_);
    ASSERT_TRUE(records_->create_collection(*collection_).is_ok());
  }
  WriteBatch batch(std::vector<WriteOp> ops, bool visible = false) {
    return WriteBatch{.collection = collection_, .ops = std::move(ops), .visible = visible};
  }
  std::size_t count(std::string_view operation) const {
    std::size_t n = 0;
    for (const auto& r : fake_.requests())
      n += r.target.find(operation) != std::string::npos ? 1 : 0;
    return n;
  }

  std::shared_ptr<const schema::Collection> collection_ =
      std::make_shared<const schema::Collection>(notes());
  testing::FakeOpenSearch fake_;
  std::unique_ptr<search::OpenSearchStore> records_;
};

TEST_F(OpenSearchStoreTest, TheCollectionLivesInTheMappingSoEveryNodeSeesIt) {
  EXPECT_EQ(fake_.alias("tandem-notes"), (std::set<std::string>{"tandem-notes-v1"}));
  auto node2 = open_records(fake_);
  auto seen = node2->collections();
  ASSERT_TRUE(seen) << seen.error().message();
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ(schema::collection_to_json(seen->at(0)), schema::collection_to_json(notes()));
  EXPECT_EQ(node2->create_collection(notes()).code(), StatusCode::kAlreadyExists);
}

TEST_F(OpenSearchStoreTest, AMergeThatLosesARaceIsReadAndMergedAgain) {
  ASSERT_TRUE(records_->write(batch({{Action::kUpsert, "a", R"({"id":"a","title":"t"})"}})));
  // Node 1's _bulk is held while node 2 merges the same record: node 1's if_seq_no is stale.
  auto node2 = open_records(fake_);
  fake_.slow_requests("_bulk", 300ms, 1);
  auto first = std::async(std::launch::async, [&] {
    return records_->write(batch({{Action::kUpdate, "a", R"({"tag":"one"})"}}));
  });
  std::this_thread::sleep_for(100ms);
  auto second = node2->write(batch({{Action::kUpdate, "a", R"({"n":2})"}}));
  ASSERT_TRUE(second && second->at(0).seq) << (second ? "" : second.error().message());
  auto r = first.get();
  ASSERT_TRUE(r && r->at(0).seq) << (r ? r->at(0).seq.error().message() : r.error().message());
  EXPECT_GT(*r->at(0).seq, *second->at(0).seq);
  auto doc = records_->get("notes", "a");
  ASSERT_TRUE(doc && *doc);
  EXPECT_EQ((*doc)->body, R"({"id":"a","title":"t","n":2,"tag":"one"})");
  EXPECT_EQ(count("_mget"), 3u);  // node 1 read twice
}

TEST_F(OpenSearchStoreTest, MergesFromThreeNodesAtOnceNeverLoseAField) {
  ASSERT_TRUE(records_->write(batch({{Action::kUpsert, "a", R"({"id":"a","title":"t"})"}})));
  // Each _bulk is held a little, so that the nodes' reads and writes interleave.
  fake_.slow_requests("_bulk", 2ms, 1000);
  std::vector<std::unique_ptr<search::OpenSearchStore>> nodes;
  for (int i = 0; i < 3; ++i)
    nodes.push_back(open_records(fake_, 50));
  std::vector<std::thread> writers;
  std::atomic<int> failed{0};
  for (int i = 0; i < 3; ++i) {
    writers.emplace_back([&, i] {
      for (int round = 1; round <= 20; ++round) {
        std::string patch = R"({"f)" + std::to_string(i) + R"(":)" + std::to_string(round) + "}";
        auto r = nodes[i]->write(batch({{Action::kUpdate, "a", patch}}));
        if (!r || !r->at(0).seq) ++failed;
      }
    });
  }
  for (auto& w : writers)
    w.join();
  EXPECT_EQ(failed.load(), 0);
  auto doc = records_->get("notes", "a");
  ASSERT_TRUE(doc && *doc);
  for (int i = 0; i < 3; ++i)
    EXPECT_NE((*doc)->body.find(R"("f)" + std::to_string(i) + R"(":20)"), std::string::npos)
        << (*doc)->body;
  EXPECT_EQ((*doc)->seq, 61u);  // the upsert and 60 merges, each its own version
}

TEST_F(OpenSearchStoreTest, ItemsAnswered429AreSentAgainAndUnmappableOnesRefused) {
  fake_.fail_item("busy", 429, 2);
  fake_.fail_item("bad", 400, 1);
  auto r = records_->write(batch({{Action::kUpsert, "busy", R"({"id":"busy","title":"t"})"},
                                  {Action::kUpsert, "bad", R"({"id":"bad","title":"t"})"},
                                  {Action::kUpsert, "fine", R"({"id":"fine","title":"t"})"}}));
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->at(0).seq) << r->at(0).seq.error().message();
  ASSERT_FALSE(r->at(1).seq);
  EXPECT_EQ(r->at(1).seq.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r->at(1).seq.error().message().find("mapper_parsing_exception"), std::string::npos);
  EXPECT_TRUE(r->at(2).seq);
  EXPECT_EQ(count("_bulk"), 3u);
  EXPECT_TRUE(fake_.doc("tandem-notes", "busy"));
  EXPECT_FALSE(fake_.doc("tandem-notes", "bad"));
}

TEST_F(OpenSearchStoreTest, AnItemThatKeepsBeingRefusedFailsAfterItsAttempts) {
  fake_.fail_item("busy", 429, 100);
  auto r = records_->write(batch({{Action::kUpsert, "busy", R"({"id":"busy","title":"t"})"}}));
  ASSERT_FALSE(r);  // nothing of the batch was acknowledged
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.error().message().find("6 times"), std::string::npos) << r.error().message();
}

TEST_F(OpenSearchStoreTest, AVisibleBatchIsSearchableWhenAcknowledged) {
  ASSERT_TRUE(records_->write(batch({{Action::kUpsert, "a", R"({"id":"a","title":"t"})"}})));
  EXPECT_EQ(fake_.requests().back().target, "/_bulk");
  ASSERT_TRUE(records_->write(
      batch({{Action::kUpsert, "b", R"({"id":"b","title":"t"})"}}, /*visible=*/true)));
  EXPECT_EQ(fake_.requests().back().target, "/_bulk?refresh=wait_for");
  EXPECT_EQ(fake_.requests().back().response_body.find("\"errors\":true"), std::string::npos);
}

TEST_F(OpenSearchStoreTest, WhenOpenSearchIsDownTheBatchFailsAndIsNotAcknowledged) {
  fake_.fail_requests("_bulk", 503, 100);
  auto r = records_->write(batch({{Action::kUpsert, "a", R"({"id":"a","title":"t"})"}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(fake_.doc("tandem-notes", "a"));
  auto read = records_->get("notes", "a");
  ASSERT_TRUE(read);
  EXPECT_FALSE(*read);
}

TEST_F(OpenSearchStoreTest, ABulkWithCreatesIsNotSentAgainOnceItMayHaveArrived) {
  fake_.inject({testing::HttpStep{.kind = testing::HttpStep::Kind::kDrop}});
  auto r = records_->write(batch({{Action::kCreate, "a", R"({"id":"a","title":"t"})"}}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(count("_bulk"), 1u);
  fake_.inject({testing::HttpStep{.kind = testing::HttpStep::Kind::kDrop}});
  auto upsert = records_->write(batch({{Action::kUpsert, "b", R"({"id":"b","title":"t"})"}}));
  ASSERT_TRUE(upsert && upsert->at(0).seq);  // an index action is safe to send again
  EXPECT_EQ(count("_bulk"), 3u);
}

TEST_F(OpenSearchStoreTest, IdsAreEscapedInTheDocumentPath) {
  std::string id = "a/b c?d";
  auto r = records_->write(batch({{Action::kUpsert, id, R"({"id":"a/b c?d","title":"t"})"}}));
  ASSERT_TRUE(r && r->at(0).seq);
  auto doc = records_->get("notes", id);
  ASSERT_TRUE(doc && *doc) << (doc ? "not found" : doc.error().message());
  EXPECT_EQ((*doc)->id, id);
  EXPECT_EQ(fake_.requests().back().target, "/tandem-notes/_doc/a%2Fb%20c%3Fd");
}

TEST_F(OpenSearchStoreTest, KeysAndJobRunsWrittenOnOneNodeAreReadOnAnother) {
  auto node2 = open_records(fake_);
  ASSERT_TRUE(
      records_->put_key({.id = "k", .hash = "h", .spec = "{}", .created_at_ms = 1}).is_ok());
  auto seen = node2->keys();
  ASSERT_TRUE(seen && seen->size() == 1u);  // refresh=wait_for: searchable when acknowledged
  ASSERT_TRUE(*node2->revoke_key("k", 9));
  EXPECT_EQ(records_->keys()->at(0).revoked_at_ms, 9);
  EXPECT_EQ(fake_.indexes(), (std::vector<std::string>{"tandem-.keys", "tandem-notes-v1"}));

  std::vector<std::thread> nodes;
  std::atomic<int> failed{0};
  for (int n = 0; n < 3; ++n) {
    nodes.emplace_back([&, n] {
      auto node = open_records(fake_, 50);
      for (int i = 0; i < 10; ++i)
        if (!node->add_job_run({.job = "generate", .started_at_ms = n * 100 + i, .outcome = "ok"})
                 .is_ok())
          ++failed;
    });
  }
  for (auto& t : nodes)
    t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(records_->job_runs("generate", 1000)->size(), 30u);  // none lost to a race
}

TEST_F(OpenSearchStoreTest, AJobKeepsItsNewestRuns) {
  for (int i = 0; i < 105; ++i)
    ASSERT_TRUE(records_->add_job_run({.job = "j", .started_at_ms = i, .outcome = "ok"}).is_ok());
  auto runs = records_->job_runs("j", 1000);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), search::OpenSearchStore::kRunsKept);
  EXPECT_EQ(runs->front().started_at_ms, 104);
  EXPECT_EQ(runs->back().started_at_ms, 5);
}

TEST_F(OpenSearchStoreTest, DroppingACollectionDeletesEveryVersionOfItsIndex) {
  auto made = records_->drop_collection("notes");
  ASSERT_TRUE(made) << made.error().message();
  EXPECT_TRUE(fake_.indexes().empty());
  EXPECT_EQ(records_->drop_collection("notes").error().code(), StatusCode::kNotFound);
}

TEST(OpenSearchStoreOptionsCheck, ABadPrefixOrNoNodeIsRefused) {
  search::OpenSearchStoreOptions o{.index_prefix = "_bad"};
  o.http.endpoints.push_back({.host = "127.0.0.1", .port = 9});
  auto r = search::OpenSearchStore::open(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("index_prefix"), std::string::npos);
  o.index_prefix = "tandem-";
  o.http.endpoints.clear();
  EXPECT_FALSE(search::OpenSearchStore::open(o));
}

}  // namespace
}  // namespace tandem
