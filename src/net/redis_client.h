// RedisClient: commands to one Redis server over a pool of connections, pipelined, each call
// within a deadline. Connections are made when needed, speak TLS when given a TlsContext
// (verifying the server's certificate and name), log in (AUTH with a password or an ACL
// user and password), SELECT the database and name themselves (CLIENT SETNAME); after a failed
// connect the next tries wait out a backoff with jitter and fail fast meanwhile, so a Redis that
// is down costs callers no time. Thread-safe: each call takes a connection of its own. Built on
// Boost.Asio (this header shows no Asio types; redis_client.cpp is the only unit that includes
// it); RESP through resp.h. run_async() goes another way: a thread of the client's own keeps one
// more connection and writes every caller's queued commands in one pipelined write, matching the
// replies in order, so that callers do not block and many lookups share a round trip. Depends
// on core and net.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/backoff.h"
#include "net/redis.h"
#include "net/redis_url.h"
#include "net/tls.h"

namespace tandem::net {

struct RedisClientOptions {
  HostPort server;                                  // where
  std::shared_ptr<TlsContext> tls;                  // null: plain TCP
  std::string user;                                 // ACL user; empty: the default user
  std::string password;                             // empty: no AUTH
  int db = 0;                                       // SELECT when not 0
  std::string client_name = "tandem";               // CLIENT SETNAME
  std::size_t pool_size = 8;                        // open connections at most
  std::chrono::milliseconds connect_timeout{1000};  // resolve, connect and log in
  std::chrono::milliseconds command_timeout{250};   // a call: a connection, then its round trip
  BackoffOptions reconnect{.initial = std::chrono::milliseconds(100),
                           .max = std::chrono::milliseconds(5000)};
  std::size_t max_reply_bytes = 64u << 20;  // a larger reply fails the call
};

class RedisClient final : public Redis {
 public:
  explicit RedisClient(RedisClientOptions options);  // connects on first use
  ~RedisClient() override;
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  using Redis::run;
  // Sends `commands` on one connection without waiting between them, within the command
  // timeout. kUnavailable when no connection can be had (Redis unreachable: at once while the
  // reconnect backoff runs; every connection busy past the deadline), the deadline passed, or the
  // connection broke or spoke garbage: then no reply is known and the connection is closed. A
  // call that fails on a connection the pool had kept is sent once more on a new one (the other
  // kept ones are closed too: a restarted server broke them all).
  core::Result<std::vector<Reply>> run(std::span<const Command> commands) override;
  // The same within `deadline` (a cluster's call spans several servers).
  core::Result<std::vector<Reply>> run(std::span<const Command> commands,
                                       Clock::time_point deadline);

  // Queues the commands for the client's own connection (made by its thread on first use, and
  // again after a failure, within the reconnect backoff). Commands not yet written when a
  // connection fails wait for the next one; those written fail. Each call ends within the
  // command timeout of its queuing.
  void run_async(std::vector<Command> commands, Done done) override;
  bool async_runs() const override { return true; }

  // "host:port": for messages (never the credentials).
  std::string where() const override { return describe(options_.server); }
  const RedisClientOptions& options() const { return options_; }

 private:
  struct Connection;
  class Lane;

  // A connection of the pool, or a new one; `reused` says which.
  core::Result<std::unique_ptr<Connection>> acquire(Clock::time_point deadline, bool& reused);
  void release(std::unique_ptr<Connection> c);  // back to the pool
  void discard();                               // a connection closed: room for another
  void drop_idle();                             // closes every kept connection
  core::Result<std::unique_ptr<Connection>> connect();
  // connect(), or at once a failure while the reconnect backoff runs; records the outcome.
  core::Result<std::unique_ptr<Connection>> connect_unless_backing_off();
  core::Status failed(const std::string& what) const;  // kUnavailable naming the server

  const RedisClientOptions options_;
  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;            // connections existing (idle, in use, being made)
  Backoff backoff_;                 // reconnect delays
  int connect_failures_ = 0;        // in a row
  Clock::time_point retry_at_{};    // no connect before this after a failure
  std::string last_connect_error_;  // why the last connect failed
  std::once_flag lane_once_;
  std::unique_ptr<Lane> lane_;  // run_async's; made on first use, stopped first
};

}  // namespace tandem::net
