// SQLite wrapper. Depends on core and SQLite.
#include "store/sqlite.h"

namespace tandem::store {

core::Status sqlite_status(int rc, sqlite3* db, std::string_view what) {
  std::string message =
      std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_FULL: return {core::StatusCode::kInsufficientStorage, message};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN: return {core::StatusCode::kUnavailable, message};
    case SQLITE_CONSTRAINT: return {core::StatusCode::kAlreadyExists, message};
    default: return {core::StatusCode::kInternal, message};
  }
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() {
  sqlite3_finalize(stmt_);
}

Stmt& Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

core::Result<bool> Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return core::fail(sqlite_status(rc, db_, "sqlite step"));
}

core::Status Stmt::run() {
  for (;;) {
    auto more = step();
    if (!more) return more.error();
    if (!*more) return {};
  }
}

std::int64_t Stmt::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

double Stmt::column_double(int index) const {
  return sqlite3_column_double(stmt_, index);
}

std::string_view Stmt::column_text(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  int n = sqlite3_column_bytes(stmt_, index);
  return p == nullptr
             ? std::string_view()
             : std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

bool Stmt::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

core::Result<std::unique_ptr<Db>> Db::open(const std::string& path, bool read_only) {
  sqlite3* handle = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) {
    core::Status st = sqlite_status(rc, handle, "cannot open " + path);
    sqlite3_close(handle);
    return core::fail(st);
  }
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, 5000);
  std::unique_ptr<Db> db(new Db(handle));
  if (read_only) {
    if (auto st = db->exec("PRAGMA query_only = ON"); !st.is_ok()) return core::fail(st);
  }
  return db;
}

Db::~Db() {
  statements_.clear();  // finalize before closing
  sqlite3_close_v2(db_);
}

core::Status Db::exec(std::string_view sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return sqlite_status(rc, db_, "sqlite exec");
  return {};
}

core::Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return core::fail(sqlite_status(rc, db_, "sqlite prepare"));
  return Stmt(db_, stmt);
}

core::Result<Stmt*> Db::cached(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    auto stmt = prepare(sql);
    if (!stmt) return core::fail(stmt.error());
    it = statements_.emplace(sql, std::move(*stmt)).first;
  }
  it->second.reset();
  return &it->second;
}

}  // namespace tandem::store
