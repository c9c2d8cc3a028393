// A thin RAII layer over the SQLite C API: connections, prepared statements, and the translation
// of SQLite result codes into Status. Depends on core and SQLite only.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace tandem::store {

// SQLITE_FULL -> kInsufficientStorage, SQLITE_BUSY/LOCKED/IOERR -> kUnavailable,
// SQLITE_CONSTRAINT -> kAlreadyExists, anything else -> kInternal. `what` prefixes the message.
core::Status sqlite_status(int rc, sqlite3* db, std::string_view what);

// One prepared statement. Move-only; reset before each use by the caller.
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  ~Stmt();

  Stmt& reset();
  Stmt& bind(int index, std::string_view text);
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, double value);
  Stmt& bind_null(int index);

  // Steps once: true when a row is available, false when done; errors as Status.
  core::Result<bool> step();
  // Runs to completion, ignoring rows.
  core::Status run();

  std::int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string_view column_text(int index) const;  // valid until the next step or reset
  bool column_is_null(int index) const;

 private:
  sqlite3* db_ = nullptr;         // owning connection, for error messages
  sqlite3_stmt* stmt_ = nullptr;  // owned
};

// One connection. Used by one thread at a time (opened with SQLITE_OPEN_NOMUTEX).
class Db {
 public:
  // Opens (creating when `create`) the database at `path`; read-only connections set query_only.
  static core::Result<std::unique_ptr<Db>> open(const std::string& path, bool read_only);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  core::Status exec(std::string_view sql);
  core::Result<Stmt> prepare(std::string_view sql);
  // A statement prepared once per connection and kept, reset and unbound, for reuse. `sql` must
  // be a string literal (its address is the cache key).
  core::Result<Stmt*> cached(const char* sql);
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* handle() { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_;                                       // owned
  std::unordered_map<const char*, Stmt> statements_;  // cached(): by SQL literal address
};

}  // namespace tandem::store
