// The sharded cache. Each shard is an open-addressing table (linear probing, backward-shift
// deletion) of {hash, item} slots; an item is one allocation holding its bookkeeping, key and
// value, so a hit touches one slot and one item. Recency is a per-shard access tick stored in the
// item, and eviction is sampled LRU (as in Redis): of a few neighbouring items the least recently
// used goes, expired ones first. A hit therefore writes nothing but its own item. Depends on core.
#include "cache/memory/memory_cache.h"

#include <cstring>
#include <new>
#include <random>

#include "core/hash.h"

namespace tandem::cache {
namespace {

using TimePoint = std::chrono::steady_clock::time_point;

constexpr std::size_t kSamples = 8;  // items compared per eviction
constexpr std::size_t kMinSlots = 16;

const core::SystemClock& system_clock() {
  static const core::SystemClock clock;
  return clock;
}

}  // namespace

struct MemoryCache::Shard {
  // One allocation: this header, then the key's bytes, then the value's.
  struct Item {
    std::uint64_t version;
    TimePoint expires;
    std::uint64_t touched;  // the shard's tick at the last write or hit
    std::uint32_t key_size;
    std::uint32_t value_size;
    bool tombstone;  // a removal remembered; reads miss

    const char* key_data() const { return reinterpret_cast<const char*>(this + 1); }
    std::string_view key() const { return {key_data(), key_size}; }
    std::string_view value() const { return {key_data() + key_size, value_size}; }
    std::uint64_t bytes() const { return sizeof(Item) + sizeof(Slot) + key_size + value_size; }

    static Item* make(std::string_view key, std::string_view value) {
      void* p = ::operator new(sizeof(Item) + key.size() + value.size());
      auto* item = new (p) Item{.key_size = static_cast<std::uint32_t>(key.size()),
                                .value_size = static_cast<std::uint32_t>(value.size())};
      char* data = static_cast<char*>(p) + sizeof(Item);
      std::memcpy(data, key.data(), key.size());
      if (!value.empty()) std::memcpy(data + key.size(), value.data(), value.size());
      return item;
    }
    static void destroy(Item* item) { ::operator delete(item); }
  };
  struct Slot {
    std::uint64_t hash;
    Item* item;  // null: empty
  };

  std::mutex mutex;          // guards everything below
  std::vector<Slot> slots;   // a power of two, at most 3/4 full
  std::size_t count = 0;     // items, tombstones included
  std::uint64_t bytes = 0;   // of all items
  std::uint64_t live = 0;    // items that are not tombstones
  std::uint64_t tick = 0;    // recency clock
  std::uint64_t max_bytes = 0;
  std::uint64_t jitter = 0;  // SplitMix64 state for TTL jitter and eviction sampling
  std::uint64_t hits = 0, misses = 0, evictions = 0;

  Shard() : slots(kMinSlots) {}
  ~Shard() {
    for (auto& s : slots)
      if (s.item != nullptr) Item::destroy(s.item);
  }

  std::size_t mask() const { return slots.size() - 1; }

  // The slot holding `key`, or slots.size().
  std::size_t find(std::uint64_t hash, std::string_view key) const {
    for (std::size_t i = hash & mask();; i = (i + 1) & mask()) {
      const Slot& s = slots[i];
      if (s.item == nullptr) return slots.size();
      if (s.hash == hash && s.item->key() == key) return i;
    }
  }

  void erase_at(std::size_t i) {
    Item* item = slots[i].item;
    bytes -= item->bytes();
    live -= item->tombstone ? 0 : 1;
    --count;
    Item::destroy(item);
    // Backward shift: pull later members of the probe run into the hole, so lookups never need
    // deletion markers.
    for (std::size_t hole = i, j = (i + 1) & mask();; j = (j + 1) & mask()) {
      if (slots[j].item == nullptr) {
        slots[hole] = {};
        return;
      }
      std::size_t home = slots[j].hash & mask();
      // Move j into the hole unless its home lies cyclically in (hole, j].
      bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        slots[hole] = slots[j];
        hole = j;
      }
    }
  }

  void grow() {
    std::vector<Slot> old(slots.size() * 2);
    old.swap(slots);
    for (const Slot& s : old) {
      if (s.item == nullptr) continue;
      std::size_t i = s.hash & mask();
      while (slots[i].item != nullptr)
        i = (i + 1) & mask();
      slots[i] = s;
    }
  }

  // Inserts or replaces, then evicts while over budget (never the item just written).
  void put(std::uint64_t hash, Item* item, TimePoint now) {
    item->touched = ++tick;
    if (std::size_t i = find(hash, item->key()); i != slots.size()) erase_at(i);
    if ((count + 1) * 4 > slots.size() * 3) grow();
    std::size_t i = hash & mask();
    while (slots[i].item != nullptr)
      i = (i + 1) & mask();
    slots[i] = {hash, item};
    ++count;
    bytes += item->bytes();
    live += item->tombstone ? 0 : 1;
    while (bytes > max_bytes && count > 1) {
      erase_at(victim(item, now));
      ++evictions;
    }
  }

  // Sampled LRU: of the first kSamples items from a random slot, an expired one if any, else the
  // least recently used. Never `keep`.
  std::size_t victim(const Item* keep, TimePoint now) {
    std::size_t best = slots.size();
    std::uint64_t best_touched = UINT64_MAX;
    std::size_t seen = 0;
    for (std::size_t i = core::splitmix64(jitter) & mask(); seen < kSamples;
         i = (i + 1) & mask()) {
      Item* item = slots[i].item;
      if (item == nullptr || item == keep) continue;
      ++seen;
      std::uint64_t age = item->expires <= now ? 0 : item->touched;
      if (age < best_touched) {
        best = i;
        best_touched = age;
      }
      if (seen == count - 1) break;  // every other item seen
    }
    return best;
  }
};

MemoryCache::MemoryCache(MemoryCacheOptions options)
    : options_(options), clock_(options.clock != nullptr ? *options.clock : system_clock()) {
  std::uint64_t seed = options.seed != 0 ? options.seed : std::random_device{}();
  hash_seed_ = core::mix64(seed);
  std::size_t n = std::max<std::size_t>(1, options_.shards);
  for (std::size_t i = 0; i < n; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    shards_.back()->max_bytes = std::max<std::uint64_t>(1, options_.max_bytes / n);
    shards_.back()->jitter = seed + i;
  }
}

MemoryCache::~MemoryCache() = default;

MemoryCache::Shard& MemoryCache::shard_for(std::uint64_t hash) {
  return *shards_[(hash >> 40) % shards_.size()];
}

core::Result<std::optional<CacheEntry>> MemoryCache::get(std::string_view key) {
  std::uint64_t hash = core::table_hash(key, hash_seed_);
  Shard& s = shard_for(hash);
  auto now = clock_.coarse_steady_now();
  std::lock_guard lock(s.mutex);
  std::size_t i = s.find(hash, key);
  if (i == s.slots.size()) {
    ++s.misses;
    return std::optional<CacheEntry>();
  }
  Shard::Item* item = s.slots[i].item;
  if (item->tombstone || item->expires <= now) {
    if (item->expires <= now) s.erase_at(i);
    ++s.misses;
    return std::optional<CacheEntry>();
  }
  item->touched = ++s.tick;
  ++s.hits;
  return std::optional<CacheEntry>(
      CacheEntry{.value = std::string(item->value()), .version = item->version});
}

core::Result<std::vector<std::optional<CacheEntry>>> MemoryCache::get_many(
    std::span<const std::string> keys) {
  std::vector<std::optional<CacheEntry>> out;
  out.reserve(keys.size());
  for (const auto& k : keys)
    out.push_back(*get(k));
  return out;
}

core::Status MemoryCache::write(std::string_view key, std::string_view value,
                                std::uint64_t version, std::chrono::milliseconds ttl,
                                bool tombstone) {
  std::uint64_t hash = core::table_hash(key, hash_seed_);
  Shard& s = shard_for(hash);
  Shard::Item* item = Shard::Item::make(key, value);
  item->version = version;
  item->tombstone = tombstone;
  auto now = clock_.coarse_steady_now();
  std::lock_guard lock(s.mutex);
  if (std::size_t i = s.find(hash, key); i != s.slots.size()) {
    const Shard::Item* held = s.slots[i].item;
    // A newer live entry (or a newer removal) is held; a removal drops only what is older than
    // it, so the very version it invalidates for, written meanwhile, stays.
    bool keep = tombstone ? held->version >= version
                          : held->version > version && (held->tombstone || held->expires > now);
    if (keep) {
      Shard::Item::destroy(item);
      return {};
    }
  }
  if (!tombstone) {
    double unit = static_cast<double>(core::splitmix64(s.jitter) >> 11) * 0x1.0p-53;  // [0, 1)
    double factor = 1.0 + options_.ttl_jitter * (2 * unit - 1);
    ttl = std::chrono::milliseconds(static_cast<std::int64_t>(
        static_cast<double>((ttl.count() > 0 ? ttl : options_.ttl).count()) * factor));
  }
  item->expires = now + ttl;
  s.put(hash, item, now);
  return {};
}

core::Status MemoryCache::set(std::string_view key, std::string_view value, std::uint64_t version,
                              std::chrono::milliseconds ttl) {
  return write(key, value, version, ttl, false);
}

core::Status MemoryCache::remove(std::string_view key, std::uint64_t version) {
  return write(key, {}, version, options_.tombstone_ttl, true);
}

CacheStats MemoryCache::stats() const {
  CacheStats out;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    out.hits += s->hits;
    out.misses += s->misses;
    out.evictions += s->evictions;
    out.bytes += s->bytes;
    out.entries += s->live;
  }
  return out;
}

}  // namespace tandem::cache
