// The backends this binary is built with, chosen by search.backend, cache.backend and
// store.backend (direct mode): the only
// place that names concrete backends (their targets are linked by tandem_app alone). Adding a
// backend is one row in a table of backends.cpp and one target in its CMakeLists.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cache/cache_backend.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "obs/log.h"
#include "pipeline/catalog.h"
#include "pipeline/shared_query_cache.h"
#include "scheduler/lease.h"
#include "search/opensearch/opensearch_store.h"
#include "search/search_backend.h"

namespace tandem::app {

// The names accepted by search.backend and cache.backend in this build.
std::vector<std::string> search_backends();
std::vector<std::string> cache_backends();

// Opens the configured search backend (Xapian: over data.dir/index); schemas come from
// `catalog`, which must outlive it. kInvalidArgument naming search.backend and the choices when
// the name is not built into this binary; the backend's own errors otherwise.
core::Result<std::unique_ptr<search::SearchBackend>> open_search(const config::Config& config,
                                                                 const pipeline::Catalog& catalog);

// The by-id cache and the query-result cache (a quarter of cache.max_bytes) of the configured
// cache backend. kInvalidArgument naming cache.backend and the choices when it is not built in.
struct Caches {
  std::unique_ptr<cache::CacheBackend> records;
  std::unique_ptr<cache::CacheBackend> queries;
};
core::Result<Caches> open_caches(const config::Config& config, const core::Clock& clock);

// Direct mode's query-result cache: with cache.backend = "redis" and cache.query_results, in
// the Redis of cache.redis.* (its own connections); null otherwise (a cache of this node's own
// could not tell a write made on another).
core::Result<std::unique_ptr<pipeline::SharedQueryCache>> open_shared_query_cache(
    const config::Config& config, const obs::Logger& log);

// Direct mode's store (store.backend = "opensearch"): records, keys and job runs in the
// OpenSearch of search.opensearch.* (its own connections); it tells `queries` (when there is
// one, which must outlive it) when its writes are visible to searches. kInvalidArgument unless
// search.backend is "opensearch" too, or for a bad search.opensearch.* setting.
core::Result<std::unique_ptr<search::OpenSearchStore>> open_shared_store(
    const config::Config& config, pipeline::SharedQueryCache* queries);

// The job lease of jobs.lease: null for "none"; for "redis", leases in the Redis of
// cache.redis.* (its own connection), held under cache.redis.prefix.
core::Result<std::shared_ptr<scheduler::JobLease>> open_job_lease(const config::Config& config);

}  // namespace tandem::app
