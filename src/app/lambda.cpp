// The Lambda runtime loop. Depends on app, api, net, config, core, obs.
#include "app/lambda.h"

#include <chrono>
#include <csignal>
#include <cstdlib>
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
             {"data_dir", config.data.dir}, {"version", kVersion});
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
    try {
      outcome = handle(**service, accounting, invocation->payload);
    } catch (const std::exception& e) {
      outcome = {false, e.what(), "tandem.Crash"};
    }
    auto st = outcome.ok ? runtime.respond(invocation->id, std::move(outcome.body))
                         : runtime.error(invocation->id, outcome.error_type, outcome.body);
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
