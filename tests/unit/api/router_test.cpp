#include "api/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "support/log_sinks.h"

namespace tandem::api {
namespace {

Request make(Method m, std::string_view target) {
  Request req;
  req.method = m;
  req.target = target;
  std::tie(req.path, req.query) = split_target(target);
  return req;
}

Response text(std::string body) {
  return Response{.content_type = "text/plain", .body = body};
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add(Method::kGet, "/health", public_route(), [](Request&) { return text("health"); });
    router_.add(Method::kGet, "/v1/collections/{c}/records/{id}", public_route(), [](Request& r) {
      return text(std::string(*r.param("c")) + "/" + std::string(*r.param("id")));
    });
    router_.add(Method::kDelete, "/v1/collections/{c}/records/{id}", public_route(),
                [](Request&) { return text("deleted"); });
    router_.add(Method::kPost, "/boom", public_route(),
                [](Request&) -> Response { throw std::runtime_error("secret internal detail"); });
  }
  std::shared_ptr<testing::CollectingSink> lines_ = std::make_shared<testing::CollectingSink>();
  obs::Logger log_{obs::Level::kInfo, obs::Format::kJson, lines_};
  Router router_{&log_};
};

TEST_F(RouterTest, MatchesLiteralRoutes) {
  auto req = make(Method::kGet, "/health?verbose=1");
  int route = -2;
  Response res = dispatch(router_, req, &route);
  EXPECT_EQ(route, 0);
  EXPECT_EQ(res.body, "health");
}

TEST_F(RouterTest, CapturesAndDecodesParameters) {
  auto req = make(Method::kGet, "/v1/collections/products/records/a%2Fb%20c");
  int route = -1;
  EXPECT_EQ(dispatch(router_, req, &route).body, "products/a/b c");
  EXPECT_EQ(route, 1);
}

TEST_F(RouterTest, UnknownPathIs404Json) {
  for (auto target : {"/nope", "/health/extra", "/v1/collections/products/records/", "/"}) {
    auto req = make(Method::kGet, target);
    int route = 0;
    Response res = dispatch(router_, req, &route);
    EXPECT_EQ(res.status, 404) << target;
    EXPECT_EQ(route, -1);
    EXPECT_NE(res.body.find(R"("code":"not_found")"), std::string::npos);
  }
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  auto req = make(Method::kPut, "/v1/collections/p/records/1");
  int route = 0;
  Response res = dispatch(router_, req, &route);
  EXPECT_EQ(res.status, 405);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].first, "Allow");
  EXPECT_EQ(res.headers[0].second, "GET, HEAD, DELETE");
  EXPECT_NE(res.body.find(R"("code":"method_not_allowed")"), std::string::npos);
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  auto req = make(Method::kHead, "/health");
  int route = -1;
  EXPECT_EQ(dispatch(router_, req, &route).status, 200);
  EXPECT_EQ(route, 0);
}

TEST_F(RouterTest, ThrowingHandlerIs500WithoutDetails) {
  auto req = make(Method::kPost, "/boom");
  int route = -1;
  Response res = dispatch(router_, req, &route);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body.find("secret"), std::string::npos);
}

// The client learns nothing, the operator everything: the exception is logged with the request
// id and the route.
TEST_F(RouterTest, ThrowingHandlerIsLoggedWithRequestIdAndRoute) {
  auto req = make(Method::kPost, "/boom");
  req.request_id = "req-42";
  int route = -1;
  ASSERT_EQ(dispatch(router_, req, &route).status, 500);
  auto lines = lines_->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(R"("msg":"handler threw")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(R"("request_id":"req-42")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(R"("route":"/boom")"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("secret internal detail"), std::string::npos) << lines[0];
}

TEST_F(RouterTest, ThrowingAsyncHandlerIs500AndLogged) {
  router_.add_async(Method::kPost, "/later", public_route(),
                    [](Request&, Responder) { throw std::runtime_error("async detail"); });
  router_.add_async(Method::kPost, "/answered", public_route(), [](Request&, Responder respond) {
    respond(text("fine"));
    throw std::runtime_error("after the answer");
  });
  auto req = make(Method::kPost, "/later");
  int route = -1;
  Response res = dispatch(router_, req, &route);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body.find("async detail"), std::string::npos);
  auto answered = make(Method::kPost, "/answered");
  EXPECT_EQ(dispatch(router_, answered, &route).status, 200);  // answered once, not twice
  auto lines = lines_->lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("async detail"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("after the answer"), std::string::npos) << lines[1];
}

}  // namespace
}  // namespace tandem::api
