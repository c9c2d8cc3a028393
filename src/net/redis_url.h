// Where a Redis is and how to log in: `redis://[user[:password]@]host[:port][,host[:port]...][/db]`
// (several hosts: seed nodes of a cluster; `[::1]` for IPv6; user and password percent-encoded).
// `rediss://` asks for TLS. Depends on core.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tandem::net {

struct HostPort {
  std::string host;  // a name or an IP literal (without brackets)
  std::uint16_t port = 6379;
  bool operator==(const HostPort&) const = default;
};

struct RedisUrl {
  std::vector<HostPort> hosts;  // at least one
  std::string user;             // ACL user; empty: the default user
  std::string password;         // empty: no AUTH
  int db = 0;                   // SELECT; a cluster has only 0
  bool tls = false;             // rediss://
};

// kInvalidArgument naming what is wrong (never echoing the password).
core::Result<RedisUrl> parse_redis_url(std::string_view url);

// "host:port" ("[::1]:6379"), for messages: never the credentials.
std::string describe(const HostPort& h);

}  // namespace tandem::net
