// SigV4 against every header-signing case of AWS's test suite (tests/data/aws-sigv4-test-suite):
// each case's request is parsed from request.txt, signed with its context.json (credentials,
// region, service, time, whether to normalize the path, sign the body, sign the session token),
// and the canonical request, string to sign, signature and Authorization header must equal the
// suite's files byte for byte. Plus what the suite does not cover: OpenSearch's service names
// and a path already percent-encoded (encoded again, as every service but S3 expects).
#include "net/sigv4.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "simdjson.h"

namespace tandem::net {
namespace {

namespace fs = std::filesystem;

const fs::path kSuite = fs::path(TANDEM_TEST_DATA_DIR) / "aws-sigv4-test-suite" / "v4";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// request.txt: "METHOD PATH[?QUERY] HTTP/1.1", header lines (a line starting with a space
// continues the one before), a blank line, the body.
SigV4Request parse_request(const std::string& text) {
  SigV4Request r;
  std::size_t eol = text.find('\n');
  std::string line = text.substr(0, eol);
  auto sp = line.find(' ');
  auto version = line.rfind(" HTTP/");
  r.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1, version - sp - 1);
  auto q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  std::size_t at = eol == std::string::npos ? text.size() : eol + 1;
  while (at < text.size()) {
    eol = text.find('\n', at);
    line = text.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    at = eol == std::string::npos ? text.size() : eol + 1;
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().second += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  static thread_local std::string body;
  body = text.substr(std::min(at, text.size()));
  r.body = body;
  return r;
}

struct Context {
  AwsCredentials credentials;
  SigV4Options options;
  std::chrono::system_clock::time_point now;
};

Context parse_context(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  Context c;
  auto creds = doc["credentials"];
  c.credentials.access_key_id = std::string(std::string_view(creds["access_key_id"]));
  c.credentials.secret_access_key = std::string(std::string_view(creds["secret_access_key"]));
  std::string_view token;
  if (creds["token"].get(token) == simdjson::SUCCESS) c.credentials.session_token = token;
  c.options.region = std::string(std::string_view(doc["region"]));
  c.options.service = std::string(std::string_view(doc["service"]));
  c.options.normalize_path = bool(doc["normalize"]);
  c.options.sign_body = bool(doc["sign_body"]);
  bool omit = false;
  if (doc["omit_session_token"].get(omit) == simdjson::SUCCESS)
    c.options.sign_session_token = !omit;
  std::tm tm{};
  std::istringstream ts{std::string(std::string_view(doc["timestamp"]))};
  ts >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  c.now = std::chrono::system_clock::from_time_t(timegm(&tm));
  return c;
}

std::string authorization(const std::string& signed_request) {
  auto at = signed_request.find("\nAuthorization:");
  auto end = signed_request.find('\n', at + 1);
  return signed_request.substr(at + 15,
                               end == std::string::npos ? std::string::npos : end - at - 15);
}

TEST(SigV4, EveryHeaderSigningCaseOfTheAwsSuite) {
  ASSERT_TRUE(fs::is_directory(kSuite)) << kSuite;
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(kSuite)) {
    if (!entry.is_directory()) continue;
    const fs::path dir = entry.path();
    SCOPED_TRACE(dir.filename().string());
    auto ctx = parse_context(slurp(dir / "context.json"));
    auto request = parse_request(slurp(dir / "request.txt"));
    auto s = sign_v4(request, ctx.credentials, ctx.options, ctx.now);
    EXPECT_EQ(s.canonical_request, slurp(dir / "header-canonical-request.txt"));
    EXPECT_EQ(s.string_to_sign, slurp(dir / "header-string-to-sign.txt"));
    EXPECT_EQ(s.signature, slurp(dir / "header-signature.txt"));
    ASSERT_FALSE(s.headers.empty());
    EXPECT_EQ(s.headers.back().first, "Authorization");
    EXPECT_EQ(s.headers.back().second, authorization(slurp(dir / "header-signed-request.txt")));
    ++cases;
  }
  EXPECT_EQ(cases, 38);
}

TEST(SigV4, OpenSearchRequestsSignTheirPayloadAndAnEncodedPathOnceMore) {
  AwsCredentials creds{.access_key_id = "AKIDEXAMPLE",
                       .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                       .session_token = "token"};
  SigV4Request r{.method = "PUT",
                 .path = "/products-v1/_doc/a%2Fb",
                 .headers = {{"Host", "search-x.eu-west-1.es.amazonaws.com"},
                             {"Content-Type", "application/json"}},
                 .body = R"({"id":"a/b"})"};
  auto now = std::chrono::system_clock::from_time_t(1767225600);  // 2026-01-01T00:00:00Z
  auto s = sign_v4(r, creds, {.region = "eu-west-1", .service = "es"}, now);
  EXPECT_NE(s.canonical_request.find("\n/products-v1/_doc/a%252Fb\n"), std::string::npos)
      << s.canonical_request;
  EXPECT_NE(s.canonical_request.find("x-amz-content-sha256:" + sha256_hex(r.body)),
            std::string::npos);
  EXPECT_NE(s.canonical_request.find("x-amz-security-token:token"), std::string::npos);
  EXPECT_NE(s.headers.back().second.find("/20260101/eu-west-1/es/aws4_request, SignedHeaders="
                                         "content-type;host;x-amz-content-sha256;x-amz-date;"
                                         "x-amz-security-token, Signature="),
            std::string::npos)
      << s.headers.back().second;
  auto aoss = sign_v4(r, creds, {.region = "eu-west-1", .service = "aoss"}, now);
  EXPECT_NE(aoss.signature, s.signature);  // the service is part of the key
  r.body = R"({"id":"a/c"})";
  EXPECT_NE(sign_v4(r, creds, {.region = "eu-west-1", .service = "es"}, now).signature,
            s.signature);  // and so is the payload
}

}  // namespace
}  // namespace tandem::net
