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
  // The same query over `docs` alone, a subset of each shard's matches (which outlives it).
  ShardQuery within(const std::vector<Bits>& docs) const { return {wire_, &docs}; }

 private:
  ShardQuery(std::string wire, const std::vector<Bits>* filter)
      : wire_(std::move(wire)), filter_(filter) {}
  std::string wire_;
  const std::vector<Bits>* filter_;
};

// Ordered by relevance, then by docid in the database of every shard, with `found` exact up to
// `check` matches (see match.cpp for how the shards share that count).
Page match_ranked(core::ForkJoin& pool, const std::vector<Xapian::Database>& parts,
                  const ShardQuery& q, Xapian::doccount first, Xapian::doccount size,
                  Xapian::doccount check);

// Each shard's matches as a bit set, from an unscored match of every shard at the same time
// (about 50 ns a match).
std::vector<Bits> matched_bits(core::ForkJoin& pool, const std::vector<Xapian::Database>& parts,
                               const ShardQuery& q);

// Ordered by `keys` in every shard's columns (each sortable), then by relevance, then by docid in
// the database of every shard: the order of Xapian's sort by key then relevance, without reading
// a value a match (about 200 ns each) or weighing every match. `matched`: each shard's matches
// of `q` (matched_bits()). Only the documents the page needs are weighed: those ordered before
// its last one by the keys, and those tied with it. `found` is exact.
Page match_sorted(core::ForkJoin& pool, const std::vector<Xapian::Database>& parts,
                  const std::vector<const Columns*>& shards, const std::vector<SortKey>& keys,
                  const ShardQuery& q, const std::vector<Bits>& matched, Xapian::doccount first,
                  Xapian::doccount size);

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
