// RedisClient: commands to one Redis server over a pool of connections, pipelined, each call
// within a deadline. Connections are made when needed, log in (AUTH with a password or an ACL
// user and password), SELECT the database and name themselves (CLIENT SETNAME); after a failed
// connect the next tries wait out a backoff with jitter and fail fast meanwhile, so a Redis that
// is down costs callers no time. Thread-safe: each call takes a connection of its own. Built on
// Boost.Asio (this header shows no Asio types; redis_client.cpp is the only unit that includes
// it); RESP through resp.h. Depends on core and net.
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
#include "net/redis_url.h"
#include "net/resp.h"

namespace tandem::net {

struct RedisClientOptions {
  HostPort server;                                  // where
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

class RedisClient {
 public:
  explicit RedisClient(RedisClientOptions options);  // connects on first use
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Sends `commands` on one connection without waiting between them and returns one reply each,
  // in order; Redis's error replies are replies. kUnavailable when no connection can be had
  // (Redis unreachable: at once while the reconnect backoff runs; every connection busy past the
  // deadline), the deadline passed, or the connection broke or spoke garbage: then no reply is
  // known and the connection is closed. A call that fails on a connection the pool had kept is
  // sent once more on a new one (the other kept ones are closed too: a restarted server broke
  // them all), so commands must be safe to run twice.
  core::Result<std::vector<Reply>> run(std::span<const Command> commands);
  core::Result<Reply> run(const Command& command);

  // "host:port": for messages (never the credentials).
  std::string where() const { return describe(options_.server); }

 private:
  struct Connection;
  using Clock = std::chrono::steady_clock;

  // A connection of the pool, or a new one; `reused` says which.
  core::Result<std::unique_ptr<Connection>> acquire(Clock::time_point deadline, bool& reused);
  void release(std::unique_ptr<Connection> c);  // back to the pool
  void discard();                               // a connection closed: room for another
  void drop_idle();                             // closes every kept connection
  core::Result<std::unique_ptr<Connection>> connect();
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
};

}  // namespace tandem::net
