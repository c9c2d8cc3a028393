// Store schema migrations. Append new steps; never edit a released one.
#include "store/migrations.h"

#include <algorithm>
#include <array>
#include <string>

namespace tandem::store {
namespace {

constexpr std::array<const char*, 3> kMigrations = {
    // 1: documents, change log, cursors, dead letters, collections, job runs.
    R"sql(
    CREATE TABLE collections(
      name TEXT PRIMARY KEY,
      schema TEXT NOT NULL,
      created_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE documents(
      collection TEXT NOT NULL,
      id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      body TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY(collection, id)) WITHOUT ROWID;
    CREATE TABLE changes(
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      collection TEXT NOT NULL,
      id TEXT NOT NULL,
      op INTEGER NOT NULL,
      body TEXT NOT NULL,
      at INTEGER NOT NULL);
    CREATE TABLE cursors(
      sink TEXT PRIMARY KEY,
      seq INTEGER NOT NULL,
      updated_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE dead_letters(
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      sink TEXT NOT NULL,
      seq INTEGER NOT NULL,
      collection TEXT NOT NULL,
      record_id TEXT NOT NULL,
      op INTEGER NOT NULL,
      body TEXT NOT NULL,
      change_at INTEGER NOT NULL,
      reason TEXT NOT NULL,
      at INTEGER NOT NULL);
    CREATE TABLE job_runs(
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      job TEXT NOT NULL,
      started_at INTEGER NOT NULL,
      duration_ms REAL NOT NULL,
      outcome TEXT NOT NULL,
      message TEXT NOT NULL);
    CREATE INDEX job_runs_by_job ON job_runs(job, id);
    )sql",
    // 2: documents in insertion order with an index by id. Keyed by id (random), every insert
    // rewrote a random page of bodies: at a million records the writer read and wrote about
    // seven pages per record, and a bulk import fell to 16,000 records/s. The index's entries are
    // small, so its pages stay cached, and bodies are appended.
    R"sql(
    CREATE TABLE documents_by_rowid(
      collection TEXT NOT NULL,
      id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      body TEXT NOT NULL,
      updated_at INTEGER NOT NULL);
    INSERT INTO documents_by_rowid(collection, id, seq, body, updated_at)
      SELECT collection, id, seq, body, updated_at FROM documents ORDER BY seq;
    DROP TABLE documents;
    ALTER TABLE documents_by_rowid RENAME TO documents;
    CREATE UNIQUE INDEX documents_by_id ON documents(collection, id);
    )sql",
    // 3: API keys, by id; the key text itself is never kept, only its SHA-256.
    R"sql(
    CREATE TABLE api_keys(
      id TEXT PRIMARY KEY,
      hash TEXT NOT NULL UNIQUE,
      spec TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
    )sql",
};

}  // namespace

core::Status migrate(Db& db, std::size_t target) {
  std::size_t version = 0;
  {  // finalised before migrating: an open statement keeps tables from being dropped
    auto version_stmt = db.prepare("PRAGMA user_version");
    if (!version_stmt) return version_stmt.error();
    auto row = version_stmt->step();
    if (!row) return row.error();
    version = static_cast<std::size_t>(version_stmt->column_int(0));
  }
  if (version > kMigrations.size()) {
    return {core::StatusCode::kFailedPrecondition,
            "the database has schema version " + std::to_string(version) +
                ", newer than this binary's " + std::to_string(kMigrations.size())};
  }
  for (std::size_t v = version; v < std::min(target, kMigrations.size()); ++v) {
    std::string sql = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                      "PRAGMA user_version = " + std::to_string(v + 1) + "; COMMIT;";
    if (auto st = db.exec(sql); !st.is_ok()) {
      (void)db.exec("ROLLBACK");
      return st;
    }
  }
  return {};
}

}  // namespace tandem::store
