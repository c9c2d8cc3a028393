// The table of built-in backends. Depends on config and the concrete backends.
#include "app/backends.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <thread>

#include "cache/memory/memory_cache.h"
#include "search/xapian/xapian_search.h"

namespace tandem::app {
namespace {

using SearchOpener = std::function<core::Result<std::unique_ptr<search::SearchBackend>>(
    const config::Config&, const pipeline::Catalog&)>;
using CacheOpener = std::function<core::Result<Caches>(const config::Config&, const core::Clock&)>;

core::Result<std::unique_ptr<search::SearchBackend>> open_xapian(const config::Config& config,
                                                                 const pipeline::Catalog& catalog) {
  auto xapian = search::XapianSearch::open(search::XapianOptions{
      .dir = (std::filesystem::path(config.data.dir) / "index").string(),
      .shards = config.search.shards > 0 ? static_cast<std::size_t>(config.search.shards)
                                         : std::max(1u, std::thread::hardware_concurrency()),
      .language = config.search.language,
      .collection = [&catalog](std::string_view name) { return catalog.find(name); }});
  if (!xapian) return core::fail(xapian.error());
  return std::unique_ptr<search::SearchBackend>(std::move(*xapian));
}

core::Result<Caches> open_memory(const config::Config& config, const core::Clock& clock) {
  const auto& c = config.cache;
  return Caches{.records = std::make_unique<cache::MemoryCache>(
                    cache::MemoryCacheOptions{.max_bytes = c.max_bytes.value,
                                              .ttl = c.ttl,
                                              .tombstone_ttl = c.negative_ttl,
                                              .clock = &clock}),
                .queries = std::make_unique<cache::MemoryCache>(cache::MemoryCacheOptions{
                    .max_bytes = c.max_bytes.value / 4, .ttl = c.query_ttl, .clock = &clock})};
}

const std::vector<std::pair<std::string, SearchOpener>>& search_table() {
  static const std::vector<std::pair<std::string, SearchOpener>> table{{"xapian", open_xapian}};
  return table;
}

const std::vector<std::pair<std::string, CacheOpener>>& cache_table() {
  static const std::vector<std::pair<std::string, CacheOpener>> table{{"memory", open_memory}};
  return table;
}

template <typename Table>
std::vector<std::string> names(const Table& table) {
  std::vector<std::string> out;
  for (const auto& [name, open] : table)
    out.push_back(name);
  return out;
}

// The opener of `chosen`, or the startup error that names the setting and what this build has.
template <typename Table>
core::Result<typename Table::value_type::second_type> find(const Table& table,
                                                           const std::string& setting,
                                                           const std::string& chosen) {
  for (const auto& [name, open] : table) {
    if (name == chosen) return open;
  }
  std::string choices;
  for (const auto& name : names(table))
    choices += (choices.empty() ? "" : ", ") + name;
  return core::fail(core::invalid_argument(setting + ": '" + chosen +
                                           "' is not built into this binary; choices: " + choices));
}

}  // namespace

std::vector<std::string> search_backends() {
  return names(search_table());
}

std::vector<std::string> cache_backends() {
  return names(cache_table());
}

core::Result<std::unique_ptr<search::SearchBackend>> open_search(const config::Config& config,
                                                                 const pipeline::Catalog& catalog) {
  auto open = find(search_table(), "search.backend", config.search.backend);
  if (!open) return core::fail(open.error());
  return (*open)(config, catalog);
}

core::Result<Caches> open_caches(const config::Config& config, const core::Clock& clock) {
  auto open = find(cache_table(), "cache.backend", config.cache.backend);
  if (!open) return core::fail(open.error());
  return (*open)(config, clock);
}

}  // namespace tandem::app
