// Parsing and evaluation of AWS EventBridge schedule expressions (see schedule.h), in UTC.
// Depends on core (Status, Result) and the standard library (std::chrono calendar) only.
//
// Parsing is driven by kFields, one row per cron field; evaluation walks year, month, day, hour
// and minute in that order and skips a whole unit whenever a field has no value left in it, so a
// lookup costs at most a few steps per month between `after` and the answer. The file runs a
// little past the usual ~500 lines because the module is one unit by design (parser and evaluator
// share the field table and the day rules, and nothing else needs them).
#include "scheduler/schedule.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace tandem::scheduler {
namespace {

// One bit per value a field allows, indexed by value minus the field's minimum. 230 bits hold the
// widest field, years 1970-2199.
using ValueBits = std::bitset<230>;

// How a day-of-month or day-of-week field picks the days of a given month.
enum class DayRule {
  kAny,             // ?: the other day field decides
  kDays,            // days of the month in `values` (1-31)
  kWeekdays,        // weekdays in `values` (1 = SUN ... 7 = SAT)
  kLastDay,         // L in day-of-month
  kLastWeekday,     // LW: the last Monday-Friday of the month
  kNearestWeekday,  // nW: the Monday-Friday nearest day n, never leaving the month
  kLastOfWeekday,   // nL in day-of-week: the last weekday n of the month
  kNthOfWeekday,    // n#k: the k-th weekday n of the month
};

struct DayField {
  DayRule rule = DayRule::kAny;  // which of the forms above
  ValueBits values;  // kDays, kWeekdays: the allowed values, offset by the field minimum
  int day = 0;       // kNearestWeekday: n; kLastOfWeekday, kNthOfWeekday: weekday 1-7
  int nth = 0;       // kNthOfWeekday: k, 1-5
};

}  // namespace

// The parsed cron fields (declared in schedule.h). Its member types are local to this file.
struct CronFields {
  ValueBits minutes;      // 0-59
  ValueBits hours;        // 0-23
  DayField day_of_month;  // kAny when day-of-week decides
  ValueBits months;       // 1-12
  DayField day_of_week;   // kAny when day-of-month decides
  ValueBits years;        // 1970-2199
};

namespace {

using std::chrono::minutes;
using SysMinutes = std::chrono::sys_time<std::chrono::minutes>;

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"SUN", "MON", "TUE", "WED",
                                                           "THU", "FRI", "SAT"};

// One cron field: its name in messages, its value range, the largest step Quartz-style parsers
// accept, the names that may stand for values (the first name is `min`), and where a plain
// field's values go.
struct FieldSpec {
  std::string_view name;                    // "day-of-month"
  int min;                                  // smallest value
  int max;                                  // largest value
  int max_step;                             // largest n in a/n
  std::span<const std::string_view> names;  // JAN-DEC, SUN-SAT, or empty
  ValueBits CronFields::*bits;              // null for the two day fields
};

constexpr int kMinuteField = 0;
constexpr int kHourField = 1;
constexpr int kDayOfMonthField = 2;
constexpr int kMonthField = 3;
constexpr int kDayOfWeekField = 4;
constexpr int kYearField = 5;

constexpr std::array<FieldSpec, 6> kFields = {{
    {"minutes", 0, 59, 59, {}, &CronFields::minutes},
    {"hours", 0, 23, 23, {}, &CronFields::hours},
    {"day-of-month", 1, 31, 31, {}, nullptr},
    {"month", 1, 12, 12, kMonthNames, &CronFields::months},
    {"day-of-week", 1, 7, 7, kWeekdayNames, nullptr},
    {"year", 1970, 2199, 229, {}, &CronFields::years},
}};

constexpr std::string_view kCronSyntax = "cron(minutes hours day-of-month month day-of-week year)";
constexpr std::int64_t kMaxRateMinutes = 36500LL * 24 * 60;  // 100 years: far from overflow

// The field being parsed, so that every message names the expression and the field.
struct FieldContext {
  std::string_view expression;  // the whole expression, quoted at the front of every message
  int index;                    // into kFields

  const FieldSpec& spec() const { return kFields[index]; }
  core::Status error(std::string_view problem) const {
    return core::invalid_argument(std::string(expression) + ": field " + std::to_string(index + 1) +
                                  " (" + std::string(spec().name) + ") " + std::string(problem));
  }
};

core::Status expression_error(std::string_view expression, std::string_view problem) {
  return core::invalid_argument(std::string(expression) + ": " + std::string(problem));
}

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// Splits on runs of blanks, dropping empty pieces: cron fields and rate words.
std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  for (std::string_view part : split(text, ' ')) {
    if (!part.empty()) words.push_back(part);
  }
  return words;
}

// A non-negative decimal integer and nothing else; nullopt for other text or on overflow.
std::optional<std::int64_t> parse_digits(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text[0] == '-') return std::nullopt;
  return value;
}

// A number or (in month and day-of-week) a name, checked against the field's range.
core::Result<int> parse_value(std::string_view text, const FieldContext& ctx) {
  const FieldSpec& spec = ctx.spec();
  for (std::size_t i = 0; i < spec.names.size(); ++i) {
    if (text == spec.names[i]) return spec.min + static_cast<int>(i);
  }
  auto number = parse_digits(text);
  if (!number) return core::fail(ctx.error("has invalid value '" + std::string(text) + "'"));
  if (*number < spec.min || *number > spec.max) {
    return core::fail(ctx.error("value " + std::string(text) + " is out of range " +
                                std::to_string(spec.min) + "-" + std::to_string(spec.max)));
  }
  return static_cast<int>(*number);
}

core::Result<int> parse_step(std::string_view text, const FieldContext& ctx) {
  auto step = parse_digits(text);
  if (!step) return core::fail(ctx.error("has invalid step '" + std::string(text) + "'"));
  if (*step < 1 || *step > ctx.spec().max_step) {
    return core::fail(ctx.error("step " + std::string(text) + " is out of range 1-" +
                                std::to_string(ctx.spec().max_step)));
  }
  return static_cast<int>(*step);
}

// One list element: "*", "a" or "a-b", optionally followed by "/step" ("a/step" runs from a to
// the field's maximum). Sets the selected bits. Ranges must not wrap around (no "FRI-MON").
core::Result<void> parse_item(std::string_view item, const FieldContext& ctx, ValueBits& bits) {
  const FieldSpec& spec = ctx.spec();
  std::size_t slash = item.find('/');
  std::string_view base = item.substr(0, slash);
  int step = 1;
  if (slash != std::string_view::npos) {
    auto parsed = parse_step(item.substr(slash + 1), ctx);
    if (!parsed) return core::fail(parsed.error());
    step = *parsed;
  }
  int low = spec.min;
  int high = spec.max;
  if (base != "*") {
    std::size_t dash = base.find('-');
    auto first = parse_value(base.substr(0, dash), ctx);
    auto last = dash == std::string_view::npos ? first : parse_value(base.substr(dash + 1), ctx);
    if (!first || !last) return core::fail(first ? last.error() : first.error());
    low = *first;
    high = dash == std::string_view::npos && slash != std::string_view::npos ? spec.max : *last;
    if (high < low) return core::fail(ctx.error("range " + std::string(base) + " runs backwards"));
  }
  for (int v = low; v <= high; v += step)
    bits.set(v - spec.min);
  return {};
}

// A comma-separated list of items, for any field.
core::Result<ValueBits> parse_list(std::string_view text, const FieldContext& ctx) {
  ValueBits bits;
  for (std::string_view item : split(text, ',')) {
    if (item.empty()) return core::fail(ctx.error("has an empty list element"));
    auto ok = parse_item(item, ctx, bits);
    if (!ok) return core::fail(ok.error());
  }
  return bits;
}

// A special character outside the fields that accept it gets a message saying where it belongs
// rather than "invalid value". Names contain letters (JUL, WED), so L and W count only as a
// whole value or after a digit; no day-of-week name ends in W.
std::optional<core::Status> misplaced_special(std::string_view text, const FieldContext& ctx) {
  bool dom = ctx.index == kDayOfMonthField;
  bool dow = ctx.index == kDayOfWeekField;
  bool after_digit =
      text.size() >= 2 && std::isdigit(static_cast<unsigned char>(text[text.size() - 2]));
  if (!dom && !dow && text.find('?') != std::string_view::npos) {
    return ctx.error("uses ?, which is only allowed in day-of-month or day-of-week");
  }
  if (!dow && text.find('#') != std::string_view::npos) {
    return ctx.error("uses #, which is only allowed in day-of-week");
  }
  if (!dom && (text == "LW" || (text.ends_with('W') && (after_digit || dow)))) {
    return ctx.error("uses W, which is only allowed in day-of-month");
  }
  if (!dom && !dow && (text == "L" || (text.ends_with('L') && after_digit))) {
    return ctx.error("uses L, which is only allowed in day-of-month or day-of-week");
  }
  return std::nullopt;
}

bool has_list_syntax(std::string_view text) {
  return text.find_first_of(",-/*") != std::string_view::npos;
}

// Day-of-month: ?, L, LW, nW, or a list. L and W forms stand alone.
core::Result<DayField> parse_day_of_month(std::string_view text, const FieldContext& ctx) {
  if (text == "?") return DayField{};
  if (text.find_first_of("LW") == std::string_view::npos) {
    return parse_list(text, ctx).map(
        [](const ValueBits& v) { return DayField{.rule = DayRule::kDays, .values = v}; });
  }
  if (has_list_syntax(text)) {
    return core::fail(ctx.error("cannot combine L or W with lists, ranges or steps"));
  }
  if (text == "L") return DayField{.rule = DayRule::kLastDay};
  if (text == "LW") return DayField{.rule = DayRule::kLastWeekday};
  if (!text.ends_with('W')) {
    return core::fail(ctx.error("has invalid value '" + std::string(text) + "'"));
  }
  return parse_value(text.substr(0, text.size() - 1), ctx).map([](int day) {
    return DayField{.rule = DayRule::kNearestWeekday, .day = day};
  });
}

// The "d#k" form of day-of-week: weekday d, occurrence k (1-5) in the month.
core::Result<DayField> parse_nth_weekday(std::string_view text, const FieldContext& ctx) {
  std::size_t hash = text.find('#');
  auto weekday = parse_value(text.substr(0, hash), ctx);
  if (!weekday) return core::fail(weekday.error());
  std::string_view nth_text = text.substr(hash + 1);
  auto nth = parse_digits(nth_text);
  if (!nth || *nth < 1 || *nth > 5) {
    return core::fail(
        ctx.error("occurrence '" + std::string(nth_text) + "' after # is not in range 1-5"));
  }
  return DayField{.rule = DayRule::kNthOfWeekday, .day = *weekday, .nth = static_cast<int>(*nth)};
}

// Day-of-week: ?, L (Saturday, the last day of the week), dL, d#k, or a list of weekdays.
core::Result<DayField> parse_day_of_week(std::string_view text, const FieldContext& ctx) {
  if (text == "?") return DayField{};
  bool special = text.find_first_of("L#") != std::string_view::npos;  // no weekday name has L
  if (special && has_list_syntax(text)) {
    return core::fail(ctx.error("cannot combine L or # with lists, ranges or steps"));
  }
  if (text == "L") text = "7";
  if (text.find('#') != std::string_view::npos) return parse_nth_weekday(text, ctx);
  if (text.size() > 1 && text.ends_with('L')) {
    return parse_value(text.substr(0, text.size() - 1), ctx).map([](int weekday) {
      return DayField{.rule = DayRule::kLastOfWeekday, .day = weekday};
    });
  }
  return parse_list(text, ctx).map(
      [](const ValueBits& v) { return DayField{.rule = DayRule::kWeekdays, .values = v}; });
}

// One field of a cron body, stored into `out`: a plain field's bits or a day field's rule.
core::Result<void> parse_field(std::string_view text, const FieldContext& ctx, CronFields& out) {
  std::string upper = to_upper(text);
  if (auto misplaced = misplaced_special(upper, ctx)) return core::fail(*misplaced);
  if (ctx.spec().bits != nullptr) {
    return parse_list(upper, ctx).map([&](const ValueBits& v) { out.*ctx.spec().bits = v; });
  }
  bool is_dom = ctx.index == kDayOfMonthField;
  auto day = is_dom ? parse_day_of_month(upper, ctx) : parse_day_of_week(upper, ctx);
  return day.map([&](const DayField& f) { (is_dom ? out.day_of_month : out.day_of_week) = f; });
}

// The six fields of a cron body, in order, then the rule that exactly one day field is "?".
core::Result<CronFields> parse_cron(std::string_view expression, std::string_view body) {
  std::vector<std::string_view> words = split_words(body);
  if (words.size() != kFields.size()) {
    return core::fail(expression_error(expression, "expected 6 fields " +
                                                       std::string(kCronSyntax.substr(4)) +
                                                       ", found " + std::to_string(words.size())));
  }
  CronFields fields;
  for (int index = 0; index < static_cast<int>(words.size()); ++index) {
    auto ok = parse_field(words[index], FieldContext{expression, index}, fields);
    if (!ok) return core::fail(ok.error());
  }
  bool dom_any = fields.day_of_month.rule == DayRule::kAny;
  bool dow_any = fields.day_of_week.rule == DayRule::kAny;
  if (dom_any && dow_any) {
    return core::fail(expression_error(
        expression, "day-of-month and day-of-week cannot both be ?; use ? in exactly one of them"));
  }
  if (!dom_any && !dow_any) {
    return core::fail(expression_error(
        expression, "day-of-month and day-of-week cannot both be specified; use ? in one of them"));
  }
  return fields;
}

// "value unit" with AWS's agreement rule: the singular unit for 1, the plural otherwise.
core::Result<minutes> parse_rate(std::string_view expression, std::string_view body) {
  std::vector<std::string_view> words = split_words(body);
  if (words.size() != 2) {
    return core::fail(expression_error(expression, "expected rate(value unit)"));
  }
  auto value = parse_digits(words[0]);
  if (!value || *value < 1) {
    return core::fail(expression_error(
        expression, "value '" + std::string(words[0]) + "' is not a positive integer"));
  }
  struct Unit {
    std::string_view singular;  // "minute"; the plural adds an "s"
    std::int64_t length;        // minutes in one unit
  };
  constexpr std::array<Unit, 3> kUnits = {{{"minute", 1}, {"hour", 60}, {"day", 24 * 60}}};
  std::string_view unit = words[1];
  for (const Unit& u : kUnits) {
    bool plural = unit.size() == u.singular.size() + 1 && unit.ends_with('s');
    if (!unit.starts_with(u.singular) || (unit.size() != u.singular.size() && !plural)) continue;
    if ((*value == 1) == plural) {
      std::string want = std::string(u.singular) + (*value == 1 ? "" : "s");
      return core::fail(expression_error(
          expression, "value " + std::to_string(*value) + " needs the unit '" + want + "'"));
    }
    if (*value > kMaxRateMinutes / u.length) {
      return core::fail(expression_error(
          expression, "period is longer than " + std::to_string(kMaxRateMinutes / 1440) + " days"));
    }
    return minutes(*value * u.length);
  }
  return core::fail(expression_error(expression, "unknown unit '" + std::string(unit) +
                                                     "'; expected minute(s), hour(s) or day(s)"));
}

// ---- evaluation -----------------------------------------------------------------------------

// A position in the calendar, UTC. Fields may run one past their range (hour 24, day 32,
// month 13) between steps of the search; the search normalises them.
struct Cursor {
  int year;    // Gregorian year
  int month;   // 1-12
  int day;     // 1-31
  int hour;    // 0-23
  int minute;  // 0-59
};

std::optional<int> next_value(const ValueBits& bits, const FieldSpec& spec, int from) {
  for (int v = std::max(from, spec.min); v <= spec.max; ++v) {
    if (bits.test(v - spec.min)) return v;
  }
  return std::nullopt;
}

std::chrono::sys_days date_of(int year, int month, int day) {
  return std::chrono::sys_days{std::chrono::year_month_day{
      std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
      std::chrono::day{static_cast<unsigned>(day)}}};
}

int days_in_month(int year, int month) {
  auto last = std::chrono::year{year} / std::chrono::month{static_cast<unsigned>(month)} /
              std::chrono::last;
  return static_cast<int>(static_cast<unsigned>(last.day()));
}

// 1 = Sunday ... 7 = Saturday, AWS's numbering.
int weekday_of(int year, int month, int day) {
  return static_cast<int>(std::chrono::weekday{date_of(year, month, day)}.c_encoding()) + 1;
}

// The days of (year, month) that the active day field selects, as day-of-month bits (day d is
// bit d - 1). Every L, W and # rule resolves to at most one day, computed from the month's length
// and first weekday; W never leaves the month (1W on a Saturday is Monday the 3rd) and nW selects
// nothing in a month that has no day n.
ValueBits matching_days(const DayField& field, int year, int month) {
  ValueBits days;
  auto set = [&](int day) { days.set(day - 1); };
  const int last = days_in_month(year, month);
  const int first_weekday = weekday_of(year, month, 1);
  auto weekday = [&](int day) { return (first_weekday - 1 + day - 1) % 7 + 1; };
  constexpr int kSunday = 1;
  constexpr int kSaturday = 7;
  switch (field.rule) {
    case DayRule::kAny: break;
    case DayRule::kDays:
    case DayRule::kWeekdays:
      for (int d = 1; d <= last; ++d) {
        int value = field.rule == DayRule::kDays ? d : weekday(d);
        if (field.values.test(value - 1)) set(d);
      }
      break;
    case DayRule::kLastDay: set(last); break;
    case DayRule::kLastWeekday: {
      int shift = weekday(last) == kSaturday ? 1 : weekday(last) == kSunday ? 2 : 0;
      set(last - shift);
      break;
    }
    case DayRule::kNearestWeekday: {
      int d = field.day;
      if (d > last) break;
      if (weekday(d) == kSaturday) d = d == 1 ? 3 : d - 1;
      if (weekday(d) == kSunday) d = d == last ? d - 2 : d + 1;
      set(d);
      break;
    }
    case DayRule::kLastOfWeekday: set(last - (weekday(last) - field.day + 7) % 7); break;
    case DayRule::kNthOfWeekday: {
      int d = 1 + (field.day - first_weekday + 7) % 7 + 7 * (field.nth - 1);
      if (d <= last) set(d);
      break;
    }
  }
  return days;
}

// The first matching minute at or after `from`. Each unit is searched from the cursor; when a
// unit has no value left, the cursor moves to the start of the next larger unit and the search
// restarts there, and when a unit's match is later than the cursor, the smaller units reset to
// their starts. Ends when the year field has no value left.
std::optional<Cursor> next_match(const CronFields& cron, Cursor c) {
  const DayField& days =
      cron.day_of_month.rule == DayRule::kAny ? cron.day_of_week : cron.day_of_month;
  while (true) {
    auto year = next_value(cron.years, kFields[kYearField], c.year);
    if (!year) return std::nullopt;
    if (*year != c.year) c = Cursor{*year, 1, 1, 0, 0};
    auto month = next_value(cron.months, kFields[kMonthField], c.month);
    if (!month) {
      c = Cursor{c.year + 1, 1, 1, 0, 0};
      continue;
    }
    if (*month != c.month) c = Cursor{c.year, *month, 1, 0, 0};
    auto day = next_value(matching_days(days, c.year, c.month), kFields[kDayOfMonthField], c.day);
    if (!day) {
      c = Cursor{c.year, c.month + 1, 1, 0, 0};
      continue;
    }
    if (*day != c.day) c = Cursor{c.year, c.month, *day, 0, 0};
    auto hour = next_value(cron.hours, kFields[kHourField], c.hour);
    if (!hour) {
      c = Cursor{c.year, c.month, c.day + 1, 0, 0};
      continue;
    }
    if (*hour != c.hour) c = Cursor{c.year, c.month, c.day, *hour, 0};
    auto minute = next_value(cron.minutes, kFields[kMinuteField], c.minute);
    if (!minute) {
      c = Cursor{c.year, c.month, c.day, c.hour + 1, 0};
      continue;
    }
    c.minute = *minute;
    return c;
  }
}

Cursor to_cursor(SysMinutes t) {
  using namespace std::chrono;
  auto day_start = floor<days>(t);
  year_month_day date{day_start};
  hh_mm_ss time{t - day_start};
  return Cursor{static_cast<int>(date.year()),
                static_cast<int>(static_cast<unsigned>(date.month())),
                static_cast<int>(static_cast<unsigned>(date.day())),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count())};
}

SysMinutes from_cursor(const Cursor& c) {
  return date_of(c.year, c.month, c.day) + std::chrono::hours{c.hour} + minutes{c.minute};
}

}  // namespace

Schedule::Schedule(std::string expression, minutes period, std::shared_ptr<const CronFields> cron)
    : expression_(std::move(expression)), period_(period), cron_(std::move(cron)) {}

// Recognises the rate( or cron( prefix and the closing parenthesis, then hands the body to the
// matching parser. Nothing may precede the keyword or follow the ")".
core::Result<Schedule> Schedule::parse(std::string_view expression) {
  if (expression.empty()) return core::fail(core::invalid_argument("schedule expression is empty"));
  bool rate = expression.starts_with("rate(");
  if (!rate && !expression.starts_with("cron(")) {
    return core::fail(
        expression_error(expression, "expected rate(value unit) or " + std::string(kCronSyntax)));
  }
  std::size_t close = expression.find(')');
  if (close != expression.size() - 1) {
    return core::fail(
        expression_error(expression, close == std::string_view::npos
                                         ? "missing closing parenthesis"
                                         : "unexpected text after the closing parenthesis"));
  }
  std::string_view body = expression.substr(5, close - 5);
  if (rate) {
    return parse_rate(expression, body).map([&](minutes period) {
      return Schedule(std::string(expression), period, nullptr);
    });
  }
  return parse_cron(expression, body).map([&](CronFields&& fields) {
    return Schedule(std::string(expression), minutes(0),
                    std::make_shared<const CronFields>(std::move(fields)));
  });
}

std::optional<std::chrono::system_clock::time_point> Schedule::next_after(
    std::chrono::system_clock::time_point after) const {
  using std::chrono::system_clock;
  if (!cron_) {
    if (after > system_clock::time_point::max() - period_) return std::nullopt;
    return after + period_;
  }
  SysMinutes first = std::chrono::floor<minutes>(after) + minutes(1);
  auto match = next_match(*cron_, to_cursor(first));
  if (!match) return std::nullopt;
  return std::chrono::time_point_cast<system_clock::duration>(from_cursor(*match));
}

}  // namespace tandem::scheduler
