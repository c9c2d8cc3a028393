// The HTTP client on Boost.Beast: endpoint pools, attempts and retries. Depends on core, net,
// Boost and OpenSSL.
#include "net/http_client.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/text.h"
#include "net/asio_stream.h"
#include "net/gzip.h"

namespace tandem::net {

namespace beast = boost::beast;
namespace http = beast::http;
using detail::error_code;

namespace {

// host[:port], the port left out when it is the scheme's; an IPv6 literal in brackets.
std::string host_header(const HttpEndpoint& e) {
  std::string host = e.host.find(':') != std::string::npos ? "[" + e.host + "]" : e.host;
  if (e.port != (e.tls ? 443 : 80)) host += ":" + std::to_string(e.port);
  return host;
}

bool retryable_status(int status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

// Retry-After in seconds (the HTTP-date form is not used by OpenSearch): nullopt when absent.
std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& r) {
  auto v = r.header("Retry-After");
  if (!v) return std::nullopt;
  unsigned seconds = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), seconds);
  if (ec != std::errc() || end != v->data() + v->size()) return std::nullopt;
  return std::chrono::milliseconds(std::int64_t{seconds} * 1000);
}

}  // namespace

core::Result<HttpEndpoint> parse_http_endpoint(std::string_view url) {
  // The url is not echoed: it may hold a password.
  auto bad = [](std::string_view why) {
    return core::fail(core::invalid_argument("url: " + std::string(why)));
  };
  HttpEndpoint e;
  std::string_view rest = url;
  if (rest.starts_with("https://")) {
    e.tls = true;
    e.port = 443;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return bad("must start with http:// or https://");
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    e.base_path = std::string(rest.substr(slash));
    while (e.base_path.ends_with('/'))
      e.base_path.pop_back();
  }
  if (authority.find('@') != std::string_view::npos)
    return bad("credentials do not belong in the url (use the auth settings)");
  std::string_view port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed [");
    e.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected :port after ]");
      port = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    e.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (e.host.empty()) return bad("no host");
  if (port.data() != nullptr) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || end != port.data() + port.size() || v == 0 || v > 65535)
      return bad("port is not 1-65535");
    e.port = static_cast<std::uint16_t>(v);
  }
  return e;
}

std::string describe(const HttpEndpoint& e) {
  bool v6 = e.host.find(':') != std::string::npos;
  return std::string(e.tls ? "https://" : "http://") + (v6 ? "[" + e.host + "]" : e.host) + ":" +
         std::to_string(e.port) + e.base_path;
}

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (core::iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

struct HttpClient::Connection : detail::AsioStream {
  beast::flat_buffer buffer;
};

// One endpoint's connections and health.
struct HttpClient::Pool {
  Pool(HttpEndpoint e, BackoffOptions reconnect) : endpoint(std::move(e)), backoff(reconnect) {}

  const HttpEndpoint endpoint;
  std::mutex mutex;  // guards the rest
  std::condition_variable freed;
  std::vector<std::unique_ptr<Connection>> idle;
  std::size_t open = 0;
  Backoff backoff;
  int connect_failures = 0;
  Clock::time_point down_until{};
  std::string last_error;  // why the last connect failed

  bool down(Clock::time_point now) {
    std::lock_guard lock(mutex);
    return connect_failures > 0 && now < down_until;
  }
};

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {
  for (const auto& e : options_.endpoints)
    pools_.push_back(std::make_unique<Pool>(e, options_.retry));
}

HttpClient::~HttpClient() = default;

core::Result<HttpResponse> HttpClient::send(HttpRequest request) {
  if (options_.gzip_from_bytes > 0 && request.body.size() >= options_.gzip_from_bytes) {
    request.body = gzip(request.body);
    request.headers.emplace_back("Content-Encoding", "gzip");
  }
  const auto deadline = Clock::now() + options_.request_timeout;
  std::optional<Backoff> backoff;
  std::string why;  // the last failure, for the error
  std::optional<HttpResponse> last;
  const std::size_t first = next_.fetch_add(1, std::memory_order_relaxed);
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    // The next endpoint not known to be down (or, when all are, the next one).
    auto now = Clock::now();
    Pool* pool = nullptr;
    for (std::size_t i = 0; i < pools_.size() && pool == nullptr; ++i) {
      Pool& p = *pools_[(first + static_cast<std::size_t>(attempt) - 1 + i) % pools_.size()];
      if (!p.down(now)) pool = &p;
    }
    if (pool == nullptr) {  // every endpoint failed to connect lately: fail fast meanwhile
      Pool& p = *pools_[(first + static_cast<std::size_t>(attempt) - 1) % pools_.size()];
      std::lock_guard lock(p.mutex);
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(p.down_until - now);
      why = describe(p.endpoint) + ": " + p.last_error + " (every endpoint is down; next try in " +
            std::to_string(wait.count()) + " ms)";
      break;
    }
    const std::string where = describe(pool->endpoint);

    // A kept connection, or room for a new one.
    std::unique_ptr<Connection> c;
    bool reused = false, room = false;
    {
      std::unique_lock lock(pool->mutex);
      while (pool->idle.empty() && pool->open >= options_.pool_size) {
        if (pool->freed.wait_until(lock, deadline) == std::cv_status::timeout) break;
      }
      if (!pool->idle.empty()) {
        c = std::move(pool->idle.back());
        pool->idle.pop_back();
        reused = true;
      } else if (pool->open < options_.pool_size) {
        ++pool->open;
        room = true;
      }
    }
    if (!c && !room) {
      why = where + ": every connection stayed busy past the deadline";
      break;
    }
    if (!c) {
      auto connect_deadline = std::min(deadline, Clock::now() + options_.connect_timeout);
      c = std::make_unique<Connection>();
      auto st = detail::connect_tcp(*c, pool->endpoint.host, pool->endpoint.port, connect_deadline);
      if (st.is_ok() && pool->endpoint.tls) {
        st = options_.tls
                 ? detail::tls_handshake(*c, *options_.tls, pool->endpoint.host, connect_deadline)
                 : core::unavailable("https endpoint without a TLS context");
      }
      if (!st.is_ok()) {
        c.reset();
        std::lock_guard lock(pool->mutex);
        --pool->open;
        ++pool->connect_failures;
        pool->down_until = Clock::now() + pool->backoff.delay(pool->connect_failures);
        pool->last_error = st.message();
        pool->freed.notify_one();
        why = where + ": " + st.message();
        if (Clock::now() >= deadline) break;
        continue;  // the request was not sent: any request may go elsewhere
      }
      std::lock_guard lock(pool->mutex);
      pool->connect_failures = 0;
    }

    HttpRequest r = request;
    r.headers.emplace_back("Host", host_header(pool->endpoint));
    r.headers.emplace_back("Content-Length", std::to_string(r.body.size()));
    if (options_.prepare) {
      if (auto st = options_.prepare(r, pool->endpoint); !st.is_ok()) {
        std::lock_guard lock(pool->mutex);  // the connection goes back unused
        pool->idle.push_back(std::move(c));
        pool->freed.notify_one();
        return core::fail(st);
      }
    }
    http::request<http::string_body> msg;
    msg.method_string(r.method);
    msg.target(pool->endpoint.base_path + r.target);
    msg.version(11);
    for (const auto& [k, v] : r.headers)
      msg.insert(k, v);
    msg.body() = std::move(r.body);

    http::response_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.skip(r.method == "HEAD");  // its Content-Length describes a body that is not sent
    parser.body_limit(options_.max_response_bytes);
    std::optional<error_code> result;
    c->with_stream([&](auto& stream) {
      http::async_write(stream, msg, [&](const error_code& ec, std::size_t) {
        if (ec) {
          result = ec;
          return;
        }
        http::async_read(stream, c->buffer, parser,
                         [&](const error_code& read, std::size_t) { result = read; });
      });
    });
    bool in_time = c->run_until(deadline);
    if (!in_time || !result || *result) {
      std::string what = !in_time || !result ? "timed out" : result->message();
      c.reset();
      {
        std::lock_guard lock(pool->mutex);
        --pool->open;
        pool->freed.notify_one();
      }
      why = where + ": " + what;
      if (!in_time) break;
      if (result && *result == http::error::body_limit) {
        return core::fail(core::unavailable("http " + where + ": a response larger than " +
                                            std::to_string(options_.max_response_bytes) +
                                            " bytes"));
      }
      if (!request.idempotent) {
        return core::fail(core::unavailable(
            "http " + why + " (after the request was sent: not retried, it is not idempotent)"));
      }
      if (reused && attempt == 1) continue;  // a kept connection the server had closed
      if (!backoff) backoff.emplace(options_.retry);
      auto pause = std::min<Clock::duration>(backoff->delay(attempt), deadline - Clock::now());
      if (pause.count() > 0) std::this_thread::sleep_for(pause);
      continue;
    }

    auto& res = parser.get();
    HttpResponse out{.status = static_cast<int>(res.result_int()),
                     .body = std::move(res.body()),
                     .endpoint = where,
                     .attempts = attempt};
    for (const auto& f : res)
      out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    if (res.keep_alive()) {
      c->buffer.clear();
      std::lock_guard lock(pool->mutex);
      pool->idle.push_back(std::move(c));
      pool->freed.notify_one();
    } else {
      c.reset();
      std::lock_guard lock(pool->mutex);
      --pool->open;
      pool->freed.notify_one();
    }
    if (!retryable_status(out.status) || !request.idempotent || attempt == options_.max_attempts)
      return out;
    // Busy or failing over: after a while, perhaps elsewhere.
    if (!backoff) backoff.emplace(options_.retry);
    auto pause = retry_after(out).value_or(backoff->delay(attempt));
    if (Clock::now() + pause >= deadline) return out;  // no time left to wait for a better one
    why = where + ": status " + std::to_string(out.status);
    last = std::move(out);
    std::this_thread::sleep_for(pause);
  }
  if (last) return std::move(*last);
  return core::fail(core::unavailable("http: no response: " + why));
}

}  // namespace tandem::net
