// Parsing, validating and writing single setting values. Depends on core and config.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "config/settings.h"
#include "core/result.h"

namespace tandem::config {

// A value as it arrives: typed from a TOML file, always text from the environment or a flag.
struct RawValue {
  std::variant<std::string, std::int64_t, bool> value;
  bool is_text_source = false;  // env/flag text may be parsed as a number or bool; TOML may not
  std::string origin;           // "tandem.toml", "TANDEM_SERVER_PORT", "--port": for messages
};

// Checks `raw` against the setting's kind and bounds, then stores it in `config`. On failure the
// config is unchanged and the message names the setting, the origin and what is accepted.
core::Status assign(const Setting& setting, const RawValue& raw, Config& config);

// The setting's current value as a TOML literal ("8080", "\"127.0.0.1\"", "\"16KiB\"").
std::string render_value(const Setting& setting, Config& config);

// What the setting accepts, for messages and help: "an integer from 0 to 65535".
std::string describe_accepted(const Setting& setting);

// "250ms", "10s", "5m", "1h" (a whole number and a unit). Errors name the problem.
core::Result<Duration> parse_duration(std::string_view text);
// "1048576", "512B", "16KiB", "8MiB", "1GiB".
core::Result<std::uint64_t> parse_bytes(std::string_view text);
// The shortest exact spelling of each.
std::string format_duration(Duration d);
std::string format_bytes(std::uint64_t bytes);

}  // namespace tandem::config
