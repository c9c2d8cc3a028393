// Handlers for collections and records under /v1. Plain functions over our own types; the
// record writes are asynchronous (they answer after the store's commit).
// Depends on core, json, schema, pipeline (and the store's value types).
#pragma once

#include <string>

#include "api/router.h"
#include "pipeline/catalog.h"
#include "pipeline/ingest.h"
#include "pipeline/pipeline.h"
#include "pipeline/read_through.h"
#include "store/types.h"

namespace tandem::api {

// What the record and collection handlers work on; owned by the composition root.
struct RecordContext {
  pipeline::Ingest& ingest;
  pipeline::Catalog& catalog;
  pipeline::Pipeline& pipeline;                   // for ?wait=indexed
  pipeline::ReadThrough& reads;                   // by-id reads through the cache
  std::chrono::milliseconds wait_timeout{10000};  // longest ?wait=indexed
  std::string default_collection = "products";    // of the demo's /cache endpoint
};

// POST /v1/collections/{c}/records?action=upsert|create|update|delete[&wait=indexed]
// With wait=indexed the answer comes once every accepted record is searchable, or after
// wait_timeout with "indexed": false.
void post_records(Request& req, Responder respond, RecordContext& ctx);
// GET /v1/collections/{c}/records/{id}: the record as stored, through the cache;
// X-Cache: hit|miss, ETag: "<seq>".
Response get_record(Request& req, RecordContext& ctx);
// GET /cache?id=...: the demo's lookup on the default collection:
// {"id":..., "source":"cache"|"store", "document":{...}}; X-Cache: hit|miss.
Response get_cached(Request& req, RecordContext& ctx);
// PUT (upsert), PATCH (update), DELETE /v1/collections/{c}/records/{id}
void write_record(Request& req, Responder respond, RecordContext& ctx, store::Action action);

Response list_collections(Request& req, RecordContext& ctx);
Response create_collection(Request& req, RecordContext& ctx);
Response get_collection(Request& req, RecordContext& ctx);
Response delete_collection(Request& req, RecordContext& ctx);

// Registers every route above. `ctx` must outlive the router.
void add_record_routes(Router& router, RecordContext& ctx);

// The JSON body and status for an ingest outcome: 200 all accepted, 207 some rejected; a single
// object answers with its own status (400, 404, 409, 413 ...).
Response ingest_response(const core::Result<pipeline::IngestResult>& result);

}  // namespace tandem::api
