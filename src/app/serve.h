// The composition root: builds every module from a Config and runs the service. The only place
// that names concrete backends. Nothing includes this but the CLI and the tests.
#pragma once

#include <memory>

#include "api/handlers.h"
#include "api/http_metrics.h"
#include "api/router.h"
#include "api/server.h"
#include "config/config.h"
#include "core/clock.h"
#include "obs/log.h"
#include "obs/metrics.h"

namespace tandem::app {

// Everything a running service owns, wired together, in construction order. Tests build one on
// port 0 and talk to it over real HTTP.
class Service {
 public:
  // Builds the service; logs go to `logger`. Does not listen yet.
  Service(const config::Config& config, const obs::Logger& logger, const core::Clock& clock);

  // Binds and starts serving; returns the bound port. Errors as api::Server::start().
  core::Result<std::uint16_t> start();
  // Graceful stop, see api::Server::shutdown().
  void shutdown();

  api::Router& router() { return router_; }
  obs::Metrics& metrics() { return metrics_; }

 private:
  const config::Config config_;
  const obs::Logger& logger_;
  obs::Metrics metrics_;
  api::HttpMetrics http_metrics_;
  api::ServiceInfo info_;
  api::Router router_;
  api::Server server_;
};

// Translates the config's server section into the server's options.
api::ServerOptions server_options(const config::Config& config);

// `tandem serve`: opens the log, prepares data.dir, serves until SIGTERM or SIGINT, then shuts
// down gracefully. Returns the process exit code (0 after a clean stop, 1 when it cannot start).
int serve(const config::Config& config);

}  // namespace tandem::app
