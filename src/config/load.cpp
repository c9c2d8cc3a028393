// Config loading from TOML, environment and flags. Depends on core, config and toml++; toml++'s
// exceptions are caught here and become Status values.
#include "config/load.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <filesystem>

#include "config/values.h"

namespace tandem::config {
namespace {

using core::fail;
using core::invalid_argument;
using core::Status;

std::string where(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

std::string kind_of(const toml::node& node) {
  if (node.is_floating_point()) return "a floating-point number";
  if (node.is_array()) return "an array";
  if (node.is_table()) return "a table";
  return "a date or time";
}

core::Result<RawValue> raw_from_node(const toml::node& node, std::string origin) {
  RawValue raw{.origin = std::move(origin)};
  if (auto s = node.as_string()) {
    raw.value = s->get();
  } else if (auto i = node.as_integer()) {
    raw.value = i->get();
  } else if (auto b = node.as_boolean()) {
    raw.value = b->get();
  } else {
    return fail(
        invalid_argument(raw.origin + "): got " + kind_of(node) + ", which no setting accepts"));
  }
  return raw;
}

// Walks one table of the file: nested tables are sections ([jobs.generate]), values are
// settings named by their dotted path.
Status apply_table(const toml::table& table, const std::string& prefix, const std::string& file,
                   std::span<const Setting> table_rows, Config& config) {
  for (auto&& [name, node] : table) {
    std::string key =
        prefix.empty() ? std::string(name.str()) : prefix + "." + std::string(name.str());
    if (const auto* nested = node.as_table()) {
      if (auto st = apply_table(*nested, key, file, table_rows, config); !st.is_ok()) return st;
      continue;
    }
    if (prefix.empty()) {
      return invalid_argument(where(file, node.source()) + ": '" + key +
                              "' must be in a section such as [server]");
    }
    const Setting* setting = find_setting(table_rows, key);
    if (setting == nullptr) {
      return invalid_argument(where(file, node.source()) + ": unknown setting '" + key +
                              "' (`tandem config defaults` lists every setting)");
    }
    auto raw = raw_from_node(node, where(file, node.source()));
    if (!raw) return invalid_argument(key + " (from " + raw.error().message());
    if (auto st = assign(*setting, *raw, config); !st.is_ok()) return st;
  }
  return {};
}

Status apply_file(const std::string& file, std::span<const Setting> table, Config& config) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return {core::StatusCode::kNotFound, "config file " + file + " does not exist"};
  }
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    return invalid_argument(where(file, e.source()) + ": " + std::string(e.description()));
  }
  return apply_table(root, "", file, table, config);
}

Status apply_env(const std::vector<std::pair<std::string, std::string>>& env,
                 std::span<const Setting> table, Config& config) {
  for (const auto& [name, value] : env) {
    if (!name.starts_with("TANDEM_")) continue;
    const Setting* setting = nullptr;
    for (const auto& s : table) {
      if (env_name(s.key) == name) setting = &s;
    }
    if (setting == nullptr) {
      return invalid_argument("unknown environment variable " + name +
                              " (`tandem config defaults` lists every setting)");
    }
    RawValue raw{.value = value, .is_text_source = true, .origin = name};
    if (auto st = assign(*setting, raw, config); !st.is_ok()) return st;
  }
  return {};
}

Status apply_flags(const std::vector<FlagValue>& flags, std::span<const Setting> table,
                   Config& config) {
  for (const auto& f : flags) {
    const Setting* setting = find_setting(table, f.key);
    if (setting == nullptr) return invalid_argument(f.origin + ": unknown setting '" + f.key + "'");
    RawValue raw{.value = f.value, .is_text_source = true, .origin = f.origin};
    if (auto st = assign(*setting, raw, config); !st.is_ok()) return st;
  }
  return {};
}

}  // namespace

core::Result<Config> load(const Sources& sources, std::span<const Setting> table) {
  Config config;
  if (!sources.file.empty()) {
    if (auto st = apply_file(sources.file, table, config); !st.is_ok()) return fail(st);
  }
  if (auto st = apply_env(sources.env, table, config); !st.is_ok()) return fail(st);
  if (auto st = apply_flags(sources.flags, table, config); !st.is_ok()) return fail(st);
  return config;
}

std::vector<std::pair<std::string, std::string>> process_environment() {
  std::vector<std::pair<std::string, std::string>> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return out;
}

}  // namespace tandem::config
