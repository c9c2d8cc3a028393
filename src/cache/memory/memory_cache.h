// MemoryCache: the embedded CacheBackend. A sharded cache bounded by bytes with sampled-LRU
// eviction, a TTL per entry (jittered so that entries written together do not expire together)
// and versioned writes: an
// older version never replaces a newer one, and a removal leaves a short-lived tombstone so that
// a late write of an older version cannot bring a deleted record back. Thread-safe: each shard
// has its own mutex. Depends on core.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cache/cache_backend.h"
#include "core/clock.h"

namespace tandem::cache {

struct MemoryCacheOptions {
  std::uint64_t max_bytes = 256ull << 20;         // cache.max_bytes, across all shards
  std::chrono::milliseconds ttl{3600 * 1000};     // cache.ttl, default for set()
  double ttl_jitter = 0.1;                        // each TTL varies by up to ±10%
  std::chrono::milliseconds tombstone_ttl{5000};  // how long a removal is remembered
  std::size_t shards = 16;                        // independent locks
  const core::Clock* clock = nullptr;             // null: the system clock
  std::uint64_t seed = 0;                         // hashing and jitter; 0: random
};

class MemoryCache final : public CacheBackend {
 public:
  explicit MemoryCache(MemoryCacheOptions options);
  ~MemoryCache() override;

  std::string_view name() const override { return "memory"; }
  core::Result<std::optional<CacheEntry>> get(std::string_view key) override;
  core::Result<std::vector<std::optional<CacheEntry>>> get_many(
      std::span<const std::string> keys) override;
  core::Status set(std::string_view key, std::string_view value, std::uint64_t version,
                   std::chrono::milliseconds ttl) override;
  core::Status remove(std::string_view key, std::uint64_t version) override;
  CacheStats stats() const override;
  core::Status check() override { return {}; }  // in the process: usable while it runs

 private:
  struct Shard;
  Shard& shard_for(std::uint64_t hash);
  core::Status write(std::string_view key, std::string_view value, std::uint64_t version,
                     std::chrono::milliseconds ttl, bool tombstone);

  MemoryCacheOptions options_;
  const core::Clock& clock_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::uint64_t hash_seed_ = 0;
};

}  // namespace tandem::cache
