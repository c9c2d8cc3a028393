// The settings table. Depends on core and config only. Adding a setting: add the member with its
// default in config.h and one row here; parsing, env, flags, help and dumps follow.
#include "config/settings.h"

namespace tandem::config {
namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;

const std::vector<Setting>& build_table() {
  static const std::vector<Setting> table = {
      {.key = "server.host",
       .help = "Address to listen on: an IPv4 or IPv6 literal (0.0.0.0 or :: for every interface).",
       .bind = +[](Config& c) -> std::string& { return c.server.host; },
       .flag = "--host"},
      {.key = "server.port",
       .help = "TCP port to listen on; 0 picks a free port and logs it.",
       .bind = +[](Config& c) -> std::int64_t& { return c.server.port; },
       .min = 0,
       .max = 65535,
       .flag = "--port"},
      {.key = "server.threads",
       .help = "Server threads, each with its own event loop; 0 means one per CPU core.",
       .bind = +[](Config& c) -> std::int64_t& { return c.server.threads; },
       .min = 0,
       .max = 256},
      {.key = "server.max_connections",
       .help = "Open connections at most; further ones are closed as soon as they are accepted.",
       .bind = +[](Config& c) -> std::int64_t& { return c.server.max_connections; },
       .min = 1,
       .max = 1000000},
      {.key = "server.max_header_bytes",
       .help = "Largest request line plus headers; larger requests get 431.",
       .bind = +[](Config& c) -> Bytes& { return c.server.max_header_bytes; },
       .min = kKiB,
       .max = 1 * kMiB},
      {.key = "server.max_body_bytes",
       .help = "Largest request body; larger bodies get 413.",
       .bind = +[](Config& c) -> Bytes& { return c.server.max_body_bytes; },
       .min = kKiB,
       .max = 1024 * kMiB},
      {.key = "server.idle_timeout",
       .help = "How long a keep-alive connection may wait for its next request.",
       .bind = +[](Config& c) -> Duration& { return c.server.idle_timeout; },
       .min = 100,
       .max = 60 * kMinute},
      {.key = "server.read_timeout",
       .help = "Time to receive a whole request once its first byte arrived (stops slowloris).",
       .bind = +[](Config& c) -> Duration& { return c.server.read_timeout; },
       .min = 100,
       .max = 10 * kMinute},
      {.key = "server.write_timeout",
       .help = "Time to send a whole response to a slow reader before the connection is closed.",
       .bind = +[](Config& c) -> Duration& { return c.server.write_timeout; },
       .min = 100,
       .max = 10 * kMinute},
      {.key = "server.shutdown_grace",
       .help = "On SIGTERM/SIGINT, how long in-flight requests may take before the process exits.",
       .bind = +[](Config& c) -> Duration& { return c.server.shutdown_grace; },
       .min = 0,
       .max = 10 * kMinute},
      {.key = "server.tls_cert_file",
       .help = "PEM certificate chain: the server speaks HTTPS (TLS 1.2 and 1.3 only) instead "
               "of HTTP. Needs server.tls_key_file; SIGHUP reads both again without dropping "
               "connections.",
       .bind = +[](Config& c) -> std::string& { return c.server.tls_cert_file; }},
      {.key = "server.tls_key_file",
       .help = "PEM private key of server.tls_cert_file.",
       .bind = +[](Config& c) -> std::string& { return c.server.tls_key_file; }},
      {.key = "server.max_url_bytes",
       .help = "Longest request target (path and query); over it: 414.",
       .bind = +[](Config& c) -> Bytes& { return c.server.max_url_bytes; },
       .min = 256,
       .max = 1024 * kKiB},
      {.key = "server.cors_origins",
       .help = "Comma-separated origins browsers may call the API from (https://shop.example), "
               "or * for any; empty: none (no CORS headers).",
       .bind = +[](Config& c) -> std::string& { return c.server.cors_origins; }},
      {.key = "auth.enabled",
       .help = "Every route but /health needs an API key (X-API-Key or Authorization: Bearer) "
               "with the route's scope. false opens everything: for local experiments only.",
       .bind = +[](Config& c) -> bool& { return c.auth.enabled; }},
      {.key = "auth.admin_key",
       .help = "The text of the first admin key (at least 16 characters); empty: the first start "
               "makes one and prints it once. Prefer auth.admin_key_file.",
       .bind = +[](Config& c) -> std::string& { return c.auth.admin_key; },
       .secret = true},
      {.key = "auth.admin_key_file",
       .help = "A file holding the first admin key's text (a trailing newline is ignored).",
       .bind = +[](Config& c) -> std::string& { return c.auth.admin_key_file; }},
      {.key = "auth.anonymous_scopes",
       .help = "Comma-separated scopes requests without a key get (\"search\" opens search for a "
               "demo; startup says so). Empty: none.",
       .bind = +[](Config& c) -> std::string& { return c.auth.anonymous_scopes; }},
      {.key = "auth.public_probes",
       .help = "/metrics is served without a key; false: it needs an admin key.",
       .bind = +[](Config& c) -> bool& { return c.auth.public_probes; }},
      {.key = "auth.rate",
       .help = "Requests per second per key, for keys that set no rate of their own (0: no "
               "limit); over it: 429 with Retry-After.",
       .bind = +[](Config& c) -> std::int64_t& { return c.auth.rate; },
       .min = 0,
       .max = 1000000000},
      {.key = "auth.burst",
       .help = "Requests a key may send at once above its rate (the token bucket's size); 0: "
               "the rate.",
       .bind = +[](Config& c) -> std::int64_t& { return c.auth.burst; },
       .min = 0,
       .max = 1000000000},
      {.key = "auth.anonymous_rate",
       .help = "Requests per second per client address for requests without a key (with "
               "auth.anonymous_scopes); 0: no limit.",
       .bind = +[](Config& c) -> std::int64_t& { return c.auth.anonymous_rate; },
       .min = 0,
       .max = 1000000000},
      {.key = "auth.anonymous_burst",
       .help = "Their token bucket's size per address; 0: the rate.",
       .bind = +[](Config& c) -> std::int64_t& { return c.auth.anonymous_burst; },
       .min = 0,
       .max = 1000000000},
      {.key = "auth.failed_rate",
       .help = "Failed authentications per second per client address; beyond its burst, 429.",
       .bind = +[](Config& c) -> std::int64_t& { return c.auth.failed_rate; },
       .min = 1,
       .max = 1000000},
      {.key = "auth.failed_burst",
       .help = "Failed authentications per client address before the rate applies.",
       .bind = +[](Config& c) -> std::int64_t& { return c.auth.failed_burst; },
       .min = 1,
       .max = 1000000},
      {.key = "store.backend",
       .help = "Where records, API keys and job runs live: sqlite, in data.dir on this machine; "
               "opensearch, the cluster of search.opensearch.* (direct mode: nodes without a "
               "local store, any number behind one load balancer; needs search.backend = "
               "opensearch).",
       .bind = +[](Config& c) -> std::string& { return c.store.backend; },
       .choices = {"sqlite", "opensearch"}},
      {.key = "store.synchronous",
       .help = "SQLite synchronous mode: full fsyncs every commit, so an acknowledged write "
               "survives a power cut; normal and off trade that away (benchmarks only).",
       .bind = +[](Config& c) -> std::string& { return c.store.synchronous; },
       .choices = {"full", "normal", "off"}},
      {.key = "store.retention",
       .help = "Change-log entries that every sink has applied are pruned once older than this.",
       .bind = +[](Config& c) -> Duration& { return c.store.retention; },
       .min = kMinute,
       .max = 3650 * 24 * 60 * kMinute},
      {.key = "search.backend",
       .help = "Full-text search engine: xapian, embedded in this process; native, tandem's own "
               "index, embedded too (faster to build and to search; in preview); opensearch, a "
               "self-hosted cluster or Amazon OpenSearch Service (search.opensearch.*).",
       .bind = +[](Config& c) -> std::string& { return c.search.backend; },
       .choices = {"xapian", "native", "opensearch"}},
      {.key = "search.shards",
       .help = "Index shards per collection, each with its own writer (native: the runs of "
               "documents a search of a large index is cut into, each on a thread); 0 means one "
               "per CPU core.",
       .bind = +[](Config& c) -> std::int64_t& { return c.search.shards; },
       .min = 0,
       .max = 64},
      {.key = "search.language",
       .help = "Stemming language of text fields (english, french, german, spanish, ... or none).",
       .bind = +[](Config& c) -> std::string& { return c.search.language; }},
      {.key = "search.refresh_interval",
       .help = "Longest time a change waits before the index commits it and searches see it "
               "(OpenSearch: index.refresh_interval, and how often tandem refreshes).",
       .bind = +[](Config& c) -> Duration& { return c.search.refresh_interval; },
       .min = 1,
       .max = 60 * kSecond},
      {.key = "search.opensearch.url",
       .help = "The OpenSearch of search.backend = opensearch: one or more node URLs, "
               "comma-separated (http:// or https://, an optional path prefix; no credentials).",
       .bind = +[](Config& c) -> std::string& { return c.search.opensearch.url; }},
      {.key = "search.opensearch.index_prefix",
       .help = "Each collection is the alias <prefix><collection> of the index "
               "<prefix><collection>-v<N>; lower-case.",
       .bind = +[](Config& c) -> std::string& { return c.search.opensearch.index_prefix; }},
      {.key = "search.opensearch.auth",
       .help = "none; basic (search.opensearch.user and password or password_file); sigv4 "
               "(AWS: credentials from the environment, the container endpoint or "
               "~/.aws/credentials).",
       .bind = +[](Config& c) -> std::string& { return c.search.opensearch.auth; },
       .choices = {"none", "basic", "sigv4"}},
      {.key = "search.opensearch.user",
       .help = "With auth = basic: the user.",
       .bind = +[](Config& c) -> std::string& { return c.search.opensearch.user; }},
      {.key = "search.opensearch.password",
       .help = "With auth = basic: the password (set it through TANDEM_SEARCH_OPENSEARCH_PASSWORD "
               "or prefer search.opensearch.password_file).",
       .bind = +[](Config& c) -> std::string& { return c.search.opensearch.password; },
       .secret = true},
      {.key = "search.opensearch.password_file",
       .help = "With auth = basic: a file holding the password; a trailing newline is ignored.",
       .bind = +[](Config& c) -> std::string& { return c.search.opensearch.password_file; }},
      {.key = "search.opensearch.region",
       .help = "With auth = sigv4: the AWS region of the domain; empty: AWS_REGION.",
       .bind = +[](Config& c) -> std::string& { return c.search.opensearch.region; }},
      {.key = "search.opensearch.service",
       .help = "With auth = sigv4: es (OpenSearch Service) or aoss (OpenSearch Serverless).",
       .bind = +[](Config& c) -> std::string& { return c.search.opensearch.service; },
       .choices = {"es", "aoss"}},
      {.key = "search.opensearch.tls_ca_file",
       .help = "With https:// nodes: PEM file of the CAs that sign their certificates; empty: "
               "the system's.",
       .bind = +[](Config& c) -> std::string& { return c.search.opensearch.tls_ca_file; }},
      {.key = "search.opensearch.shards",
       .help = "number_of_shards of the indexes tandem creates.",
       .bind = +[](Config& c) -> std::int64_t& { return c.search.opensearch.shards; },
       .min = 1,
       .max = 1024},
      {.key = "search.opensearch.replicas",
       .help = "number_of_replicas of the indexes tandem creates.",
       .bind = +[](Config& c) -> std::int64_t& { return c.search.opensearch.replicas; },
       .min = 0,
       .max = 16},
      {.key = "search.opensearch.pool_size",
       .help = "Keep-alive connections per node at most.",
       .bind = +[](Config& c) -> std::int64_t& { return c.search.opensearch.pool_size; },
       .min = 1,
       .max = 1024},
      {.key = "search.opensearch.connect_timeout",
       .help = "Connecting to a node, TLS handshake included.",
       .bind = +[](Config& c) -> Duration& { return c.search.opensearch.connect_timeout; },
       .min = 1,
       .max = kMinute},
      {.key = "search.opensearch.request_timeout",
       .help = "One call to OpenSearch, its retries (429, 502-504, dropped connections) included.",
       .bind = +[](Config& c) -> Duration& { return c.search.opensearch.request_timeout; },
       .min = 1,
       .max = 10 * kMinute},
      {.key = "search.opensearch.bulk_max_docs",
       .help = "Index and delete actions per _bulk request.",
       .bind = +[](Config& c) -> std::int64_t& { return c.search.opensearch.bulk_max_docs; },
       .min = 1,
       .max = 100000},
      {.key = "search.opensearch.bulk_max_bytes",
       .help = "Bytes per _bulk request (before compression).",
       .bind = +[](Config& c) -> Bytes& { return c.search.opensearch.bulk_max_bytes; },
       .min = 1024,
       .max = 1024 * kMiB},
      {.key = "search.opensearch.gzip",
       .help = "Compress _bulk bodies (Content-Encoding: gzip).",
       .bind = +[](Config& c) -> bool& { return c.search.opensearch.gzip; }},
      {.key = "cache.backend",
       .help = "By-id cache: memory, a sharded in-process LRU; redis, shared by every node "
               "(cache.redis.*).",
       .bind = +[](Config& c) -> std::string& { return c.cache.backend; },
       .choices = {"memory", "redis"}},
      {.key = "cache.redis.url",
       .help = "The Redis of cache.backend = redis: redis://[user[:password]@]host:port/db, "
               "rediss:// for TLS, host:port,host:port,... for a cluster's seed nodes (user "
               "and password percent-encoded; prefer cache.redis.password_file).",
       .bind = +[](Config& c) -> std::string& { return c.cache.redis.url; },
       .secret = true},
      {.key = "cache.redis.password_file",
       .help = "File holding the Redis password (AUTH; with the url's user, an ACL login); it "
               "overrides a password in the url. A trailing newline is ignored.",
       .bind = +[](Config& c) -> std::string& { return c.cache.redis.password_file; }},
      {.key = "cache.redis.tls_ca_file",
       .help = "With rediss://: PEM file of the CAs that sign the Redis server's certificate; "
               "empty: the system's CAs. The certificate must also carry the server's name.",
       .bind = +[](Config& c) -> std::string& { return c.cache.redis.tls_ca_file; }},
      {.key = "cache.redis.tls_cert_file",
       .help = "With rediss://: PEM client certificate, for a Redis that asks for one "
               "(tls-auth-clients); needs cache.redis.tls_key_file.",
       .bind = +[](Config& c) -> std::string& { return c.cache.redis.tls_cert_file; }},
      {.key = "cache.redis.tls_key_file",
       .help = "With rediss://: PEM private key of cache.redis.tls_cert_file.",
       .bind = +[](Config& c) -> std::string& { return c.cache.redis.tls_key_file; }},
      {.key = "cache.redis.tls_server_name",
       .help = "With rediss://: the name the server's certificate must carry, also sent as SNI; "
               "empty: the host of the url (or of each cluster node).",
       .bind = +[](Config& c) -> std::string& { return c.cache.redis.tls_server_name; }},
      {.key = "cache.redis.cluster",
       .help = "The url's hosts are seed nodes of a Redis Cluster: keys go to the master of "
               "their slot, redirections (MOVED, ASK) and failovers are followed.",
       .bind = +[](Config& c) -> bool& { return c.cache.redis.cluster; }},
      {.key = "cache.redis.wait_replicas",
       .help = "A cache write counts once this many replicas of its master have it (WAIT, for up "
               "to half of cache.redis.command_timeout); otherwise the cache sink retries it. "
               "With replicas, 1 keeps a failover from bringing back an older version; 0 trusts "
               "the master alone.",
       .bind = +[](Config& c) -> std::int64_t& { return c.cache.redis.wait_replicas; },
       .min = 0,
       .max = 16},
      {.key = "cache.redis.prefix",
       .help = "Prepended to every key tandem writes to Redis, so that several deployments can "
               "share one.",
       .bind = +[](Config& c) -> std::string& { return c.cache.redis.prefix; }},
      {.key = "cache.redis.pool_size",
       .help = "Connections to Redis at most; calls beyond them wait for one within their "
               "deadline.",
       .bind = +[](Config& c) -> std::int64_t& { return c.cache.redis.pool_size; },
       .min = 1,
       .max = 1024},
      {.key = "cache.redis.connect_timeout",
       .help = "Longest time to connect to Redis and log in; after a failure the next attempts "
               "back off (with jitter) and cache calls fail at once meanwhile.",
       .bind = +[](Config& c) -> Duration& { return c.cache.redis.connect_timeout; },
       .min = 1,
       .max = kMinute},
      {.key = "cache.redis.command_timeout",
       .help = "Longest time a cache call waits for Redis (a connection and the round trip); a "
               "read then falls back to the store.",
       .bind = +[](Config& c) -> Duration& { return c.cache.redis.command_timeout; },
       .min = 1,
       .max = kMinute},
      {.key = "cache.max_bytes",
       .help = "Memory the cache may hold; the least recently used records are evicted beyond it.",
       .bind = +[](Config& c) -> Bytes& { return c.cache.max_bytes; },
       .min = kMiB,
       .max = 1024 * 1024 * kMiB},
      {.key = "cache.ttl",
       .help = "How long a cached record lives (each entry varies by up to 10% so they do not "
               "expire together).",
       .bind = +[](Config& c) -> Duration& { return c.cache.ttl; },
       .min = kSecond,
       .max = 30 * 24 * 60 * kMinute},
      {.key = "cache.negative_ttl",
       .help = "How long a 'no such record' answer is cached; a write of that id ends it at once.",
       .bind = +[](Config& c) -> Duration& { return c.cache.negative_ttl; },
       .min = 0,
       .max = 60 * kMinute},
      {.key = "cache.query_results",
       .help = "Cache search responses, keyed on their normalised parameters and the collection's "
               "index generation, so a cached answer is never older than the last applied change.",
       .bind = +[](Config& c) -> bool& { return c.cache.query_results; }},
      {.key = "cache.query_ttl",
       .help = "How long a cached search response lives.",
       .bind = +[](Config& c) -> Duration& { return c.cache.query_ttl; },
       .min = kSecond,
       .max = 24 * 60 * kMinute},
      {.key = "collections.file",
       .help =
           "JSON file with an array of collection schemas (as POST /v1/collections takes) "
           "created at startup when missing; a stored collection with another schema is an error.",
       .bind = +[](Config& c) -> std::string& { return c.collections.file; }},
      {.key = "ingest.max_record_bytes",
       .help = "Largest single record; larger ones are rejected with payload_too_large.",
       .bind = +[](Config& c) -> Bytes& { return c.ingest.max_record_bytes; },
       .min = 64,
       .max = 64 * kMiB},
      {.key = "jobs.generate.enabled",
       .help = "Run the synthetic-data generator job.",
       .bind = +[](Config& c) -> bool& { return c.jobs.generate.enabled; }},
      {.key = "jobs.generate.schedule",
       .help = "EventBridge schedule: rate(5 minutes), rate(1 hour), cron(0/5 * * * ? *) (UTC).",
       .bind = +[](Config& c) -> std::string& { return c.jobs.generate.schedule; }},
      {.key = "jobs.generate.batch_size",
       .help = "Records per generator run.",
       .bind = +[](Config& c) -> std::int64_t& { return c.jobs.generate.batch_size; },
       .min = 1,
       .max = 100000},
      {.key = "jobs.generate.collection",
       .help = "Collection the generator writes to.",
       .bind = +[](Config& c) -> std::string& { return c.jobs.generate.collection; }},
      {.key = "jobs.generate.run_at_first_start",
       .help = "Run once as soon as a new data directory starts, so that there is data at once.",
       .bind = +[](Config& c) -> bool& { return c.jobs.generate.run_at_first_start; }},
      {.key = "jobs.lease",
       .help = "Several nodes on one schedule: none, every node runs every fire; redis, only the "
               "node that takes the job's lease in the Redis of cache.redis.* (Redis 7 or "
               "later) runs it.",
       .bind = +[](Config& c) -> std::string& { return c.jobs.lease; },
       .choices = {"none", "redis"}},
      {.key = "data.dir",
       .help = "Directory for the store and the indexes; created when missing.",
       .bind = +[](Config& c) -> std::string& { return c.data.dir; },
       .flag = "--data-dir"},
      {.key = "log.level",
       .help = "Least severe level that is logged.",
       .bind = +[](Config& c) -> std::string& { return c.log.level; },
       .choices = {"trace", "debug", "info", "warn", "error", "off"}},
      {.key = "log.format",
       .help = "json: one JSON object per line; text: human-readable lines.",
       .bind = +[](Config& c) -> std::string& { return c.log.format; },
       .choices = {"json", "text"}},
      {.key = "log.file",
       .help = "File to append log lines to; empty means standard output.",
       .bind = +[](Config& c) -> std::string& { return c.log.file; }},
      {.key = "log.access",
       .help = "Write one access-log line per HTTP request.",
       .bind = +[](Config& c) -> bool& { return c.log.access; }},
      {.key = "log.slow_ms",
       .help = "Requests that take longer than this are logged again as a warning ('slow "
               "request'); 0 turns this off.",
       .bind = +[](Config& c) -> std::int64_t& { return c.log.slow_ms; },
       .min = 0,
       .max = 3600 * 1000},
      {.key = "ready.max_lag_records",
       .help = "/ready answers 503 while a sink (search index, cache) is more changes than this "
               "behind the change log.",
       .bind = +[](Config& c) -> std::int64_t& { return c.ready.max_lag_records; },
       .min = 0,
       .max = 1'000'000'000'000},
      {.key = "ready.max_lag_seconds",
       .help = "/ready answers 503 while a sink's oldest unapplied change is older than this.",
       .bind = +[](Config& c) -> std::int64_t& { return c.ready.max_lag_seconds; },
       .min = 0,
       .max = 86400 * 1000},
      {.key = "ready.probe_interval",
       .help = "How often the store, search and cache backends are checked (for /ready, /health "
               "and tandem_backend_up).",
       .bind = +[](Config& c) -> Duration& { return c.ready.probe_interval; },
       .min = 100,
       .max = 600 * 1000},
      {.key = "web.enabled",
       .help = "Serve the web pages: / (search) and /dashboard.",
       .bind = +[](Config& c) -> bool& { return c.web.enabled; }},
      {.key = "web.assets_dir",
       .help = "Serve the web pages' files from this directory instead of the copy compiled into "
               "the binary (for working on them); empty: the compiled-in copy.",
       .bind = +[](Config& c) -> std::string& { return c.web.assets_dir; }},
  };
  return table;
}

}  // namespace

std::span<const Setting> settings_table() {
  return build_table();
}

const Setting* find_setting(std::span<const Setting> table, std::string_view key) {
  for (const auto& s : table) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

std::string env_name(std::string_view key) {
  std::string out = "TANDEM_";
  for (char c : key) {
    out.push_back(c == '.' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c));
  }
  return out;
}

std::string_view section_of(std::string_view key) {
  return key.substr(0, key.find('.'));
}

std::string_view name_of(std::string_view key) {
  auto dot = key.find('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

}  // namespace tandem::config
