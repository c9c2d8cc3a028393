// Setting values: parse, check bounds, store, render. Depends on core and config.
#include "config/values.h"

#include <charconv>
#include <utility>

namespace tandem::config {
namespace {

using core::fail;
using core::invalid_argument;
using core::Result;
using core::Status;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

// A whole decimal number with an optional unit suffix: "16KiB" -> {16, "KiB"}.
Result<std::pair<std::int64_t, std::string_view>> split_number(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end == text.data()) {
    return fail(invalid_argument("'" + std::string(text) + "' does not start with a whole number"));
  }
  if (n < 0) return fail(invalid_argument("'" + std::string(text) + "' is negative"));
  return std::pair{
      n, std::string_view(end, static_cast<std::size_t>(text.data() + text.size() - end))};
}

Result<std::int64_t> parse_int(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return fail(invalid_argument("'" + std::string(text) + "' is not a whole number"));
  }
  return n;
}

Result<bool> parse_bool(std::string_view text) {
  if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  return fail(invalid_argument("'" + std::string(text) + "' is not a boolean"));
}

const char* type_name(const RawValue& raw) {
  return std::visit(
      Overloaded{[](const std::string&) { return "a string"; },
                 [](std::int64_t) { return "an integer"; }, [](bool) { return "a boolean"; }},
      raw.value);
}

// The raw value as a number for integer, byte and duration settings (ms for durations).
Result<std::int64_t> numeric(const Setting& s, const RawValue& raw) {
  bool is_bytes = std::holds_alternative<Bytes& (*)(Config&)>(s.bind);
  bool is_duration = std::holds_alternative<Duration& (*)(Config&)>(s.bind);
  if (const auto* n = std::get_if<std::int64_t>(&raw.value)) {
    if (is_duration) return fail(invalid_argument("durations need a unit, such as \"10s\""));
    return *n;
  }
  const auto* text = std::get_if<std::string>(&raw.value);
  if (text == nullptr || (!raw.is_text_source && !is_bytes && !is_duration)) {
    return fail(invalid_argument(std::string("got ") + type_name(raw)));
  }
  if (is_duration) {
    auto d = parse_duration(*text);
    if (!d) return fail(d.error());
    return d->count();
  }
  if (is_bytes) {
    auto b = parse_bytes(*text);
    if (!b) return fail(b.error());
    return static_cast<std::int64_t>(*b);
  }
  return parse_int(*text);
}

Status check_bounds(const Setting& s, std::int64_t v) {
  if (s.min != s.max && (v < s.min || v > s.max)) {
    return invalid_argument(std::to_string(v) + " is out of range");
  }
  return {};
}

Status assign_string(const Setting& s, const RawValue& raw, std::string& out) {
  const auto* text = std::get_if<std::string>(&raw.value);
  if (text == nullptr) return invalid_argument(std::string("got ") + type_name(raw));
  if (!s.choices.empty()) {
    bool known = false;
    for (auto c : s.choices)
      known = known || c == *text;
    if (!known) return invalid_argument("'" + *text + "' is not one of the choices");
  }
  out = *text;
  return {};
}

Status assign_bool(const RawValue& raw, bool& out) {
  if (const auto* b = std::get_if<bool>(&raw.value)) {
    out = *b;
    return {};
  }
  const auto* text = std::get_if<std::string>(&raw.value);
  if (text == nullptr || !raw.is_text_source) {
    return invalid_argument(std::string("got ") + type_name(raw));
  }
  auto parsed = parse_bool(*text);
  if (!parsed) return parsed.error();
  out = *parsed;
  return {};
}

Status assign_number(const Setting& s, const RawValue& raw, Config& config) {
  auto n = numeric(s, raw);
  if (!n) return n.error();
  if (auto st = check_bounds(s, *n); !st.is_ok()) return st;
  std::visit(
      Overloaded{[&](std::int64_t& (*f)(Config&)) { f(config) = *n; },
                 [&](Bytes& (*f)(Config&)) { f(config).value = static_cast<std::uint64_t>(*n); },
                 [&](Duration& (*f)(Config&)) { f(config) = Duration(*n); }, [](auto) {}},
      s.bind);
  return {};
}

}  // namespace

Status assign(const Setting& setting, const RawValue& raw, Config& config) {
  Status st = std::visit(
      Overloaded{[&](std::string& (*f)(Config&)) { return assign_string(setting, raw, f(config)); },
                 [&](bool& (*f)(Config&)) { return assign_bool(raw, f(config)); },
                 [&](auto) { return assign_number(setting, raw, config); }},
      setting.bind);
  if (st.is_ok()) return st;
  return invalid_argument(std::string(setting.key) + " (from " + raw.origin + "): " + st.message() +
                          "; expected " + describe_accepted(setting));
}

std::string describe_accepted(const Setting& s) {
  auto range = [&](auto fmt) {
    if (s.min == s.max) return std::string();
    return " from " + fmt(s.min) + " to " + fmt(s.max);
  };
  return std::visit(
      Overloaded{[&](std::string& (*)(Config&)) {
                   if (s.choices.empty()) return std::string("a string");
                   std::string out = "one of";
                   for (std::size_t i = 0; i < s.choices.size(); ++i) {
                     out += (i == 0 ? " " : ", ") + std::string(s.choices[i]);
                   }
                   return out;
                 },
                 [&](std::int64_t& (*)(Config&)) {
                   return "an integer" + range([](std::int64_t v) { return std::to_string(v); });
                 },
                 [&](bool& (*)(Config&)) { return std::string("true or false"); },
                 [&](Bytes& (*)(Config&)) {
                   return "a size such as \"16KiB\"" + range([](std::int64_t v) {
                            return format_bytes(static_cast<std::uint64_t>(v));
                          });
                 },
                 [&](Duration& (*)(Config&)) {
                   return "a duration such as \"10s\"" +
                          range([](std::int64_t v) { return format_duration(Duration(v)); });
                 }},
      s.bind);
}

std::string render_value(const Setting& setting, Config& config) {
  auto quote = [](std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + "\"";
  };
  return std::visit(
      Overloaded{[&](std::string& (*f)(Config&)) { return quote(f(config)); },
                 [&](std::int64_t& (*f)(Config&)) { return std::to_string(f(config)); },
                 [&](bool& (*f)(Config&)) { return std::string(f(config) ? "true" : "false"); },
                 [&](Bytes& (*f)(Config&)) { return quote(format_bytes(f(config).value)); },
                 [&](Duration& (*f)(Config&)) { return quote(format_duration(f(config))); }},
      setting.bind);
}

Result<Duration> parse_duration(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return fail(parts.error());
  auto [n, unit] = *parts;
  std::int64_t scale = unit == "ms"  ? 1
                       : unit == "s" ? 1000
                       : unit == "m" ? 60000
                       : unit == "h" ? 3600000
                                     : 0;
  if (scale == 0) {
    return fail(invalid_argument("'" + std::string(text) + "' needs a unit: ms, s, m or h"));
  }
  if (n > INT64_MAX / scale)
    return fail(invalid_argument("'" + std::string(text) + "' is too long"));
  return Duration(n * scale);
}

Result<std::uint64_t> parse_bytes(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return fail(parts.error());
  auto [n, unit] = *parts;
  std::int64_t scale = unit.empty() || unit == "B" ? 1
                       : unit == "KiB"             ? 1024
                       : unit == "MiB"             ? 1024 * 1024
                       : unit == "GiB"             ? 1024 * 1024 * 1024
                                                   : 0;
  if (scale == 0) {
    return fail(invalid_argument("'" + std::string(text) +
                                 "' has an unknown unit; use B, KiB, MiB or GiB"));
  }
  if (n > INT64_MAX / scale)
    return fail(invalid_argument("'" + std::string(text) + "' is too large"));
  return static_cast<std::uint64_t>(n * scale);
}

std::string format_duration(Duration d) {
  auto ms = d.count();
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string format_bytes(std::uint64_t bytes) {
  constexpr std::uint64_t kKiB = 1024;
  if (bytes != 0 && bytes % (kKiB * kKiB * kKiB) == 0) return std::to_string(bytes >> 30) + "GiB";
  if (bytes != 0 && bytes % (kKiB * kKiB) == 0) return std::to_string(bytes >> 20) + "MiB";
  if (bytes != 0 && bytes % kKiB == 0) return std::to_string(bytes >> 10) + "KiB";
  return std::to_string(bytes);
}

}  // namespace tandem::config
