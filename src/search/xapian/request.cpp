// Checks and plans of a search request. Depends on search, schema, query, Xapian, simdjson.
#include "search/xapian/request.h"

#include <simdjson.h>

#include "search/xapian/layout.h"

namespace tandem::search::xapian_backend {

using core::fail;
using core::invalid_argument;
using schema::FieldType;

bool searchable(const schema::FieldSpec& f) {
  return f.type == FieldType::kText || f.searchable;
}

core::Result<std::vector<std::string>> prefixes_for(const SearchRequest& r) {
  if (r.query_by.empty()) return std::vector<std::string>{""};
  std::vector<std::string> out;
  for (const auto& name : r.query_by) {
    int i = field_index(*r.collection, name);
    const auto* f = i < 0 ? nullptr : &r.collection->fields[static_cast<std::size_t>(i)];
    if (f == nullptr) return fail(invalid_argument("query_by: unknown field '" + name + "'"));
    if (!searchable(*f)) {
      return fail(invalid_argument("query_by: field '" + name + "' is not searchable text"));
    }
    out.push_back(text_prefix(static_cast<std::size_t>(i)));
  }
  return out;
}

SortPlan sort_plan(const SearchRequest& r) {
  SortPlan plan;
  for (std::size_t k = 0; k < r.sort.size(); ++k) {
    if (r.sort[k].field == "_score") {
      plan.relevance_first = k == 0;
      if (!plan.relevance_first) break;  // keys after relevance would never decide anything
      continue;
    }
    plan.keys.push_back(&r.sort[k]);
  }
  return plan;
}

core::Status set_sort(Xapian::Enquire& enquire, Xapian::MultiValueKeyMaker& keys,
                      const SearchRequest& r) {
  SortPlan plan = sort_plan(r);
  for (const auto* key : plan.keys) {
    int i = field_index(*r.collection, key->field);
    if (i < 0)
      return invalid_argument("sort: unknown field '" + key->field + "' at position " +
                              std::to_string(key->position));
    if (!r.collection->fields[static_cast<std::size_t>(i)].sort) {
      return invalid_argument("sort: field '" + key->field +
                              "' is not sortable (declare it with \"sort\": true) at position " +
                              std::to_string(key->position));
    }
    keys.add_value(slot_of(static_cast<std::size_t>(i)), key->descending,
                   key->descending ? std::string() : std::string(8, '\xff'));
  }
  if (plan.keys.empty()) return {};
  if (plan.relevance_first) {
    enquire.set_sort_by_relevance_then_key(&keys, false);
  } else {
    enquire.set_sort_by_key_then_relevance(&keys, false);
  }
  return {};
}

core::Status check_highlights(const SearchRequest& r) {
  for (const auto& name : r.highlight) {
    const auto* f = r.collection->field(name);
    if (f == nullptr || !searchable(*f)) {
      return invalid_argument("highlight: field '" + name + "' is not a searchable text field");
    }
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> highlights(const std::string& body,
                                                            const Marks& marks,
                                                            const SearchRequest& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (r.highlight.empty()) return out;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return out;
  for (const auto& name : r.highlight) {
    std::string_view text;
    if (doc[name].get_string().get(text)) continue;
    std::string snippet = highlight(text, marks, 200);
    if (!snippet.empty()) out.emplace_back(name, std::move(snippet));
  }
  return out;
}

}  // namespace tandem::search::xapian_backend
