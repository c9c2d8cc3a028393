// The guard and the key routes. Depends on core, json, obs, access and the router.
#include "api/auth.h"

#include <cmath>

#include "access/key_json.h"
#include "api/errors.h"
#include "json/writer.h"

namespace tandem::api {
namespace {

using access::Verdict;

std::int64_t now_ms(const core::Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
      .count();
}

std::string seconds(std::chrono::milliseconds ms) {
  return std::to_string((ms.count() + 999) / 1000);
}

// RateLimit-Limit, -Remaining and -Reset (IETF draft of the RateLimit header fields).
void rate_headers(std::vector<std::pair<std::string, std::string>>& out,
                  const access::Decision& d) {
  out.emplace_back("RateLimit-Limit", std::to_string(static_cast<long long>(d.limit)));
  out.emplace_back("RateLimit-Remaining", std::to_string(static_cast<long long>(d.remaining)));
  out.emplace_back("RateLimit-Reset", seconds(d.reset));
}

std::string who(const Request& req) {
  return req.principal.key_id.empty() ? std::string("anonymous") : req.principal.key_id;
}

Response list_keys(Request&, AuthContext& ctx) {
  json::Writer w;
  w.begin_object().key("keys").begin_array();
  for (const auto& k : ctx.registry.list())
    w.raw(access::key_to_json(k));
  w.end_array().end_object();
  return Response{.body = w.take()};
}

Response get_key(Request& req, AuthContext& ctx) {
  auto id = req.param("id").value_or("");
  auto key = ctx.registry.find(id);
  if (!key) return error_response(404, "not_found", "no API key '" + std::string(id) + "'");
  return Response{.body = access::key_to_json(*key)};
}

Response create_key(Request& req, AuthContext& ctx) {
  auto spec = access::spec_from_json(req.body, now_ms(ctx.clock));
  if (!spec) return error_response(spec.error());
  auto made = ctx.keys.create(std::move(*spec));
  if (!made) return error_response(made.error());
  TANDEM_LOG(ctx.log, obs::Level::kInfo, "api key created", {"request_id", req.request_id},
             {"by", who(req)}, {"key_id", made->record.id},
             {"scopes", access::spec_to_json(made->record.spec)});
  return Response{
      .status = 201,
      .body = access::key_to_json(made->record, made->key),
      .headers = {{"Location", "/v1/keys/" + made->record.id}, {"Cache-Control", "no-store"}}};
}

Response revoke_key(Request& req, AuthContext& ctx) {
  auto id = std::string(req.param("id").value_or(""));
  auto revoked = ctx.keys.revoke(id);
  if (!revoked) return error_response(revoked.error());
  if (!*revoked) return error_response(404, "not_found", "no live API key '" + id + "'");
  TANDEM_LOG(ctx.log, obs::Level::kInfo, "api key revoked", {"request_id", req.request_id},
             {"by", who(req)}, {"key_id", id});
  return Response{.status = 204, .body = ""};
}

}  // namespace

std::string_view presented_key(const Request& req) {
  if (auto k = req.header("X-API-Key")) return *k;
  if (auto a = req.header("Authorization")) {
    std::string_view v = *a;
    if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer ")) {
      v.remove_prefix(7);
      while (!v.empty() && v.front() == ' ')
        v.remove_prefix(1);
      return v;
    }
  }
  return {};
}

Router::Guard key_guard(AuthContext& ctx) {
  return [&ctx](Request& req, const Route& route) -> std::optional<Response> {
    std::string_view collection = route.access.collection;
    if (auto c = req.param("c")) collection = *c;
    auto check = ctx.registry.check(presented_key(req), route.access.scope, collection, req.client,
                                    now_ms(ctx.clock));
    req.principal = std::move(check.principal);
    if (check.limited) rate_headers(req.response_headers, check.rate);
    if (check.verdict == Verdict::kAllowed) return std::nullopt;
    if (ctx.refused) ctx.refused->Add({{"reason", std::string(check.cause)}}).Increment();
    Response res;
    switch (check.verdict) {
      case Verdict::kAllowed: return std::nullopt;
      case Verdict::kUnauthenticated:
        res = error_response(401, "unauthenticated", check.reason);
        res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"tandem\"");
        break;
      case Verdict::kForbidden: res = error_response(403, "forbidden", check.reason); break;
      case Verdict::kRateLimited:
        res = error_response(429, "rate_limited", check.reason);
        res.headers.emplace_back("Retry-After", seconds(check.rate.retry));
        if (!check.limited) rate_headers(res.headers, check.rate);
        break;
    }
    for (auto& h : req.response_headers)
      res.headers.push_back(std::move(h));
    req.response_headers.clear();
    return res;
  };
}

void add_key_routes(Router& router, AuthContext& ctx) {
  const auto admin = needs(access::Scope::kAdmin);
  router.add(Method::kGet, "/v1/keys", admin, [&ctx](Request& r) { return list_keys(r, ctx); });
  router.add(Method::kPost, "/v1/keys", admin, [&ctx](Request& r) { return create_key(r, ctx); });
  router.add(Method::kGet, "/v1/keys/{id}", admin, [&ctx](Request& r) { return get_key(r, ctx); });
  router.add(Method::kDelete, "/v1/keys/{id}", admin,
             [&ctx](Request& r) { return revoke_key(r, ctx); });
}

}  // namespace tandem::api
