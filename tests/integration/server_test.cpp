// The whole service in-process on port 0, spoken to over real sockets.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include "app/tools.h"
#include "core/uuid.h"
#include "integration/service_fixture.h"

namespace tandem {
namespace {

using namespace std::chrono_literals;
using testing::http_get;
using testing::HttpConnection;

TEST_F(ServerTest, HealthIsJsonWithRequestId) {
  start();
  auto res = http_get(port_, "/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->header("content-type"), "application/json");
  EXPECT_TRUE(res->body.starts_with(R"({"status":"ok","version":")")) << res->body;
  EXPECT_TRUE(core::is_uuid(res->header("x-request-id"))) << res->header("x-request-id");
  EXPECT_FALSE(res->header("date").empty());
}

TEST_F(ServerTest, ClientRequestIdIsEchoedAndLogged) {
  start();
  auto res = http_get(port_, "/health", "X-Request-Id: trace-42\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->header("x-request-id"), "trace-42");
  auto bad = http_get(port_, "/health", "X-Request-Id: has spaces and \"quotes\"\r\n");
  ASSERT_TRUE(bad);
  EXPECT_TRUE(core::is_uuid(bad->header("x-request-id")));  // replaced, not echoed
  service_->shutdown();
  bool logged = false;
  for (const auto& line : sink_->lines()) {
    logged = logged || (line.find(R"("msg":"request","request_id":"trace-42","method":"GET",)"
                                  R"("path":"/health","status":200)") != std::string::npos);
  }
  EXPECT_TRUE(logged);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  HttpConnection conn(port_);
  for (int i = 0; i < 20; ++i) {
    auto res = conn.request("GET", "/health");
    ASSERT_TRUE(res) << i;
    EXPECT_EQ(res->status, 200);
  }
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  HttpConnection conn(port_);
  std::string req = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(conn.send(req + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" + req));
  EXPECT_EQ(conn.read_response()->status, 200);
  EXPECT_EQ(conn.read_response()->status, 404);
  EXPECT_EQ(conn.read_response()->status, 200);
}

TEST_F(ServerTest, UnknownRouteAndWrongMethodAreJsonErrors) {
  start();
  auto missing = http_get(port_, "/v1/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body,
            R"({"error":{"code":"not_found","message":"no route for /v1/nothing"}})");
  HttpConnection conn(port_);
  auto post = conn.request("POST", "/health", "", "{}");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(post->header("allow"), "GET, HEAD");
  EXPECT_EQ(conn.request("GET", "/health")->status, 200);  // the connection stays usable
}

TEST_F(ServerTest, HeadSendsHeadersOnly) {
  start();
  HttpConnection conn(port_);
  auto head = conn.request("HEAD", "/health");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_GT(std::stoul(head->header("content-length")), 0u);
  auto get = conn.request("GET", "/health");  // the next response parses: no stray body bytes
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
}

TEST_F(ServerTest, MalformedRequestIs400AndClosedWhileOthersAreServed) {
  start();
  HttpConnection bad(port_);
  ASSERT_TRUE(bad.send("THIS IS NOT HTTP\r\n\r\n"));
  auto res = bad.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find(R"("code":"bad_request")"), std::string::npos);
  EXPECT_TRUE(bad.closed_by_peer());
  EXPECT_EQ(http_get(port_, "/health")->status, 200);
}

TEST_F(ServerTest, OversizeHeadersAre431) {
  start();
  HttpConnection conn(port_);
  std::string big(8000, 'a');
  auto res = conn.request("GET", "/health", "X-Big: " + big + "\r\n");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 431);
  EXPECT_TRUE(conn.closed_by_peer());
  EXPECT_EQ(http_get(port_, "/health")->status, 200);
}

TEST_F(ServerTest, OversizeBodyIs413) {
  start();
  HttpConnection conn(port_);
  auto res = conn.request("POST", "/health", "", std::string(100 * 1024, 'x'));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_NE(res->body.find(R"("code":"payload_too_large")"), std::string::npos);
}

TEST_F(ServerTest, ConflictingFramingIsRefused) {
  start();
  HttpConnection both(port_);
  ASSERT_TRUE(
      both.send("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  auto res = both.read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_TRUE(both.closed_by_peer());

  HttpConnection twice(port_);
  ASSERT_TRUE(
      twice.send("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                 "Content-Length: 5\r\n\r\nabcde"));
  EXPECT_EQ(twice.read_response()->status, 400);

  HttpConnection gzip(port_);
  ASSERT_TRUE(gzip.send("POST /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"));
  EXPECT_EQ(gzip.read_response()->status, 400);
  EXPECT_TRUE(gzip.closed_by_peer());
}

TEST_F(ServerTest, SlowRequestIsCutAtTheReadTimeout) {
  start();  // read_timeout is 500ms; the client waits up to 5s
  HttpConnection conn(port_);
  ASSERT_TRUE(conn.send("GET /health HTTP/1.1\r\nHost: x\r\n"));  // headers never finish
  EXPECT_TRUE(conn.closed_by_peer());
  EXPECT_EQ(http_get(port_, "/health")->status, 200);
}

TEST_F(ServerTest, ConnectionsOverTheLimitAreClosed) {
  config_.server.max_connections = 2;
  start();
  HttpConnection a(port_), b(port_);
  ASSERT_EQ(a.request("GET", "/health")->status, 200);
  ASSERT_EQ(b.request("GET", "/health")->status, 200);
  HttpConnection c(port_);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(a.request("GET", "/health")->status, 200);
}

TEST_F(ServerTest, MetricsCountRequestsPerRouteAndStatus) {
  start();
  for (int i = 0; i < 3; ++i)
    http_get(port_, "/health");
  http_get(port_, "/missing");
  auto res = http_get(port_, "/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(
      res->body.find(R"(tandem_http_requests_total{method="GET",route="/health",status="200"} 3)"),
      std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find(R"(route="unmatched",status="404"} 1)"), std::string::npos);
  EXPECT_NE(res->body.find("tandem_http_request_duration_seconds_bucket"), std::string::npos);
}

TEST_F(ServerTest, ShutdownFinishesInFlightRequestsAndClosesIdleOnes) {
  std::promise<void> entered;
  start([&](api::Router& r) {
    r.add(api::Method::kGet, "/slow", api::public_route(), [&](api::Request&) {
      entered.set_value();
      std::this_thread::sleep_for(300ms);
      return api::Response{.body = R"({"slow":true})"};
    });
  });
  HttpConnection idle(port_);
  ASSERT_EQ(idle.request("GET", "/health")->status, 200);

  auto in_flight = std::async(std::launch::async, [&] {
    HttpConnection conn(port_);
    return conn.request("GET", "/slow");
  });
  entered.get_future().wait();
  service_->shutdown();

  auto res = in_flight.get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"slow":true})");
  EXPECT_EQ(res->header("connection"), "close");
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_THROW(HttpConnection{port_}, std::runtime_error);  // no longer accepting
}

TEST_F(ServerTest, ShutdownIsBoundedByTheGracePeriod) {
  config_.server.read_timeout = 30s;
  config_.server.shutdown_grace = 300ms;
  start();
  HttpConnection stalled(port_);
  ASSERT_TRUE(stalled.send("GET /health HTTP/1.1\r\n"));  // a request under way, never finished
  std::this_thread::sleep_for(100ms);
  auto begin = std::chrono::steady_clock::now();
  service_->shutdown();
  auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 5s);
}

// An asynchronous handler that answers after the grace period (a ?wait=indexed write, say) posts
// to the server's threads: shutdown waits for it instead of destroying what it posts to, and the
// late answer is dropped without harm.
TEST_F(ServerTest, ShutdownWaitsForAnAsynchronousHandlerThatAnswersLate) {
  config_.server.shutdown_grace = 100ms;
  std::promise<api::Responder> held;
  start([&](api::Router& r) {
    r.add_async(api::Method::kGet, "/late", api::public_route(),
                [&](api::Request&, api::Responder respond) { held.set_value(std::move(respond)); });
  });
  auto client = std::async(std::launch::async, [&] {
    HttpConnection conn(port_);
    return conn.request("GET", "/late");
  });
  api::Responder respond = held.get_future().get();
  auto stopping = std::async(std::launch::async, [&] { service_->shutdown(); });
  EXPECT_EQ(stopping.wait_for(600ms), std::future_status::timeout)
      << "shutdown returned while a handler had not answered";
  respond(api::Response{.body = R"({"late":true})"});
  EXPECT_EQ(stopping.wait_for(5s), std::future_status::ready);
  client.get();  // the connection was cut at the grace period; whatever it read, it is over
}

// Another process's lock on the data dir is found before anything in it is opened: the store is
// neither created nor migrated (the same for `tandem reindex`).
TEST_F(ServerTest, ALockedDataDirIsRefusedBeforeTheStoreIsOpened) {
  auto lock = app::DirLock::acquire(config_.data.dir);
  ASSERT_TRUE(lock) << lock.error().message();
  auto service = app::Service::create(config_, logger_, clock_);
  ASSERT_FALSE(service);
  EXPECT_EQ(service.error().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(std::filesystem::exists(data_.path() / "tandem.db"));
  EXPECT_EQ(app::reindex(config_, "", false), 1);
  EXPECT_FALSE(std::filesystem::exists(data_.path() / "tandem.db"));
}

// A backend this binary was not built with is a startup error that names the setting and what
// the build has.
TEST_F(ServerTest, ABackendNotBuiltInIsAStartupErrorNamingTheSetting) {
  config_.search.backend = "meilisearch";
  auto service = app::Service::create(config_, logger_, clock_);
  ASSERT_FALSE(service);
  EXPECT_EQ(service.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(service.error().message(),
            "search.backend: 'meilisearch' is not built into this binary; choices: xapian, "
            "native, opensearch");
  config_.search.backend = "xapian";
  config_.cache.backend = "memcached";
  service = app::Service::create(config_, logger_, clock_);
  ASSERT_FALSE(service);
  EXPECT_EQ(service.error().message(),
            "cache.backend: 'memcached' is not built into this binary; choices: memory, redis");
}

TEST_F(ServerTest, LongTargetsAre414AndCorsIsForNamedOriginsOnly) {
  config_.server.max_url_bytes.value = 300;
  config_.server.cors_origins = "https://shop.example";
  start();
  HttpConnection conn(port_);
  auto res = conn.request("GET", "/health?pad=" + std::string(400, 'x'));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 414);
  EXPECT_NE(res->body.find("server.max_url_bytes"), std::string::npos);
  auto from_shop = conn.request("GET", "/health", "Origin: https://shop.example\r\n");
  ASSERT_TRUE(from_shop);
  EXPECT_EQ(from_shop->header("access-control-allow-origin"), "https://shop.example");
  EXPECT_EQ(from_shop->header("vary"), "Origin");
  EXPECT_EQ(from_shop->header("x-content-type-options"), "nosniff");
  auto preflight = conn.request("OPTIONS", "/v1/collections/products/records",
                                "Origin: https://shop.example\r\n"
                                "Access-Control-Request-Method: POST\r\n");
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_NE(preflight->header("access-control-allow-headers").find("X-API-Key"), std::string::npos);
  auto elsewhere = conn.request("GET", "/health", "Origin: https://evil.example\r\n");
  ASSERT_TRUE(elsewhere);
  EXPECT_EQ(elsewhere->header("access-control-allow-origin"), "");
  auto other_preflight = conn.request("OPTIONS", "/health",
                                      "Origin: https://evil.example\r\n"
                                      "Access-Control-Request-Method: GET\r\n");
  ASSERT_TRUE(other_preflight);
  EXPECT_EQ(other_preflight->status, 405);
}

TEST_F(ServerTest, PortInUseIsAClearError) {
  start();
  config_.server.port = port_;
  testing::TempDir other;
  config_.data.dir = other.path().string();
  auto second = app::Service::create(config_, logger_, clock_);
  ASSERT_TRUE(second);
  auto port = (*second)->start();
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().code(), core::StatusCode::kUnavailable);
  EXPECT_NE(port.error().message().find("cannot listen on 127.0.0.1:"), std::string::npos);
}

}  // namespace
}  // namespace tandem
