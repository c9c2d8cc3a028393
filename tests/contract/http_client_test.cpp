// The HTTP client against a fault-injecting server on loopback (tests/support/http_fault_server)
// and, for TLS, `openssl s_server` with certificates made at test time: keep-alive, retries on
// 503 and dropped connections for idempotent requests only, Retry-After within the deadline, a
// server that never answers, an endpoint that refuses connections, the prepare hook on every
// attempt, oversize responses, certificate verification.
#include "net/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <map>
#include <thread>

#include "core/base64.h"
#include "net/gzip.h"
#include "net/http_auth.h"
#include "support/http_fault_server.h"
#include "support/redis_server.h"
#include "support/tls_certs.h"

namespace tandem::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::HttpFaultServer;
using testing::HttpStep;
using Kind = testing::HttpStep::Kind;

HttpClientOptions on(std::vector<std::uint16_t> ports) {
  HttpClientOptions o{.request_timeout = 3s, .retry = {.initial = 10ms, .max = 40ms}};
  for (auto p : ports)
    o.endpoints.push_back({.host = "127.0.0.1", .port = p});
  return o;
}

TEST(HttpEndpoint, UrlsParseAndCredentialsAreRefused) {
  auto e = parse_http_endpoint("https://search.example.com/prefix/");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->tls);
  EXPECT_EQ(e->host, "search.example.com");
  EXPECT_EQ(e->port, 443);
  EXPECT_EQ(e->base_path, "/prefix");
  auto v6 = parse_http_endpoint("http://[::1]:9200");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(describe(*v6), "http://[::1]:9200");
  EXPECT_FALSE(parse_http_endpoint("ftp://x"));
  EXPECT_FALSE(parse_http_endpoint("http://:9200"));
  EXPECT_FALSE(parse_http_endpoint("http://h:99999"));
  auto creds = parse_http_endpoint("https://admin:secret@h:9200");
  ASSERT_FALSE(creds);
  EXPECT_EQ(creds.error().message().find("secret"), std::string::npos) << creds.error().message();
}

TEST(HttpClient, KeepsConnectionsAlive) {
  HttpFaultServer server;
  HttpClient client(on({server.port()}));
  for (int i = 0; i < 5; ++i) {
    auto r = client.send({.method = "PUT", .target = "/i/_doc/" + std::to_string(i), .body = "{}"});
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "ok");
  }
  EXPECT_EQ(server.connections(), 1);
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[4].method, "PUT");
  EXPECT_EQ(seen[4].target, "/i/_doc/4");
  EXPECT_EQ(seen[4].header("Content-Length"), "2");
  EXPECT_EQ(seen[4].header("Host"), "127.0.0.1:" + std::to_string(server.port()));
}

TEST(HttpClient, ManyThreadsShareThePool) {
  HttpFaultServer server;
  auto o = on({server.port()});
  o.pool_size = 2;
  HttpClient client(o);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i)
        if (auto r = client.send({.target = "/"}); r && r->status == 200) ++ok;
    });
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(ok.load(), 200);
  EXPECT_LE(server.connections(), 2);
}

// OpenSearch answers HEAD /<index> with the Content-Length of the GET it stands for, and no
// body: the client must not wait for one.
TEST(HttpClient, HeadResponsesHaveNoBody) {
  testing::HttpFaultServer server({{.status = 200, .content_length = 1234}, {.body = "next"}});
  auto o = on({server.port()});
  o.request_timeout = 1s;
  HttpClient client(o);
  auto r = client.send({.method = "HEAD", .target = "/products-v1"});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "");
  auto next = client.send({.target = "/"});  // the connection is still in step
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "next");
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClient, RetriesBusyAnswersOfIdempotentRequestsOnly) {
  HttpFaultServer server(
      {{.status = 503}, {.status = 429}, {.status = 200, .body = "done"}, {.status = 503}});
  HttpClient client(on({server.port()}));
  auto r = client.send({.target = "/_search"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "done");
  EXPECT_EQ(r->attempts, 3);
  auto post = client.send({.method = "POST", .target = "/_doc", .body = "{}", .idempotent = false});
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 503);  // returned as it is: it may have been acted on
  EXPECT_EQ(post->attempts, 1);
}

TEST(HttpClient, ADroppedConnectionIsRetriedOnlyWhenIdempotent) {
  HttpFaultServer server({{.kind = Kind::kDrop}, {.status = 200}, {.kind = Kind::kDrop}});
  HttpClient client(on({server.port()}));
  auto get = client.send({.target = "/"});
  ASSERT_TRUE(get) << get.error().message();
  EXPECT_EQ(get->attempts, 2);
  auto post = client.send({.method = "POST", .body = "x", .idempotent = false});
  ASSERT_FALSE(post);
  EXPECT_NE(post.error().message().find("not idempotent"), std::string::npos)
      << post.error().message();
}

TEST(HttpClient, RetryAfterBeyondTheDeadlineReturnsTheAnswer) {
  HttpFaultServer server({{.status = 429, .headers = {{"Retry-After", "30"}}}});
  auto o = on({server.port()});
  o.request_timeout = 1s;
  HttpClient client(o);
  auto begin = Clock::now();
  auto r = client.send({.target = "/_bulk"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_LT(Clock::now() - begin, 500ms);
}

TEST(HttpClient, AServerThatNeverAnswersEndsAtTheDeadline) {
  HttpFaultServer server({{.kind = Kind::kHang}});
  auto o = on({server.port()});
  o.request_timeout = 300ms;
  HttpClient client(o);
  auto begin = Clock::now();
  auto r = client.send({.target = "/"});
  auto took = Clock::now() - begin;
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("timed out"), std::string::npos) << r.error().message();
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1000ms);
}

TEST(HttpClient, AnEndpointThatRefusesIsPassedOver) {
  HttpFaultServer server;
  HttpClient client(on({testing::free_port(), server.port()}));
  for (int i = 0; i < 4; ++i) {
    auto r = client.send({.target = "/"});
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->endpoint, "http://127.0.0.1:" + std::to_string(server.port()));
  }
  EXPECT_EQ(server.requests().size(), 4u);
  auto o = on({testing::free_port()});
  o.retry = {.initial = 2000ms, .max = 4000ms};
  HttpClient nowhere(o);
  auto r = nowhere.send({.target = "/"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("cannot connect"), std::string::npos) << r.error().message();
  auto begin = Clock::now();  // every endpoint down: at once, until its backoff has passed
  auto again = nowhere.send({.target = "/"});
  EXPECT_LT(Clock::now() - begin, 50ms);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message().find("next try in"), std::string::npos)
      << again.error().message();
}

TEST(HttpClient, EveryAttemptIsPreparedAfresh) {
  HttpFaultServer server({{.status = 502}, {.status = 200}});
  auto o = on({server.port()});
  int calls = 0;
  o.prepare = [&](HttpRequest& r, const HttpEndpoint&) {
    r.headers.emplace_back("X-Attempt", std::to_string(++calls));
    return calls <= 3 ? core::Status() : core::unavailable("no credentials to sign with");
  };
  HttpClient client(o);
  ASSERT_TRUE(client.send({.target = "/"}));
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].header("X-Attempt"), "1");
  EXPECT_EQ(seen[1].header("X-Attempt"), "2");
  // A hook that fails ends the call with its reason, sending nothing; the connection stays usable.
  auto unsigned_call = client.send({.target = "/"});
  ASSERT_TRUE(unsigned_call);
  auto refused = client.send({.target = "/"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "no credentials to sign with");
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(HttpClient, LargeBodiesGoCompressedAndAreSignedAsSent) {
  HttpFaultServer server;
  auto o = on({server.port()});
  o.gzip_from_bytes = 100;
  std::string hashed;
  o.prepare = [&](HttpRequest& r, const HttpEndpoint&) {
    hashed = sha256_hex(r.body);
    return core::Status();
  };
  HttpClient client(o);
  std::string big(5000, 'x');
  ASSERT_TRUE(client.send({.method = "POST", .target = "/_bulk", .body = big}));
  ASSERT_TRUE(client.send({.method = "POST", .target = "/_bulk", .body = "small"}));
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].header("Content-Encoding"), "gzip");
  EXPECT_LT(seen[0].body.size(), 200u);
  EXPECT_EQ(*gunzip(seen[0].body), big);
  EXPECT_EQ(seen[1].header("Content-Encoding"), "");
  EXPECT_EQ(seen[1].body, "small");
  EXPECT_EQ(hashed, sha256_hex("small"));  // the prepare hook saw the bytes sent
}

TEST(HttpAuth, BasicAuthorizationOnEveryRequest) {
  HttpFaultServer server;
  auto o = on({server.port()});
  o.prepare = basic_auth("admin", "s3cret:x");
  HttpClient client(o);
  ASSERT_TRUE(client.send({.target = "/"}));
  EXPECT_EQ(server.requests().at(0).header("Authorization"),
            "Basic " + core::base64("admin:s3cret:x"));
}

// What reaches the server is what was signed: the signature recomputed from the request as the
// server saw it (gzip body, Host, the base path) matches, with the provider's credentials.
TEST(HttpAuth, SigV4SignsWhatIsSent) {
  HttpFaultServer server;
  auto o = on({server.port()});
  o.endpoints[0].base_path = "/os";
  o.gzip_from_bytes = 10;
  std::map<std::string, std::string> env{{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                         {"AWS_SECRET_ACCESS_KEY", "secret"},
                                         {"AWS_SESSION_TOKEN", "token"}};
  auto provider = AwsCredentialsProvider::from_environment(
      [&](std::string_view k) -> std::optional<std::string> {
        auto it = env.find(std::string(k));
        return it == env.end() ? std::nullopt : std::optional(it->second);
      });
  ASSERT_TRUE(provider) << provider.error().message();
  std::shared_ptr<AwsCredentialsProvider> shared(std::move(*provider));
  SigV4Options sig{.region = "eu-west-1", .service = "es"};
  o.prepare = sigv4_auth(shared, sig);
  HttpClient client(o);
  ASSERT_TRUE(client.send({.method = "POST",
                           .target = "/tandem-books/_search?size=1",
                           .headers = {{"Content-Type", "application/json"}},
                           .body = R"({"query":{"match_all":{}}})"}));
  auto seen = server.requests().at(0);
  EXPECT_EQ(seen.header("Content-Encoding"), "gzip");
  HeaderList unsigned_headers;
  for (const auto& [k, v] : seen.headers)
    if (k != "Authorization" && !k.starts_with("X-Amz-")) unsigned_headers.emplace_back(k, v);
  std::tm tm{};
  std::string date = seen.header("X-Amz-Date");
  ASSERT_EQ(date.size(), 16u);
  ::strptime(date.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  auto when = std::chrono::system_clock::from_time_t(::timegm(&tm));
  auto again = sign_v4({.method = "POST",
                        .path = "/os/tandem-books/_search",
                        .query = "size=1",
                        .headers = unsigned_headers,
                        .body = seen.body},
                       {"AKIDEXAMPLE", "secret", "token"}, sig, when);
  EXPECT_EQ(seen.header("Authorization"), again.headers.back().second);
  EXPECT_EQ(seen.header("X-Amz-Security-Token"), "token");
  EXPECT_EQ(seen.header("X-Amz-Content-Sha256"), sha256_hex(seen.body));
}

TEST(HttpClient, OversizeResponsesAreErrors) {
  HttpFaultServer server({{.body = std::string(5000, 'x')}});
  auto o = on({server.port()});
  o.max_response_bytes = 1000;
  HttpClient client(o);
  auto r = client.send({.target = "/"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("larger than 1000"), std::string::npos) << r.error().message();
}

// `openssl s_server -www` answers GET / with a status page over TLS.
class HttpsServer {
 public:
  explicit HttpsServer(const testing::TestCertificates& certs) : port_(testing::free_port()) {
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept",
               std::to_string(port_).c_str(), "-cert", certs.server_cert().c_str(), "-key",
               certs.server_key().c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100 && !accepts(); ++i)  // up to 5 s to listen
      std::this_thread::sleep_for(50ms);
  }
  bool accepts() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }
  ~HttpsServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
};

TEST(HttpClient, HttpsVerifiesTheServer) {
  testing::TestCertificates certs;
  HttpsServer server(certs);
  auto o = on({});
  o.endpoints.push_back({.tls = true, .host = "localhost", .port = server.port()});
  auto tls = TlsContext::load({.ca_file = certs.ca()});
  ASSERT_TRUE(tls);
  o.tls = *tls;
  HttpClient client(o);
  auto r = client.send({.target = "/"});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  testing::TestCertificates other("another CA");
  auto wrong = TlsContext::load({.ca_file = other.ca()});
  o.tls = *wrong;
  o.max_attempts = 1;
  HttpClient refused(o);
  auto f = refused.send({.target = "/"});
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message().find("certificate verify failed"), std::string::npos)
      << f.error().message();
}

}  // namespace
}  // namespace tandem::net
