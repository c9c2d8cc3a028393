#include "api/http.h"

#include <gtest/gtest.h>

#include "api/errors.h"

namespace tandem::api {
namespace {

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(percent_decode("usb%20cable", false), "usb cable");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("%E2%82%AC", false), "\xe2\x82\xac");
  EXPECT_EQ(percent_decode("100%", false), "100%");    // dangling
  EXPECT_EQ(percent_decode("%zz%4", false), "%zz%4");  // invalid escapes kept
}

TEST(Request, QueryParametersAreDecoded) {
  Request req;
  std::tie(req.path, req.query) = split_target("/search?q=usb+cable&page=2&empty&x=%26");
  EXPECT_EQ(req.path, "/search");
  EXPECT_EQ(req.query_param("q"), "usb cable");
  EXPECT_EQ(req.query_param("page"), "2");
  EXPECT_EQ(req.query_param("empty"), "");
  EXPECT_EQ(req.query_param("x"), "&");
  EXPECT_EQ(req.query_param("missing"), std::nullopt);
}

TEST(Request, HeadersAreCaseInsensitive) {
  Request req;
  req.headers = {{"X-Request-Id", "abc"}, {"content-type", "application/json"}};
  EXPECT_EQ(req.header("x-request-id"), "abc");
  EXPECT_EQ(req.header("Content-Type"), "application/json");
  EXPECT_EQ(req.header("Accept"), std::nullopt);
}

TEST(Methods, RoundTrip) {
  for (auto m : {Method::kGet, Method::kHead, Method::kPost, Method::kPut, Method::kPatch,
                 Method::kDelete, Method::kOptions}) {
    EXPECT_EQ(parse_method(method_name(m)), m);
  }
  EXPECT_EQ(parse_method("BREW"), Method::kOther);
  EXPECT_EQ(parse_method("get"), Method::kOther);  // methods are case-sensitive
}

TEST(Errors, StatusCodesMapOnce) {
  using core::StatusCode;
  EXPECT_EQ(http_status(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(http_status(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(http_status(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(http_status(StatusCode::kNotFound), 404);
  EXPECT_EQ(http_status(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(http_status(StatusCode::kPayloadTooLarge), 413);
  EXPECT_EQ(http_status(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(http_status(StatusCode::kInternal), 500);
  EXPECT_EQ(http_status(StatusCode::kUnavailable), 503);
}

TEST(Errors, BodyCarriesCodeAndMessage) {
  Response res = error_response(core::invalid_argument("bad \"q\""));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"error":{"code":"invalid_argument","message":"bad \"q\""}})");
}

TEST(SerializeHead, StatusLineHeadersAndLength) {
  Response res{.status = 404, .body = "{}", .headers = {{"Retry-After", "1"}}};
  std::string head = serialize_head(res, {.version = 11,
                                          .keep_alive = true,
                                          .date = "Tue, 01 Dec 2026 07:00:00 GMT",
                                          .request_id = "r-1",
                                          .content_length = 2});
  EXPECT_EQ(head,
            "HTTP/1.1 404 Not Found\r\nServer: tandem\r\nDate: Tue, 01 Dec 2026 07:00:00 GMT\r\n"
            "Content-Type: application/json\r\nX-Request-Id: r-1\r\n"
            "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
            "Referrer-Policy: no-referrer\r\nRetry-After: 1\r\nContent-Length: 2\r\n\r\n");
  // Over HTTPS, browsers are told to keep to it.
  EXPECT_NE(serialize_head(res, {.content_length = 2, .tls = true})
                .find("\r\nStrict-Transport-Security: max-age=31536000\r\n"),
            std::string::npos);
  EXPECT_EQ(head.find("Strict-Transport-Security"), std::string::npos);
}

// Connection is said only where it differs from the version's default; 204 has no length.
TEST(SerializeHead, ConnectionAndNoContent) {
  Response ok{};
  auto has = [](const std::string& head, std::string_view line) {
    return head.find(line) != std::string::npos;
  };
  EXPECT_TRUE(has(serialize_head(ok, {.version = 11, .keep_alive = false, .content_length = 0}),
                  "\r\nConnection: close\r\n"));
  EXPECT_FALSE(has(serialize_head(ok, {.version = 11, .keep_alive = true, .content_length = 0}),
                   "Connection"));
  EXPECT_TRUE(has(serialize_head(ok, {.version = 10, .keep_alive = true, .content_length = 0}),
                  "HTTP/1.0 200 OK\r\n"));
  EXPECT_TRUE(has(serialize_head(ok, {.version = 10, .keep_alive = true, .content_length = 0}),
                  "\r\nConnection: keep-alive\r\n"));
  Response none{.status = 204};
  EXPECT_FALSE(has(serialize_head(none, {.content_length = 0}), "Content-Length"));
  EXPECT_TRUE(has(serialize_head(none, {.content_length = 0}), "HTTP/1.1 204 No Content\r\n"));
}

}  // namespace
}  // namespace tandem::api
