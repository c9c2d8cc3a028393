#include "api/handlers.h"

#include <gtest/gtest.h>

#include "api/http_metrics.h"

namespace tandem::api {
namespace {

using namespace std::chrono_literals;

TEST(Health, ReportsStatusVersionAndUptime) {
  core::FakeClock clock;
  ServiceInfo info{.version = "1.2.3", .clock = &clock, .started_at = clock.steady_now()};
  clock.advance(2500ms);
  Response res = get_health(Request{}, info);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"status":"ok","version":"1.2.3","uptime_s":2.5,"components":{}})");
}

TEST(Metrics, ServesPrometheusTextWithRecordedRequests) {
  obs::Metrics metrics;
  HttpMetrics http(metrics.registry());
  HttpMetrics::Recorder recorder(http);
  recorder.record(0, "/health", Method::kGet, 200, 0.0002);
  recorder.record(0, "/health", Method::kGet, 200, 0.0003);
  recorder.record(-1, "", Method::kGet, 404, 0.0001);
  Response res = get_metrics(Request{}, metrics);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(
      res.body.find(R"(tandem_http_requests_total{method="GET",route="/health",status="200"} 2)"),
      std::string::npos)
      << res.body;
  EXPECT_NE(
      res.body.find(R"(tandem_http_requests_total{method="GET",route="unmatched",status="404"} 1)"),
      std::string::npos);
  EXPECT_NE(res.body.find(R"(tandem_http_request_duration_seconds_bucket{method="GET",)"
                          R"(route="/health",status="200",le="0.00025"} 1)"),
            std::string::npos)
      << res.body;
}

TEST(SystemRoutes, RegistersHealthAndMetrics) {
  core::FakeClock clock;
  ServiceInfo info{.version = "v", .clock = &clock};
  obs::Metrics metrics;
  Router router;
  add_system_routes(router, info, metrics);
  Request req;
  req.path = "/metrics";
  int route = -1;
  EXPECT_EQ(dispatch(router, req, &route).status, 200);
  req.path = "/health";
  EXPECT_EQ(dispatch(router, req, &route).status, 200);
}

}  // namespace
}  // namespace tandem::api
