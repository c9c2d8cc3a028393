// RecordStore: where records live and are versioned, seen from whoever writes and reads them by
// id (ingest, the read-through cache, the catalog). Two implementations: Store (SQLite, with a
// change log that feeds the sinks) and search::OpenSearchStore (direct mode: OpenSearch is the
// system of record, decision 0023). Depends on core, schema and the store's value types.
//
// Versions: a record's version (OpResult::seq, Document::seq) grows with every write of its id,
// so a cache holding versions never lets an older one replace a newer. Store's versions are its
// change log's sequence numbers; OpenSearch's are its per-document _version.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "store/types.h"

namespace tandem::store {

using WriteCallback = std::function<void(core::Result<std::vector<OpResult>>)>;

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // Queues a batch; `done` runs on a thread of the store once the batch is durable (or failed).
  // Per-operation errors are in the results (kAlreadyExists, kNotFound, kInvalidArgument, and
  // kUnavailable for one record the backend would not take); a whole-batch error means nothing
  // of it was acknowledged.
  virtual void submit(WriteBatch batch, WriteCallback done) = 0;
  // submit() and wait.
  core::Result<std::vector<OpResult>> write(WriteBatch batch);

  // The record as last written, or nullopt when there is none. Real-time: a write whose
  // callback ran is seen.
  virtual core::Result<std::optional<Document>> get(std::string_view collection,
                                                    std::string_view id) = 0;

  // Records of a collection (OpenSearch: those its last refresh made visible).
  virtual core::Result<std::int64_t> count(std::string_view collection) = 0;
  // Every write acknowledged after this call gets a higher version than this (a "not found"
  // read now can be cached at it). Store: the change log's head; OpenSearch: 0.
  virtual std::uint64_t head_seq() const = 0;

  virtual core::Result<std::vector<schema::Collection>> collections() = 0;
  // kAlreadyExists when the name is taken.
  virtual core::Status create_collection(const schema::Collection& collection) = 0;
  // Deletes a collection and its records. Store: returns the change log's kDrop seq; 0 otherwise.
  virtual core::Result<std::uint64_t> drop_collection(const std::string& name) = 0;
};

}  // namespace tandem::store
