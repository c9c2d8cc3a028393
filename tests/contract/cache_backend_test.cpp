// The CacheBackend contract: every backend runs this suite (memory always; Redis in its own
// issue, when its URL is set). Time is a FakeClock where the backend lets us inject one. A test
// that needs what a backend cannot do is skipped with the reason; a backend's own policies
// (the memory cache's jittered TTLs and sampled LRU) are its unit tests' business.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <stdexcept>
#include <thread>

#include "cache/memory/memory_cache.h"
#include "core/hash.h"

namespace tandem::cache {
namespace {

using namespace std::chrono_literals;

// What a backend can do, for the tests that need it.
struct CacheCapabilities {
  bool fake_time = true;  // its time is the injected clock (expiry tests step a FakeClock)
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

TEST_P(CacheContract, StatsCountHitsMissesAndEntries) {
  auto c = make();
  ASSERT_TRUE(c->set("a", "1", 1, 0ms).is_ok());
  (void)get(*c, "a");
  (void)get(*c, "a");
  (void)get(*c, "nope");
  auto s = c->stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 1u);
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

INSTANTIATE_TEST_SUITE_P(
    Backends, CacheContract,
    ::testing::Values(CacheFactory{
        "memory",
        [](const core::Clock& clock,
           std::uint64_t max_bytes) -> core::Result<std::unique_ptr<CacheBackend>> {
          return std::make_unique<MemoryCache>(
              MemoryCacheOptions{.max_bytes = max_bytes, .shards = 4, .clock = &clock, .seed = 7});
        }}),
    [](const auto& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace tandem::cache
