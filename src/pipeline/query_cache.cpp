// The query-result cache. Depends on cache, search and obs.
#include "pipeline/query_cache.h"

#include <algorithm>

namespace tandem::pipeline {

std::string QueryCache::key(std::string_view collection,
                            std::vector<std::string_view> params) const {
  std::sort(params.begin(), params.end());
  std::string key = "search\n";
  key.append(collection).append("\n").append(std::to_string(index_.generation(collection)));
  for (auto p : params)
    key.append("\n").append(p);
  return key;
}

std::optional<std::string> QueryCache::get(const std::string& key) {
  auto hit = cache_.get(key);
  if (!hit) {
    TANDEM_LOG(log_, obs::Level::kWarn, "query cache read failed", {"cache", cache_.name()},
               {"error", hit.error().message()});
    return std::nullopt;
  }
  if (!*hit) return std::nullopt;
  return std::move((*hit)->value);
}

void QueryCache::put(const std::string& key, std::string_view body) {
  if (auto st = cache_.set(key, body, 0, ttl_); !st.is_ok()) {
    TANDEM_LOG(log_, obs::Level::kWarn, "query cache write failed", {"cache", cache_.name()},
               {"error", st.message()});
  }
}

}  // namespace tandem::pipeline
