// Collections and their schemas: typed fields with flags (DESIGN.md §2), the built-in `products`
// schema, and the JSON form used by /v1/collections and the store. Depends on core and json.
#pragma once

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
  double weight = 1.0;      // text: relevance weight
};

struct Collection {
  std::string name;               // [a-z0-9_-], 1-64 characters, starts with a letter
  std::vector<FieldSpec> fields;  // in declaration order; "id" is implicit

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
