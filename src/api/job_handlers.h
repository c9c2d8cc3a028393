// Handlers for scheduled jobs and dead letters under /v1. Depends on core, json, scheduler,
// pipeline.
#pragma once

#include "api/router.h"
#include "pipeline/pipeline.h"
#include "scheduler/jobs.h"

namespace tandem::api {

struct JobContext {
  scheduler::JobRunner& jobs;
  pipeline::Pipeline& pipeline;  // dead letters
};

// GET /v1/jobs: every job with its schedule, next run, whether it runs now, and recent runs.
Response list_jobs(Request& req, JobContext& ctx);
// POST /v1/jobs/{name}/run: 202 when started, 404 unknown, 409 when a run is under way.
Response run_job(Request& req, JobContext& ctx);
// GET /v1/deadletters?limit=N
Response list_dead_letters(Request& req, JobContext& ctx);
// POST /v1/deadletters/{id}/retry: apply to its sink again; 200 and removed when it succeeds.
Response retry_dead_letter(Request& req, JobContext& ctx);
// DELETE /v1/deadletters/{id}: discard.
Response discard_dead_letter(Request& req, JobContext& ctx);

void add_job_routes(Router& router, JobContext& ctx);

}  // namespace tandem::api
