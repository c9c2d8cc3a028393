// Search handlers: GET /search (the demo's, on the default collection) and
// GET /v1/collections/{c}/search. Parameters are parsed with the query language (src/query) and
// run on the SearchBackend. Depends on core, json, query, search, pipeline.
#pragma once

#include <string>

#include "api/http_metrics.h"
#include "api/router.h"
#include "pipeline/catalog.h"
#include "pipeline/query_cache.h"
#include "search/search_backend.h"

namespace tandem::api {

struct SearchContext {
  search::SearchBackend& backend;
  pipeline::Catalog& catalog;
  std::string default_collection = "products";
  pipeline::QueryCache* results = nullptr;  // query-result cache; null: off
  SearchMetrics* metrics = nullptr;         // search durations; null: not recorded
};

inline constexpr std::size_t kMaxPerPage = 250;

// q, query_by, filter, sort, facets, max_facet_values, page, per_page, highlight, typos, prefix.
// With a result cache, a response is reused for the same collection, parameters (in any order)
// and index generation; X-Cache says hit or miss.
// 400 with {"error":{"code":"invalid_query|invalid_filter|invalid_sort|invalid_argument",
// "message":..., "details":{"parameter":..., "position":N}}} for bad input; 404 unknown collection.
Response search_collection(Request& req, SearchContext& ctx, const std::string& collection);

void add_search_routes(Router& router, SearchContext& ctx);

}  // namespace tandem::api
