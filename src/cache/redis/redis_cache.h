// RedisCache: the CacheBackend over a Redis shared by every node. Each entry is a hash under
// prefix + key: field `v` holds the version (the record's seq) and field `d` the value; a removal
// leaves `v` without `d` (a tombstone) for the tombstone TTL, so that a late write of an older
// version cannot bring a deleted record back. Versioned writes are one server-side script (sent
// by its SHA1, and whole when Redis answers NOSCRIPT), so that check and write are atomic.
// Multi-gets are pipelined. With wait_replicas, each write is followed by WAIT on its connection
// and fails (to be retried) unless enough replicas acknowledged it. docs/OPERATIONS.md shows the
// layout for redis-cli. Thread-safe.
// Depends on the cache interface and net's Redis (one server or a cluster).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "cache/cache_backend.h"
#include "net/redis.h"

namespace tandem::cache {

struct RedisCacheOptions {
  std::string prefix = "tandem:";                 // cache.redis.prefix, before every key
  std::chrono::milliseconds ttl{3600 * 1000};     // cache.ttl, default for set()
  double ttl_jitter = 0.1;                        // each TTL varies by up to ±10%
  std::chrono::milliseconds tombstone_ttl{5000};  // how long a removal is remembered
  // cache.redis.wait_replicas: a write counts once this many replicas have it (WAIT), so that a
  // failover cannot bring back an older version; 0: once the master has it.
  int wait_replicas = 0;
  std::chrono::milliseconds wait_timeout{100};  // how long WAIT may take
};

class RedisCache final : public CacheBackend {
 public:
  RedisCache(std::unique_ptr<net::Redis> client, RedisCacheOptions options);
  ~RedisCache() override;

  std::string_view name() const override { return "redis"; }
  core::Result<std::optional<CacheEntry>> get(std::string_view key) override;
  void get_async(std::string key, GetDone done) override;
  bool async_gets() const override { return client_->async_runs(); }
  core::Result<std::vector<std::optional<CacheEntry>>> get_many(
      std::span<const std::string> keys) override;
  core::Status set(std::string_view key, std::string_view value, std::uint64_t version,
                   std::chrono::milliseconds ttl) override;
  core::Status remove(std::string_view key, std::uint64_t version) override;
  // Pipelined, up to kWriteBatch writes per round trip.
  core::Status write_many(std::span<const CacheWrite> writes) override;
  static constexpr std::size_t kWriteBatch = 256;
  // Hits and misses of this process's lookups; evictions, bytes and entries are the server's
  // (INFO stats, DBSIZE) and stay 0 here.
  CacheStats stats() const override;
  core::Status check() override;  // a lookup within the command timeout

 private:
  // The write script's command for one entry (a removal without `value`).
  net::Command write_command(std::string_view key, std::uint64_t version,
                             std::chrono::milliseconds ttl, const std::string_view* value) const;
  // Runs write commands (each followed by WAIT with wait_replicas), sending again whole those
  // Redis answers NOSCRIPT for, and checks every reply.
  core::Status run_writes(std::vector<net::Command> writes);
  std::chrono::milliseconds jittered(std::chrono::milliseconds ttl);

  std::unique_ptr<net::Redis> client_;
  const RedisCacheOptions options_;
  const std::string write_sha_;  // SHA1 of the write script
  std::atomic<std::uint64_t> hits_{0}, misses_{0};
  std::atomic<std::uint64_t> jitter_state_;  // SplitMix64 state, stepped atomically
};

}  // namespace tandem::cache
