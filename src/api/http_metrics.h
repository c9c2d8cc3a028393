// HTTP metrics: the families this module declares, and a per-thread recorder whose cache keeps
// the registry's lock off the request path. Depends on obs (prometheus-cpp core).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/http.h"
#include "obs/log.h"

namespace tandem::api {

class HttpMetrics {
 public:
  explicit HttpMetrics(prometheus::Registry& registry);

  prometheus::Family<prometheus::Counter>& requests;     // by route, method, status
  prometheus::Family<prometheus::Histogram>& durations;  // seconds, by route, method, status
  prometheus::Gauge& open_connections;                   // currently open
  prometheus::Counter& rejected_connections;             // over server.max_connections
  prometheus::Counter& protocol_errors;                  // malformed or oversize requests
  prometheus::Family<prometheus::Counter>& refused;      // by the key guard, by reason

  // Records requests for one thread. Not thread-safe: one per server thread.
  class Recorder {
   public:
    explicit Recorder(HttpMetrics& metrics) : metrics_(metrics) {}
    // `route` is the route pattern ("" when no route matched; labelled "unmatched").
    void record(int route_index, std::string_view route, Method method, int status, double seconds);

   private:
    struct Slot {
      prometheus::Counter* count;
      prometheus::Histogram* duration;
    };
    HttpMetrics& metrics_;
    std::unordered_map<std::uint64_t, Slot> cache_;  // key: route index, method, status
  };
};

// What an answered request leaves behind, for the HTTP server and Lambda's HTTP events alike: its
// count and duration (`route` and `pattern` as the router matched them; -1 and "" for none), an
// access-log line with `access_log`, and a slow-request warning from `slow` on (0: never).
struct RequestLog {
  const obs::Logger& log;
  bool access_log = true;
  std::chrono::milliseconds slow{0};
};
void account(HttpMetrics::Recorder& recorder, const RequestLog& options, int route,
             std::string_view pattern, const Request& req, const Response& res, double seconds,
             std::string_view remote);

// tandem_search_duration_seconds, by collection and whether the query-result cache answered.
class SearchMetrics {
 public:
  explicit SearchMetrics(prometheus::Registry& registry);
  void observe(std::string_view collection, bool cached, double seconds);

 private:
  prometheus::Family<prometheus::Histogram>& family_;
  std::mutex mutex_;                                                // guards by_key_
  std::unordered_map<std::string, prometheus::Histogram*> by_key_;  // "1products": cached
};

}  // namespace tandem::api
