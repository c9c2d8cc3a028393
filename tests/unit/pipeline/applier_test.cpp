// Unit tests for pipeline::Applier and pipeline::Pipeline against a real store in a temporary
// directory and a scripted Sink. The applier is driven with step() wherever possible; the only
// waits are for correctness (a breaker cooldown must have passed), never asserted durations.
#include "pipeline/applier.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "obs/log.h"
#include "pipeline/pipeline.h"
#include "schema/collection.h"
#include "store/store.h"
#include "support/log_sinks.h"
#include "support/temp_dir.h"

namespace tandem::pipeline {
namespace {

using namespace std::chrono_literals;
using core::StatusCode;

const auto kStart = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 9h;

// A Sink that records every batch it is offered. It can be told to fail the next N calls with
// kUnavailable, and to refuse given seqs permanently. Thread-safe: the applier's thread calls
// apply() while the test reads the recordings.
class ScriptedSink final : public Sink {
 public:
  explicit ScriptedSink(std::string name) : name_(std::move(name)) {}

  std::string_view name() const override { return name_; }

  core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) override {
    std::function<void()> hook;
    {
      std::lock_guard lock(mutex_);
      hook = on_apply_;
    }
    if (hook) hook();
    std::lock_guard lock(mutex_);
    std::vector<std::uint64_t> seqs;
    for (const auto& c : changes)
      seqs.push_back(c.seq);
    attempts_.push_back(seqs);
    if (fail_next_ > 0) {
      --fail_next_;
      return core::fail(core::unavailable("sink down"));
    }
    std::vector<changes::Rejection> rejected;
    for (const auto& c : changes) {
      if (refused_.contains(c.seq)) {
        rejected.push_back({.seq = c.seq, .reason = "refused " + c.id});
      } else {
        applied_.push_back(c);
      }
    }
    batches_.push_back(std::move(seqs));
    return rejected;
  }

  void fail_next(int n) {
    std::lock_guard lock(mutex_);
    fail_next_ = n;
  }
  // What unseen_from() answers: applied changes from this seq on are not yet visible.
  void unseen(std::uint64_t from) { unseen_ = from; }
  std::uint64_t unseen_from() const override { return unseen_.load(); }
  void refuse(std::uint64_t seq) {
    std::lock_guard lock(mutex_);
    refused_.insert(seq);
  }
  void accept(std::uint64_t seq) {
    std::lock_guard lock(mutex_);
    refused_.erase(seq);
  }
  // Runs at the start of every apply(), outside the sink's lock.
  void on_apply(std::function<void()> hook) {
    std::lock_guard lock(mutex_);
    on_apply_ = std::move(hook);
  }

  // Every call's seqs, failed or not.
  std::vector<std::vector<std::uint64_t>> attempts() const {
    std::lock_guard lock(mutex_);
    return attempts_;
  }
  // The seqs of each successful call.
  std::vector<std::vector<std::uint64_t>> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  // Changes accepted (not refused) by successful calls, in order.
  std::vector<changes::Change> applied() const {
    std::lock_guard lock(mutex_);
    return applied_;
  }
  std::vector<std::uint64_t> applied_seqs() const {
    std::vector<std::uint64_t> out;
    for (const auto& c : applied())
      out.push_back(c.seq);
    return out;
  }
  std::size_t calls() const {
    std::lock_guard lock(mutex_);
    return attempts_.size();
  }

 private:
  const std::string name_;
  mutable std::mutex mutex_;  // guards everything below
  int fail_next_ = 0;
  std::set<std::uint64_t> refused_;
  std::function<void()> on_apply_;
  std::atomic<std::uint64_t> unseen_{0};
  std::vector<std::vector<std::uint64_t>> attempts_;
  std::vector<std::vector<std::uint64_t>> batches_;
  std::vector<changes::Change> applied_;
};

std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t last) {
  std::vector<std::uint64_t> out;
  for (auto s = first; s <= last; ++s)
    out.push_back(s);
  return out;
}

std::string product(const std::string& id) {
  return R"({"id":")" + id + R"(","name":"n","category":"c","brand":"b","price":1.50})";
}

class ApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::open({.path = dir_.file("tandem.db"), .clock = &clock_});
    ASSERT_TRUE(s) << s.error().message();
    store_ = std::move(*s);
  }

  // Writes `n` records r<k> in one batch; returns the head seq afterwards.
  std::uint64_t write(int n) {
    store::WriteBatch batch{.collection = products_};
    for (int i = 0; i < n; ++i) {
      std::string id = "r" + std::to_string(next_id_++);
      batch.ops.push_back({.action = store::Action::kUpsert, .id = id, .body = product(id)});
    }
    auto r = store_->write(std::move(batch));
    EXPECT_TRUE(r) << r.error().message();
    return store_->head_seq();
  }

  std::uint64_t stored_cursor(std::string_view sink = "search") {
    auto c = store_->cursor(sink);
    EXPECT_TRUE(c) << c.error().message();
    return c ? *c : 0;
  }

  std::vector<store::DeadLetter> dead_letters() {
    auto l = store_->dead_letters(100);
    EXPECT_TRUE(l) << l.error().message();
    return l ? *l : std::vector<store::DeadLetter>{};
  }

  static ApplierOptions options(std::size_t batch_size = 1000) {
    return ApplierOptions{
        .batch_size = batch_size,
        .linger = 1ms,
        .backoff = {.initial = 1ms, .max = 4ms, .seed = 1},
        .breaker_threshold = 3,
        .breaker_cooldown = 100ms,
    };
  }

  testing::TempDir dir_;
  core::FakeClock clock_{kStart};
  obs::Logger log_{obs::Level::kTrace, obs::Format::kJson,
                   std::make_shared<testing::DiscardingSink>()};
  std::shared_ptr<const schema::Collection> products_ =
      std::make_shared<const schema::Collection>(schema::products_collection());
  std::unique_ptr<store::Store> store_;
  ScriptedSink sink_{"search"};
  int next_id_ = 1;
};

TEST_F(ApplierTest, AppliesChangesInSeqOrderInBatchesOfAtMostBatchSize) {
  write(4);
  write(3);
  Applier applier(sink_, *store_, clock_, options(3), log_);
  EXPECT_TRUE(applier.step());
  EXPECT_TRUE(applier.step());
  EXPECT_TRUE(applier.step());
  EXPECT_FALSE(applier.step());  // nothing left

  auto batches = sink_.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], range(1, 3));
  EXPECT_EQ(batches[1], range(4, 6));
  EXPECT_EQ(batches[2], range(7, 7));
  auto applied = sink_.applied();
  ASSERT_EQ(applied.size(), 7u);
  EXPECT_EQ(applied[4].id, "r5");
  EXPECT_EQ(applied[4].collection, "products");
  EXPECT_EQ(applied[4].op, changes::ChangeOp::kUpsert);
  EXPECT_EQ(applied[4].body, product("r5"));
  EXPECT_EQ(applier.status().applied_seq, 7u);
  EXPECT_EQ(applier.status().sink, "search");
  EXPECT_EQ(stored_cursor(), 7u);
  EXPECT_EQ(stored_cursor("cache"), 0u);
}

TEST_F(ApplierTest, ANewApplierResumesAfterThePersistedCursor) {
  write(4);
  {
    Applier first(sink_, *store_, clock_, options(), log_);
    ASSERT_TRUE(first.step());
  }
  write(3);
  ScriptedSink again("search");
  Applier second(again, *store_, clock_, options(), log_);
  EXPECT_EQ(second.status().applied_seq, 4u);
  ASSERT_TRUE(second.step());
  EXPECT_EQ(sink_.applied_seqs(), range(1, 4));
  EXPECT_EQ(again.applied_seqs(), range(5, 7));  // nothing applied twice
  EXPECT_EQ(stored_cursor(), 7u);
}

// Runs one statement on the store's database from a second connection, as an operator (or a
// damaged file) would.
void sql(const std::string& path, const char* statement) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, statement, nullptr, nullptr, &error), SQLITE_OK) << error;
  sqlite3_free(error);
  sqlite3_close(db);
}

// An applier whose cursor cannot be read applies nothing (starting from 0 would apply every
// change again, and over a pruned log skip what it never saw), and resumes from the stored
// cursor once the store answers.
TEST_F(ApplierTest, AnUnreadableCursorAppliesNothingUntilItIsRead) {
  write(3);
  ASSERT_TRUE(store_->set_cursor("search", 2).is_ok());
  sql(dir_.file("tandem.db"), "ALTER TABLE cursors RENAME TO cursors_away");
  Applier applier(sink_, *store_, clock_, options(), log_);
  EXPECT_FALSE(applier.step());
  EXPECT_EQ(sink_.calls(), 0u);
  EXPECT_NE(applier.status().last_error.find("cursor"), std::string::npos)
      << applier.status().last_error;
  EXPECT_EQ(applier.status().consecutive_failures, 1);

  sql(dir_.file("tandem.db"), "ALTER TABLE cursors_away RENAME TO cursors");
  EXPECT_TRUE(applier.step());
  EXPECT_EQ(sink_.applied_seqs(), range(3, 3));
  EXPECT_EQ(stored_cursor(), 3u);
}

TEST_F(ApplierTest, AFailureKeepsTheCursorAndTheSameBatchIsRetried) {
  write(3);
  Applier applier(sink_, *store_, clock_, options(), log_);
  sink_.fail_next(1);
  EXPECT_FALSE(applier.step());
  auto status = applier.status();
  EXPECT_EQ(status.applied_seq, 0u);
  EXPECT_EQ(status.consecutive_failures, 1);
  EXPECT_EQ(status.retries, 1u);
  EXPECT_EQ(status.last_error, "sink down");
  EXPECT_EQ(status.breaker, BreakerState::kClosed);
  EXPECT_EQ(stored_cursor(), 0u);

  write(1);  // arrives between the attempts: the retry reads after the same cursor
  EXPECT_TRUE(applier.step());
  auto attempts = sink_.attempts();
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0], range(1, 3));
  EXPECT_EQ(attempts[1], range(1, 4));
  status = applier.status();
  EXPECT_EQ(status.applied_seq, 4u);
  EXPECT_EQ(status.consecutive_failures, 0);
  EXPECT_EQ(status.retries, 1u);
  EXPECT_EQ(status.last_error, "");
  EXPECT_EQ(stored_cursor(), 4u);
}

TEST_F(ApplierTest, BreakerOpensAfterThresholdThenTrialsAfterCooldown) {
  write(2);
  const auto opts = options();
  Applier applier(sink_, *store_, clock_, opts, log_);
  std::vector<BreakerState> seen;  // the breaker as the sink sees it during each call
  sink_.on_apply([&] { seen.push_back(applier.status().breaker); });
  sink_.fail_next(1000);  // down until told otherwise

  EXPECT_FALSE(applier.step());
  EXPECT_FALSE(applier.step());
  EXPECT_EQ(applier.status().breaker, BreakerState::kClosed);
  EXPECT_FALSE(applier.step());
  EXPECT_EQ(applier.status().breaker, BreakerState::kOpen);
  EXPECT_EQ(applier.status().consecutive_failures, 3);
  EXPECT_EQ(sink_.calls(), 3u);

  clock_.advance(opts.breaker_cooldown - 1ms);
  EXPECT_FALSE(applier.step());
  EXPECT_EQ(sink_.calls(), 3u) << "an open breaker must not call the sink";
  EXPECT_EQ(applier.status().breaker, BreakerState::kOpen);

  // After the cooldown one trial batch goes through half-open; it fails, so the breaker reopens.
  clock_.advance(1ms);
  auto calls = sink_.calls();
  EXPECT_FALSE(applier.step());
  EXPECT_EQ(sink_.calls(), calls + 1);
  EXPECT_EQ(seen.back(), BreakerState::kHalfOpen);
  EXPECT_EQ(applier.status().breaker, BreakerState::kOpen);
  EXPECT_EQ(applier.status().applied_seq, 0u);
  clock_.advance(opts.breaker_cooldown - 1ms);
  EXPECT_FALSE(applier.step());
  EXPECT_EQ(sink_.calls(), calls + 1) << "the reopened breaker waits a whole cooldown again";

  // The next trial succeeds: closed, and the cursor moves.
  sink_.fail_next(0);
  clock_.advance(1ms);
  EXPECT_TRUE(applier.step());
  EXPECT_EQ(seen.back(), BreakerState::kHalfOpen);
  auto status = applier.status();
  EXPECT_EQ(status.breaker, BreakerState::kClosed);
  EXPECT_EQ(status.consecutive_failures, 0);
  EXPECT_EQ(status.last_error, "");
  EXPECT_EQ(status.applied_seq, 2u);
  EXPECT_EQ(stored_cursor(), 2u);
  EXPECT_EQ(sink_.applied_seqs(), range(1, 2));

  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0], BreakerState::kClosed);
  EXPECT_EQ(seen[1], BreakerState::kClosed);
  EXPECT_EQ(seen[2], BreakerState::kClosed);
}

TEST_F(ApplierTest, RejectionsAreDeadLetteredAndTheCursorMovesPastThem) {
  write(4);
  sink_.refuse(2);
  sink_.refuse(4);
  Applier applier(sink_, *store_, clock_, options(), log_);
  ASSERT_TRUE(applier.step());
  EXPECT_EQ(applier.status().applied_seq, 4u);
  EXPECT_EQ(applier.status().dead_lettered, 2u);
  EXPECT_EQ(stored_cursor(), 4u);
  EXPECT_EQ(sink_.applied_seqs(), (std::vector<std::uint64_t>{1, 3}));

  auto letters = dead_letters();
  ASSERT_EQ(letters.size(), 2u);
  EXPECT_EQ(letters[0].sink, "search");
  EXPECT_EQ(letters[0].change.seq, 2u);
  EXPECT_EQ(letters[0].change.id, "r2");
  EXPECT_EQ(letters[0].change.collection, "products");
  EXPECT_EQ(letters[0].change.body, product("r2"));
  EXPECT_EQ(letters[0].reason, "refused r2");
  EXPECT_EQ(letters[1].change.seq, 4u);
  EXPECT_EQ(letters[1].reason, "refused r4");

  EXPECT_FALSE(applier.step());  // refused changes are not offered again
  EXPECT_EQ(sink_.calls(), 1u);
}

TEST_F(ApplierTest, RetryDeadLetterRemovesItOnlyWhenTheSinkAccepts) {
  write(3);
  sink_.refuse(2);
  Applier applier(sink_, *store_, clock_, options(), log_);
  ASSERT_TRUE(applier.step());
  auto letters = dead_letters();
  ASSERT_EQ(letters.size(), 1u);
  const auto letter = letters[0];

  auto still = applier.retry_dead_letter(letter);
  EXPECT_EQ(still.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(still.message().find("refused r2"), std::string::npos) << still.message();
  EXPECT_EQ(dead_letters().size(), 1u);

  sink_.fail_next(1);
  EXPECT_EQ(applier.retry_dead_letter(letter).code(), StatusCode::kUnavailable);
  EXPECT_EQ(dead_letters().size(), 1u);

  sink_.accept(2);
  auto ok = applier.retry_dead_letter(letter);
  EXPECT_TRUE(ok.is_ok()) << ok.to_string();
  EXPECT_TRUE(dead_letters().empty());
  EXPECT_EQ(sink_.applied_seqs(), (std::vector<std::uint64_t>{1, 3, 2}));
  EXPECT_EQ(sink_.applied().back().body, product("r2"));
  EXPECT_EQ(applier.retry_dead_letter(letter).code(), StatusCode::kNotFound);
}

TEST_F(ApplierTest, ThreadedModeAppliesEverythingWritten) {
  Applier applier(sink_, *store_, clock_, options(4), log_);
  applier.start();
  write(3);
  sink_.fail_next(2);  // retried with backoff by the thread
  write(6);
  auto head = write(1);
  EXPECT_EQ(applier.wait_applied(head, 5s), head);
  applier.stop();

  EXPECT_EQ(sink_.applied_seqs(), range(1, head));
  for (const auto& b : sink_.batches())
    EXPECT_LE(b.size(), 4u);
  EXPECT_EQ(stored_cursor(), head);
  EXPECT_EQ(applier.status().applied_seq, head);
}

// The linger batches a stream, never a write that finds the sink idle: after a slow apply (2 s)
// with nothing committed meanwhile, the next lone write is applied without waiting that long
// (the linger here is an hour; the bound checked, 1.5 s, is far from both).
TEST_F(ApplierTest, AWriteThatFindsTheSinkIdleIsAppliedWithoutTheLinger) {
  auto opts = options();
  opts.linger = std::chrono::hours(1);
  Applier applier(sink_, *store_, clock_, opts, log_);
  sink_.on_apply([] { std::this_thread::sleep_for(2s); });
  auto first = write(1);
  ASSERT_TRUE(applier.step());  // slow: the linger would now be 2 s
  ASSERT_EQ(applier.wait_applied(first, 0ms), first);
  sink_.on_apply({});
  applier.start();
  auto started = std::chrono::steady_clock::now();
  auto second = write(1);
  EXPECT_EQ(applier.wait_applied(second, 5s), second);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
  applier.stop();
}

TEST_F(ApplierTest, WaitAppliedReturnsTheCursorOnTimeout) {
  write(2);
  Applier applier(sink_, *store_, clock_, options(), log_);
  EXPECT_EQ(applier.wait_applied(2, 1ms), 0u);  // not started: nothing applies
  ASSERT_TRUE(applier.step());
  EXPECT_EQ(applier.wait_applied(2, 0ms), 2u);
}

// ?wait=indexed means searchable: a change applied but not yet visible (OpenSearch before its
// refresh) keeps its waiter waiting until the sink shows it, or until the timeout.
TEST_F(ApplierTest, WaitersWaitUntilTheSinkShowsWhatWasApplied) {
  Applier applier(sink_, *store_, clock_, options(), log_);
  applier.start();
  sink_.unseen(1);
  auto head = write(3);
  ASSERT_EQ(applier.wait_applied(head, 5s), head);
  std::promise<bool> shown, expired;
  applier.when_applied(head, 10s, [&](bool ok) { shown.set_value(ok); });
  applier.when_applied(2, 0ms, [&](bool ok) { expired.set_value(ok); });
  auto shown_future = shown.get_future();
  EXPECT_EQ(shown_future.wait_for(50ms), std::future_status::timeout);  // applied, not seen
  EXPECT_FALSE(expired.get_future().get());
  sink_.unseen(0);
  ASSERT_EQ(shown_future.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(shown_future.get());
  sink_.unseen(head);  // only newer changes are unseen: older ones answer at once
  bool at_once = false;
  applier.when_applied(head - 1, 0ms, [&](bool ok) { at_once = ok; });
  EXPECT_TRUE(at_once);
  applier.stop();
}

class PipelineTest : public ApplierTest {
 protected:
  PipelineOptions pipeline_options() {
    return PipelineOptions{.retention = 1h, .prune_interval = 1h};
  }
  std::size_t change_count() {
    auto c = store_->changes_after(0, 1000);
    EXPECT_TRUE(c) << c.error().message();
    return c ? c->size() : 0;
  }
};

TEST_F(PipelineTest, PruneOnceNeverDeletesChangesASinkHasNotApplied) {
  ScriptedSink cache("cache");
  Pipeline pipeline(store_.get(), clock_, log_, pipeline_options());
  pipeline.add_sink(sink_, options());
  pipeline.add_sink(cache, options(2));
  write(5);
  ASSERT_NE(pipeline.applier("search"), nullptr);
  ASSERT_NE(pipeline.applier("cache"), nullptr);
  EXPECT_EQ(pipeline.applier("other"), nullptr);
  ASSERT_TRUE(pipeline.applier("search")->step());  // 1..5
  ASSERT_TRUE(pipeline.applier("cache")->step());   // 1..2

  EXPECT_EQ(pipeline.prune_once().value(), 0u);  // applied by both but within the retention
  clock_.advance(2h);
  EXPECT_EQ(pipeline.prune_once().value(), 2u);
  auto left = store_->changes_after(0, 100).value();
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(left.front().seq, 3u);

  // The lagging sink still finds its changes, and once it has applied them they go too.
  ASSERT_TRUE(pipeline.applier("cache")->step());
  ASSERT_TRUE(pipeline.applier("cache")->step());
  EXPECT_EQ(cache.applied_seqs(), range(1, 5));
  EXPECT_EQ(pipeline.prune_once().value(), 3u);
  EXPECT_EQ(change_count(), 0u);

  auto status = pipeline.status();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].sink, "search");
  EXPECT_EQ(status[1].sink, "cache");
  EXPECT_EQ(status[1].applied_seq, 5u);
}

TEST_F(PipelineTest, PruneOnceWithoutSinksDeletesAllOldChanges) {
  Pipeline pipeline(store_.get(), clock_, log_, pipeline_options());
  write(3);
  clock_.advance(30min);
  write(1);
  EXPECT_EQ(pipeline.prune_once().value(), 0u);
  clock_.advance(30min);  // the first three are exactly one retention old: kept
  EXPECT_EQ(pipeline.prune_once().value(), 0u);
  clock_.advance(1ms);
  EXPECT_EQ(pipeline.prune_once().value(), 3u);
  EXPECT_EQ(change_count(), 1u);
  clock_.advance(1h);
  EXPECT_EQ(pipeline.prune_once().value(), 1u);
  EXPECT_EQ(change_count(), 0u);
  EXPECT_EQ(write(1), 5u);  // sequence numbers continue
}

TEST_F(PipelineTest, StartedPipelineFeedsEverySink) {
  ScriptedSink cache("cache");
  Pipeline pipeline(store_.get(), clock_, log_, pipeline_options());
  pipeline.add_sink(sink_, options());
  pipeline.add_sink(cache, options(2));
  pipeline.start();
  write(2);
  auto head = write(3);
  EXPECT_EQ(pipeline.applier("search")->wait_applied(head, 5s), head);
  EXPECT_EQ(pipeline.applier("cache")->wait_applied(head, 5s), head);
  pipeline.stop();
  EXPECT_EQ(sink_.applied_seqs(), range(1, head));
  EXPECT_EQ(cache.applied_seqs(), range(1, head));
}

}  // namespace
}  // namespace tandem::pipeline
