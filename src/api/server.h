// The HTTP/1.1 server: Boost.Beast on C++20 coroutines, one io_context per thread, keep-alive,
// limits and timeouts, HTTPS with certificates reloaded in place, graceful shutdown. This header is
// free of Asio and Beast types; server.cpp is the only translation unit of the project that
// includes them. Depends on core, obs and the rest of api.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/http_metrics.h"
#include "api/router.h"
#include "core/result.h"
#include "obs/log.h"

namespace tandem::api {

struct ServerOptions {
  std::string host = "127.0.0.1";                   // IP literal or a name that resolves locally
  std::uint16_t port = 0;                           // 0: any free port (see Server::start)
  unsigned threads = 1;                             // io_contexts, one thread each
  std::size_t max_connections = 10000;              // more are closed at once
  std::size_t max_header_bytes = 16 * 1024;         // over it: 431 and close
  std::size_t max_body_bytes = 16 << 20;            // over it: 413 and close
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait for the next request
  std::chrono::milliseconds read_timeout{10000};    // a whole request, from its first byte
  std::chrono::milliseconds write_timeout{10000};   // a whole response
  std::chrono::milliseconds shutdown_grace{10000};  // in-flight requests may finish within it
  bool access_log = true;                           // one info line per request
  std::chrono::milliseconds slow_request{500};      // a warning for slower requests; 0: none
  std::string tls_cert_file;  // PEM chain: HTTPS (TLS 1.2+) instead of HTTP; with tls_key_file
  std::string tls_key_file;   // its PEM private key
  std::size_t max_url_bytes = 8192;       // request target; over it: 414
  std::vector<std::string> cors_origins;  // browser origins allowed ("*": any); empty: none
};

// Serves `router`. The router, logger and metrics must outlive the server. Thread-safe: start()
// and shutdown() may be called from any one thread; handlers run on the server threads.
class Server {
 public:
  Server(ServerOptions options, const Router& router, const obs::Logger& logger,
         HttpMetrics& metrics);
  ~Server();  // shuts down if still running

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the threads. Returns the bound port (useful with port 0).
  // kUnavailable when the address cannot be bound; kInvalidArgument when the host is unusable.
  core::Result<std::uint16_t> start();

  // Reads the certificate and key files again for the connections that come next; those open go
  // on with the one they began with. On failure the current one stays. kFailedPrecondition when
  // the server does not serve HTTPS; kInvalidArgument naming the file that does not load.
  core::Status reload_tls();

  // Stops accepting, closes idle connections, lets in-flight requests finish (their responses
  // carry "Connection: close") and joins the threads. Connections still busy after
  // shutdown_grace are cut; asynchronous handlers that have not responded yet are waited for
  // (their responses are dropped), since they post to the server's threads. Idempotent; blocks
  // until done.
  void shutdown();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::api
