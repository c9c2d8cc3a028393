// CacheSink: keeps a CacheBackend consistent with the store through an Applier — the demo's
// "write to Redis too", made ordered and versioned. Upserts set the record under its seq,
// deletes remove it (leaving a tombstone that older writes cannot pass). A dropped collection's
// entries are left to expire: reads check the catalog first. Depends on pipeline and cache.
#pragma once

#include <string>

#include "cache/cache_backend.h"
#include "pipeline/applier.h"
#include "pipeline/write_fence.h"

namespace tandem::pipeline {

// "products/p1": the cache key of a record.
inline std::string cache_key(std::string_view collection, std::string_view id) {
  std::string key(collection);
  key.push_back('/');
  key.append(id);
  return key;
}

class CacheSink final : public Sink {
 public:
  // `fence`, when given, is told every seq the cache holds now (see WriteFence).
  explicit CacheSink(cache::CacheBackend& cache, WriteFence* fence = nullptr)
      : cache_(cache), fence_(fence) {}
  std::string_view name() const override { return name_; }
  core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) override {
    std::vector<cache::CacheWrite> writes;
    writes.reserve(changes.size());
    for (const auto& c : changes) {
      if (c.op != changes::ChangeOp::kUpsert && c.op != changes::ChangeOp::kDelete) continue;
      writes.push_back({.key = cache_key(c.collection, c.id),
                        .value = c.body,
                        .version = c.seq,
                        .remove = c.op == changes::ChangeOp::kDelete});
    }
    if (auto st = cache_.write_many(writes); !st.is_ok()) return core::fail(st);
    if (fence_ != nullptr && !changes.empty()) fence_->applied(changes.back().seq);
    return std::vector<changes::Rejection>{};
  }

 private:
  cache::CacheBackend& cache_;
  WriteFence* fence_;                                         // optional
  std::string name_ = "cache:" + std::string(cache_.name());  // "cache:memory"
};

}  // namespace tandem::pipeline
