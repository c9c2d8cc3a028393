// The composition root: builds every module from a Config and runs the service. Backends come
// from app/backends.h, the only place that names concrete ones. Nothing includes this but the
// CLI and the tests.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "access/key_service.h"
#include "access/keys_registry.h"
#include "api/auth.h"
#include "api/handlers.h"
#include "api/http_metrics.h"
#include "api/job_handlers.h"
#include "api/record_handlers.h"
#include "api/router.h"
#include "api/search_handlers.h"
#include "api/server.h"
#include "api/web_handlers.h"
#include "app/backends.h"
#include "app/dir_lock.h"
#include "config/config.h"
#include "core/clock.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "obs/probes.h"
#include "pipeline/cache_sink.h"
#include "pipeline/catalog.h"
#include "pipeline/ingest.h"
#include "pipeline/pipeline.h"
#include "pipeline/query_cache.h"
#include "pipeline/read_through.h"
#include "pipeline/search_sink.h"
#include "pipeline/write_through.h"
#include "scheduler/jobs.h"
#include "store/store.h"

namespace tandem::app {

// Everything a running service owns, wired together, in construction order. Tests build one on
// port 0 with a temporary data dir and talk to it over real HTTP.
class Service {
 public:
  // Locks config.data.dir (created when missing) before anything in it is opened, then opens the
  // store, the cache and the search backends, loads collections and builds the jobs. In direct
  // mode (store.backend = "opensearch") there is no data dir: records, keys and job runs are in
  // OpenSearch, the cache is written through (pipeline::WriteThrough), and there is no change
  // log, no sinks and no query-result cache.
  // kFailedPrecondition when another process holds the data dir, kInvalidArgument for a bad job
  // schedule (naming the job) or a backend not built in (naming the setting), store and backend
  // errors otherwise.
  static core::Result<std::unique_ptr<Service>> create(const config::Config& config,
                                                       const obs::Logger& logger,
                                                       const core::Clock& clock);
  ~Service();

  // Starts the jobs, then binds and serves; returns the bound port.
  core::Result<std::uint16_t> start();
  // Starts what answers requests, without the HTTP server or the jobs' schedule: on AWS Lambda,
  // API Gateway brings the requests (router()) and EventBridge fires the jobs (jobs().run_here).
  void start_for_invocations();
  // Stops serving (gracefully), then the jobs. The store closes with the Service.
  void shutdown();

  api::Router& router() { return router_; }
  obs::Metrics& metrics() { return metrics_; }
  api::HttpMetrics& http_metrics() { return http_metrics_; }
  store::Store& store() { return *store_; }  // embedded mode only
  pipeline::Ingest& ingest() { return ingest_; }
  scheduler::JobRunner& jobs() { return jobs_; }
  pipeline::Pipeline& pipeline() { return pipeline_; }
  pipeline::ReadThrough& reads() { return reads_; }
  search::SearchBackend& search() { return *search_; }
  access::KeyService& keys() { return key_service_; }
  // Reads server.tls_cert_file and tls_key_file again for new connections (SIGHUP).
  core::Status reload_tls() { return server_.reload_tls(); }
  // The admin key the first start made (no auth.admin_key given and none stored yet), once: the
  // caller shows it to the operator, and it is gone from the Service afterwards.
  std::optional<std::string> take_generated_admin_key() {
    return std::exchange(generated_key_, {});
  }

 private:
  Service(const config::Config& config, const obs::Logger& logger, const core::Clock& clock,
          std::optional<DirLock> lock, std::unique_ptr<store::Store> store,
          std::unique_ptr<pipeline::SharedQueryCache> shared_results,
          std::unique_ptr<search::OpenSearchStore> shared, Caches caches, access::AuthOptions auth);
  // Adds the search backend: its sink, its routes. Before start().
  void attach_search(std::unique_ptr<search::SearchBackend> search);
  core::Status add_jobs();
  void describe_components(json::Writer& w);
  // Why /ready answers 503: backends down, sinks too far behind. Empty when ready.
  std::vector<std::string> not_ready();
  void export_cache_stats();
  void add_probes();

  const config::Config config_;
  std::optional<DirLock> lock_;  // data.dir, for the Service's life (embedded mode)
  const obs::Logger& logger_;
  const core::Clock& clock_;
  obs::Metrics metrics_;
  api::HttpMetrics http_metrics_;
  api::SearchMetrics search_metrics_;
  obs::DiskMetrics disk_metrics_;
  std::unique_ptr<store::Store> store_;  // embedded mode
  // Direct mode: the query-result cache (with Redis), which the store tells of visible writes,
  // and the store.
  std::unique_ptr<pipeline::SharedQueryCache> shared_results_;
  std::unique_ptr<search::OpenSearchStore> shared_store_;
  std::unique_ptr<cache::CacheBackend> cache_;        // by-id cache
  std::unique_ptr<cache::CacheBackend> query_cache_;  // search responses (a quarter of the budget)
  std::unique_ptr<pipeline::WriteThrough> write_through_;  // direct mode: over shared_store_
  store::RecordStore& records_;                            // *store_ or *write_through_
  store::KeyStore& key_store_;                             // *store_ or *shared_store_
  store::JobRunStore& run_store_;                          // *store_ or *shared_store_
  pipeline::PipelineMetrics pipeline_metrics_;
  pipeline::CacheMetrics cache_metrics_;
  scheduler::JobMetrics job_metrics_;
  pipeline::Catalog catalog_;
  pipeline::Ingest ingest_;
  scheduler::JobRunner jobs_;
  pipeline::Pipeline pipeline_;                             // without a store_: no sinks
  std::optional<pipeline::LocalQueryCache> local_results_;  // over query_cache_, embedded mode
  pipeline::WriteFence fence_;                              // writes the cache does not hold yet
  pipeline::CacheSink cache_sink_;                          // keeps cache_ in step with the store
  pipeline::ReadThrough reads_;                             // GET by id through cache_
  std::unique_ptr<search::SearchBackend> search_;           // set by attach_search()
  std::unique_ptr<pipeline::SearchSink> search_sink_;       // feeds search_ (embedded mode)
  std::unique_ptr<api::SearchContext> search_context_;      // for the search routes
  api::RecordContext record_context_;
  api::JobContext job_context_;
  api::ServiceInfo info_;
  access::KeyRegistry key_registry_;
  access::KeyService key_service_;
  api::AuthContext auth_context_;
  std::optional<std::string> generated_key_;  // see take_generated_admin_key()
  obs::Probes probes_;                        // store, search and cache checks
  // Direct mode: the keys other nodes made or revoked, read again every kKeyReload.
  static constexpr std::chrono::seconds kKeyReload{2};
  std::jthread key_reloader_;
  api::Router router_;
  api::Server server_;
};

// The auth section as the key registry's options. kInvalidArgument naming auth.anonymous_scopes
// for an unknown scope.
core::Result<access::AuthOptions> auth_options(const config::Config& config);

// The first admin key's text from auth.admin_key or auth.admin_key_file, or nullopt for none.
core::Result<std::optional<std::string>> configured_admin_key(const config::Config& config);

// The log's options from the config's log section.
obs::LogOptions log_options(const config::Config& config);

// Translates the config's server section into the server's options.
api::ServerOptions server_options(const config::Config& config);

// Opens the store of config.data.dir (creating the directory).
core::Result<std::unique_ptr<store::Store>> open_store(const config::Config& config,
                                                       const core::Clock& clock);

// Loads the stored collections, then declares the built-in products collection and those of
// collections.file. kInvalidArgument for an unreadable or invalid file, or a declared collection
// stored with another schema.
core::Status load_catalog(pipeline::Catalog& catalog, const config::Config& config);

// `tandem serve`: opens the log, serves until SIGTERM or SIGINT, then shuts down gracefully.
// Returns the exit code: 0 after a clean stop, 1 when it cannot start, 2 for a bad job schedule
// or collections.file.
int serve(const config::Config& config);

}  // namespace tandem::app
