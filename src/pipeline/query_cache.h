// QueryCache: search responses kept in a CacheBackend (the in-process cache, or one shared by
// every node), keyed by the collection, the search index's generation and the request's
// parameters in a canonical order. A write bumps the generation, so every older response becomes
// unreachable at once and expires on its own. The cache's failures count as misses (logged): a
// response is never wrong because the cache is down. Depends on cache, search and obs.
#pragma once

#include <chrono>
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
  QueryCache(cache::CacheBackend& cache, const search::SearchBackend& index,
             std::chrono::milliseconds ttl, const obs::Logger& log)
      : cache_(cache), index_(index), ttl_(ttl), log_(log) {}

  // The key of a response of `collection` as the index is now: `params` are the request's
  // parameters as "name=value" pieces, in any order.
  std::string key(std::string_view collection, std::vector<std::string_view> params) const;

  // The response stored under `key`, or nullopt (a miss, or the cache failed).
  std::optional<std::string> get(const std::string& key);
  // Stores a response for the cache's ttl; a failure is logged, not returned.
  void put(const std::string& key, std::string_view body);

 private:
  cache::CacheBackend& cache_;
  const search::SearchBackend& index_;
  const std::chrono::milliseconds ttl_;
  const obs::Logger& log_;
};

}  // namespace tandem::pipeline
