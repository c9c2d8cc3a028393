// CacheBackend: the role of a by-id cache (in-process LRU, Redis). Values are versioned by the
// record's seq so that an older write never replaces a newer one. Depends on core only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tandem::cache {

struct CacheEntry {
  std::string value;          // the cached bytes (a record body, a search result)
  std::uint64_t version = 0;  // the record's seq
};

struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
  std::uint64_t bytes = 0;    // held now
  std::uint64_t entries = 0;  // held now
};

// One write of write_many(): a set() of `value`, or with `remove` a remove().
struct CacheWrite {
  std::string key;
  std::string_view value;  // the caller keeps it alive for the call
  std::uint64_t version = 0;
  bool remove = false;
};

class CacheBackend {
 public:
  virtual ~CacheBackend() = default;

  // "memory", "redis".
  virtual std::string_view name() const = 0;

  // nullopt on a miss. kUnavailable when the backend cannot be reached.
  virtual core::Result<std::optional<CacheEntry>> get(std::string_view key) = 0;
  // get() without blocking the caller where the backend can (Redis: its client's own thread
  // pipelines the lookups of every caller): `done` gets the answer exactly once, from any thread,
  // and must not block. Backends without such a path answer here, before returning.
  using GetDone = std::function<void(core::Result<std::optional<CacheEntry>>)>;
  virtual void get_async(std::string key, GetDone done) { done(get(key)); }
  // True when get_async() answers from another thread (callers then need not block for it).
  virtual bool async_gets() const { return false; }
  // One answer per key, in order.
  virtual core::Result<std::vector<std::optional<CacheEntry>>> get_many(
      std::span<const std::string> keys) = 0;
  // Stores the value unless a newer version is held. A zero ttl means the backend's default.
  virtual core::Status set(std::string_view key, std::string_view value, std::uint64_t version,
                           std::chrono::milliseconds ttl) = 0;
  // Removes the key unless the same or a newer version is held, leaving a tombstone at
  // `version` that older writes cannot pass: a removal drops only what is older than it (the
  // write path invalidates at a record's new seq, and the cache sink may have stored that very
  // version first).
  virtual core::Status remove(std::string_view key, std::uint64_t version) = 0;

  // The writes, in order, with the default ttl for sets (a remote backend sends them together).
  // On failure some may have been applied: each is safe to apply again.
  virtual core::Status write_many(std::span<const CacheWrite> writes) {
    for (const auto& w : writes) {
      auto st = w.remove ? remove(w.key, w.version)
                         : set(w.key, w.value, w.version, std::chrono::milliseconds(0));
      if (!st.is_ok()) return st;
    }
    return {};
  }

  virtual CacheStats stats() const = 0;

  // One round trip that says whether the backend can be used now (Redis: a lookup within the
  // command timeout). kUnavailable naming the problem otherwise. For /ready and tandem_backend_up.
  virtual core::Status check() = 0;
};

}  // namespace tandem::cache
