// Subcommands: serve, lambda, config defaults, config dump. Flags for settings come from the
// settings table, so a setting with a `flag` is available on every command that loads the config.
#include "cli/commands.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "app/lambda.h"
#include "app/serve.h"
#include "app/tools.h"
#include "app/version.h"
#include "config/load.h"
#include "config/render.h"
#include "config/settings.h"
#include "core/clock.h"
#include "core/text.h"
#include "json/writer.h"

namespace tandem::cli {
namespace {

// The config-related options of one subcommand, filled by CLI11.
struct ConfigFlags {
  std::string file;                             // --config
  std::map<std::string, std::string> by_flag;   // setting key -> value, from --port etc.
  std::vector<std::string> sets;                // --set key=value
  std::map<std::string, CLI::Option*> options;  // setting key -> its option
};

void add_config_flags(CLI::App& cmd, ConfigFlags& flags) {
  cmd.add_option("--config", flags.file, "TOML configuration file");
  for (const auto& s : config::settings_table()) {
    if (s.flag.empty()) continue;
    std::string key(s.key);
    flags.options[key] = cmd.add_option(std::string(s.flag), flags.by_flag[key],
                                        std::string(s.help) + " (" + key + ")");
  }
  cmd.add_option("--set", flags.sets,
                 "Any setting, as key=value (repeatable): --set log.level=debug");
}

core::Result<config::Config> load_config(const ConfigFlags& flags) {
  config::Sources sources{.file = flags.file, .env = config::process_environment()};
  for (const auto& [key, option] : flags.options) {
    if (option->count() > 0) {
      sources.flags.push_back({key, flags.by_flag.at(key), option->get_name()});
    }
  }
  for (const auto& s : flags.sets) {
    auto eq = s.find('=');
    if (eq == std::string::npos) {
      return core::fail(core::invalid_argument("--set " + s + ": expected key=value"));
    }
    sources.flags.push_back({s.substr(0, eq), s.substr(eq + 1), "--set " + s.substr(0, eq)});
  }
  return config::load(sources);
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{"tandem: JSON records, searchable and fetchable by id, fed by a scheduled pipeline"};
  app.set_version_flag("--version", std::string("tandem ") + app::kVersion);
  app.require_subcommand(1);

  ConfigFlags serve_flags, dump_flags;
  auto* serve = app.add_subcommand("serve", "Run the HTTP service until SIGTERM or SIGINT");
  add_config_flags(*serve, serve_flags);
  ConfigFlags lambda_flags;
  auto* lambda = app.add_subcommand(
      "lambda", "Answer AWS Lambda invocations through the Runtime API (AWS_LAMBDA_RUNTIME_API)");
  add_config_flags(*lambda, lambda_flags);

  std::uint64_t gen_count = 10, gen_seed = 1;
  std::string gen_now;
  auto* generate =
      app.add_subcommand("generate", "Write generated product records as NDJSON to stdout");
  generate->add_option("--count", gen_count, "Number of records")->capture_default_str();
  generate->add_option("--seed", gen_seed, "Seed; the same seed and --now give the same records")
      ->capture_default_str();
  generate->add_option("--now", gen_now,
                       "Anchor for created_at (RFC 3339); default: the current time");

  ConfigFlags import_flags;
  app::ImportOptions import_options;
  auto* import = app.add_subcommand("import", "Load NDJSON records straight into the store");
  import->add_option("FILE", import_options.file, "NDJSON file, or - for standard input")
      ->required();
  import->add_option("--collection", import_options.collection, "Target collection")
      ->capture_default_str();
  import->add_option("--batch-size", import_options.batch_size, "Records per transaction")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  add_config_flags(*import, import_flags);

  ConfigFlags reindex_flags;
  std::string reindex_collection;
  auto* reindex =
      app.add_subcommand("reindex", "Rebuild the search index from the store (service stopped)");
  reindex->add_option("--collection", reindex_collection, "Only this collection");
  add_config_flags(*reindex, reindex_flags);

  ConfigFlags keys_create_flags, keys_list_flags, keys_revoke_flags;
  auto* keys_cmd = app.add_subcommand("keys", "Make, list and revoke API keys (service stopped)");
  keys_cmd->require_subcommand(1);
  std::string key_scopes, key_description, key_collections, key_expires, key_filter;
  double key_rate = 0, key_burst = 0;
  auto* keys_create = keys_cmd->add_subcommand("create", "Make a key; prints it once");
  keys_create->add_option("--scopes", key_scopes, "search,read,write,admin (comma-separated)")
      ->required();
  keys_create->add_option("--description", key_description, "What it is for");
  keys_create->add_option("--collections", key_collections, "Only these (comma-separated)");
  keys_create->add_option("--expires-at", key_expires, "RFC 3339 time it stops working");
  keys_create->add_option("--rate", key_rate, "Requests per second (0: auth.rate)");
  keys_create->add_option("--burst", key_burst, "Token bucket size (0: auth.burst)");
  keys_create->add_option("--filter", key_filter, "AND-ed to every search the key makes");
  auto* keys_list = keys_cmd->add_subcommand("list", "One JSON line per key");
  std::string revoke_id;
  auto* keys_revoke = keys_cmd->add_subcommand("revoke", "Revoke a key by id");
  keys_revoke->add_option("ID", revoke_id, "The key's id")->required();
  add_config_flags(*keys_create, keys_create_flags);
  add_config_flags(*keys_list, keys_list_flags);
  add_config_flags(*keys_revoke, keys_revoke_flags);

  auto* config_cmd = app.add_subcommand("config", "Show configuration");
  config_cmd->require_subcommand(1);
  auto* defaults =
      config_cmd->add_subcommand("defaults", "Print a commented tandem.toml of defaults");
  auto* dump =
      config_cmd->add_subcommand("dump", "Print the effective configuration, secrets redacted");
  add_config_flags(*dump, dump_flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (defaults->parsed()) {
    std::cout << config::render_toml(config::Config{});
    return kExitOk;
  }
  if (generate->parsed()) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    if (!gen_now.empty()) {
      auto parsed = core::parse_rfc3339_ms(gen_now);
      if (!parsed) {
        std::cerr << "tandem: --now: '" << gen_now << "' is not an RFC 3339 date-time\n";
        return kExitUsage;
      }
      now = *parsed;
    }
    app::generate(std::cout, gen_count, gen_seed, now);
    return kExitOk;
  }
  const ConfigFlags& flags = serve->parsed()         ? serve_flags
                             : lambda->parsed()      ? lambda_flags
                             : import->parsed()      ? import_flags
                             : reindex->parsed()     ? reindex_flags
                             : keys_create->parsed() ? keys_create_flags
                             : keys_list->parsed()   ? keys_list_flags
                             : keys_revoke->parsed() ? keys_revoke_flags
                                                     : dump_flags;
  auto config = load_config(flags);
  if (!config) {
    std::cerr << "tandem: configuration error: " << config.error().message() << "\n";
    return kExitUsage;
  }
  if (dump->parsed()) {
    std::cout << config::render_toml(*config);
    return kExitOk;
  }
  if (reindex->parsed())
    return app::reindex(*config, reindex_collection, isatty(STDERR_FILENO) != 0);
  if (keys_create->parsed()) {
    // The flags as POST /v1/keys's body, so that both are checked alike.
    json::Writer w;
    w.begin_object().field("description", key_description).key("scopes").begin_array();
    for (const auto& s : core::split_list(key_scopes))
      w.value(s);
    w.end_array().key("collections").begin_array();
    for (const auto& c : core::split_list(key_collections))
      w.value(c);
    w.end_array();
    if (!key_expires.empty()) w.field("expires_at", key_expires);
    w.field("rate", key_rate).field("burst", key_burst).field("filter", key_filter);
    w.end_object();
    return app::keys_create(*config, w.str());
  }
  if (keys_list->parsed()) return app::keys_list(*config);
  if (keys_revoke->parsed()) return app::keys_revoke(*config, revoke_id);
  if (import->parsed()) {
    import_options.terminal = isatty(STDERR_FILENO) != 0;
    return app::import_file(*config, import_options);
  }
  if (lambda->parsed()) return app::run_lambda(*config);
  return app::serve(*config);
}

}  // namespace tandem::cli
