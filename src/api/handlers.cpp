// /health, /ready and /metrics. Depends on core, json, obs.
#include "api/handlers.h"

#include "json/writer.h"

namespace tandem::api {

Response get_health(const Request&, const ServiceInfo& info) {
  std::chrono::duration<double> uptime = info.clock->steady_now() - info.started_at;
  json::Writer w;
  w.begin_object()
      .field("status", "ok")
      .field("version", info.version)
      .field("uptime_s", uptime.count())
      .key("components")
      .begin_object();
  if (info.components) info.components(w);
  w.end_object().end_object();
  return Response{.body = w.take()};
}

Response get_ready(const Request&, const ServiceInfo& info) {
  auto reasons = info.not_ready ? info.not_ready() : std::vector<std::string>{};
  json::Writer w;
  w.begin_object().field("status", reasons.empty() ? "ready" : "not_ready");
  if (!reasons.empty()) {
    w.key("reasons").begin_array();
    for (const auto& r : reasons)
      w.value(r);
    w.end_array();
  }
  w.end_object();
  Response res{.status = reasons.empty() ? 200 : 503, .body = w.take()};
  if (!reasons.empty()) res.headers.emplace_back("Retry-After", "5");
  return res;
}

Response get_metrics(const Request&, const obs::Metrics& metrics) {
  return Response{.content_type = "text/plain; version=0.0.4; charset=utf-8",
                  .body = metrics.serialize()};
}

void add_system_routes(Router& router, const ServiceInfo& info, const obs::Metrics& metrics,
                       bool public_probes) {
  router.add(Method::kGet, "/health", public_route(),
             [&info](Request& req) { return get_health(req, info); });
  const Access probes = public_probes ? public_route() : needs(access::Scope::kAdmin);
  router.add(Method::kGet, "/ready", probes,
             [&info](Request& req) { return get_ready(req, info); });
  router.add(Method::kGet, "/metrics", probes,
             [&metrics](Request& req) { return get_metrics(req, metrics); });
}

}  // namespace tandem::api
