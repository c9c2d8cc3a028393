// Redis Cluster routing without a cluster: key slots, the key a command is routed by, and the
// slot maps of CLUSTER SHARDS and CLUSTER SLOTS replies (their shapes as Redis 7 sends them),
// garbage included. The real cluster is in tests/contract/redis_cluster_test.cpp.
#include "net/redis_cluster.h"

#include <gtest/gtest.h>

namespace tandem::net {
namespace {

Reply str(std::string s) {
  return {.type = Reply::Type::kString, .text = std::move(s)};
}
Reply num(std::int64_t n) {
  return {.type = Reply::Type::kInteger, .integer = n};
}
Reply arr(std::vector<Reply> e) {
  return {.type = Reply::Type::kArray, .elements = std::move(e)};
}

Reply shard_node(std::string role, std::string endpoint, std::int64_t port, std::string health,
                 std::optional<std::int64_t> tls_port = std::nullopt) {
  std::vector<Reply> f{str("id"),
                       str("abc"),
                       str("port"),
                       num(port),
                       str("ip"),
                       str("10.0.0.9"),
                       str("endpoint"),
                       str(endpoint),
                       str("role"),
                       str(role),
                       str("replication-offset"),
                       num(7),
                       str("health"),
                       str(health)};
  if (tls_port) {
    f.push_back(str("tls-port"));
    f.push_back(num(*tls_port));
  }
  return arr(f);
}

TEST(ClusterSlots, KnownKeysHashToTheirSlots) {
  EXPECT_EQ(key_slot("123456789"), 0x31C3 % 16384);  // CRC16/XMODEM's check value
  EXPECT_EQ(key_slot("foo"), 12182);
  EXPECT_EQ(key_slot(""), 0);
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
  EXPECT_NE(key_slot("foo{}{bar}"), key_slot("bar"));  // an empty first tag: the whole key
  EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
  EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));
}

TEST(ClusterSlots, CommandsAreRoutedByTheirKey) {
  EXPECT_EQ(command_key({"HMGET", "tandem:k", "v", "d"}), "tandem:k");
  EXPECT_EQ(command_key({"evalsha", "abc", "1", "tandem:k", "5"}), "tandem:k");
  EXPECT_EQ(command_key({"EVAL", "return 1", "0"}), std::nullopt);
  EXPECT_EQ(command_key({"PING"}), std::nullopt);
  EXPECT_EQ(command_key({"CLUSTER", "SHARDS"}), std::nullopt);
  EXPECT_EQ(command_key({"script", "flush"}), std::nullopt);
  EXPECT_EQ(command_key({}), std::nullopt);
}

TEST(ClusterMap, ShardsGiveEachRangeItsHealthyMaster) {
  HostPort asked{.host = "127.0.0.1", .port = 7000};
  Reply reply = arr({
      arr({str("slots"), arr({num(0), num(99), num(200), num(299)}), str("nodes"),
           arr({shard_node("replica", "10.0.0.2", 7002, "online"),
                shard_node("master", "10.0.0.1", 7001, "online", 8001)})}),
      // A failed master beside its promoted replica.
      arr({str("slots"), arr({num(100), num(199)}), str("nodes"),
           arr({shard_node("master", "10.0.0.3", 7003, "failed"),
                shard_node("master", "?", 7004, "online")})}),
      // A master without slots.
      arr({str("slots"), arr({}), str("nodes"), arr({shard_node("master", "x", 7005, "online")})}),
  });
  auto plain = parse_cluster_shards(reply, asked, false);
  ASSERT_TRUE(plain) << plain.error().message();
  std::vector<SlotRange> want{{0, 99, {"10.0.0.1", 7001}},
                              {200, 299, {"10.0.0.1", 7001}},
                              {100, 199, {"127.0.0.1", 7004}}};  // "?": the node asked
  EXPECT_EQ(*plain, want);
  auto tls = parse_cluster_shards(reply, asked, true);
  ASSERT_TRUE(tls);
  EXPECT_EQ((*tls)[0].master.port, 8001);  // its tls-port
  EXPECT_EQ((*tls)[2].master.port, 7004);  // none: its port
}

TEST(ClusterMap, SlotsGiveEachRangeItsMaster) {
  HostPort asked{.host = "127.0.0.1", .port = 7000};
  Reply reply = arr({
      arr({num(0), num(5460), arr({str("10.0.0.1"), num(7001), str("id1")}),
           arr({str("10.0.0.2"), num(7002), str("id2")})}),
      arr({num(5461), num(16383), arr({str(""), num(7003), str("id3")})}),
  });
  auto r = parse_cluster_slots(reply, asked);
  ASSERT_TRUE(r) << r.error().message();
  std::vector<SlotRange> want{{0, 5460, {"10.0.0.1", 7001}}, {5461, 16383, {"127.0.0.1", 7003}}};
  EXPECT_EQ(*r, want);
}

TEST(ClusterMap, RepliesOfAnotherShapeAreErrors) {
  HostPort asked{.host = "h", .port = 1};
  std::vector<Reply> bad{
      str("OK"),
      arr({str("not a shard")}),
      arr({arr({str("slots"), arr({num(5)}), str("nodes"), arr({})})}),          // odd slot list
      arr({arr({str("slots"), arr({num(9), num(3)}), str("nodes"), arr({})})}),  // backwards
      arr({arr({str("slots"), arr({num(0), num(16384)}), str("nodes"),
                arr({shard_node("master", "a", 1, "online")})})}),  // past the last slot
      arr({arr({str("slots"), arr({num(0), num(1)}), str("nodes"),
                arr({shard_node("master", "a", 70000, "online")})})}),  // no such port
  };
  for (const auto& r : bad) {
    EXPECT_FALSE(parse_cluster_shards(r, asked, false)) << r.describe();
    EXPECT_FALSE(parse_cluster_slots(r, asked)) << r.describe();
  }
  EXPECT_FALSE(parse_cluster_slots(arr({arr({num(0), num(1), arr({num(3), num(4)})})}), asked));
}

}  // namespace
}  // namespace tandem::net
