// Parsing redis:// URLs. Depends on core.
#include "net/redis_url.h"

#include <charconv>

#include "core/text.h"

namespace tandem::net {
namespace {

core::Status bad(std::string_view why) {
  return core::invalid_argument("redis url: " + std::string(why));
}

core::Result<std::string> decode(std::string_view s, std::string_view what) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    int hi = i + 2 < s.size() ? core::hex_value(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? core::hex_value(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) return core::fail(bad("bad percent escape in the " + std::string(what)));
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

core::Result<HostPort> host_port(std::string_view s) {
  HostPort hp;
  std::string_view port;
  if (s.starts_with('[')) {
    auto close = s.find(']');
    if (close == std::string_view::npos) return core::fail(bad("unclosed [ in a host"));
    hp.host = std::string(s.substr(1, close - 1));
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return core::fail(bad("expected :port after ]"));
      port = rest.substr(1);
    }
  } else {
    auto colon = s.rfind(':');
    hp.host = std::string(s.substr(0, colon));
    if (colon != std::string_view::npos) port = s.substr(colon + 1);
  }
  if (hp.host.empty()) return core::fail(bad("a host is empty"));
  if (port.data() != nullptr) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || end != port.data() + port.size() || v == 0 || v > 65535)
      return core::fail(bad("port '" + std::string(port) + "' is not 1-65535"));
    hp.port = static_cast<std::uint16_t>(v);
  }
  return hp;
}

}  // namespace

core::Result<RedisUrl> parse_redis_url(std::string_view url) {
  RedisUrl out;
  if (url.starts_with("redis://")) {
    url.remove_prefix(8);
  } else if (url.starts_with("rediss://")) {
    url.remove_prefix(9);
    out.tls = true;
  } else {
    return core::fail(bad("must start with redis:// or rediss://"));
  }
  auto at = url.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = url.substr(0, at);
    url.remove_prefix(at + 1);
    auto colon = userinfo.find(':');
    auto user = decode(userinfo.substr(0, colon), "user");
    if (!user) return core::fail(user.error());
    out.user = std::move(*user);
    if (colon != std::string_view::npos) {
      auto password = decode(userinfo.substr(colon + 1), "password");
      if (!password) return core::fail(password.error());
      out.password = std::move(*password);
    }
  }
  auto slash = url.find('/');
  std::string_view hosts = url.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = url.substr(slash + 1);
    if (!db.empty()) {
      auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), out.db);
      if (ec != std::errc() || end != db.data() + db.size() || out.db < 0)
        return core::fail(bad("database '" + std::string(db) + "' is not a number"));
    }
  }
  while (true) {
    auto comma = hosts.find(',');
    auto hp = host_port(hosts.substr(0, comma));
    if (!hp) return core::fail(hp.error());
    out.hosts.push_back(std::move(*hp));
    if (comma == std::string_view::npos) break;
    hosts.remove_prefix(comma + 1);
  }
  return out;
}

std::string describe(const HostPort& h) {
  bool v6 = h.host.find(':') != std::string::npos;
  return (v6 ? "[" + h.host + "]" : h.host) + ":" + std::to_string(h.port);
}

}  // namespace tandem::net
