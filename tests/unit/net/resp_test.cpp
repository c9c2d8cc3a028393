#include "net/resp.h"

#include <gtest/gtest.h>

#include "net/redis_url.h"

namespace tandem::net {
namespace {

TEST(Resp, EncodesCommandsAsArraysOfBulkStrings) {
  std::string out;
  encode({"HMGET", "tandem:p1", "v"}, out);
  encode({"SET", std::string("a\0b", 3), ""}, out);  // binary-safe, empty arguments too
  using namespace std::string_literals;
  EXPECT_EQ(out,
            "*3\r\n$5\r\nHMGET\r\n$9\r\ntandem:p1\r\n$1\r\nv\r\n"
            "*3\r\n$3\r\nSET\r\n$3\r\na\0b\r\n$0\r\n\r\n"s);
}

// Replies arrive in pieces of any size: they come out whole, in order, each once.
TEST(Resp, ParsesEveryReplyTypeFedByteByByte) {
  std::string wire =
      "+OK\r\n-NOSCRIPT No matching script\r\n:42\r\n$-1\r\n$5\r\nhello\r\n"
      "*2\r\n$1\r\nv\r\n*1\r\n:-7\r\n*-1\r\n";
  ReplyParser p;
  std::vector<Reply> got;
  for (char ch : wire) {
    ASSERT_TRUE(p.feed(std::string_view(&ch, 1)).is_ok());
    for (;;) {
      auto r = p.next();
      ASSERT_TRUE(r) << r.error().message();
      if (!*r) break;
      got.push_back(std::move(**r));
    }
  }
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[0].type, Reply::Type::kStatus);
  EXPECT_EQ(got[0].text, "OK");
  EXPECT_TRUE(got[1].is_error());
  EXPECT_EQ(got[1].text, "NOSCRIPT No matching script");
  EXPECT_EQ(got[2].integer, 42);
  EXPECT_EQ(got[3].type, Reply::Type::kNil);
  EXPECT_EQ(got[4].text, "hello");
  ASSERT_EQ(got[5].elements.size(), 2u);
  EXPECT_EQ(got[5].elements[0].text, "v");
  EXPECT_EQ(got[5].elements[1].elements[0].integer, -7);
  EXPECT_EQ(got[6].type, Reply::Type::kNil);
}

TEST(Resp, GarbageIsAProtocolError) {
  for (std::string wire : {"hello\r\n", "$abc\r\n", ":12x\r\n", "*1\r\n!\r\n"}) {
    ReplyParser p;
    ASSERT_TRUE(p.feed(wire).is_ok());
    auto r = p.next();
    ASSERT_FALSE(r) << wire;
    EXPECT_NE(r.error().message().find("protocol error"), std::string::npos) << wire;
  }
}

TEST(Resp, NestingDeeperThanTheReaderTakesIsAnError) {
  std::string deep;
  for (int i = 0; i < 20; ++i)
    deep += "*1\r\n";
  ReplyParser p;
  ASSERT_TRUE(p.feed(deep + ":1\r\n").is_ok());
  auto r = p.next();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("protocol error"), std::string::npos) << r.error().message();
}

TEST(Resp, RepliesOverTheBoundFail) {
  ReplyParser p(100);
  ASSERT_TRUE(p.feed("$200\r\n").is_ok());
  auto st = p.feed(std::string(150, 'x'));
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("larger than 100 bytes"), std::string::npos);
  ReplyParser huge(1 << 16);  // an array header alone must not allocate a billion slots
  ASSERT_TRUE(huge.feed("*1000000000\r\n").is_ok());
  auto r = huge.next();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("too many elements"), std::string::npos)
      << r.error().message();
  ReplyParser q(100);  // the bound is per reply: many small ones pass
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(q.feed(":12345\r\n").is_ok());
    ASSERT_TRUE(*q.next());
  }
}

TEST(RedisUrl, ParsesHostsCredentialsAndDatabase) {
  auto u = parse_redis_url("redis://tandem:p%40ss@cache.local:6380/2");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->hosts, (std::vector<HostPort>{{"cache.local", 6380}}));
  EXPECT_EQ(u->user, "tandem");
  EXPECT_EQ(u->password, "p@ss");
  EXPECT_EQ(u->db, 2);
  EXPECT_FALSE(u->tls);
  auto cluster = parse_redis_url("rediss://:pw@[::1]:7000,10.0.0.2,node3:7002");
  ASSERT_TRUE(cluster) << cluster.error().message();
  EXPECT_TRUE(cluster->tls);
  EXPECT_EQ(cluster->user, "");
  EXPECT_EQ(cluster->password, "pw");
  EXPECT_EQ(cluster->hosts,
            (std::vector<HostPort>{{"::1", 7000}, {"10.0.0.2", 6379}, {"node3", 7002}}));
  EXPECT_EQ(describe(cluster->hosts[0]), "[::1]:7000");
  auto plain = parse_redis_url("redis://127.0.0.1");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->hosts[0].port, 6379);
  EXPECT_EQ(plain->db, 0);
}

TEST(RedisUrl, BadUrlsSayWhatIsWrongWithoutThePassword) {
  for (auto [url, why] : std::vector<std::pair<std::string, std::string>>{
           {"http://x", "must start with redis://"},
           {"redis://h:0", "port '0' is not 1-65535"},
           {"redis://h:99999", "is not 1-65535"},
           {"redis://h/x", "database 'x' is not a number"},
           {"redis://u:secret%zz@h", "bad percent escape in the password"},
           {"redis://[::1", "unclosed ["},
           {"redis://:secret@", "a host is empty"}}) {
    auto u = parse_redis_url(url);
    ASSERT_FALSE(u) << url;
    EXPECT_NE(u.error().message().find(why), std::string::npos) << u.error().message();
    EXPECT_EQ(u.error().message().find("secret"), std::string::npos) << u.error().message();
  }
}

}  // namespace
}  // namespace tandem::net
