// Reads values out of the Prometheus text format for assertions: the sum over every sample of a
// metric whose labels include the given ones.
#pragma once

#include <map>
#include <optional>
#include <sstream>
#include <string>

namespace tandem::testing {

// The sum of the samples of `name` with all of `labels` (others may be present), or nullopt when
// no sample matches. Label values are compared as written (no escapes in ours).
inline std::optional<double> metric(const std::string& text, const std::string& name,
                                    const std::map<std::string, std::string>& labels = {}) {
  std::istringstream in(text);
  std::string line;
  std::optional<double> sum;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto brace = line.find('{');
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    std::string sample = line.substr(0, std::min(brace, space));
    if (sample != name) continue;
    std::map<std::string, std::string> have;
    if (brace != std::string::npos && brace < space) {
      auto end = line.rfind('}', space);
      std::string body = line.substr(brace + 1, end - brace - 1);
      std::size_t at = 0;
      while (at < body.size()) {
        auto eq = body.find("=\"", at);
        auto close = body.find('"', eq + 2);
        have[body.substr(at, eq - at)] = body.substr(eq + 2, close - eq - 2);
        at = close + 2;  // past '",'
      }
    }
    bool match = true;
    for (const auto& [k, v] : labels) {
      auto it = have.find(k);
      if (it == have.end() || it->second != v) match = false;
    }
    if (match) sum = sum.value_or(0) + std::stod(line.substr(space + 1));
  }
  return sum;
}

}  // namespace tandem::testing
