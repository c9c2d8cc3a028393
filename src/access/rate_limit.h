// Token buckets: a rate (tokens per second) and a burst (the bucket's size), refilled
// continuously; a request takes one token or is refused, told when the next one is due. A
// RateLimiter keeps one bucket per name (an API key's id, a client address), sharded by hash so
// that requests of different keys rarely share a lock, and forgets buckets that have been full
// for a while. No HTTP types. Depends on core.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tandem::access {

using Clock = std::chrono::steady_clock;

struct Limit {
  double rate = 0;   // tokens per second; 0 or less: unlimited
  double burst = 0;  // the bucket's size (at least 1)
};

struct Decision {
  bool allowed = true;
  double limit = 0;                    // the burst, for RateLimit-Limit
  double remaining = 0;                // tokens left after this request
  std::chrono::milliseconds reset{0};  // until the bucket is full again
  std::chrono::milliseconds retry{0};  // refused: until one token is there
};

class TokenBucket {
 public:
  // Starts full.
  TokenBucket(Limit limit, Clock::time_point now);
  Decision take(Clock::time_point now);
  // Full again by `now`: nothing to remember.
  bool idle(Clock::time_point now) const;
  // The limit changed (a key edited): the level is kept, capped at the new size.
  void set_limit(Limit limit);

 private:
  void refill(Clock::time_point now);
  Limit limit_;
  double tokens_;
  Clock::time_point last_;
};

class RateLimiter {
 public:
  // One token of the bucket named `name`, whose limit is `limit`.
  Decision take(std::string_view name, Limit limit, Clock::time_point now = Clock::now());
  // Buckets kept (for tests and metrics).
  std::size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, TokenBucket> buckets;
    std::uint64_t takes = 0;  // every so many, idle buckets are dropped
  };
  std::array<Shard, 16> shards_;
};

}  // namespace tandem::access
