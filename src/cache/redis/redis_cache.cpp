// The Redis cache's commands and its write script. Depends on cache and net.
#include "cache/redis/redis_cache.h"

#include <openssl/sha.h>

#include <charconv>
#include <random>

#include "core/hash.h"

namespace tandem::cache {
namespace {

// KEYS[1]: the entry. ARGV[1]: the version, ARGV[2]: the TTL in ms, ARGV[3] (absent for a
// removal): the value. A newer version held (a record or a tombstone) wins; an equal one is
// replaced by a value and kept against a removal. Returns 1 when written, 0 when kept.
constexpr std::string_view kWriteScript = R"(
local held = tonumber(redis.call('HGET', KEYS[1], 'v'))
local version = tonumber(ARGV[1])
if held and (held > version or (held == version and not ARGV[3])) then return 0 end
if ARGV[3] then
  redis.call('HSET', KEYS[1], 'v', ARGV[1], 'd', ARGV[3])
else
  redis.call('HSET', KEYS[1], 'v', ARGV[1])
  redis.call('HDEL', KEYS[1], 'd')
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
)";

// The hex SHA1 of a script: the name EVALSHA knows it by.
std::string sha1_hex(std::string_view text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

core::Status unexpected(const net::Reply& r, std::string_view what) {
  return core::unavailable("redis: unexpected reply to " + std::string(what) + ": " + r.describe());
}

// One HMGET v d reply as an entry: nullopt for a miss or a tombstone.
core::Result<std::optional<CacheEntry>> entry_of(const net::Reply& r) {
  if (r.type != net::Reply::Type::kArray || r.elements.size() != 2)
    return core::fail(unexpected(r, "HMGET"));
  const auto& v = r.elements[0];
  const auto& d = r.elements[1];
  if (v.type == net::Reply::Type::kNil || d.type == net::Reply::Type::kNil)
    return std::optional<CacheEntry>();
  if (v.type != net::Reply::Type::kString || d.type != net::Reply::Type::kString)
    return core::fail(unexpected(r, "HMGET"));
  std::uint64_t version = 0;
  auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), version);
  if (ec != std::errc() || end != v.text.data() + v.text.size())
    return core::fail(core::unavailable("redis: entry version '" + v.text + "' is not a number"));
  return std::optional<CacheEntry>(CacheEntry{.value = d.text, .version = version});
}

}  // namespace

RedisCache::RedisCache(std::unique_ptr<net::Redis> client, RedisCacheOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      write_sha_(sha1_hex(kWriteScript)),
      jitter_state_(std::random_device{}()) {}

// The client goes first: its own thread may still be answering lookups, whose callbacks count
// hits and misses here.
RedisCache::~RedisCache() {
  client_.reset();
}

core::Result<std::optional<CacheEntry>> RedisCache::get(std::string_view key) {
  auto r = client_->run({"HMGET", options_.prefix + std::string(key), "v", "d"});
  if (!r) return core::fail(r.error());
  auto e = entry_of(*r);
  if (e) (*e ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
  return e;
}

void RedisCache::get_async(std::string key, GetDone done) {
  std::vector<net::Command> commands{{"HMGET", options_.prefix + key, "v", "d"}};
  client_->run_async(std::move(commands),
                     [this, done = std::move(done)](core::Result<std::vector<net::Reply>> r) {
                       if (!r) return done(core::fail(r.error()));
                       auto e = entry_of(r->front());
                       if (e) (*e ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
                       done(std::move(e));
                     });
}

// A lookup of a key no one writes rather than PING: it needs no command an ACL user of tandem
// lacks (docs/OPERATIONS.md), and it goes the way lookups go.
core::Status RedisCache::check() {
  auto r = client_->run({"HMGET", options_.prefix + "check", "v"});
  if (!r) return r.error();
  if (r->type == net::Reply::Type::kError)
    return core::unavailable("redis " + client_->where() + ": " + r->text);
  return {};
}

core::Result<std::vector<std::optional<CacheEntry>>> RedisCache::get_many(
    std::span<const std::string> keys) {
  std::vector<net::Command> commands;
  commands.reserve(keys.size());
  for (const auto& k : keys)
    commands.push_back({"HMGET", options_.prefix + k, "v", "d"});
  auto replies = client_->run(commands);
  if (!replies) return core::fail(replies.error());
  std::vector<std::optional<CacheEntry>> out;
  out.reserve(keys.size());
  for (const auto& r : *replies) {
    auto e = entry_of(r);
    if (!e) return core::fail(e.error());
    (*e ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
    out.push_back(std::move(*e));
  }
  return out;
}

std::chrono::milliseconds RedisCache::jittered(std::chrono::milliseconds ttl) {
  auto state = jitter_state_.fetch_add(0x9e3779b97f4a7c15ULL, std::memory_order_relaxed);
  double unit = static_cast<double>(core::splitmix64(state) >> 11) * 0x1.0p-53;  // [0, 1)
  double factor = 1.0 + options_.ttl_jitter * (2 * unit - 1);
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::milliseconds(static_cast<std::int64_t>(ttl.count() * factor)));
}

net::Command RedisCache::write_command(std::string_view key, std::uint64_t version,
                                       std::chrono::milliseconds ttl,
                                       const std::string_view* value) const {
  net::Command eval{"EVALSHA",
                    write_sha_,
                    "1",
                    options_.prefix + std::string(key),
                    std::to_string(version),
                    std::to_string(std::max<std::int64_t>(ttl.count(), 1))};
  if (value != nullptr) eval.emplace_back(*value);
  return eval;
}

core::Status RedisCache::run_writes(std::vector<net::Command> writes) {
  const std::size_t per = options_.wait_replicas > 0 ? 2 : 1;  // commands per write
  std::vector<net::Command> commands;
  commands.reserve(writes.size() * per);
  for (auto& w : writes) {
    commands.push_back(std::move(w));
    if (per == 2) {
      commands.push_back(
          {"WAIT", std::to_string(options_.wait_replicas),
           std::to_string(std::max<std::int64_t>(options_.wait_timeout.count(), 1))});
    }
  }
  auto r = client_->run(commands);
  if (!r) return r.error();
  // The server does not have the script (restarted, flushed): those writes go again, whole.
  std::vector<std::size_t> noscript;
  for (std::size_t i = 0; i < r->size(); i += per)
    if ((*r)[i].is_error() && (*r)[i].text.starts_with("NOSCRIPT")) noscript.push_back(i);
  if (!noscript.empty()) {
    std::vector<net::Command> again;
    for (auto i : noscript) {
      commands[i][0] = "EVAL";
      commands[i][1] = std::string(kWriteScript);
      for (std::size_t k = 0; k < per; ++k)
        again.push_back(commands[i + k]);
    }
    auto r2 = client_->run(again);
    if (!r2) return r2.error();
    for (std::size_t n = 0; n < noscript.size(); ++n)
      for (std::size_t k = 0; k < per; ++k)
        (*r)[noscript[n] + k] = std::move((*r2)[n * per + k]);
  }
  for (std::size_t i = 0; i < r->size(); i += per) {
    if ((*r)[i].type != net::Reply::Type::kInteger) return unexpected((*r)[i], "the write script");
    if (per == 1) continue;
    const auto& acked = (*r)[i + 1];
    if (acked.type != net::Reply::Type::kInteger) return unexpected(acked, "WAIT");
    if (acked.integer < options_.wait_replicas) {
      return core::unavailable("redis: a write reached " + std::to_string(acked.integer) + " of " +
                               std::to_string(options_.wait_replicas) + " replicas within " +
                               std::to_string(options_.wait_timeout.count()) + " ms");
    }
  }
  return {};
}

core::Status RedisCache::set(std::string_view key, std::string_view value, std::uint64_t version,
                             std::chrono::milliseconds ttl) {
  std::vector<net::Command> one;
  one.push_back(
      write_command(key, version, jittered(ttl.count() > 0 ? ttl : options_.ttl), &value));
  return run_writes(std::move(one));
}

core::Status RedisCache::remove(std::string_view key, std::uint64_t version) {
  std::vector<net::Command> one;
  one.push_back(write_command(key, version, options_.tombstone_ttl, nullptr));
  return run_writes(std::move(one));
}

core::Status RedisCache::write_many(std::span<const CacheWrite> writes) {
  for (std::size_t at = 0; at < writes.size(); at += kWriteBatch) {
    std::vector<net::Command> batch;
    for (const auto& w : writes.subspan(at, std::min(kWriteBatch, writes.size() - at))) {
      batch.push_back(w.remove ? write_command(w.key, w.version, options_.tombstone_ttl, nullptr)
                               : write_command(w.key, w.version, jittered(options_.ttl), &w.value));
    }
    if (auto st = run_writes(std::move(batch)); !st.is_ok()) return st;
  }
  return {};
}

CacheStats RedisCache::stats() const {
  return CacheStats{.hits = hits_.load(std::memory_order_relaxed),
                    .misses = misses_.load(std::memory_order_relaxed)};
}

}  // namespace tandem::cache
