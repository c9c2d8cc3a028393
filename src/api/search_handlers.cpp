// Search parameters -> SearchRequest -> JSON response (DESIGN.md §3).
#include "api/search_handlers.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "api/errors.h"
#include "core/text.h"
#include "json/writer.h"
#include "query/parse.h"

namespace tandem::api {
namespace {

Response parse_error(std::string_view code, std::string_view parameter,
                     const query::ParseError& e) {
  json::Writer w;
  w.begin_object().key("error").begin_object().field("code", code).field("message", e.message);
  w.key("details").begin_object().field("parameter", parameter).field("position", e.position);
  w.end_object().end_object().end_object();
  return Response{.status = 400, .body = w.take()};
}

// A whole number parameter in [min, max], or the default when absent.
core::Result<std::size_t> number_param(const Request& req, std::string_view name,
                                       std::size_t fallback, std::size_t min, std::size_t max) {
  auto text = req.query_param(name);
  if (!text) return fallback;
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < min || v > max) {
    return core::fail(core::invalid_argument(std::string(name) + ": expected a whole number from " +
                                             std::to_string(min) + " to " + std::to_string(max) +
                                             ", got '" + *text + "'"));
  }
  return v;
}

core::Result<int> typos_param(const Request& req) {
  auto text = req.query_param("typos").value_or("auto");
  if (text == "auto") return -1;
  if (text == "0" || text == "1" || text == "2") return text[0] - '0';
  return core::fail(core::invalid_argument("typos: expected auto, 0, 1 or 2, got '" + text + "'"));
}

core::Result<bool> prefix_param(const Request& req) {
  auto text = req.query_param("prefix").value_or("true");
  if (text == "true") return true;
  if (text == "false") return false;
  return core::fail(core::invalid_argument("prefix: expected true or false, got '" + text + "'"));
}

Response render(const search::SearchRequest& r, const search::SearchResult& result,
                double took_ms) {
  json::Writer w;
  w.begin_object().field("found", result.found);
  if (result.found_is_estimate) w.field("found_is_estimate", true);
  w.field("page", r.page).field("per_page", r.per_page).field("took_ms", took_ms);
  if (!result.dropped_words.empty()) {
    w.key("dropped_words").begin_array();
    for (const auto& word : result.dropped_words)
      w.value(word);
    w.end_array();
  }
  w.key("hits").begin_array();
  for (const auto& hit : result.hits) {
    w.begin_object()
        .field("id", hit.id)
        .field("score", hit.score)
        .key("document")
        .raw(hit.document);
    if (!hit.highlights.empty()) {
      w.key("highlights").begin_object();
      for (const auto& [field, snippet] : hit.highlights)
        w.field(field, snippet);
      w.end_object();
    }
    w.end_object();
  }
  w.end_array().key("facets").begin_object();
  for (const auto& [field, values] : result.facets) {
    w.key(field).begin_array();
    for (const auto& v : values)
      w.begin_object().field("value", v.value).field("count", v.count).end_object();
    w.end_array();
  }
  w.end_object().end_object();
  return Response{.body = w.take()};
}

// Reads every parameter into the request, or answers the first problem.
std::optional<Response> read_params(const Request& req, search::SearchRequest& r) {
  auto prefix = prefix_param(req);
  if (!prefix) return error_response(prefix.error());
  auto text = query::parse_text(req.query_param("q").value_or("*"), *prefix);
  if (!text) return parse_error("invalid_query", "q", text.error());
  r.text = std::move(*text);
  if (auto f = req.query_param("filter"); f && !f->empty()) {
    auto filter = query::parse_filter(*f);
    if (!filter) return parse_error("invalid_filter", "filter", filter.error());
    r.filter = std::move(*filter);
  }
  if (auto s = req.query_param("sort"); s && !s->empty()) {
    auto sort = query::parse_sort(*s);
    if (!sort) return parse_error("invalid_sort", "sort", sort.error());
    r.sort = std::move(*sort);
  }
  r.query_by = core::split_list(req.query_param("query_by").value_or(""));
  r.facets = core::split_list(req.query_param("facets").value_or(""));
  r.highlight = core::split_list(req.query_param("highlight").value_or(""));
  if (auto names = req.query_param("ranking")) {  // "ranking=" alone: BM25 only
    auto rules = schema::parse_ranking(core::split_list(*names));
    if (!rules) return error_response(rules.error());
    r.ranking = std::move(*rules);
  }
  auto page = number_param(req, "page", 1, 1, 100000);
  auto per_page = number_param(req, "per_page", 10, 0, kMaxPerPage);
  auto max_facets = number_param(req, "max_facet_values", 10, 1, 1000);
  auto typos = typos_param(req);
  for (const auto* p : {&page, &per_page, &max_facets}) {
    if (!*p) return error_response(p->error());
  }
  if (!typos) return error_response(typos.error());
  r.page = *page;
  r.per_page = *per_page;
  r.max_facet_values = *max_facets;
  r.typos = *typos;
  return std::nullopt;
}

// The request's parameters as "name=value" pieces, for the query cache's key.
std::vector<std::string_view> query_pieces(const Request& req) {
  std::vector<std::string_view> params;
  std::string_view rest = req.query;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    if (amp != 0) params.push_back(rest.substr(0, amp));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return params;
}

// A cached body with this request's took_ms in place of the one it was stored with.
std::string with_took(std::string body, double took_ms) {
  auto at = body.find("\"took_ms\":");
  if (at == std::string::npos) return body;
  at += 10;
  auto end = body.find(',', at);
  std::string took;
  json::append_number(took, took_ms);
  return body.replace(at, end - at, took);
}

}  // namespace

Response search_collection(Request& req, SearchContext& ctx, const std::string& collection) {
  auto started = std::chrono::steady_clock::now();
  search::SearchRequest r;
  r.collection = ctx.catalog.find(collection);
  if (!r.collection)
    return error_response(core::not_found("no collection named '" + collection + "'"));
  // A key scoped by a filter searches within it: the filter is AND-ed to the request's, and
  // keys the cached answers apart.
  const std::string scope = req.principal.filter.empty() ? "" : "\x01" + req.principal.filter;
  pipeline::QueryCache::Lookup cached;
  if (ctx.results != nullptr) {
    auto pieces = query_pieces(req);
    if (!scope.empty()) pieces.push_back(scope);
    cached = ctx.results->lookup(collection, std::move(pieces));
    if (cached.body) {
      std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - started;
      if (ctx.metrics) ctx.metrics->observe(collection, true, took.count() / 1000);
      Response res{.body = with_took(std::move(*cached.body), took.count())};
      res.headers.emplace_back("X-Cache", "hit");
      return res;
    }
  }
  if (auto problem = read_params(req, r)) return std::move(*problem);
  if (!req.principal.filter.empty()) {
    auto scoped = query::parse_filter(req.principal.filter);  // checked when the key was made
    if (!scoped) return error_response(core::internal_error("the key's filter does not parse"));
    if (r.filter) {
      query::And both;
      both.operands.push_back(std::move(*scoped));
      both.operands.push_back(std::move(*r.filter));
      r.filter = query::Filter{std::move(both)};
    } else {
      r.filter = std::move(*scoped);
    }
  }
  auto result = ctx.backend.search(r);
  if (!result) {
    Response res = error_response(result.error());
    if (result.error().code() == core::StatusCode::kUnavailable)
      res.headers.emplace_back("Retry-After", "1");
    return res;
  }
  std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - started;
  if (ctx.metrics) ctx.metrics->observe(collection, false, took.count() / 1000);
  Response res = render(r, *result, took.count());
  if (ctx.results != nullptr) {
    ctx.results->store(cached, res.body);
    res.headers.emplace_back("X-Cache", "miss");
  }
  return res;
}

void add_search_routes(Router& router, SearchContext& ctx) {
  router.add(Method::kGet, "/search", needs(access::Scope::kSearch, ctx.default_collection),
             [&ctx](Request& r) { return search_collection(r, ctx, ctx.default_collection); });
  router.add(Method::kGet, "/v1/collections/{c}/search", needs(access::Scope::kSearch),
             [&ctx](Request& r) {
               return search_collection(r, ctx, std::string(r.param("c").value_or("")));
             });
}

}  // namespace tandem::api
