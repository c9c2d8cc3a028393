// Finding record boundaries in request bodies without parsing values: NDJSON lines and the
// elements of a top-level JSON array. Depends on core only.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tandem::json {

// One record's text inside a body and where it was (1-based line for NDJSON, 0-based index for
// arrays), for error messages.
struct Piece {
  std::string_view text;  // trimmed of surrounding whitespace
  std::size_t position;   // line number or array index
};

// Non-blank lines of an NDJSON body ("\n" or "\r\n" separated). JSON strings cannot hold a raw
// newline, so splitting on it never cuts a record.
std::vector<Piece> split_lines(std::string_view body);

// The elements of a top-level JSON array. Scans brackets and strings only; values are not
// validated here (each element is parsed afterwards). kInvalidArgument with the byte offset when
// the text is not an array or its brackets and quotes do not balance.
core::Result<std::vector<Piece>> split_array(std::string_view body);

// The body without leading and trailing JSON whitespace.
std::string_view trim(std::string_view s);

}  // namespace tandem::json

namespace tandem::json {

// One member of a JSON object, as text: the key as written (with quotes and escapes) and the value.
struct MemberText {
  std::string_view key;    // "\"price\""
  std::string_view value;  // "19.99"
};

// The top-level members of a JSON object that is already known to be valid (parsed by simdjson),
// in textual order. Used to rebuild an object while keeping every untouched value byte-for-byte.
std::vector<MemberText> split_object(std::string_view object_text);

}  // namespace tandem::json
