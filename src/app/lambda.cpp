// The Lambda runtime loop. Depends on app, api, net, config, core, obs.
#include "app/lambda.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "api/lambda_events.h"
#include "api/record_handlers.h"
#include "app/serve.h"
#include "app/version.h"
#include "core/uuid.h"
#include "json/writer.h"
#include "net/http_client.h"

namespace tandem::app {
namespace {

namespace lambda = api::lambda;

constexpr std::string_view kApi = "/2018-06-01/runtime";

// The Runtime API's calls. `next` waits as long as Lambda keeps the function idle (it is frozen
// meanwhile), so it has a client of its own without a practical deadline.
class RuntimeApi {
 public:
  explicit RuntimeApi(const net::HttpEndpoint& endpoint)
      : next_({.endpoints = {endpoint},
               .pool_size = 1,
               .request_timeout = std::chrono::hours(24 * 365),
               .max_attempts = 3}),
        answer_({.endpoints = {endpoint},
                 .pool_size = 1,
                 .request_timeout = std::chrono::seconds(30),
                 .max_attempts = 3}) {}

  struct Invocation {
    std::string id;  // Lambda-Runtime-Aws-Request-Id
    std::string payload;
  };
  core::Result<Invocation> next() {
    auto r = next_.send({.method = "GET", .target = std::string(kApi) + "/invocation/next"});
    if (!r) return core::fail(r.error());
    if (r->status != 200) {
      return core::fail(core::unavailable("the Runtime API answered " + std::to_string(r->status) +
                                          " to the next invocation: " + r->body));
    }
    auto id = r->header("Lambda-Runtime-Aws-Request-Id");
    if (!id || id->empty())
      return core::fail(
          core::unavailable("the next invocation has no Lambda-Runtime-Aws-Request-Id"));
    return Invocation{std::string(*id), std::move(r->body)};
  }
  core::Status respond(const std::string& id, std::string body) {
    return post(std::string(kApi) + "/invocation/" + id + "/response", std::move(body), {});
  }
  core::Status error(const std::string& id, std::string_view type, std::string_view message) {
    return post(std::string(kApi) + "/invocation/" + id + "/error",
                lambda::error_report(type, message), type);
  }
  core::Status init_error(std::string_view type, std::string_view message) {
    return post(std::string(kApi) + "/init/error", lambda::error_report(type, message), type);
  }

 private:
  core::Status post(std::string target, std::string body, std::string_view error_type) {
    net::HttpRequest req{.method = "POST", .target = std::move(target), .body = std::move(body)};
    req.headers.emplace_back("Content-Type", "application/json");
    if (!error_type.empty())
      req.headers.emplace_back("Lambda-Runtime-Function-Error-Type", std::string(error_type));
    auto r = answer_.send(std::move(req));
    if (!r) return r.error();
    if (r->status != 202) {
      return core::unavailable("the Runtime API answered " + std::to_string(r->status) + ": " +
                               r->body);
    }
    return {};
  }

  net::HttpClient next_, answer_;
};

// A fatal signal while an invocation is under way (a crash: SIGSEGV, SIGBUS, SIGFPE, SIGILL,
// SIGABRT) is reported through the invocation's error endpoint as tandem.Crash before the process
// dies of it, so that the caller learns what happened rather than waiting for the deadline or
// getting Lambda's bare Runtime.ExitError. Everything is prepared beforehand: the address when the
// runtime starts, the request's head when an invocation starts; the signal handler only calls
// socket, setsockopt, connect, send, recv, close, write and raise (all async-signal-safe).
class CrashReporter {
 public:
  static constexpr std::array<int, 5> kSignals{SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

  // Resolves the Runtime API's address and installs the handlers; false when the address does
  // not resolve (crashes then go unreported, as without it).
  static bool install(const net::HttpEndpoint& endpoint) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::string port = std::to_string(endpoint.port);
    if (::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found) != 0 || !found)
      return false;
    std::memcpy(&address_, found->ai_addr, found->ai_addrlen);
    address_len_ = found->ai_addrlen;
    family_ = found->ai_family;
    ::freeaddrinfo(found);
    host_ = endpoint.host + ":" + port;
    for (std::size_t i = 0; i < kSignals.size(); ++i) {
      std::string body = lambda::error_report(
          "tandem.Crash", std::string("the process received SIG") + sigabbrev_np(kSignals[i]) +
                              " while handling the invocation");
      tails_[i] = std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    static std::array<char, 64 * 1024> alternate_stack;  // for a stack overflow's SIGSEGV
    stack_t stack{};
    stack.ss_sp = alternate_stack.data();
    stack.ss_size = alternate_stack.size();
    ::sigaltstack(&stack, nullptr);
    struct sigaction action {};
    action.sa_handler = &on_signal;
    action.sa_flags = SA_RESETHAND | SA_ONSTACK;
    ::sigemptyset(&action.sa_mask);
    for (int signal : kSignals)
      ::sigaction(signal, &action, nullptr);
    return true;
  }

  // From now until disarm(), a crash is reported for this invocation.
  static void arm(const std::string& request_id) {
    armed_.store(false, std::memory_order_release);
    std::string head = "POST " + std::string(kApi) + "/invocation/" + request_id +
                       "/error HTTP/1.1\r\nHost: " + host_ +
                       "\r\nContent-Type: application/json\r\n"
                       "Lambda-Runtime-Function-Error-Type: tandem.Crash\r\n"
                       "Connection: close\r\nContent-Length: ";
    if (head.size() > head_.size()) return;  // an id no Runtime API gives: left unreported
    std::memcpy(head_.data(), head.data(), head.size());
    head_len_ = head.size();
    armed_.store(true, std::memory_order_release);
  }
  static void disarm() { armed_.store(false, std::memory_order_release); }

 private:
  static void on_signal(int signal) {
    if (armed_.exchange(false, std::memory_order_acq_rel)) {
      std::size_t which = 0;
      while (which + 1 < kSignals.size() && kSignals[which] != signal)
        ++which;
      if (report(tails_[which])) {
        static constexpr char kSaid[] =
            "tandem lambda: crashed while handling an invocation; reported as tandem.Crash\n";
        (void)!::write(STDERR_FILENO, kSaid, sizeof kSaid - 1);
      }
    }
    ::raise(signal);  // the default action (SA_RESETHAND), once this handler returns
  }

  // Sends the report and waits (at most 2 s) for the answer's first bytes, so that closing does
  // not reset the connection under a request not yet read.
  static bool report(const std::string& tail) {
    int fd = ::socket(family_, SOCK_STREAM, 0);
    if (fd < 0) return false;
    timeval limit{.tv_sec = 2, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    bool sent = ::connect(fd, reinterpret_cast<const sockaddr*>(&address_), address_len_) == 0 &&
                send_all(fd, head_.data(), head_len_) && send_all(fd, tail.data(), tail.size());
    char answer[64];
    bool answered = sent && ::recv(fd, answer, sizeof answer, 0) > 0;
    ::close(fd);
    return answered;
  }
  static bool send_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
      ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  static inline sockaddr_storage address_{};
  static inline socklen_t address_len_ = 0;
  static inline int family_ = AF_INET;
  static inline std::string host_;
  static inline std::array<std::string, kSignals.size()> tails_;  // set before any handler runs
  static inline std::array<char, 1024> head_{};
  static inline std::size_t head_len_ = 0;
  static inline std::atomic<bool> armed_{false};
};

// What one invocation answers: the response's body, or an error's type and message.
struct Outcome {
  bool ok = true;
  std::string body;        // the response
  std::string error_type;  // else
};

// HTTP events are counted and logged as served requests are (tandem_http_requests_total, the
// access log, slow requests).
struct HttpAccounting {
  api::HttpMetrics::Recorder recorder;
  api::RequestLog log;
};

Outcome handle(Service& service, HttpAccounting& accounting, std::string_view payload) {
  auto event = lambda::parse_event(payload);
  if (!event) return {false, event.error().message(), "tandem.InvalidEvent"};
  if (auto* http = std::get_if<lambda::HttpEvent>(&*event)) {
    api::Request req = http->request();
    req.request_id = http->request_id.empty() ? core::uuid_v4() : http->request_id;
    int route = -1;
    auto started = std::chrono::steady_clock::now();
    api::Response res = api::dispatch(service.router(), req, &route);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::string_view pattern =
        route < 0 ? std::string_view() : service.router().routes()[route].pattern;
    api::account(accounting.recorder, accounting.log, route, pattern, req, res, took.count(),
                 req.client);
    return {true, lambda::http_response(res, http->version, req.request_id), {}};
  }
  if (auto* job = std::get_if<lambda::JobEvent>(&*event)) {
    auto name = lambda::job_of(*job, service.jobs().names());
    if (!name) return {false, name.error().message(), "tandem.UnknownJob"};
    auto run = service.jobs().run_here(*name, "invocation");
    if (!run) return {false, "job '" + *name + "': " + run.error().message(), "tandem.JobFailed"};
    json::Writer w;
    w.begin_object().field("job", *name).field("outcome", "ok").field("message", *run);
    w.end_object();
    return {true, w.take(), {}};
  }
  auto& records = std::get<lambda::RecordsEvent>(*event);
  auto result = service.ingest().write({.collection = records.collection,
                                        .action = store::Action::kUpsert,
                                        .format = pipeline::BodyFormat::kJson,
                                        .body = records.records});
  if (!result) return {false, result.error().message(), "tandem.IngestFailed"};
  return {true, api::ingest_response(result).body, {}};
}

}  // namespace

int run_lambda(const config::Config& config) {
  auto started = std::chrono::steady_clock::now();
  std::signal(SIGPIPE, SIG_IGN);
  const char* where = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (where == nullptr || *where == '\0') {
    std::cerr << "tandem lambda: AWS_LAMBDA_RUNTIME_API is not set (Lambda sets it: host:port of "
                 "the Runtime API)\n";
    return 2;
  }
  auto endpoint = net::parse_http_endpoint(std::string("http://") + where);
  if (!endpoint) {
    std::cerr << "tandem lambda: AWS_LAMBDA_RUNTIME_API: " << endpoint.error().message() << "\n";
    return 2;
  }
  RuntimeApi runtime(*endpoint);
  bool reports_crashes = CrashReporter::install(*endpoint);
  auto logger = obs::Logger::open(log_options(config));
  if (!logger) {
    (void)runtime.init_error("tandem.InitError", logger.error().message());
    std::cerr << "tandem lambda: " << logger.error().message() << "\n";
    return 1;
  }
  const obs::Logger& log = **logger;
  core::SystemClock clock;
  auto service = Service::create(config, log, clock);
  if (!service) {
    TANDEM_LOG(log, obs::Level::kError, "cannot start", {"error", service.error().message()});
    if (auto st = runtime.init_error("tandem.InitError", service.error().message()); !st.is_ok())
      TANDEM_LOG(log, obs::Level::kError, "cannot report the init error", {"error", st.message()});
    return 1;
  }
  (*service)->start_for_invocations();
  std::chrono::duration<double, std::milli> init = std::chrono::steady_clock::now() - started;
  TANDEM_LOG(log, obs::Level::kInfo, "waiting for invocations", {"init_ms", init.count()},
             {"data_dir", config.data.dir}, {"version", kVersion},
             {"reports_crashes", reports_crashes});
  HttpAccounting accounting{.recorder = api::HttpMetrics::Recorder((*service)->http_metrics()),
                            .log = {.log = log,
                                    .access_log = config.log.access,
                                    .slow = std::chrono::milliseconds(config.log.slow_ms)}};
  for (;;) {
    auto invocation = runtime.next();
    if (!invocation) {
      TANDEM_LOG(log, obs::Level::kInfo, "the Runtime API is gone; stopping",
                 {"error", invocation.error().message()});
      break;
    }
    Outcome outcome;
    CrashReporter::arm(invocation->id);
    try {
      outcome = handle(**service, accounting, invocation->payload);
    } catch (const std::exception& e) {
      outcome = {false, e.what(), "tandem.Crash"};
    } catch (...) {
      outcome = {false, "the handler threw something that is not a std::exception", "tandem.Crash"};
    }
    auto st = outcome.ok ? runtime.respond(invocation->id, std::move(outcome.body))
                         : runtime.error(invocation->id, outcome.error_type, outcome.body);
    CrashReporter::disarm();
    if (!outcome.ok) {
      TANDEM_LOG(log, obs::Level::kWarn, "invocation failed", {"request_id", invocation->id},
                 {"type", outcome.error_type}, {"error", outcome.body});
    }
    if (!st.is_ok()) {
      TANDEM_LOG(log, obs::Level::kError, "cannot answer the invocation",
                 {"request_id", invocation->id}, {"error", st.message()});
    }
  }
  (*service)->shutdown();
  service->reset();
  return 0;
}

}  // namespace tandem::app
