// Compiling the query language's trees into Xapian queries for one collection's index.
// Private to the Xapian backend. Depends on query, schema, Xapian.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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

// What the compiler reads of an index: its vocabulary with each term's documents, and for a
// prefix word's context, the bodies of the few documents a query matches.
class Vocabulary {
 public:
  virtual ~Vocabulary() = default;
  virtual std::uint64_t documents() const = 0;                       // searched
  virtual std::uint64_t docs_with(std::string_view term) const = 0;  // 0: not in the index
  // fn(term, documents) for the terms from `from` on, in byte order, while it returns true.
  using ScanFn = std::function<bool(std::string_view, std::uint64_t)>;
  virtual void scan(std::string_view from, const ScanFn& fn) const = 0;
  // The bodies of the documents matching `q`, when there are at most `limit`; else nullopt.
  virtual std::optional<std::vector<std::string>> bodies_if_few(const native::Query& q,
                                                                std::size_t limit) const = 0;
};

// A Xapian index's vocabulary (every shard).
class XapianVocabulary final : public Vocabulary {
 public:
  explicit XapianVocabulary(const Xapian::Database& db);
  std::uint64_t documents() const override;
  std::uint64_t docs_with(std::string_view term) const override;
  void scan(std::string_view from, const ScanFn& fn) const override;
  std::optional<std::vector<std::string>> bodies_if_few(const native::Query& q,
                                                        std::size_t limit) const override;

 private:
  const Xapian::Database& db_;
};

// A compiled text query.
struct CompiledText {
  native::Query query;
  bool more_typos = false;  // a corrected word has spellings with more typos, left out
};

// q -> query. Each word matches itself or its other forms (same stem; itself ranks higher); the
// prefix word also matches completions; a word the index has never seen matches its nearest
// spellings within the typo budget: those with the fewest typos, or every one with
// options.more_typos. A word found in more than half of the documents only filters (it has no
// weight), and so does `*`.
CompiledText compile_text(const query::TextQuery& q, const Vocabulary& v, const Xapian::Stem& stem,
                          const TextOptions& options);

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
