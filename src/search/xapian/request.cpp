// Plans of a checked search request. Depends on search, schema, query, Xapian, simdjson.
#include "search/xapian/request.h"

#include <simdjson.h>

#include <algorithm>

#include "search/xapian/layout.h"

namespace tandem::search::xapian_backend {

std::vector<std::string> prefixes_for(const std::vector<std::size_t>& query_by) {
  if (query_by.empty()) return {""};
  std::vector<std::string> out;
  for (auto i : query_by)
    out.push_back(text_prefix(i));
  return out;
}

std::vector<std::string> heaviest_prefixes(const schema::Collection& c,
                                           const std::vector<std::size_t>& query_by) {
  std::vector<std::size_t> searched = query_by;
  if (searched.empty()) {
    for (std::size_t i = 0; i < c.fields.size(); ++i)
      if (searchable(c.fields[i])) searched.push_back(i);
  }
  double heaviest = 0;
  for (auto i : searched)
    heaviest = std::max(heaviest, c.fields[i].weight);
  std::vector<std::string> out;
  for (auto i : searched)
    if (c.fields[i].weight == heaviest) out.push_back(text_prefix(i));
  if (out.size() == searched.size()) out.clear();  // all alike: the rule orders nothing
  return out;
}

void set_sort(Xapian::Enquire& enquire, Xapian::MultiValueKeyMaker& keys, const SearchRequest& r) {
  SortPlan plan = sort_plan(r);
  for (const auto* key : plan.keys) {
    auto i = static_cast<std::size_t>(field_index(*r.collection, key->field));
    keys.add_value(slot_of(i), key->descending,
                   key->descending ? std::string() : std::string(8, '\xff'));
  }
  if (plan.keys.empty()) return;
  if (plan.relevance_first) {
    enquire.set_sort_by_relevance_then_key(&keys, false);
  } else {
    enquire.set_sort_by_key_then_relevance(&keys, false);
  }
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
