// Parsers for the query language: q, filter, sort. Pure functions over text; no schema (fields
// are checked against a collection by the engine). Errors carry the byte position.
// Depends on core and query/ast.h.
#pragma once

#include <string_view>

#include "query/ast.h"

namespace tandem::query {

// Free text. Words are separated by whitespace; "quoted text" is a phrase; a leading '-' excludes
// a word or phrase; '*' alone (or an empty q) matches everything. With `prefix_last`, the last
// bare, non-excluded word is a prefix. Errors: an unterminated quote, a '-' with nothing after it,
// a query of only exclusions, more than 32 terms (words, phrases, exclusions) or 32 words in one
// phrase, a word over 256 bytes, invalid UTF-8.
ParseResult<TextQuery> parse_text(std::string_view q, bool prefix_last);

// filter := or ; or := and ("OR" and)* ; and := unary ("AND" unary)* ;
// unary := "NOT" unary | "(" or ")" | condition ;
// condition := field op value | field "IN" "[" value ("," value)* "]" | field value "TO" value ;
// op := = != < <= > >= ; value := bare word (letters including any non-ASCII character, digits,
// _ - . : +) | "quoted string" with \" \\ (no other escapes). Keywords (AND OR NOT IN TO) are
// case-insensitive and cannot be bare values or field names. Field names: [A-Za-z_][A-Za-z0-9_]*.
// Nesting of parentheses and NOT together is limited to 32.
ParseResult<Filter> parse_filter(std::string_view filter);

// sort := key ("," key)* ; key := field [":" ("asc"|"desc")] ; at most 8 keys; "_score" sorts by
// relevance (default desc); other fields default to asc.
ParseResult<std::vector<SortKey>> parse_sort(std::string_view sort);

}  // namespace tandem::query
