// One collection's index inside XapianSearch: shard writers and a pool of readers over all
// shards. Private to the Xapian backend (shared by xapian_search.cpp and searcher.cpp).
#pragma once

#include <xapian.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "search/xapian/columns.h"
#include "search/xapian/xapian_search.h"

namespace tandem::search {

// One collection's index: shard writers and a pool of readers over all shards.
struct XapianSearch::Index {
  struct Shard {
    Xapian::WritableDatabase db;
    std::atomic<xapian_backend::Columns*> columns{nullptr};  // once made; updated after commits
  };
  struct Reader {
    Xapian::Database db;                  // every shard; reopening it reopens the parts too
    std::vector<Xapian::Database> parts;  // each shard alone, sharing db's handles
    Xapian::Stem stem;                    // stemmers hold state: one per reader, never shared
    std::uint64_t generation = 0;         // of the index when last reopened
  };

  std::string dir;
  std::vector<std::unique_ptr<Shard>> shards;
  std::atomic<std::uint64_t> generation{0};  // bumped after every commit
  std::mutex readers_mutex;                  // guards idle
  std::vector<std::unique_ptr<Reader>> idle;
  std::string language;  // for each reader's own stemmer

  std::mutex columns_mutex;                                        // guards making columns_
  std::vector<std::unique_ptr<xapian_backend::Columns>> columns_;  // by shard, once made

  std::unique_ptr<Reader> acquire();
  void release(std::unique_ptr<Reader> r);
  // Reopens a reader at the newest revision; false when Xapian refuses (drop the reader then).
  bool reopen(Reader& r) noexcept;
  // Every shard's columns, made and loaded on first use (about a second per million records).
  std::vector<const xapian_backend::Columns*> columns(const schema::Collection& c);
  std::vector<changes::Rejection> apply_shard(Shard& shard, const schema::Collection& c,
                                              const std::vector<const changes::Change*>& changes);
};

}  // namespace tandem::search
