// The composition root: builds every module from a Config and runs the service. The only place
// that names concrete backends. Nothing includes this but the CLI and the tests.
#pragma once

#include <memory>

#include "api/handlers.h"
#include "api/http_metrics.h"
#include "api/job_handlers.h"
#include "api/record_handlers.h"
#include "api/search_handlers.h"
#include "api/router.h"
#include "api/server.h"
#include "config/config.h"
#include "core/clock.h"
#include "obs/log.h"
#include "obs/metrics.h"
#include "pipeline/catalog.h"
#include "pipeline/ingest.h"
#include "pipeline/pipeline.h"
#include "pipeline/search_sink.h"
#include "scheduler/jobs.h"
#include "store/store.h"

namespace tandem::app {

// Everything a running service owns, wired together, in construction order. Tests build one on
// port 0 with a temporary data dir and talk to it over real HTTP.
class Service {
 public:
  // Opens the store in config.data.dir (created when missing), loads collections and builds the
  // jobs. kInvalidArgument for a bad job schedule (naming the job), store errors otherwise.
  static core::Result<std::unique_ptr<Service>> create(const config::Config& config,
                                                       const obs::Logger& logger,
                                                       const core::Clock& clock);
  ~Service();

  // Starts the jobs, then binds and serves; returns the bound port.
  core::Result<std::uint16_t> start();
  // Stops serving (gracefully), then the jobs. The store closes with the Service.
  void shutdown();

  api::Router& router() { return router_; }
  obs::Metrics& metrics() { return metrics_; }
  store::Store& store() { return *store_; }
  pipeline::Ingest& ingest() { return ingest_; }
  scheduler::JobRunner& jobs() { return jobs_; }
  pipeline::Pipeline& pipeline() { return pipeline_; }
  search::SearchBackend& search() { return *search_; }

 private:
  Service(const config::Config& config, const obs::Logger& logger, const core::Clock& clock,
          std::unique_ptr<store::Store> store, std::unique_ptr<search::SearchBackend> search);
  core::Status add_jobs();
  void describe_components(json::Writer& w);

  const config::Config config_;
  const obs::Logger& logger_;
  const core::Clock& clock_;
  obs::Metrics metrics_;
  api::HttpMetrics http_metrics_;
  std::unique_ptr<store::Store> store_;
  pipeline::PipelineMetrics pipeline_metrics_;
  pipeline::Catalog catalog_;
  pipeline::Ingest ingest_;
  scheduler::JobRunner jobs_;
  std::unique_ptr<search::SearchBackend> search_;
  pipeline::SearchSink search_sink_;
  pipeline::Pipeline pipeline_;
  api::RecordContext record_context_;
  api::JobContext job_context_;
  api::SearchContext search_context_;
  api::ServiceInfo info_;
  api::Router router_;
  api::Server server_;
};

// Translates the config's server section into the server's options.
api::ServerOptions server_options(const config::Config& config);

// Opens the store of config.data.dir (creating the directory).
core::Result<std::unique_ptr<store::Store>> open_store(const config::Config& config,
                                                       const core::Clock& clock);

// Loads the stored collections, then declares the built-in products collection and those of
// collections.file. kInvalidArgument for an unreadable or invalid file, kFailedPrecondition when
// a declared collection is stored with another schema.
core::Status load_catalog(pipeline::Catalog& catalog, const config::Config& config);

// `tandem serve`: opens the log, serves until SIGTERM or SIGINT, then shuts down gracefully.
// Returns the exit code: 0 after a clean stop, 1 when it cannot start, 2 for a bad job schedule
// or collections.file.
int serve(const config::Config& config);

}  // namespace tandem::app
