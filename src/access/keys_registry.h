// KeyRegistry: the API keys in memory, and the one check every request passes before its
// handler runs: which key it carries (or none), whether that key may do what the route needs on
// the collection it names, and whether the key (or, for a failed attempt, the client address)
// is within its rate. Thread-safe; a change (put, revoke, load) applies to the next request.
// No HTTP types: the caller maps the verdict to a status. Depends on core and access.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "access/keys.h"
#include "access/rate_limit.h"

namespace tandem::access {

struct AuthOptions {
  bool enabled = true;                     // false: every request is let in, as an admin
  Scopes anonymous = 0;                    // what a request without a key may do
  Limit key_limit{.rate = 0, .burst = 0};  // per key unless the key sets its own; 0: unlimited
  Limit anonymous_limit{.rate = 0, .burst = 0};  // per client address, for keyless requests
  Limit failure_limit{.rate = 1, .burst = 10};   // failed authentications per client address
};

enum class Verdict {
  kAllowed,
  kUnauthenticated,  // no key where one is needed, or a key that is unknown, expired or revoked
  kForbidden,        // a good key without the scope, or limited to other collections
  kRateLimited,      // over the key's rate, or too many failed attempts from the address
};

// Who a request acts as.
struct Principal {
  std::string key_id;  // "" for anonymous requests (and with auth disabled)
  Scopes scopes = 0;
  std::vector<std::string> collections;  // empty: every collection
  std::string filter;                    // AND-ed to this key's searches
};

struct Check {
  Verdict verdict = Verdict::kAllowed;
  std::string reason;  // for the error body: never the key text
  // For metrics, when refused: no_key, unknown_key, revoked_key, expired_key, failed_attempts,
  // scope, collection, key_rate, anonymous_rate.
  std::string_view cause;
  Principal principal;
  Decision rate;         // for RateLimit-* and Retry-After
  bool limited = false;  // a bucket was consulted (RateLimit-* headers apply)
};

class KeyRegistry {
 public:
  explicit KeyRegistry(AuthOptions options) : options_(std::move(options)) {}

  const AuthOptions& options() const { return options_; }

  void load(std::vector<KeyRecord> keys);  // replaces every key
  void put(KeyRecord key);                 // adds, or replaces the key with the same id
  // Marks a key revoked; false when there is no such live key.
  bool revoke(std::string_view id, std::int64_t at_ms);
  std::vector<KeyRecord> list() const;  // by creation time
  std::optional<KeyRecord> find(std::string_view id) const;

  // `presented`: the key text sent ("" for none); `needed`: the route's scope (nullopt: a public
  // route, let in without a key and without limits); `collection`: the one the route names ("" for
  // none); `client`: the peer address, whose failed attempts are limited.
  Check check(std::string_view presented, std::optional<Scope> needed, std::string_view collection,
              std::string_view client, std::int64_t now_ms,
              Clock::time_point steady_now = Clock::now());

 private:
  Check refuse_unauthenticated(std::string reason, std::string_view cause, std::string_view client,
                               Clock::time_point now);

  const AuthOptions options_;
  mutable std::shared_mutex mutex_;                   // guards the two maps
  std::unordered_map<std::string, KeyRecord> by_id_;  // every key, revoked ones too
  std::unordered_map<std::string, std::string> id_of_hash_;
  RateLimiter keys_limiter_;      // per key id, and per address for anonymous requests
  RateLimiter failures_limiter_;  // per address
};

}  // namespace tandem::access
