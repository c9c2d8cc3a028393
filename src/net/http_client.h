// HttpClient: HTTP/1.1 requests to a service reached through several equivalent endpoints
// (OpenSearch's nodes), each with a pool of keep-alive connections, TLS for https:// (through a
// TlsContext: verification always on), one deadline for the whole call and retries with backoff
// and jitter. Blocking calls, thread-safe; each connection owns its io_context like the Redis
// client's. Built on Boost.Beast (this header shows no Asio or Beast types; http_client.cpp is
// the unit that includes them). Depends on core and net.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "net/backoff.h"
#include "net/sigv4.h"
#include "net/tls.h"

namespace tandem::net {

struct HttpEndpoint {
  bool tls = false;  // https://
  std::string host;  // a name or an IP literal (without brackets)
  std::uint16_t port = 80;
  std::string base_path;  // before every target: "" or "/prefix" (no trailing slash)
  bool operator==(const HttpEndpoint&) const = default;
};

// http[s]://host[:port][/path]. kInvalidArgument naming what is wrong; credentials in the url
// are refused (they belong in the auth settings, which keep them out of logs).
core::Result<HttpEndpoint> parse_http_endpoint(std::string_view url);
// "https://host:port/prefix", for messages.
std::string describe(const HttpEndpoint& e);

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query after the endpoint's base path, percent-encoded
  HeaderList headers;        // Host and Content-Length are the client's
  std::string body;
  // Whether it may be sent again once it may have reached the server (a dropped connection,
  // 429, 502, 503, 504). A request that could not be sent at all is always tried elsewhere.
  bool idempotent = true;
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;
  std::string body;
  std::string endpoint;  // which one answered (describe())
  int attempts = 0;      // tries it took
  // The first header of that name (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpClientOptions {
  std::vector<HttpEndpoint> endpoints;               // at least one
  std::shared_ptr<TlsContext> tls;                   // for the https endpoints
  std::size_t pool_size = 8;                         // open connections per endpoint at most
  std::chrono::milliseconds connect_timeout{2000};   // resolve, connect and TLS handshake
  std::chrono::milliseconds request_timeout{30000};  // the whole call, retries included
  int max_attempts = 4;
  BackoffOptions retry{.initial = std::chrono::milliseconds(100),
                       .max = std::chrono::milliseconds(5000)};
  std::size_t max_response_bytes = 256u << 20;
  // Bodies of at least this many bytes go gzip-compressed (Content-Encoding: gzip); 0: never.
  std::size_t gzip_from_bytes = 0;
  // Called on every attempt after Host and Content-Length are set (and the body compressed),
  // before sending: SigV4 signs here, so that each attempt carries a fresh date and the hash
  // of the bytes sent. A failure (credentials that cannot be had) ends the call with it.
  std::function<core::Status(HttpRequest&, const HttpEndpoint&)> prepare;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request to the endpoints in turn, starting with the next one round robin and
  // skipping those whose connect failed recently (while every one has, calls fail at once,
  // until the first one's reconnect backoff has passed). Tries again, after a backoff with jitter
  // or the response's Retry-After, while the deadline allows and attempts remain: a connection that
  // could not be made; for idempotent requests also a connection dropped after sending and the
  // statuses 429, 502, 503 and 504. When retries run out the last response is returned as it is;
  // kUnavailable when no response was had at all, saying where and why.
  core::Result<HttpResponse> send(HttpRequest request);

 private:
  struct Connection;
  struct Pool;
  using Clock = std::chrono::steady_clock;

  const HttpClientOptions options_;
  std::vector<std::unique_ptr<Pool>> pools_;  // one per endpoint, in order
  std::atomic<std::size_t> next_{0};          // round robin
};

}  // namespace tandem::net
