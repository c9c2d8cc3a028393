// Token buckets. Depends on core.
#include "access/rate_limit.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace tandem::access {
namespace {

std::chrono::milliseconds ms_of(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

}  // namespace

TokenBucket::TokenBucket(Limit limit, Clock::time_point now)
    : limit_(limit), tokens_(std::max(limit.burst, 1.0)), last_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= last_) return;
  std::chrono::duration<double> dt = now - last_;
  tokens_ = std::min(std::max(limit_.burst, 1.0), tokens_ + dt.count() * limit_.rate);
  last_ = now;
}

Decision TokenBucket::take(Clock::time_point now) {
  const double size = std::max(limit_.burst, 1.0);
  if (limit_.rate <= 0) return {.allowed = true, .limit = size, .remaining = size};
  refill(now);
  Decision d{.limit = size};
  if (tokens_ >= 1) {
    tokens_ -= 1;
  } else {
    d.allowed = false;
    d.retry = ms_of((1 - tokens_) / limit_.rate);
  }
  d.remaining = std::floor(tokens_);
  d.reset = ms_of((size - tokens_) / limit_.rate);
  return d;
}

bool TokenBucket::idle(Clock::time_point now) const {
  if (limit_.rate <= 0) return true;
  std::chrono::duration<double> dt = now - last_;
  return tokens_ + dt.count() * limit_.rate >= std::max(limit_.burst, 1.0);
}

void TokenBucket::set_limit(Limit limit) {
  limit_ = limit;
  tokens_ = std::min(tokens_, std::max(limit.burst, 1.0));
}

Decision RateLimiter::take(std::string_view name, Limit limit, Clock::time_point now) {
  auto& shard = shards_[std::hash<std::string_view>{}(name) % shards_.size()];
  std::lock_guard lock(shard.mutex);
  if (++shard.takes % 4096 == 0) {
    std::erase_if(shard.buckets, [&](const auto& entry) { return entry.second.idle(now); });
  }
  auto it = shard.buckets.find(std::string(name));
  if (it == shard.buckets.end())
    it = shard.buckets.emplace(std::string(name), TokenBucket(limit, now)).first;
  it->second.set_limit(limit);
  return it->second.take(now);
}

std::size_t RateLimiter::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.buckets.size();
  }
  return n;
}

}  // namespace tandem::access
