// A real redis-server for tests: started on a free loopback port with a data dir of its own and
// no persistence, ready when it answers PING, stopped by its PID (SIGTERM, then SIGKILL) with
// the object. Extra arguments are config directives ("--requirepass", "pw"). Throws
// std::runtime_error when it cannot start (redis-server missing: scripts/setup.sh test installs
// it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace tandem::testing {

class RedisServer {
 public:
  // `port` 0: a free one.
  explicit RedisServer(std::vector<std::string> extra_args = {}, std::uint16_t port = 0);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Runs redis-cli against it ("-a", "pw", "ACL", "LIST") and returns what it printed.
  std::string cli(const std::vector<std::string>& args) const;

 private:
  TempDir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound, read, released).
std::uint16_t free_port();

}  // namespace tandem::testing
