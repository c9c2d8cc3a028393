// The Redis cache on a real Redis Cluster (three masters, a replica each, started on loopback by
// the test): keys spread over every master where redis-cli finds them, a slot migrated under
// the cache (ASK while it moves, MOVED after), a failover on command and a master crashing,
// both during traffic. The CacheBackend contract itself runs on a cluster in
// cache_backend_test.cpp.
#include "net/redis_cluster.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cache/redis/redis_cache.h"
#include "support/redis_cluster_servers.h"

namespace tandem::cache {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class RedisClusterTest : public ::testing::Test {
 protected:
  RedisClusterTest() {
    std::vector<net::HostPort> seeds;
    for (auto port : servers_.ports())
      seeds.push_back({.host = "127.0.0.1", .port = port});
    auto cluster = std::make_unique<net::RedisCluster>(net::RedisClusterOptions{
        .seeds = seeds,
        .node = {.command_timeout = 300ms, .reconnect = {.initial = 20ms, .max = 200ms}}});
    cluster_ = cluster.get();
    // Each write waits for its replica (WAIT 1): a crashed master's successor has it.
    cache_ = std::make_unique<RedisCache>(
        std::move(cluster), RedisCacheOptions{.wait_replicas = 1, .wait_timeout = 100ms});
    // A new replica gets its master's write stream from its first ACK on (up to a second after
    // its sync): until then WAIT counts none. Writes to every master until each counts.
    auto until = Clock::now() + 10s;
    for (int k = 0; k < 30 && Clock::now() < until;) {
      if (cache_->set("warm-up-" + std::to_string(k), "", 1, 0ms).is_ok()) {
        ++k;
      } else {
        std::this_thread::sleep_for(50ms);
      }
    }
  }

  std::uint16_t slot(const std::string& key) const { return net::key_slot("tandem:" + key); }
  std::optional<CacheEntry> get(const std::string& key) {
    auto r = cache_->get(key);
    EXPECT_TRUE(r) << key << ": " << r.error().message();
    return r ? *r : std::nullopt;
  }
  // An asynchronous lookup's value, or its error.
  std::string async_get(const std::string& key) {
    std::promise<std::string> p;
    cache_->get_async(key, [&](core::Result<std::optional<CacheEntry>> r) {
      p.set_value(!r ? r.error().message() : *r ? (*r)->value : "a miss");
    });
    return p.get_future().get();
  }
  // A node's role line ("role:master").
  bool is_master(std::size_t i) {
    return servers_.cli(i, {"INFO", "replication"}).find("role:master") != std::string::npos;
  }

  testing::RedisClusterServers servers_{3, 1};
  net::RedisCluster* cluster_ = nullptr;
  std::unique_ptr<RedisCache> cache_;
};

// Writers that keep setting keys k0..k{keys-1} to rising versions, each write retried until
// acknowledged; what each key's newest acknowledged version is.
class Traffic {
 public:
  Traffic(CacheBackend& cache, int keys) : cache_(cache) {
    for (int t = 0; t < 2; ++t) {
      threads_.emplace_back([this, t, keys] {
        for (int k = t; !stop_; k = (k + 2) % keys) {
          std::string key = "k" + std::to_string(k);
          std::uint64_t v = ++version_;
          auto begin = Clock::now();
          auto st = cache_.set(key, std::to_string(v), v, 0ms);
          auto took = Clock::now() - begin;
          std::lock_guard lock(mutex_);
          slowest_ = std::max(slowest_, took);
          if (st.is_ok()) {
            acked_[key] = std::max(acked_[key], v);
            ++ok_;
          } else {
            ++failed_;
          }
        }
      });
    }
  }
  ~Traffic() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::map<std::string, std::uint64_t> acked() {
    std::lock_guard lock(mutex_);
    return acked_;
  }
  std::uint64_t ok() {
    std::lock_guard lock(mutex_);
    return ok_;
  }
  std::uint64_t failed() {
    std::lock_guard lock(mutex_);
    return failed_;
  }
  Clock::duration slowest() {
    std::lock_guard lock(mutex_);
    return slowest_;
  }

 private:
  CacheBackend& cache_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> version_{0};
  std::mutex mutex_;
  std::map<std::string, std::uint64_t> acked_;
  std::uint64_t ok_ = 0, failed_ = 0;
  Clock::duration slowest_{};
  std::vector<std::thread> threads_;
};

TEST_F(RedisClusterTest, KeysSpreadOverEveryMasterWhereRedisCliFindsThem) {
  for (int i = 0; i < 300; ++i)
    ASSERT_TRUE(
        cache_->set("products/p-" + std::to_string(i), "v" + std::to_string(i), 1, 0ms).is_ok());
  std::map<std::size_t, int> per_master;
  for (int i = 0; i < 300; ++i) {
    std::string key = "products/p-" + std::to_string(i);
    auto m = servers_.master_of(slot(key));
    ++per_master[m];
    EXPECT_EQ(servers_.cli(m, {"HGET", "tandem:" + key, "d"}), "v" + std::to_string(i) + "\n");
  }
  EXPECT_EQ(per_master.size(), 3u);
  for (auto [m, n] : per_master)
    EXPECT_GT(n, 50) << "master " << m;
  std::vector<std::string> keys;
  for (int i = 0; i < 300; i += 7)
    keys.push_back("products/p-" + std::to_string(i));
  auto many = cache_->get_many(keys);  // one call over three nodes
  ASSERT_TRUE(many) << many.error().message();
  for (std::size_t i = 0; i < keys.size(); ++i)
    EXPECT_EQ((*many)[i]->value, "v" + std::to_string(i * 7));
}

TEST_F(RedisClusterTest, SlotsAndShardsDescribeTheSameMap) {
  net::RedisClient node({.server = {.host = "127.0.0.1", .port = servers_.ports().front()}});
  auto shards = node.run(net::Command{"CLUSTER", "SHARDS"});
  auto slots = node.run(net::Command{"CLUSTER", "SLOTS"});
  ASSERT_TRUE(shards && slots);
  auto a = net::parse_cluster_shards(*shards, node.options().server, false);
  auto b = net::parse_cluster_slots(*slots, node.options().server);
  ASSERT_TRUE(a) << a.error().message();
  ASSERT_TRUE(b) << b.error().message();
  auto order = [](const net::SlotRange& x, const net::SlotRange& y) { return x.first < y.first; };
  std::sort(a->begin(), a->end(), order);
  std::sort(b->begin(), b->end(), order);
  EXPECT_EQ(*a, *b);
  std::size_t covered = 0;
  for (const auto& r : *a)
    covered += r.last - r.first + 1u;
  EXPECT_EQ(covered, net::kClusterSlots);
}

// A slot moves from one master to another under the cache: while it migrates, keys already
// moved answer ASK (and new keys go to the importing node); once it has moved, MOVED.
TEST_F(RedisClusterTest, ASlotMigratesUnderTheCache) {
  auto key = [](int i) { return "{mig}p-" + std::to_string(i); };  // one slot: the tag's
  const std::uint16_t s = slot(key(0));
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(cache_->set(key(i), "a" + std::to_string(i), 1, 0ms).is_ok());
  const std::size_t from = servers_.master_of(s);
  std::size_t to = from;
  for (std::uint16_t probe = 0; to == from; probe += 1000)
    to = servers_.master_of(probe);
  const std::string from_id = servers_.id(from), to_id = servers_.id(to);
  const std::string to_port = std::to_string(servers_.ports()[to]);
  ASSERT_EQ(servers_.cli(to, {"CLUSTER", "SETSLOT", std::to_string(s), "IMPORTING", from_id}),
            "OK\n");
  ASSERT_EQ(servers_.cli(from, {"CLUSTER", "SETSLOT", std::to_string(s), "MIGRATING", to_id}),
            "OK\n");
  std::vector<std::string> migrate{"MIGRATE", "127.0.0.1", to_port, "", "0", "5000", "KEYS"};
  for (int i = 0; i < 10; ++i)
    migrate.push_back("tandem:" + key(i));
  ASSERT_EQ(servers_.cli(from, migrate), "OK\n");

  // An asynchronous lookup does not follow a redirection: it fails, and the caller's slow path
  // (a blocking get) follows it.
  EXPECT_NE(async_get(key(3)).find("ASK"), std::string::npos);
  auto ask_before = cluster_->stats().ask;
  EXPECT_EQ(get(key(3))->value, "a3");    // moved: ASK
  EXPECT_EQ(get(key(15))->value, "a15");  // not yet moved: the old master
  ASSERT_TRUE(cache_->set(key(3), "b3", 2, 0ms).is_ok());
  ASSERT_TRUE(cache_->set(key(3), "old", 1, 0ms).is_ok());   // the script ran on the new node
  ASSERT_TRUE(cache_->set(key(20), "b20", 1, 0ms).is_ok());  // a new key: the importing node
  EXPECT_GT(cluster_->stats().ask, ask_before);
  // The importing node holds the 10 keys moved and the new one.
  EXPECT_EQ(servers_.cli(to, {"CLUSTER", "COUNTKEYSINSLOT", std::to_string(s)}), "11\n");

  migrate.resize(7);
  for (int i = 10; i < 20; ++i)
    migrate.push_back("tandem:" + key(i));
  ASSERT_EQ(servers_.cli(from, migrate), "OK\n");
  for (std::size_t n = 0; n < servers_.size(); ++n) {
    if (is_master(n)) {
      ASSERT_EQ(servers_.cli(n, {"CLUSTER", "SETSLOT", std::to_string(s), "NODE", to_id}), "OK\n");
    }
  }
  auto moved_before = cluster_->stats().moved;
  EXPECT_NE(async_get(key(15)).find("MOVED"), std::string::npos);  // the map still names the old
  EXPECT_EQ(async_get(key(15)), "a15");  // master; the MOVED put the slot right
  EXPECT_EQ(get(key(16))->value, "a16");
  EXPECT_GT(cluster_->stats().moved, moved_before);
  for (int i = 0; i <= 20; ++i) {
    auto e = get(key(i));
    ASSERT_TRUE(e) << key(i);
    EXPECT_EQ(e->value, i == 3 ? "b3" : i == 20 ? "b20" : "a" + std::to_string(i));
  }
  EXPECT_EQ(servers_.master_of(s), to);
}

// A replica takes over on CLUSTER FAILOVER while writers keep writing: every write is
// acknowledged eventually and the cluster holds each key's newest acknowledged version.
TEST_F(RedisClusterTest, AFailoverDuringTrafficLosesNoAcknowledgedWrite) {
  std::size_t replica = 0;
  while (is_master(replica))
    ++replica;
  Traffic traffic(*cache_, 200);
  std::this_thread::sleep_for(300ms);
  ASSERT_EQ(servers_.cli(replica, {"CLUSTER", "FAILOVER"}), "OK\n");
  for (int i = 0; i < 100 && !is_master(replica); ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(is_master(replica));
  std::this_thread::sleep_for(500ms);
  traffic.stop();
  EXPECT_GT(traffic.ok(), 1000u);
  EXPECT_LT(traffic.slowest(), 300ms + 200ms);  // within the deadline, with scheduling slack
  for (const auto& [key, version] : traffic.acked()) {
    auto e = get(key);
    ASSERT_TRUE(e) << key;
    EXPECT_EQ(e->version, version) << key;
  }
  EXPECT_GT(cluster_->stats().moved + cluster_->stats().refreshes, 1u);
}

// A master is killed while writers keep writing: its keys fail within the deadline (others are
// still written), and once its replica took over it holds every write acknowledged before the
// crash (each waited for the replica). The promoted master has no replica left, so writes that
// must wait for one fail there, saying why; without the wait every key is written again.
TEST_F(RedisClusterTest, AMasterCrashLosesNoAcknowledgedWriteAndTheReplicaTakesOver) {
  std::size_t master = 0;
  while (!is_master(master))
    ++master;
  Traffic traffic(*cache_, 200);
  std::this_thread::sleep_for(300ms);
  servers_.crash(master);
  auto ok_at_crash = traffic.ok();
  auto live_masters = [&] {
    int n = 0;
    for (std::size_t i = 0; i < servers_.size(); ++i)
      n += i != master && is_master(i) ? 1 : 0;
    return n;
  };
  for (auto until = Clock::now() + 30s; live_masters() < 3 && Clock::now() < until;)
    std::this_thread::sleep_for(100ms);
  ASSERT_EQ(live_masters(), 3) << "no replica was promoted";
  servers_.wait_ok(30s, false);
  std::this_thread::sleep_for(500ms);
  traffic.stop();
  EXPECT_GT(traffic.failed(), 0u);       // the dead master's keys
  EXPECT_GT(traffic.ok(), ok_at_crash);  // the other masters' keys were written meanwhile
  EXPECT_LT(traffic.slowest(), 300ms + 200ms);
  for (const auto& [key, version] : traffic.acked()) {
    auto e = get(key);
    ASSERT_TRUE(e) << key;
    // A write that failed its WAIT may still have landed: newer, never older.
    EXPECT_GE(e->version, version) << key;
  }
  std::vector<net::HostPort> seeds;
  for (auto port : servers_.ports())
    seeds.push_back({.host = "127.0.0.1", .port = port});
  RedisCache no_wait(std::make_unique<net::RedisCluster>(net::RedisClusterOptions{
                         .seeds = seeds, .node = {.command_timeout = 300ms}}),
                     RedisCacheOptions{});
  int lonely = 0;
  for (int k = 0; k < 200; ++k) {  // every key, on the promoted replica too
    std::string key = "k" + std::to_string(k);
    if (k < 60) {  // each refused one waits out its WAIT
      auto waited = cache_->set(key, "w", 1u << 30, 0ms);
      if (!waited.is_ok()) {
        ++lonely;
        EXPECT_NE(waited.message().find("0 of 1 replicas"), std::string::npos) << waited.message();
      }
    }
    ASSERT_TRUE(no_wait.set(key, "final", (1u << 30) + 1, 0ms).is_ok()) << key;
    EXPECT_EQ(get(key)->value, "final");
  }
  EXPECT_GT(lonely, 5);  // about a third of the keys live on the promoted master
  EXPECT_LT(lonely, 40);
}

}  // namespace
}  // namespace tandem::cache
