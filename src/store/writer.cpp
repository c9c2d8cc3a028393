// The writer thread: group commit of queued batches, one transaction per group.
#include <future>

#include "store/store_impl.h"

namespace tandem::store {
namespace {

constexpr const char* kInsertChange =
    "INSERT INTO changes(collection, id, op, body, at) VALUES(?, ?, ?, ?, ?)";
constexpr const char* kUpsertDocument =
    "INSERT INTO documents(collection, id, seq, body, updated_at) VALUES(?, ?, ?, ?, ?) "
    "ON CONFLICT(collection, id) DO UPDATE SET seq = excluded.seq, body = excluded.body, "
    "updated_at = excluded.updated_at";
constexpr const char* kSelectBody = "SELECT body FROM documents WHERE collection = ? AND id = ?";
constexpr const char* kDeleteDocument = "DELETE FROM documents WHERE collection = ? AND id = ?";
constexpr const char* kDropDocuments = "DELETE FROM documents WHERE collection = ?";
constexpr const char* kDropCollection = "DELETE FROM collections WHERE name = ?";

OpResult record_error(const std::string& id, core::Status st) {
  return OpResult{.id = id, .seq = core::fail(std::move(st))};
}

}  // namespace

void Store::Impl::writer_loop() {
  for (;;) {
    std::vector<Pending> group = take_group();
    if (group.empty()) return;
    core::Status st = commit_group(group);
    for (auto& p : group) {
      if (st.is_ok()) {
        p.done(std::move(p.results));
      } else {
        p.done(core::fail(st));
      }
    }
  }
}

// Waits for work, then takes queued batches up to options.max_group_ops operations (at least one
// batch). Empty only when stopping with nothing queued.
std::vector<Store::Impl::Pending> Store::Impl::take_group() {
  std::unique_lock lock(queue_mutex);
  queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
  std::vector<Pending> group;
  std::size_t ops = 0;
  while (!queue.empty() &&
         (group.empty() || ops + queue.front().batch.ops.size() <= options.max_group_ops)) {
    ops += queue.front().batch.ops.size();
    group.push_back(std::move(queue.front()));
    queue.pop_front();
  }
  return group;
}

core::Status Store::Impl::commit_group(std::vector<Pending>& group) {
  std::lock_guard lock(write_mutex);
  if (auto st = writer_db->exec("BEGIN IMMEDIATE"); !st.is_ok()) return st;
  std::uint64_t before = head.load();
  core::Status st;
  for (auto& p : group) {
    st = apply(p);
    if (!st.is_ok()) break;
  }
  if (st.is_ok()) st = writer_db->exec("COMMIT");
  if (!st.is_ok()) {
    if (writer_db->in_transaction()) (void)writer_db->exec("ROLLBACK");
    group_head = before;
    return st;
  }
  std::uint64_t last = group_head;
  if (last > before) {
    {
      std::lock_guard head_lock(head_mutex);
      head.store(last);
    }
    head_cv.notify_all();
  }
  return {};
}

core::Status Store::Impl::apply(Pending& p) {
  std::int64_t at = now_ms();
  if (!p.drop.empty()) return apply_drop(p, at);
  p.results.clear();
  p.results.reserve(p.batch.ops.size());
  for (const auto& op : p.batch.ops) {
    auto r = apply_op(p.batch, op, at);
    if (!r) return r.error();  // the transaction fails as a whole
    p.results.push_back(std::move(*r));
  }
  return {};
}

core::Result<std::uint64_t> Store::Impl::append_change(std::string_view collection,
                                                       std::string_view id, changes::ChangeOp op,
                                                       std::string_view body, std::int64_t at) {
  auto stmt = writer_db->cached(kInsertChange);
  if (!stmt) return core::fail(stmt.error());
  (*stmt)
      ->bind(1, collection)
      .bind(2, id)
      .bind(3, static_cast<std::int64_t>(op))
      .bind(4, body)
      .bind(5, at);
  if (auto st = (*stmt)->run(); !st.is_ok()) return core::fail(st);
  group_head = static_cast<std::uint64_t>(writer_db->last_insert_rowid());
  return group_head;
}

// Applies one operation inside the open transaction. A per-record refusal is an OpResult with an
// error; a returned error aborts the transaction.
core::Result<OpResult> Store::Impl::apply_op(const WriteBatch& batch, const WriteOp& op,
                                             std::int64_t at) {
  const std::string& coll = batch.collection->name;
  std::optional<std::string> existing;
  if (op.action != Action::kUpsert) {
    auto select = writer_db->cached(kSelectBody);
    if (!select) return core::fail(select.error());
    (*select)->bind(1, coll).bind(2, op.id);
    auto row = (*select)->step();
    if (!row) return core::fail(row.error());
    if (*row) existing = std::string((*select)->column_text(0));
    (*select)->reset();  // a statement left on a row keeps its snapshot past the commit, and a
                         // write after another connection's (a cursor) fails: SQLITE_BUSY_SNAPSHOT
  }
  if (op.action == Action::kCreate && existing) {
    return record_error(op.id,
                        {core::StatusCode::kAlreadyExists, "id '" + op.id + "' already exists"});
  }
  if ((op.action == Action::kUpdate || op.action == Action::kDelete) && !existing) {
    return record_error(op.id, core::not_found("no record with id '" + op.id + "'"));
  }
  if (op.action == Action::kDelete) {
    auto seq = append_change(coll, op.id, changes::ChangeOp::kDelete, "", at);
    if (!seq) return core::fail(seq.error());
    auto del = writer_db->cached(kDeleteDocument);
    if (!del) return core::fail(del.error());
    (*del)->bind(1, coll).bind(2, op.id);
    if (auto st = (*del)->run(); !st.is_ok()) return core::fail(st);
    return OpResult{.id = op.id, .seq = *seq};
  }
  std::string merged;
  if (op.action == Action::kUpdate) {
    auto record = parser.merge(*batch.collection, *existing, op.body);
    if (!record) return record_error(op.id, record.error());
    merged = std::move(record->body);
  }
  const std::string& body = op.action == Action::kUpdate ? merged : op.body;
  auto seq = append_change(coll, op.id, changes::ChangeOp::kUpsert, body, at);
  if (!seq) return core::fail(seq.error());
  auto upsert = writer_db->cached(kUpsertDocument);
  if (!upsert) return core::fail(upsert.error());
  (*upsert)
      ->bind(1, coll)
      .bind(2, op.id)
      .bind(3, static_cast<std::int64_t>(*seq))
      .bind(4, body)
      .bind(5, at);
  if (auto st = (*upsert)->run(); !st.is_ok()) return core::fail(st);
  return OpResult{.id = op.id, .seq = *seq};
}

core::Status Store::Impl::apply_drop(Pending& p, std::int64_t at) {
  for (const char* sql : {kDropDocuments, kDropCollection}) {
    auto stmt = writer_db->cached(sql);
    if (!stmt) return stmt.error();
    (*stmt)->bind(1, p.drop);
    if (auto st = (*stmt)->run(); !st.is_ok()) return st;
  }
  auto seq = append_change(p.drop, "", changes::ChangeOp::kDrop, "", at);
  if (!seq) return seq.error();
  p.results = {OpResult{.id = "", .seq = *seq}};
  return {};
}

void Store::submit(WriteBatch batch, WriteCallback done) {
  {
    std::lock_guard lock(impl_->queue_mutex);
    if (!impl_->stopping) {
      impl_->queue.push_back(Impl::Pending{.batch = std::move(batch), .done = std::move(done)});
      impl_->queue_cv.notify_one();
      return;
    }
  }
  done(core::fail(core::unavailable("the store is shutting down")));
}

core::Result<std::uint64_t> Store::drop_collection(const std::string& name) {
  std::promise<core::Result<std::vector<OpResult>>> promise;
  auto future = promise.get_future();
  {
    std::lock_guard lock(impl_->queue_mutex);
    if (impl_->stopping) return core::fail(core::unavailable("the store is shutting down"));
    impl_->queue.push_back(Impl::Pending{
        .drop = name, .done = [&](auto result) { promise.set_value(std::move(result)); }});
    impl_->queue_cv.notify_one();
  }
  auto result = future.get();
  if (!result) return core::fail(result.error());
  return *result->front().seq;
}

}  // namespace tandem::store
