// The Redis backend beyond the CacheBackend contract, against real redis-server processes on
// loopback: the key layout an operator reads with redis-cli, expiry in Redis's own time, the
// script sent whole after SCRIPT FLUSH, logins refused without echoing the password, and the
// faults: nothing listening, a frozen server (SIGSTOP), a restart, a server speaking garbage;
// TLS refusing what it must (an unknown CA, a wrong name, a missing client certificate).
#include "cache/redis/redis_cache.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "net/redis_client.h"
#include "support/redis_server.h"
#include "support/tls_certs.h"

namespace tandem::cache {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::unique_ptr<RedisCache> cache_on(std::uint16_t port, net::RedisClientOptions o = {},
                                     RedisCacheOptions c = {}) {
  o.server = {.host = "127.0.0.1", .port = port};
  return std::make_unique<RedisCache>(std::make_unique<net::RedisClient>(o), c);
}

TEST(RedisCache, RedisCliReadsTheDocumentedLayout) {
  testing::RedisServer server;
  auto c = cache_on(server.port(), {}, {.prefix = "tandem:", .tombstone_ttl = 5000ms});
  ASSERT_TRUE(c->set("products/p1", R"({"id":"p1","price":19.99})", 7, 0ms).is_ok());
  EXPECT_EQ(server.cli({"HGET", "tandem:products/p1", "d"}), "{\"id\":\"p1\",\"price\":19.99}\n");
  EXPECT_EQ(server.cli({"HGET", "tandem:products/p1", "v"}), "7\n");
  auto ttl = std::stoll(server.cli({"PTTL", "tandem:products/p1"}));
  EXPECT_GT(ttl, 3000 * 1000 * 0.85);  // cache.ttl (one hour), jittered by up to 10%
  ASSERT_TRUE(c->remove("products/p1", 8).is_ok());
  EXPECT_EQ(server.cli({"HEXISTS", "tandem:products/p1", "d"}), "0\n");  // a tombstone
  EXPECT_EQ(server.cli({"HGET", "tandem:products/p1", "v"}), "8\n");
  EXPECT_LE(std::stoll(server.cli({"PTTL", "tandem:products/p1"})), 5000);
}

TEST(RedisCache, EntriesExpireInRedisTime) {
  testing::RedisServer server;
  auto c = cache_on(server.port());
  ASSERT_TRUE(c->set("short", "s", 1, 100ms).is_ok());
  ASSERT_TRUE(c->set("long", "l", 1, 0ms).is_ok());
  EXPECT_TRUE(*c->get("short"));
  std::this_thread::sleep_for(400ms);  // past the TTL and its jitter
  EXPECT_FALSE(*c->get("short"));
  EXPECT_TRUE(*c->get("long"));
}

// After SCRIPT FLUSH (or a restart) EVALSHA answers NOSCRIPT: the script goes whole, once.
TEST(RedisCache, AFlushedScriptIsSentAgain) {
  testing::RedisServer server;
  auto c = cache_on(server.port());
  ASSERT_TRUE(c->set("k", "1", 1, 0ms).is_ok());
  EXPECT_EQ(server.cli({"SCRIPT", "FLUSH"}), "OK\n");
  ASSERT_TRUE(c->set("k", "2", 2, 0ms).is_ok());
  EXPECT_EQ((*c->get("k"))->value, "2");
  ASSERT_TRUE(c->set("k", "old", 1, 0ms).is_ok());  // the script, not a plain write, ran
  EXPECT_EQ((*c->get("k"))->value, "2");
  EXPECT_EQ(server.cli({"SCRIPT", "FLUSH"}), "OK\n");  // and in a batch of writes
  std::vector<CacheWrite> writes{{.key = "k", .value = "3", .version = 3},
                                 {.key = "j", .value = "1", .version = 1},
                                 {.key = "k", .value = "older", .version = 2}};
  ASSERT_TRUE(c->write_many(writes).is_ok());
  EXPECT_EQ((*c->get("k"))->value, "3");
  EXPECT_EQ((*c->get("j"))->value, "1");
}

TEST(RedisCache, ARefusedLoginSaysWhyWithoutThePassword) {
  testing::RedisServer server({"--requirepass", "right-one"});
  auto c = cache_on(server.port(), {.password = "wrong-one"});
  auto r = c->get("k");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), core::StatusCode::kUnavailable);
  EXPECT_NE(r.error().message().find("AUTH refused"), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find("wrong-one"), std::string::npos) << r.error().message();
  auto none = cache_on(server.port());  // no password at all
  ASSERT_FALSE(none->get("k"));
}

// Nothing listens: the first call fails within the connect timeout, the next ones at once while
// the reconnect backoff runs.
TEST(RedisCache, AnUnreachableServerFailsFast) {
  auto c = cache_on(testing::free_port(),
                    {.connect_timeout = 500ms, .reconnect = {.initial = 2000ms, .max = 4000ms}});
  auto first = c->set("k", "v", 1, 0ms);
  ASSERT_FALSE(first.is_ok());
  EXPECT_NE(first.message().find("cannot connect"), std::string::npos) << first.message();
  auto begin = Clock::now();
  auto again = c->get("k");
  EXPECT_LT(Clock::now() - begin, 50ms);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message().find("next try in"), std::string::npos)
      << again.error().message();
}

// A frozen server (SIGSTOP): calls end at their deadline, they do not hang.
TEST(RedisCache, AFrozenServerTimesOutAtTheDeadline) {
  testing::RedisServer server;
  auto c = cache_on(server.port(), {.command_timeout = 200ms});
  ASSERT_TRUE(c->set("k", "v", 1, 0ms).is_ok());
  ASSERT_EQ(::kill(server.pid(), SIGSTOP), 0);
  auto begin = Clock::now();
  auto r = c->get("k");
  auto took = Clock::now() - begin;
  ::kill(server.pid(), SIGCONT);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("timed out"), std::string::npos) << r.error().message();
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 1500ms);
  for (int i = 0; i < 50 && !c->get("k"); ++i)  // the server thawed: served again
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ((*c->get("k"))->value, "v");
}

// The check is a lookup within the command timeout: it fails for a frozen server, at the deadline,
// and passes again once it thaws.
TEST(RedisCache, TheCheckFailsForAFrozenServerAndPassesOnceItAnswers) {
  testing::RedisServer server;
  auto c = cache_on(server.port(), {.command_timeout = 200ms});
  ASSERT_TRUE(c->check().is_ok());
  ASSERT_EQ(::kill(server.pid(), SIGSTOP), 0);
  auto begin = Clock::now();
  auto st = c->check();
  auto took = Clock::now() - begin;
  ::kill(server.pid(), SIGCONT);
  EXPECT_FALSE(st.is_ok());
  EXPECT_LT(took, 1500ms);
  bool passed = false;
  for (int i = 0; i < 100 && !passed; ++i) {
    passed = c->check().is_ok();
    if (!passed) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(passed);
}

// A restart: the pooled connections are dead; the client reconnects (after its backoff) and the
// script, gone with the old process, is sent again.
TEST(RedisCache, ARestartedServerIsUsedAgain) {
  auto server = std::make_unique<testing::RedisServer>();
  std::uint16_t port = server->port();
  auto c = cache_on(port, {.reconnect = {.initial = 50ms, .max = 100ms}});
  ASSERT_TRUE(c->set("k", "v1", 1, 0ms).is_ok());
  server.reset();
  EXPECT_FALSE(c->get("k"));
  server = std::make_unique<testing::RedisServer>(std::vector<std::string>{}, port);
  core::Status st = core::unavailable("not tried");
  for (int i = 0; i < 100 && !st.is_ok(); ++i) {
    st = c->set("k", "v2", 2, 0ms);
    if (!st.is_ok()) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(st.is_ok()) << st.message();
  EXPECT_EQ((*c->get("k"))->value, "v2");
}

// After a restart every kept connection is dead: the first call still succeeds, on a new one.
TEST(RedisCache, TheFirstCallAfterARestartSucceeds) {
  auto server = std::make_unique<testing::RedisServer>();
  std::uint16_t port = server->port();
  auto c = cache_on(port);
  std::vector<std::thread> readers;  // several calls at once: several kept connections
  for (int i = 0; i < 4; ++i)
    readers.emplace_back([&] {
      for (int j = 0; j < 50; ++j)
        EXPECT_TRUE(c->get("k"));
    });
  for (auto& t : readers)
    t.join();
  server.reset();
  server = std::make_unique<testing::RedisServer>(std::vector<std::string>{}, port);
  auto st = c->set("k", "v", 1, 0ms);
  EXPECT_TRUE(st.is_ok()) << st.message();
}

// A server that answers with something that is not RESP, or with a reply over the bound: an
// error, never a crash or a hang.
TEST(RedisCache, GarbageAndOversizeRepliesAreErrors) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  std::thread fake([listener] {
    for (std::string answer :
         {std::string("hello there\r\n"), "$999999\r\n" + std::string(2000, 'x')}) {
      int fd = ::accept(listener, nullptr, nullptr);
      char buf[256];
      (void)::read(fd, buf, sizeof buf);  // the command
      (void)::write(fd, answer.data(), answer.size());
      std::this_thread::sleep_for(300ms);
      ::close(fd);
    }
  });
  auto c = cache_on(ntohs(addr.sin_port), {.client_name = "",  // no login exchange
                                           .command_timeout = 2000ms,
                                           .reconnect = {.initial = 1ms, .max = 1ms},
                                           .max_reply_bytes = 1000});
  auto garbage = c->get("k");
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message().find("protocol error"), std::string::npos)
      << garbage.error().message();
  auto oversize = c->get("k");
  ASSERT_FALSE(oversize);
  EXPECT_NE(oversize.error().message().find("larger than 1000"), std::string::npos)
      << oversize.error().message();
  fake.join();
  ::close(listener);
}

// The asynchronous lookups' faults: a frozen server fails each within its deadline, and once it
// thaws the next ones are answered; a restart breaks the connection, and lookups queued after it
// are answered on a new one; a client closed with lookups pending answers each of them.
struct AsyncAnswer {
  std::promise<core::Result<std::optional<CacheEntry>>> promise;
  std::future<core::Result<std::optional<CacheEntry>>> future = promise.get_future();
  CacheBackend::GetDone done() {
    return [this](core::Result<std::optional<CacheEntry>> r) { promise.set_value(std::move(r)); };
  }
};

// Asynchronous lookups of `key`, 20 ms apart while they fail (up to 2 s), until one answers:
// the first answer.
core::Result<std::optional<CacheEntry>> first_hit(CacheBackend& c, const std::string& key) {
  core::Result<std::optional<CacheEntry>> r = core::fail(core::unavailable("not asked"));
  for (int i = 0; i < 100 && !(r && *r); ++i) {
    AsyncAnswer a;
    c.get_async(key, a.done());
    r = a.future.get();
    if (!r) std::this_thread::sleep_for(20ms);
  }
  return r;
}

TEST(RedisCacheAsync, AFrozenServerFailsLookupsAtTheirDeadline) {
  testing::RedisServer server;
  auto c = cache_on(server.port(), {.command_timeout = 200ms});
  ASSERT_TRUE(c->set("k", "v", 1, 0ms).is_ok());
  AsyncAnswer warm;
  c->get_async("k", warm.done());
  ASSERT_TRUE(warm.future.get());
  ASSERT_EQ(::kill(server.pid(), SIGSTOP), 0);
  std::vector<std::unique_ptr<AsyncAnswer>> frozen;
  auto begin = Clock::now();
  for (int i = 0; i < 20; ++i) {
    frozen.push_back(std::make_unique<AsyncAnswer>());
    c->get_async("k", frozen.back()->done());
  }
  for (auto& a : frozen) {
    ASSERT_EQ(a->future.wait_for(2s), std::future_status::ready);
    auto r = a->future.get();
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("timed out"), std::string::npos) << r.error().message();
  }
  auto took = Clock::now() - begin;
  ::kill(server.pid(), SIGCONT);
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 1000ms);
  auto after = first_hit(*c, "k");
  ASSERT_TRUE(after && *after) << (after ? "a miss" : after.error().message());
  EXPECT_EQ((*after)->value, "v");
}

TEST(RedisCacheAsync, LookupsAfterARestartAreAnsweredOnANewConnection) {
  auto server = std::make_unique<testing::RedisServer>();
  std::uint16_t port = server->port();
  auto c = cache_on(port, {.reconnect = {.initial = 20ms, .max = 50ms}});
  AsyncAnswer first;
  c->get_async("k", first.done());
  ASSERT_TRUE(first.future.get());
  server.reset();
  server = std::make_unique<testing::RedisServer>(std::vector<std::string>{}, port);
  ASSERT_TRUE(c->set("k", "v2", 2, 0ms).is_ok());
  auto r = first_hit(*c, "k");
  ASSERT_TRUE(r && *r) << (r ? "a miss" : r.error().message());
  EXPECT_EQ((*r)->value, "v2");
}

TEST(RedisCacheAsync, AnUnreachableServerFailsLookupsFast) {
  auto c = cache_on(testing::free_port(),
                    {.connect_timeout = 300ms, .reconnect = {.initial = 2000ms, .max = 4000ms}});
  AsyncAnswer first;
  c->get_async("k", first.done());
  EXPECT_FALSE(first.future.get());
  auto begin = Clock::now();
  AsyncAnswer second;
  c->get_async("k", second.done());
  auto r = second.future.get();
  EXPECT_LT(Clock::now() - begin, 50ms);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("next try in"), std::string::npos) << r.error().message();
}

TEST(RedisCacheAsync, ClosingAnswersPendingLookups) {
  testing::RedisServer server;
  std::vector<std::unique_ptr<AsyncAnswer>> answers;
  {
    auto c = cache_on(server.port(), {.command_timeout = 5s});
    ASSERT_EQ(::kill(server.pid(), SIGSTOP), 0);  // nothing is answered before the close
    for (int i = 0; i < 10; ++i) {
      answers.push_back(std::make_unique<AsyncAnswer>());
      c->get_async("k", answers.back()->done());
    }
  }
  ::kill(server.pid(), SIGCONT);
  for (auto& a : answers) {
    ASSERT_EQ(a->future.wait_for(0s), std::future_status::ready);
    EXPECT_FALSE(a->future.get());
  }
}

// With wait_replicas a write counts once a replica has it: a frozen replica fails the write
// (the cache sink retries it), naming why.
TEST(RedisCache, AWriteWaitsForItsReplica) {
  testing::RedisServer master({"--repl-diskless-sync-delay", "0"});
  testing::RedisServer replica({"--replicaof", "127.0.0.1", std::to_string(master.port())});
  // A new replica gets the write stream from its first ACK on (up to a second after its sync).
  master.cli({"SET", "probe", "1"});
  for (int i = 0; i < 100 && replica.cli({"GET", "probe"}) != "1\n"; ++i)
    std::this_thread::sleep_for(50ms);
  // Redis ends a WAIT at its next cron tick (10 per second) after the timeout: room for it.
  auto c =
      cache_on(master.port(), {.command_timeout = 1s}, {.wait_replicas = 1, .wait_timeout = 200ms});
  auto first = c->set("k", "v1", 1, 0ms);
  ASSERT_TRUE(first.is_ok()) << first.message();
  EXPECT_EQ(replica.cli({"HGET", "tandem:k", "d"}), "v1\n");  // there before the write returned
  ASSERT_EQ(::kill(replica.pid(), SIGSTOP), 0);
  auto begin = Clock::now();
  auto st = c->set("k", "v2", 2, 0ms);
  auto took = Clock::now() - begin;
  ::kill(replica.pid(), SIGCONT);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("0 of 1 replicas within 200 ms"), std::string::npos) << st.message();
  EXPECT_GE(took, 190ms);
  EXPECT_TRUE(c->set("k", "v3", 3, 0ms).is_ok());  // thawed: counted again
}

// A TLS Redis (client certificates required) and a client set up by the test.
class RedisTls : public ::testing::Test {
 protected:
  RedisTls() : tls_port_(testing::free_port()), server_(certs_.redis_args(tls_port_, true)) {}

  // The cache over TLS; `edit` changes the TLS options first.
  core::Result<std::unique_ptr<RedisCache>> cache(
      const std::function<void(net::TlsOptions&)>& edit = {}, std::uint16_t port = 0) {
    net::TlsOptions t{
        .ca_file = certs_.ca(), .cert_file = certs_.client_cert(), .key_file = certs_.client_key()};
    if (edit) edit(t);
    auto tls = net::TlsContext::load(t);
    if (!tls) return core::fail(tls.error());
    return cache_on(port != 0 ? port : tls_port_, {.tls = *tls, .command_timeout = 2s});
  }
  static std::string failure(RedisCache& c) {
    auto r = c.get("k");
    return r ? std::string("succeeded") : r.error().message();
  }

  testing::TestCertificates certs_;
  std::uint16_t tls_port_;
  testing::RedisServer server_;
};

TEST_F(RedisTls, WritesAndReadsOverTls) {
  auto c = cache();
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_TRUE((*c)->set("k", "v", 1, 0ms).is_ok());
  EXPECT_EQ((*(*c)->get("k"))->value, "v");
  EXPECT_EQ(server_.cli({"HGET", "tandem:k", "d"}), "v\n");  // the plain port, for the test
}

TEST_F(RedisTls, AServerNameTheCertificateCarriesIsAccepted) {
  auto c = cache([](net::TlsOptions& t) { t.server_name = "localhost"; });
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE((*c)->set("k", "v", 1, 0ms).is_ok());
}

TEST_F(RedisTls, ACertificateFromAnUnknownCaIsRefused) {
  testing::TestCertificates other("another CA");
  auto c = cache([&](net::TlsOptions& t) { t.ca_file = other.ca(); });
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_NE(failure(**c).find("certificate verify failed"), std::string::npos) << failure(**c);
}

TEST_F(RedisTls, ACertificateForAnotherNameIsRefused) {
  auto c = cache([](net::TlsOptions& t) { t.server_name = "redis.example.com"; });
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_NE(failure(**c).find("certificate verify failed"), std::string::npos) << failure(**c);
}

TEST_F(RedisTls, WithoutAClientCertificateTheServerRefuses) {
  auto c = cache([](net::TlsOptions& t) { t.cert_file = t.key_file = ""; });
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_NE(failure(**c), "succeeded");
}

TEST_F(RedisTls, TlsAndPlainPortsDoNotMix) {
  auto tls_on_plain = cache({}, server_.port());
  ASSERT_TRUE(tls_on_plain) << tls_on_plain.error().message();
  EXPECT_NE(failure(**tls_on_plain).find("TLS handshake"), std::string::npos)
      << failure(**tls_on_plain);
  auto plain_on_tls = cache_on(tls_port_, {.command_timeout = 500ms});
  EXPECT_NE(failure(*plain_on_tls), "succeeded");
}

TEST(TlsContext, UnusableFilesAreStartupErrors) {
  testing::TestCertificates certs;
  auto missing = net::TlsContext::load({.ca_file = "/nonexistent/ca.pem"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("/nonexistent/ca.pem"), std::string::npos);
  auto half = net::TlsContext::load({.ca_file = certs.ca(), .cert_file = certs.client_cert()});
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message().find("both"), std::string::npos);
  auto mismatched = net::TlsContext::load(
      {.ca_file = certs.ca(), .cert_file = certs.client_cert(), .key_file = certs.server_key()});
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().message().find("client key"), std::string::npos)
      << mismatched.error().message();
  EXPECT_TRUE(net::TlsContext::load({.ca_file = certs.ca()}));
}

}  // namespace
}  // namespace tandem::cache
