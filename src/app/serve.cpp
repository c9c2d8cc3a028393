// The composition root for `tandem serve`.
#include "app/serve.h"

#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app/version.h"

namespace tandem::app {
namespace {

obs::LogOptions log_options(const config::Config& config) {
  return obs::LogOptions{
      .level = obs::parse_level(config.log.level).value_or(obs::Level::kInfo),
      .format = config.log.format == "text" ? obs::Format::kText : obs::Format::kJson,
      .file = config.log.file};
}

unsigned thread_count(const config::Config& config) {
  if (config.server.threads > 0) return static_cast<unsigned>(config.server.threads);
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

api::ServerOptions server_options(const config::Config& config) {
  const auto& s = config.server;
  return api::ServerOptions{.host = s.host,
                            .port = static_cast<std::uint16_t>(s.port),
                            .threads = thread_count(config),
                            .max_connections = static_cast<std::size_t>(s.max_connections),
                            .max_header_bytes = s.max_header_bytes.value,
                            .max_body_bytes = s.max_body_bytes.value,
                            .idle_timeout = s.idle_timeout,
                            .read_timeout = s.read_timeout,
                            .write_timeout = s.write_timeout,
                            .shutdown_grace = s.shutdown_grace,
                            .access_log = config.log.access};
}

Service::Service(const config::Config& config, const obs::Logger& logger, const core::Clock& clock)
    : config_(config),
      logger_(logger),
      http_metrics_(metrics_.registry()),
      info_{.version = kVersion, .clock = &clock, .started_at = clock.steady_now()},
      server_(server_options(config), router_, logger, http_metrics_) {
  api::add_system_routes(router_, info_, metrics_);
}

core::Result<std::uint16_t> Service::start() {
  auto port = server_.start();
  if (port) {
    TANDEM_LOG(logger_, obs::Level::kInfo, "listening", {"host", config_.server.host},
               {"port", *port}, {"threads", server_options(config_).threads},
               {"version", kVersion});
  }
  return port;
}

void Service::shutdown() {
  server_.shutdown();
}

int serve(const config::Config& config) {
  // Block the stop signals before any thread exists, so that every thread inherits the mask and
  // only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto logger = obs::Logger::open(log_options(config));
  if (!logger) {
    std::cerr << "tandem: " << logger.error().message() << "\n";
    return 1;
  }
  const obs::Logger& log = **logger;
  std::error_code ec;
  std::filesystem::create_directories(config.data.dir, ec);
  if (ec) {
    TANDEM_LOG(log, obs::Level::kError, "cannot create data.dir", {"dir", config.data.dir},
               {"error", ec.message()});
    return 1;
  }

  core::SystemClock clock;
  Service service(config, log, clock);
  auto port = service.start();
  if (!port) {
    TANDEM_LOG(log, obs::Level::kError, "cannot start", {"error", port.error().message()});
    return 1;
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  TANDEM_LOG(log, obs::Level::kInfo, "shutting down", {"signal", strsignal(signal)});
  service.shutdown();
  TANDEM_LOG(log, obs::Level::kInfo, "stopped");
  return 0;
}

}  // namespace tandem::app
