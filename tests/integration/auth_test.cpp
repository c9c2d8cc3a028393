// Access control over real HTTP, the whole service in-process: every route of the route table ×
// {no key, a wrong key, an expired key, a revoked key, a key of each scope, a key of another
// collection}: 401 and 403 where due, never a 500 and never data in a refusal; scoped search keys
// (a filter AND-ed to every search, facets and `found` included, cached answers kept apart,
// /cache refused); per-key rates with 429, Retry-After and RateLimit-* headers; failed attempts
// limited per address; the key API (the key's text once, never its hash; revocation at once).
#include <gtest/gtest.h>

#include <regex>

#include "access/keys.h"
#include "integration/service_fixture.h"

namespace tandem {
namespace {

using access::Scope;
const std::string kAdmin = "integration-admin-key-0123456789";

std::string product(const std::string& id, const std::string& brand) {
  return R"({"id":")" + id + R"(","name":"Secret lamp )" + id + R"(","category":"home","brand":")" +
         brand + R"(","price":10})";
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class AuthTest : public ServerTest {
 protected:
  void SetUp() override {
    config_.auth.enabled = true;
    config_.auth.admin_key = kAdmin;
    config_.auth.failed_burst = 1000;  // the matrix sends many refused keys from one address
    start();
    for (const auto& [id, brand] : std::vector<std::pair<std::string, std::string>>{
             {"a1", "acme"}, {"a2", "acme"}, {"g1", "globex"}}) {
      auto r =
          call("POST", "/v1/collections/products/records?wait=indexed", kAdmin, product(id, brand));
      ASSERT_EQ(r.status, 200) << r.body;
    }
  }

  testing::HttpResponse call(const std::string& method, const std::string& path,
                             const std::string& key, const std::string& body = "") {
    HttpConnection conn(port_);
    std::string headers = key.empty() ? "" : "X-API-Key: " + key + "\r\n";
    if (!body.empty()) headers += "Content-Type: application/json\r\n";
    auto res = conn.request(method, path, headers, body);
    EXPECT_TRUE(res) << method << " " << path;
    return res ? *res : testing::HttpResponse{};
  }

  std::string make(access::KeySpec spec) {
    auto k = service_->keys().create(std::move(spec));
    EXPECT_TRUE(k) << k.error().message();
    return k ? k->key : "";
  }
};

// A concrete path for a route pattern.
std::string path_of(std::string pattern) {
  for (auto [capture, value] :
       {std::pair{"{c}", "products"}, {"{id}", "a1"}, {"{name}", "generate"}}) {
    for (auto at = pattern.find(capture); at != std::string::npos; at = pattern.find(capture))
      pattern.replace(at, std::string(capture).size(), value);
  }
  if (pattern == "/cache") pattern += "?id=a1";
  return pattern;
}

TEST_F(AuthTest, EveryRouteRefusesWhatItMustAndNothingElse) {
  std::map<std::string, std::string> keys{{"none", ""}, {"wrong", "tdm_aaaaaaaaaaaa_wrong"}};
  keys["expired"] = make({.scopes = 0xff, .expires_at_ms = now_ms() - 1000});
  auto revoked = service_->keys().create({.scopes = 0xff});
  ASSERT_TRUE(revoked);
  ASSERT_TRUE(service_->keys().revoke(revoked->record.id).value());
  keys["revoked"] = revoked->key;
  for (auto s : {Scope::kSearch, Scope::kRead, Scope::kWrite, Scope::kAdmin})
    keys[std::string(access::scope_name(s))] = make({.scopes = static_cast<access::Scopes>(s)});
  keys["books-only"] = make({.scopes = 0x07, .collections = {"books"}});

  int checked = 0;
  for (const auto& route : service_->router().routes()) {
    std::string path = path_of(route.pattern);
    std::string method(api::method_name(route.method));
    // Bodies that would be valid, so that a let-in request is not refused for its body.
    std::string body = route.pattern == "/v1/keys" && method == "POST" ? R"({"scopes":["read"]})"
                       : route.pattern == "/v1/collections" && method == "POST"
                           ? R"({"name":"other","fields":[{"name":"t","type":"text"}]})"
                       : method == "POST" || method == "PUT" || method == "PATCH"
                           ? product("a1", "acme")
                           : "";
    const auto& need = route.access.scope;
    bool names_products =
        route.pattern.find("{c}") != std::string::npos || route.access.collection == "products";
    for (const auto& [who, key] : keys) {
      if (route.pattern == "/v1/keys/{id}" && method == "DELETE") continue;  // would revoke keys
      if (route.pattern == "/v1/collections/{c}" && method == "DELETE") continue;  // and the data
      auto res = call(method, path, key, body);
      SCOPED_TRACE(method + " " + path + " as " + who + " -> " + std::to_string(res.status) + " " +
                   res.body.substr(0, 120));
      ++checked;
      EXPECT_NE(res.status, 500);
      int want = 0;  // 0: let in (any answer but 401/403)
      if (need) {
        bool good = who != "none" && who != "wrong" && who != "expired" && who != "revoked";
        if (!good) {
          want = 401;
        } else if (who == "books-only") {
          want = names_products || *need == Scope::kAdmin ? 403 : 0;
        } else if (who != "admin" && who != std::string(access::scope_name(*need))) {
          want = 403;
        }
      }
      if (want == 0) {
        EXPECT_NE(res.status, 401);
        EXPECT_NE(res.status, 403);
      } else {
        EXPECT_EQ(res.status, want);
        EXPECT_EQ(res.body.find("Secret lamp"), std::string::npos);  // no data in a refusal
        EXPECT_NE(res.body.find("\"error\""), std::string::npos);
      }
    }
  }
  EXPECT_GT(checked, 150);
}

TEST_F(AuthTest, AScopedSearchKeySeesOnlyWhatItsFilterLetsThrough) {
  // The admin's answer is cached first: the scoped key must not get it.
  auto all = call("GET", "/search?q=lamp&facets=brand", kAdmin);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_NE(all.body.find(R"("found":3)"), std::string::npos) << all.body;
  std::string acme =
      make({.scopes = static_cast<access::Scopes>(Scope::kSearch), .filter = "brand = acme"});
  auto scoped = call("GET", "/search?q=lamp&facets=brand", acme);
  ASSERT_EQ(scoped.status, 200) << scoped.body;
  EXPECT_EQ(scoped.header("x-cache"), "miss");
  EXPECT_NE(scoped.body.find(R"("found":2)"), std::string::npos) << scoped.body;
  EXPECT_EQ(scoped.body.find("globex"), std::string::npos) << scoped.body;  // facets too
  auto narrowed = call("GET", "/search?q=*&filter=brand%20%3D%20globex", acme);
  EXPECT_NE(narrowed.body.find(R"("found":0)"), std::string::npos) << narrowed.body;
  auto widened =
      call("GET", "/search?q=*&filter=brand%20%3D%20globex%20OR%20brand%20%3D%20acme", acme);
  EXPECT_NE(widened.body.find(R"("found":2)"), std::string::npos) << widened.body;
  auto cache = call("GET", "/cache?id=g1", acme);
  EXPECT_EQ(cache.status, 403) << cache.body;
  EXPECT_EQ(cache.body.find("Secret lamp"), std::string::npos);
}

TEST_F(AuthTest, AKeyOverItsRateGets429WithRetryAfterAndOthersAreUnaffected) {
  std::string slow =
      make({.scopes = static_cast<access::Scopes>(Scope::kSearch), .rate = 1, .burst = 2});
  std::string other =
      make({.scopes = static_cast<access::Scopes>(Scope::kSearch), .rate = 1, .burst = 2});
  auto first = call("GET", "/search?q=*", slow);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.header("ratelimit-limit"), "2");
  EXPECT_EQ(first.header("ratelimit-remaining"), "1");
  EXPECT_EQ(call("GET", "/search?q=*", slow).status, 200);
  auto over = call("GET", "/search?q=*", slow);
  EXPECT_EQ(over.status, 429) << over.body;
  EXPECT_EQ(over.header("retry-after"), "1");
  EXPECT_EQ(over.header("ratelimit-remaining"), "0");
  EXPECT_NE(over.body.find(R"("code":"rate_limited")"), std::string::npos);
  EXPECT_EQ(call("GET", "/search?q=*", other).status, 200);
}

TEST_F(AuthTest, KeysAreMadeListedAndRevokedThroughTheApi) {
  auto made = call("POST", "/v1/keys", kAdmin,
                   R"({"description":"ci","scopes":["read"],"collections":["products"]})");
  ASSERT_EQ(made.status, 201) << made.body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(made.body, m, std::regex(R"re("key":"(tdm_[a-z0-9_]+)")re")));
  std::string key = m[1];
  std::string id = key.substr(4, 12);
  EXPECT_EQ(made.header("location"), "/v1/keys/" + id);
  EXPECT_EQ(call("GET", "/v1/collections/products/records/a1", key).status, 200);
  auto list = call("GET", "/v1/keys", kAdmin);
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("\"id\":\"" + id + "\""), std::string::npos);
  EXPECT_EQ(list.body.find(key), std::string::npos);                      // the text is shown once
  EXPECT_EQ(list.body.find(access::sha256_hex(key)), std::string::npos);  // and never its hash
  auto bad = call("POST", "/v1/keys", kAdmin, R"({"scopes":["root"]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(call("DELETE", "/v1/keys/" + id, kAdmin).status, 204);
  auto after = call("GET", "/v1/collections/products/records/a1", key);
  EXPECT_EQ(after.status, 401);
  EXPECT_NE(after.body.find("revoked"), std::string::npos);
  EXPECT_EQ(call("DELETE", "/v1/keys/" + id, kAdmin).status, 404);
}

TEST_F(AuthTest, KeylessRequestsAreLimitedPerAddressWhenLetIn) {
  service_.reset();
  config_.auth.anonymous_scopes = "search";
  config_.auth.anonymous_rate = 1;
  config_.auth.anonymous_burst = 2;
  testing::TempDir other;
  config_.data.dir = other.path().string();
  start();
  EXPECT_EQ(call("GET", "/search?q=*", "").status, 200);
  EXPECT_EQ(call("GET", "/search?q=*", "").status, 200);
  auto over = call("GET", "/search?q=*", "");
  EXPECT_EQ(over.status, 429);
  EXPECT_FALSE(over.header("retry-after").empty());
  EXPECT_EQ(call("GET", "/search?q=*", kAdmin).status, 200);  // a key has its own bucket
  EXPECT_EQ(call("POST", "/v1/collections/products/records", "", lamp("x", "1")).status, 401);
}

TEST_F(AuthTest, ProbesArePublicUnlessConfiguredOtherwise) {
  EXPECT_EQ(call("GET", "/metrics", "").status, 200);
  EXPECT_EQ(call("GET", "/health", "").status, 200);
  service_.reset();
  config_.auth.public_probes = false;
  testing::TempDir other;
  config_.data.dir = other.path().string();
  start();
  EXPECT_EQ(call("GET", "/metrics", "").status, 401);
  EXPECT_EQ(call("GET", "/metrics", kAdmin).status, 200);
  EXPECT_EQ(call("GET", "/health", "").status, 200);  // liveness stays public
}

TEST_F(AuthTest, FailedAttemptsAreLimitedPerAddress) {
  service_.reset();  // again, with the default limit on failures
  config_.auth.failed_burst = 5;
  testing::TempDir other;
  config_.data.dir = other.path().string();
  start();
  int limited = 0;
  for (int i = 0; i < 8; ++i) {
    auto r = call("GET", "/search?q=*", "tdm_guess" + std::to_string(i));
    limited += r.status == 429 ? 1 : 0;
    if (r.status == 429) {
      EXPECT_FALSE(r.header("retry-after").empty());
    }
  }
  EXPECT_EQ(limited, 3);
  EXPECT_EQ(call("GET", "/health", "").status, 200);  // public routes are not counted
}

// A canary in every secret setting: none shows up in the log, /health, /metrics, /v1/config or
// any error body, however the requests go.
TEST_F(ServerTest, NoSecretSettingEverShows) {
  const std::string admin = "canary-admin-7f3a9c1e5b2d", redis = "canary-redis-4e8b2a6c",
                    opensearch = "canary-opensearch-9d1f3b5a";
  config_.auth.enabled = true;
  config_.auth.admin_key = admin;
  config_.cache.redis.url = "redis://tandem:" + redis + "@127.0.0.1:1/0";  // set, not used
  config_.search.opensearch.password = opensearch;                         // likewise
  start();
  std::string seen;
  auto get = [&](const std::string& method, const std::string& path, const std::string& headers,
                 const std::string& body = "") {
    HttpConnection conn(port_);
    auto r = conn.request(method, path, headers, body);
    if (r) {
      seen += r->body;
      for (const auto& [k, v] : r->headers)
        seen += k + ": " + v + "\n";
    }
  };
  const std::string as_admin = "X-API-Key: " + admin + "\r\n";
  get("GET", "/health", "");
  get("GET", "/metrics", "");
  get("GET", "/v1/config", as_admin);
  get("GET", "/v1/config", "X-API-Key: " + admin + "x\r\n");          // a near miss: 401
  get("GET", "/v1/keys", "Authorization: Bearer " + admin + "\r\n");  // listed keys
  get("POST", "/v1/keys", as_admin + "Content-Type: application/json\r\n",
      "{\"scopes\":[\"nope\"]}");
  get("POST", "/v1/collections/products/records", as_admin + "Content-Type: application/json\r\n",
      "{bad json");
  get("GET", "/search?q=\"unterminated", as_admin);
  get("GET", "/nope", as_admin);
  service_->shutdown();
  for (const auto& l : sink_->lines())
    seen += l + "\n";
  EXPECT_NE(seen.find("<redacted>"), std::string::npos);  // /v1/config was read
  for (const auto& canary : {admin, redis, opensearch})
    EXPECT_EQ(seen.find(canary), std::string::npos) << canary;
}

}  // namespace
}  // namespace tandem
