// The Beast/Asio HTTP server. The only translation unit that includes Beast: keep it that way,
// each such unit costs about half a minute to compile here.
//
// Threading: worker 0's io_context also runs the acceptor, which hands each new socket to the
// next worker in turn. A connection lives on one worker for its whole life, so the per-worker
// state below (connection set, metrics recorder, date cache) is touched by one thread only.
#include "api/server.h"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "api/errors.h"
#include "core/uuid.h"

namespace tandem::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;
using beast::error_code;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// An X-Request-Id we accept from a client: 1-128 characters of a conservative alphabet, so it
// can be logged and echoed without escaping surprises.
bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+' || c == '=';
    if (!ok) return false;
  }
  return true;
}

// The IMF-fixdate for the Date header, recomputed at most once a second per worker.
class DateCache {
 public:
  std::string_view now() {
    std::time_t t = std::time(nullptr);
    if (t != last_) {
      std::tm tm{};
      gmtime_r(&t, &tm);
      len_ = std::strftime(buf_, sizeof buf_, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      last_ = t;
    }
    return {buf_, len_};
  }

 private:
  std::time_t last_ = 0;  // second the buffer was formatted for
  char buf_[40] = {};     // formatted date
  std::size_t len_ = 0;   // its length
};

// Status and wire code for a request that could not be read. nullopt: close silently, because
// the peer went away or was too slow (Beast's stream closes the socket when a read times out, so
// there is no 408 to send; nginx, too, closes without answering).
struct ReadFailure {
  int status;
  std::string_view code;
};

std::optional<ReadFailure> classify_read_error(const error_code& ec) {
  if (ec == http::error::header_limit) return ReadFailure{431, "header_too_large"};
  if (ec == http::error::body_limit) return ReadFailure{413, "payload_too_large"};
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::operation_aborted || ec == asio::error::broken_pipe) {
    return std::nullopt;
  }
  return ReadFailure{400, "bad_request"};
}

// The server's TLS: TLS 1.2 and 1.3 only, forward-secret AEAD ciphers chosen by the server, no
// compression or renegotiation; the certificate chain and key from PEM files.
core::Result<std::shared_ptr<ssl::context>> make_tls(const std::string& cert_file,
                                                     const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_cipher_list(native,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return core::fail(core::invalid_argument("server.tls_cert_file: cannot use " + cert_file +
                                             ": " + ec.message()));
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(native) != 1) {
    return core::fail(core::invalid_argument(
        "server.tls_key_file: cannot use " + key_file +
        (ec ? ": " + ec.message() : std::string(": it does not match the certificate"))));
  }
  return ctx;
}

}  // namespace

struct Server::Impl {
  // One open connection, registered with its worker for the whole of its life.
  struct Connection {
    virtual ~Connection() = default;
    virtual void cancel() = 0;  // ends its pending operations
    bool idle = true;  // waiting for the first byte of a request (safe to close on shutdown)
  };
  // Over plain TCP (beast::tcp_stream) or TLS (TlsStream, which keeps its context alive: a
  // certificate reload gives new connections a new one).
  template <class Stream>
  struct StreamConnection final : Connection {
    explicit StreamConnection(tcp::socket s) : stream(std::move(s)) {}
    StreamConnection(tcp::socket s, std::shared_ptr<ssl::context> ctx)
        : tls(std::move(ctx)), stream(std::move(s), *tls) {}
    void cancel() override { beast::get_lowest_layer(stream).cancel(); }
    std::shared_ptr<ssl::context> tls;
    Stream stream;
  };

  // One thread with its own io_context.
  struct Worker {
    explicit Worker(HttpMetrics& m) : recorder(m) {}
    asio::io_context ioc{1};
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
    std::optional<asio::steady_timer> grace_timer;  // armed while draining
    std::unordered_set<Connection*> connections;    // open on this worker
    bool draining = false;                          // shutdown began: finish and close
    HttpMetrics::Recorder recorder;
    DateCache date;
    std::thread thread;
  };

  Impl(ServerOptions o, const Router& r, const obs::Logger& l, HttpMetrics& m)
      : options(std::move(o)), router(r), log(l), metrics(m) {}

  core::Result<std::uint16_t> start();
  void shutdown();
  void drain(Worker& w);
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(Worker& w, tcp::socket socket);
  template <class Stream>
  asio::awaitable<void> converse(Worker& w, StreamConnection<Stream>& c, const std::string& remote);
  template <class Stream>
  asio::awaitable<bool> serve_one(Worker& w, StreamConnection<Stream>& c,
                                  beast::flat_buffer& buffer, const std::string& remote);
  Request to_request(http::request<http::string_body>& msg);
  asio::awaitable<Response> run_async(const Router::Match& m, Request& req);
  template <class Stream>
  asio::awaitable<void> write(Worker& w, StreamConnection<Stream>& c, const Request& req,
                              Response& res, unsigned version, bool keep_alive);
  template <class Stream>
  asio::awaitable<void> reject(Worker& w, StreamConnection<Stream>& c, const ReadFailure& failure,
                               const error_code& ec);
  std::shared_ptr<ssl::context> current_tls();
  bool allowed_origin(std::string_view origin) const;

  ServerOptions options;
  const Router& router;
  const obs::Logger& log;
  HttpMetrics& metrics;
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> acceptor;  // lives on workers[0]
  std::atomic<std::size_t> open{0};       // connections open across all workers
  std::size_t next_worker = 0;            // round-robin cursor, acceptor thread only
  std::mutex lifecycle;                   // serialises start() and shutdown()
  bool running = false;                   // guarded by `lifecycle`
  std::atomic<bool> stopping{false};      // shutdown() began: answer with "Connection: close"
  std::mutex async_mutex;                 // guards async_pending (with async_done)
  std::condition_variable async_done;     // signalled when async_pending drops to zero
  std::size_t async_pending = 0;          // asynchronous handlers that have not responded yet
  std::mutex tls_mutex;                   // guards tls
  std::shared_ptr<ssl::context> tls;      // null: plain HTTP
};

bool Server::Impl::allowed_origin(std::string_view origin) const {
  for (const auto& o : options.cors_origins)
    if (o == "*" || o == origin) return true;
  return false;
}

std::shared_ptr<ssl::context> Server::Impl::current_tls() {
  std::lock_guard lock(tls_mutex);
  return tls;
}

core::Result<std::uint16_t> Server::Impl::start() {
  std::lock_guard lock(lifecycle);
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return core::fail(
          core::invalid_argument("server.tls_cert_file and server.tls_key_file: HTTPS needs both"));
    }
    auto ctx = make_tls(options.tls_cert_file, options.tls_key_file);
    if (!ctx) return core::fail(ctx.error());
    std::lock_guard tls_lock(tls_mutex);
    tls = std::move(*ctx);
  }
  unsigned n = options.threads == 0 ? 1 : options.threads;
  for (unsigned i = 0; i < n; ++i)
    workers.push_back(std::make_unique<Worker>(metrics));

  error_code ec;
  tcp::resolver resolver(workers[0]->ioc);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return core::fail(core::invalid_argument("server.host '" + options.host +
                                             "' does not resolve: " + ec.message()));
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor.emplace(workers[0]->ioc);
  std::string where = options.host + ":" + std::to_string(options.port);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.reset();
    workers.clear();
    return core::fail(core::unavailable("cannot listen on " + where + ": " + ec.message()));
  }
  std::uint16_t port = acceptor->local_endpoint().port();

  asio::co_spawn(workers[0]->ioc, accept_loop(), asio::detached);
  for (auto& w : workers) {
    w->guard.emplace(w->ioc.get_executor());
    w->thread = std::thread([&ioc = w->ioc] { ioc.run(); });
  }
  running = true;
  stopping = false;
  return port;
}

asio::awaitable<void> Server::Impl::accept_loop() {
  for (;;) {
    Worker& w = *workers[next_worker];
    next_worker = (next_worker + 1) % workers.size();
    auto [ec, socket] = co_await acceptor->async_accept(w.ioc, kTuple);
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) continue;  // a connection failed before we took it (ECONNABORTED, EMFILE...)
    if (open.load(std::memory_order_relaxed) >= options.max_connections) {
      metrics.rejected_connections.Increment();
      socket.close(ec);
      continue;
    }
    open.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(w.ioc, session(w, std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::Impl::session(Worker& w, tcp::socket socket) {
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto peer = socket.remote_endpoint(ec);
  std::string remote = ec ? std::string("unknown") : peer.address().to_string();
  if (auto ctx = current_tls()) {
    StreamConnection<TlsStream> conn(std::move(socket), std::move(ctx));
    co_await converse(w, conn, remote);
  } else {
    StreamConnection<beast::tcp_stream> conn(std::move(socket));
    co_await converse(w, conn, remote);
  }
  open.fetch_sub(1, std::memory_order_relaxed);
  if (w.draining && w.connections.empty() && w.grace_timer) w.grace_timer->cancel();
}

// A connection's life on its worker: the TLS handshake (within the read timeout), requests until
// one of them ends it, then the close.
template <class Stream>
asio::awaitable<void> Server::Impl::converse(Worker& w, StreamConnection<Stream>& conn,
                                             const std::string& remote) {
  w.connections.insert(&conn);
  metrics.open_connections.Increment();
  bool ready = true;
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    beast::get_lowest_layer(conn.stream).expires_after(options.read_timeout);
    auto [ec] = co_await conn.stream.async_handshake(ssl::stream_base::server, kTuple);
    if (ec) {
      ready = false;
      metrics.protocol_errors.Increment();
      TANDEM_LOG(log, obs::Level::kDebug, "TLS handshake failed", {"remote", remote},
                 {"error", ec.message()});
    }
  }
  beast::flat_buffer buffer;
  while (ready && co_await serve_one(w, conn, buffer, remote)) {
  }
  error_code ec;
  auto& tcp_stream = beast::get_lowest_layer(conn.stream);
  tcp_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  tcp_stream.close();
  w.connections.erase(&conn);
  metrics.open_connections.Decrement();
}

// Reads one request, answers it, and says whether the connection should serve another.
template <class Stream>
asio::awaitable<bool> Server::Impl::serve_one(Worker& w, StreamConnection<Stream>& c,
                                              beast::flat_buffer& buffer,
                                              const std::string& remote) {
  auto& timer = beast::get_lowest_layer(c.stream);
  if (buffer.size() == 0) {  // keep-alive wait: no request under way, may be closed at will
    c.idle = true;
    if (w.draining) co_return false;
    timer.expires_after(options.idle_timeout);
    auto [ec, n] = co_await c.stream.async_read_some(buffer.prepare(4096), kTuple);
    if (ec) co_return false;
    buffer.commit(n);
  }
  c.idle = false;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.max_body_bytes);
  timer.expires_after(options.read_timeout);
  auto [ec, n] = co_await http::async_read(c.stream, buffer, parser, kTuple);
  if (ec) {
    if (auto failure = classify_read_error(ec)) {
      co_await reject(w, c, *failure, ec);
    } else if (ec == beast::error::timeout) {
      metrics.protocol_errors.Increment();
      TANDEM_LOG(log, obs::Level::kDebug, "request read timed out");
    }
    co_return false;
  }
  auto started = std::chrono::steady_clock::now();
  auto& msg = parser.get();
  Request req = to_request(msg);
  req.client = remote;
  int route = -1;
  Response res;
  // RFC 9112 §6.1: a request with a transfer coding other than chunked cannot be framed.
  bool unframed = msg.count(http::field::transfer_encoding) != 0 && !msg.chunked();
  auto origin = req.header("Origin");
  bool cors = origin && allowed_origin(*origin);
  if (unframed) {
    res = error_response(400, "bad_request", "only the chunked transfer coding is accepted");
  } else if (req.target.size() > options.max_url_bytes) {
    res = error_response(414, "uri_too_long",
                         "the request target is over " + std::to_string(options.max_url_bytes) +
                             " bytes (server.max_url_bytes)");
  } else if (cors && req.method == Method::kOptions &&
             req.header("Access-Control-Request-Method")) {
    // A browser's preflight from an allowed origin: what it may send.
    res = Response{.status = 204, .body = ""};
    res.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE");
    res.headers.emplace_back("Access-Control-Allow-Headers",
                             "X-API-Key, Authorization, Content-Type, X-Request-Id");
    res.headers.emplace_back("Access-Control-Max-Age", "600");
  } else {
    Router::Match m = router.match(req);
    route = m.route;
    if (router.is_async(m)) {  // not a conditional expression: GCC 12 miscompiles co_await there
      res = co_await run_async(m, req);
    } else {
      res = router.respond(req, m);
    }
  }
  if (cors) {
    res.headers.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
    res.headers.emplace_back("Access-Control-Expose-Headers",
                             "X-Request-Id, X-Cache, Retry-After, RateLimit-Limit, "
                             "RateLimit-Remaining, RateLimit-Reset");
    res.headers.emplace_back("Vary", "Origin");
  }
  bool keep_alive = msg.keep_alive() && !stopping.load(std::memory_order_relaxed) && !unframed;
  // Account before writing: a client that reads the response and at once asks /metrics must see
  // its own request counted.
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  std::string_view pattern = route < 0 ? std::string_view() : router.routes()[route].pattern;
  account(w.recorder, {.log = log, .access_log = options.access_log, .slow = options.slow_request},
          route, pattern, req, res, took.count(), remote);
  co_await write(w, c, req, res, msg.version(), keep_alive);
  co_return keep_alive;
}

// Runs an asynchronous route and resumes this coroutine on its own worker when the handler
// responds, from whichever thread. The count of pending handlers lets shutdown() wait for late
// responders before the io_contexts they post to are destroyed.
asio::awaitable<Response> Server::Impl::run_async(const Router::Match& m, Request& req) {
  {
    std::lock_guard lock(async_mutex);
    ++async_pending;
  }
  auto initiate = [this, &m, &req](auto completion) {
    using Completion = decltype(completion);
    // The completion (which owns this coroutine's frame) moves into the posted function when the
    // handler responds, so copies of the responder that outlive the server hold nothing of it.
    auto shared = std::make_shared<std::optional<Completion>>(std::move(completion));
    auto executor = asio::get_associated_executor(**shared);
    auto work = std::make_shared<asio::executor_work_guard<decltype(executor)>>(executor);
    auto send = [this, shared, work](Response r) {
      asio::post(work->get_executor(), [c = std::move(**shared), r = std::move(r)]() mutable {
        std::move(c)(std::move(r));
      });
      shared->reset();
      work->reset();
      std::lock_guard lock(async_mutex);
      if (--async_pending == 0) async_done.notify_all();
    };
    // Deferred work runs on this worker too; the handler is still pending meanwhile, so the
    // server's threads outlive it.
    auto run_here = [executor](std::function<void()> task) {
      asio::post(executor, std::move(task));
    };
    router.start(req, m, Responder(std::move(send), std::move(run_here)));
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Response)>(
      initiate, asio::use_awaitable);
}

Request Server::Impl::to_request(http::request<http::string_body>& msg) {
  Request req;
  req.method = parse_method(std::string_view(msg.method_string()));
  req.target = std::string_view(msg.target());
  std::tie(req.path, req.query) = split_target(req.target);
  req.headers.reserve(8);
  for (const auto& f : msg) {
    req.headers.emplace_back(std::string_view(f.name_string()), std::string_view(f.value()));
  }
  auto id = req.header("X-Request-Id");
  req.request_id = id && acceptable_request_id(*id) ? std::string(*id) : core::uuid_v4();
  req.body = std::move(msg.body());
  return req;
}

template <class Stream>
asio::awaitable<void> Server::Impl::write(Worker& w, StreamConnection<Stream>& c,
                                          const Request& req, Response& res, unsigned version,
                                          bool keep_alive) {
  // Our own head, written with the body in one gather write: Beast's serializer walks its
  // buffer sequences a byte range at a time, about a tenth of a small request's CPU.
  std::string head = serialize_head(res, HeadOptions{.version = version,
                                                     .keep_alive = keep_alive,
                                                     .date = w.date.now(),
                                                     .request_id = req.request_id,
                                                     .content_length = res.body.size(),
                                                     .tls = c.tls != nullptr});
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), req.method == Method::kHead
                                                                    ? asio::const_buffer()
                                                                    : asio::buffer(res.body)};
  beast::get_lowest_layer(c.stream).expires_after(options.write_timeout);
  co_await asio::async_write(c.stream, buffers, kTuple);
}

template <class Stream>
asio::awaitable<void> Server::Impl::reject(Worker& w, StreamConnection<Stream>& c,
                                           const ReadFailure& failure, const error_code& ec) {
  metrics.protocol_errors.Increment();
  Request req;
  req.request_id = core::uuid_v4();
  Response res = error_response(
      failure.status, failure.code,
      failure.status == 400 ? "malformed HTTP request: " + ec.message() : ec.message());
  co_await write(w, c, req, res, 11, false);
  TANDEM_LOG(log, obs::Level::kWarn, "rejected request", {"request_id", req.request_id},
             {"status", failure.status}, {"reason", ec.message()});
}

// Runs on the worker's own thread: no new requests on idle connections, a deadline for the rest.
void Server::Impl::drain(Worker& w) {
  w.draining = true;
  for (Connection* c : w.connections) {
    if (c->idle) c->cancel();
  }
  w.guard.reset();
  if (w.connections.empty()) return;
  w.grace_timer.emplace(w.ioc, options.shutdown_grace);
  w.grace_timer->async_wait([&w](const error_code& ec) {
    if (!ec) w.ioc.stop();  // deadline passed with requests still in flight
  });
}

void Server::Impl::shutdown() {
  std::lock_guard lock(lifecycle);
  if (!running) return;
  running = false;
  stopping = true;
  asio::post(workers[0]->ioc, [this] {
    error_code ec;
    acceptor->close(ec);
  });
  for (auto& w : workers)
    asio::post(w->ioc, [this, worker = w.get()] { drain(*worker); });
  for (auto& w : workers)
    w->thread.join();
  // Handlers still to respond post to their worker's io_context: it must outlive them. Every
  // asynchronous handler responds in bounded time (a write when its commit ends, ?wait=indexed
  // at its timeout), so this wait ends.
  {
    std::unique_lock wait(async_mutex);
    async_done.wait(wait, [this] { return async_pending == 0; });
  }
  acceptor.reset();
  workers.clear();
}

Server::Server(ServerOptions options, const Router& router, const obs::Logger& logger,
               HttpMetrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, logger, metrics)) {}

Server::~Server() {
  shutdown();
}

core::Result<std::uint16_t> Server::start() {
  return impl_->start();
}

core::Status Server::reload_tls() {
  if (!impl_->current_tls())
    return {core::StatusCode::kFailedPrecondition, "the server is not serving HTTPS"};
  auto ctx = make_tls(impl_->options.tls_cert_file, impl_->options.tls_key_file);
  if (!ctx) return ctx.error();
  std::lock_guard lock(impl_->tls_mutex);
  impl_->tls = std::move(*ctx);
  return {};
}

void Server::shutdown() {
  impl_->shutdown();
}

}  // namespace tandem::api
