// Small helpers shared by the q, filter and sort parsers: building a ParseError whose message ends
// with " at position N", UTF-8 validation, ASCII character classes and rendering a piece of input
// safely inside an error message. Private to src/query; depends on query/ast.h only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "query/ast.h"

namespace tandem::query::detail {

// A ParseError at `position` whose message is `what` followed by " at position N".
ParseError make_error(std::string what, std::size_t position);

// The offset of the first byte that is not part of a well-formed UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF are ill-formed), or npos when `text` is valid.
std::size_t find_invalid_utf8(std::string_view text);

// The same check as a ParseError ("invalid UTF-8 at position N"), or nothing when valid.
std::optional<ParseError> utf8_error(std::string_view text);

// ASCII whitespace: space, \t, \n, \v, \f, \r. Other bytes never separate tokens.
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

inline bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

// A field name: [A-Za-z_][A-Za-z0-9_]*.
bool is_identifier(std::string_view text);

// ASCII case-insensitive equality, for keywords ("and" == "AND").
bool equals_ignore_case(std::string_view a, std::string_view b);

// The whole UTF-8 character starting at text[i] (one byte for ASCII), for quoting in messages.
std::string_view char_at(std::string_view text, std::size_t i);

// `text` in single quotes for a message: control bytes become \xNN and anything past 32 bytes is
// cut at a character boundary and marked with "...", so a message stays short and printable.
std::string quote_for_message(std::string_view text);

// Like quote_for_message but without the surrounding quotes (for text that brings its own).
std::string sanitize_for_message(std::string_view text);

}  // namespace tandem::query::detail
