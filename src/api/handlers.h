// System handlers: GET /health, GET /ready and GET /metrics. Plain functions over our own types.
// Depends on core, json, obs.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "api/http.h"
#include "api/router.h"
#include "core/clock.h"
#include "json/writer.h"
#include "obs/metrics.h"

namespace tandem::api {

// What /health reports about the process itself.
struct ServiceInfo {
  std::string version;                                  // "0.1.0"
  const core::Clock* clock = nullptr;                   // for uptime
  std::chrono::steady_clock::time_point started_at;     // process start, on clock->steady_now()
  std::function<void(json::Writer&)> components;        // writes {"store":{...},...}; may be empty
  std::function<std::vector<std::string>()> not_ready;  // why /ready is 503; empty: ready
};

// 200 {"status":"ok","version":"0.1.0","uptime_s":12.5,"components":{...}}
Response get_health(const Request& req, const ServiceInfo& info);

// 200 {"status":"ready"}, or 503 {"status":"not_ready","reasons":[...]} with Retry-After.
Response get_ready(const Request& req, const ServiceInfo& info);

// 200 with every metric in the Prometheus text format.
Response get_metrics(const Request& req, const obs::Metrics& metrics);

// Registers /health (public), and /ready and /metrics (public with `public_probes`, else for
// admin keys).
// `info` and `metrics` must outlive the router.
void add_system_routes(Router& router, const ServiceInfo& info, const obs::Metrics& metrics,
                       bool public_probes = true);

}  // namespace tandem::api
