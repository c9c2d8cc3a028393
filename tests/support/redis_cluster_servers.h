// A real Redis Cluster for tests: `masters` redis-server processes with `replicas` replicas each
// on loopback (cluster-node-timeout 1 s, so that a failover takes a few seconds), joined with
// redis-cli --cluster create and ready once every node reports cluster_state:ok, serves all
// 16384 slots and every master has a replica connected (state=online). Stopped by PID with the
// object. Throws std::runtime_error when it cannot be made.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/redis_server.h"

namespace tandem::testing {

class RedisClusterServers {
 public:
  explicit RedisClusterServers(int masters = 3, int replicas = 1);

  std::size_t size() const { return nodes_.size(); }
  RedisServer& node(std::size_t i) { return *nodes_.at(i); }
  std::vector<std::uint16_t> ports() const;

  // redis-cli against node i.
  std::string cli(std::size_t i, const std::vector<std::string>& args) const {
    return nodes_.at(i)->cli(args);
  }
  // The index of the node listening on `port`, of the master serving `slot`.
  std::size_t index_of(std::uint16_t port) const;
  std::size_t master_of(std::uint16_t slot) const;
  std::string id(std::size_t i) const;  // CLUSTER MYID

  // Waits until the nodes still running report cluster_state:ok with every slot served and
  // `masters` masters each having a replica connected (when `with_replicas`); throws after
  // `timeout`.
  void wait_ok(std::chrono::milliseconds timeout = std::chrono::seconds(30),
               bool with_replicas = true) const;

  // Stops node i at once (SIGKILL): a crashed server.
  void crash(std::size_t i);

 private:
  int masters_;
  std::vector<std::unique_ptr<RedisServer>> nodes_;
  std::vector<bool> crashed_;
};

}  // namespace tandem::testing
