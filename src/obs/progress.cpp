#include "obs/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tandem::obs {

std::string group_digits(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string clock_duration(double seconds) {
  auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

Progress::Progress(std::ostream& out, const core::Clock& clock, ProgressOptions options)
    : out_(out),
      clock_(clock),
      options_(std::move(options)),
      started_(clock.steady_now()),
      last_draw_(started_) {}

std::string Progress::line(std::uint64_t count, double fraction) const {
  std::chrono::duration<double> elapsed = clock_.steady_now() - started_;
  const double rate = elapsed.count() > 0 ? static_cast<double>(count) / elapsed.count() : 0;
  const bool sized = fraction >= 0;
  fraction = std::clamp(fraction, 0.0, 1.0);
  std::string out = "  " + options_.label;
  char pct[16];
  std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(fraction * 100));
  if (sized && options_.terminal) {
    constexpr int kWidth = 20;
    int filled = static_cast<int>(fraction * kWidth);
    out += " [" + std::string(filled, '#') + std::string(kWidth - filled, '-') + "] " + pct;
  } else if (sized) {
    out += ": " + std::string(pct);
  } else if (!options_.terminal) {
    out += ":";
  }
  out += "  " + group_digits(count) + " " + options_.unit;
  out += "  " + group_digits(static_cast<std::uint64_t>(rate)) + "/s";
  if (sized && fraction > 0 && fraction < 1) {
    out += "  " + clock_duration(elapsed.count() * (1 - fraction) / fraction) + " left";
  } else if (sized && fraction >= 1) {
    out += "  in " + clock_duration(elapsed.count());
  }
  return out;
}

void Progress::update(std::uint64_t count, double fraction) {
  count_ = count;
  fraction_ = fraction;
  auto now = clock_.steady_now();
  if (now - last_draw_ < (options_.terminal ? options_.redraw : options_.every)) return;
  last_draw_ = now;
  drawn_ = true;
  if (options_.terminal) {
    out_ << "\r" << line(count, fraction) << "\x1b[K" << std::flush;  // erase what is left
  } else {
    out_ << line(count, fraction) << "\n" << std::flush;
  }
}

void Progress::finish() {
  if (options_.terminal) {
    out_ << "\r" << line(count_, fraction_) << "\x1b[K\n" << std::flush;
  } else if (drawn_) {
    out_ << line(count_, fraction_) << "\n" << std::flush;
  }
}

}  // namespace tandem::obs
