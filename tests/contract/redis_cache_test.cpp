// The Redis backend beyond the CacheBackend contract, against real redis-server processes on
// loopback: the key layout an operator reads with redis-cli, expiry in Redis's own time, the
// script sent whole after SCRIPT FLUSH, logins refused without echoing the password, and the
// faults: nothing listening, a frozen server (SIGSTOP), a restart, a server speaking garbage.
#include "cache/redis/redis_cache.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/redis_server.h"

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

}  // namespace
}  // namespace tandem::cache
