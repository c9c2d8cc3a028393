// The checks of a search request against its collection's schema that every backend makes the
// same way, so that a request one engine refuses is refused by all with the same message: which
// fields q searches, sorting, facets, highlights, and the fields and literals of a filter. Each
// answers kInvalidArgument naming the parameter, the field and, where known, the position.
// Depends on core, schema and query.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "query/ast.h"
#include "schema/collection.h"
#include "search/search_backend.h"

namespace tandem::search {

// Text fields, and keyword fields declared searchable.
bool searchable(const schema::FieldSpec& f);

// The fields q searches, as indexes into the collection's fields: query_by's, in its order, or
// empty for "every searchable field".
core::Result<std::vector<std::size_t>> query_by_fields(const SearchRequest& r);

// The sort keys that decide anything: those before the first "_score", or, when "_score" comes
// first (relevance, then keys for ties), those after it. Unchecked: see check_sort.
struct SortPlan {
  bool relevance_first = false;
  std::vector<const query::SortKey*> keys;
};
SortPlan sort_plan(const SearchRequest& r);

// Every deciding sort key names a field declared with "sort": true.
core::Status check_sort(const SearchRequest& r);

// Every facet names a field declared with "facet": true.
core::Status check_facets(const SearchRequest& r);

// Every highlight field is searchable text.
core::Status check_highlights(const SearchRequest& r);

// query_by, sort, facets and highlights together (the filter is checked as it is compiled).
core::Status check_request(const SearchRequest& r);

// The field a filter condition names, as an index into the collection's fields: refused when
// unknown or text (text is searched, not filtered).
core::Result<std::size_t> filter_field(const schema::Collection& c, const std::string& name,
                                       std::size_t position);

// int, float and timestamp fields: those <, <=, >, >= and TO compare as numbers.
bool is_ordered(schema::FieldType t);

// Refuses an ordered comparison on a field without order (bool, keyword[]); keyword fields
// compare as byte strings.
core::Status check_comparable(const schema::FieldSpec& f, std::size_t position);

// A filter literal as a number of a field of type `t` (int, float, timestamp, bool): its value,
// milliseconds since the epoch, 1 or 0. kInvalidArgument naming `field` and the literal's
// position when the text is not one.
core::Result<double> literal_number(schema::FieldType t, std::string_view field,
                                    const query::Literal& v);

}  // namespace tandem::search
