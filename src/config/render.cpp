// Commented TOML output of a Config. Depends on core and config.
#include "config/render.h"

#include "config/values.h"

namespace tandem::config {

std::string render_toml(const Config& config, std::span<const Setting> table) {
  Config copy = config;  // bindings take a mutable Config; the caller's stays untouched
  std::string out =
      "# tandem configuration: every setting with its value.\n"
      "# Precedence: defaults < this file (--config) < environment (TANDEM_<SECTION>_<KEY>) < "
      "flags.\n";
  std::string_view section;
  for (const auto& s : table) {
    if (section_of(s.key) != section) {
      section = section_of(s.key);
      out += "\n[" + std::string(section) + "]\n";
    }
    out += "\n# " + std::string(s.help) + "\n";
    out += "# Accepts " + describe_accepted(s) + ". Environment: " + env_name(s.key);
    if (!s.flag.empty()) out += ". Flag: " + std::string(s.flag);
    out += ".\n";
    std::string value = render_value(s, copy);
    if (s.secret && value != "\"\"") value = "\"<redacted>\"";
    out += std::string(name_of(s.key)) + " = " + value + "\n";
  }
  return out;
}

}  // namespace tandem::config
