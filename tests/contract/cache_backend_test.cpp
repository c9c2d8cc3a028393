// The CacheBackend contract: every backend runs this suite: memory, and Redis against real
// redis-server processes the suite starts on loopback (plain, password, ACL user, TLS with a
// client certificate, a cluster of three masters with replicas). Time is a
// FakeClock where the backend lets us inject one. A test that needs what a backend cannot do is
// skipped with the reason; a backend's own policies (the memory cache's jittered TTLs and sampled
// LRU) are its unit tests' business.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "cache/memory/memory_cache.h"
#include "cache/redis/redis_cache.h"
#include "core/hash.h"
#include "net/redis_client.h"
#include "net/redis_cluster.h"
#include "support/redis_cluster_servers.h"
#include "support/redis_server.h"
#include "support/tls_certs.h"

namespace tandem::cache {
namespace {

using namespace std::chrono_literals;

// What a backend can do, for the tests that need it.
struct CacheCapabilities {
  bool fake_time = true;    // its time is the injected clock (expiry tests step a FakeClock)
  bool local_stats = true;  // counts its own entries and bytes (a server's are the server's)
};

struct CacheFactory {
  std::string name;
  // Opens an empty backend; an error fails the test that asked.
  std::function<core::Result<std::unique_ptr<CacheBackend>>(const core::Clock&,
                                                            std::uint64_t max_bytes)>
      make;
  CacheCapabilities can;
};

#define REQUIRE_CAPABILITY(flag, reason) \
  if (!GetParam().can.flag) GTEST_SKIP() << GetParam().name << " cannot: " << (reason)

class CacheContract : public ::testing::TestWithParam<CacheFactory> {
 protected:
  // gtest reports the exception as this test's failure.
  std::unique_ptr<CacheBackend> make(std::uint64_t max_bytes = 1 << 20) {
    auto c = GetParam().make(clock_, max_bytes);
    if (!c) throw std::runtime_error("cannot open " + GetParam().name + ": " + c.error().message());
    return std::move(*c);
  }
  std::optional<CacheEntry> get(CacheBackend& c, const std::string& key) {
    auto r = c.get(key);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::nullopt;
  }
  core::FakeClock clock_;
};

TEST_P(CacheContract, SetThenGet) {
  auto c = make();
  EXPECT_FALSE(get(*c, "k"));
  ASSERT_TRUE(c->set("k", R"({"price":19.99})", 3, 0ms).is_ok());
  auto e = get(*c, "k");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->value, R"({"price":19.99})");
  EXPECT_EQ(e->version, 3u);
}

TEST_P(CacheContract, AWorkingBackendPassesItsCheck) {
  auto c = make();
  auto st = c->check();
  EXPECT_TRUE(st.is_ok()) << st.message();
}

TEST_P(CacheContract, AnOlderVersionNeverReplacesANewerOne) {
  auto c = make();
  ASSERT_TRUE(c->set("k", "v5", 5, 0ms).is_ok());
  ASSERT_TRUE(c->set("k", "v4", 4, 0ms).is_ok());
  EXPECT_EQ(get(*c, "k")->value, "v5");
  ASSERT_TRUE(c->set("k", "v6", 6, 0ms).is_ok());
  EXPECT_EQ(get(*c, "k")->value, "v6");
  ASSERT_TRUE(c->set("k", "v6b", 6, 0ms).is_ok());  // same version: the latest write wins
  EXPECT_EQ(get(*c, "k")->value, "v6b");
}

TEST_P(CacheContract, RemoveHonoursVersionsAndBlocksOlderWrites) {
  auto c = make();
  ASSERT_TRUE(c->set("k", "v5", 5, 0ms).is_ok());
  ASSERT_TRUE(c->remove("k", 4).is_ok());  // older removal: ignored
  EXPECT_TRUE(get(*c, "k"));
  ASSERT_TRUE(c->remove("k", 7).is_ok());
  EXPECT_FALSE(get(*c, "k"));
  ASSERT_TRUE(c->set("k", "v6", 6, 0ms).is_ok());  // a late write from before the delete
  EXPECT_FALSE(get(*c, "k"));
  ASSERT_TRUE(c->set("k", "v8", 8, 0ms).is_ok());  // a write after the delete
  EXPECT_EQ(get(*c, "k")->value, "v8");
}

// The write path invalidates at a record's new seq while the cache sink may already have stored
// that very version: the removal must not drop it.
TEST_P(CacheContract, ARemovalKeepsTheVersionItInvalidatesFor) {
  auto c = make();
  ASSERT_TRUE(c->set("k", "v5", 5, 0ms).is_ok());
  ASSERT_TRUE(c->remove("k", 5).is_ok());
  EXPECT_EQ(get(*c, "k")->value, "v5");
  ASSERT_TRUE(c->remove("k", 6).is_ok());  // a newer removal drops it
  EXPECT_FALSE(get(*c, "k"));
  ASSERT_TRUE(c->set("k", "v6", 6, 0ms).is_ok());  // the version removed for, written after
  EXPECT_EQ(get(*c, "k")->value, "v6");
}

TEST_P(CacheContract, EntriesExpireAfterTheirTtl) {
  REQUIRE_CAPABILITY(fake_time, "it keeps its own time, so expiry cannot be stepped");
  auto c = make();
  ASSERT_TRUE(c->set("short", "s", 1, 1000ms).is_ok());
  ASSERT_TRUE(c->set("long", "l", 1, 0ms).is_ok());  // default TTL: one hour
  clock_.advance(800ms);                             // within the ±10% jitter of 1 s
  EXPECT_TRUE(get(*c, "short"));
  clock_.advance(400ms);  // 1.2 s: past any jitter
  EXPECT_FALSE(get(*c, "short"));
  EXPECT_TRUE(get(*c, "long"));
  clock_.advance(2h);
  EXPECT_FALSE(get(*c, "long"));
}

TEST_P(CacheContract, MultiGetAnswersInOrder) {
  auto c = make();
  ASSERT_TRUE(c->set("a", "1", 1, 0ms).is_ok());
  ASSERT_TRUE(c->set("c", "3", 1, 0ms).is_ok());
  std::vector<std::string> keys{"a", "b", "c"};
  auto r = c->get_many(keys);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0]->value, "1");
  EXPECT_FALSE((*r)[1]);
  EXPECT_EQ((*r)[2]->value, "3");
}

TEST_P(CacheContract, AMultiGetOfNoKeysAnswersAtOnce) {
  auto c = make();
  auto r = c->get_many({});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->empty());
}

// get_async answers as get does, exactly once each, however many callers ask at once (Redis
// pipelines them on its client's own connection; memory answers in place).
TEST_P(CacheContract, AsyncGetsAnswerAsGetsDo) {
  auto c = make();
  for (int k = 0; k < 50; ++k)
    ASSERT_TRUE(c->set("k" + std::to_string(k), "v" + std::to_string(k), k + 1, 0ms).is_ok());
  ASSERT_TRUE(c->remove("k7", 100).is_ok());
  std::atomic<int> answered{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        int k = (i * 7 + t) % 60;  // 50..59 were never written
        std::string want = k < 50 && k != 7 ? "v" + std::to_string(k) : "";
        c->get_async("k" + std::to_string(k), [&, want](core::Result<std::optional<CacheEntry>> r) {
          bool right = r && (want.empty() ? !*r : *r && (*r)->value == want);
          if (!right) wrong.fetch_add(1);
          answered.fetch_add(1);
        });
      }
    });
  }
  for (auto& th : threads)
    th.join();
  for (int i = 0; i < 500 && answered.load() < 2000; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(answered.load(), 2000);
  EXPECT_EQ(wrong.load(), 0);
}

// What the cache sink sends: many writes at once (Redis: several pipelined round trips), in
// order, with versions deciding as for one write at a time.
TEST_P(CacheContract, ManyWritesAtOnceApplyInOrder) {
  auto c = make(64 << 20);
  std::vector<std::string> values;
  for (int k = 0; k < 600; ++k)
    values.push_back("v" + std::to_string(k));
  std::vector<CacheWrite> writes;
  for (int k = 0; k < 600; ++k)
    writes.push_back({.key = "k" + std::to_string(k), .value = values[k], .version = 10});
  writes.push_back({.key = "k1", .value = "older", .version = 9});   // kept out by v10
  writes.push_back({.key = "k2", .value = "newer", .version = 11});  // replaces it
  writes.push_back({.key = "k3", .version = 12, .remove = true});    // removed
  writes.push_back({.key = "k3", .value = "late", .version = 11});   // after its removal
  ASSERT_TRUE(c->write_many(writes).is_ok());
  EXPECT_EQ(get(*c, "k0")->value, "v0");
  EXPECT_EQ(get(*c, "k599")->value, "v599");
  EXPECT_EQ(get(*c, "k1")->value, "v1");
  EXPECT_EQ(get(*c, "k2")->value, "newer");
  EXPECT_FALSE(get(*c, "k3"));
  EXPECT_TRUE(c->write_many({}).is_ok());
}

TEST_P(CacheContract, StatsCountHitsAndMisses) {
  auto c = make();
  ASSERT_TRUE(c->set("a", "1", 1, 0ms).is_ok());
  (void)get(*c, "a");
  (void)get(*c, "a");
  (void)get(*c, "nope");
  std::vector<std::string> keys{"a", "nope"};
  ASSERT_TRUE(c->get_many(keys));
  auto s = c->stats();
  EXPECT_EQ(s.hits, 3u);
  EXPECT_EQ(s.misses, 2u);
}

TEST_P(CacheContract, StatsCountEntriesAndBytes) {
  REQUIRE_CAPABILITY(local_stats, "its entries and bytes are the server's (INFO, DBSIZE)");
  auto c = make();
  ASSERT_TRUE(c->set("a", "1", 1, 0ms).is_ok());
  auto s = c->stats();
  EXPECT_EQ(s.entries, 1u);
  EXPECT_GT(s.bytes, 2u);
}

TEST_P(CacheContract, ConcurrentReadersAndWritersKeepTheNewestVersion) {
  auto c = make();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t v = 1; v <= 2000; ++v) {
        std::string key = "k" + std::to_string(v % 16);
        (void)c->set(key, std::to_string(v), v, 0ms);
        if (t % 2 == 0) (void)c->get(key);
      }
    });
  }
  for (auto& th : threads)
    th.join();
  for (int k = 0; k < 16; ++k) {
    auto e = get(*c, "k" + std::to_string(k));
    ASSERT_TRUE(e);
    // The highest version written for key k is the largest v <= 2000 with v % 16 == k.
    std::uint64_t newest = 2000 - ((2000 - static_cast<std::uint64_t>(k)) % 16);
    EXPECT_EQ(e->version, newest);
    EXPECT_EQ(e->value, std::to_string(newest));
  }
}

// Random writes, removals and (with a fake clock) expiries over a few hundred keys, checked
// against a model after every step: replacing, removing, expiring and evicting entries must never
// lose, resurrect or mix up another key.
TEST_P(CacheContract, MatchesAModelUnderRandomWritesRemovalsAndExpiries) {
  const bool expiries = GetParam().can.fake_time;
  auto c = make(64 << 20);
  struct Want {
    std::optional<std::string> value;  // nullopt: removed
    bool short_lived = false;          // written with a 1 s TTL
  };
  std::map<std::string, Want> model;
  std::uint64_t version = 0, state = 12345;
  for (int step = 0; step < 20000; ++step) {
    std::uint64_t r = core::splitmix64(state);
    std::string key = "products/p-" + std::to_string(r % 400);
    if (expiries && r % 97 == 0) {
      clock_.advance(2s);  // past every 1 s TTL, jitter included
      std::erase_if(model, [](const auto& kv) { return kv.second.short_lived; });
    } else if (r % 7 == 0) {
      ASSERT_TRUE(c->remove(key, ++version).is_ok());
      model[key] = {};
    } else {
      bool short_lived = expiries && r % 3 == 0;
      std::string value = std::to_string(step);
      ASSERT_TRUE(c->set(key, value, ++version, short_lived ? 1000ms : 0ms).is_ok());
      model[key] = {value, short_lived};
    }
    std::string probe = "products/p-" + std::to_string((r >> 32) % 400);
    auto got = get(*c, probe);
    auto want = model.find(probe);
    if (want == model.end() || !want->second.value) {
      ASSERT_FALSE(got) << probe << " at step " << step;
    } else {
      ASSERT_TRUE(got) << probe << " at step " << step;
      ASSERT_EQ(got->value, *want->second.value) << probe;
    }
  }
}

// Redis servers started once for the whole run, stopped at exit: plain, with a password, with
// an ACL user allowed only the commands and keys tandem uses, TLS with a client certificate, and
// a cluster of three masters with a replica each.
struct RedisDeployment {
  std::unique_ptr<testing::TestCertificates> certs;
  std::unique_ptr<testing::RedisServer> server;
  std::unique_ptr<testing::RedisClusterServers> cluster;
  std::uint16_t port = 0;  // where tandem connects
};

RedisDeployment& redis_deployment(std::string_view kind) {
  static std::map<std::string, RedisDeployment, std::less<>> deployments;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  auto it = deployments.find(kind);
  if (it != deployments.end()) return it->second;
  RedisDeployment d;
  if (kind == "cluster") {
    d.cluster = std::make_unique<testing::RedisClusterServers>(3, 1);
    d.port = d.cluster->ports().front();
    return deployments.emplace(std::string(kind), std::move(d)).first->second;
  }
  std::vector<std::string> args;
  if (kind == "password") args = {"--requirepass", "s3cret"};
  if (kind == "acl") {
    args = {"--user",        "tandem", "on",     ">acl-pw",  "~tandem:*",
            "resetchannels", "-@all",  "+hmget", "+evalsha", "+eval",
            "+hget",         "+hset",  "+hdel",  "+pexpire", "+client|setname",
            "+select"};
  }
  if (kind == "tls") {
    d.certs = std::make_unique<testing::TestCertificates>();
    d.port = testing::free_port();
    args = d.certs->redis_args(d.port, true);
  }
  d.server = std::make_unique<testing::RedisServer>(args);
  if (d.port == 0) d.port = d.server->port();
  return deployments.emplace(std::string(kind), std::move(d)).first->second;
}

CacheFactory redis(std::string kind) {
  return CacheFactory{
      .name = "redis_" + kind,
      .make = [kind](const core::Clock&,
                     std::uint64_t) -> core::Result<std::unique_ptr<CacheBackend>> {
        static std::atomic<int> instances{0};
        auto& d = redis_deployment(kind);
        net::RedisClientOptions o{.server = {.host = "127.0.0.1", .port = d.port},
                                  .command_timeout = 2s};
        if (kind == "password") o.password = "s3cret";
        if (kind == "acl") {
          o.user = "tandem";
          o.password = "acl-pw";
        }
        if (kind == "tls") {
          auto tls = net::TlsContext::load({.ca_file = d.certs->ca(),
                                            .cert_file = d.certs->client_cert(),
                                            .key_file = d.certs->client_key()});
          if (!tls) return core::fail(tls.error());
          o.tls = *tls;
        }
        // Each backend its own keys: tests do not see each other's entries.
        std::string prefix =
            "tandem:test-" + std::to_string(::getpid()) + "-" + std::to_string(instances++) + ":";
        std::unique_ptr<net::Redis> client;
        if (d.cluster) {
          std::vector<net::HostPort> seeds;
          for (auto port : d.cluster->ports())
            seeds.push_back({.host = "127.0.0.1", .port = port});
          client = std::make_unique<net::RedisCluster>(
              net::RedisClusterOptions{.seeds = seeds, .node = o});
        } else {
          client = std::make_unique<net::RedisClient>(o);
        }
        return std::make_unique<RedisCache>(std::move(client), RedisCacheOptions{.prefix = prefix});
      },
      .can = {.fake_time = false, .local_stats = false}};
}

INSTANTIATE_TEST_SUITE_P(
    Backends, CacheContract,
    ::testing::Values(
        CacheFactory{"memory",
                     [](const core::Clock& clock,
                        std::uint64_t max_bytes) -> core::Result<std::unique_ptr<CacheBackend>> {
                       return std::make_unique<MemoryCache>(MemoryCacheOptions{
                           .max_bytes = max_bytes, .shards = 4, .clock = &clock, .seed = 7});
                     }},
        redis("plain"), redis("password"), redis("acl"), redis("tls"), redis("cluster")),
    [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace tandem::cache
