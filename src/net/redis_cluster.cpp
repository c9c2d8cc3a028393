// Routing commands over a Redis Cluster: slots, the slot map and redirections. No I/O of its
// own: each node is a RedisClient. Depends on core and net.
#include "net/redis_cluster.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <thread>

namespace tandem::net {
namespace {

// CRC16/XMODEM (polynomial 0x1021, initial 0), as Redis Cluster specifies.
constexpr std::array<std::uint16_t, 256> kCrcTable = [] {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    unsigned crc = i << 8;
    for (int b = 0; b < 8; ++b)
      crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
    t[i] = static_cast<std::uint16_t>(crc);
  }
  return t;
}();

std::uint16_t crc16(std::string_view s) {
  std::uint16_t crc = 0;
  for (unsigned char c : s)
    crc = static_cast<std::uint16_t>((crc << 8) ^ kCrcTable[((crc >> 8) ^ c) & 0xff]);
  return crc;
}

core::Status bad_map(std::string_view command, const Reply& r) {
  return core::unavailable("redis cluster: unexpected " + std::string(command) +
                           " reply: " + r.describe());
}

// An address a node reports: empty or "?" means "unknown", so the node asked stands in.
std::string address_or(const std::string& reported, const HostPort& asked) {
  return reported.empty() || reported == "?" ? asked.host : reported;
}

std::optional<std::uint16_t> port_of(const Reply& r) {
  if (r.type != Reply::Type::kInteger || r.integer <= 0 || r.integer > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(r.integer);
}

// "MOVED 3999 127.0.0.1:6381" and "ASK ...": the slot and the node.
std::optional<std::pair<std::uint16_t, HostPort>> redirection(std::string_view text) {
  auto sp1 = text.find(' ');
  auto sp2 = text.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos) return std::nullopt;
  unsigned slot = 0;
  auto s = text.substr(sp1 + 1, sp2 - sp1 - 1);
  if (std::from_chars(s.data(), s.data() + s.size(), slot).ec != std::errc() ||
      slot >= kClusterSlots)
    return std::nullopt;
  auto addr = text.substr(sp2 + 1);
  auto colon = addr.rfind(':');
  unsigned port = 0;
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  auto p = addr.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (ec != std::errc() || end != p.data() + p.size() || port == 0 || port > 65535)
    return std::nullopt;
  std::string host(addr.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return std::pair{static_cast<std::uint16_t>(slot),
                   HostPort{.host = std::move(host), .port = static_cast<std::uint16_t>(port)}};
}

core::Result<Reply> ask_one(RedisClient& client, const Command& command,
                            Redis::Clock::time_point deadline) {
  auto replies = client.run(std::span<const Command>(&command, 1), deadline);
  if (!replies) return core::fail(replies.error());
  return std::move(replies->front());
}

bool starts_with_word(const Reply& r, std::string_view word) {
  return r.is_error() && r.text.starts_with(word) &&
         (r.text.size() == word.size() || r.text[word.size()] == ' ');
}

}  // namespace

std::uint16_t key_slot(std::string_view key) {
  auto open = key.find('{');
  if (open != std::string_view::npos) {
    auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1)
      key = key.substr(open + 1, close - open - 1);
  }
  return crc16(key) % kClusterSlots;
}

std::optional<std::string_view> command_key(const Command& command) {
  if (command.empty()) return std::nullopt;
  std::string name = command[0];
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (name == "EVAL" || name == "EVALSHA" || name == "EVAL_RO" || name == "EVALSHA_RO" ||
      name == "FCALL") {
    if (command.size() < 4 || command[2] == "0") return std::nullopt;
    return command[3];
  }
  static constexpr std::array<std::string_view, 14> kKeyless{
      "PING",   "INFO",   "SCRIPT",   "CLUSTER", "CLIENT", "AUTH",   "SELECT",
      "DBSIZE", "CONFIG", "FLUSHALL", "HELLO",   "WAIT",   "ASKING", "READONLY"};
  if (command.size() < 2 || std::find(kKeyless.begin(), kKeyless.end(), name) != kKeyless.end())
    return std::nullopt;
  return command[1];
}

core::Result<std::vector<SlotRange>> parse_cluster_shards(const Reply& reply, const HostPort& asked,
                                                          bool tls) {
  if (reply.type != Reply::Type::kArray) return core::fail(bad_map("CLUSTER SHARDS", reply));
  std::vector<SlotRange> out;
  for (const auto& shard : reply.elements) {
    if (shard.type != Reply::Type::kArray || shard.elements.size() % 2 != 0)
      return core::fail(bad_map("CLUSTER SHARDS", reply));
    const Reply* slots = nullptr;
    const Reply* nodes = nullptr;
    for (std::size_t i = 0; i + 1 < shard.elements.size(); i += 2) {
      if (shard.elements[i].text == "slots") slots = &shard.elements[i + 1];
      if (shard.elements[i].text == "nodes") nodes = &shard.elements[i + 1];
    }
    if (slots == nullptr || nodes == nullptr || slots->type != Reply::Type::kArray ||
        slots->elements.size() % 2 != 0 || nodes->type != Reply::Type::kArray)
      return core::fail(bad_map("CLUSTER SHARDS", reply));
    std::vector<SlotRange> ranges;
    for (std::size_t i = 0; i + 1 < slots->elements.size(); i += 2) {
      const auto& a = slots->elements[i];
      const auto& b = slots->elements[i + 1];
      if (a.type != Reply::Type::kInteger || b.type != Reply::Type::kInteger || a.integer < 0 ||
          b.integer < a.integer || b.integer >= static_cast<std::int64_t>(kClusterSlots))
        return core::fail(bad_map("CLUSTER SHARDS", reply));
      ranges.push_back({.first = static_cast<std::uint16_t>(a.integer),
                        .last = static_cast<std::uint16_t>(b.integer)});
    }
    std::optional<HostPort> master;
    for (const auto& node : nodes->elements) {
      if (node.type != Reply::Type::kArray || node.elements.size() % 2 != 0)
        return core::fail(bad_map("CLUSTER SHARDS", reply));
      std::string role, endpoint, ip, health;
      std::optional<std::uint16_t> port, tls_port;
      for (std::size_t i = 0; i + 1 < node.elements.size(); i += 2) {
        const auto& field = node.elements[i].text;
        const auto& value = node.elements[i + 1];
        if (field == "role") role = value.text;
        if (field == "endpoint") endpoint = value.text;
        if (field == "ip") ip = value.text;
        if (field == "health") health = value.text;
        if (field == "port") port = port_of(value);
        if (field == "tls-port") tls_port = port_of(value);
      }
      if (role != "master" || health == "failed") continue;
      auto p = tls && tls_port ? tls_port : port;
      if (!p) return core::fail(bad_map("CLUSTER SHARDS", reply));
      master = HostPort{.host = address_or(endpoint.empty() ? ip : endpoint, asked), .port = *p};
    }
    if (!master) continue;  // no slots, or its master failed and no replica took over yet
    for (auto& r : ranges) {
      r.master = *master;
      out.push_back(std::move(r));
    }
  }
  return out;
}

core::Result<std::vector<SlotRange>> parse_cluster_slots(const Reply& reply,
                                                         const HostPort& asked) {
  if (reply.type != Reply::Type::kArray) return core::fail(bad_map("CLUSTER SLOTS", reply));
  std::vector<SlotRange> out;
  for (const auto& range : reply.elements) {
    if (range.type != Reply::Type::kArray || range.elements.size() < 3)
      return core::fail(bad_map("CLUSTER SLOTS", reply));
    const auto& a = range.elements[0];
    const auto& b = range.elements[1];
    const auto& master = range.elements[2];
    if (a.type != Reply::Type::kInteger || b.type != Reply::Type::kInteger || a.integer < 0 ||
        b.integer < a.integer || b.integer >= static_cast<std::int64_t>(kClusterSlots) ||
        master.type != Reply::Type::kArray || master.elements.size() < 2 ||
        master.elements[0].type != Reply::Type::kString || !port_of(master.elements[1]))
      return core::fail(bad_map("CLUSTER SLOTS", reply));
    out.push_back({.first = static_cast<std::uint16_t>(a.integer),
                   .last = static_cast<std::uint16_t>(b.integer),
                   .master = {.host = address_or(master.elements[0].text, asked),
                              .port = *port_of(master.elements[1])}});
  }
  return out;
}

RedisCluster::RedisCluster(RedisClusterOptions options) : options_(std::move(options)) {}

RedisCluster::~RedisCluster() = default;

std::string RedisCluster::where() const {
  std::string out = "cluster ";
  for (std::size_t i = 0; i < options_.seeds.size(); ++i)
    out += (i > 0 ? "," : "") + describe(options_.seeds[i]);
  return out;
}

RedisClusterStats RedisCluster::stats() const {
  return {.moved = moved_.load(),
          .ask = ask_.load(),
          .retries = retries_.load(),
          .refreshes = refreshes_.load()};
}

RedisCluster::Node RedisCluster::node(const HostPort& at) {
  auto name = describe(at);
  {
    std::shared_lock lock(mutex_);
    if (auto it = nodes_.find(name); it != nodes_.end()) return it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = nodes_[name];
  if (!slot) {
    auto o = options_.node;
    o.server = at;
    slot = std::make_shared<RedisClient>(std::move(o));
  }
  return slot;
}

RedisCluster::Node RedisCluster::master_of(std::uint16_t slot) {
  {
    std::shared_lock lock(mutex_);
    if (!slots_.empty()) return masters_[slots_[slot]];
  }
  return node(options_.seeds[slot % options_.seeds.size()]);
}

void RedisCluster::moved(std::uint16_t slot, const HostPort& to) {
  auto target = node(to);
  std::unique_lock lock(mutex_);
  if (slots_.empty()) return;  // the refresh that follows loads the whole map
  auto it = std::find(masters_.begin(), masters_.end(), target);
  if (it == masters_.end()) it = masters_.insert(masters_.end(), target);
  slots_[slot] = static_cast<std::uint16_t>(it - masters_.begin());
}

core::Status RedisCluster::refresh(std::uint64_t seen, Clock::time_point deadline) {
  std::lock_guard one(refresh_mutex_);
  if (epoch() != seen) return {};  // refreshed while this call waited
  // Ask the masters known, then the seeds, until one answers.
  std::vector<HostPort> ask;
  {
    std::shared_lock lock(mutex_);
    for (const auto& m : masters_)
      ask.push_back(m->options().server);
  }
  ask.insert(ask.end(), options_.seeds.begin(), options_.seeds.end());
  std::string why = "no node to ask";
  for (const auto& at : ask) {
    if (Clock::now() >= deadline) break;
    auto client = node(at);
    auto r = ask_one(*client, {"CLUSTER", "SHARDS"}, deadline);
    if (!r) {
      why = r.error().message();
      continue;
    }
    core::Result<std::vector<SlotRange>> ranges;
    if (r->is_error()) {  // older than Redis 7
      r = ask_one(*client, {"CLUSTER", "SLOTS"}, deadline);
      if (!r) {
        why = r.error().message();
        continue;
      }
      if (r->is_error()) {
        why = describe(at) + ": CLUSTER SLOTS: " + r->text;
        continue;
      }
      ranges = parse_cluster_slots(*r, at);
    } else {
      ranges = parse_cluster_shards(*r, at, options_.node.tls != nullptr);
    }
    if (!ranges) {
      why = ranges.error().message();
      continue;
    }
    std::vector<std::uint16_t> slots(kClusterSlots, 0);
    std::vector<bool> covered(kClusterSlots, false);
    std::vector<Node> masters;
    for (const auto& range : *ranges) {
      auto n = node(range.master);
      auto it = std::find(masters.begin(), masters.end(), n);
      if (it == masters.end()) it = masters.insert(masters.end(), n);
      for (unsigned s = range.first; s <= range.last; ++s) {
        slots[s] = static_cast<std::uint16_t>(it - masters.begin());
        covered[s] = true;
      }
    }
    if (masters.empty()) {
      why = describe(at) + " reports no slots served";
      continue;
    }
    // A slot no master serves (its master failed): keep the old owner, whose failure shows.
    std::unique_lock lock(mutex_);
    for (std::size_t s = 0; s < kClusterSlots; ++s) {
      if (covered[s] || slots_.empty()) continue;
      auto old = masters_[slots_[s]];
      auto it = std::find(masters.begin(), masters.end(), old);
      if (it == masters.end()) it = masters.insert(masters.end(), old);
      slots[s] = static_cast<std::uint16_t>(it - masters.begin());
    }
    slots_ = std::move(slots);
    masters_ = std::move(masters);
    refreshes_.fetch_add(1, std::memory_order_relaxed);
    epoch_.fetch_add(1, std::memory_order_release);
    return {};
  }
  return core::unavailable("redis " + where() + ": cannot load the slot map: " + why);
}

void RedisCluster::run_async(std::vector<Command> commands, Done done) {
  Node target;
  {
    std::shared_lock lock(mutex_);
    for (const auto& command : commands) {
      auto key = command_key(command);
      if (!key) continue;  // goes with the command before it
      if (slots_.empty()) break;
      Node n = masters_[slots_[key_slot(*key)]];
      if (target && n != target) {
        target.reset();
        break;
      }
      target = n;
    }
  }
  if (!target) return done(run(commands));
  target->run_async(std::move(commands), [this, done = std::move(done)](
                                             core::Result<std::vector<Reply>> replies) {
    if (replies) {
      for (const auto& r : *replies) {
        if (starts_with_word(r, "MOVED")) {
          moved_.fetch_add(1, std::memory_order_relaxed);
          if (auto to = redirection(r.text)) moved(to->first, to->second);
        }
        if (starts_with_word(r, "MOVED") || starts_with_word(r, "ASK") ||
            starts_with_word(r, "TRYAGAIN") || starts_with_word(r, "CLUSTERDOWN") ||
            starts_with_word(r, "LOADING") || starts_with_word(r, "MASTERDOWN"))
          return done(core::fail(core::unavailable("redis " + where() + ": " + r.text)));
      }
    }
    done(std::move(replies));
  });
}

core::Result<std::vector<Reply>> RedisCluster::run(std::span<const Command> commands) {
  if (commands.empty()) return std::vector<Reply>{};
  auto deadline = Clock::now() + options_.node.command_timeout;
  if (std::shared_lock lock(mutex_); slots_.empty()) {
    lock.unlock();
    if (auto st = refresh(0, deadline); !st.is_ok() && epoch() == 0) return core::fail(st);
  }
  // Units: a command with a key and the keyless ones right after it (WAIT after a write), which
  // go to its node on the same connection and are sent again with it. Each unit is routed by its
  // first command's key.
  struct Unit {
    std::size_t first, end;          // commands [first, end)
    std::optional<HostPort> asking;  // an ASK's node, for the next try
  };
  std::vector<Unit> pending;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (i == 0 || command_key(commands[i])) {
      pending.push_back({.first = i, .end = i + 1});
    } else {
      pending.back().end = i + 1;
    }
  }
  std::vector<std::optional<Reply>> replies(commands.size());
  std::optional<Backoff> backoff;
  std::string last_error;
  for (int attempt = 0;; ++attempt) {
    std::uint64_t seen = epoch();
    // Group the units by node, keeping their order.
    std::vector<std::pair<Node, std::vector<Unit>>> groups;
    for (auto& u : pending) {
      auto key = command_key(commands[u.first]);
      Node n = u.asking ? node(*u.asking) : master_of(key ? key_slot(*key) : 0);
      auto g = std::find_if(groups.begin(), groups.end(),
                            [&](const auto& grp) { return grp.first == n; });
      if (g == groups.end()) g = groups.insert(groups.end(), {n, {}});
      g->second.push_back(u);
    }
    std::vector<Unit> again;
    bool refresh_map = false, wait = false;
    for (auto& [n, units] : groups) {
      std::vector<Command> batch;
      for (const auto& u : units) {
        if (u.asking) batch.push_back({"ASKING"});
        batch.insert(batch.end(), commands.begin() + static_cast<std::ptrdiff_t>(u.first),
                     commands.begin() + static_cast<std::ptrdiff_t>(u.end));
      }
      auto got = n->run(batch, deadline);
      if (!got) {  // unreachable or timed out: a failover may have moved its slots
        last_error = got.error().message();
        for (auto u : units) {
          u.asking.reset();
          again.push_back(u);
        }
        refresh_map = wait = true;
        continue;
      }
      std::size_t at = 0;
      for (auto u : units) {
        if (u.asking) ++at;  // ASKING's +OK
        u.asking.reset();
        bool redo = false;
        for (std::size_t i = u.first; i < u.end; ++i) {
          Reply& r = (*got)[at++];
          if (redo) continue;
          if (starts_with_word(r, "MOVED") || starts_with_word(r, "ASK")) {
            auto to = redirection(r.text);
            if (!to) return core::fail(core::unavailable("redis " + where() + ": " + r.text));
            if (r.text.starts_with("ASK ")) {
              u.asking = to->second;
              ask_.fetch_add(1, std::memory_order_relaxed);
            } else {
              moved(to->first, to->second);
              moved_.fetch_add(1, std::memory_order_relaxed);
              refresh_map = true;
            }
            last_error = r.text;
            redo = true;
          } else if (starts_with_word(r, "TRYAGAIN") || starts_with_word(r, "CLUSTERDOWN") ||
                     starts_with_word(r, "LOADING") || starts_with_word(r, "MASTERDOWN")) {
            last_error = r.text;
            redo = wait = true;
          } else {
            replies[i] = std::move(r);
          }
        }
        if (redo) again.push_back(u);
      }
    }
    if (again.empty()) break;
    pending = std::move(again);
    if (attempt + 1 >= options_.max_redirects || Clock::now() >= deadline) {
      return core::fail(core::unavailable("redis " + where() + ": gave up after " +
                                          std::to_string(attempt + 1) + " tries: " + last_error));
    }
    retries_.fetch_add(1, std::memory_order_relaxed);
    if (wait) {
      if (!backoff) backoff.emplace(options_.retry);
      auto pause = std::min<Clock::duration>(backoff->delay(attempt + 1), deadline - Clock::now());
      std::this_thread::sleep_for(pause);
    }
    if (refresh_map) (void)refresh(seen, deadline);  // on failure the next try shows why
  }
  std::vector<Reply> out;
  out.reserve(replies.size());
  for (auto& r : replies)
    out.push_back(std::move(*r));
  return out;
}

}  // namespace tandem::net
