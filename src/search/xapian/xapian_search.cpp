// The Xapian backend: shards, writers, readers, apply and search. Xapian's exceptions are caught
// here and become Status values. Depends on core, schema, query, store types, Xapian.
#include "search/xapian/xapian_search.h"

#include <sys/statvfs.h>
#include <unistd.h>
#include <xapian.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <stdexcept>

#include "core/hash.h"
#include "search/batches.h"
#include "search/xapian/compile.h"
#include "search/xapian/index.h"
#include "search/xapian/layout.h"

namespace tandem::search {

using namespace xapian_backend;

namespace {

core::Status xapian_error(const Xapian::Error& e, std::string_view what) {
  return core::unavailable(std::string(what) + ": " + e.get_type() + ": " + e.get_msg());
}

std::size_t shard_of(std::string_view id, std::size_t shards) {
  return static_cast<std::size_t>(core::fnv1a64(id) % shards);
}

// Xapian 1.4 aborts the process when the disk fills during a commit (its exception unwinds
// through a noexcept frame of its own), so a shard takes a batch only while the index's file
// system has room for it: 32 MiB, and eight times the batch's bodies (the body, its terms and
// positions, and the blocks a commit copies). Refused, the sink backs off and tries again.
void ensure_room(const std::string& dir, const std::vector<const changes::Change*>& changes) {
  std::uint64_t bytes = 0;
  for (const auto* ch : changes)
    bytes += ch->body.size();
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) != 0) return;  // cannot tell: let Xapian try
  std::uint64_t free = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  std::uint64_t need = (32u << 20) + 8 * bytes;
  if (free < need) {
    throw std::runtime_error("no room for the index in " + dir + ": " + std::to_string(free) +
                             " bytes free, " + std::to_string(need) + " needed");
  }
}

}  // namespace

std::unique_ptr<XapianSearch::Index::Reader> XapianSearch::Index::acquire() {
  std::unique_ptr<Reader> r;
  {
    std::lock_guard lock(readers_mutex);
    if (!idle.empty()) {
      r = std::move(idle.back());
      idle.pop_back();
    }
  }
  std::uint64_t now = generation.load();
  if (!r) {
    r = std::make_unique<Reader>();
    r->stem = Xapian::Stem(language);
    for (std::size_t i = 0; i < shards.size(); ++i) {
      r->parts.emplace_back(dir + "/shard-" + std::to_string(i));
      r->db.add_database(r->parts.back());
    }
  } else if (r->generation != now) {
    r->db.reopen();
  }
  r->generation = now;
  return r;
}

bool XapianSearch::Index::reopen(Reader& r) noexcept {
  try {
    r.db.reopen();
    return true;
  } catch (const Xapian::Error&) {
    return false;
  }
}

void XapianSearch::Index::release(std::unique_ptr<Reader> r) {
  std::lock_guard lock(readers_mutex);
  idle.push_back(std::move(r));
}

// Each shard's columns are published to its writer first and loaded after, under their own lock:
// a commit the load does not see is applied by its writer afterwards, and one it does see may be
// applied twice, which changes nothing.
std::vector<const xapian_backend::Columns*> XapianSearch::Index::columns(
    const schema::Collection& c) {
  std::lock_guard lock(columns_mutex);
  if (columns_.empty()) {
    for (std::size_t i = 0; i < shards.size(); ++i) {
      columns_.push_back(std::make_unique<xapian_backend::Columns>(c));
      shards[i]->columns.store(columns_.back().get(), std::memory_order_release);
    }
  }
  for (std::size_t i = 0; i < shards.size(); ++i) {  // a failed load is tried again next time
    if (!columns_[i]->loaded()) columns_[i]->load(dir + "/shard-" + std::to_string(i));
  }
  std::vector<const xapian_backend::Columns*> out;
  for (const auto& col : columns_)
    out.push_back(col.get());
  return out;
}

// Applies changes of one shard in order, skipping versions not newer than what it holds, then
// commits. Records that cannot be indexed are rejected (dead-lettered by the applier).
std::vector<changes::Rejection> XapianSearch::Index::apply_shard(
    Shard& shard, const schema::Collection& c, const std::vector<const changes::Change*>& changes) {
  ensure_room(dir, changes);
  std::vector<changes::Rejection> rejected;
  // Columns need the values of what is indexed. Documents are kept for them only when columns
  // exist already: building an index without columns keeps nothing.
  bool keep = shard.columns.load(std::memory_order_acquire) != nullptr;
  std::vector<std::pair<Xapian::docid, Xapian::Document>> indexed;
  std::vector<Xapian::docid> deleted;
  for (const changes::Change* ch : changes) {
    // The document holding this id, looked up once (replace_document(term) would look again).
    std::string term = id_term(ch->id);
    Xapian::docid held = 0;
    if (auto postings = shard.db.postlist_begin(term); postings != shard.db.postlist_end(term)) {
      held = *postings;
      auto seq = Xapian::sortable_unserialise(shard.db.get_document(held).get_value(kSeqSlot));
      if (seq >= static_cast<double>(ch->seq)) continue;  // an older or repeated change
    }
    if (ch->op == changes::ChangeOp::kDelete) {
      if (held) {
        shard.db.delete_document(held);
        deleted.push_back(held);
      }
      continue;
    }
    auto doc = build_document(c, ch->id, ch->body, ch->seq);
    if (!doc) {
      rejected.push_back({ch->seq, doc.error().message()});
      continue;
    }
    Xapian::docid did = held;
    if (held) {
      shard.db.replace_document(held, *doc);
    } else {
      did = shard.db.add_document(*doc);
    }
    if (keep) {  // only the fields' values are needed
      doc->clear_terms();
      doc->remove_value(kBodySlot);
    }
    indexed.emplace_back(did, keep ? std::move(*doc) : Xapian::Document());
  }
  shard.db.commit();
  // Read after the commit (see columns()): columns published since the start read their values
  // back from the index.
  if (auto* columns = shard.columns.load(std::memory_order_acquire)) {
    if (!keep) {
      for (auto& [did, doc] : indexed)
        doc = shard.db.get_document(did);
    }
    columns->update(indexed, deleted);
  }
  return rejected;
}

XapianSearch::XapianSearch(XapianOptions options)
    : options_(std::move(options)), pool_(options_.shards - 1) {}

XapianSearch::~XapianSearch() = default;

core::Result<std::unique_ptr<XapianSearch>> XapianSearch::open(XapianOptions options) {
  try {
    Xapian::Stem check(options.language);
  } catch (const Xapian::Error&) {
    return core::fail(
        core::invalid_argument("search.language: unknown language '" + options.language + "'"));
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec)
    return core::fail(core::unavailable("cannot create " + options.dir + ": " + ec.message()));
  if (options.shards == 0) options.shards = 1;
  return std::unique_ptr<XapianSearch>(new XapianSearch(std::move(options)));
}

core::Result<std::shared_ptr<XapianSearch::Index>> XapianSearch::index_for(const std::string& name,
                                                                           bool create) {
  std::lock_guard lock(mutex_);
  if (auto it = indexes_.find(name); it != indexes_.end()) return it->second;
  std::string dir = options_.dir + "/" + name;
  if (!create && !std::filesystem::exists(dir)) return std::shared_ptr<Index>();
  auto index = std::make_shared<Index>();
  index->dir = dir;
  index->language = options_.language;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return core::fail(core::unavailable("cannot create " + dir + ": " + ec.message()));
  try {
    for (std::size_t i = 0; i < options_.shards; ++i) {
      auto shard = std::make_unique<Index::Shard>();
      shard->db = Xapian::WritableDatabase(dir + "/shard-" + std::to_string(i),
                                           Xapian::DB_CREATE_OR_OPEN | Xapian::DB_NO_SYNC);
      std::string layout = shard->db.get_metadata(kLayoutKey);
      if (layout.empty() && shard->db.get_doccount() == 0) {
        shard->db.set_metadata(kLayoutKey, kLayout);
        shard->db.commit();
      } else if (layout != kLayout) {
        return core::fail(core::unavailable(
            "the search index of '" + name + "' has layout " + (layout.empty() ? "1" : layout) +
            ", and this build reads layout " + kLayout +
            ": stop the service and run `tandem reindex` to rebuild it from the store"));
      }
      index->shards.push_back(std::move(shard));
    }
  } catch (const Xapian::Error& e) {
    return core::fail(xapian_error(e, "cannot open index " + dir));
  }
  indexes_[name] = index;
  return index;
}

core::Status XapianSearch::drop(const std::string& collection) {
  std::shared_ptr<Index> index;
  {
    std::lock_guard lock(mutex_);
    if (auto it = indexes_.find(collection); it != indexes_.end()) {
      index = it->second;
      indexes_.erase(it);
    }
  }
  index.reset();  // writers close (readers in use keep their open files)
  std::error_code ec;
  std::filesystem::remove_all(options_.dir + "/" + collection, ec);
  if (ec)
    return core::unavailable("cannot remove the index of " + collection + ": " + ec.message());
  return {};
}

core::Result<std::vector<changes::Rejection>> XapianSearch::apply(
    std::span<const changes::Change> changes) {
  std::vector<changes::Rejection> rejected;
  auto apply_one = [&](const std::string& name,
                       const std::vector<const changes::Change*>& list) -> core::Status {
    auto schema = options_.collection(name);
    if (!schema) return {};  // the collection was deleted meanwhile; a kDrop follows
    auto index = index_for(name, true);
    if (!index) return index.error();
    std::vector<std::vector<const changes::Change*>> by_shard((*index)->shards.size());
    for (const auto* ch : list)
      by_shard[shard_of(ch->id, by_shard.size())].push_back(ch);
    std::vector<std::future<std::vector<changes::Rejection>>> work;
    for (std::size_t s = 0; s < by_shard.size(); ++s) {
      if (by_shard[s].empty()) continue;
      work.push_back(std::async(std::launch::async, [&, s] {
        return (*index)->apply_shard(*(*index)->shards[s], *schema, by_shard[s]);
      }));
    }
    for (auto& w : work) {
      auto r = w.get();  // rethrows Xapian errors from the shard
      rejected.insert(rejected.end(), r.begin(), r.end());
    }
    (*index)->generation.fetch_add(1);
    generations_.bump(name);
    return {};
  };
  auto drop_one = [&](const std::string& name) { return clear(name); };
  try {
    if (auto st = apply_by_collection(changes, apply_one, drop_one); !st.is_ok())
      return core::fail(st);
  } catch (const Xapian::Error& e) {
    return core::fail(xapian_error(e, "indexing failed"));
  } catch (const std::exception& e) {  // std::async cannot start a thread, bad_alloc
    return core::fail(core::unavailable(std::string("indexing failed: ") + e.what()));
  }
  return rejected;
}

std::uint64_t XapianSearch::generation(std::string_view collection) const {
  return generations_.of(collection);
}

core::Status XapianSearch::clear(std::string_view collection) {
  auto st = drop(std::string(collection));
  generations_.bump(collection);
  return st;
}

core::Result<std::unique_ptr<Rebuild>> XapianSearch::rebuild(std::string_view collection) {
  if (auto st = clear(collection); !st.is_ok()) return core::fail(st);
  return std::unique_ptr<Rebuild>(std::make_unique<InPlaceRebuild>(*this));
}

// Opening a shard while a writer commits can fail with DatabaseModifiedError: try again a few
// times; other failures are the caller's to see.
core::Status XapianSearch::check() {
  if (::access(options_.dir.c_str(), W_OK | X_OK) != 0) {
    return core::unavailable("xapian: cannot write " + options_.dir + ": " + std::strerror(errno));
  }
  return {};
}

core::Result<std::uint64_t> XapianSearch::count(std::string_view collection) {
  auto index = index_for(std::string(collection), false);
  if (!index) return core::fail(index.error());
  if (!*index) return std::uint64_t{0};
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Index::Reader> reader;
    try {
      reader = (*index)->acquire();
      std::uint64_t n = reader->db.get_doccount();
      (*index)->release(std::move(reader));
      return n;
    } catch (const Xapian::DatabaseModifiedError& e) {
      if (attempt >= 4)
        return core::fail(xapian_error(e, "cannot count " + std::string(collection)));
    } catch (const Xapian::Error& e) {
      return core::fail(xapian_error(e, "cannot count " + std::string(collection)));
    } catch (const std::exception& e) {
      return core::fail(
          core::unavailable("cannot count " + std::string(collection) + ": " + e.what()));
    }
  }
}

}  // namespace tandem::search
