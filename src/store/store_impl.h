// Store internals shared by store.cpp (open, reads, metadata) and writer.cpp (group commit).
// Private to the store module.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <vector>

#include "schema/record.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace tandem::store {

struct Store::Impl {
  // One queued write: a batch of record operations, or the drop of a collection.
  struct Pending {
    WriteBatch batch;               // record operations (empty for a drop)
    std::string drop;               // collection to drop, or empty
    WriteCallback done;             // called on the writer thread
    std::vector<OpResult> results;  // filled while applying
  };

  explicit Impl(StoreOptions o) : options(std::move(o)), parser(options.max_record_bytes) {}

  // A read-only connection borrowed from the pool; returned on destruction.
  class Lease {
   public:
    Lease(Impl& impl, std::unique_ptr<Db> db) : impl_(impl), db_(std::move(db)) {}
    Lease(Lease&& other) noexcept : impl_(other.impl_), db_(std::move(other.db_)) {}
    ~Lease();
    Db* operator->() { return db_.get(); }

   private:
    Impl& impl_;
    std::unique_ptr<Db> db_;
  };
  core::Result<Lease> lease();

  std::int64_t now_ms() const;

  // writer.cpp
  void writer_loop();
  std::vector<Pending> take_group();
  core::Status commit_group(std::vector<Pending>& group);
  core::Status apply(Pending& p);
  core::Result<OpResult> apply_op(const WriteBatch& batch, const WriteOp& op, std::int64_t at);
  core::Result<std::uint64_t> append_change(std::string_view collection, std::string_view id,
                                            changes::ChangeOp op, std::string_view body,
                                            std::int64_t at);
  core::Status apply_drop(Pending& p, std::int64_t at);

  StoreOptions options;
  std::unique_ptr<Db> writer_db;  // guarded by write_mutex
  // Sinks' cursors are written here, without an fsync of their own (synchronous = NORMAL, or OFF
  // when the store is OFF): one per sink batch on writer_db would stall the group commit. A
  // cursor lost in a crash only makes its sink apply a few changes again, idempotently, and the
  // next synchronous commit makes it durable anyway (the WAL is one, synced in order).
  std::unique_ptr<Db> cursor_db;  // guarded by write_mutex
  std::mutex write_mutex;         // serialises every write on writer_db
  schema::RecordParser parser;    // merges updates; writer thread only
  std::uint64_t group_head = 0;   // newest seq written in the open transaction; writer only

  std::mutex queue_mutex;            // guards queue and stopping
  std::condition_variable queue_cv;  // signalled on submit and stop
  std::deque<Pending> queue;         // batches waiting for the writer
  bool stopping = false;             // no more submits; drain and exit
  std::thread writer;                // runs writer_loop()

  std::atomic<std::uint64_t> head{0};       // newest committed seq
  mutable std::mutex head_mutex;            // for head_cv
  mutable std::condition_variable head_cv;  // signalled after each commit

  std::mutex pool_mutex;                  // guards pool
  std::vector<std::unique_ptr<Db>> pool;  // idle read-only connections
};

}  // namespace tandem::store
