// HTTP metric families, the per-thread recorder and the request log lines. Depends on
// prometheus-cpp core and obs.
#include "api/http_metrics.h"

#include <string>

#include "obs/metrics.h"

namespace tandem::api {
using obs::latency_buckets;

HttpMetrics::HttpMetrics(prometheus::Registry& registry)
    : requests(prometheus::BuildCounter()
                   .Name("tandem_http_requests_total")
                   .Help("HTTP requests answered, by route pattern, method and status")
                   .Register(registry)),
      durations(prometheus::BuildHistogram()
                    .Name("tandem_http_request_duration_seconds")
                    .Help("Time from a complete request to its response being ready, by route, "
                          "method, status")
                    .Register(registry)),
      open_connections(prometheus::BuildGauge()
                           .Name("tandem_http_open_connections")
                           .Help("Open client connections")
                           .Register(registry)
                           .Add({})),
      rejected_connections(prometheus::BuildCounter()
                               .Name("tandem_http_rejected_connections_total")
                               .Help("Connections closed at once because of server.max_connections")
                               .Register(registry)
                               .Add({})),
      protocol_errors(prometheus::BuildCounter()
                          .Name("tandem_http_protocol_errors_total")
                          .Help("Malformed, oversize or timed-out requests")
                          .Register(registry)
                          .Add({})),
      refused(prometheus::BuildCounter()
                  .Name("tandem_auth_refused_total")
                  .Help("Requests refused by the API-key check, by reason")
                  .Register(registry)) {}

void HttpMetrics::Recorder::record(int route_index, std::string_view route, Method method,
                                   int status, double seconds) {
  std::uint64_t key = (static_cast<std::uint64_t>(route_index + 1) << 32) |
                      (static_cast<std::uint64_t>(method) << 16) |
                      static_cast<std::uint64_t>(status);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    prometheus::Labels labels{{"route", route.empty() ? "unmatched" : std::string(route)},
                              {"method", std::string(method_name(method))},
                              {"status", std::to_string(status)}};
    Slot slot{&metrics_.requests.Add(labels), &metrics_.durations.Add(labels, latency_buckets())};
    it = cache_.emplace(key, slot).first;
  }
  it->second.count->Increment();
  it->second.duration->Observe(seconds);
}

SearchMetrics::SearchMetrics(prometheus::Registry& registry)
    : family_(prometheus::BuildHistogram()
                  .Name("tandem_search_duration_seconds")
                  .Help("Searches, from the parsed request to the answer, by collection and "
                        "whether the query-result cache answered")
                  .Register(registry)) {}

void SearchMetrics::observe(std::string_view collection, bool cached, double seconds) {
  std::string key = (cached ? "1" : "0") + std::string(collection);
  prometheus::Histogram* h;
  {
    std::lock_guard lock(mutex_);
    auto it = by_key_.find(key);
    if (it == by_key_.end()) {
      auto& added =
          family_.Add({{"collection", std::string(collection)}, {"cache", cached ? "hit" : "miss"}},
                      latency_buckets());
      it = by_key_.emplace(std::move(key), &added).first;
    }
    h = it->second;
  }
  h->Observe(seconds);
}

void account(HttpMetrics::Recorder& recorder, const RequestLog& options, int route,
             std::string_view pattern, const Request& req, const Response& res, double seconds,
             std::string_view remote) {
  recorder.record(route, pattern, req.method, res.status, seconds);
  if (options.access_log) {
    TANDEM_LOG(options.log, obs::Level::kInfo, "request", {"request_id", req.request_id},
               {"method", method_name(req.method)}, {"path", req.path}, {"status", res.status},
               {"bytes", res.body.size()}, {"duration_ms", seconds * 1000.0}, {"remote", remote});
  }
  if (options.slow.count() > 0 && seconds * 1000.0 >= static_cast<double>(options.slow.count())) {
    TANDEM_LOG(options.log, obs::Level::kWarn, "slow request", {"request_id", req.request_id},
               {"method", method_name(req.method)}, {"route", pattern}, {"path", req.path},
               {"query", req.query}, {"status", res.status}, {"duration_ms", seconds * 1000.0});
  }
}

}  // namespace tandem::api
