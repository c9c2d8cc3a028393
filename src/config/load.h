// Loading a Config from its sources, in precedence order: defaults < file < environment < flags.
// Depends on core and config.
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/settings.h"
#include "core/result.h"

namespace tandem::config {

// A value given on the command line for one setting.
struct FlagValue {
  std::string key;     // "server.port"
  std::string value;   // "9090"
  std::string origin;  // "--port"
};

struct Sources {
  std::string file;                                      // TOML file; empty: none
  std::vector<std::pair<std::string, std::string>> env;  // the process environment
  std::vector<FlagValue> flags;                          // later ones win
};

// Builds the Config. Fails with kInvalidArgument on the first unreadable file, unknown setting
// (in the file or as a TANDEM_* variable), wrong type or out-of-range value; the message names the
// setting, where the value came from and what is accepted. kNotFound when the file is missing.
core::Result<Config> load(const Sources& sources,
                          std::span<const Setting> table = settings_table());

// The current process environment as name/value pairs.
std::vector<std::pair<std::string, std::string>> process_environment();

}  // namespace tandem::config
