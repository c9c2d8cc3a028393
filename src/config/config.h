// Config: every setting of tandem as a typed struct, filled from the settings table (settings.h).
// Depends on core only. Defaults live here, in the member initialisers, and nowhere else.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tandem::config {

// A size in bytes; written "16KiB", "8MiB" or a plain number in files, env and flags.
struct Bytes {
  std::uint64_t value = 0;
  friend bool operator==(Bytes, Bytes) = default;
};

using Duration = std::chrono::milliseconds;  // written "250ms", "10s", "5m", "1h"

struct ServerConfig {
  std::string host = "127.0.0.1";                      // listen address
  std::int64_t port = 8080;                            // 0 = any free port
  std::int64_t threads = 0;                            // 0 = one per CPU core
  std::int64_t max_connections = 10000;                // further connections are closed at once
  Bytes max_header_bytes{16 * 1024};                   // request line + headers; over it: 431
  Bytes max_body_bytes{16 * 1024 * 1024};              // request body; over it: 413
  Duration idle_timeout = std::chrono::seconds(60);    // keep-alive wait for the next request
  Duration read_timeout = std::chrono::seconds(10);    // whole request once its first byte came
  Duration write_timeout = std::chrono::seconds(10);   // whole response
  Duration shutdown_grace = std::chrono::seconds(10);  // in-flight requests finish within it
  std::string tls_cert_file;  // PEM certificate chain: HTTPS (with tls_key_file); SIGHUP reloads
  std::string tls_key_file;   // its PEM private key (secret file)
  Bytes max_url_bytes{8192};  // request target; over it: 414
  std::string cors_origins;   // comma-separated browser origins allowed; empty: none
};

struct DataConfig {
  std::string dir = "./data";  // where the store and indexes live
};

struct StoreConfig {
  std::string backend = "sqlite";               // sqlite|opensearch (direct mode)
  std::string synchronous = "full";             // full|normal|off
  Duration retention = std::chrono::hours(24);  // change-log pruning age
};

// The OpenSearch of search.backend = "opensearch".
struct OpenSearchConfig {
  std::string url = "http://127.0.0.1:9200";                   // nodes, comma-separated
  std::string index_prefix = "tandem-";                        // alias = prefix + collection
  std::string auth = "none";                                   // none | basic | sigv4
  std::string user;                                            // basic
  std::string password;                                        // basic (secret; prefer the file)
  std::string password_file;                                   // basic
  std::string region;                                          // sigv4; empty: AWS_REGION
  std::string service = "es";                                  // sigv4: es | aoss
  std::string tls_ca_file;                                     // https: CAs; empty: the system's
  std::int64_t shards = 1;                                     // number_of_shards of new indexes
  std::int64_t replicas = 1;                                   // number_of_replicas
  std::int64_t pool_size = 8;                                  // connections per node
  Duration connect_timeout = std::chrono::milliseconds(2000);  // connect and TLS handshake
  Duration request_timeout = std::chrono::seconds(30);         // one call, retries included
  std::int64_t bulk_max_docs = 1000;                           // actions per _bulk
  Bytes bulk_max_bytes{5 * 1024 * 1024};                       // bytes per _bulk
  bool gzip = false;                                           // compress bulk bodies
};

struct SearchConfig {
  std::string backend = "xapian";                              // xapian | native | opensearch
  std::int64_t shards = 0;                                     // 0 = one per CPU core
  std::string language = "english";                            // stemmer
  Duration refresh_interval = std::chrono::milliseconds(250);  // longest wait before a commit
  OpenSearchConfig opensearch;
};

// The Redis of cache.backend = "redis".
struct RedisConfig {
  std::string url = "redis://127.0.0.1:6379/0";  // redis://[user[:pass]@]host:port/db
  std::string password_file;                     // AUTH password; overrides the url's
  std::string tls_ca_file;                       // rediss://: CAs; empty: the system's
  std::string tls_cert_file;                     // rediss://: client certificate
  std::string tls_key_file;                      // rediss://: its key
  std::string tls_server_name;                   // rediss://: name to verify, SNI
  bool cluster = false;                          // the url's hosts seed a cluster
  std::int64_t wait_replicas = 0;                // a write counts once on this many
  std::string prefix = "tandem:";                // before every key
  std::int64_t pool_size = 8;                    // connections per node
  Duration connect_timeout = std::chrono::milliseconds(1000);  // connect and log in
  Duration command_timeout = std::chrono::milliseconds(250);   // one call, round trip included
};

struct CacheConfig {
  std::string backend = "memory";                   // memory | redis
  Bytes max_bytes{256ull * 1024 * 1024};            // memory budget
  Duration ttl = std::chrono::hours(1);             // per entry, jittered ±10%
  Duration negative_ttl = std::chrono::seconds(5);  // "no such record" answers
  bool query_results = true;                        // cache search responses
  Duration query_ttl = std::chrono::minutes(1);     // per cached search response
  RedisConfig redis;
};

struct CollectionsConfig {
  std::string file;  // JSON array of collection schemas created at startup; empty: none
};

struct IngestConfig {
  Bytes max_record_bytes{1024 * 1024};  // per record
};

struct GenerateJobConfig {
  bool enabled = true;                       // schedule the job at all
  std::string schedule = "rate(5 minutes)";  // EventBridge expression
  std::int64_t batch_size = 10;              // records per run
  std::string collection = "products";       // target collection
  bool run_at_first_start = true;            // one run when the data dir is new
};

struct JobsConfig {
  GenerateJobConfig generate;
  std::string lease = "none";  // none | redis: which node runs a scheduled fire
};

struct LogConfig {
  std::string level = "info";   // trace|debug|info|warn|error|off
  std::string format = "json";  // json|text
  std::string file;             // empty = standard output
  bool access = true;           // one line per HTTP request
  std::int64_t slow_ms = 500;   // requests slower than this log a warning; 0: off
};

// What /ready requires (DESIGN.md §7).
struct ReadyConfig {
  std::int64_t max_lag_records = 10000;               // per sink
  std::int64_t max_lag_seconds = 30;                  // age of a sink's oldest unapplied change
  Duration probe_interval = std::chrono::seconds(2);  // how often the backends are checked
};

// The built-in web pages.
struct WebConfig {
  bool enabled = true;     // serve / and /dashboard
  std::string assets_dir;  // serve their files from this directory instead of the binary
};

// API keys and rate limits (DESIGN.md §6).
struct AuthConfig {
  bool enabled = true;               // false: every route open, for local experiments only
  std::string admin_key;             // the first admin key's text (secret); empty: generated once
  std::string admin_key_file;        // a file holding it
  std::string anonymous_scopes;      // what requests without a key may do: "", "search", ...
  bool public_probes = true;         // /metrics (and /ready) without a key
  std::int64_t rate = 0;             // requests per second per key unless it sets its own; 0: none
  std::int64_t burst = 0;            // bucket size per key; 0: the rate (at least 1)
  std::int64_t anonymous_rate = 0;   // keyless requests per second per client address; 0: none
  std::int64_t anonymous_burst = 0;  // and their bucket size; 0: the rate
  std::int64_t failed_rate = 1;      // failed authentications per second per client address
  std::int64_t failed_burst = 10;    // and their burst
};

struct Config {
  ServerConfig server;
  AuthConfig auth;
  DataConfig data;
  StoreConfig store;
  SearchConfig search;
  CacheConfig cache;
  CollectionsConfig collections;
  IngestConfig ingest;
  JobsConfig jobs;
  LogConfig log;
  ReadyConfig ready;
  WebConfig web;
};

}  // namespace tandem::config
