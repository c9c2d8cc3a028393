// Store metadata: collections, sink cursors, dead letters, change-log pruning, job runs.
// Writes run under write_mutex, outside record transactions: on the writer connection, and sink
// cursors on their own connection (store_impl.h).
#include "store/store_impl.h"

namespace tandem::store {
namespace {

template <class T>
core::Result<T> failed(const core::Status& st) {
  return core::fail(st);
}

DeadLetter dead_letter_from_row(const Stmt& s) {
  return DeadLetter{.id = s.column_int(0),
                    .sink = std::string(s.column_text(1)),
                    .change = changes::Change{.seq = static_cast<std::uint64_t>(s.column_int(2)),
                                              .collection = std::string(s.column_text(3)),
                                              .id = std::string(s.column_text(4)),
                                              .op = static_cast<changes::ChangeOp>(s.column_int(5)),
                                              .body = std::string(s.column_text(6)),
                                              .at_ms = s.column_int(7)},
                    .reason = std::string(s.column_text(8)),
                    .at_ms = s.column_int(9)};
}

constexpr const char* kDeadLetterColumns =
    "SELECT id, sink, seq, collection, record_id, op, body, change_at, reason, at "
    "FROM dead_letters ";

}  // namespace

core::Result<std::vector<schema::Collection>> Store::collections() {
  auto conn = impl_->lease();
  if (!conn) return failed<std::vector<schema::Collection>>(conn.error());
  auto stmt = (*conn)->cached("SELECT schema FROM collections ORDER BY name");
  if (!stmt) return failed<std::vector<schema::Collection>>(stmt.error());
  std::vector<schema::Collection> out;
  for (;;) {
    auto row = (*stmt)->step();
    if (!row) return failed<std::vector<schema::Collection>>(row.error());
    if (!*row) break;
    auto c = schema::collection_from_json((*stmt)->column_text(0));
    if (!c)
      return failed<std::vector<schema::Collection>>(
          core::internal_error("stored schema: " + c.error().message()));
    out.push_back(std::move(*c));
  }
  return out;
}

core::Status Store::create_collection(const schema::Collection& collection) {
  std::lock_guard lock(impl_->write_mutex);
  auto stmt =
      impl_->writer_db->cached("INSERT INTO collections(name, schema, created_at) VALUES(?, ?, ?)");
  if (!stmt) return stmt.error();
  (*stmt)
      ->bind(1, collection.name)
      .bind(2, schema::collection_to_json(collection))
      .bind(3, impl_->now_ms());
  core::Status st = (*stmt)->run();
  if (st.code() == core::StatusCode::kAlreadyExists) {
    return {core::StatusCode::kAlreadyExists,
            "collection '" + collection.name + "' already exists"};
  }
  return st;
}

core::Result<std::uint64_t> Store::cursor(std::string_view sink) {
  auto conn = impl_->lease();
  if (!conn) return failed<std::uint64_t>(conn.error());
  auto stmt = (*conn)->cached("SELECT seq FROM cursors WHERE sink = ?");
  if (!stmt) return failed<std::uint64_t>(stmt.error());
  (*stmt)->bind(1, sink);
  auto row = (*stmt)->step();
  if (!row) return failed<std::uint64_t>(row.error());
  std::uint64_t seq = *row ? static_cast<std::uint64_t>((*stmt)->column_int(0)) : 0;
  (*stmt)->reset();
  return seq;
}

core::Status Store::set_cursor(std::string_view sink, std::uint64_t seq) {
  std::lock_guard lock(impl_->write_mutex);
  auto stmt = impl_->cursor_db->cached(
      "INSERT INTO cursors(sink, seq, updated_at) VALUES(?, ?, ?) ON CONFLICT(sink) DO UPDATE "
      "SET seq = excluded.seq, updated_at = excluded.updated_at");
  if (!stmt) return stmt.error();
  (*stmt)->bind(1, sink).bind(2, static_cast<std::int64_t>(seq)).bind(3, impl_->now_ms());
  return (*stmt)->run();
}

core::Status Store::add_dead_letters(const std::vector<DeadLetter>& letters) {
  std::lock_guard lock(impl_->write_mutex);
  auto& db = *impl_->writer_db;
  if (auto st = db.exec("BEGIN IMMEDIATE"); !st.is_ok()) return st;
  for (const auto& l : letters) {
    auto stmt = db.cached(
        "INSERT INTO dead_letters(sink, seq, collection, record_id, op, body, change_at, reason, "
        "at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    core::Status st = stmt ? core::Status{} : stmt.error();
    if (st.is_ok()) {
      (*stmt)
          ->bind(1, l.sink)
          .bind(2, static_cast<std::int64_t>(l.change.seq))
          .bind(3, l.change.collection);
      (*stmt)
          ->bind(4, l.change.id)
          .bind(5, static_cast<std::int64_t>(l.change.op))
          .bind(6, l.change.body);
      (*stmt)->bind(7, l.change.at_ms).bind(8, l.reason);
      (*stmt)->bind(9, l.at_ms != 0 ? l.at_ms : impl_->now_ms());
      st = (*stmt)->run();
    }
    if (!st.is_ok()) {
      (void)db.exec("ROLLBACK");
      return st;
    }
  }
  return db.exec("COMMIT");
}

core::Result<std::vector<DeadLetter>> Store::dead_letters(std::size_t limit) {
  auto conn = impl_->lease();
  if (!conn) return failed<std::vector<DeadLetter>>(conn.error());
  static const std::string sql = std::string(kDeadLetterColumns) + "ORDER BY id LIMIT ?";
  auto stmt = (*conn)->cached(sql.c_str());
  if (!stmt) return failed<std::vector<DeadLetter>>(stmt.error());
  (*stmt)->bind(1, static_cast<std::int64_t>(limit));
  std::vector<DeadLetter> out;
  for (;;) {
    auto row = (*stmt)->step();
    if (!row) return failed<std::vector<DeadLetter>>(row.error());
    if (!*row) break;
    out.push_back(dead_letter_from_row(**stmt));
  }
  return out;
}

core::Result<std::optional<DeadLetter>> Store::dead_letter(std::int64_t id) {
  auto conn = impl_->lease();
  if (!conn) return failed<std::optional<DeadLetter>>(conn.error());
  static const std::string sql = std::string(kDeadLetterColumns) + "WHERE id = ?";
  auto stmt = (*conn)->cached(sql.c_str());
  if (!stmt) return failed<std::optional<DeadLetter>>(stmt.error());
  (*stmt)->bind(1, id);
  auto row = (*stmt)->step();
  if (!row) return failed<std::optional<DeadLetter>>(row.error());
  if (!*row) return std::optional<DeadLetter>();
  auto letter = dead_letter_from_row(**stmt);
  (*stmt)->reset();
  return std::optional<DeadLetter>(std::move(letter));
}

core::Status Store::remove_dead_letter(std::int64_t id) {
  std::lock_guard lock(impl_->write_mutex);
  auto stmt = impl_->writer_db->cached("DELETE FROM dead_letters WHERE id = ?");
  if (!stmt) return stmt.error();
  (*stmt)->bind(1, id);
  if (auto st = (*stmt)->run(); !st.is_ok()) return st;
  if (sqlite3_changes(impl_->writer_db->handle()) == 0) {
    return core::not_found("no dead letter with id " + std::to_string(id));
  }
  return {};
}

core::Result<std::size_t> Store::prune(std::uint64_t up_to_seq, std::int64_t older_than_ms) {
  std::lock_guard lock(impl_->write_mutex);
  auto stmt = impl_->writer_db->cached("DELETE FROM changes WHERE seq <= ? AND at < ?");
  if (!stmt) return failed<std::size_t>(stmt.error());
  (*stmt)->bind(1, static_cast<std::int64_t>(up_to_seq)).bind(2, older_than_ms);
  if (auto st = (*stmt)->run(); !st.is_ok()) return failed<std::size_t>(st);
  return static_cast<std::size_t>(sqlite3_changes(impl_->writer_db->handle()));
}

core::Status Store::add_job_run(const JobRun& run) {
  std::lock_guard lock(impl_->write_mutex);
  auto stmt = impl_->writer_db->cached(
      "INSERT INTO job_runs(job, started_at, duration_ms, outcome, message) VALUES(?, ?, ?, ?, ?)");
  if (!stmt) return stmt.error();
  (*stmt)->bind(1, run.job).bind(2, run.started_at_ms).bind(3, run.duration_ms);
  (*stmt)->bind(4, run.outcome).bind(5, run.message);
  return (*stmt)->run();
}

core::Result<std::vector<JobRun>> Store::job_runs(std::string_view job, std::size_t limit) {
  auto conn = impl_->lease();
  if (!conn) return failed<std::vector<JobRun>>(conn.error());
  auto stmt = (*conn)->cached(
      "SELECT started_at, duration_ms, outcome, message FROM job_runs WHERE job = ? "
      "ORDER BY id DESC LIMIT ?");
  if (!stmt) return failed<std::vector<JobRun>>(stmt.error());
  (*stmt)->bind(1, job).bind(2, static_cast<std::int64_t>(limit));
  std::vector<JobRun> out;
  for (;;) {
    auto row = (*stmt)->step();
    if (!row) return failed<std::vector<JobRun>>(row.error());
    if (!*row) break;
    out.push_back(JobRun{.job = std::string(job),
                         .started_at_ms = (*stmt)->column_int(0),
                         .duration_ms = (*stmt)->column_double(1),
                         .outcome = std::string((*stmt)->column_text(2)),
                         .message = std::string((*stmt)->column_text(3))});
  }
  return out;
}

core::Status Store::put_key(const ApiKeyRow& key) {
  std::lock_guard lock(impl_->write_mutex);
  auto stmt = impl_->writer_db->cached(
      "INSERT INTO api_keys(id, hash, spec, created_at, revoked_at) VALUES(?, ?, ?, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, spec = excluded.spec, "
      "revoked_at = excluded.revoked_at");
  if (!stmt) return stmt.error();
  (*stmt)->bind(1, key.id).bind(2, key.hash).bind(3, key.spec);
  (*stmt)->bind(4, key.created_at_ms).bind(5, key.revoked_at_ms);
  return (*stmt)->run();
}

core::Result<std::vector<ApiKeyRow>> Store::keys() {
  auto conn = impl_->lease();
  if (!conn) return failed<std::vector<ApiKeyRow>>(conn.error());
  auto stmt = (*conn)->cached(
      "SELECT id, hash, spec, created_at, revoked_at FROM api_keys ORDER BY created_at, id");
  if (!stmt) return failed<std::vector<ApiKeyRow>>(stmt.error());
  std::vector<ApiKeyRow> out;
  for (;;) {
    auto row = (*stmt)->step();
    if (!row) return failed<std::vector<ApiKeyRow>>(row.error());
    if (!*row) break;
    out.push_back(ApiKeyRow{.id = std::string((*stmt)->column_text(0)),
                            .hash = std::string((*stmt)->column_text(1)),
                            .spec = std::string((*stmt)->column_text(2)),
                            .created_at_ms = (*stmt)->column_int(3),
                            .revoked_at_ms = (*stmt)->column_int(4)});
  }
  return out;
}

core::Result<bool> Store::revoke_key(std::string_view id, std::int64_t at_ms) {
  std::lock_guard lock(impl_->write_mutex);
  auto stmt = impl_->writer_db->cached(
      "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0");
  if (!stmt) return core::fail(stmt.error());
  (*stmt)->bind(1, at_ms).bind(2, id);
  if (auto st = (*stmt)->run(); !st.is_ok()) return core::fail(st);
  return sqlite3_changes(impl_->writer_db->handle()) > 0;
}

}  // namespace tandem::store
