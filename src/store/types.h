// The store's value types: write actions, documents, dead letters, job runs (change-log entries
// are changes::Change). Depends on core, changes and schema.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "changes/changes.h"
#include "core/result.h"
#include "schema/collection.h"

namespace tandem::store {

// What a client asks for, per record.
enum class Action {
  kUpsert,  // insert or replace
  kCreate,  // insert; already_exists when the id exists
  kUpdate,  // merge a patch into the existing record; not_found when missing
  kDelete,  // remove; not_found when missing
};

std::string_view action_name(Action a);
// "upsert" | "create" | "update" | "delete"; kInvalidArgument otherwise.
core::Result<Action> parse_action(std::string_view name);

// One record operation of a write batch.
struct WriteOp {
  Action action = Action::kUpsert;
  std::string id;    // validated id
  std::string body;  // validated record (upsert, create), patch (update), empty (delete)
};

// A batch of operations on one collection, committed in one transaction (possibly shared with
// other batches: group commit). `collection` carries the schema for merging updates.
struct WriteBatch {
  std::shared_ptr<const schema::Collection> collection;
  std::vector<WriteOp> ops;
  // Acknowledge only once searches see the batch (?wait=indexed). OpenSearchStore sends
  // refresh=wait_for; the SQLite store leaves it to the caller, who waits for the sinks.
  bool visible = false;
};

// The outcome of one WriteOp: its sequence number, or the per-record error (already_exists,
// not_found, invalid_argument from a merge).
struct OpResult {
  std::string id;
  core::Result<std::uint64_t> seq;
  // The record as written (upsert, create, update: merged), where the store hands it back:
  // OpenSearchStore does, for direct mode's write-through cache; Store leaves it empty (its
  // cache sink reads the change log).
  std::string body;
};

struct Document {
  std::string id;
  std::uint64_t seq = 0;           // version
  std::string body;                // as accepted
  std::int64_t updated_at_ms = 0;  // commit time
};

// A change a sink could not apply permanently, with the reason.
struct DeadLetter {
  std::int64_t id = 0;     // assigned by the store
  std::string sink;        // which sink rejected it
  changes::Change change;  // what it was
  std::string reason;      // the sink's error message
  std::int64_t at_ms = 0;  // when it was dead-lettered
};

struct JobRun {
  std::string job;                 // job name
  std::int64_t started_at_ms = 0;  // wall clock
  double duration_ms = 0;          // how long it ran
  std::string outcome;             // "ok" | "failed" | "skipped"
  std::string message;             // a summary ("10 records") or the error
};

// An API key as the store keeps it (src/access gives it meaning): never the key text.
struct ApiKeyRow {
  std::string id;
  std::string hash;  // SHA-256 of the key text, lowercase hex
  std::string spec;  // JSON: scopes, collections, expiry, rate, burst, filter, description
  std::int64_t created_at_ms = 0;
  std::int64_t revoked_at_ms = 0;  // 0: live
};

}  // namespace tandem::store
