// By-id reads through the cache over real HTTP: read-through, read-your-writes, negative
// caching, single flight, and the demo's /cache endpoint; with the memory cache and with Redis
// (redis-server processes the test starts on loopback: one server; one over TLS with a client
// certificate; a cluster of three masters with replicas).
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <thread>

#include "integration/service_fixture.h"
#include "net/redis_cluster.h"
#include "support/redis_cluster_servers.h"
#include "support/redis_server.h"
#include "support/tls_certs.h"

namespace tandem {
namespace {

class CacheTest : public ServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    const std::string& kind = GetParam();
    config_.cache.backend = kind.starts_with("redis") ? "redis" : kind;
    auto& r = config_.cache.redis;
    r.command_timeout = 2s;
    if (kind == "redis") {
      redis_ = std::make_unique<testing::RedisServer>();
      r.url = "redis://127.0.0.1:" + std::to_string(redis_->port());
    }
    if (kind == "redis_tls") {
      certs_ = std::make_unique<testing::TestCertificates>();
      auto tls_port = testing::free_port();
      redis_ = std::make_unique<testing::RedisServer>(certs_->redis_args(tls_port, true));
      r.url = "rediss://127.0.0.1:" + std::to_string(tls_port);
      r.tls_ca_file = certs_->ca();
      r.tls_cert_file = certs_->client_cert();
      r.tls_key_file = certs_->client_key();
    }
    if (kind == "redis_cluster") {
      cluster_ = std::make_unique<testing::RedisClusterServers>(3, 1);
      r.url = "redis://";
      for (auto port : cluster_->ports())
        r.url += "127.0.0.1:" + std::to_string(port) + ",";
      r.url.pop_back();
      r.cluster = true;
    }
  }

  void flush_redis() {
    if (redis_) redis_->cli({"FLUSHALL"});
    for (std::size_t i = 0; cluster_ && i < cluster_->size(); ++i)
      cluster_->cli(i, {"FLUSHALL"});  // replicas refuse it, and follow their master
  }

  // The redis-server holding a cache key (the master of its slot in a cluster); null for memory.
  testing::RedisServer* holder(const std::string& key) {
    if (cluster_) return &cluster_->node(cluster_->master_of(net::key_slot("tandem:" + key)));
    return redis_.get();
  }

  testing::HttpResponse call(const std::string& method, const std::string& path,
                             const std::string& body = "") {
    HttpConnection conn(port_);
    auto res = conn.request(method, path, method == "GET" || method == "DELETE" ? "" : kJson, body);
    EXPECT_TRUE(res) << method << " " << path;
    return res ? *res : testing::HttpResponse{};
  }

  std::unique_ptr<testing::TestCertificates> certs_;       // redis_tls
  std::unique_ptr<testing::RedisServer> redis_;            // redis, redis_tls
  std::unique_ptr<testing::RedisClusterServers> cluster_;  // redis_cluster
};

TEST_P(CacheTest, SecondReadIsACacheHit) {
  start();
  ASSERT_EQ(call("POST", kRecords, lamp("a", "1")).status, 200);
  auto first = call("GET", kRecords + "/a");
  EXPECT_EQ(first.status, 200);
  auto second = call("GET", kRecords + "/a");
  EXPECT_EQ(second.header("x-cache"), "hit");
  EXPECT_EQ(second.body, lamp("a", "1"));
  EXPECT_EQ(second.header("etag"), "\"1\"");
}

TEST_P(CacheTest, AReadAfterAnUpdateSeesTheNewVersion) {
  start();
  ASSERT_EQ(call("POST", kRecords, lamp("a", "1")).status, 200);
  call("GET", kRecords + "/a");
  call("GET", kRecords + "/a");  // cached now
  for (int v = 2; v <= 20; ++v) {
    ASSERT_EQ(call("PATCH", kRecords + "/a", R"({"price":)" + std::to_string(v) + "}").status, 200);
    auto read = call("GET", kRecords + "/a");  // at once, without waiting for any sink
    EXPECT_EQ(read.body, lamp("a", std::to_string(v)))
        << "version " << v << " x-cache " << read.header("x-cache");
  }
}

TEST_P(CacheTest, DeletedRecordsAre404AndTheAnswerIsCached) {
  start();
  ASSERT_EQ(call("POST", kRecords, lamp("a", "1")).status, 200);
  call("GET", kRecords + "/a");
  ASSERT_EQ(call("DELETE", kRecords + "/a").status, 200);
  EXPECT_EQ(call("GET", kRecords + "/a").status, 404);
  auto again = call("GET", kRecords + "/a");
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.header("x-cache"), "hit");  // a cached "not found"
}

TEST_P(CacheTest, AWriteEndsACachedNotFound) {
  start();
  EXPECT_EQ(call("GET", kRecords + "/later").status, 404);
  EXPECT_EQ(call("GET", kRecords + "/later").header("x-cache"), "hit");
  ASSERT_EQ(call("POST", kRecords, lamp("later", "5")).status, 200);
  auto read = call("GET", kRecords + "/later");
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body, lamp("later", "5"));
}

// The record is large (3 MB), so that one store read takes long enough for both server threads to
// be asked for it at once: without single flight this test sees two reads or more (19 runs in 20).
TEST_P(CacheTest, ABurstOfReadsOfAColdRecordAllSucceedWithOneStoreRead) {
  config_.server.max_body_bytes.value = 4 << 20;
  config_.ingest.max_record_bytes.value = 4 << 20;
  start();
  std::string big = R"({"id":"hot","name":"Lamp","category":"home","brand":"Oak","price":9,)"
                    R"("description":")" +
                    std::string(3000000, 'x') + R"("})";
  ASSERT_EQ(call("POST", kRecords + "?wait=indexed", big).status, 200);
  service_->shutdown();
  service_.reset();
  flush_redis();  // Redis outlives the process: empty it as a new one
  start();        // a fresh process: an empty cache over the same store
  auto before = service_->reads().store_loads();
  std::vector<std::future<int>> readers;
  std::promise<void> go;
  auto ready = go.get_future().share();
  for (int i = 0; i < 100; ++i) {
    readers.push_back(std::async(std::launch::async, [&, ready] {
      HttpConnection conn(port_);
      ready.wait();
      auto res = conn.request("GET", kRecords + "/hot");
      return res ? res->status : 0;
    }));
  }
  go.set_value();
  for (auto& r : readers)
    EXPECT_EQ(r.get(), 200);
  EXPECT_EQ(service_->reads().store_loads() - before, 1u);
}

TEST_P(CacheTest, MetricsCountHitsMissesAndSize) {
  start();
  ASSERT_EQ(call("POST", kRecords, lamp("m", "1")).status, 200);
  call("GET", kRecords + "/m");
  call("GET", kRecords + "/m");
  call("GET", kRecords + "/absent");
  auto metrics = call("GET", "/metrics").body;
  EXPECT_NE(metrics.find(R"(tandem_cache_events_total{cache="records",event="hit"})"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(tandem_cache_events_total{cache="records",event="miss"})"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(tandem_cache_size{cache="records",unit="entries"})"),
            std::string::npos);
  EXPECT_NE(metrics.find(R"(tandem_cache_events_total{cache="queries",event="miss"})"),
            std::string::npos);
  EXPECT_NE(metrics.find("tandem_cache_store_loads_total "), std::string::npos);
  EXPECT_EQ(metrics.find(R"(tandem_cache_events_total{cache="records",event="hit"} 0)"),
            std::string::npos)
      << metrics;
}

TEST_P(CacheTest, SearchResponsesAreCachedUntilTheNextAppliedChange) {
  start();
  ASSERT_EQ(call("POST", kRecords + "?wait=indexed", lamp("s1", "1")).status, 200);
  auto first = call("GET", "/search?q=lamp&per_page=5");
  EXPECT_EQ(first.header("x-cache"), "miss");
  auto second = call("GET", "/search?per_page=5&q=lamp");  // same parameters, other order
  EXPECT_EQ(second.header("x-cache"), "hit");
  EXPECT_NE(second.body.find(R"("found":1,)"), std::string::npos) << second.body;
  for (int i = 2; i <= 6; ++i) {  // every write is visible in the very next search
    ASSERT_EQ(call("POST", kRecords + "?wait=indexed", lamp("s" + std::to_string(i), "1")).status,
              200);
    auto after = call("GET", "/search?q=lamp&per_page=5");
    EXPECT_NE(after.body.find("\"found\":" + std::to_string(i) + ","), std::string::npos)
        << after.body;
    EXPECT_EQ(after.header("x-cache"), "miss");
  }
}

TEST_P(CacheTest, SearchCacheCanBeTurnedOff) {
  config_.cache.query_results = false;
  start();
  call("GET", "/search?q=*");
  EXPECT_EQ(call("GET", "/search?q=*").header("x-cache"), "");
}

TEST_P(CacheTest, DemoCacheEndpointSaysWhereTheAnswerCameFrom) {
  start();
  // Applied by every sink before the restart: a cache sink still behind would store d1 again
  // after it, racing the first read below.
  ASSERT_EQ(call("POST", kRecords + "?wait=indexed", lamp("d1", "3")).status, 200);
  service_->shutdown();
  service_.reset();
  flush_redis();  // Redis outlives the process: empty it as a new one
  start();
  auto first = call("GET", "/cache?id=d1");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body,
            R"({"id":"d1","source":"store","version":1,"document":)" + lamp("d1", "3") + "}");
  EXPECT_EQ(first.header("x-cache"), "miss");
  auto second = call("GET", "/cache?id=d1");
  EXPECT_NE(second.body.find(R"("source":"cache")"), std::string::npos);
  EXPECT_EQ(call("GET", "/cache?id=nope").status, 404);
  EXPECT_EQ(call("GET", "/cache").status, 400);
}

// What tandem wrote to Redis is there by the documented key, for redis-cli.
TEST_P(CacheTest, RedisCliReadsARecordByItsDocumentedKey) {
  if (!holder("products/r1")) GTEST_SKIP() << "the memory cache has no outside view";
  start();
  ASSERT_EQ(call("POST", kRecords + "?wait=indexed", lamp("r1", "4.5")).status, 200);
  auto* redis = holder("products/r1");
  EXPECT_EQ(redis->cli({"HGET", "tandem:products/r1", "d"}), lamp("r1", "4.5") + "\n");
  EXPECT_EQ(redis->cli({"HGET", "tandem:products/r1", "v"}), "1\n");
}

// Redis frozen (SIGSTOP) while records are written: every write is acknowledged without waiting
// for Redis (the write path never calls it), a read after the writes returns the newest from the
// store, no read returns the version Redis still holds once it thaws, and the cache sink then
// stores the newest. In a cluster the frozen master's replica takes over meanwhile, holding
// the old version too.
TEST_P(CacheTest, AFrozenRedisNeitherSlowsWritesNorServesOlderVersions) {
  if (!holder("products/f")) GTEST_SKIP() << "about Redis";
  config_.cache.redis.command_timeout = 300ms;
  start();
  ASSERT_EQ(call("POST", kRecords + "?wait=indexed", lamp("f", "1")).status, 200);
  ASSERT_EQ(call("GET", kRecords + "/f").header("x-cache"), "hit");
  const pid_t frozen = holder("products/f")->pid();
  ASSERT_EQ(::kill(frozen, SIGSTOP), 0);
  auto begin = std::chrono::steady_clock::now();
  for (int v = 2; v <= 21; ++v) {
    ASSERT_EQ(call("PATCH", kRecords + "/f", R"({"price":)" + std::to_string(v) + "}").status, 200);
  }
  auto writing = std::chrono::steady_clock::now() - begin;
  // Before the fence each write dropped its entry in Redis first: 20 x 300 ms at the least.
  EXPECT_LT(writing, 3s) << "writes waited for a frozen Redis";
  auto read = call("GET", kRecords + "/f");  // Redis still frozen: at most one timeout
  EXPECT_EQ(read.body, lamp("f", "21"));
  ::kill(frozen, SIGCONT);
  // Redis answers again while the cache sink still waits out its backoff: it holds version 1,
  // which no read may return.
  for (auto until = std::chrono::steady_clock::now() + 3s;
       std::chrono::steady_clock::now() < until;) {
    ASSERT_EQ(call("GET", kRecords + "/f").body, lamp("f", "21"));
    std::this_thread::sleep_for(20ms);
  }
  std::string cached;
  for (int i = 0; i < 200 && cached != lamp("f", "21") + "\n"; ++i) {
    std::this_thread::sleep_for(50ms);
    cached = holder("products/f")->cli({"HGET", "tandem:products/f", "d"});
  }
  EXPECT_EQ(cached, lamp("f", "21") + "\n");
  EXPECT_EQ(call("GET", kRecords + "/f").body, lamp("f", "21"));
}

INSTANTIATE_TEST_SUITE_P(Backends, CacheTest,
                         ::testing::Values("memory", "redis", "redis_tls", "redis_cluster"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace tandem
