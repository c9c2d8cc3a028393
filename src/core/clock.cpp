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

std::chrono::steady_clock::time_point SystemClock::coarse_steady_now() const {
  // The same clock as steady_clock (CLOCK_MONOTONIC), read at the kernel's tick resolution.
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::steady_clock::time_point(std::chrono::duration_cast<
      std::chrono::steady_clock::duration>(std::chrono::seconds(ts.tv_sec) +
                                           std::chrono::nanoseconds(ts.tv_nsec)));
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

namespace {

// Reads exactly `n` digits at text[pos]; -1 when any is missing.
int digits(std::string_view text, std::size_t pos, std::size_t n) {
  if (pos + n > text.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = static_cast<int>(y - era * 400);
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view t) {
  int y = digits(t, 0, 4), mo = digits(t, 5, 2), d = digits(t, 8, 2);
  int h = digits(t, 11, 2), mi = digits(t, 14, 2), s = digits(t, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
      s > 60 || t[4] != '-' || t[7] != '-' || t[13] != ':' || t[16] != ':' ||
      (t[10] != 'T' && t[10] != 't') || d > days_in_month(y, mo)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int ms = 0;
  if (pos < t.size() && t[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (pos - start < 3) ms = ms * 10 + (t[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (std::size_t k = pos - start; k < 3; ++k)
      ms *= 10;
  }
  if (pos >= t.size()) return std::nullopt;
  int offset_min = 0;
  if (t[pos] == 'Z' || t[pos] == 'z') {
    ++pos;
  } else if (t[pos] == '+' || t[pos] == '-') {
    int oh = digits(t, pos + 1, 2), om = digits(t, pos + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59 || pos + 3 >= t.size() || t[pos + 3] != ':') {
      return std::nullopt;
    }
    offset_min = (t[pos] == '+' ? 1 : -1) * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;
  std::int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_min * 60;
  return secs * 1000 + ms;
}

}  // namespace tandem::core
