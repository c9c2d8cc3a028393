// Collection and record handlers. Depends on core, json, schema, pipeline.
#include "api/record_handlers.h"

#include "api/errors.h"
#include "json/writer.h"

namespace tandem::api {
namespace {

// 507 and 503 tell clients when to come back.
Response failure_response(const core::Status& st) {
  Response res = error_response(st);
  if (st.code() == core::StatusCode::kInsufficientStorage ||
      st.code() == core::StatusCode::kUnavailable) {
    res.headers.emplace_back("Retry-After", "5");
  }
  return res;
}

void write_error(json::Writer& w, const core::Status& st) {
  w.key("error").begin_object();
  w.field("code", core::code_name(st.code())).field("message", st.message());
  w.end_object();
}

Response single_response(const pipeline::RecordOutcome& r) {
  if (!r.seq) return failure_response(r.seq.error());
  json::Writer w;
  w.begin_object().field("id", r.id).field("seq", *r.seq).end_object();
  return Response{.body = w.take()};
}

core::Result<pipeline::BodyFormat> body_format(const Request& req) {
  auto type = req.header("Content-Type").value_or("application/json");
  std::string_view base = type.substr(0, type.find(';'));
  while (!base.empty() && base.back() == ' ')
    base.remove_suffix(1);
  if (base == "application/json") return pipeline::BodyFormat::kJson;
  if (base == "application/x-ndjson" || base == "application/jsonl") {
    return pipeline::BodyFormat::kNdjson;
  }
  return core::fail(core::invalid_argument("unsupported Content-Type '" + std::string(type) +
                                           "'; use application/json or application/x-ndjson"));
}

// {"name":..., "documents":N, "schema":{...}}, or the store's error counting the documents.
core::Status write_collection(json::Writer& w, const schema::Collection& c,
                              pipeline::Catalog& catalog) {
  auto n = catalog.count(c.name);
  if (!n) return n.error();
  w.begin_object().field("name", c.name).field("documents", *n);
  w.key("schema").raw(schema::collection_to_json(c)).end_object();
  return {};
}

std::string collection_param(const Request& req) {
  return std::string(req.param("c").value_or(""));
}

// ?wait=indexed: true; absent: false.
core::Result<bool> wait_param(const Request& req) {
  auto wait = req.query_param("wait");
  if (!wait) return false;
  if (*wait == "indexed") return true;
  return core::fail(core::invalid_argument("wait: expected 'indexed', got '" + *wait + "'"));
}

// Adds "indexed": true|false to a successful JSON object response.
void mark_indexed(Response& res, bool indexed) {
  if (res.status >= 300 || res.body.size() < 2 || res.body.back() != '}') return;
  res.body.pop_back();
  res.body += indexed ? ",\"indexed\":true}" : ",\"indexed\":false}";
}

// Submits, then answers; with `wait`, only once the newest accepted record is searchable.
// A store that can make the write visible itself (OpenSearch's refresh=wait_for) is asked to;
// the pipeline's sinks are waited for after the write either way (none in direct mode).
void submit(RecordContext& ctx, pipeline::IngestRequest ingest, bool wait, Responder respond) {
  ingest.visible = wait;
  ctx.ingest.submit(std::move(ingest), [&ctx, wait, respond = std::move(respond)](auto result) {
    Response res = ingest_response(result);
    std::uint64_t newest = 0;
    if (result) {
      for (const auto& r : result->records) {
        if (r.seq) newest = std::max(newest, *r.seq);
      }
    }
    if (!wait || newest == 0) {
      respond(std::move(res));
      return;
    }
    auto shared = std::make_shared<Response>(std::move(res));
    ctx.pipeline.when_applied(newest, ctx.wait_timeout, [shared, respond](bool indexed) {
      mark_indexed(*shared, indexed);
      respond(std::move(*shared));
    });
  });
}

// Looks a record up through the cache; answers the error, or nullopt and fills `out`.
// A problem with the request itself: an unknown collection or a malformed id.
std::optional<Response> check_lookup(RecordContext& ctx, const std::string& c,
                                     const std::string& id) {
  if (!ctx.catalog.find(c))
    return error_response(core::not_found("no collection named '" + c + "'"));
  if (auto st = schema::RecordParser::check_id(id); !st.is_ok()) return error_response(st);
  return std::nullopt;
}

// The 404 of a record that is not there (from the cache or the store).
Response not_found_response(const std::string& id, bool from_cache) {
  Response res = error_response(core::not_found("no record with id '" + id + "'"));
  res.headers.emplace_back("X-Cache", from_cache ? "hit" : "miss");
  return res;
}

// How a found record is answered: GET /v1/collections/{c}/records/{id} or /cache?id=.
using Answer = Response (*)(const std::string& id, pipeline::Lookup& found);

Response record_answer(const std::string&, pipeline::Lookup& found) {
  Response res{.body = std::move(*found.body)};
  res.headers.emplace_back("ETag", "\"" + std::to_string(found.version) + "\"");
  res.headers.emplace_back("X-Cache", found.from_cache ? "hit" : "miss");
  return res;
}

Response cache_answer(const std::string& id, pipeline::Lookup& found) {
  json::Writer w;
  w.begin_object().field("id", id).field("source", found.from_cache ? "cache" : "store");
  w.field("version", found.version).key("document").raw(*found.body).end_object();
  Response res{.body = w.take()};
  res.headers.emplace_back("X-Cache", found.from_cache ? "hit" : "miss");
  return res;
}

Response answer(const std::string& id, core::Result<pipeline::Lookup> found, Answer how) {
  if (!found) return failure_response(found.error());
  if (!found->body) return not_found_response(id, found->from_cache);
  return how(id, *found);
}

Response lookup(RecordContext& ctx, const std::string& c, const std::string& id, Answer how) {
  if (auto problem = check_lookup(ctx, c, id)) return std::move(*problem);
  return answer(id, ctx.reads.get(c, id), how);
}

// The same when the cache answers on its own thread: a hit is answered from there, a miss goes
// on on a server thread (the store, and filling the cache, block).
void lookup_async(RecordContext& ctx, std::string c, std::string id, Answer how,
                  Responder respond) {
  if (auto problem = check_lookup(ctx, c, id)) return respond(std::move(*problem));
  auto& reads = ctx.reads;
  reads.cached_async(
      c, id,
      [&reads, c, id, how, respond = std::move(respond)](std::optional<pipeline::Lookup> hit) {
        if (hit) return respond(answer(id, std::move(*hit), how));
        respond.defer([&reads, c, id, how] { return answer(id, reads.after_miss(c, id), how); });
      });
}

}  // namespace

Response ingest_response(const core::Result<pipeline::IngestResult>& result) {
  if (!result) return failure_response(result.error());
  if (result->single && result->records.size() == 1) return single_response(result->records[0]);
  json::Writer w;
  w.begin_object().field("accepted", result->accepted).field("rejected", result->rejected);
  w.key("results").begin_array();
  for (const auto& r : result->records) {
    w.begin_object().field("position", r.position);
    if (!r.id.empty()) w.field("id", r.id);
    if (r.seq) {
      w.field("seq", *r.seq);
    } else {
      write_error(w, r.seq.error());
    }
    w.end_object();
  }
  w.end_array().end_object();
  return Response{.status = result->rejected == 0 ? 200 : 207, .body = w.take()};
}

void post_records(Request& req, Responder respond, RecordContext& ctx) {
  auto format = body_format(req);
  if (!format) {
    respond(error_response(415, "unsupported_media_type", format.error().message()));
    return;
  }
  auto action = store::parse_action(req.query_param("action").value_or("upsert"));
  if (!action) {
    respond(error_response(action.error()));
    return;
  }
  pipeline::IngestRequest ingest{.collection = collection_param(req),
                                 .action = *action,
                                 .format = *format,
                                 .body = std::move(req.body)};
  auto wait = wait_param(req);
  if (!wait) {
    respond(error_response(wait.error()));
    return;
  }
  submit(ctx, std::move(ingest), *wait, std::move(respond));
}

void write_record(Request& req, Responder respond, RecordContext& ctx, store::Action action) {
  if (action != store::Action::kDelete) {
    auto format = body_format(req);
    if (!format || *format != pipeline::BodyFormat::kJson) {
      respond(error_response(415, "unsupported_media_type", "use Content-Type: application/json"));
      return;
    }
  }
  pipeline::IngestRequest ingest{.collection = collection_param(req),
                                 .action = action,
                                 .body = std::move(req.body),
                                 .id = std::string(req.param("id").value_or(""))};
  if (auto st = schema::RecordParser::check_id(ingest.id); !st.is_ok()) {
    respond(error_response(st));
    return;
  }
  auto wait = wait_param(req);
  if (!wait) {
    respond(error_response(wait.error()));
    return;
  }
  submit(ctx, std::move(ingest), *wait, std::move(respond));
}

Response get_record(Request& req, RecordContext& ctx) {
  return lookup(ctx, collection_param(req), std::string(req.param("id").value_or("")),
                record_answer);
}

void get_record_async(Request& req, Responder respond, RecordContext& ctx) {
  lookup_async(ctx, collection_param(req), std::string(req.param("id").value_or("")), record_answer,
               std::move(respond));
}

// A search key scoped by a filter may not look records up by id: the record might be outside it.
std::optional<Response> scoped_key_refusal(const Request& req) {
  if (req.principal.filter.empty()) return std::nullopt;
  return error_response(403, "forbidden",
                        "this key's searches are limited by a filter; /cache would show records "
                        "outside it");
}

Response get_cached(Request& req, RecordContext& ctx) {
  if (auto refusal = scoped_key_refusal(req)) return std::move(*refusal);
  auto id = req.query_param("id");
  if (!id) return error_response(core::invalid_argument("id: required (/cache?id=...)"));
  return lookup(ctx, ctx.default_collection, std::string(*id), cache_answer);
}

void get_cached_async(Request& req, Responder respond, RecordContext& ctx) {
  if (auto refusal = scoped_key_refusal(req)) return respond(std::move(*refusal));
  auto id = req.query_param("id");
  if (!id) return respond(error_response(core::invalid_argument("id: required (/cache?id=...)")));
  lookup_async(ctx, ctx.default_collection, std::string(*id), cache_answer, std::move(respond));
}

Response list_collections(Request&, RecordContext& ctx) {
  json::Writer w;
  w.begin_object().key("collections").begin_array();
  for (const auto& c : ctx.catalog.list()) {
    if (auto st = write_collection(w, *c, ctx.catalog); !st.is_ok()) return failure_response(st);
  }
  w.end_array().end_object();
  return Response{.body = w.take()};
}

Response create_collection(Request& req, RecordContext& ctx) {
  auto collection = schema::collection_from_json(req.body);
  if (!collection) return error_response(collection.error());
  if (auto st = ctx.catalog.create(*collection); !st.is_ok()) return failure_response(st);
  json::Writer w;
  if (auto st = write_collection(w, *collection, ctx.catalog); !st.is_ok())
    return failure_response(st);
  return Response{.status = 201, .body = w.take()};
}

Response get_collection(Request& req, RecordContext& ctx) {
  std::string name = collection_param(req);
  auto c = ctx.catalog.find(name);
  if (!c) return error_response(core::not_found("no collection named '" + name + "'"));
  json::Writer w;
  if (auto st = write_collection(w, *c, ctx.catalog); !st.is_ok()) return failure_response(st);
  return Response{.body = w.take()};
}

Response delete_collection(Request& req, RecordContext& ctx) {
  std::string name = collection_param(req);
  auto seq = ctx.catalog.drop(name);
  if (!seq) return failure_response(seq.error());
  json::Writer w;
  w.begin_object().field("name", name).field("seq", *seq).end_object();
  return Response{.body = w.take()};
}

void add_record_routes(Router& router, RecordContext& ctx) {
  using access::Scope;
  const std::string records = "/v1/collections/{c}/records";
  const std::string record = records + "/{id}";
  router.add(Method::kGet, "/v1/collections", needs(Scope::kRead),
             [&ctx](Request& r) { return list_collections(r, ctx); });
  router.add(Method::kPost, "/v1/collections", needs(Scope::kAdmin),
             [&ctx](Request& r) { return create_collection(r, ctx); });
  router.add(Method::kGet, "/v1/collections/{c}", needs(Scope::kRead),
             [&ctx](Request& r) { return get_collection(r, ctx); });
  router.add(Method::kDelete, "/v1/collections/{c}", needs(Scope::kAdmin),
             [&ctx](Request& r) { return delete_collection(r, ctx); });
  router.add_async(Method::kPost, records, needs(Scope::kWrite),
                   [&ctx](Request& r, Responder d) { post_records(r, std::move(d), ctx); });
  // /cache is the demo's by-id lookup, a search key's to use; records by id need `read`.
  const auto cache = needs(Scope::kSearch, ctx.default_collection);
  // By id: asynchronous when the cache answers on its own thread (Redis), so that a server
  // thread does not wait for its round trip.
  if (ctx.reads.async_gets()) {
    router.add_async(Method::kGet, record, needs(Scope::kRead),
                     [&ctx](Request& r, Responder d) { get_record_async(r, std::move(d), ctx); });
    router.add_async(Method::kGet, "/cache", cache,
                     [&ctx](Request& r, Responder d) { get_cached_async(r, std::move(d), ctx); });
  } else {
    router.add(Method::kGet, record, needs(Scope::kRead),
               [&ctx](Request& r) { return get_record(r, ctx); });
    router.add(Method::kGet, "/cache", cache, [&ctx](Request& r) { return get_cached(r, ctx); });
  }
  router.add_async(Method::kPut, record, needs(Scope::kWrite), [&ctx](Request& r, Responder d) {
    write_record(r, std::move(d), ctx, store::Action::kUpsert);
  });
  router.add_async(Method::kPatch, record, needs(Scope::kWrite), [&ctx](Request& r, Responder d) {
    write_record(r, std::move(d), ctx, store::Action::kUpdate);
  });
  router.add_async(Method::kDelete, record, needs(Scope::kWrite), [&ctx](Request& r, Responder d) {
    write_record(r, std::move(d), ctx, store::Action::kDelete);
  });
}

}  // namespace tandem::api
