// The table of built-in backends. Depends on config and the concrete backends.
#include "app/backends.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "app/secrets.h"
#include "cache/memory/memory_cache.h"
#include "cache/redis/redis_cache.h"
#include "core/text.h"
#include "core/uuid.h"
#include "net/aws_credentials.h"
#include "net/http_auth.h"
#include "net/http_client.h"
#include "net/redis_client.h"
#include "net/redis_cluster.h"
#include "net/tls.h"
#include "scheduler/redis/redis_lease.h"
#include "search/native/native_search.h"
#include "search/opensearch/opensearch_search.h"
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

core::Result<std::unique_ptr<search::SearchBackend>> open_native(const config::Config& config,
                                                                 const pipeline::Catalog& catalog) {
  auto native = search::NativeSearch::open(search::NativeOptions{
      .dir = (std::filesystem::path(config.data.dir) / "native").string(),
      .language = config.search.language,
      .threads = static_cast<std::size_t>(config.search.shards),
      .collection = [&catalog](std::string_view name) { return catalog.find(name); }});
  if (!native) return core::fail(native.error());
  return std::unique_ptr<search::SearchBackend>(std::move(*native));
}

// The HTTP client options of search.opensearch.*: nodes, TLS, deadlines, authentication.
core::Result<net::HttpClientOptions> opensearch_http(const config::OpenSearchConfig& c) {
  net::HttpClientOptions http{.pool_size = static_cast<std::size_t>(c.pool_size),
                              .connect_timeout = c.connect_timeout,
                              .request_timeout = c.request_timeout,
                              .gzip_from_bytes = c.gzip ? std::size_t{1024} : 0};
  bool tls = false;
  for (const auto& one : core::split_list(c.url)) {
    auto e = net::parse_http_endpoint(one);
    if (!e) {
      return core::fail(core::invalid_argument("search.opensearch.url: " + e.error().message()));
    }
    tls = tls || e->tls;
    http.endpoints.push_back(std::move(*e));
  }
  if (http.endpoints.empty())
    return core::fail(core::invalid_argument("search.opensearch.url: no node given"));
  if (!c.tls_ca_file.empty() && !tls) {
    return core::fail(
        core::invalid_argument("search.opensearch.tls_ca_file: set, but no node is https://"));
  }
  if (tls) {
    auto context = net::TlsContext::load({.ca_file = c.tls_ca_file});
    if (!context)
      return core::fail(core::invalid_argument("search.opensearch." + context.error().message()));
    http.tls = std::move(*context);
  }
  if (c.auth == "basic") {
    if (c.user.empty()) {
      return core::fail(
          core::invalid_argument("search.opensearch.user: auth = basic needs a user"));
    }
    std::string password = c.password;
    if (!c.password_file.empty()) {
      auto read = read_secret_file(c.password_file, "search.opensearch.password_file");
      if (!read) return core::fail(read.error());
      password = std::move(*read);
    }
    http.prepare = net::basic_auth(c.user, password);
  } else if (c.auth == "sigv4") {
    auto env = net::process_environment();
    std::string region = c.region;
    if (region.empty()) region = env("AWS_REGION").value_or(env("AWS_DEFAULT_REGION").value_or(""));
    if (region.empty()) {
      return core::fail(core::invalid_argument(
          "search.opensearch.region: auth = sigv4 needs the domain's region (or AWS_REGION)"));
    }
    auto credentials = net::AwsCredentialsProvider::from_environment(env);
    if (!credentials) {
      return core::fail(
          core::invalid_argument("search.opensearch.auth: " + credentials.error().message()));
    }
    http.prepare =
        net::sigv4_auth(std::shared_ptr<net::AwsCredentialsProvider>(std::move(*credentials)),
                        {.region = region, .service = c.service});
  } else if (!c.user.empty() || !c.password.empty() || !c.password_file.empty()) {
    return core::fail(core::invalid_argument(
        "search.opensearch.user/password: set, but search.opensearch.auth is '" + c.auth +
        "'; use auth = basic"));
  }
  return http;
}

core::Result<std::unique_ptr<search::SearchBackend>> open_opensearch(
    const config::Config& config, const pipeline::Catalog& catalog) {
  const auto& c = config.search.opensearch;
  auto http = opensearch_http(c);
  if (!http) return core::fail(http.error());
  auto backend = search::OpenSearchSearch::open(search::OpenSearchOptions{
      .http = std::move(*http),
      .index_prefix = c.index_prefix,
      .index = {.shards = static_cast<int>(c.shards),
                .replicas = static_cast<int>(c.replicas),
                .language = config.search.language},
      .refresh_interval = config.search.refresh_interval,
      .bulk_max_docs = static_cast<std::size_t>(c.bulk_max_docs),
      .bulk_max_bytes = static_cast<std::size_t>(c.bulk_max_bytes.value),
      .collection = [&catalog](std::string_view name) { return catalog.find(name); }});
  if (!backend) return core::fail(backend.error());
  return std::unique_ptr<search::SearchBackend>(std::move(*backend));
}

}  // namespace

core::Result<std::unique_ptr<search::OpenSearchStore>> open_shared_store(
    const config::Config& config, pipeline::SharedQueryCache* queries) {
  if (config.search.backend != "opensearch") {
    return core::fail(core::invalid_argument(
        "store.backend: \"opensearch\" needs search.backend = \"opensearch\" (the records are "
        "searched where they are stored), not \"" +
        config.search.backend + "\""));
  }
  // A deleted record's version lives on in OpenSearch for index.gc_deletes (60 s); a record
  // made again later starts at version 1 and must not meet a cached tombstone of a higher one.
  if (config.cache.negative_ttl >= std::chrono::seconds(60)) {
    return core::fail(core::invalid_argument(
        "cache.negative_ttl: under 60 s in direct mode (OpenSearch forgets a deleted record's "
        "version after index.gc_deletes, 60 s)"));
  }
  const auto& c = config.search.opensearch;
  auto http = opensearch_http(c);
  if (!http) return core::fail(http.error());
  search::OpenSearchStoreOptions options{
      .http = std::move(*http),
      .index_prefix = c.index_prefix,
      .index = {.shards = static_cast<int>(c.shards),
                .replicas = static_cast<int>(c.replicas),
                .refresh_interval = std::to_string(config.search.refresh_interval.count()) + "ms",
                .language = config.search.language},
      .max_record_bytes = config.ingest.max_record_bytes.value,
      .bulk_max_ops = static_cast<std::size_t>(c.bulk_max_docs),
      .refresh_interval = config.search.refresh_interval};
  if (queries != nullptr)
    options.visible = [queries](const std::vector<std::string>& cs) { queries->changed(cs); };
  return search::OpenSearchStore::open(std::move(options));
}

namespace {

// The query-result cache in this process: a quarter of the budget.
std::unique_ptr<cache::CacheBackend> local_query_cache(const config::Config& config,
                                                       const core::Clock& clock) {
  return std::make_unique<cache::MemoryCache>(
      cache::MemoryCacheOptions{.max_bytes = config.cache.max_bytes.value / 4,
                                .ttl = config.cache.query_ttl,
                                .clock = &clock});
}

core::Result<Caches> open_memory(const config::Config& config, const core::Clock& clock) {
  const auto& c = config.cache;
  return Caches{.records = std::make_unique<cache::MemoryCache>(
                    cache::MemoryCacheOptions{.max_bytes = c.max_bytes.value,
                                              .ttl = c.ttl,
                                              .tombstone_ttl = c.negative_ttl,
                                              .clock = &clock}),
                .queries = local_query_cache(config, clock)};
}

// The password of cache.redis.password_file, else the url's.
core::Result<std::string> redis_password(const config::RedisConfig& c, const net::RedisUrl& url) {
  if (c.password_file.empty()) return url.password;
  return read_secret_file(c.password_file, "cache.redis.password_file");
}

// The Redis of cache.redis.*: one server, or a cluster seeded by the url's hosts.
core::Result<std::unique_ptr<net::Redis>> open_redis_client(const config::RedisConfig& c) {
  auto url = net::parse_redis_url(c.url);
  if (!url) return core::fail(core::invalid_argument("cache.redis.url: " + url.error().message()));
  if (url->hosts.size() > 1 && !c.cluster) {
    return core::fail(core::invalid_argument(
        "cache.redis.url: several hosts are the seed nodes of a cluster: set "
        "cache.redis.cluster = true"));
  }
  if (c.cluster && url->db != 0) {
    return core::fail(core::invalid_argument("cache.redis.url: a cluster has only database 0"));
  }
  bool tls_files = !c.tls_ca_file.empty() || !c.tls_cert_file.empty() || !c.tls_key_file.empty() ||
                   !c.tls_server_name.empty();
  if (tls_files && !url->tls) {
    return core::fail(core::invalid_argument(
        "cache.redis.tls_*: set, but cache.redis.url is redis://; use rediss:// for TLS"));
  }
  auto password = redis_password(c, *url);
  if (!password) return core::fail(password.error());
  net::RedisClientOptions node{.server = url->hosts.front(),
                               .user = url->user,
                               .password = *password,
                               .db = url->db,
                               .pool_size = static_cast<std::size_t>(c.pool_size),
                               .connect_timeout = c.connect_timeout,
                               .command_timeout = c.command_timeout};
  if (url->tls) {
    auto tls = net::TlsContext::load({.ca_file = c.tls_ca_file,
                                      .cert_file = c.tls_cert_file,
                                      .key_file = c.tls_key_file,
                                      .server_name = c.tls_server_name});
    if (!tls) return core::fail(core::invalid_argument("cache.redis." + tls.error().message()));
    node.tls = std::move(*tls);
  }
  if (!c.cluster) return std::unique_ptr<net::Redis>(new net::RedisClient(std::move(node)));
  return std::unique_ptr<net::Redis>(
      new net::RedisCluster({.seeds = url->hosts, .node = std::move(node)}));
}

// The by-id cache in Redis. The query-result cache of embedded mode stays in this process: its
// keys carry the generation of this node's own index (direct mode shares one:
// open_shared_query_cache).
core::Result<Caches> open_redis(const config::Config& config, const core::Clock& clock) {
  const auto& c = config.cache.redis;
  auto client = open_redis_client(c);
  if (!client) return core::fail(client.error());
  return Caches{.records = std::make_unique<cache::RedisCache>(
                    std::move(*client),
                    cache::RedisCacheOptions{.prefix = c.prefix,
                                             .ttl = config.cache.ttl,
                                             .tombstone_ttl = config.cache.negative_ttl,
                                             .wait_replicas = static_cast<int>(c.wait_replicas),
                                             .wait_timeout = c.command_timeout / 2}),
                .queries = local_query_cache(config, clock)};
}

const std::vector<std::pair<std::string, SearchOpener>>& search_table() {
  static const std::vector<std::pair<std::string, SearchOpener>> table{
      {"xapian", open_xapian}, {"native", open_native}, {"opensearch", open_opensearch}};
  return table;
}

const std::vector<std::pair<std::string, CacheOpener>>& cache_table() {
  static const std::vector<std::pair<std::string, CacheOpener>> table{{"memory", open_memory},
                                                                      {"redis", open_redis}};
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

core::Result<std::shared_ptr<scheduler::JobLease>> open_job_lease(const config::Config& config) {
  if (config.jobs.lease == "none") return std::shared_ptr<scheduler::JobLease>();
  auto client = open_redis_client(config.cache.redis);
  if (!client) return core::fail(client.error());
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string node = std::string(host) + "/" + std::to_string(::getpid()) + "/" + core::uuid_v4();
  return std::shared_ptr<scheduler::JobLease>(std::make_shared<scheduler::RedisJobLease>(
      std::shared_ptr<net::Redis>(std::move(*client)), config.cache.redis.prefix, std::move(node)));
}

core::Result<std::unique_ptr<pipeline::SharedQueryCache>> open_shared_query_cache(
    const config::Config& config, const obs::Logger& log) {
  if (config.cache.backend != "redis" || !config.cache.query_results) {
    return std::unique_ptr<pipeline::SharedQueryCache>();
  }
  auto client = open_redis_client(config.cache.redis);
  if (!client) return core::fail(client.error());
  return std::make_unique<pipeline::SharedQueryCache>(
      std::move(*client),
      pipeline::SharedQueryCacheOptions{.prefix = config.cache.redis.prefix,
                                        .ttl = config.cache.query_ttl},
      log);
}

}  // namespace tandem::app
