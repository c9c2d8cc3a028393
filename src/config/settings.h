// The settings table: one row per setting, the single source for the TOML file, environment
// variables, flags, validation, `tandem config defaults` and the redacted dump.
// Depends on core and config.h only.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"
#include "core/result.h"

namespace tandem::config {

// Where a setting lives inside Config. The alternative in use also decides how the value is
// parsed and written, so a setting's kind is never stated twice.
using Binding = std::variant<std::string& (*)(Config&), std::int64_t& (*)(Config&),
                             bool& (*)(Config&), Bytes& (*)(Config&), Duration& (*)(Config&)>;

struct Setting {
  std::string_view key;                   // dotted path: "server.port"
  std::string_view help;                  // one or two sentences for the file and --help
  Binding bind;                           // the Config member it fills
  std::int64_t min = 0;                   // inclusive bounds for integers, bytes and durations
  std::int64_t max = 0;                   //   (durations in milliseconds); min == max: unbounded
  std::vector<std::string_view> choices;  // allowed strings; empty: any string
  std::string_view flag;                  // command-line flag ("--port"), or empty
  bool secret = false;                    // never printed, logged or dumped
};

// The table of every setting, in the order they are documented.
std::span<const Setting> settings_table();

// The setting named `key`, or nullptr.
const Setting* find_setting(std::span<const Setting> table, std::string_view key);

// "TANDEM_SERVER_PORT" for "server.port".
std::string env_name(std::string_view key);

// The section of a key ("server" for "server.port") and the key inside it ("port").
std::string_view section_of(std::string_view key);
std::string_view name_of(std::string_view key);

}  // namespace tandem::config
