// Schedule: AWS EventBridge schedule expressions, rate(...) and cron(...), parsed once and asked
// for the next fire time. All times are UTC. Depends on core (Status, Result) and the standard
// library only; it never reads the clock itself, so callers pass "now" (a FakeClock in tests).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tandem::scheduler {

struct CronFields;  // the parsed cron fields; defined in schedule.cpp

// A parsed, immutable schedule expression. Cheap to copy (the cron fields are shared).
//
// Accepted syntax, as AWS documents it:
//   rate(value unit)   value >= 1; unit minute|hour|day for 1, minutes|hours|days otherwise.
//   cron(minutes hours day-of-month month day-of-week year)
//     , - * / in every field; names JAN-DEC and SUN-SAT (1 = SUN), case-insensitive;
//     ? in exactly one of day-of-month and day-of-week;
//     day-of-month also L, LW, nW; day-of-week also L (= SAT), nL (last n of the month), n#k.
// L, W and # forms stand alone in their field (no lists, ranges or steps around them).
class Schedule {
 public:
  // Parses an expression. Errors: kInvalidArgument only, with a message that quotes the
  // expression and names the field and the problem, e.g.
  //   "cron(0 24 * * ? *): field 2 (hours) value 24 is out of range 0-23".
  static core::Result<Schedule> parse(std::string_view expression);

  // The first fire time strictly after `after`: for a rate, after + period; for cron, the next
  // matching minute (seconds zero). nullopt when there is none (the last allowed year, at most
  // 2199, has passed, or a rate period would overflow the clock).
  std::optional<std::chrono::system_clock::time_point> next_after(
      std::chrono::system_clock::time_point after) const;

  const std::string& expression() const { return expression_; }
  bool is_rate() const { return cron_ == nullptr; }
  std::chrono::minutes period() const { return period_; }  // rate only; zero for cron

 private:
  Schedule(std::string expression, std::chrono::minutes period,
           std::shared_ptr<const CronFields> cron);

  std::string expression_;                  // as given to parse()
  std::chrono::minutes period_{0};          // rate period; zero for cron
  std::shared_ptr<const CronFields> cron_;  // null for rate
};

}  // namespace tandem::scheduler
