// A search request as OpenSearch's Query DSL: the body of POST /<alias>/_search. Without I/O.
// Depends on core, json, schema, query and the shared request checks.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "search/opensearch/protocol.h"
#include "search/search_backend.h"

namespace tandem::search::opensearch {

// OpenSearch's index.max_result_window: from + size may not pass it.
inline constexpr std::size_t kMaxResultWindow = 10000;

// The _search body of `r`, searching only its first `keep_words` words (the no-results
// fallback drops words from the end, as the embedded engine does):
// - each word is a multi_match over the searched fields (query_by's, or every searchable one;
//   weights as boosts; a searchable keyword through its ".text" subfield) with operator "and"
//   and fuzziness "AUTO:5,9" (r.typos = -1: one typo from 5 letters, two from 9) or r.typos;
//   the prefix word is a "bool_prefix" multi_match; phrases are "phrase" multi_matches;
//   exclusions are must_not clauses;
// - the filter becomes a bool filter of term (keywords case-insensitive), range (timestamps as
//   epoch_millis) and bool clauses;
// - sort keys go with "missing": "_last", relevance where the request puts it;
// - facets are terms aggregations ordered by count, then key;
// - highlights use <mark>, HTML-encoded, one fragment of about 200 characters;
// - from/size from page and per_page; track_total_hits up to 10,000.
// kInvalidArgument as the embedded engine refuses the same request (search/request_checks),
// and for a page beyond kMaxResultWindow.
core::Result<std::string> search_body(const SearchRequest& r, std::size_t keep_words);

}  // namespace tandem::search::opensearch
