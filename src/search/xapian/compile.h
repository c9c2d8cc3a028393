// Compiling the query language's trees into Xapian queries for one collection's index.
// Private to the Xapian backend. Depends on query, schema, Xapian.
#pragma once

#include <xapian.h>

#include <string>
#include <vector>

#include "core/result.h"
#include "query/ast.h"
#include "schema/collection.h"
#include "search/native/query.h"

namespace tandem::search::xapian_backend {

struct TextOptions {
  std::vector<std::string> prefixes;  // term prefixes searched ("" = every field)
  std::vector<std::string> heaviest;  // term prefixes of the heaviest fields searched, if not all
  int typos = -1;                     // -1 auto: 1 typo from 5 letters, 2 from 9
  std::size_t keep_words = SIZE_MAX;  // fallback: search only the first N words
  bool more_typos = false;  // fallback: corrected words match spellings beyond their fewest typos
  std::vector<schema::RankRule> ranking = schema::kDefaultRanking;  // the rules, in order
};

// A compiled text query.
struct CompiledText {
  Xapian::Query query;
  bool more_typos = false;  // a corrected word has spellings with more typos, left out
};

// q -> query. Each word matches itself or its other forms (same stem; itself ranks higher); the
// prefix word also matches completions; a word the index has never seen matches its nearest
// spellings within the typo budget: those with the fewest typos, or every one with
// options.more_typos. A word found in more than half of the documents only filters (it has no
// weight), and so does `*`.
CompiledText compile_text(const query::TextQuery& q, const Xapian::Database& db,
                          const Xapian::Stem& stem, const TextOptions& options);

// The weighting of compiled queries: BM25 (k1 = 1, b = 0) with each term's idf from the whole
// index, carried in the query. Weights are the same over every shard and over each alone.
const Xapian::Weight& ranking();

// filter -> query on keyword terms and value ranges. kInvalidArgument naming the field, the
// problem and the position: unknown field, text fields, wrong value types, '<' on keyword lists.
core::Result<Xapian::Query> compile_filter(const query::Filter& f, const schema::Collection& c);

// The same query for Xapian (the weights are ranking()'s).
Xapian::Query to_xapian(const native::Query& q);

// Every document: a new query each time. Xapian's shared Query::MatchAll must not be used: its
// reference count is not atomic, and copying it from several threads corrupts the heap.
inline Xapian::Query match_all() {
  return Xapian::Query(std::string());
}

}  // namespace tandem::search::xapian_backend
