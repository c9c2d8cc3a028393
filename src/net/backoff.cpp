// Retry delays with jitter. Depends on core.
#include "net/backoff.h"

#include <algorithm>
#include <random>

#include "core/hash.h"

namespace tandem::net {

Backoff::Backoff(BackoffOptions options)
    : options_(options), state_(options.seed != 0 ? options.seed : std::random_device{}()) {}

std::chrono::milliseconds Backoff::ceiling(int failures) const {
  auto ceiling = options_.initial.count();
  for (int i = 1; i < failures && ceiling < options_.max.count(); ++i)
    ceiling *= 2;
  return std::chrono::milliseconds(std::min<std::int64_t>(ceiling, options_.max.count()));
}

std::chrono::milliseconds Backoff::delay(int failures) {
  auto top = ceiling(failures).count();
  auto half = top / 2;
  auto drawn = core::splitmix64(state_) % static_cast<std::uint64_t>(top - half + 1);
  return std::chrono::milliseconds(half + static_cast<std::int64_t>(drawn));
}

}  // namespace tandem::net
