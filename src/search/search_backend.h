// SearchBackend: the role of a full-text index that projects the store (embedded Xapian,
// OpenSearch): the write side the pipeline feeds, what `tandem reindex` needs to rebuild it, and
// searches compiled from the query language's trees (src/query). Depends on core, changes, schema
// and query; its own target (tandem_search), which no backend's code is part of.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "changes/changes.h"
#include "core/result.h"
#include "query/ast.h"
#include "schema/collection.h"

namespace tandem::search {

struct SearchRequest {
  std::shared_ptr<const schema::Collection> collection;
  query::TextQuery text;                // q
  std::vector<std::string> query_by;    // text/keyword fields to search; empty: all
  std::optional<query::Filter> filter;  // filter
  std::vector<query::SortKey> sort;     // empty: relevance
  std::vector<std::string> facets;      // facet fields
  std::size_t max_facet_values = 10;    // per facet, most frequent first
  std::size_t page = 1;                 // 1-based
  std::size_t per_page = 10;            // at most 250
  std::vector<std::string> highlight;   // text fields to return <mark> snippets of
  int typos = -1;                       // -1 auto (1 from 5 letters, 2 from 9), or 0, 1, 2
  // ranking: the rules in order; unset: the collection's (schema::Collection::ranking)
  std::optional<std::vector<schema::RankRule>> ranking;
};

struct Hit {
  std::string id;
  double score = 0;                                             // relevance
  std::string document;                                         // the stored record
  std::vector<std::pair<std::string, std::string>> highlights;  // field -> snippet
};

struct FacetValue {
  std::string value;
  std::uint64_t count = 0;
  bool operator==(const FacetValue&) const = default;
};

struct SearchResult {
  std::uint64_t found = 0;         // matches: exact up to 10,000 at least
  bool found_is_estimate = false;  // true above that
  std::vector<Hit> hits;
  std::vector<std::pair<std::string, std::vector<FacetValue>>> facets;  // in requested order
  std::vector<std::string> dropped_words;  // words left out by the no-results fallback
};

// Rebuilding one collection's index from the store (`tandem reindex`): the documents applied
// here go into the rebuilt index, and finish() makes it the one searches see. Whether searches
// see the old documents until then is the backend's to say (OpenSearch: they do, its new index
// is switched to atomically behind an alias; Xapian: the rebuild starts empty).
class Rebuild {
 public:
  virtual ~Rebuild() = default;
  // Applies the store's documents (upserts), as SearchBackend::apply does.
  virtual core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) = 0;
  // Makes the rebuilt index the one searches see, and bumps the generation. A Rebuild dropped
  // without finish() leaves the old index as it was (where the backend keeps one).
  virtual core::Status finish() = 0;
};

class SearchBackend {
 public:
  virtual ~SearchBackend() = default;

  // "xapian", "opensearch": names the sink, its cursor and its dead letters.
  virtual std::string_view name() const = 0;

  // Applies changes in seq order, idempotently: a record's seq is its version and an older
  // version never replaces a newer one. kUnavailable (or any error): nothing is certain, the
  // whole batch is retried. Rejections are permanent per-change refusals (dead-lettered).
  virtual core::Result<std::vector<changes::Rejection>> apply(
      std::span<const changes::Change> changes) = 0;

  // Starts rebuilding `collection` (see Rebuild). kUnavailable when the index cannot be changed.
  virtual core::Result<std::unique_ptr<Rebuild>> rebuild(std::string_view collection) = 0;

  // Documents of `collection` that searches see (0 for one never written). kUnavailable when the
  // index cannot be read.
  virtual core::Result<std::uint64_t> count(std::string_view collection) = 0;

  // The lowest seq among the changes applied that searches cannot see yet (OpenSearch: until
  // its next refresh), or 0 when they see everything applied. ?wait=indexed waits for it.
  virtual std::uint64_t unseen_from() const = 0;

  // A number that grows whenever what searches of `collection` see changes (a batch applied, the
  // collection dropped); never reused within the process. Keys the query-result cache.
  virtual std::uint64_t generation(std::string_view collection) const = 0;

  // Runs a search. kInvalidArgument for fields that are unknown or do not allow the operation
  // (message names the field and the position in the parameter), kUnavailable when the index
  // cannot be read.
  virtual core::Result<SearchResult> search(const SearchRequest& request) = 0;

  // Whether the backend can be used now (OpenSearch: the cluster answers and is not red; Xapian:
  // its directory can be written). kUnavailable naming the problem otherwise. For /ready.
  virtual core::Status check() = 0;
};

}  // namespace tandem::search
