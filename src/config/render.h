// Writing a Config back out as a commented tandem.toml. Depends on core and config.
#pragma once

#include <span>
#include <string>

#include "config/config.h"
#include "config/settings.h"

namespace tandem::config {

// Every setting of `table`, grouped by section, each with its help, accepted values, environment
// variable and flag in comments. Secret settings print as "<redacted>" unless they are empty.
// The output parses back into the same Config (secrets aside).
std::string render_toml(const Config& config, std::span<const Setting> table = settings_table());

}  // namespace tandem::config
