// A search request checked and planned against its collection's schema: which term prefixes it
// searches, which sort keys decide, sorting, highlights. Private to the Xapian backend. Every
// check answers kInvalidArgument naming the parameter, the field and, where known, the position.
// Depends on search, schema, query, Xapian.
#pragma once

#include <xapian.h>

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "search/search_backend.h"
#include "search/xapian/highlight.h"

namespace tandem::search::xapian_backend {

// Text fields, and keyword fields declared searchable.
bool searchable(const schema::FieldSpec& f);

// The term prefixes searched: "" (the unprefixed terms of every field), or query_by's fields'.
core::Result<std::vector<std::string>> prefixes_for(const SearchRequest& r);

// The sort keys that decide anything: those before the first "_score", or, when "_score" comes
// first (relevance, then keys for ties), those after it.
struct SortPlan {
  bool relevance_first = false;
  std::vector<const query::SortKey*> keys;
};
SortPlan sort_plan(const SearchRequest& r);

// Sorting: fields with `sort`, "_score" for relevance; documents without the value come last.
core::Status set_sort(Xapian::Enquire& enquire, Xapian::MultiValueKeyMaker& keys,
                      const SearchRequest& r);

// Every highlight field is searchable text.
core::Status check_highlights(const SearchRequest& r);

// The <mark> snippets of r.highlight's fields in a stored body.
std::vector<std::pair<std::string, std::string>> highlights(const std::string& body,
                                                            const Marks& marks,
                                                            const SearchRequest& r);

}  // namespace tandem::search::xapian_backend
