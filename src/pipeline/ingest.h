// Ingest: turns a request body (one JSON object, a JSON array, or NDJSON) into validated record
// operations, writes them to the store as one batch and reports every record's outcome.
// Shared by the HTTP API, `tandem import` and the generator job. Depends on core, json, schema,
// the store's RecordStore interface, pipeline/catalog.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pipeline/catalog.h"
#include "pipeline/metrics.h"
#include "schema/record.h"
#include "store/record_store.h"

namespace tandem::pipeline {

enum class BodyFormat {
  kJson,    // one object, or an array of objects
  kNdjson,  // one object per line
};

struct IngestRequest {
  std::string collection;
  store::Action action = store::Action::kUpsert;
  BodyFormat format = BodyFormat::kJson;
  std::string body;
  std::string id;        // when set (PUT/PATCH/DELETE of one record), the record's id from the URL
  bool visible = false;  // ?wait=indexed: store::WriteBatch::visible
};

// One record's fate. `seq` holds its sequence number or the per-record error.
struct RecordOutcome {
  std::size_t position = 0;  // array index (0-based) or NDJSON line (1-based); 0 for one object
  std::string id;            // the record's id when it could be read
  core::Result<std::uint64_t> seq;
};

struct IngestResult {
  std::vector<RecordOutcome> records;  // in input order
  std::size_t accepted = 0;            // records stored
  std::size_t rejected = 0;            // records refused
  bool single = false;                 // the body was one JSON object (not an array or NDJSON)
};

using IngestCallback = std::function<void(core::Result<IngestResult>)>;

class Ingest {
 public:
  // `metrics` may be null (tools and tests).
  Ingest(store::RecordStore& store, const Catalog& catalog, std::size_t max_record_bytes,
         PipelineMetrics* metrics = nullptr)
      : store_(store), catalog_(catalog), max_record_bytes_(max_record_bytes), metrics_(metrics) {}

  // Validates on the calling thread, then queues the batch; `done` runs on the store's thread
  // once the batch is durable. Whole-request errors, reported through `done` before anything is
  // stored: kNotFound (unknown collection), kInvalidArgument (a JSON body that does not parse, no
  // records), kInsufficientStorage / kUnavailable from the store.
  void submit(IngestRequest request, IngestCallback done);
  // submit() and wait.
  core::Result<IngestResult> write(IngestRequest request);

  // Called on the writer thread for every accepted record, after its commit and before the
  // request is answered (the write fence notes it here, so a read after the write's answer never
  // sees an older cached version). Must not block. Set before use.
  using CommitHook =
      std::function<void(std::string_view collection, std::string_view id, std::uint64_t seq)>;
  void on_commit(CommitHook hook) { hook_ = std::move(hook); }

 private:
  void count(const std::string& collection, const IngestResult& result);

  store::RecordStore& store_;
  const Catalog& catalog_;
  std::size_t max_record_bytes_;  // per record
  PipelineMetrics* metrics_;      // optional
  CommitHook hook_;               // optional
};

}  // namespace tandem::pipeline
