// The sharded LRU. Depends on core.
#include "cache/memory/memory_cache.h"

#include <random>

#include "core/hash.h"

namespace tandem::cache {
namespace {

constexpr std::uint64_t kEntryOverhead = 96;  // list node, map slot, bookkeeping (estimate)

const core::SystemClock& system_clock() {
  static const core::SystemClock clock;
  return clock;
}

}  // namespace

struct MemoryCache::Shard {
  struct Entry {
    std::string key;
    std::string value;
    std::uint64_t version = 0;
    std::chrono::steady_clock::time_point expires;
    bool tombstone = false;  // a removal remembered; reads miss

    std::uint64_t bytes() const { return key.size() + value.size() + kEntryOverhead; }
  };

  std::mutex mutex;      // guards everything below
  std::list<Entry> lru;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index;  // views into lru keys
  std::uint64_t bytes = 0;                                                 // of all entries
  std::uint64_t live = 0;       // entries that are not tombstones
  std::uint64_t max_bytes = 0;  // this shard's share

  void erase(std::list<Entry>::iterator it) {
    bytes -= it->bytes();
    live -= it->tombstone ? 0 : 1;
    index.erase(it->key);
    lru.erase(it);
  }

  // Inserts or replaces, then evicts from the cold end while over budget. Returns evictions.
  std::uint64_t put(Entry e) {
    if (auto it = index.find(e.key); it != index.end()) erase(it->second);
    bytes += e.bytes();
    live += e.tombstone ? 0 : 1;
    lru.push_front(std::move(e));
    index.emplace(lru.front().key, lru.begin());
    std::uint64_t evicted = 0;
    while (bytes > max_bytes && lru.size() > 1) {
      erase(std::prev(lru.end()));
      ++evicted;
    }
    return evicted;
  }
};

MemoryCache::MemoryCache(MemoryCacheOptions options)
    : options_(options),
      clock_(options.clock != nullptr ? *options.clock : system_clock()),
      jitter_state_(options.seed != 0 ? options.seed : std::random_device{}()) {
  std::size_t n = std::max<std::size_t>(1, options_.shards);
  for (std::size_t i = 0; i < n; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    shards_.back()->max_bytes = std::max<std::uint64_t>(1, options_.max_bytes / n);
  }
}

MemoryCache::~MemoryCache() = default;

MemoryCache::Shard& MemoryCache::shard_for(std::string_view key) {
  return *shards_[core::fnv1a64(key) % shards_.size()];
}

std::chrono::milliseconds MemoryCache::jittered(std::chrono::milliseconds ttl) {
  std::uint64_t state = jitter_state_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
  double unit = static_cast<double>(core::mix64(state) >> 11) * 0x1.0p-53;  // [0, 1)
  double factor = 1.0 + options_.ttl_jitter * (2 * unit - 1);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(ttl.count()) * factor));
}

core::Result<std::optional<CacheEntry>> MemoryCache::get(std::string_view key) {
  Shard& s = shard_for(key);
  auto now = clock_.steady_now();
  std::lock_guard lock(s.mutex);
  auto it = s.index.find(key);
  if (it == s.index.end() || it->second->tombstone || it->second->expires <= now) {
    if (it != s.index.end() && it->second->expires <= now) s.erase(it->second);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::optional<CacheEntry>();
  }
  s.lru.splice(s.lru.begin(), s.lru, it->second);  // now the most recently used
  hits_.fetch_add(1, std::memory_order_relaxed);
  return std::optional<CacheEntry>(
      CacheEntry{.value = it->second->value, .version = it->second->version});
}

core::Result<std::vector<std::optional<CacheEntry>>> MemoryCache::get_many(
    std::span<const std::string> keys) {
  std::vector<std::optional<CacheEntry>> out;
  out.reserve(keys.size());
  for (const auto& k : keys)
    out.push_back(*get(k));
  return out;
}

core::Status MemoryCache::set(std::string_view key, std::string_view value, std::uint64_t version,
                              std::chrono::milliseconds ttl) {
  Shard& s = shard_for(key);
  auto expires = clock_.steady_now() + jittered(ttl.count() > 0 ? ttl : options_.ttl);
  std::lock_guard lock(s.mutex);
  if (auto it = s.index.find(key); it != s.index.end() && it->second->version > version &&
                                   it->second->expires > clock_.steady_now()) {
    return {};  // a newer version (or a newer removal) is held
  }
  evictions_.fetch_add(s.put({.key = std::string(key),
                              .value = std::string(value),
                              .version = version,
                              .expires = expires}),
                       std::memory_order_relaxed);
  return {};
}

core::Status MemoryCache::remove(std::string_view key, std::uint64_t version) {
  Shard& s = shard_for(key);
  auto expires = clock_.steady_now() + options_.tombstone_ttl;
  std::lock_guard lock(s.mutex);
  if (auto it = s.index.find(key); it != s.index.end() && it->second->version > version) return {};
  evictions_.fetch_add(
      s.put({.key = std::string(key), .version = version, .expires = expires, .tombstone = true}),
      std::memory_order_relaxed);
  return {};
}

CacheStats MemoryCache::stats() const {
  CacheStats out{.hits = hits_.load(), .misses = misses_.load(), .evictions = evictions_.load()};
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    out.bytes += s->bytes;
    out.entries += s->live;
  }
  return out;
}

}  // namespace tandem::cache
