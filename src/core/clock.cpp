// Real and fake clocks, and RFC 3339 formatting. Standard library only.
#include "core/clock.h"

#include <cstdint>
#include <ctime>
#include <string>

namespace tandem::core {

std::chrono::system_clock::time_point SystemClock::now() const {
  return std::chrono::system_clock::now();
}

std::chrono::steady_clock::time_point SystemClock::steady_now() const {
  return std::chrono::steady_clock::now();
}

FakeClock::FakeClock(std::chrono::system_clock::time_point start) : start_(start) {}

std::chrono::system_clock::time_point FakeClock::now() const {
  auto by = std::chrono::nanoseconds(elapsed_ns_.load(std::memory_order_acquire));
  return start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(by);
}

std::chrono::steady_clock::time_point FakeClock::steady_now() const {
  auto by = std::chrono::nanoseconds(elapsed_ns_.load(std::memory_order_acquire));
  return std::chrono::steady_clock::time_point{} +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(by);
}

void FakeClock::advance(std::chrono::nanoseconds by) {
  elapsed_ns_.fetch_add(by.count(), std::memory_order_acq_rel);
}

std::string format_rfc3339_ms(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  // Logging calls this for every line: the date and time up to the second are formatted once a
  // second per thread, then only the milliseconds change.
  thread_local std::int64_t cached_second = INT64_MIN;
  thread_local char prefix[32] = {};
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  std::int64_t second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;  // floor, also before 1970
  int rem = static_cast<int>(ms - second * 1000);
  if (second != cached_second) {
    auto secs = static_cast<std::time_t>(second);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(prefix, sizeof prefix, "%Y-%m-%dT%H:%M:%S.", &tm);
    cached_second = second;
  }
  std::string out(prefix);
  out.push_back(static_cast<char>('0' + rem / 100));
  out.push_back(static_cast<char>('0' + rem / 10 % 10));
  out.push_back(static_cast<char>('0' + rem % 10));
  out.push_back('Z');
  return out;
}

}  // namespace tandem::core
