// RedisCluster: commands to a Redis Cluster, each sent to the master that owns its key's slot.
// The slot map comes from CLUSTER SHARDS (CLUSTER SLOTS on servers older than 7), asked of the
// seed nodes and then of any known node. A pipelined call is split per node, each part one
// pipelined round trip, and the replies are put back in order. Redirections are followed within
// the call's deadline: MOVED updates the map (and a refresh follows), ASK sends ASKING and the
// command to the node importing the slot, TRYAGAIN, CLUSTERDOWN and LOADING are retried after a
// backoff, and so is a node that cannot be reached (after a failover the map names its
// successor). Each node is a RedisClient with the same login, TLS and pool settings. A command
// without a key goes with the command before it (WAIT after a write: same node, same
// connection, sent again with it). Commands with several keys must keep them in one slot ({hash
// tags}); the Redis cache sends one key per command. Thread-safe. Depends on core and net.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "net/redis.h"
#include "net/redis_client.h"

namespace tandem::net {

inline constexpr std::size_t kClusterSlots = 16384;

// CRC16 (XMODEM) of the key, or of its hash tag: the part between the first '{' and the next
// '}' when that part is not empty. Modulo 16384: the key's slot.
std::uint16_t key_slot(std::string_view key);

// The key a command is routed by: the first argument, EVAL/EVALSHA's first key; nullopt for a
// command without keys (PING, INFO, SCRIPT, WAIT, ...).
std::optional<std::string_view> command_key(const Command& command);

// One range of slots and the master serving it.
struct SlotRange {
  std::uint16_t first = 0, last = 0;  // inclusive
  HostPort master;
  bool operator==(const SlotRange&) const = default;
};

// The ranges in a CLUSTER SHARDS or CLUSTER SLOTS reply from the node at `asked` (whose address
// stands in where a node reports none). `tls`: take each node's TLS port. kUnavailable for a
// reply of another shape.
core::Result<std::vector<SlotRange>> parse_cluster_shards(const Reply& reply, const HostPort& asked,
                                                          bool tls);
core::Result<std::vector<SlotRange>> parse_cluster_slots(const Reply& reply, const HostPort& asked);

struct RedisClusterOptions {
  std::vector<HostPort> seeds;  // at least one
  RedisClientOptions node;      // every node's client; its `server` is ignored
  BackoffOptions retry{.initial = std::chrono::milliseconds(5),
                       .max = std::chrono::milliseconds(100)};  // between tries within a call
  int max_redirects = 16;                                       // per call
};

// What the cluster client did: redirections and retries show a resharding or failover.
struct RedisClusterStats {
  std::uint64_t moved = 0, ask = 0, retries = 0, refreshes = 0;
};

class RedisCluster final : public Redis {
 public:
  explicit RedisCluster(RedisClusterOptions options);  // connects on first use
  ~RedisCluster() override;

  using Redis::run;
  core::Result<std::vector<Reply>> run(std::span<const Command> commands) override;
  // Commands that all go to one master go through its client's run_async; a redirection or a
  // retry reply fails the call (after noting a MOVED slot), so that the caller takes its slow
  // path, where run() follows the cluster. Commands for several masters, or before the slot map
  // is loaded, run here.
  void run_async(std::vector<Command> commands, Done done) override;
  bool async_runs() const override { return true; }
  std::string where() const override;
  RedisClusterStats stats() const;

 private:
  class Call;
  using Node = std::shared_ptr<RedisClient>;

  Node node(const HostPort& at);  // the client of a node, made when first needed
  // The master of `slot` in the current map (a seed when no map was loaded).
  Node master_of(std::uint16_t slot);
  void moved(std::uint16_t slot, const HostPort& to);
  // Loads the slot map unless it changed since `seen` (another call refreshed it meanwhile).
  core::Status refresh(std::uint64_t seen, Clock::time_point deadline);
  std::uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }

  const RedisClusterOptions options_;
  mutable std::shared_mutex mutex_;    // guards nodes_, slots_ and masters_
  std::map<std::string, Node> nodes_;  // by "host:port"
  std::vector<std::uint16_t> slots_;   // slot -> index in masters_; empty: no map yet
  std::vector<Node> masters_;
  std::mutex refresh_mutex_;             // one refresh at a time
  std::atomic<std::uint64_t> epoch_{0};  // maps loaded so far
  std::atomic<std::uint64_t> moved_{0}, ask_{0}, retries_{0}, refreshes_{0};
};

}  // namespace tandem::net
