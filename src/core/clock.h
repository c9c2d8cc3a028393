// Clock: the one way modules read time, so that tests can use FakeClock.
// Standard library only. Thread-safe: both implementations may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps that leave the process (logs, records).
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time, for durations, timeouts and rate limits.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
  // Monotonic time that may lag by a few milliseconds but is several times cheaper to read, for
  // expiry checks on hot paths. Compare it only with other coarse readings.
  virtual std::chrono::steady_clock::time_point coarse_steady_now() const { return steady_now(); }
};

// The real clocks.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override;
  std::chrono::steady_clock::time_point steady_now() const override;
  std::chrono::steady_clock::time_point coarse_steady_now() const override;
};

// A clock that moves only when told to. Both readings advance together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start = {});

  std::chrono::system_clock::time_point now() const override;
  std::chrono::steady_clock::time_point steady_now() const override;

  void advance(std::chrono::nanoseconds by);

 private:
  std::chrono::system_clock::time_point start_;  // wall time at construction
  std::atomic<std::int64_t> elapsed_ns_{0};      // total advance() so far
};

// "2026-11-26T22:26:44.123Z": RFC 3339 in UTC with milliseconds.
std::string format_rfc3339_ms(std::chrono::system_clock::time_point t);

// Parses an RFC 3339 date-time ("2026-11-26T22:26:44Z", "...44.5+01:00") to milliseconds since
// the epoch (UTC). nullopt when the text is not a valid date-time (bad field, Feb 30, no zone).
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

}  // namespace tandem::core
