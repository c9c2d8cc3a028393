// The query-result cache of this process. Depends on cache, search and obs.
#include "pipeline/query_cache.h"

#include <algorithm>

namespace tandem::pipeline {

std::string canonical_params(std::vector<std::string_view> params) {
  std::sort(params.begin(), params.end());
  std::string out;
  for (auto p : params) {
    if (!out.empty()) out += '&';
    out.append(p);
  }
  return out;
}

QueryCache::Lookup LocalQueryCache::lookup(std::string_view collection,
                                           std::vector<std::string_view> params) {
  Lookup out{.generation = index_.generation(collection), .storable = true};
  out.key = "search\n";
  out.key.append(collection).append("\n").append(std::to_string(out.generation)).append("\n");
  out.key += canonical_params(std::move(params));
  auto hit = cache_.get(out.key);
  if (!hit) {
    TANDEM_LOG(log_, obs::Level::kWarn, "query cache read failed", {"cache", cache_.name()},
               {"error", hit.error().message()});
  } else if (*hit) {
    out.body = std::move((*hit)->value);
  }
  return out;
}

void LocalQueryCache::store(const Lookup& looked, std::string_view body) {
  if (!looked.storable) return;
  if (auto st = cache_.set(looked.key, body, 0, ttl_); !st.is_ok()) {
    TANDEM_LOG(log_, obs::Level::kWarn, "query cache write failed", {"cache", cache_.name()},
               {"error", st.message()});
  }
}

}  // namespace tandem::pipeline
