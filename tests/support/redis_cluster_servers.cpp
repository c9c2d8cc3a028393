// Making and watching a Redis Cluster for tests. POSIX only.
#include "support/redis_cluster_servers.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tandem::testing {
namespace {

bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

RedisClusterServers::RedisClusterServers(int masters, int replicas) : masters_(masters) {
  const int n = masters * (1 + replicas);
  const std::vector<std::string> args{"--cluster-enabled",
                                      "yes",
                                      "--cluster-config-file",
                                      "nodes.conf",
                                      "--cluster-node-timeout",
                                      "1000",
                                      "--cluster-replica-validity-factor",
                                      "0",
                                      "--repl-diskless-sync-delay",
                                      "0"};
  for (int i = 0; i < n; ++i) {
    // The cluster bus listens on port + 10000: the port must leave room for it, and the bus
    // port may be taken; a few tries.
    for (int attempt = 0; nodes_.size() == static_cast<std::size_t>(i); ++attempt) {
      std::uint16_t port = free_port();
      if (port > 55535) continue;
      try {
        nodes_.push_back(std::make_unique<RedisServer>(args, port));
      } catch (const std::runtime_error&) {
        if (attempt >= 5) throw;
      }
    }
    crashed_.push_back(false);
  }
  std::string command = "redis-cli --cluster create";
  for (auto port : ports())
    command += " 127.0.0.1:" + std::to_string(port);
  command += " --cluster-replicas " + std::to_string(replicas) + " --cluster-yes >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0)
    throw std::runtime_error("redis-cli --cluster create failed: " + command);
  wait_ok(std::chrono::seconds(30), replicas > 0);
}

std::vector<std::uint16_t> RedisClusterServers::ports() const {
  std::vector<std::uint16_t> out;
  for (const auto& s : nodes_)
    out.push_back(s->port());
  return out;
}

std::size_t RedisClusterServers::index_of(std::uint16_t port) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i]->port() == port) return i;
  throw std::runtime_error("no cluster node on port " + std::to_string(port));
}

std::string RedisClusterServers::id(std::size_t i) const {
  auto out = cli(i, {"CLUSTER", "MYID"});
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return out;
}

std::size_t RedisClusterServers::master_of(std::uint16_t slot) const {
  // CLUSTER NODES: "<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slots>..."
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (crashed_[i]) continue;
    std::istringstream lines(cli(i, {"CLUSTER", "NODES"}));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream f(line);
      std::string id, addr, flags, master, ping, pong, epoch, link;
      f >> id >> addr >> flags >> master >> ping >> pong >> epoch >> link;
      if (!has(flags, "master") || has(flags, "fail")) continue;
      for (std::string range; f >> range;) {
        if (range.starts_with('[')) continue;  // a slot being migrated or imported
        auto dash = range.find('-');
        int first = std::stoi(range.substr(0, dash));
        int last = dash == std::string::npos ? first : std::stoi(range.substr(dash + 1));
        if (slot >= first && slot <= last) {
          auto port = std::stoi(addr.substr(addr.rfind(':') + 1, addr.find('@')));
          return index_of(static_cast<std::uint16_t>(port));
        }
      }
    }
    break;  // one node's view is enough
  }
  throw std::runtime_error("no master serves slot " + std::to_string(slot));
}

void RedisClusterServers::wait_ok(std::chrono::milliseconds timeout, bool with_replicas) const {
  auto until = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < until) {
    bool ok = true;
    int masters_with_replicas = 0;
    for (std::size_t i = 0; i < nodes_.size() && ok; ++i) {
      if (crashed_[i]) continue;
      last = cli(i, {"CLUSTER", "INFO"});
      ok = has(last, "cluster_state:ok") && has(last, "cluster_slots_ok:16384");
      auto replication = cli(i, {"INFO", "replication"});
      if (has(replication, "role:master") && has(replication, "state=online"))
        ++masters_with_replicas;  // a replica synchronised, not still waiting for its copy
    }
    if (ok && (!with_replicas || masters_with_replicas >= masters_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("the Redis cluster did not become ready: " + last);
}

void RedisClusterServers::crash(std::size_t i) {
  ::kill(nodes_.at(i)->pid(), SIGKILL);
  crashed_.at(i) = true;
}

}  // namespace tandem::testing
