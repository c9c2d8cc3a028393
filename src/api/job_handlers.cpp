// Job and dead-letter handlers. Depends on core, json, scheduler, pipeline.
#include "api/job_handlers.h"

#include <charconv>

#include "api/errors.h"
#include "core/clock.h"
#include "json/writer.h"

namespace tandem::api {
namespace {

std::string rfc3339(std::int64_t ms) {
  return core::format_rfc3339_ms(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

void write_run(json::Writer& w, const store::JobRun& run) {
  w.begin_object().field("started_at", rfc3339(run.started_at_ms));
  w.field("duration_ms", run.duration_ms).field("outcome", run.outcome);
  w.field("message", run.message).end_object();
}

// A positive integer query or path parameter, or the default.
core::Result<std::int64_t> integer(std::optional<std::string_view> text, std::int64_t fallback,
                                   std::string_view name) {
  if (!text) return fallback;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < 1) {
    return core::fail(core::invalid_argument(std::string(name) + ": expected a positive integer"));
  }
  return v;
}

}  // namespace

Response list_jobs(Request&, JobContext& ctx) {
  auto jobs = ctx.jobs.status(10);
  if (!jobs) return error_response(jobs.error());
  json::Writer w;
  w.begin_object().key("jobs").begin_array();
  for (const auto& job : *jobs) {
    w.begin_object().field("name", job.name).field("schedule", job.schedule);
    w.field("running", job.running).key("next_run");
    if (job.next_run) {
      w.value(core::format_rfc3339_ms(*job.next_run));
    } else {
      w.null();
    }
    w.key("last_run");
    if (job.recent.empty()) {
      w.null();
    } else {
      write_run(w, job.recent.front());
    }
    w.key("runs").begin_array();
    for (const auto& run : job.recent)
      write_run(w, run);
    w.end_array().end_object();
  }
  w.end_array().end_object();
  return Response{.body = w.take()};
}

Response run_job(Request& req, JobContext& ctx) {
  std::string_view name = req.param("name").value_or("");
  if (auto st = ctx.jobs.run_now(name); !st.is_ok()) return error_response(st);
  json::Writer w;
  w.begin_object().field("name", name).field("started", true).end_object();
  return Response{.status = 202, .body = w.take()};
}

Response list_dead_letters(Request& req, JobContext& ctx) {
  auto limit = integer(req.query_param("limit"), 100, "limit");
  if (!limit) return error_response(limit.error());
  auto letters = ctx.pipeline.dead_letters(static_cast<std::size_t>(*limit));
  if (!letters) return error_response(letters.error());
  json::Writer w;
  w.begin_object().key("dead_letters").begin_array();
  for (const auto& l : *letters) {
    w.begin_object().field("id", l.id).field("sink", l.sink).field("seq", l.change.seq);
    w.field("collection", l.change.collection).field("record_id", l.change.id);
    w.field("op", changes::op_name(l.change.op)).field("reason", l.reason);
    w.field("at", rfc3339(l.at_ms)).end_object();
  }
  w.end_array().end_object();
  return Response{.body = w.take()};
}

Response retry_dead_letter(Request& req, JobContext& ctx) {
  auto id = integer(req.param("id"), 0, "id");
  if (!id) return error_response(id.error());
  if (auto st = ctx.pipeline.retry_dead_letter(*id); !st.is_ok()) return error_response(st);
  json::Writer w;
  w.begin_object().field("id", *id).field("retried", true).end_object();
  return Response{.body = w.take()};
}

Response discard_dead_letter(Request& req, JobContext& ctx) {
  auto id = integer(req.param("id"), 0, "id");
  if (!id) return error_response(id.error());
  if (auto st = ctx.pipeline.discard_dead_letter(*id); !st.is_ok()) return error_response(st);
  return Response{.status = 204, .body = ""};
}

void add_job_routes(Router& router, JobContext& ctx) {
  using access::Scope;
  router.add(Method::kGet, "/v1/jobs", needs(Scope::kRead),
             [&ctx](Request& r) { return list_jobs(r, ctx); });
  router.add(Method::kPost, "/v1/jobs/{name}/run", needs(Scope::kWrite),
             [&ctx](Request& r) { return run_job(r, ctx); });
  router.add(Method::kGet, "/v1/deadletters", needs(Scope::kAdmin),
             [&ctx](Request& r) { return list_dead_letters(r, ctx); });
  router.add(Method::kPost, "/v1/deadletters/{id}/retry", needs(Scope::kAdmin),
             [&ctx](Request& r) { return retry_dead_letter(r, ctx); });
  router.add(Method::kDelete, "/v1/deadletters/{id}", needs(Scope::kAdmin),
             [&ctx](Request& r) { return discard_dead_letter(r, ctx); });
}

}  // namespace tandem::api
