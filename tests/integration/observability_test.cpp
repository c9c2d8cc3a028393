// Observability of the whole service: metric values after known traffic, /health's components,
// /ready turning 503 while a sink is held back (a real redis-server frozen with SIGSTOP) and 200
// once it caught up, the slow-request log, and the web pages' files.
#include <signal.h>

#include <thread>

#include "integration/service_fixture.h"
#include "support/prometheus_text.h"
#include "support/redis_server.h"

namespace tandem {
namespace {

using testing::metric;

class ObservabilityTest : public ServerTest {
 protected:
  testing::HttpResponse call(const std::string& method, const std::string& path,
                             const std::string& body = "", const std::string& headers = "") {
    HttpConnection conn(port_);
    auto res = conn.request(method, path, headers + (body.empty() ? "" : kJson), body);
    EXPECT_TRUE(res) << method << " " << path;
    return res ? *res : testing::HttpResponse{};
  }
  std::string scrape() { return call("GET", "/metrics").body; }

  // Polls until `done` holds (up to `limit`); returns whether it did.
  template <typename F>
  bool eventually(F done, std::chrono::milliseconds limit = 10s) {
    for (auto until = std::chrono::steady_clock::now() + limit;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(20ms)) {
      if (done()) return true;
    }
    return done();
  }
};

TEST_F(ObservabilityTest, RequestCountersSayHowManyRequestsWereAnswered) {
  start();
  const std::map<std::string, std::string> health{
      {"route", "/health"}, {"method", "GET"}, {"status", "200"}};
  double before = metric(scrape(), "tandem_http_requests_total", health).value_or(0);
  for (int i = 0; i < 7; ++i)
    ASSERT_EQ(call("GET", "/health").status, 200);
  auto text = scrape();
  EXPECT_EQ(metric(text, "tandem_http_requests_total", health), before + 7);
  EXPECT_EQ(metric(text, "tandem_http_request_duration_seconds_count", health), before + 7);
  EXPECT_EQ(metric(text, "tandem_http_requests_total", {{"route", "unmatched"}}), std::nullopt);
  call("GET", "/nope");
  call("GET", "/nope");
  EXPECT_EQ(metric(scrape(), "tandem_http_requests_total", {{"route", "unmatched"}}), 2);
}

TEST_F(ObservabilityTest, SearchDurationsCountSearchesAndWhetherTheCacheAnswered) {
  start();
  ASSERT_EQ(call("POST", kRecords + "?wait=indexed", lamp("a", "1")).status, 200);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(call("GET", "/search?q=lamp").status, 200);  // a miss, then two hits
  ASSERT_EQ(call("GET", "/search?q=lamp&sort=price:asc").status, 200);
  ASSERT_EQ(call("GET", "/v1/collections/products/search?q=oak").status, 200);
  auto text = scrape();
  const std::string count = "tandem_search_duration_seconds_count";
  EXPECT_EQ(metric(text, count, {{"collection", "products"}, {"cache", "miss"}}), 3) << text;
  EXPECT_EQ(metric(text, count, {{"collection", "products"}, {"cache", "hit"}}), 2);
  EXPECT_EQ(metric(text, "tandem_records_accepted_total", {{"collection", "products"}}), 1);
}

TEST_F(ObservabilityTest, RefusalsAreCountedByReason) {
  config_.auth.enabled = true;
  config_.auth.admin_key = "observability-admin-key-0123456789";
  config_.auth.failed_burst = 100;
  start();
  const std::string admin = "X-API-Key: " + config_.auth.admin_key + "\r\n";
  auto made = call("POST", "/v1/keys", R"({"scopes":["search"]})", admin);
  ASSERT_EQ(made.status, 201) << made.body;
  auto at = made.body.find("\"key\":\"") + 7;
  const std::string search_key = "X-API-Key: " + made.body.substr(at, made.body.find('"', at) - at);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(call("GET", "/search?q=x").status, 401);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(call("GET", "/search?q=x", "", "X-API-Key: tdm_nope_nope\r\n").status, 401);
  EXPECT_EQ(call("GET", "/v1/jobs", "", search_key + "\r\n").status, 403);
  EXPECT_EQ(call("GET", "/search?q=x", "", search_key + "\r\n").status, 200);
  auto text = call("GET", "/metrics", "", admin).body;
  EXPECT_EQ(metric(text, "tandem_auth_refused_total", {{"reason", "no_key"}}), 3) << text;
  EXPECT_EQ(metric(text, "tandem_auth_refused_total", {{"reason", "unknown_key"}}), 2);
  EXPECT_EQ(metric(text, "tandem_auth_refused_total", {{"reason", "scope"}}), 1);
  EXPECT_EQ(metric(text, "tandem_auth_refused_total"), 6);
}

TEST_F(ObservabilityTest, HealthDescribesBackendsAndSinksAndReadyIs200WhenCaughtUp) {
  start();
  ASSERT_EQ(call("POST", kRecords + "?wait=indexed", lamp("a", "1")).status, 200);
  auto health = call("GET", "/health");
  EXPECT_NE(health.body.find(R"({"role":"store","backend":"sqlite","up":true)"), std::string::npos)
      << health.body;
  EXPECT_NE(health.body.find(R"({"role":"search","backend":"xapian","up":true)"),
            std::string::npos);
  EXPECT_NE(health.body.find(R"({"role":"cache","backend":"memory","up":true)"), std::string::npos);
  EXPECT_NE(health.body.find(R"("name":"xapian","applied_seq":1,"lag":0,"lag_seconds":0)"),
            std::string::npos);
  auto ready = call("GET", "/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, R"({"status":"ready"})");
  auto text = scrape();
  EXPECT_EQ(metric(text, "tandem_backend_up"), 3);
  EXPECT_EQ(metric(text, "tandem_sink_lag_records"), 0);
  for (std::string sink : {"xapian", "cache:memory"}) {  // one batch each, of the one record
    EXPECT_EQ(metric(text, "tandem_sink_apply_seconds_count", {{"sink", sink}}), 1) << sink;
    EXPECT_GT(metric(text, "tandem_sink_apply_seconds_sum", {{"sink", sink}}).value_or(0), 0);
  }
  EXPECT_GT(metric(text, "tandem_data_disk_bytes", {{"kind", "size"}}).value_or(0), 0);
  EXPECT_EQ(metric(text, "tandem_job_runs_total"), std::nullopt);  // the job is off here
}

TEST_F(ObservabilityTest, ReadyFollowsPublicProbes) {
  config_.auth.enabled = true;
  config_.auth.admin_key = "observability-admin-key-0123456789";
  config_.auth.public_probes = false;
  start();
  EXPECT_EQ(call("GET", "/ready").status, 401);
  EXPECT_EQ(call("GET", "/health").status, 200);
  EXPECT_EQ(call("GET", "/ready", "", "X-API-Key: " + config_.auth.admin_key + "\r\n").status, 200);
}

// A cache sink held back by a frozen redis-server: the lag in records and seconds rises, the
// cache backend is reported down, sink errors are counted and /ready says why it is 503; once
// Redis thaws, the sink catches up, the lag falls to 0 and /ready is 200 again.
TEST_F(ObservabilityTest, ReadyIs503WhileASinkIsHeldBackAnd200AfterItCatchesUp) {
  testing::RedisServer redis;
  config_.cache.backend = "redis";
  config_.cache.redis.url = "redis://127.0.0.1:" + std::to_string(redis.port());
  config_.cache.redis.command_timeout = 200ms;
  config_.ready.max_lag_records = 5;
  config_.ready.max_lag_seconds = 1;
  config_.ready.probe_interval = 100ms;
  start();
  ASSERT_EQ(call("POST", kRecords + "?wait=indexed", lamp("a", "1")).status, 200);
  ASSERT_TRUE(eventually([&] { return call("GET", "/ready").status == 200; }));

  ASSERT_EQ(::kill(redis.pid(), SIGSTOP), 0);
  std::string body;
  for (int i = 0; i < 10; ++i)
    body += lamp("h" + std::to_string(i), "2") + "\n";
  ASSERT_EQ(call("POST", kRecords, body, "Content-Type: application/x-ndjson\r\n").status, 200);
  testing::HttpResponse ready;
  EXPECT_TRUE(eventually([&] {
    ready = call("GET", "/ready");
    return ready.body.find("oldest unapplied change") != std::string::npos;
  }));
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.header("retry-after"), "5");
  EXPECT_NE(ready.body.find("sink cache:redis is 10 changes behind (ready.max_lag_records = 5)"),
            std::string::npos)
      << ready.body;
  EXPECT_NE(ready.body.find("cache backend redis is down"), std::string::npos) << ready.body;
  auto text = scrape();
  EXPECT_EQ(metric(text, "tandem_sink_lag_records", {{"sink", "cache:redis"}}), 10) << text;
  EXPECT_EQ(metric(text, "tandem_sink_lag_records", {{"sink", "xapian"}}), 0);
  EXPECT_GE(metric(text, "tandem_sink_lag_seconds", {{"sink", "cache:redis"}}).value_or(0), 1);
  EXPECT_EQ(metric(text, "tandem_backend_up", {{"role", "cache"}}), 0);
  EXPECT_GE(metric(text, "tandem_sink_errors_total", {{"sink", "cache:redis"}}).value_or(0), 1);
  auto health = call("GET", "/health").body;
  EXPECT_NE(health.find(R"("name":"cache:redis","applied_seq":1,"lag":10)"), std::string::npos)
      << health;
  EXPECT_NE(health.find(R"({"role":"cache","backend":"redis","up":false)"), std::string::npos);

  ::kill(redis.pid(), SIGCONT);
  EXPECT_TRUE(eventually([&] { return call("GET", "/ready").status == 200; }, 60s))
      << call("GET", "/ready").body;
  text = scrape();
  EXPECT_EQ(metric(text, "tandem_sink_lag_records", {{"sink", "cache:redis"}}), 0);
  EXPECT_EQ(metric(text, "tandem_sink_lag_seconds", {{"sink", "cache:redis"}}), 0);
  EXPECT_EQ(metric(text, "tandem_backend_up", {{"role", "cache"}}), 1);
}

TEST_F(ObservabilityTest, SlowRequestsAreLoggedAgainAsWarnings) {
  config_.log.slow_ms = 50;
  start([](api::Router& router) {
    router.add(api::Method::kGet, "/test/slow", api::public_route(), [](api::Request&) {
      std::this_thread::sleep_for(80ms);
      return api::Response{.body = "{}"};
    });
  });
  ASSERT_EQ(call("GET", "/test/slow?x=1", "", "X-Request-Id: slow-1\r\n").status, 200);
  ASSERT_EQ(call("GET", "/health").status, 200);
  auto lines = sink_->lines();
  int slow = 0;
  for (const auto& l : lines) {
    if (l.find(R"("msg":"slow request")") == std::string::npos) continue;
    ++slow;
    EXPECT_NE(l.find(R"("level":"warn")"), std::string::npos) << l;
    EXPECT_NE(l.find(R"("request_id":"slow-1")"), std::string::npos) << l;
    EXPECT_NE(l.find(R"("route":"/test/slow")"), std::string::npos) << l;
    EXPECT_NE(l.find(R"("query":"x=1")"), std::string::npos) << l;
  }
  EXPECT_EQ(slow, 1);
}

TEST_F(ObservabilityTest, ThePagesAreServedWithTheirTypesAndRevalidated) {
  start();
  auto page = call("GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  EXPECT_NE(page.header("content-security-policy").find("script-src 'self'"), std::string::npos);
  auto etag = page.header("etag");
  ASSERT_FALSE(etag.empty());
  auto again = call("GET", "/", "", "If-None-Match: " + etag + "\r\n");
  EXPECT_EQ(again.status, 304);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(call("GET", "/dashboard").status, 200);
  EXPECT_EQ(call("GET", "/assets/style.css").header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(call("GET", "/assets/nope.js").status, 404);
  EXPECT_EQ(call("GET", "/assets/..%2Fserve.cpp").status, 404);
}

TEST_F(ObservabilityTest, ThePagesCanBeTurnedOff) {
  config_.web.enabled = false;
  start();
  EXPECT_EQ(call("GET", "/").status, 404);
  EXPECT_EQ(call("GET", "/dashboard").status, 404);
}

}  // namespace
}  // namespace tandem
