// The shared query-result cache (direct mode) against real redis-server processes on loopback,
// two SharedQueryCache objects standing for two nodes: a response one node stored is served by
// the other, whatever the order of the parameters; a change one node makes visible is a miss on
// every node, and a response computed before it is never served; the key layout an operator
// reads with redis-cli; an ACL user allowed GET, SET and INCR is enough; a frozen Redis is a miss
// within the deadline and the change is owed; a change a stopped Redis did not take is sent ahead
// of the next lookup, or by the retry thread, once it is back from its dump; the same over a
// cluster of three masters.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "net/redis_client.h"
#include "net/redis_cluster.h"
#include "pipeline/shared_query_cache.h"
#include "support/log_sinks.h"
#include "support/redis_cluster_servers.h"
#include "support/redis_server.h"
#include "support/temp_dir.h"

namespace tandem::pipeline {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

obs::Logger& logger() {
  static obs::Logger log{obs::Level::kInfo, obs::Format::kJson,
                         std::make_shared<testing::DiscardingSink>()};
  return log;
}

net::RedisClientOptions on_port(std::uint16_t port) {
  return {.server = {.host = "127.0.0.1", .port = port}, .command_timeout = 300ms};
}

std::unique_ptr<SharedQueryCache> node(std::unique_ptr<net::Redis> redis,
                                       std::chrono::milliseconds ttl = 60s) {
  return std::make_unique<SharedQueryCache>(
      std::move(redis),
      SharedQueryCacheOptions{
          .ttl = ttl, .max_entry_bytes = 1000, .retry = {.initial = 50ms, .max = 200ms, .seed = 1}},
      logger());
}

std::unique_ptr<SharedQueryCache> node(std::uint16_t port) {
  return node(std::make_unique<net::RedisClient>(on_port(port)));
}

// Stores `body` as the response of `params` on `cache`, if it misses, and waits until the write
// (sent without waiting) is there.
void remember(SharedQueryCache& cache, std::vector<std::string_view> params,
              const std::string& body) {
  auto looked = cache.lookup("products", params);
  ASSERT_TRUE(looked.storable);
  ASSERT_FALSE(looked.body);
  cache.store(looked, body);
  for (auto end = Clock::now() + 5s; Clock::now() < end;) {
    if (cache.lookup("products", params).body) return;
    std::this_thread::sleep_for(5ms);
  }
  FAIL() << "the entry never appeared";
}

TEST(SharedQueryCache, AResponseOneNodeStoredIsServedByAnotherInAnyParameterOrder) {
  testing::RedisServer redis;
  auto a = node(redis.port());
  auto b = node(redis.port());
  remember(*a, {"q=lamp", "per_page=5"}, R"({"hits":[1]})");
  auto hit = b->lookup("products", {"per_page=5", "q=lamp"});
  ASSERT_TRUE(hit.body);
  EXPECT_EQ(*hit.body, R"({"hits":[1]})");
  EXPECT_FALSE(b->lookup("products", {"q=lamp"}).body);             // other parameters
  EXPECT_FALSE(b->lookup("books", {"q=lamp", "per_page=5"}).body);  // another collection
}

TEST(SharedQueryCache, AChangeOneNodeMadeVisibleIsAMissOnEveryNode) {
  testing::RedisServer redis;
  auto a = node(redis.port());
  auto b = node(redis.port());
  remember(*a, {"q=lamp"}, "old");
  auto books = b->lookup("books", {"q=lamp"});
  b->store(books, "books");
  a->changed({"products"});
  EXPECT_FALSE(a->lookup("products", {"q=lamp"}).body);
  EXPECT_FALSE(b->lookup("products", {"q=lamp"}).body);
  // Other collections keep their entries.
  for (auto end = Clock::now() + 5s; Clock::now() < end && !b->lookup("books", {"q=lamp"}).body;)
    std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(a->lookup("books", {"q=lamp"}).body);
  EXPECT_EQ(a->owed(), 0u);
}

TEST(SharedQueryCache, AResponseComputedBeforeAChangeIsNeverServed) {
  testing::RedisServer redis;
  auto a = node(redis.port());
  auto b = node(redis.port());
  auto looked = b->lookup("products", {"q=lamp"});  // b searches an index without the write...
  a->changed({"products"});                         // ...that a made visible meanwhile
  b->store(looked, "without the write");
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(a->lookup("products", {"q=lamp"}).body);
  EXPECT_FALSE(b->lookup("products", {"q=lamp"}).body);
  EXPECT_EQ(redis.cli({"GET", "tandem:q:products:q=lamp"}), "0\nwithout the write\n");
}

TEST(SharedQueryCache, RedisCliReadsTheDocumentedLayout) {
  testing::RedisServer redis;
  auto a = node(std::make_unique<net::RedisClient>(on_port(redis.port())), 30s);
  a->changed({"products"});
  remember(*a, {"q=lamp", "page=2"}, R"({"found":3})");
  EXPECT_EQ(redis.cli({"GET", "tandem:q:products"}), "1\n");
  EXPECT_EQ(redis.cli({"GET", "tandem:q:products:page=2&q=lamp"}), "1\n{\"found\":3}\n");
  auto ttl = std::stoll(redis.cli({"PTTL", "tandem:q:products:page=2&q=lamp"}));
  EXPECT_GT(ttl, 25000);
  EXPECT_LE(ttl, 30000);
}

TEST(SharedQueryCache, ResponsesOverTheEntryBoundAreNotKept) {
  testing::RedisServer redis;
  auto a = node(redis.port());
  auto looked = a->lookup("products", {"q=big"});
  a->store(looked, std::string(1001, 'x'));
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(a->lookup("products", {"q=big"}).body);
  EXPECT_EQ(redis.cli({"EXISTS", "tandem:q:products:q=big"}), "0\n");
}

TEST(SharedQueryCache, AGenerationThatIsNotACountIsAMissAndNothingIsStored) {
  testing::RedisServer redis;
  auto a = node(redis.port());
  redis.cli({"SET", "tandem:q:products", "garbage"});
  auto looked = a->lookup("products", {"q=lamp"});
  EXPECT_FALSE(looked.body);
  EXPECT_FALSE(looked.storable);
}

TEST(SharedQueryCache, AnAclUserAllowedGetSetAndIncrIsEnough) {
  testing::RedisServer redis({"--user", "tandem", "on", ">acl-pw", "~tandem:*", "resetchannels",
                              "-@all", "+get", "+set", "+incr", "+client|setname", "+select"});
  auto o = on_port(redis.port());
  o.user = "tandem";
  o.password = "acl-pw";
  auto a = node(std::make_unique<net::RedisClient>(o));
  auto b = node(std::make_unique<net::RedisClient>(o));
  remember(*a, {"q=lamp"}, "body");
  EXPECT_TRUE(b->lookup("products", {"q=lamp"}).body);
  b->changed({"products"});
  EXPECT_EQ(b->owed(), 0u);
  EXPECT_FALSE(a->lookup("products", {"q=lamp"}).body);
}

TEST(SharedQueryCache, AFrozenRedisIsAMissAtTheDeadlineAndTheChangeIsTakenBeforeTheNextLookup) {
  testing::RedisServer redis;
  auto a = node(redis.port());
  auto b = node(redis.port());
  remember(*a, {"q=lamp"}, "old");
  ::kill(redis.pid(), SIGSTOP);
  auto started = Clock::now();
  a->changed({"products"});
  EXPECT_EQ(a->owed(), 1u);
  auto looked = a->lookup("products", {"q=lamp"});
  EXPECT_LT(Clock::now() - started, 2s);  // two calls of 300 ms each, not a hang
  EXPECT_FALSE(looked.body);
  EXPECT_FALSE(looked.storable);
  ::kill(redis.pid(), SIGCONT);
  // The first lookup Redis answers again sends the owed INCR first: a miss, never "old" (the
  // client may fail fast for a moment while it reconnects: a miss too).
  for (auto end = Clock::now() + 5s; Clock::now() < end;) {
    auto again = a->lookup("products", {"q=lamp"});
    EXPECT_FALSE(again.body) << *again.body;
    if (again.storable) break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(a->owed(), 0u);
  EXPECT_FALSE(b->lookup("products", {"q=lamp"}).body);
  // The INCR sent while Redis was frozen may have run once it thawed: 1 or 2.
  EXPECT_NE(redis.cli({"GET", "tandem:q:products"}), "0\n");
}

// A Redis stopped after SAVE and started again from its dump: the entries come back, and an
// INCR sent while it was down was never run (nothing listened).
class RestoredRedis : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<testing::RedisServer>(args());
    port_ = redis_->port();
  }
  std::vector<std::string> args() const { return {"--dir", dir_.path().string()}; }
  void stop_after_save() {
    ASSERT_EQ(redis_->cli({"SAVE"}), "OK\n");
    redis_.reset();
  }
  void start_again() { redis_ = std::make_unique<testing::RedisServer>(args(), port_); }

  testing::TempDir dir_;
  std::unique_ptr<testing::RedisServer> redis_;
  std::uint16_t port_ = 0;
};

TEST_F(RestoredRedis, AnOwedChangeIsSentAheadOfTheNextLookup) {
  // No retry thread within the test's time: only the lookup can send the owed INCR.
  auto a = std::make_unique<SharedQueryCache>(
      std::make_unique<net::RedisClient>(on_port(port_)),
      SharedQueryCacheOptions{.retry = {.initial = 60s, .max = 60s, .seed = 1}}, logger());
  remember(*a, {"q=lamp"}, "old");
  stop_after_save();
  a->changed({"products"});
  EXPECT_EQ(a->owed(), 1u);
  start_again();
  ASSERT_EQ(redis_->cli({"GET", "tandem:q:products:q=lamp"}), "0\nold\n");  // restored
  bool answered = false;
  for (auto end = Clock::now() + 5s; Clock::now() < end && !answered;) {
    auto looked = a->lookup("products", {"q=lamp"});
    EXPECT_FALSE(looked.body) << *looked.body;
    answered = looked.storable;
    if (!answered) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(answered);
  EXPECT_EQ(a->owed(), 0u);
  EXPECT_EQ(redis_->cli({"GET", "tandem:q:products"}), "1\n");
  EXPECT_FALSE(node(port_)->lookup("products", {"q=lamp"}).body);
}

TEST_F(RestoredRedis, AnOwedChangeIsSentAgainWithoutLookups) {
  auto a = node(port_);
  remember(*a, {"q=lamp"}, "old");
  stop_after_save();
  a->changed({"products"});
  EXPECT_EQ(a->owed(), 1u);
  std::this_thread::sleep_for(300ms);  // retries fail meanwhile
  EXPECT_EQ(a->owed(), 1u);
  start_again();
  for (auto end = Clock::now() + 5s; Clock::now() < end && a->owed() != 0;)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(a->owed(), 0u);
  EXPECT_EQ(redis_->cli({"GET", "tandem:q:products"}), "1\n");
  EXPECT_FALSE(node(port_)->lookup("products", {"q=lamp"}).body);
}

TEST(SharedQueryCache, NodesShareEntriesAndChangesOverACluster) {
  testing::RedisClusterServers cluster(3, 0);
  cluster.wait_ok(30s, false);
  auto over_cluster = [&] {
    std::vector<net::HostPort> seeds;
    for (auto port : cluster.ports())
      seeds.push_back({.host = "127.0.0.1", .port = port});
    auto o = on_port(cluster.ports().front());
    o.command_timeout = 2s;
    return node(
        std::make_unique<net::RedisCluster>(net::RedisClusterOptions{.seeds = seeds, .node = o}));
  };
  auto a = over_cluster();
  auto b = over_cluster();
  // Entries of many parameters land on every master; the generation on one of them.
  std::vector<std::string> queries;
  for (int i = 0; i < 30; ++i)
    queries.push_back("q=lamp" + std::to_string(i));
  for (const auto& q : queries)
    remember(*a, {q}, "old " + q);
  for (const auto& q : queries)
    EXPECT_EQ(b->lookup("products", {q}).body.value_or(""), "old " + q);
  b->changed({"products"});
  EXPECT_EQ(b->owed(), 0u);
  for (const auto& q : queries)
    EXPECT_FALSE(a->lookup("products", {q}).body) << q;
}

}  // namespace
}  // namespace tandem::pipeline
