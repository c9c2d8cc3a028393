// Facet counts: the most frequent values of each facet field over a search's matches, counted
// by the columns (over bit sets of the matches) or, for fields they do not keep, by spies the
// matcher shows every match. Private to the Xapian backend. Depends on search, schema, Xapian and
// the columns.
#pragma once

#include <xapian.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/fork_join.h"
#include "core/result.h"
#include "search/search_backend.h"
#include "search/xapian/columns.h"
#include "search/xapian/match.h"

namespace tandem::search::xapian_backend {

// The n values counted most often (ties: in byte order).
std::vector<FacetValue> most_frequent(std::vector<FacetValue> values, std::size_t n);

// Counts the values of one facet field over every match the matcher looks at.
class FacetSpy final : public Xapian::MatchSpy {
 public:
  FacetSpy(Xapian::valueno slot, schema::FieldType type) : slot_(slot), type_(type) {}
  void operator()(const Xapian::Document& doc, double) override;
  // The n values counted most often, as facets show them.
  std::vector<FacetValue> top(std::size_t n) const;

 private:
  Xapian::valueno slot_;
  schema::FieldType type_;
  std::unordered_map<std::string, Xapian::doccount> counts_;
};

// With `attach`, adds a spy to `enquire` counting each (checked) facet field's values over the
// matches.
std::vector<std::unique_ptr<FacetSpy>> add_facets(Xapian::Enquire& enquire, const SearchRequest& r,
                                                  bool attach);

// True when every shard's columns can count every facet of the request.
bool countable(const std::vector<const Columns*>& shards, const SearchRequest& r);

// Adds r.facets, counted in every shard's columns over its `matched` documents, to out.facets
// (the shards at the same time on `pool`, when given). False when a shard does not keep one of
// the fields. The caller holds the columns' shared locks.
bool column_facets(const std::vector<const Columns*>& shards, const std::vector<Bits>& matched,
                   const SearchRequest& r, SearchResult& out, core::ForkJoin* pool = nullptr);

// The facets of a text query from the columns (countable() must hold), counted over every
// shard's matches (matched_bits(): Xapian's spies would read each match's values from the index,
// about 1.4 µs a match for two facets, where this costs about 50 ns). Sets `found`, exact.
void count_facets(const std::vector<const Columns*>& shards, const std::vector<Bits>& matched,
                  const SearchRequest& r, SearchResult& out);

}  // namespace tandem::search::xapian_backend
