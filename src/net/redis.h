// Redis: what the Redis cache needs of a Redis deployment, whatever its shape: commands run,
// pipelined, within a deadline. One server is RedisClient (redis_client.h); a cluster is
// RedisCluster (redis_cluster.h), which routes each command by its key. Depends on core and net.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/resp.h"

namespace tandem::net {

class Redis {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~Redis() = default;

  // Runs `commands` and returns one reply each, in order; Redis's error replies are replies.
  // kUnavailable when no reply is known: the server or cluster could not be reached or answered
  // garbage, or the call's deadline (the deployment's command timeout) passed. Commands must be
  // safe to run twice: a call may be resent after a broken connection.
  virtual core::Result<std::vector<Reply>> run(std::span<const Command> commands) = 0;
  core::Result<Reply> run(const Command& command) {
    auto replies = run(std::span<const Command>(&command, 1));
    if (!replies) return core::fail(replies.error());
    return std::move(replies->front());
  }

  // The same without blocking the caller where the deployment can: `done` gets the outcome,
  // exactly once, on a thread of the client's own (it must not block: hand blocking work to
  // another thread). One server pipelines every caller's commands on one connection; the default
  // (a cluster, for now) runs them here and calls `done` before returning.
  using Done = std::function<void(core::Result<std::vector<Reply>>)>;
  virtual void run_async(std::vector<Command> commands, Done done) { done(run(commands)); }
  // True when run_async() does not block the caller.
  virtual bool async_runs() const { return false; }

  // "host:port" or "cluster host:port,...": for messages (never the credentials).
  virtual std::string where() const = 0;
};

}  // namespace tandem::net
