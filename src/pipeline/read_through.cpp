// Read-through with single flight and negative caching. Depends on core, cache, store.
#include "pipeline/read_through.h"

#include "pipeline/cache_sink.h"

namespace tandem::pipeline {

// The fence is read before the cache: a sink write landing in between lifts the fence, and the
// value read before it must still be held to the fence it had.
std::optional<Lookup> ReadThrough::cached(const std::string& key) {
  std::uint64_t floor = fence_ != nullptr ? fence_->floor(key) : 0;
  return hit(cache_.get(key), floor);
}

std::optional<Lookup> ReadThrough::hit(core::Result<std::optional<cache::CacheEntry>> entry,
                                       std::uint64_t floor) {
  if (!entry || !*entry) return std::nullopt;
  if ((*entry)->version < floor) return std::nullopt;  // older than a write acknowledged here
  Lookup out{.from_cache = true, .version = (*entry)->version};
  if (!(*entry)->value.empty()) out.body = std::move((*entry)->value);
  return out;
}

void ReadThrough::cached_async(const std::string& collection, const std::string& id, HitDone done) {
  std::string key = cache_key(collection, id);
  std::uint64_t floor = fence_ != nullptr ? fence_->floor(key) : 0;  // before the cache, as above
  cache_.get_async(std::move(key), [floor, done = std::move(done)](
                                       core::Result<std::optional<cache::CacheEntry>> entry) {
    done(hit(std::move(entry), floor));
  });
}

core::Result<Lookup> ReadThrough::get(const std::string& collection, const std::string& id) {
  if (auto found = cached(cache_key(collection, id))) return std::move(*found);
  return after_miss(collection, id);
}

core::Result<Lookup> ReadThrough::after_miss(const std::string& collection, const std::string& id) {
  std::string key = cache_key(collection, id);
  std::shared_future<core::Result<Lookup>> flight;
  std::promise<core::Result<Lookup>> mine;
  bool leader = false;
  {
    std::lock_guard lock(mutex_);
    if (auto it = flights_.find(key); it != flights_.end()) {
      flight = it->second;
    } else {
      flight = mine.get_future().share();
      flights_.emplace(key, flight);
      leader = true;
    }
  }
  if (!leader) return flight.get();  // another request is reading this id: share its answer
  // A flight that ended between our miss and our lead has filled the cache: look again.
  auto again = cached(key);
  core::Result<Lookup> result =
      again ? core::Result<Lookup>(std::move(*again)) : load(key, collection, id);
  {
    std::lock_guard lock(mutex_);
    flights_.erase(key);
  }
  mine.set_value(result);
  return result;
}

// Reads the store and fills the cache. The head is read first: a "not found" is cached at that
// version, so any write of the id committed afterwards (a higher seq) replaces it.
core::Result<Lookup> ReadThrough::load(const std::string& key, const std::string& collection,
                                       const std::string& id) {
  std::uint64_t head = store_.head_seq();
  store_loads_.fetch_add(1, std::memory_order_relaxed);
  auto doc = store_.get(collection, id);
  if (!doc) return core::fail(doc.error());
  if (!*doc) {
    if (negative_ttl_.count() > 0) (void)cache_.set(key, "", head, negative_ttl_);
    return Lookup{};
  }
  (void)cache_.set(key, (*doc)->body, (*doc)->seq, std::chrono::milliseconds(0));
  return Lookup{.body = std::move((*doc)->body), .version = (*doc)->seq};
}

}  // namespace tandem::pipeline
