// QueryCache: search responses kept for a while, keyed by the collection, the request's
// parameters in a canonical order and the generation of the index they came from, so that none
// is served after the index changed. The cache's failures are misses (logged): a response is never
// wrong because the cache is down. Two kinds:
// - LocalQueryCache (embedded mode): in a CacheBackend of this process, the generation being the
//   search index's own count (each node has its index, so its cache is its own).
// - SharedQueryCache (direct mode with Redis, shared_query_cache.h): in the Redis every node
//   shares, the generation a counter there that whoever made a write visible bumps.
// Depends on cache, search and obs.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache_backend.h"
#include "obs/log.h"
#include "search/search_backend.h"

namespace tandem::pipeline {

class QueryCache {
 public:
  // What a lookup found, and what store() needs to keep the response of the same request.
  struct Lookup {
    std::string key;
    std::uint64_t generation = 0;     // of the index, as the lookup saw it
    bool storable = false;            // false: the cache failed; store() does nothing
    std::optional<std::string> body;  // the cached response; nullopt: a miss
  };

  virtual ~QueryCache() = default;
  virtual std::string_view name() const = 0;

  // The cached response of a request on `collection` whose parameters are `params`
  // ("name=value" pieces, in any order).
  virtual Lookup lookup(std::string_view collection, std::vector<std::string_view> params) = 0;
  // Keeps the response of the request `looked` missed for, as of the generation it saw: had the
  // index changed since, the entry is never served. A failure is logged, not returned.
  virtual void store(const Lookup& looked, std::string_view body) = 0;
};

// The parameters in a canonical order: sorted, joined by '&'.
std::string canonical_params(std::vector<std::string_view> params);

class LocalQueryCache final : public QueryCache {
 public:
  LocalQueryCache(cache::CacheBackend& cache, const search::SearchBackend& index,
                  std::chrono::milliseconds ttl, const obs::Logger& log)
      : cache_(cache), index_(index), ttl_(ttl), log_(log) {}

  std::string_view name() const override { return cache_.name(); }
  // Keys are "search\n<collection>\n<generation>\n<canonical params>".
  Lookup lookup(std::string_view collection, std::vector<std::string_view> params) override;
  void store(const Lookup& looked, std::string_view body) override;

 private:
  cache::CacheBackend& cache_;
  const search::SearchBackend& index_;
  const std::chrono::milliseconds ttl_;
  const obs::Logger& log_;
};

}  // namespace tandem::pipeline
