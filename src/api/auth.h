// Access control over HTTP: the router's guard (the key a request carries, X-API-Key or
// Authorization: Bearer, checked by the key registry against the route's declared scope and
// collection: 401, 403 or 429 with Retry-After before any handler runs; RateLimit-* headers on
// limited answers) and the key routes (admin): GET /v1/keys, POST /v1/keys (201 with the key's
// text, once), GET and DELETE /v1/keys/{id}. Key changes are logged: who, what, when.
// Depends on core, obs, access and the router.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include <string_view>

#include "access/key_service.h"
#include "api/router.h"
#include "core/clock.h"
#include "obs/log.h"

namespace tandem::api {

struct AuthContext {
  access::KeyRegistry& registry;
  access::KeyService& keys;
  const core::Clock& clock;
  const obs::Logger& log;
  prometheus::Family<prometheus::Counter>* refused = nullptr;  // by reason; null: not counted
};

// The key a request presents: X-API-Key, else the token of "Authorization: Bearer <key>";
// "" for none.
std::string_view presented_key(const Request& req);

// The guard of every route (set it with Router::set_guard).
Router::Guard key_guard(AuthContext& ctx);

void add_key_routes(Router& router, AuthContext& ctx);

}  // namespace tandem::api
