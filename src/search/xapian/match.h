// Matching a compiled query: one page of matches over every shard, each shard alone and all at
// the same time where the order allows, and the posting lists and spies that carry the columns'
// bit sets into Xapian's matcher and back. Private to the Xapian backend. Xapian's objects count
// references without atomics: nothing here is shared between threads but through ShardQuery.
// Depends on core, Xapian and the columns.
#pragma once

#include <xapian.h>

#include <memory>
#include <string>
#include <vector>

#include "core/fork_join.h"
#include "core/result.h"
#include "search/search_backend.h"
#include "search/xapian/columns.h"

namespace tandem::search::xapian_backend {

// One page of matches, in order, with the count.
struct Page {
  struct Item {
    Xapian::MSetIterator it;  // document and weight
    Xapian::docid order;      // its docid in the database of every shard
  };
  std::vector<Xapian::MSet> msets;
  std::vector<Item> items;
  Xapian::doccount estimated = 0, lower = 0, upper = 0;
};

// One match over the enquire's database (every shard, one after the other).
Page match(Xapian::Enquire& enquire, Xapian::doccount first, Xapian::doccount size,
           Xapian::doccount check);

// A query to run on each shard alone, on any thread: the compiled words, serialised (Query objects
// count references without atomics, so every thread reads its own copy back), and, when the
// columns evaluated the filter, each shard's matching documents as a posting list (Xapian would
// read a value stream for a range, about 1 µs a candidate).
class ShardQuery {
 public:
  ShardQuery(const Xapian::Query& q, const std::vector<Bits>* filter)
      : wire_(q.serialise()), filter_(filter) {}
  Xapian::Query on(std::size_t shard) const;

 private:
  std::string wire_;
  const std::vector<Bits>* filter_;
};

// Ordered by relevance, then by docid in the database of every shard, with `found` exact up to
// `check` matches (see match.cpp for how the shards share that count).
Page match_ranked(core::ForkJoin& pool, const std::vector<Xapian::Database>& parts,
                  const ShardQuery& q, Xapian::doccount first, Xapian::doccount size,
                  Xapian::doccount check);

// Each shard's documents matching `f` (which compiled), from the columns; nullopt when they do
// not keep every field it names.
std::optional<std::vector<Bits>> filter_bits(const std::vector<const Columns*>& shards,
                                             const query::Filter& f);

// Sets the bit of every document it is shown.
class BitsSpy final : public Xapian::MatchSpy {
 public:
  explicit BitsSpy(Bits& bits) : bits_(bits) {}
  void operator()(const Xapian::Document& doc, double) override;

 private:
  Bits& bits_;
};

}  // namespace tandem::search::xapian_backend
