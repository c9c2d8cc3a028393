// WriteFence: what keeps reads on this node from serving a cached version older than a write it
// acknowledged, without the write waiting for the cache. The write path notes each accepted
// record's key and seq; until the cache sink has applied that seq (stored it in the cache, in
// change-log order), a cached entry older than it counts as a miss and the read goes to the
// store. A cache that is down, slow or far behind therefore never delays a write and never
// serves a stale version here. Past `max_keys` notes it stops tracking keys and fences every
// key until the sink catches up. Thread-safe (one mutex). Depends on std only.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace tandem::pipeline {

class WriteFence {
 public:
  explicit WriteFence(std::size_t max_keys = 1 << 20) : max_keys_(max_keys) {}

  // A record under `key` was committed at `seq` (seqs arrive in increasing order per key).
  void note(std::string_view key, std::uint64_t seq);
  // Every key is fenced up to `seq` until the sink reaches it: for a start with the cache sink
  // behind the store (what it missed is not known key by key).
  void fence_all(std::uint64_t seq);
  // The cache sink has stored every change up to `seq`: notes at or below it are done.
  void applied(std::uint64_t seq);
  // The oldest version of `key` a cached entry may have to be served (0: any).
  std::uint64_t floor(std::string_view key) const;

 private:
  // Lookups by string_view without making a string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  const std::size_t max_keys_;
  mutable std::mutex mutex_;  // guards everything below
  std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>> floors_;  // key -> seq
  std::deque<std::pair<std::uint64_t, std::string>> order_;  // (seq, key), oldest first
  std::uint64_t applied_ = 0;                                // the sink's cursor as last told
  std::uint64_t overflow_ = 0;  // past max_keys: every key is fenced up to this seq
};

}  // namespace tandem::pipeline
