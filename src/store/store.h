// Store: the system of record. One SQLite database in WAL mode holds the latest version of every
// document, the change log, sink cursors, dead letters, collections, job runs and API keys.
// Depends on core, schema and SQLite.
//
// Writes go through one writer thread that commits every queued batch in one transaction (group
// commit: concurrent requests share an fsync) and acknowledges them only after the commit is
// durable (synchronous=FULL by default). Reads use a pool of read-only connections and never wait
// for the writer. Every public member is thread-safe.
//
// Errors: kInsufficientStorage when the disk is full (nothing of the failed transaction is kept;
// later writes succeed once space returns), kUnavailable for I/O errors, kInternal otherwise.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "store/record_store.h"
#include "store/state.h"
#include "store/types.h"

namespace tandem::store {

struct StoreOptions {
  std::string path;                        // database file; its directory must exist
  std::string synchronous = "FULL";        // PRAGMA synchronous: FULL fsyncs every commit
  std::size_t max_record_bytes = 1 << 20;  // for merged updates
  std::size_t max_group_ops = 20000;       // operations per group-commit transaction at most
  const core::Clock* clock = nullptr;      // commit timestamps; null: the system clock
};

class Store final : public RecordStore, public KeyStore, public JobRunStore {
 public:
  // Opens or creates the database and runs pending schema migrations.
  static core::Result<std::unique_ptr<Store>> open(const StoreOptions& options);
  ~Store() override;  // finishes queued writes, then stops the writer
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // `done` runs on the writer thread after the commit (or its failure); a failed transaction
  // fails the whole batch. WriteBatch::visible is not the store's: the pipeline's sinks are.
  void submit(WriteBatch batch, WriteCallback done) override;
  // The change log records a kDrop.
  core::Result<std::uint64_t> drop_collection(const std::string& name) override;

  // The sequence number of the newest committed change.
  std::uint64_t head_seq() const override;
  // Blocks until head_seq() > after or the timeout passes; returns head_seq().
  std::uint64_t wait_for_head(std::uint64_t after, std::chrono::milliseconds timeout) const;

  core::Result<std::optional<Document>> get(std::string_view collection,
                                            std::string_view id) override;
  core::Result<std::int64_t> count(std::string_view collection) override;
  // Documents of a collection in id order, starting after `after_id`, at most `limit` (for
  // rebuilding projections).
  core::Result<std::vector<Document>> scan(std::string_view collection, std::string_view after_id,
                                           std::size_t limit);
  // Change-log entries with seq > after, oldest first, at most `limit`.
  core::Result<std::vector<changes::Change>> changes_after(std::uint64_t after, std::size_t limit);

  core::Result<std::vector<schema::Collection>> collections() override;
  core::Status create_collection(const schema::Collection& collection) override;

  // A sink's cursor: the seq of the last change it applied (0 before the first).
  core::Result<std::uint64_t> cursor(std::string_view sink);
  core::Status set_cursor(std::string_view sink, std::uint64_t seq);

  core::Status add_dead_letters(const std::vector<DeadLetter>& letters);
  core::Result<std::vector<DeadLetter>> dead_letters(std::size_t limit);
  core::Result<std::optional<DeadLetter>> dead_letter(std::int64_t id);
  // kNotFound when there is no such dead letter.
  core::Status remove_dead_letter(std::int64_t id);

  // Deletes change-log entries with seq <= up_to_seq committed before `older_than_ms`. Sequence
  // numbers are never reused (AUTOINCREMENT remembers the highest). Returns how many were deleted.
  core::Result<std::size_t> prune(std::uint64_t up_to_seq, std::int64_t older_than_ms);

  core::Status add_job_run(const JobRun& run) override;
  core::Result<std::vector<JobRun>> job_runs(std::string_view job, std::size_t limit) override;

  core::Status put_key(const ApiKeyRow& key) override;
  core::Result<std::vector<ApiKeyRow>> keys() override;
  core::Result<bool> revoke_key(std::string_view id, std::int64_t at_ms) override;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::store
