// Progress of long command-line work (tandem import, tandem reindex): on a terminal a bar
// redrawn in place, with percentage, count, rate and time left; otherwise a plain line every few
// seconds, for logs. Depends on core (the clock).
//
//   products [##########----------]  52%  520,000 records  48,211/s  0:10 left
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "core/clock.h"

namespace tandem::obs {

struct ProgressOptions {
  std::string label;                      // "products", "import"
  std::string unit = "records";           // what is counted
  bool terminal = false;                  // redraw a bar in place, instead of plain lines
  std::chrono::milliseconds redraw{200};  // at most this often on a terminal
  std::chrono::milliseconds every{5000};  // a plain line this often otherwise
};

class Progress {
 public:
  Progress(std::ostream& out, const core::Clock& clock, ProgressOptions options);

  // `count` done so far; `fraction` of the whole, from 0 to 1, or negative when the size is not
  // known (then no bar, percentage or time left). Draws when it is time to.
  void update(std::uint64_t count, double fraction);
  // Draws the last state and ends the line (on a terminal).
  void finish();

  // The text of one report: the bar line without its "\r", or the plain line.
  std::string line(std::uint64_t count, double fraction) const;

 private:
  std::ostream& out_;
  const core::Clock& clock_;
  const ProgressOptions options_;
  const std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
  std::uint64_t count_ = 0;
  double fraction_ = -1;
  bool drawn_ = false;
};

// 1234567 -> "1,234,567".
std::string group_digits(std::uint64_t n);

// 75 s -> "1:15", 3725 s -> "1:02:05".
std::string clock_duration(double seconds);

}  // namespace tandem::obs
