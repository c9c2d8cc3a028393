// Store: opening, reads through the connection pool, and metadata (collections, cursors, dead
// letters, job runs). Writes of records live in writer.cpp.
#include "store/store.h"

#include "store/migrations.h"
#include "store/store_impl.h"

namespace tandem::store {
namespace {

constexpr const char* kGetDocument =
    "SELECT seq, body, updated_at FROM documents WHERE collection = ? AND id = ?";
constexpr const char* kCount = "SELECT count(*) FROM documents WHERE collection = ?";
constexpr const char* kChangesAfter =
    "SELECT seq, collection, id, op, body, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?";
constexpr const char* kHead = "SELECT seq FROM sqlite_sequence WHERE name = 'changes'";

template <class T>
core::Result<T> failed(const core::Status& st) {
  return core::fail(st);
}

changes::Change change_from_row(const Stmt& s, int first) {
  return changes::Change{.seq = static_cast<std::uint64_t>(s.column_int(first)),
                         .collection = std::string(s.column_text(first + 1)),
                         .id = std::string(s.column_text(first + 2)),
                         .op = static_cast<changes::ChangeOp>(s.column_int(first + 3)),
                         .body = std::string(s.column_text(first + 4)),
                         .at_ms = s.column_int(first + 5)};
}

}  // namespace

Store::Impl::Lease::~Lease() {
  if (!db_) return;
  std::lock_guard lock(impl_.pool_mutex);
  impl_.pool.push_back(std::move(db_));
}

core::Result<Store::Impl::Lease> Store::Impl::lease() {
  {
    std::lock_guard lock(pool_mutex);
    if (!pool.empty()) {
      auto db = std::move(pool.back());
      pool.pop_back();
      return Lease(*this, std::move(db));
    }
  }
  auto db = Db::open(options.path, true);
  if (!db) return core::fail(db.error());
  return Lease(*this, std::move(*db));
}

std::int64_t Store::Impl::now_ms() const {
  static const core::SystemClock system_clock;
  const core::Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
      .count();
}

core::Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  auto db = Db::open(options.path, false);
  if (!db) return core::fail(db.error());
  impl->writer_db = std::move(*db);
  if (options.synchronous != "FULL" && options.synchronous != "NORMAL" &&
      options.synchronous != "OFF") {
    return core::fail(core::invalid_argument("unknown synchronous mode " + options.synchronous));
  }
  std::string pragmas =
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = " + options.synchronous + ";";
  if (auto st = impl->writer_db->exec(pragmas); !st.is_ok()) return core::fail(st);
  if (auto st = migrate(*impl->writer_db); !st.is_ok()) return core::fail(st);
  auto cursor_db = Db::open(options.path, false);
  if (!cursor_db) return core::fail(cursor_db.error());
  impl->cursor_db = std::move(*cursor_db);
  if (auto st = impl->cursor_db->exec(options.synchronous == "OFF" ? "PRAGMA synchronous = OFF"
                                                                   : "PRAGMA synchronous = NORMAL");
      !st.is_ok()) {
    return core::fail(st);
  }
  auto head = impl->writer_db->prepare(kHead);
  if (!head) return core::fail(head.error());
  auto row = head->step();
  if (!row) return core::fail(row.error());
  if (*row) impl->head = static_cast<std::uint64_t>(head->column_int(0));
  impl->group_head = impl->head;
  std::unique_ptr<Store> store(new Store(std::move(impl)));
  store->impl_->writer = std::thread([s = store->impl_.get()] { s->writer_loop(); });
  return store;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  {
    std::lock_guard lock(impl_->queue_mutex);
    impl_->stopping = true;
  }
  impl_->queue_cv.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
}

std::uint64_t Store::head_seq() const {
  return impl_->head.load();
}

std::uint64_t Store::wait_for_head(std::uint64_t after, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->head_mutex);
  impl_->head_cv.wait_for(lock, timeout, [&] { return impl_->head.load() > after; });
  return impl_->head.load();
}

core::Result<std::optional<Document>> Store::get(std::string_view collection, std::string_view id) {
  auto conn = impl_->lease();
  if (!conn) return failed<std::optional<Document>>(conn.error());
  auto stmt = (*conn)->cached(kGetDocument);
  if (!stmt) return failed<std::optional<Document>>(stmt.error());
  (*stmt)->bind(1, collection).bind(2, id);
  auto row = (*stmt)->step();
  if (!row) return failed<std::optional<Document>>(row.error());
  if (!*row) return std::optional<Document>();
  Document doc{.id = std::string(id),
               .seq = static_cast<std::uint64_t>((*stmt)->column_int(0)),
               .body = std::string((*stmt)->column_text(1)),
               .updated_at_ms = (*stmt)->column_int(2)};
  (*stmt)->reset();
  return std::optional<Document>(std::move(doc));
}

core::Result<std::int64_t> Store::count(std::string_view collection) {
  auto conn = impl_->lease();
  if (!conn) return failed<std::int64_t>(conn.error());
  auto stmt = (*conn)->cached(kCount);
  if (!stmt) return failed<std::int64_t>(stmt.error());
  (*stmt)->bind(1, collection);
  auto row = (*stmt)->step();
  if (!row) return failed<std::int64_t>(row.error());
  std::int64_t n = (*stmt)->column_int(0);
  (*stmt)->reset();
  return n;
}

core::Result<std::vector<Document>> Store::scan(std::string_view collection,
                                                std::string_view after_id, std::size_t limit) {
  auto conn = impl_->lease();
  if (!conn) return failed<std::vector<Document>>(conn.error());
  auto stmt = (*conn)->cached(
      "SELECT id, seq, body, updated_at FROM documents WHERE collection = ? AND id > ? "
      "ORDER BY id LIMIT ?");
  if (!stmt) return failed<std::vector<Document>>(stmt.error());
  (*stmt)->bind(1, collection).bind(2, after_id).bind(3, static_cast<std::int64_t>(limit));
  std::vector<Document> out;
  for (;;) {
    auto row = (*stmt)->step();
    if (!row) return failed<std::vector<Document>>(row.error());
    if (!*row) break;
    out.push_back(Document{.id = std::string((*stmt)->column_text(0)),
                           .seq = static_cast<std::uint64_t>((*stmt)->column_int(1)),
                           .body = std::string((*stmt)->column_text(2)),
                           .updated_at_ms = (*stmt)->column_int(3)});
  }
  return out;
}

core::Result<std::vector<changes::Change>> Store::changes_after(std::uint64_t after,
                                                                std::size_t limit) {
  auto conn = impl_->lease();
  if (!conn) return failed<std::vector<changes::Change>>(conn.error());
  auto stmt = (*conn)->cached(kChangesAfter);
  if (!stmt) return failed<std::vector<changes::Change>>(stmt.error());
  (*stmt)->bind(1, static_cast<std::int64_t>(after)).bind(2, static_cast<std::int64_t>(limit));
  std::vector<changes::Change> out;
  for (;;) {
    auto row = (*stmt)->step();
    if (!row) return failed<std::vector<changes::Change>>(row.error());
    if (!*row) break;
    out.push_back(change_from_row(**stmt, 0));
  }
  (*stmt)->reset();
  return out;
}

}  // namespace tandem::store
