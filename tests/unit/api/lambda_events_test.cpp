// Lambda payloads as requests and responses as Lambda wants them: the event shapes AWS documents
// for API Gateway REST APIs (payload 1.0), HTTP APIs and function URLs (2.0), and EventBridge.
#include "api/lambda_events.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace tandem::api::lambda {
namespace {

// A REST API proxy event as API Gateway sends it (trimmed of members we do not read).
constexpr std::string_view kRestSearch = R"({
  "resource": "/{proxy+}", "path": "/search", "httpMethod": "GET",
  "headers": {"Host": "abc.execute-api.eu-west-1.amazonaws.com", "X-API-Key": "one"},
  "multiValueHeaders": {"Host": ["abc.execute-api.eu-west-1.amazonaws.com"],
                        "X-API-Key": ["one"], "Accept": ["application/json", "text/html"]},
  "queryStringParameters": {"q": "usb cable", "filter": "price < 10"},
  "multiValueQueryStringParameters": {"q": ["usb cable"], "filter": ["price < 10"]},
  "pathParameters": {"proxy": "search"}, "stageVariables": null,
  "requestContext": {"resourcePath": "/{proxy+}", "httpMethod": "GET", "stage": "prod",
                     "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
                     "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/7.88.1"}},
  "body": null, "isBase64Encoded": false})";

// An HTTP API (and function URL) event, payload format 2.0.
constexpr std::string_view kHttpApiWrite = R"({
  "version": "2.0", "routeKey": "$default", "rawPath": "/v1/collections/products/records",
  "rawQueryString": "wait=indexed&action=upsert",
  "cookies": ["a=1", "b=2"],
  "headers": {"content-type": "application/json", "x-api-key": "two", "accept": "a, b"},
  "queryStringParameters": {"wait": "indexed", "action": "upsert"},
  "requestContext": {"accountId": "123456789012", "apiId": "api-id", "domainName": "x.lambda-url.eu-west-1.on.aws",
                     "http": {"method": "POST", "path": "/v1/collections/products/records",
                              "protocol": "HTTP/1.1", "sourceIp": "198.51.100.4", "userAgent": "agent"},
                     "requestId": "id-2", "routeKey": "$default", "stage": "$default",
                     "time": "12/Mar/2020:19:03:58 +0000", "timeEpoch": 1583348638390},
  "body": "eyJpZCI6InAxIn0=", "isBase64Encoded": true})";

constexpr std::string_view kScheduled = R"({
  "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
  "source": "aws.events", "account": "123456789012", "time": "2026-12-01T00:00:00Z",
  "region": "eu-west-1", "resources": ["arn:aws:events:eu-west-1:123456789012:rule/tandem-prod-generate"],
  "detail": {}})";

HttpEvent http(std::string_view payload) {
  auto e = parse_event(payload);
  EXPECT_TRUE(e) << e.error().message();
  EXPECT_TRUE(std::holds_alternative<HttpEvent>(*e));
  return std::get<HttpEvent>(*e);
}

TEST(LambdaEvents, RestApiEventsBecomeRequests) {
  HttpEvent e = http(kRestSearch);
  EXPECT_EQ(e.version, 1);
  EXPECT_EQ(e.client, "203.0.113.7");
  EXPECT_EQ(e.request_id, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
  Request r = e.request();
  EXPECT_EQ(r.method, Method::kGet);
  EXPECT_EQ(r.path, "/search");
  EXPECT_EQ(r.query_param("q"), "usb cable");        // decoded by API Gateway, encoded again
  EXPECT_EQ(r.query_param("filter"), "price < 10");  // and decoded by us
  EXPECT_EQ(r.header("x-api-key"), "one");
  int accepts = 0;
  for (const auto& [name, value] : r.headers)
    accepts += name == "Accept" ? 1 : 0;
  EXPECT_EQ(accepts, 2);  // every value of a repeated header
  EXPECT_EQ(r.client, "203.0.113.7");
  EXPECT_TRUE(r.body.empty());
}

TEST(LambdaEvents, HttpApiEventsBecomeRequests) {
  HttpEvent e = http(kHttpApiWrite);
  EXPECT_EQ(e.version, 2);
  Request r = e.request();
  EXPECT_EQ(r.method, Method::kPost);
  EXPECT_EQ(r.target, "/v1/collections/products/records?wait=indexed&action=upsert");
  EXPECT_EQ(r.body, R"({"id":"p1"})");  // base64 decoded
  EXPECT_EQ(r.header("cookie"), "a=1; b=2");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.client, "198.51.100.4");
  EXPECT_EQ(e.request_id, "id-2");
}

// HTTP APIs pass the path decoded, REST APIs and function URLs encoded: an encoded path stays as
// it is, a decoded one is made a valid target.
TEST(LambdaEvents, PathsAreValidTargetsEitherWay) {
  auto target = [](std::string_view path) {
    std::string event = R"({"version":"2.0","rawPath":")" + std::string(path) +
                        R"(","rawQueryString":"","requestContext":{"http":{"method":"GET"}}})";
    return http(event).target;
  };
  EXPECT_EQ(target("/v1/collections/products/records/a%2Fb"),
            "/v1/collections/products/records/a%2Fb");
  EXPECT_EQ(target("/records/a b?c#d"), "/records/a%20b%3Fc%23d");
  EXPECT_EQ(target("/records/100%"), "/records/100%25");
  EXPECT_EQ(target("/caf\u00e9"), "/caf%C3%A9");
}

TEST(LambdaEvents, JobsComeFromRulesOrConstantInput) {
  auto scheduled = parse_event(kScheduled);
  ASSERT_TRUE(scheduled) << scheduled.error().message();
  auto& rule = std::get<JobEvent>(*scheduled);
  EXPECT_EQ(rule.rule, "tandem-prod-generate");
  std::vector<std::string> jobs{"generate", "prod-generate-extra", "rate"};
  EXPECT_EQ(job_of(rule, jobs), "generate");  // the stack's prefix before a '-'
  EXPECT_EQ(job_of(rule, {"prod-generate", "generate"}), "prod-generate");  // the longest
  EXPECT_EQ(job_of(JobEvent{.rule = "generate"}, jobs), "generate");
  EXPECT_FALSE(job_of(JobEvent{.rule = "regenerate"}, jobs));  // not after a '-'
  auto input = parse_event(R"({"job":"generate"})");
  ASSERT_TRUE(input);
  EXPECT_EQ(job_of(std::get<JobEvent>(*input), jobs), "generate");
  auto unknown = job_of(JobEvent{.job = "nope"}, jobs);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(unknown.error().message(), "no job named 'nope'");
}

TEST(LambdaEvents, RecordsInvocationsCarryTheirArray) {
  auto e =
      parse_event(R"({"collection": "products", "records": [ {"id": "a", "n": 1}, {"id": "b"} ]})");
  ASSERT_TRUE(e) << e.error().message();
  auto& r = std::get<RecordsEvent>(*e);
  EXPECT_EQ(r.collection, "products");
  EXPECT_EQ(r.records, R"([{"id":"a","n":1},{"id":"b"}])");
}

TEST(LambdaEvents, WhatIsNoEventIsAClearError) {
  struct Case {
    std::string_view payload, message;
  };
  for (const auto& c : std::vector<Case>{
           {"not json", "the payload is not JSON"},
           {"[1]", "the payload is not a JSON object"},
           {R"({"hello":"world"})", "the payload is none of"},
           {R"({"httpMethod":"GET"})", "the event has no 'path'"},
           {R"({"httpMethod":7,"path":"/"})", "'httpMethod' must be a string"},
           {R"({"httpMethod":"GET","path":"/","headers":{"a":1}})",
            "headers values must be strings"},
           {R"({"httpMethod":"GET","path":"/","body":"!!","isBase64Encoded":true})",
            "'body' is not base64"},
           {R"({"version":"2.0","rawPath":"/"})", "no requestContext.http.method"},
           {R"({"source":"aws.events","detail-type":"Scheduled Event","resources":[]})",
            "the scheduled event names no rule"},
           {R"({"job":5})", "'job' must be a string"},
           {R"({"job":""})", "'job' must name a job"},
           {R"({"records":[]})", "a records event has no 'collection'"},
           {R"({"collection":"p","records":{}})", "'records' must be an array"},
       }) {
    auto e = parse_event(c.payload);
    ASSERT_FALSE(e) << c.payload;
    EXPECT_EQ(e.error().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(e.error().message().find(c.message), std::string::npos)
        << c.payload << ": " << e.error().message();
  }
}

TEST(LambdaEvents, ResponsesAsEachPayloadFormatWantsThem) {
  Response res{.status = 404, .body = R"({"error":"x"})"};
  res.headers = {{"Vary", "Accept"}, {"Vary", "Origin"}};
  simdjson::dom::parser parser;
  auto v1 = parser.parse(http_response(res, 1, "r-1"));
  EXPECT_EQ(v1["statusCode"].get_int64().value(), 404);
  EXPECT_EQ(v1["body"].get_string().value(), R"({"error":"x"})");
  EXPECT_FALSE(v1["isBase64Encoded"].get_bool().value());
  EXPECT_EQ(v1["multiValueHeaders"]["X-Request-Id"].at(0).get_string().value(), "r-1");
  EXPECT_EQ(v1["multiValueHeaders"]["Vary"].get_array().size(), 2u);
  EXPECT_EQ(v1["multiValueHeaders"]["Strict-Transport-Security"].at(0).get_string().value(),
            "max-age=31536000");
  std::string v2_text = http_response(res, 2, "r-2");
  auto v2 = parser.parse(v2_text);
  EXPECT_EQ(v2["headers"]["Vary"].get_string().value(), "Accept, Origin");
  EXPECT_EQ(v2["headers"]["Content-Type"].get_string().value(), "application/json");
  Response png{.content_type = "image/png", .body = std::string("\x89PNG\0\1", 6)};
  auto binary = parser.parse(http_response(png, 2, "r-3"));
  EXPECT_TRUE(binary["isBase64Encoded"].get_bool().value());
  EXPECT_EQ(binary["body"].get_string().value(), "iVBORwAB");
  Response page{.content_type = "text/html; charset=utf-8", .body = "<p>hi</p>"};
  EXPECT_FALSE(parser.parse(http_response(page, 2, "r-4"))["isBase64Encoded"].get_bool().value());
}

TEST(LambdaEvents, ErrorReportsAreWhatTheRuntimeApiTakes) {
  simdjson::dom::parser parser;
  auto e = parser.parse(error_report("tandem.InvalidEvent", "bad \"thing\""));
  EXPECT_EQ(e["errorType"].get_string().value(), "tandem.InvalidEvent");
  EXPECT_EQ(e["errorMessage"].get_string().value(), "bad \"thing\"");
  EXPECT_EQ(e["stackTrace"].get_array().size(), 0u);
}

}  // namespace
}  // namespace tandem::api::lambda
