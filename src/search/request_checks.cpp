// Schema checks of search requests shared by every backend. Depends on core, schema and query.
#include "search/request_checks.h"

#include <charconv>
#include <cmath>

#include "core/clock.h"

namespace tandem::search {

using core::fail;
using core::invalid_argument;
using schema::FieldType;

namespace {

std::string at(std::size_t position) {
  return " at position " + std::to_string(position);
}

std::size_t index_of(const schema::Collection& c, const schema::FieldSpec* f) {
  return static_cast<std::size_t>(f - c.fields.data());
}

}  // namespace

bool searchable(const schema::FieldSpec& f) {
  return f.type == FieldType::kText || f.searchable;
}

core::Result<std::vector<std::size_t>> query_by_fields(const SearchRequest& r) {
  std::vector<std::size_t> out;
  for (const auto& name : r.query_by) {
    const auto* f = r.collection->field(name);
    if (f == nullptr) return fail(invalid_argument("query_by: unknown field '" + name + "'"));
    if (!searchable(*f)) {
      return fail(invalid_argument("query_by: field '" + name + "' is not searchable text"));
    }
    out.push_back(index_of(*r.collection, f));
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

core::Status check_sort(const SearchRequest& r) {
  for (const auto* key : sort_plan(r).keys) {
    const auto* f = r.collection->field(key->field);
    if (f == nullptr)
      return invalid_argument("sort: unknown field '" + key->field + "'" + at(key->position));
    if (!f->sort) {
      return invalid_argument("sort: field '" + key->field +
                              "' is not sortable (declare it with \"sort\": true)" +
                              at(key->position));
    }
  }
  return {};
}

core::Status check_facets(const SearchRequest& r) {
  for (const auto& name : r.facets) {
    const auto* f = r.collection->field(name);
    if (f == nullptr) return invalid_argument("facets: unknown field '" + name + "'");
    if (!f->facet) {
      return invalid_argument("facets: field '" + name +
                              "' is not a facet (declare it with \"facet\": true)");
    }
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

core::Status check_request(const SearchRequest& r) {
  if (auto fields = query_by_fields(r); !fields) return fields.error();
  if (auto st = check_sort(r); !st.is_ok()) return st;
  if (auto st = check_facets(r); !st.is_ok()) return st;
  return check_highlights(r);
}

core::Result<std::size_t> filter_field(const schema::Collection& c, const std::string& name,
                                       std::size_t position) {
  const auto* f = c.field(name);
  if (f == nullptr) return fail(invalid_argument("unknown field '" + name + "'" + at(position)));
  if (f->type == FieldType::kText) {
    return fail(invalid_argument("field '" + name +
                                 "' is text and cannot be filtered; filter on "
                                 "keyword, number, bool or timestamp fields" +
                                 at(position)));
  }
  return index_of(c, f);
}

bool is_ordered(FieldType t) {
  return t == FieldType::kInt || t == FieldType::kFloat || t == FieldType::kTimestamp;
}

core::Status check_comparable(const schema::FieldSpec& f, std::size_t position) {
  if (f.type == FieldType::kKeyword || is_ordered(f.type)) return {};
  return invalid_argument("field '" + f.name + "' (" + std::string(schema::type_name(f.type)) +
                          ") has no order; use = or IN" + at(position));
}

core::Result<double> literal_number(FieldType t, std::string_view field, const query::Literal& v) {
  auto problem = [&](std::string_view what) {
    return fail(invalid_argument(std::string(field) + ": " + std::string(what) + at(v.position)));
  };
  if (t == FieldType::kBool) {
    if (v.text == "true" || v.text == "false") return v.text == "true" ? 1.0 : 0.0;
    return problem("expected true or false, got '" + v.text + "'");
  }
  if (t == FieldType::kTimestamp) {
    if (auto ms = core::parse_rfc3339_ms(v.text)) return static_cast<double>(*ms);
    return problem("'" + v.text + "' is not an RFC 3339 timestamp");
  }
  double d = 0;
  auto [end, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), d);
  if (ec != std::errc() || end != v.text.data() + v.text.size() || !std::isfinite(d))
    return problem("'" + v.text + "' is not a number");
  return d;
}

}  // namespace tandem::search
