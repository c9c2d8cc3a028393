// Compiling search requests to the Query DSL. Depends on core, json, schema, query and the
// shared request checks.
#include "search/opensearch/query.h"

#include <string>
#include <vector>

#include "json/writer.h"
#include "search/request_checks.h"

namespace tandem::search::opensearch {
namespace {

using core::fail;
using query::CompareOp;
using schema::FieldType;

// The fields q searches, with their weights as boosts: "name^3", "brand.text".
std::vector<std::string> searched_fields(const SearchRequest& r,
                                         const std::vector<std::size_t>& query_by) {
  std::vector<const schema::FieldSpec*> fields;
  if (query_by.empty()) {
    for (const auto& f : r.collection->fields)
      if (searchable(f)) fields.push_back(&f);
  } else {
    for (auto i : query_by)
      fields.push_back(&r.collection->fields[i]);
  }
  std::vector<std::string> out;
  for (const auto* f : fields) {
    std::string name = f->name;
    if (f->type != FieldType::kText) name += kTextSubfield;
    if (f->weight != 1.0) {
      name += '^';
      json::append_number(name, f->weight);
    }
    out.push_back(std::move(name));
  }
  return out;
}

// {"multi_match": {"query": ..., "fields": [...], ...}}; `type` "" is best_fields.
void multi_match(json::Writer& w, std::string_view text, const std::vector<std::string>& fields,
                 std::string_view type, std::string_view fuzziness) {
  w.begin_object().key("multi_match").begin_object().field("query", text);
  w.key("fields").begin_array();
  for (const auto& f : fields)
    w.value(f);
  w.end_array();
  if (!type.empty()) w.field("type", type);
  if (type.empty() || type == "bool_prefix") w.field("operator", "and");
  if (type == "bool_prefix") w.field("max_expansions", 100);
  if (!fuzziness.empty()) w.field("fuzziness", fuzziness).field("max_expansions", 10);
  w.end_object().end_object();
}

std::string joined(const query::Phrase& p) {
  std::string out;
  for (const auto& word : p.words) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

// ---- filter -------------------------------------------------------------------------------

// A literal as the JSON value a term or range on the field compares with.
core::Status literal(json::Writer& w, const schema::FieldSpec& f, const query::Literal& v) {
  if (f.type == FieldType::kKeyword || f.type == FieldType::kKeywordArray) {
    w.value(v.text);
    return {};
  }
  auto n = literal_number(f.type, f.name, v);
  if (!n) return n.error();
  if (f.type == FieldType::kBool) {
    w.value(*n != 0);
  } else if (f.type == FieldType::kTimestamp) {
    w.value(static_cast<std::int64_t>(*n));
  } else {
    w.value(*n);
  }
  return {};
}

// {"range": {"<field>": {"gte": .., "lte": ..}}}: each bound that is set.
core::Status range(
    json::Writer& w, const schema::FieldSpec& f,
    std::initializer_list<std::pair<std::string_view, const query::Literal*>> bounds) {
  w.begin_object().key("range").begin_object().key(f.name).begin_object();
  for (const auto& [op, v] : bounds) {
    w.key(op);
    if (auto st = literal(w, f, *v); !st.is_ok()) return st;
  }
  if (f.type == FieldType::kTimestamp) w.field("format", "epoch_millis");
  w.end_object().end_object().end_object();
  return {};
}

core::Status equals(json::Writer& w, const schema::FieldSpec& f, const query::Literal& v) {
  if (f.type == FieldType::kTimestamp || f.type == FieldType::kFloat || f.type == FieldType::kInt) {
    return range(w, f, {{"gte", &v}, {"lte", &v}});
  }
  w.begin_object().key("term").begin_object().key(f.name).begin_object().key("value");
  if (auto st = literal(w, f, v); !st.is_ok()) return st;
  if (f.type != FieldType::kBool) w.field("case_insensitive", true);
  w.end_object().end_object().end_object();
  return {};
}

core::Status filter(json::Writer& w, const query::Filter& node, const schema::Collection& c);

// {"bool": {"<occur>": [...]}} of the operands, with minimum_should_match for "should".
template <class Each>
core::Status boolean(json::Writer& w, std::string_view occur, std::size_t n, Each&& each) {
  w.begin_object().key("bool").begin_object().key(occur).begin_array();
  for (std::size_t i = 0; i < n; ++i)
    if (auto st = each(i); !st.is_ok()) return st;
  w.end_array();
  if (occur == "should") w.field("minimum_should_match", 1);
  w.end_object().end_object();
  return {};
}

core::Status comparison(json::Writer& w, const query::Comparison& cmp,
                        const schema::Collection& c) {
  auto i = filter_field(c, cmp.field, cmp.position);
  if (!i) return i.error();
  const auto& f = c.fields[*i];
  switch (cmp.op) {
    case CompareOp::kEq: return equals(w, f, cmp.value);
    case CompareOp::kNe:
      return boolean(w, "must_not", 1, [&](std::size_t) { return equals(w, f, cmp.value); });
    default: break;
  }
  if (auto st = check_comparable(f, cmp.position); !st.is_ok()) return st;
  std::string_view op = cmp.op == CompareOp::kLt   ? "lt"
                        : cmp.op == CompareOp::kLe ? "lte"
                        : cmp.op == CompareOp::kGt ? "gt"
                                                   : "gte";
  return range(w, f, {{op, &cmp.value}});
}

core::Status filter(json::Writer& w, const query::Filter& node, const schema::Collection& c) {
  return std::visit(
      [&](const auto& n) -> core::Status {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, query::Comparison>) {
          return comparison(w, n, c);
        } else if constexpr (std::is_same_v<T, query::InList>) {
          auto i = filter_field(c, n.field, n.position);
          if (!i) return i.error();
          return boolean(w, "should", n.values.size(),
                         [&](std::size_t k) { return equals(w, c.fields[*i], n.values[k]); });
        } else if constexpr (std::is_same_v<T, query::Range>) {
          auto i = filter_field(c, n.field, n.position);
          if (!i) return i.error();
          const auto& f = c.fields[*i];
          if (auto st = check_comparable(f, n.position); !st.is_ok()) return st;
          return range(w, f, {{"gte", &n.low}, {"lte", &n.high}});
        } else if constexpr (std::is_same_v<T, query::Not>) {
          return boolean(w, "must_not", 1, [&](std::size_t) { return filter(w, *n.operand, c); });
        } else {
          constexpr bool kAnd = std::is_same_v<T, query::And>;
          return boolean(w, kAnd ? "filter" : "should", n.operands.size(),
                         [&](std::size_t k) { return filter(w, n.operands[k], c); });
        }
      },
      node.node);
}

std::string fuzziness(int typos) {
  return typos < 0 ? "AUTO:5,9" : std::to_string(typos);
}

}  // namespace

core::Result<std::string> search_body(const SearchRequest& r, std::size_t keep_words) {
  if (auto st = check_request(r); !st.is_ok()) return fail(st);
  const std::size_t from = (r.page - 1) * r.per_page;
  if (from + r.per_page > kMaxResultWindow) {
    return fail(core::invalid_argument(
        "page: OpenSearch serves the first " + std::to_string(kMaxResultWindow) +
        " results only (index.max_result_window); page * per_page is " +
        std::to_string(from + r.per_page)));
  }
  const auto& q = r.text;
  auto fields = searched_fields(r, *query_by_fields(r));

  json::Writer w;
  w.begin_object().field("from", static_cast<std::uint64_t>(from));
  w.field("size", static_cast<std::uint64_t>(r.per_page));
  w.field("track_total_hits", static_cast<std::uint64_t>(kMaxResultWindow));
  w.key("query").begin_object().key("bool").begin_object();
  w.key("must").begin_array();
  std::size_t words = q.match_all ? 0 : std::min(keep_words, q.words.size());
  for (std::size_t i = 0; i < words; ++i) {
    const auto& word = q.words[i];
    if (word.prefix) {
      multi_match(w, word.text, fields, "bool_prefix", "");
    } else {
      multi_match(w, word.text, fields, "", r.typos == 0 ? "" : fuzziness(r.typos));
    }
  }
  for (const auto& p : q.match_all ? std::vector<query::Phrase>{} : q.phrases)
    multi_match(w, joined(p), fields, "phrase", "");
  if (q.match_all || (words == 0 && q.phrases.empty()))
    w.begin_object().key("match_all").begin_object().end_object().end_object();
  w.end_array();
  if (!q.match_all && (!q.excluded.empty() || !q.excluded_phrases.empty())) {
    w.key("must_not").begin_array();
    for (const auto& word : q.excluded)
      multi_match(w, word, fields, "", "");
    for (const auto& p : q.excluded_phrases)
      multi_match(w, joined(p), fields, "phrase", "");
    w.end_array();
  }
  if (r.filter) {
    w.key("filter").begin_array();
    if (auto st = filter(w, *r.filter, *r.collection); !st.is_ok()) return fail(st);
    w.end_array();
  }
  w.end_object().end_object();  // bool, query

  SortPlan plan = sort_plan(r);
  if (!plan.keys.empty()) {
    w.key("sort").begin_array();
    if (plan.relevance_first) w.begin_object().field("_score", "desc").end_object();
    for (const auto* key : plan.keys) {
      w.begin_object().key(key->field).begin_object();
      w.field("order", key->descending ? "desc" : "asc").field("missing", "_last");
      w.end_object().end_object();
    }
    if (!plan.relevance_first) w.begin_object().field("_score", "desc").end_object();
    w.end_array();
  }

  if (!r.facets.empty()) {
    w.key("aggs").begin_object();
    for (const auto& name : r.facets) {
      w.key(name).begin_object().key("terms").begin_object().field("field", name);
      w.field("size", static_cast<std::uint64_t>(r.max_facet_values));
      if (r.collection->field(name)->type == FieldType::kTimestamp)
        w.field("format", "epoch_millis");
      w.key("order").begin_array();
      w.begin_object().field("_count", "desc").end_object();
      w.begin_object().field("_key", "asc").end_object();
      w.end_array().end_object().end_object();
    }
    w.end_object();
  }

  if (!r.highlight.empty()) {
    w.key("highlight").begin_object();
    w.key("pre_tags").begin_array().value("<mark>").end_array();
    w.key("post_tags").begin_array().value("</mark>").end_array();
    w.field("encoder", "html").field("require_field_match", false);
    w.field("fragment_size", 200).field("number_of_fragments", 1);
    w.key("fields").begin_object();
    for (const auto& name : r.highlight) {
      bool text = r.collection->field(name)->type == FieldType::kText;
      w.key(text ? name : name + std::string(kTextSubfield)).begin_object().end_object();
    }
    w.end_object().end_object();
  }
  w.end_object();
  return w.take();
}

}  // namespace tandem::search::opensearch
