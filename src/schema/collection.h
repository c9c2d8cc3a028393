// Collections and their schemas: typed fields with flags (DESIGN.md §2), the built-in `products`
// schema, and the JSON form used by /v1/collections and the store. Depends on core and json.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tandem::schema {

enum class FieldType { kText, kKeyword, kInt, kFloat, kBool, kTimestamp, kKeywordArray };

// "text", "keyword", "int", "float", "bool", "timestamp", "keyword[]".
std::string_view type_name(FieldType type);

struct FieldSpec {
  std::string name;         // top-level key in the record
  FieldType type;           // what its value must be
  bool facet = false;       // counted per value in search facets
  bool sort = false;        // usable in sort=
  bool searchable = false;  // keywords: also matched by free-text queries
  bool optional = false;    // may be absent or null
  double weight = 1.0;      // text and searchable keywords: relevance weight
};

// The ranking rules that can be ordered or left out (docs/API.md, "Ranking rules"): the word
// itself before its other forms, a field equal to (or starting with) the query, the words as a
// phrase. Matching every word and fewer typos always come first, BM25 always last.
enum class RankRule { kExact, kField, kProximity, kAttribute };
inline const std::vector<RankRule> kDefaultRanking{RankRule::kExact, RankRule::kField,
                                                   RankRule::kProximity, RankRule::kAttribute};
std::string_view rank_rule_name(RankRule rule);  // "exact", "field", "proximity", "attribute"
// Names -> rules, in order; kInvalidArgument for an unknown or repeated name.
core::Result<std::vector<RankRule>> parse_ranking(const std::vector<std::string>& names);

struct Collection {
  std::string name;               // [a-z0-9_-], 1-64 characters, starts with a letter
  std::vector<FieldSpec> fields;  // in declaration order; "id" is implicit
  std::optional<std::vector<RankRule>> ranking;  // unset: kDefaultRanking

  const FieldSpec* field(std::string_view field_name) const;
};

// The default e-commerce collection that the generator fills.
Collection products_collection();

// Checks names, duplicates and flag/type combinations; kInvalidArgument naming the field.
core::Status check_collection(const Collection& collection);

// {"name":"products","fields":[{"name":"price","type":"float","sort":true},...]}
std::string collection_to_json(const Collection& collection);
// Parses and checks the JSON form; kInvalidArgument with a precise message.
core::Result<Collection> collection_from_json(std::string_view text);

}  // namespace tandem::schema
