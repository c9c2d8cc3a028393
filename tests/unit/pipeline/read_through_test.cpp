#include "pipeline/read_through.h"

#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include "cache/memory/memory_cache.h"
#include "pipeline/cache_sink.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace tandem::pipeline {
namespace {

using namespace std::chrono_literals;

// A MemoryCache seen through a hook on get(): what the tests below change about reading.
class HookedCache : public cache::CacheBackend {
 public:
  std::string_view name() const override { return "hooked"; }
  core::Result<std::optional<cache::CacheEntry>> get(std::string_view key) override {
    auto r = inner_.get(key);
    after_get(key);
    return r;
  }
  core::Result<std::vector<std::optional<cache::CacheEntry>>> get_many(
      std::span<const std::string> k) override {
    return inner_.get_many(k);
  }
  core::Status set(std::string_view k, std::string_view v, std::uint64_t ver,
                   std::chrono::milliseconds ttl) override {
    return inner_.set(k, v, ver, ttl);
  }
  core::Status remove(std::string_view k, std::uint64_t ver) override {
    return inner_.remove(k, ver);
  }
  cache::CacheStats stats() const override { return inner_.stats(); }
  core::Status check() override { return inner_.check(); }

 protected:
  // Runs after the value was read and before it is returned.
  virtual void after_get(std::string_view key) = 0;
  cache::MemoryCache inner_{cache::MemoryCacheOptions{}};
};

// The first `n` gets wait for each other: n readers then miss at the same moment, which is
// exactly when single flight matters.
class RendezvousCache final : public HookedCache {
 public:
  explicit RendezvousCache(std::ptrdiff_t n) : barrier_(n), left_(static_cast<int>(n)) {}

 private:
  void after_get(std::string_view) override {
    if (left_.fetch_sub(1) > 0) barrier_.arrive_and_wait();
  }
  std::barrier<> barrier_;
  std::atomic<int> left_;
};

// The cache sink stores version 2 and lifts the fence while a get is inside the cache.
class RacingCache final : public HookedCache {
 public:
  explicit RacingCache(WriteFence& fence) : fence_(fence) {}
  cache::MemoryCache& inner() { return inner_; }

 private:
  void after_get(std::string_view key) override {
    EXPECT_TRUE(inner_.set(key, "{\"v\":2}", 2, 0ms).is_ok());
    fence_.applied(2);
  }
  WriteFence& fence_;
};

class ReadThroughTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::open({.path = dir_.file("t.db")});
    ASSERT_TRUE(s);
    store_ = std::move(*s);
    auto w = store_->write(
        {.collection = products_,
         .ops = {{.id = "p1",
                  .body = R"({"id":"p1","name":"n","category":"c","brand":"b","price":1})"}}});
    ASSERT_TRUE(w);
  }
  // p1 again, at seq 2.
  void write_second_version() {
    auto w = store_->write(
        {.collection = products_,
         .ops = {{.id = "p1",
                  .body = R"({"id":"p1","name":"Second","category":"c","brand":"b","price":2})"}}});
    ASSERT_TRUE(w);
  }

  testing::TempDir dir_;
  std::shared_ptr<const schema::Collection> products_ =
      std::make_shared<const schema::Collection>(schema::products_collection());
  std::unique_ptr<store::Store> store_;
};

TEST_F(ReadThroughTest, ConcurrentMissesShareOneStoreRead) {
  constexpr int kReaders = 16;
  RendezvousCache cache(kReaders);
  ReadThrough reads(cache, *store_, 5s);
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int i = 0; i < kReaders; ++i) {
    threads.emplace_back([&] {
      auto r = reads.get("products", "p1");
      if (r && r->body) ++found;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(found.load(), kReaders);
  EXPECT_EQ(reads.store_loads(), 1u);
}

TEST_F(ReadThroughTest, HitsAfterAMissAndCachesNotFound) {
  cache::MemoryCache cache(cache::MemoryCacheOptions{});
  ReadThrough reads(cache, *store_, 5s);
  auto first = reads.get("products", "p1");
  ASSERT_TRUE(first && first->body);
  EXPECT_FALSE(first->from_cache);
  EXPECT_EQ(first->version, 1u);
  auto second = reads.get("products", "p1");
  EXPECT_TRUE(second->from_cache);
  EXPECT_EQ(*second->body, *first->body);
  auto missing = reads.get("products", "nope");
  EXPECT_FALSE(missing->body);
  EXPECT_FALSE(missing->from_cache);
  EXPECT_TRUE(reads.get("products", "nope")->from_cache);
  EXPECT_EQ(reads.store_loads(), 2u);
}

TEST_F(ReadThroughTest, TheCacheSinkKeepsEntriesInStepWithTheStore) {
  cache::MemoryCache cache(cache::MemoryCacheOptions{});
  CacheSink sink(cache);
  ReadThrough reads(cache, *store_, 5s);
  (void)reads.get("products", "p1");  // cached at seq 1
  std::vector<changes::Change> changes{
      {.seq = 2,
       .collection = "products",
       .id = "p1",
       .op = changes::ChangeOp::kUpsert,
       .body = "{\"v\":2}"},
      {.seq = 3,
       .collection = "products",
       .id = "p2",
       .op = changes::ChangeOp::kUpsert,
       .body = "{\"v\":3}"},
      {.seq = 4, .collection = "products", .id = "p2", .op = changes::ChangeOp::kDelete}};
  ASSERT_TRUE(sink.apply(changes));
  EXPECT_EQ(*reads.get("products", "p1")->body, "{\"v\":2}");
  EXPECT_EQ(cache.get(cache_key("products", "p2"))->has_value(), false);  // removed
  std::vector<changes::Change> stale{{.seq = 3,
                                      .collection = "products",
                                      .id = "p2",
                                      .op = changes::ChangeOp::kUpsert,
                                      .body = "{\"v\":3}"}};
  ASSERT_TRUE(sink.apply(stale));  // replayed after the delete: must not resurrect it
  EXPECT_FALSE(cache.get(cache_key("products", "p2"))->has_value());
}

// A write this node acknowledged and the cache does not hold yet (its sink lags, Redis is slow):
// the older cached version is a miss, the store answers, and once the sink stores the write the
// cache answers again.
TEST_F(ReadThroughTest, TheFenceHidesCachedVersionsOlderThanAnAcknowledgedWrite) {
  cache::MemoryCache cache(cache::MemoryCacheOptions{});
  WriteFence fence;
  CacheSink sink(cache, &fence);
  ReadThrough reads(cache, *store_, 5s, &fence);
  ASSERT_TRUE(reads.get("products", "p1")->body);  // cached at seq 1
  write_second_version();
  fence.note(cache_key("products", "p1"), 2);  // what the write path does at the commit
  auto read = reads.get("products", "p1");
  ASSERT_TRUE(read && read->body);
  EXPECT_FALSE(read->from_cache);
  EXPECT_EQ(read->version, 2u);
  auto changes = store_->changes_after(1, 10);
  ASSERT_TRUE(changes);
  ASSERT_TRUE(sink.apply(*changes));  // the sink catches up: the fence lifts
  EXPECT_EQ(fence.floor(cache_key("products", "p1")), 0u);
  auto cached = reads.get("products", "p1");
  EXPECT_TRUE(cached->from_cache);
  EXPECT_EQ(cached->version, 2u);
}

// The cache sink stores the write and lifts the fence while a read is inside the cache: the value
// that read got from before the write must still not be served.
TEST_F(ReadThroughTest, AFenceLiftedDuringTheCacheReadStillHoldsForThatRead) {
  WriteFence fence;
  RacingCache racing(fence);
  ASSERT_TRUE(racing.inner().set(cache_key("products", "p1"), "{\"v\":1}", 1, 0ms).is_ok());
  write_second_version();
  fence.note(cache_key("products", "p1"), 2);
  ReadThrough reads(racing, *store_, 5s, &fence);
  auto read = reads.get("products", "p1");
  ASSERT_TRUE(read && read->body);
  EXPECT_EQ(read->version, 2u);
}

}  // namespace
}  // namespace tandem::pipeline
