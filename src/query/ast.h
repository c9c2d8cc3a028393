// The search query language as syntax trees, independent of any search engine: the free-text
// `q`, the `filter` expression and the `sort` list (DESIGN.md §3). Xapian and OpenSearch both
// compile these trees. Depends on core only.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/result.h"

namespace tandem::query {

// A syntax error: what is wrong and the 0-based byte offset in the input where it was found.
struct ParseError {
  std::string message;   // "expected a value after '>=' at position 12"
  std::size_t position;  // byte offset into the parameter's text

  core::Status to_status() const { return core::invalid_argument(message); }
};

template <class T>
using ParseResult = tl::expected<T, ParseError>;

// ---- q ------------------------------------------------------------------------------------

struct Word {
  std::string text;     // as typed (case kept; engines normalise)
  bool prefix = false;  // the last bare word when prefix search is on: "usb ca" -> "ca*"
};

struct Phrase {
  std::vector<std::string> words;  // "usb c cable" -> {"usb", "c", "cable"}
};

struct TextQuery {
  bool match_all = false;                // q=* (or empty q): every record
  std::vector<Word> words;               // all must match
  std::vector<Phrase> phrases;           // all must match, words adjacent and in order
  std::vector<std::string> excluded;     // -word: must not match
  std::vector<Phrase> excluded_phrases;  // -"two words": must not match
};

// ---- filter -------------------------------------------------------------------------------

// A literal as written; the engine converts it by the field's schema type.
struct Literal {
  std::string text;          // unquoted text, escapes resolved
  bool quoted = false;       // "written in quotes"
  std::size_t position = 0;  // where it starts
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

struct Filter;  // recursive

struct Comparison {  // price >= 10, category = electronics
  std::string field;
  CompareOp op;
  Literal value;
  std::size_t position = 0;  // of the field name
};

struct InList {  // brand IN [acme, "globex inc"]
  std::string field;
  std::vector<Literal> values;
  std::size_t position = 0;
};

struct Range {  // price 10 TO 100 (inclusive on both ends)
  std::string field;
  Literal low;
  Literal high;
  std::size_t position = 0;
};

struct Not {
  std::unique_ptr<Filter> operand;
};

struct And {
  std::vector<Filter> operands;  // two or more
};

struct Or {
  std::vector<Filter> operands;  // two or more
};

struct Filter {
  std::variant<Comparison, InList, Range, Not, And, Or> node;
};

// ---- sort ---------------------------------------------------------------------------------

struct SortKey {
  std::string field;        // a schema field, or "_score" for relevance
  bool descending = false;  // ":desc"
  std::size_t position = 0;
};

}  // namespace tandem::query
