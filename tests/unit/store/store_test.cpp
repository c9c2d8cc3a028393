// Unit tests for store::Store: record writes and their per-record outcomes, merges, the change log
// and its sequence numbers, group commit under concurrent submitters, durability across reopen,
// collection drops, and the metadata tables (collections, cursors, dead letters, pruning, job
// runs). Every test owns a temporary database and a FakeClock, so commit times are exact.
#include "store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "schema/collection.h"
#include "store/migrations.h"
#include "support/temp_dir.h"

namespace tandem::store {
namespace {

using namespace std::chrono_literals;
using core::StatusCode;

const auto kStart = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 9h;

std::int64_t ms_of(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// A valid products record. The price is spliced in as written so tests can check its bytes.
std::string product(const std::string& id, const std::string& price = "19.99") {
  return R"({"id":")" + id + R"(","name":"Mug )" + id +
         R"(","category":"kitchen","brand":"acme","price":)" + price + "}";
}

WriteOp upsert(const std::string& id, const std::string& price = "19.99") {
  return WriteOp{.action = Action::kUpsert, .id = id, .body = product(id, price)};
}

// A second collection, to check that operations on one leave the other alone.
schema::Collection reviews_collection() {
  return schema::Collection{.name = "reviews",
                            .fields = {{.name = "text", .type = schema::FieldType::kText}}};
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    auto s = Store::open({.path = dir_.file("tandem.db"), .clock = &clock_});
    ASSERT_TRUE(s) << s.error().message();
    store_ = std::move(*s);
  }

  void reopen() {
    store_.reset();
    open();
  }

  WriteBatch batch(std::vector<WriteOp> ops,
                   std::shared_ptr<const schema::Collection> collection = nullptr) {
    return WriteBatch{.collection = collection ? collection : products_, .ops = std::move(ops)};
  }

  // Writes a batch that must commit; per-record results are returned for inspection.
  std::vector<OpResult> write(std::vector<WriteOp> ops,
                              std::shared_ptr<const schema::Collection> collection = nullptr) {
    auto r = store_->write(batch(std::move(ops), std::move(collection)));
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::vector<OpResult>{};
  }

  std::optional<Document> get(const std::string& id, std::string_view collection = "products") {
    auto doc = store_->get(collection, id);
    EXPECT_TRUE(doc) << doc.error().message();
    return doc ? *doc : std::nullopt;
  }

  // The stored body, or "<missing>".
  std::string body_of(const std::string& id) {
    auto doc = get(id);
    return doc ? doc->body : "<missing>";
  }

  std::vector<changes::Change> changes(std::uint64_t after = 0, std::size_t limit = 1000) {
    auto c = store_->changes_after(after, limit);
    EXPECT_TRUE(c) << c.error().message();
    return c ? *c : std::vector<changes::Change>{};
  }

  testing::TempDir dir_;
  core::FakeClock clock_{kStart};
  std::shared_ptr<const schema::Collection> products_ =
      std::make_shared<const schema::Collection>(schema::products_collection());
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, UpsertThenGetReturnsTheBodyByteForByte) {
  const std::string body =
      R"({"id":"a", "name":"Caf\u00e9 mug","category":"kitchen","brand":"acme",)"
      R"("price":19.99,"rating":4.50,"tags":["x" ,"y"]})";
  auto results = write({{.action = Action::kUpsert, .id = "a", .body = body}});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].id, "a");
  ASSERT_TRUE(results[0].seq) << results[0].seq.error().message();

  auto doc = get("a");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->body, body);
  EXPECT_EQ(doc->id, "a");
  EXPECT_EQ(doc->seq, *results[0].seq);
  EXPECT_EQ(doc->updated_at_ms, ms_of(kStart));
  EXPECT_FALSE(get("b"));
  EXPECT_FALSE(get("a", "reviews"));
  EXPECT_EQ(store_->count("products").value(), 1);
}

TEST_F(StoreTest, UpsertReplacesTheWholeBody) {
  write({upsert("a", "1")});
  write({upsert("a", "2.50")});
  auto doc = get("a");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->body, product("a", "2.50"));
  EXPECT_EQ(doc->seq, 2u);
  EXPECT_EQ(store_->count("products").value(), 1);
}

TEST_F(StoreTest, SeqIncreasesByOnePerOperationAcrossBatches) {
  auto first = write({upsert("a"), upsert("b"), upsert("c")});
  auto second = write({upsert("d"), {.action = Action::kDelete, .id = "a"}});
  std::vector<std::uint64_t> seqs;
  for (const auto& r : first)
    seqs.push_back(r.seq.value());
  for (const auto& r : second)
    seqs.push_back(r.seq.value());
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(second[0].id, "d");
  EXPECT_EQ(second[1].id, "a");
  EXPECT_EQ(store_->head_seq(), 5u);
}

TEST_F(StoreTest, CreateOfAnExistingIdFailsThatRecordOnly) {
  write({upsert("a", "1")});
  auto results = write({{.action = Action::kCreate, .id = "b", .body = product("b")},
                        {.action = Action::kCreate, .id = "a", .body = product("a", "99")},
                        {.action = Action::kCreate, .id = "c", .body = product("c")}});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].seq.value(), 2u);
  ASSERT_FALSE(results[1].seq);
  EXPECT_EQ(results[1].id, "a");
  EXPECT_EQ(results[1].seq.error().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(results[2].seq.value(), 3u);  // the refused record used no sequence number

  EXPECT_EQ(body_of("a"), product("a", "1"));
  EXPECT_EQ(body_of("b"), product("b"));
  EXPECT_EQ(body_of("c"), product("c"));
  EXPECT_EQ(changes().size(), 3u);
}

TEST_F(StoreTest, UpdateMergesThePatchIntoTheStoredRecord) {
  const std::string base =
      R"({"id":"a","name":"Mug","description":"old","category":"kitchen","brand":"acme",)"
      R"("price":19.990})";
  write({{.action = Action::kUpsert, .id = "a", .body = base}});
  auto results = write({{.action = Action::kUpdate,
                         .id = "a",
                         .body = R"({"description":null,"name":"Big mug","stock":3})"}});
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].seq) << results[0].seq.error().message();

  const std::string merged =
      R"({"id":"a","name":"Big mug","category":"kitchen","brand":"acme","price":19.990,)"
      R"("stock":3})";
  auto doc = get("a");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->body, merged);
  EXPECT_EQ(doc->seq, *results[0].seq);
  auto log = changes(1);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].op, changes::ChangeOp::kUpsert);
  EXPECT_EQ(log[0].body, merged);  // sinks see the full merged record, not the patch
}

TEST_F(StoreTest, UpdateThatBreaksTheSchemaIsRefusedPerRecord) {
  write({upsert("a")});
  auto results = write({{.action = Action::kUpdate, .id = "a", .body = R"({"price":null})"},
                        {.action = Action::kUpdate, .id = "a", .body = R"({"price":5})"}});
  ASSERT_EQ(results.size(), 2u);
  ASSERT_FALSE(results[0].seq);
  EXPECT_EQ(results[0].seq.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(results[1].seq.value(), 2u);
  EXPECT_EQ(body_of("a"), product("a", "5"));
}

TEST_F(StoreTest, UpdateAndDeleteOfAMissingIdAreNotFound) {
  auto results = write({{.action = Action::kUpdate, .id = "x", .body = R"({"price":1})"},
                        {.action = Action::kDelete, .id = "y"},
                        upsert("z")});
  ASSERT_EQ(results.size(), 3u);
  ASSERT_FALSE(results[0].seq);
  EXPECT_EQ(results[0].seq.error().code(), StatusCode::kNotFound);
  ASSERT_FALSE(results[1].seq);
  EXPECT_EQ(results[1].seq.error().code(), StatusCode::kNotFound);
  EXPECT_EQ(results[2].seq.value(), 1u);
  EXPECT_FALSE(get("x"));
  auto log = changes();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].id, "z");
}

TEST_F(StoreTest, DeleteRemovesTheDocumentAndLogsADelete) {
  write({upsert("a"), upsert("b")});
  clock_.advance(5s);
  auto results = write({{.action = Action::kDelete, .id = "a"}});
  ASSERT_EQ(results[0].seq.value(), 3u);
  EXPECT_FALSE(get("a"));
  EXPECT_TRUE(get("b"));
  EXPECT_EQ(store_->count("products").value(), 1);

  auto log = changes(2);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].seq, 3u);
  EXPECT_EQ(log[0].collection, "products");
  EXPECT_EQ(log[0].id, "a");
  EXPECT_EQ(log[0].op, changes::ChangeOp::kDelete);
  EXPECT_EQ(log[0].body, "");
  EXPECT_EQ(log[0].at_ms, ms_of(kStart + 5s));
}

TEST_F(StoreTest, ChangesAfterAreOldestFirstAndLimited) {
  for (int i = 1; i <= 5; ++i) {
    write({upsert("r" + std::to_string(i))});
    clock_.advance(1s);
  }
  auto first = changes(0, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].seq, 1u);
  EXPECT_EQ(first[0].id, "r1");
  EXPECT_EQ(first[0].collection, "products");
  EXPECT_EQ(first[0].op, changes::ChangeOp::kUpsert);
  EXPECT_EQ(first[0].body, product("r1"));
  EXPECT_EQ(first[0].at_ms, ms_of(kStart));
  EXPECT_EQ(first[1].seq, 2u);
  EXPECT_EQ(first[1].at_ms, ms_of(kStart + 1s));

  auto next = changes(2, 2);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].seq, 3u);
  EXPECT_EQ(next[1].seq, 4u);
  auto rest = changes(4, 100);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, "r5");
  EXPECT_TRUE(changes(5, 100).empty());
}

TEST_F(StoreTest, HeadSeqFollowsCommitsAndWaitForHeadWakesOnACommit) {
  EXPECT_EQ(store_->head_seq(), 0u);
  EXPECT_EQ(store_->wait_for_head(0, 1ms), 0u);  // times out with nothing written

  auto waiter = std::async(std::launch::async, [&] { return store_->wait_for_head(0, 10s); });
  write({upsert("a"), upsert("b")});
  EXPECT_EQ(waiter.get(), 2u);
  EXPECT_EQ(store_->head_seq(), 2u);
  EXPECT_EQ(store_->wait_for_head(1, 0ms), 2u);
}

TEST_F(StoreTest, ConcurrentBatchesAreGroupCommittedWithDistinctSeqs) {
  constexpr int kThreads = 8;
  constexpr int kBatches = 50;
  std::latch done(kThreads * kBatches);
  std::mutex mutex;
  std::vector<std::vector<OpResult>> results;  // one entry per batch
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::string prefix = "t" + std::to_string(t) + "-b" + std::to_string(b);
        store_->submit(batch({upsert(prefix + "-x"), upsert(prefix + "-y")}), [&](auto r) {
          {
            std::lock_guard lock(mutex);
            if (r) {
              results.push_back(std::move(*r));
            } else {
              errors.push_back(r.error().message());
            }
          }
          done.count_down();
        });
      }
    });
  }
  for (auto& t : threads)
    t.join();
  done.wait();

  EXPECT_TRUE(errors.empty()) << errors.front();
  ASSERT_EQ(results.size(), std::size_t{kThreads * kBatches});
  std::set<std::uint64_t> seqs;
  for (const auto& r : results) {
    ASSERT_EQ(r.size(), 2u);
    ASSERT_TRUE(r[0].seq && r[1].seq);
    EXPECT_EQ(*r[1].seq, *r[0].seq + 1) << "a batch's operations are consecutive";
    seqs.insert(*r[0].seq);
    seqs.insert(*r[1].seq);
    for (const auto& op : r) {
      auto doc = get(op.id);
      ASSERT_TRUE(doc) << op.id;
      EXPECT_EQ(doc->body, product(op.id));
      EXPECT_EQ(doc->seq, *op.seq);
    }
  }
  constexpr std::uint64_t kOps = 2 * kThreads * kBatches;
  EXPECT_EQ(seqs.size(), kOps);
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), kOps);
  EXPECT_EQ(store_->head_seq(), kOps);
  EXPECT_EQ(store_->count("products").value(), static_cast<std::int64_t>(kOps));
}

TEST_F(StoreTest, ClosingFinishesQueuedWrites) {
  constexpr int kBatches = 20;
  std::atomic<int> ok{0};
  for (int i = 0; i < kBatches; ++i) {
    store_->submit(batch({upsert("r" + std::to_string(i))}), [&](auto r) {
      if (r && r->front().seq) ++ok;
    });
  }
  reopen();
  EXPECT_EQ(ok.load(), kBatches);
  EXPECT_EQ(store_->head_seq(), std::uint64_t{kBatches});
  EXPECT_EQ(store_->count("products").value(), kBatches);
}

TEST_F(StoreTest, ReopenKeepsDocumentsAndHeadSeq) {
  write({upsert("a", "1.10"), upsert("b")});
  write({{.action = Action::kDelete, .id = "b"}});
  reopen();
  EXPECT_EQ(store_->head_seq(), 3u);
  auto doc = get("a");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->body, product("a", "1.10"));
  EXPECT_EQ(doc->seq, 1u);
  EXPECT_FALSE(get("b"));
  EXPECT_EQ(changes().size(), 3u);
  EXPECT_EQ(write({upsert("c")})[0].seq.value(), 4u);
}

// A store written by the first schema (documents keyed by id) opens with its documents intact,
// moved to the second (documents in insertion order, indexed by id), and takes writes.
TEST(StoreMigration, DocumentsOfTheFirstSchemaSurviveTheSecond) {
  testing::TempDir dir;
  core::FakeClock clock{kStart};
  std::string path = dir.file("tandem.db");
  {
    auto db = Db::open(path, false);
    ASSERT_TRUE(db);
    ASSERT_TRUE(migrate(**db, 1).is_ok());
    ASSERT_TRUE((*db)
                    ->exec("INSERT INTO documents VALUES('products', 'b', 2, '{\"id\":\"b\"}', 7);"
                           "INSERT INTO documents VALUES('products', 'a', 1, '{\"id\":\"a\"}', 7);"
                           "INSERT INTO changes(seq, collection, id, op, body, at) VALUES"
                           "(1, 'products', 'a', 0, '', 7), (2, 'products', 'b', 0, '', 7);")
                    .is_ok());
  }
  auto store = Store::open({.path = path, .clock = &clock});
  ASSERT_TRUE(store) << store.error().message();
  auto a = (*store)->get("products", "a");
  ASSERT_TRUE(a && *a);
  EXPECT_EQ((*a)->body, R"({"id":"a"})");
  EXPECT_EQ((*a)->seq, 1u);
  auto all = (*store)->scan("products", "", 10);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "a");  // in id order, as before
  EXPECT_EQ((*all)[1].id, "b");
  EXPECT_EQ((*store)->head_seq(), 2u);

  auto products = std::make_shared<const schema::Collection>(schema::products_collection());
  auto r = (*store)->write(
      WriteBatch{.collection = products, .ops = {upsert("a", "5"), upsert("c", "6")}});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ((*(*store)->get("products", "a"))->body, product("a", "5"));  // replaced, not doubled
  auto count = (*store)->scan("products", "", 10);
  ASSERT_TRUE(count);
  EXPECT_EQ(count->size(), 3u);
  store->reset();

  auto db = Db::open(path, true);
  ASSERT_TRUE(db);
  auto index = (*db)->prepare("SELECT count(*) FROM sqlite_master WHERE name = 'documents_by_id'");
  ASSERT_TRUE(index && *index->step());
  EXPECT_EQ(index->column_int(0), 1);  // the second schema's index by id
}

TEST_F(StoreTest, SeqsAreNotReusedAfterPruneDeletedEveryChange) {
  write({upsert("a"), upsert("b"), upsert("c")});
  clock_.advance(1h);
  auto pruned = store_->prune(store_->head_seq(), ms_of(clock_.now()));
  ASSERT_TRUE(pruned) << pruned.error().message();
  EXPECT_EQ(*pruned, 3u);
  EXPECT_TRUE(changes().empty());

  reopen();
  EXPECT_EQ(store_->head_seq(), 3u);
  EXPECT_EQ(write({upsert("d")})[0].seq.value(), 4u);
  EXPECT_EQ(store_->head_seq(), 4u);
  auto log = changes();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].seq, 4u);
  auto kept = get("a");  // pruning the log keeps the documents
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->seq, 1u);
}

TEST_F(StoreTest, DropCollectionRemovesOnlyThatCollection) {
  ASSERT_TRUE(store_->create_collection(schema::products_collection()).is_ok());
  ASSERT_TRUE(store_->create_collection(reviews_collection()).is_ok());
  auto reviews = std::make_shared<const schema::Collection>(reviews_collection());
  write({upsert("a"), upsert("b")});
  write({{.action = Action::kUpsert, .id = "a", .body = R"({"id":"a","text":"good"})"}}, reviews);
  clock_.advance(2s);

  auto seq = store_->drop_collection("products");
  ASSERT_TRUE(seq) << seq.error().message();
  EXPECT_EQ(*seq, 4u);
  EXPECT_EQ(store_->head_seq(), 4u);
  EXPECT_EQ(store_->count("products").value(), 0);
  EXPECT_FALSE(get("a"));
  auto review = get("a", "reviews");
  ASSERT_TRUE(review);
  EXPECT_EQ(review->body, R"({"id":"a","text":"good"})");

  auto log = changes(3);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].seq, 4u);
  EXPECT_EQ(log[0].op, changes::ChangeOp::kDrop);
  EXPECT_EQ(log[0].collection, "products");
  EXPECT_EQ(log[0].id, "");
  EXPECT_EQ(log[0].body, "");
  EXPECT_EQ(log[0].at_ms, ms_of(kStart + 2s));

  auto names = store_->collections();
  ASSERT_TRUE(names);
  ASSERT_EQ(names->size(), 1u);
  EXPECT_EQ(names->front().name, "reviews");
}

TEST_F(StoreTest, CursorsDefaultToZeroAndPersist) {
  EXPECT_EQ(store_->cursor("search").value(), 0u);
  ASSERT_TRUE(store_->set_cursor("search", 7).is_ok());
  EXPECT_EQ(store_->cursor("search").value(), 7u);
  ASSERT_TRUE(store_->set_cursor("search", 9).is_ok());
  ASSERT_TRUE(store_->set_cursor("cache", 2).is_ok());
  EXPECT_EQ(store_->cursor("search").value(), 9u);
  EXPECT_EQ(store_->cursor("other").value(), 0u);
  reopen();
  EXPECT_EQ(store_->cursor("search").value(), 9u);
  EXPECT_EQ(store_->cursor("cache").value(), 2u);
}

// Cursors are written on a connection of their own: a write of the writer's after one must not
// find its connection still reading an older snapshot (an update reads the stored record first).
TEST_F(StoreTest, WritesGoOnAfterAnUpdateAndACursorWrittenBetween) {
  write({upsert("a")});
  for (int i = 0; i < 3; ++i) {
    auto updated = write(
        {{.action = Action::kUpdate, .id = "a", .body = R"({"stock":)" + std::to_string(i) + "}"}});
    ASSERT_TRUE(updated[0].seq) << updated[0].seq.error().message();
    ASSERT_TRUE(store_->set_cursor("search", *updated[0].seq).is_ok());
  }
  auto deleted = write({{.action = Action::kDelete, .id = "a"}});
  ASSERT_TRUE(deleted[0].seq) << deleted[0].seq.error().message();
  EXPECT_FALSE(get("a"));
  EXPECT_EQ(store_->cursor("search").value(), 4u);
}

TEST_F(StoreTest, DeadLettersCanBeAddedListedReadAndRemoved) {
  changes::Change upserted{.seq = 4, .collection = "products", .id = "a", .body = product("a")};
  changes::Change deleted{
      .seq = 5, .collection = "products", .id = "b", .op = changes::ChangeOp::kDelete};
  ASSERT_TRUE(store_
                  ->add_dead_letters(
                      {{.sink = "search", .change = upserted, .reason = "too big"},
                       {.sink = "cache", .change = deleted, .reason = "refused", .at_ms = 1234}})
                  .is_ok());

  auto letters = store_->dead_letters(10);
  ASSERT_TRUE(letters) << letters.error().message();
  ASSERT_EQ(letters->size(), 2u);
  const auto& first = (*letters)[0];
  EXPECT_EQ(first.sink, "search");
  EXPECT_EQ(first.change.seq, 4u);
  EXPECT_EQ(first.change.collection, "products");
  EXPECT_EQ(first.change.id, "a");
  EXPECT_EQ(first.change.op, changes::ChangeOp::kUpsert);
  EXPECT_EQ(first.change.body, product("a"));
  EXPECT_EQ(first.reason, "too big");
  EXPECT_EQ(first.at_ms, ms_of(kStart));  // unset: the store's clock
  const auto& second = (*letters)[1];
  EXPECT_GT(second.id, first.id);
  EXPECT_EQ(second.sink, "cache");
  EXPECT_EQ(second.change.op, changes::ChangeOp::kDelete);
  EXPECT_EQ(second.at_ms, 1234);
  EXPECT_EQ(store_->dead_letters(1).value().size(), 1u);

  auto one = store_->dead_letter(second.id);
  ASSERT_TRUE(one && *one);
  EXPECT_EQ((*one)->reason, "refused");
  EXPECT_EQ((*one)->change.id, "b");

  ASSERT_TRUE(store_->remove_dead_letter(first.id).is_ok());
  EXPECT_FALSE(store_->dead_letter(first.id).value());
  EXPECT_EQ(store_->remove_dead_letter(first.id).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->remove_dead_letter(second.id + 100).code(), StatusCode::kNotFound);
  auto left = store_->dead_letters(10).value();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, second.id);
}

TEST_F(StoreTest, PruneRespectsBothSeqAndAge) {
  write({upsert("a"), upsert("b")});  // seq 1, 2 at kStart
  clock_.advance(10min);
  write({upsert("c"), upsert("d")});  // seq 3, 4 at kStart + 10min
  clock_.advance(10min);

  // Old enough: 1 and 2 only; 3 is within the seq bound but too new.
  EXPECT_EQ(store_->prune(3, ms_of(kStart + 5min)).value(), 2u);
  auto log = changes();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].seq, 3u);

  // The age bound is strict: an entry committed exactly at the cutoff stays.
  EXPECT_EQ(store_->prune(4, ms_of(kStart + 10min)).value(), 0u);
  // Old enough: 3 and 4; only 3 is within the seq bound.
  EXPECT_EQ(store_->prune(3, ms_of(clock_.now())).value(), 1u);
  log = changes();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].seq, 4u);
  EXPECT_EQ(store_->head_seq(), 4u);
}

TEST_F(StoreTest, ApiKeysAreKeptByIdAndRevokedOnce) {
  ASSERT_TRUE(store_->keys().value().empty());
  ASSERT_TRUE(
      store_
          ->put_key(
              {.id = "k2", .hash = "h2", .spec = R"({"scopes":["read"]})", .created_at_ms = 2000})
          .is_ok());
  ASSERT_TRUE(
      store_->put_key({.id = "k1", .hash = "h1", .spec = "{}", .created_at_ms = 1000}).is_ok());
  auto keys = store_->keys();
  ASSERT_TRUE(keys) << keys.error().message();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, "k1");  // by creation time
  EXPECT_EQ((*keys)[1].spec, R"({"scopes":["read"]})");
  EXPECT_EQ((*keys)[1].revoked_at_ms, 0);
  EXPECT_TRUE(store_->revoke_key("k2", 5000).value());
  EXPECT_FALSE(store_->revoke_key("k2", 6000).value());  // already
  EXPECT_FALSE(store_->revoke_key("nope", 6000).value());
  EXPECT_EQ(store_->keys().value()[1].revoked_at_ms, 5000);
  // Another key with the same hash is refused: one text, one key.
  EXPECT_FALSE(store_->put_key({.id = "k3", .hash = "h1", .spec = "{}"}).is_ok());
}

TEST_F(StoreTest, JobRunsAreNewestFirstAndLimited) {
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(store_
                    ->add_job_run({.job = "generate",
                                   .started_at_ms = 1000 * i,
                                   .duration_ms = 1.5 * i,
                                   .outcome = i == 2 ? "failed" : "ok",
                                   .message = "run " + std::to_string(i)})
                    .is_ok());
  }
  ASSERT_TRUE(store_->add_job_run({.job = "prune", .outcome = "skipped"}).is_ok());

  auto runs = store_->job_runs("generate", 2);
  ASSERT_TRUE(runs) << runs.error().message();
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].job, "generate");
  EXPECT_EQ((*runs)[0].message, "run 3");
  EXPECT_EQ((*runs)[0].started_at_ms, 3000);
  EXPECT_DOUBLE_EQ((*runs)[0].duration_ms, 4.5);
  EXPECT_EQ((*runs)[0].outcome, "ok");
  EXPECT_EQ((*runs)[1].message, "run 2");
  EXPECT_EQ((*runs)[1].outcome, "failed");
  EXPECT_EQ(store_->job_runs("generate", 10).value().size(), 3u);
  auto other = store_->job_runs("prune", 10).value();
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].outcome, "skipped");
  EXPECT_TRUE(store_->job_runs("unknown", 10).value().empty());
}

TEST_F(StoreTest, CollectionsAreListedByNameAndNamesAreUnique) {
  EXPECT_TRUE(store_->collections().value().empty());
  ASSERT_TRUE(store_->create_collection(reviews_collection()).is_ok());
  ASSERT_TRUE(store_->create_collection(schema::products_collection()).is_ok());
  auto dup = store_->create_collection(schema::products_collection());
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("products"), std::string::npos) << dup.message();

  reopen();
  auto all = store_->collections();
  ASSERT_TRUE(all) << all.error().message();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "products");
  EXPECT_EQ(schema::collection_to_json((*all)[0]),
            schema::collection_to_json(schema::products_collection()));
  EXPECT_EQ((*all)[1].name, "reviews");
}

}  // namespace
}  // namespace tandem::store
