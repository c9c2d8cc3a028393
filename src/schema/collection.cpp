// Collection schemas: the products schema, checks, JSON round trip. Depends on core, json,
// simdjson.
#include "schema/collection.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <set>

#include "json/writer.h"

namespace tandem::schema {
namespace {

using core::fail;
using core::invalid_argument;

constexpr std::array<std::pair<FieldType, std::string_view>, 7> kTypes = {{
    {FieldType::kText, "text"},
    {FieldType::kKeyword, "keyword"},
    {FieldType::kInt, "int"},
    {FieldType::kFloat, "float"},
    {FieldType::kBool, "bool"},
    {FieldType::kTimestamp, "timestamp"},
    {FieldType::kKeywordArray, "keyword[]"},
}};

bool valid_name(std::string_view name, std::size_t max) {
  if (name.empty() || name.size() > max || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_numeric_or_time(FieldType t) {
  return t == FieldType::kInt || t == FieldType::kFloat || t == FieldType::kTimestamp;
}

core::Status check_field(const FieldSpec& f) {
  std::string where = "field '" + f.name + "': ";
  if (!valid_name(f.name, 64) || f.name.find('-') != std::string::npos) {
    return invalid_argument(where + "names use a-z, 0-9 and _ and start with a letter");
  }
  if (f.name == "id") return invalid_argument(where + "id is implicit and cannot be declared");
  for (const char* keyword : {"and", "or", "not", "in", "to"}) {
    if (f.name == keyword)
      return invalid_argument(where + "is a filter keyword; choose another name");
  }
  if (f.facet && (f.type == FieldType::kText || f.type == FieldType::kFloat)) {
    return invalid_argument(where +
                            "facet needs a keyword, keyword[], int, bool or timestamp field");
  }
  if (f.sort && !is_numeric_or_time(f.type) && f.type != FieldType::kKeyword &&
      f.type != FieldType::kBool) {
    return invalid_argument(where + "sort needs an int, float, timestamp, keyword or bool field");
  }
  if (f.searchable && f.type != FieldType::kKeyword && f.type != FieldType::kKeywordArray) {
    return invalid_argument(where +
                            "searchable applies to keyword fields (text is always searchable)");
  }
  if (!(f.weight > 0 && f.weight <= 100))
    return invalid_argument(where + "weight must be in (0, 100]");
  return {};
}

core::Result<FieldType> parse_type(std::string_view name) {
  for (const auto& [type, n] : kTypes) {
    if (n == name) return type;
  }
  return fail(invalid_argument("unknown type '" + std::string(name) +
                               "'; use text, keyword, int, float, bool, timestamp or keyword[]"));
}

core::Result<FieldSpec> field_from_json(simdjson::dom::element e, std::size_t index) {
  std::string where = "fields[" + std::to_string(index) + "]: ";
  simdjson::dom::object obj;
  if (e.get_object().get(obj)) return fail(invalid_argument(where + "expected an object"));
  FieldSpec f{.type = FieldType::kText};
  bool has_name = false, has_type = false;
  for (auto [key, value] : obj) {
    std::string_view s;
    bool b = false;
    if (key == "name" && !value.get_string().get(s)) {
      f.name = s, has_name = true;
    } else if (key == "type" && !value.get_string().get(s)) {
      auto t = parse_type(s);
      if (!t) return fail(invalid_argument(where + t.error().message()));
      f.type = *t, has_type = true;
    } else if (key == "weight" && !value.get_double().get(f.weight)) {
    } else if ((key == "facet" || key == "sort" || key == "searchable" || key == "optional") &&
               !value.get_bool().get(b)) {
      (key == "facet"        ? f.facet
       : key == "sort"       ? f.sort
       : key == "searchable" ? f.searchable
                             : f.optional) = b;
    } else {
      return fail(
          invalid_argument(where + "unknown or mistyped property '" + std::string(key) + "'"));
    }
  }
  if (!has_name || !has_type) return fail(invalid_argument(where + "name and type are required"));
  return f;
}

}  // namespace

std::string_view type_name(FieldType type) {
  for (const auto& [t, name] : kTypes) {
    if (t == type) return name;
  }
  return "text";
}

const FieldSpec* Collection::field(std::string_view field_name) const {
  for (const auto& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

Collection products_collection() {
  using enum FieldType;
  return Collection{.name = "products",
                    .fields = {
                        {.name = "name", .type = kText, .weight = 3.0},
                        {.name = "description", .type = kText, .optional = true},
                        {.name = "category", .type = kKeyword, .facet = true, .searchable = true},
                        {.name = "brand", .type = kKeyword, .facet = true, .searchable = true},
                        {.name = "price", .type = kFloat, .sort = true},
                        {.name = "currency", .type = kKeyword, .optional = true},
                        {.name = "rating", .type = kFloat, .sort = true, .optional = true},
                        {.name = "stock", .type = kInt, .sort = true, .optional = true},
                        {.name = "in_stock", .type = kBool, .facet = true, .optional = true},
                        {.name = "tags",
                         .type = kKeywordArray,
                         .facet = true,
                         .searchable = true,
                         .optional = true},
                        {.name = "created_at", .type = kTimestamp, .sort = true, .optional = true},
                    }};
}

std::string_view rank_rule_name(RankRule rule) {
  switch (rule) {
    case RankRule::kExact: return "exact";
    case RankRule::kField: return "field";
    case RankRule::kProximity: return "proximity";
    case RankRule::kAttribute: return "attribute";
  }
  return "exact";
}

core::Result<std::vector<RankRule>> parse_ranking(const std::vector<std::string>& names) {
  std::vector<RankRule> out;
  for (const auto& name : names) {
    auto it = std::find_if(kDefaultRanking.begin(), kDefaultRanking.end(),
                           [&](RankRule r) { return rank_rule_name(r) == name; });
    if (it == kDefaultRanking.end()) {
      return fail(invalid_argument("ranking: unknown rule '" + name +
                                   "'; use exact, field, proximity and attribute, in any order"));
    }
    if (std::find(out.begin(), out.end(), *it) != out.end())
      return fail(invalid_argument("ranking: rule '" + name + "' is named twice"));
    out.push_back(*it);
  }
  return out;
}

core::Status check_collection(const Collection& c) {
  if (!valid_name(c.name, 64)) {
    return invalid_argument("collection name '" + c.name +
                            "': use 1-64 of a-z, 0-9, _ and -, starting with a letter");
  }
  std::set<std::string_view> seen;
  for (const auto& f : c.fields) {
    if (auto st = check_field(f); !st.is_ok()) return st;
    if (!seen.insert(f.name).second)
      return invalid_argument("field '" + f.name + "' is declared twice");
  }
  return {};
}

std::string collection_to_json(const Collection& c) {
  json::Writer w;
  w.begin_object().field("name", c.name).key("fields").begin_array();
  for (const auto& f : c.fields) {
    w.begin_object().field("name", f.name).field("type", type_name(f.type));
    if (f.facet) w.field("facet", true);
    if (f.sort) w.field("sort", true);
    if (f.searchable) w.field("searchable", true);
    if (f.optional) w.field("optional", true);
    if (f.type == FieldType::kText || f.searchable) w.field("weight", f.weight);
    w.end_object();
  }
  w.end_array();
  if (c.ranking) {
    w.key("ranking").begin_array();
    for (auto rule : *c.ranking)
      w.value(rank_rule_name(rule));
    w.end_array();
  }
  w.end_object();
  return w.take();
}

core::Result<Collection> collection_from_json(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(text.data(), text.size()).get(root)) {
    return fail(invalid_argument(std::string("invalid JSON: ") + simdjson::error_message(err)));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) return fail(invalid_argument("expected a JSON object"));
  Collection c;
  bool has_fields = false;
  for (auto [key, value] : obj) {
    std::string_view name;
    simdjson::dom::array fields;
    if (key == "name" && !value.get_string().get(name)) {
      c.name = name;
    } else if (key == "fields" && !value.get_array().get(fields)) {
      has_fields = true;
      for (auto e : fields) {
        auto f = field_from_json(e, c.fields.size());
        if (!f) return fail(f.error());
        c.fields.push_back(std::move(*f));
      }
    } else if (key == "ranking" && !value.get_array().get(fields)) {
      std::vector<std::string> names;
      for (auto e : fields) {
        if (e.get_string().get(name))
          return fail(invalid_argument("ranking: expected an array of rule names"));
        names.emplace_back(name);
      }
      auto rules = parse_ranking(names);
      if (!rules) return fail(rules.error());
      c.ranking = std::move(*rules);
    } else {
      return fail(invalid_argument("unknown or mistyped property '" + std::string(key) + "'"));
    }
  }
  if (c.name.empty() || !has_fields) return fail(invalid_argument("name and fields are required"));
  if (auto st = check_collection(c); !st.is_ok()) return fail(st);
  return c;
}

}  // namespace tandem::schema
