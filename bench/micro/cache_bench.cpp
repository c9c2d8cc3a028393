// MemoryCache get/set throughput (goal of the cache issue: 5 million gets per second per core).
// 100,000 records of 300 bytes (about one generated product each; 36 MB with keys, more than
// this machine's L3), read in two access patterns:
//   - zipf: Zipf(0.99) over the records, as in YCSB, the skew a cache is used for;
//   - uniform: every record equally likely, so nearly every get waits on main memory.
// The peer is a plain std::unordered_map<std::string, std::string> under one mutex, read the same
// way in the same run: the floor a cache with versions, TTLs, eviction and stats is measured
// against.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "cache/memory/memory_cache.h"
#include "core/hash.h"

namespace tandem::cache {
namespace {

using namespace std::chrono_literals;

constexpr int kKeys = 100000;
constexpr std::size_t kSequence = 1 << 20;  // keys read in turn, precomputed

// Keys as the read-through path builds them: collection, '/', a generated id.
std::string key_of(int i) {
  char id[32];
  std::snprintf(id, sizeof id, "p-%016llx", static_cast<unsigned long long>(core::mix64(i)));
  return std::string("products/") + id;
}

// The order in which keys are read: Zipf(0.99) ranks shuffled over the keys, or uniform.
const std::vector<std::string>& sequence(bool zipf) {
  static const auto make = [](bool skewed) {
    std::mt19937_64 rng(42);
    std::vector<double> cdf(kKeys);
    double sum = 0;
    for (int r = 0; r < kKeys; ++r)
      cdf[r] = sum += skewed ? 1.0 / std::pow(r + 1, 0.99) : 1.0;
    std::vector<int> key_at_rank(kKeys);
    for (int i = 0; i < kKeys; ++i)
      key_at_rank[i] = i;
    std::shuffle(key_at_rank.begin(), key_at_rank.end(), rng);
    std::uniform_real_distribution<double> unit(0, sum);
    std::vector<std::string> out;
    out.reserve(kSequence);
    for (std::size_t i = 0; i < kSequence; ++i) {
      auto rank = std::lower_bound(cdf.begin(), cdf.end(), unit(rng)) - cdf.begin();
      out.push_back(key_of(key_at_rank[std::min<std::ptrdiff_t>(rank, kKeys - 1)]));
    }
    return out;
  };
  static const std::vector<std::string> skewed = make(true), uniform = make(false);
  return zipf ? skewed : uniform;
}

const std::string kValue(300, 'v');

MemoryCache& filled_cache() {
  static MemoryCache* cache = [] {
    auto* c = new MemoryCache(MemoryCacheOptions{.max_bytes = 1ull << 30});
    for (int i = 0; i < kKeys; ++i)
      (void)c->set(key_of(i), kValue, 1, 0ms);
    return c;
  }();
  return *cache;
}

// The peer: the least a thread-safe string cache can do.
struct PlainMap {
  std::mutex mutex;
  std::unordered_map<std::string, std::string> map;
  std::optional<std::string> get(const std::string& key) {
    std::lock_guard lock(mutex);
    auto it = map.find(key);
    if (it == map.end()) return std::nullopt;
    return it->second;
  }
};

PlainMap& filled_map() {
  static PlainMap* map = [] {
    auto* m = new PlainMap;
    for (int i = 0; i < kKeys; ++i)
      m->map.emplace(key_of(i), kValue);
    return m;
  }();
  return *map;
}

template <typename Cache>
void read_loop(benchmark::State& state, Cache& cache, bool zipf) {
  const auto& keys = sequence(zipf);
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * (kSequence / 2);
  for (auto _ : state) {
    auto hit = cache.get(keys[i++ % kSequence]);
    benchmark::DoNotOptimize(hit);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_MemoryCacheGet(benchmark::State& state) {
  read_loop(state, filled_cache(), state.range(0) != 0);
}
BENCHMARK(BM_MemoryCacheGet)->ArgName("zipf")->Arg(1)->Arg(0)->Threads(1)->Threads(2);

void BM_PlainMapGet(benchmark::State& state) {
  read_loop(state, filled_map(), state.range(0) != 0);
}
BENCHMARK(BM_PlainMapGet)->ArgName("zipf")->Arg(1)->Arg(0)->Threads(1);

void BM_MemoryCacheSet(benchmark::State& state) {
  MemoryCache& cache = filled_cache();
  const auto& keys = sequence(false);
  std::uint64_t version = 2;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.set(keys[i++ % kSequence], kValue, version++, 0ms));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryCacheSet);

}  // namespace
}  // namespace tandem::cache
