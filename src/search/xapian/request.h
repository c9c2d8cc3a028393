// A search request planned against its collection's schema (checked by search/request_checks):
// which term prefixes it searches, sorting, highlights. Private to the Xapian backend.
// Depends on search, schema, query, Xapian.
#pragma once

#include <xapian.h>

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "search/request_checks.h"
#include "search/search_backend.h"
#include "search/xapian/highlight.h"

namespace tandem::search::xapian_backend {

// The term prefixes searched: "" (the unprefixed terms of every field), or those of the fields
// of query_by_fields().
std::vector<std::string> prefixes_for(const std::vector<std::size_t>& query_by);

// The term prefixes of the heaviest fields searched (those of query_by, or every searchable
// field), for the ranking rule `attribute`; none when every field searched weighs the same.
std::vector<std::string> heaviest_prefixes(const schema::Collection& c,
                                           const std::vector<std::size_t>& query_by);

// Sorting by sort_plan(r) (checked): "_score" for relevance; documents without the value come
// last.
void set_sort(Xapian::Enquire& enquire, Xapian::MultiValueKeyMaker& keys, const SearchRequest& r);

// The <mark> snippets of r.highlight's fields in a stored body.
std::vector<std::pair<std::string, std::string>> highlights(const std::string& body,
                                                            const Marks& marks,
                                                            const SearchRequest& r);

}  // namespace tandem::search::xapian_backend
