// The memory cache's own policies, beyond the CacheBackend contract (tests/contract): TTLs vary
// by up to ±10% so that entries written together do not expire together, and eviction over the
// byte budget is sampled LRU.
#include "cache/memory/memory_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

namespace tandem::cache {
namespace {

using namespace std::chrono_literals;

class MemoryCacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<MemoryCache> make(std::uint64_t max_bytes = 1 << 20) {
    return std::make_unique<MemoryCache>(
        MemoryCacheOptions{.max_bytes = max_bytes, .shards = 4, .clock = &clock_, .seed = 7});
  }
  std::optional<CacheEntry> get(MemoryCache& c, const std::string& key) {
    auto r = c.get(key);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::nullopt;
  }
  core::FakeClock clock_;
};

TEST_F(MemoryCacheTest, TtlsAreJittered) {
  auto c = make();
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(c->set("k" + std::to_string(i), "v", 1, 10000ms).is_ok());
  clock_.advance(10000ms);
  int alive = 0;
  for (int i = 0; i < 200; ++i)
    alive += get(*c, "k" + std::to_string(i)) ? 1 : 0;
  EXPECT_GT(alive, 20);   // some live a little longer than the nominal TTL...
  EXPECT_LT(alive, 180);  // ...and some a little shorter: they do not all expire together
}

TEST_F(MemoryCacheTest, EvictsLeastRecentlyUsedWhenOverBytes) {
  auto c = make(64 * 1024);
  std::string value(1000, 'x');
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(c->set("k" + std::to_string(i), value, 1, 0ms).is_ok());
    (void)get(*c, "k0");  // keep k0 hot
  }
  auto stats = c->stats();
  EXPECT_LE(stats.bytes, 64u * 1024);
  EXPECT_GT(stats.evictions, 100u);
  EXPECT_TRUE(get(*c, "k0"));    // recently used: kept
  EXPECT_FALSE(get(*c, "k1"));   // cold: evicted
  EXPECT_TRUE(get(*c, "k199"));  // newest: kept
}

}  // namespace
}  // namespace tandem::cache
