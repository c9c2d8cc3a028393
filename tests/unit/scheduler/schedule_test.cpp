// Unit tests for scheduler::Schedule: tables of valid expressions with their next fire times, and
// of invalid expressions with the part of the message that must name the problem.
#include "scheduler/schedule.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace tandem::scheduler {
namespace {

using std::chrono::system_clock;
using namespace std::chrono_literals;

// "2024-02-29T09:30" or "2024-02-29T09:30:15", UTC.
system_clock::time_point at(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int n = std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s);
  EXPECT_GE(n, 5) << text;
  std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{unsigned(mo)},
                                   std::chrono::day{unsigned(d)}};
  EXPECT_TRUE(date.ok()) << text;
  return std::chrono::sys_days{date} + std::chrono::hours{h} + std::chrono::minutes{mi} +
         std::chrono::seconds{s};
}

// The inverse of at(), to the minute, for readable failures. Seconds are checked separately.
std::string format(system_clock::time_point t) {
  auto minute = std::chrono::floor<std::chrono::minutes>(t);
  auto day = std::chrono::floor<std::chrono::days>(minute);
  std::chrono::year_month_day date{day};
  std::chrono::hh_mm_ss time{minute - day};
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d", int(date.year()),
                unsigned(date.month()), unsigned(date.day()), int(time.hours().count()),
                int(time.minutes().count()));
  return out;
}

// Up to `count` successive fire times after `start`, formatted; stops early at nullopt and then
// appends "none", so that a table row can say where a schedule ends.
std::vector<std::string> fire_times(const Schedule& schedule, const std::string& start,
                                    std::size_t count) {
  std::vector<std::string> out;
  auto t = at(start);
  while (out.size() < count) {
    auto next = schedule.next_after(t);
    if (!next) {
      out.push_back("none");
      break;
    }
    EXPECT_GT(*next, t);
    EXPECT_EQ(*next, std::chrono::floor<std::chrono::minutes>(*next)) << "seconds must be zero";
    out.push_back(format(*next));
    t = *next;
  }
  return out;
}

struct ValidCase {
  std::string expression;             // as given to parse()
  std::string start;                  // the first `after`
  std::vector<std::string> expected;  // successive fire times; "none" when the schedule ends
};

void PrintTo(const ValidCase& c, std::ostream* os) {
  *os << c.expression << " from " << c.start;
}

const std::vector<ValidCase> kValidCases = {
    // Plain values, steps, lists and ranges.
    {"cron(0 10 * * ? *)", "2024-01-01T00:00", {"2024-01-01T10:00", "2024-01-02T10:00"}},
    {"cron(15 12 * * ? *)", "2024-01-01T12:15", {"2024-01-02T12:15"}},  // strictly after
    {"cron(* * * * ? *)", "2024-01-01T10:00:30", {"2024-01-01T10:01", "2024-01-01T10:02"}},
    {"cron(0/15 * * * ? *)",
     "2024-01-01T00:07",
     {"2024-01-01T00:15", "2024-01-01T00:30", "2024-01-01T00:45", "2024-01-01T01:00"}},
    {"cron(*/10 * * * ? *)", "2024-12-31T23:55", {"2025-01-01T00:00", "2025-01-01T00:10"}},
    {"cron(10-50/20 * * * ? *)",
     "2024-01-01T00:00",
     {"2024-01-01T00:10", "2024-01-01T00:30", "2024-01-01T00:50", "2024-01-01T01:10"}},
    {"cron(30 8,12,18 * * ? *)", "2024-01-01T12:30", {"2024-01-01T18:30", "2024-01-02T08:30"}},
    {"cron(0 0 1,15 * ? *)", "2024-01-01T00:00", {"2024-01-15T00:00", "2024-02-01T00:00"}},
    {"cron(0 0 1 JAN-DEC/3 ? *)",
     "2024-01-01T00:00",
     {"2024-04-01T00:00", "2024-07-01T00:00", "2024-10-01T00:00", "2025-01-01T00:00"}},
    {"cron(0 0 ? * 1 *)", "2024-01-01T00:00", {"2024-01-07T00:00", "2024-01-14T00:00"}},
    {"cron(0 8 ? * MON-FRI *)", "2024-03-01T09:00", {"2024-03-04T08:00", "2024-03-05T08:00"}},
    {"cron(0 0 ? * MON,WED,FRI *)",
     "2024-01-01T00:00",
     {"2024-01-03T00:00", "2024-01-05T00:00", "2024-01-08T00:00"}},
    {"cron(0 12 ? jan,jul sun *)", "2024-01-27T00:00", {"2024-01-28T12:00", "2024-07-07T12:00"}},
    // Month ends and leap years.
    {"cron(0 0 31 * ? *)",
     "2024-01-31T00:00",
     {"2024-03-31T00:00", "2024-05-31T00:00", "2024-07-31T00:00", "2024-08-31T00:00"}},
    {"cron(0 0 29 2 ? *)", "2024-03-01T00:00", {"2028-02-29T00:00", "2032-02-29T00:00"}},
    {"cron(0 0 29 2 ? *)", "2097-01-01T00:00", {"2104-02-29T00:00"}},  // 2100 is not leap
    {"cron(0 0 28-31 2 ? *)",
     "2023-01-01T00:00",
     {"2023-02-28T00:00", "2024-02-28T00:00", "2024-02-29T00:00", "2025-02-28T00:00"}},
    {"cron(0 0 30 2 ? *)", "2024-01-01T00:00", {"none"}},  // never: searched to 2199
    // L in day-of-month.
    {"cron(0 0 L * ? *)",
     "2024-01-15T00:00",
     {"2024-01-31T00:00", "2024-02-29T00:00", "2024-03-31T00:00", "2024-04-30T00:00"}},
    {"cron(0 0 L 2 ? *)", "2023-03-01T00:00", {"2024-02-29T00:00", "2025-02-28T00:00"}},
    {"cron(0 0 L 2 ? 2100)", "2024-01-01T00:00", {"2100-02-28T00:00", "none"}},
    // LW: the last day if a weekday, else the Friday before.
    {"cron(0 0 LW * ? *)",
     "2024-03-01T00:00",
     {"2024-03-29T00:00", "2024-04-30T00:00", "2024-05-31T00:00", "2024-06-28T00:00"}},
    {"cron(0 0 lw 2 ? *)", "2026-01-01T00:00", {"2026-02-27T00:00"}},  // Feb 28 is a Saturday
    // nW: nearest weekday, never leaving the month.
    {"cron(0 9 15W * ? *)",  // Sat 15 Jun -> Fri 14; Sun 15 Sep -> Mon 16
     "2024-06-01T00:00",
     {"2024-06-14T09:00", "2024-07-15T09:00", "2024-08-15T09:00", "2024-09-16T09:00"}},
    {"cron(0 9 1W * ? *)",  // Sat 1 Feb and Sat 1 Mar 2025 -> Monday the 3rd
     "2025-01-31T00:00",
     {"2025-02-03T09:00", "2025-03-03T09:00", "2025-04-01T09:00"}},
    {"cron(0 9 1W * ? *)", "2024-08-31T00:00", {"2024-09-02T09:00"}},  // Sun 1 Sep -> Mon 2
    {"cron(0 9 31W * ? *)",  // Sun 31 Mar -> Fri 29; Sat 31 Aug -> Fri 30; 30-day months skip
     "2024-03-01T00:00",
     {"2024-03-29T09:00", "2024-05-31T09:00", "2024-07-31T09:00", "2024-08-30T09:00"}},
    {"cron(0 0 30W * ? *)",  // February has no 30th; Sat 30 Mar -> Fri 29
     "2024-01-31T00:00",
     {"2024-03-29T00:00", "2024-04-30T00:00", "2024-05-30T00:00"}},
    // Day-of-week L, nL and n#k.
    {"cron(0 9 ? * L *)", "2024-01-01T00:00", {"2024-01-06T09:00", "2024-01-13T09:00"}},
    {"cron(0 9 ? * 5L *)",
     "2024-01-01T00:00",
     {"2024-01-25T09:00", "2024-02-29T09:00", "2024-03-28T09:00"}},
    {"cron(0 0 ? * 2L *)", "2024-01-01T00:00", {"2024-01-29T00:00", "2024-02-26T00:00"}},
    {"cron(0 9 ? * 3#2 *)",
     "2024-01-01T00:00",
     {"2024-01-09T09:00", "2024-02-13T09:00", "2024-03-12T09:00"}},
    {"cron(0 9 ? * SUN#1 *)", "2024-01-01T00:00", {"2024-01-07T09:00", "2024-02-04T09:00"}},
    {"cron(0 9 ? * 6#5 *)", "2024-01-01T00:00", {"2024-03-29T09:00", "2024-05-31T09:00"}},
    {"cron(0 0 ? 2 5#5 *)",
     "2024-01-01T00:00",
     {"2024-02-29T00:00", "2052-02-29T00:00", "2080-02-29T00:00"}},
    // Year bounds.
    {"cron(0 0 1 JAN ? 2025)", "2024-06-01T00:00", {"2025-01-01T00:00", "none"}},
    {"cron(0 0 1 1 ? 2030,2027-2028)",
     "2024-01-01T00:00",
     {"2027-01-01T00:00", "2028-01-01T00:00", "2030-01-01T00:00", "none"}},
    {"cron(0 0 1 1 ? 1970/50)",
     "2021-01-01T00:00",
     {"2070-01-01T00:00", "2120-01-01T00:00", "2170-01-01T00:00", "none"}},
    {"cron(0 0 1 1 ? *)", "1960-06-01T00:00", {"1970-01-01T00:00"}},
    {"cron(59 23 31 12 ? *)", "2199-12-31T23:58", {"2199-12-31T23:59", "none"}},
};

class ScheduleCronTable : public testing::TestWithParam<ValidCase> {};

TEST_P(ScheduleCronTable, FireTimesMatch) {
  const ValidCase& c = GetParam();
  auto schedule = Schedule::parse(c.expression);
  ASSERT_TRUE(schedule) << c.expression << ": " << schedule.error().message();
  EXPECT_FALSE(schedule->is_rate());
  EXPECT_EQ(schedule->period(), 0min);
  EXPECT_EQ(schedule->expression(), c.expression);
  EXPECT_EQ(fire_times(*schedule, c.start, c.expected.size()), c.expected)
      << c.expression << " from " << c.start;
}

INSTANTIATE_TEST_SUITE_P(Valid, ScheduleCronTable, testing::ValuesIn(kValidCases));

// Whatever the start, the answer is a matching minute and no matching minute lies between the
// start and the answer: probed at seeded random points for every table expression.
TEST(ScheduleCron, NextAfterIsStableBetweenStartAndAnswer) {
  std::mt19937_64 rng(20240229);
  std::uniform_int_distribution<std::int64_t> seconds(
      at("2000-01-01T00:00").time_since_epoch() / 1s,
      at("2060-01-01T00:00").time_since_epoch() / 1s);
  for (const ValidCase& c : kValidCases) {
    auto schedule = Schedule::parse(c.expression).value();
    for (int i = 0; i < 20; ++i) {
      system_clock::time_point start{std::chrono::seconds{seconds(rng)}};
      auto next = schedule.next_after(start);
      if (!next) continue;
      EXPECT_EQ(schedule.next_after(*next - 1ns), next) << c.expression;
      auto between = start + (*next - start) / 2;
      EXPECT_EQ(schedule.next_after(between), next) << c.expression << " " << format(start);
    }
  }
}

TEST(ScheduleCron, CopiesShareTheParsedFields) {
  auto original = Schedule::parse("cron(0 9 ? * 5L *)").value();
  Schedule copy = original;
  EXPECT_EQ(copy.next_after(at("2024-01-01T00:00")), original.next_after(at("2024-01-01T00:00")));
  EXPECT_EQ(copy.expression(), original.expression());
}

TEST(ScheduleRate, PeriodAndNextFireTime) {
  struct RateCase {
    std::string expression;       // as given
    std::chrono::minutes period;  // expected period
  };
  const std::vector<RateCase> cases = {
      {"rate(1 minute)", 1min},      {"rate(5 minutes)", 5min}, {"rate(1 hour)", 60min},
      {"rate(12 hours)", 12h},       {"rate(1 day)", 24h},      {"rate(7 days)", 7 * 24h},
      {"rate(  2  minutes )", 2min}, {"rate(01 minute)", 1min},
  };
  for (const RateCase& c : cases) {
    auto schedule = Schedule::parse(c.expression);
    ASSERT_TRUE(schedule) << c.expression << ": " << schedule.error().message();
    EXPECT_TRUE(schedule->is_rate());
    EXPECT_EQ(schedule->period(), c.period) << c.expression;
    auto start = at("2024-02-28T23:59:30");
    EXPECT_EQ(schedule->next_after(start), start + c.period) << c.expression;
  }
}

TEST(ScheduleRate, NoFireTimeWhenTheClockWouldOverflow) {
  auto schedule = Schedule::parse("rate(1 day)").value();
  EXPECT_EQ(schedule.next_after(system_clock::time_point::max() - 1h), std::nullopt);
}

struct InvalidCase {
  std::string expression;  // as given to parse()
  std::string message;     // must appear in the error message
};

void PrintTo(const InvalidCase& c, std::ostream* os) {
  *os << '"' << c.expression << '"';
}

const std::vector<InvalidCase> kInvalidCases = {
    {"", "schedule expression is empty"},
    {"hello", "hello: expected rate(value unit) or cron(minutes hours"},
    {" cron(0 0 * * ? *)", "expected rate(value unit) or cron("},
    {"CRON(0 0 * * ? *)", "expected rate(value unit) or cron("},
    {"cron(0 0 * * ? *", "missing closing parenthesis"},
    {"cron(0 0 * * ? *) ", "unexpected text after the closing parenthesis"},
    {"cron(0 0 * * ? *)x", "unexpected text after the closing parenthesis"},
    {"cron()", "expected 6 fields (minutes hours day-of-month month day-of-week year), found 0"},
    {"cron(0 0 * * ?)",
     "expected 6 fields (minutes hours day-of-month month day-of-week year), found 5"},
    {"cron(0 0 0 * * ? *)", "found 7"},
    {"cron(0/5 * * * * *)",
     "cron(0/5 * * * * *): day-of-month and day-of-week cannot both be specified; use ? in one of "
     "them"},
    {"cron(0 0 1 * MON *)", "cannot both be specified"},
    {"cron(0 0 ? * ? *)", "cannot both be ?; use ? in exactly one of them"},
    {"cron(60 0 * * ? *)", "field 1 (minutes) value 60 is out of range 0-59"},
    {"cron(0 24 * * ? *)", "cron(0 24 * * ? *): field 2 (hours) value 24 is out of range 0-23"},
    {"cron(0 0 0 * ? *)", "field 3 (day-of-month) value 0 is out of range 1-31"},
    {"cron(0 0 32 * ? *)", "field 3 (day-of-month) value 32 is out of range 1-31"},
    {"cron(0 0 1 13 ? *)", "field 4 (month) value 13 is out of range 1-12"},
    {"cron(0 0 ? * 0 *)", "field 5 (day-of-week) value 0 is out of range 1-7"},
    {"cron(0 0 ? * 8 *)", "field 5 (day-of-week) value 8 is out of range 1-7"},
    {"cron(0 0 1 1 ? 1969)", "field 6 (year) value 1969 is out of range 1970-2199"},
    {"cron(0 0 1 1 ? 2200)", "field 6 (year) value 2200 is out of range 1970-2199"},
    {"cron(0 0 1 FOO ? *)", "field 4 (month) has invalid value 'FOO'"},
    {"cron(0 0 ? * MON-FUN *)", "field 5 (day-of-week) has invalid value 'FUN'"},
    {"cron(x 0 * * ? *)", "field 1 (minutes) has invalid value 'X'"},
    {"cron(-1 0 * * ? *)", "field 1 (minutes) has invalid value ''"},
    {"cron(0/0 * * * ? *)", "field 1 (minutes) step 0 is out of range 1-59"},
    {"cron(0/60 * * * ? *)", "field 1 (minutes) step 60 is out of range 1-59"},
    {"cron(0 */24 * * ? *)", "field 2 (hours) step 24 is out of range 1-23"},
    {"cron(0/x * * * ? *)", "field 1 (minutes) has invalid step 'X'"},
    {"cron(*/ * * * ? *)", "field 1 (minutes) has invalid step ''"},
    {"cron(1/2/3 * * * ? *)", "field 1 (minutes) has invalid step '2/3'"},
    {"cron(1,,2 * * * ? *)", "field 1 (minutes) has an empty list element"},
    {"cron(50-10 * * * ? *)", "field 1 (minutes) range 50-10 runs backwards"},
    {"cron(0 0 ? * FRI-MON *)", "field 5 (day-of-week) range FRI-MON runs backwards"},
    {"cron(0 0 ? * 15W *)", "field 5 (day-of-week) uses W, which is only allowed in day-of-month"},
    {"cron(0 0 1#2 * ? *)", "field 3 (day-of-month) uses #, which is only allowed in day-of-week"},
    {"cron(0 ? * * ? *)", "field 2 (hours) uses ?, which is only allowed in day-of-month or"},
    {"cron(L 0 * * ? *)", "field 1 (minutes) uses L, which is only allowed in day-of-month or"},
    {"cron(0 0 1 5L ? *)", "field 4 (month) uses L"},
    {"cron(0 0 1 1W ? *)", "field 4 (month) uses W, which is only allowed in day-of-month"},
    {"cron(0 0 1 1 ? 3#1)", "field 6 (year) uses #, which is only allowed in day-of-week"},
    {"cron(0 0 ? * 3#6 *)", "field 5 (day-of-week) occurrence '6' after # is not in range 1-5"},
    {"cron(0 0 ? * 3#0 *)", "occurrence '0' after # is not in range 1-5"},
    {"cron(0 0 ? * 8#1 *)", "field 5 (day-of-week) value 8 is out of range 1-7"},
    {"cron(0 0 ? * 8L *)", "field 5 (day-of-week) value 8 is out of range 1-7"},
    {"cron(0 0 32W * ? *)", "field 3 (day-of-month) value 32 is out of range 1-31"},
    {"cron(0 0 W * ? *)", "field 3 (day-of-month) has invalid value ''"},
    {"cron(0 0 5L * ? *)", "field 3 (day-of-month) has invalid value '5L'"},
    {"cron(0 0 L,15 * ? *)", "field 3 (day-of-month) cannot combine L or W with lists"},
    {"cron(0 0 1-15W * ? *)", "cannot combine L or W with lists, ranges or steps"},
    {"cron(0 0 L-3 * ? *)", "cannot combine L or W with lists, ranges or steps"},
    {"cron(0 0 ? * 5L,6 *)", "field 5 (day-of-week) cannot combine L or # with lists"},
    {"rate()", "expected rate(value unit)"},
    {"rate(5)", "expected rate(value unit)"},
    {"rate(5 minutes later)", "expected rate(value unit)"},
    {"rate(0 minutes)", "value '0' is not a positive integer"},
    {"rate(-5 minutes)", "value '-5' is not a positive integer"},
    {"rate(1.5 hours)", "value '1.5' is not a positive integer"},
    {"rate(1 minutes)", "rate(1 minutes): value 1 needs the unit 'minute'"},
    {"rate(5 minute)", "rate(5 minute): value 5 needs the unit 'minutes'"},
    {"rate(1 hours)", "value 1 needs the unit 'hour'"},
    {"rate(2 day)", "value 2 needs the unit 'days'"},
    {"rate(5 weeks)", "unknown unit 'weeks'; expected minute(s), hour(s) or day(s)"},
    {"rate(5 Minutes)", "unknown unit 'Minutes'"},
    {"rate(5 minutess)", "unknown unit 'minutess'"},
    {"rate(36501 days)", "period is longer than 36500 days"},
    {"rate(99999999999999999999 minutes)", "is not a positive integer"},
    {"rate(5 minutes", "missing closing parenthesis"},
};

class ScheduleInvalidTable : public testing::TestWithParam<InvalidCase> {};

TEST_P(ScheduleInvalidTable, MessageNamesTheProblem) {
  const InvalidCase& c = GetParam();
  auto schedule = Schedule::parse(c.expression);
  ASSERT_FALSE(schedule) << c.expression;
  EXPECT_EQ(schedule.error().code(), core::StatusCode::kInvalidArgument) << c.expression;
  EXPECT_NE(schedule.error().message().find(c.message), std::string::npos)
      << c.expression << "\n  message: " << schedule.error().message()
      << "\n  expected to contain: " << c.message;
}

INSTANTIATE_TEST_SUITE_P(Invalid, ScheduleInvalidTable, testing::ValuesIn(kInvalidCases));

TEST(ScheduleParse, FieldErrorsQuoteTheWholeExpression) {
  auto schedule = Schedule::parse("cron(0 0 ? * 9 *)");
  ASSERT_FALSE(schedule);
  EXPECT_EQ(schedule.error().message(),
            "cron(0 0 ? * 9 *): field 5 (day-of-week) value 9 is out of range 1-7");
}

}  // namespace
}  // namespace tandem::scheduler
