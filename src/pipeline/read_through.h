// ReadThrough: by-id reads through the cache. A hit answers from the cache; a miss reads the store
// once however many requests miss on the same id at the same moment (single flight), fills the
// cache, and remembers "not found" for cache.negative_ttl (an empty value; a write of the id,
// applied by the CacheSink with a newer seq, replaces it at once). Depends on core, cache, store.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "cache/cache_backend.h"
#include "pipeline/write_fence.h"
#include "store/record_store.h"

namespace tandem::pipeline {

struct Lookup {
  bool from_cache = false;          // answered by the cache (a hit)
  std::optional<std::string> body;  // the record, or nullopt: no such record
  std::uint64_t version = 0;        // its seq (0 when not found)
};

class ReadThrough {
 public:
  // With `fence`, a cached entry older than a write this node acknowledged is a miss (see
  // WriteFence).
  ReadThrough(cache::CacheBackend& cache, store::RecordStore& store,
              std::chrono::milliseconds negative_ttl, const WriteFence* fence = nullptr)
      : cache_(cache), store_(store), negative_ttl_(negative_ttl), fence_(fence) {}

  // The record `id` of `collection`. Errors: the store's (the cache's own errors count as a miss).
  core::Result<Lookup> get(const std::string& collection, const std::string& id);

  // The cache's half of get() without blocking, for a cache whose lookups are asynchronous
  // (async_gets()): `done` gets the hit, or nullopt for a miss (then call after_miss() where
  // blocking is allowed), on the cache's thread; it must not block.
  using HitDone = std::function<void(std::optional<Lookup>)>;
  void cached_async(const std::string& collection, const std::string& id, HitDone done);
  bool async_gets() const { return cache_.async_gets(); }
  // get() after the cache missed: the store, once per id however many ask at once.
  core::Result<Lookup> after_miss(const std::string& collection, const std::string& id);

  // Store reads made for misses (single flight makes this smaller than the number of misses).
  std::uint64_t store_loads() const { return store_loads_.load(); }

 private:
  std::optional<Lookup> cached(const std::string& key);  // a hit, or nullopt
  // The hit an entry read makes, against the fence floor read before it.
  static std::optional<Lookup> hit(core::Result<std::optional<cache::CacheEntry>> entry,
                                   std::uint64_t floor);
  core::Result<Lookup> load(const std::string& key, const std::string& collection,
                            const std::string& id);

  cache::CacheBackend& cache_;
  store::RecordStore& store_;
  std::chrono::milliseconds negative_ttl_;
  const WriteFence* fence_;  // optional
  std::mutex mutex_;         // guards flights_
  std::map<std::string, std::shared_future<core::Result<Lookup>>, std::less<>>
      flights_;  // loads under way
  std::atomic<std::uint64_t> store_loads_{0};
};

}  // namespace tandem::pipeline
