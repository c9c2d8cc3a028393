// Per-request costs outside the socket: routing, handler, error bodies, access-log formatting,
// API keys' checks.
#include <benchmark/benchmark.h>

#include "access/keys_registry.h"
#include "api/errors.h"
#include "api/handlers.h"
#include "api/router.h"
#include "obs/log.h"

namespace tandem {
namespace {

class NullSink final : public obs::LineSink {
 public:
  void write_line(obs::Level, std::string_view line) override {
    benchmark::DoNotOptimize(line.data());
  }
};

void BM_DispatchHealth(benchmark::State& state) {
  core::SystemClock clock;
  api::ServiceInfo info{.version = "0.1.0", .clock = &clock, .started_at = clock.steady_now()};
  obs::Metrics metrics;
  api::Router router;
  api::add_system_routes(router, info, metrics);
  router.add(api::Method::kGet, "/v1/collections/{c}/records/{id}", api::public_route(),
             [](api::Request&) { return api::Response{}; });
  for (auto _ : state) {
    api::Request req;
    req.path = "/health";
    int route = -1;
    benchmark::DoNotOptimize(api::dispatch(router, req, &route));
  }
}
BENCHMARK(BM_DispatchHealth);

// What a request with a key pays before its handler: the key's hash, its lookup, its bucket
// (threads > 1: the same key from every request thread, as under load).
void BM_KeyCheck(benchmark::State& state) {
  static access::KeyRegistry registry({});
  static auto key = [] {
    auto made = access::make_key({.scopes = 0xff}, 0);
    registry.put(made.record);
    return made.key;
  }();
  if (registry.check(key, access::Scope::kSearch, "products", "127.0.0.1", 1).verdict !=
      access::Verdict::kAllowed) {
    state.SkipWithError("the key is refused");
  }
  for (auto _ : state) {
    auto c = registry.check(key, access::Scope::kSearch, "products", "127.0.0.1", 1);
    benchmark::DoNotOptimize(c.verdict);
  }
}
BENCHMARK(BM_KeyCheck)->Threads(1)->Threads(2);

void BM_Sha256Hex(benchmark::State& state) {
  const std::string key(43, 'k');
  for (auto _ : state)
    benchmark::DoNotOptimize(access::sha256_hex(key));
}
BENCHMARK(BM_Sha256Hex)->Threads(1)->Threads(2);

void BM_DispatchWithCaptures(benchmark::State& state) {
  api::Router router;
  router.add(api::Method::kGet, "/health", api::public_route(),
             [](api::Request&) { return api::Response{}; });
  router.add(api::Method::kGet, "/v1/collections/{c}/records/{id}", api::public_route(),
             [](api::Request&) { return api::Response{}; });
  for (auto _ : state) {
    api::Request req;
    req.path = "/v1/collections/products/records/abc-123";
    int route = -1;
    benchmark::DoNotOptimize(api::dispatch(router, req, &route));
  }
}
BENCHMARK(BM_DispatchWithCaptures);

void BM_ErrorResponse(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(api::error_response(404, "not_found", "no route for /nope"));
  }
}
BENCHMARK(BM_ErrorResponse);

void BM_AccessLogLine(benchmark::State& state) {
  obs::Logger log(obs::Level::kInfo, obs::Format::kJson, std::make_shared<NullSink>());
  std::string id = "5b0e2f8a-8f7e-4c59-9d0e-2b1f0c7d9a11";
  for (auto _ : state) {
    TANDEM_LOG(log, obs::Level::kInfo, "request", {"request_id", id}, {"method", "GET"},
               {"path", "/health"}, {"status", 200}, {"bytes", std::size_t{72}},
               {"duration_ms", 0.0123}, {"remote", "127.0.0.1"});
  }
}
BENCHMARK(BM_AccessLogLine);

void BM_DisabledDebugLine(benchmark::State& state) {
  obs::Logger log(obs::Level::kInfo, obs::Format::kJson, std::make_shared<NullSink>());
  std::string id = "5b0e2f8a";
  for (auto _ : state) {
    TANDEM_LOG(log, obs::Level::kDebug, "request", {"request_id", id}, {"status", 200});
  }
}
BENCHMARK(BM_DisabledDebugLine);

}  // namespace
}  // namespace tandem
