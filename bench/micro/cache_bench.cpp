// MemoryCache get/set throughput (goal of the cache issue: 5 million gets per second per core).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "cache/memory/memory_cache.h"

namespace tandem::cache {
namespace {

using namespace std::chrono_literals;

constexpr int kKeys = 100000;

MemoryCache& filled_cache() {
  static MemoryCache* cache = [] {
    auto* c = new MemoryCache(MemoryCacheOptions{.max_bytes = 1ull << 30});
    std::string value(300, 'v');  // about one generated product
    for (int i = 0; i < kKeys; ++i)
      (void)c->set("products/p-" + std::to_string(i), value, 1, 0ms);
    return c;
  }();
  return *cache;
}

std::vector<std::string> keys() {
  std::vector<std::string> out;
  for (int i = 0; i < kKeys; ++i)
    out.push_back("products/p-" + std::to_string((i * 7919) % kKeys));
  return out;
}

void BM_MemoryCacheGetHit(benchmark::State& state) {
  MemoryCache& cache = filled_cache();
  static const std::vector<std::string> k = keys();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 977;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.get(k[i++ % k.size()]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryCacheGetHit)->Threads(1)->Threads(2);

void BM_MemoryCacheSet(benchmark::State& state) {
  MemoryCache& cache = filled_cache();
  static const std::vector<std::string> k = keys();
  std::string value(300, 'w');
  std::uint64_t version = 2;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.set(k[i++ % k.size()], value, version++, 0ms));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryCacheSet);

}  // namespace
}  // namespace tandem::cache
