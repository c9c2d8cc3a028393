// The registry of API keys and the check of a request. Depends on core and access.
#include "access/keys_registry.h"

#include <algorithm>
#include <mutex>

namespace tandem::access {

void KeyRegistry::load(std::vector<KeyRecord> keys) {
  std::unique_lock lock(mutex_);
  by_id_.clear();
  id_of_hash_.clear();
  for (auto& k : keys) {
    id_of_hash_[k.hash] = k.id;
    auto id = k.id;
    by_id_[id] = std::move(k);
  }
}

void KeyRegistry::put(KeyRecord key) {
  std::unique_lock lock(mutex_);
  if (auto it = by_id_.find(key.id); it != by_id_.end()) id_of_hash_.erase(it->second.hash);
  id_of_hash_[key.hash] = key.id;
  auto id = key.id;
  by_id_[id] = std::move(key);
}

bool KeyRegistry::revoke(std::string_view id, std::int64_t at_ms) {
  std::unique_lock lock(mutex_);
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end() || it->second.revoked_at_ms != 0) return false;
  it->second.revoked_at_ms = at_ms;
  return true;
}

std::vector<KeyRecord> KeyRegistry::list() const {
  std::shared_lock lock(mutex_);
  std::vector<KeyRecord> out;
  for (const auto& [id, k] : by_id_)
    out.push_back(k);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.created_at_ms != b.created_at_ms ? a.created_at_ms < b.created_at_ms : a.id < b.id;
  });
  return out;
}

std::optional<KeyRecord> KeyRegistry::find(std::string_view id) const {
  std::shared_lock lock(mutex_);
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

Check KeyRegistry::refuse_unauthenticated(std::string reason, std::string_view cause,
                                          std::string_view client, Clock::time_point now) {
  Check c{.verdict = Verdict::kUnauthenticated, .reason = std::move(reason), .cause = cause};
  c.rate = failures_limiter_.take(client, options_.failure_limit, now);
  if (!c.rate.allowed) {
    c.verdict = Verdict::kRateLimited;
    c.reason = "too many failed authentications from this address";
    c.cause = "failed_attempts";
    c.limited = true;
  }
  return c;
}

Check KeyRegistry::check(std::string_view presented, std::optional<Scope> needed,
                         std::string_view collection, std::string_view client, std::int64_t now_ms,
                         Clock::time_point steady_now) {
  if (!options_.enabled) {
    return {.principal = {.scopes = 0xff}};
  }
  if (!needed) return {};  // a public route
  Check c;
  if (presented.empty()) {
    if (!has(options_.anonymous, *needed)) {
      return refuse_unauthenticated("an API key is needed (X-API-Key or Authorization: Bearer)",
                                    "no_key", client, steady_now);
    }
    c.principal.scopes = options_.anonymous;
    c.rate = keys_limiter_.take("anonymous " + std::string(client), options_.anonymous_limit,
                                steady_now);
    c.limited = options_.anonymous_limit.rate > 0;
    if (!c.rate.allowed) {
      c.verdict = Verdict::kRateLimited;
      c.reason = "over the rate of requests without a key";
      c.cause = "anonymous_rate";
    }
    return c;
  }
  std::string hash = sha256_hex(presented);
  KeyRecord key;
  {
    std::shared_lock lock(mutex_);
    auto id = id_of_hash_.find(hash);
    if (id == id_of_hash_.end()) {
      lock.unlock();
      return refuse_unauthenticated("unknown API key", "unknown_key", client, steady_now);
    }
    const auto& found = by_id_.at(id->second);
    if (!same_hash(found.hash, hash)) {
      lock.unlock();
      return refuse_unauthenticated("unknown API key", "unknown_key", client, steady_now);
    }
    key = found;
  }
  if (key.revoked_at_ms != 0)
    return refuse_unauthenticated("revoked API key", "revoked_key", client, steady_now);
  if (key.spec.expires_at_ms != 0 && now_ms >= key.spec.expires_at_ms)
    return refuse_unauthenticated("expired API key", "expired_key", client, steady_now);
  c.principal = {.key_id = key.id,
                 .scopes = key.spec.scopes,
                 .collections = key.spec.collections,
                 .filter = key.spec.filter};
  const bool admin = has(key.spec.scopes, Scope::kAdmin);
  if (!admin && !has(key.spec.scopes, *needed)) {
    c.verdict = Verdict::kForbidden;
    c.reason = "the key lacks the scope '" + std::string(scope_name(*needed)) + "'";
    c.cause = "scope";
    return c;
  }
  if (!collection.empty() && !key.spec.collections.empty() &&
      std::find(key.spec.collections.begin(), key.spec.collections.end(), collection) ==
          key.spec.collections.end()) {
    c.verdict = Verdict::kForbidden;
    c.reason = "the key is not for collection '" + std::string(collection) + "'";
    c.cause = "collection";
    return c;
  }
  Limit limit{.rate = key.spec.rate > 0 ? key.spec.rate : options_.key_limit.rate,
              .burst = key.spec.burst > 0 ? key.spec.burst : options_.key_limit.burst};
  if (limit.burst <= 0) limit.burst = std::max(1.0, limit.rate);
  c.limited = limit.rate > 0;
  c.rate = keys_limiter_.take(key.id, limit, steady_now);
  if (!c.rate.allowed) {
    c.verdict = Verdict::kRateLimited;
    c.reason = "over the key's rate of " + std::to_string(static_cast<long long>(limit.rate)) +
               " requests per second";
    c.cause = "key_rate";
  }
  return c;
}

}  // namespace tandem::access
