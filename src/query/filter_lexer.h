// Tokens of the filter language and the lexer that produces them. Private to src/query (used by
// filter_parser.cpp and its tests); depends on query/ast.h and query/parse_util.h.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "query/ast.h"

namespace tandem::query::detail {

enum class TokenKind {
  kWord,      // a bare run of letters, digits, _ - . : + and non-ASCII characters
  kString,    // "quoted text"; `text` has the escapes resolved
  kOperator,  // = != < <= > >=
  kLParen,    // (
  kRParen,    // )
  kLBracket,  // [
  kRBracket,  // ]
  kComma,     // ,
  kEnd,       // the end of the input
  kError,     // the input cannot be split here; `error` says why
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view source;        // the token as written (quotes included for kString)
  std::string text;               // kWord: as written; kString: unquoted and unescaped
  std::size_t position = 0;       // byte offset of the first character
  CompareOp op = CompareOp::kEq;  // kOperator only
  ParseError error{};             // kError only
};

// Splits a filter into tokens on demand, so that a parse error early in the text is reported
// before a lexing error later on, and hostile input is never tokenised past the first error.
// After the last token, next() keeps returning kEnd; after a kError it keeps returning that
// error. The input must be valid UTF-8 and outlive the lexer.
class FilterLexer {
 public:
  explicit FilterLexer(std::string_view filter) : filter_(filter) {}

  Token next();

 private:
  std::string_view filter_;  // the whole filter text
  std::size_t pos_ = 0;      // where the next token starts (or whitespace before it)
  bool stopped_ = false;     // a kError was returned; the scan goes no further
  Token error_;              // that error, returned again on every call
};

// True when `token` is the keyword `keyword` ("AND", "OR", "NOT", "IN", "TO"), in any case.
bool is_keyword(const Token& token, std::string_view keyword);

// True for any of the five keywords.
bool is_any_keyword(const Token& token);

// How a token is named in an error message: 'price', "quoted text", or end of input.
std::string describe(const Token& token);

// The operator as written: "=", "!=", "<", "<=", ">", ">=".
std::string_view op_text(CompareOp op);

}  // namespace tandem::query::detail
