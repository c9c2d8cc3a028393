// Backoff: the delays between retries of one failing operation, for every outbound caller (the
// appliers now; the HTTP and RESP clients of the OpenSearch and Redis backends). The ceiling
// doubles from `initial` to `max`, and each delay is drawn between half the ceiling and the whole
// of it ("equal jitter"), so that many callers retrying one backend spread out while none
// retries at once. Depends on core; no Asio types (src/net's headers never expose them).
#pragma once

#include <chrono>
#include <cstdint>

namespace tandem::net {

struct BackoffOptions {
  std::chrono::milliseconds initial{100};  // the ceiling of the first retry's delay
  std::chrono::milliseconds max{30000};    // the ceiling stops doubling here
  std::uint64_t seed = 0;                  // of the jitter; 0: random (tests fix it)
};

// Not thread-safe: one per caller, used under the caller's own lock.
class Backoff {
 public:
  explicit Backoff(BackoffOptions options);

  // The delay before the retry that follows `failures` failures in a row (1: the first retry):
  // within [ceiling / 2, ceiling] with ceiling = min(initial * 2^(failures - 1), max).
  std::chrono::milliseconds delay(int failures);

  // The ceiling of that delay, without drawing.
  std::chrono::milliseconds ceiling(int failures) const;

 private:
  BackoffOptions options_;
  std::uint64_t state_;  // SplitMix64 state of the jitter
};

}  // namespace tandem::net
