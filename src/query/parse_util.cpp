// Shared helpers of the query parsers: error construction, UTF-8 validation and message-safe
// rendering of input. Standard library and query/ast.h only.
#include "query/parse_util.h"

#include <cstdint>

namespace tandem::query::detail {
namespace {

constexpr std::size_t kMessageTextLimit = 32;  // bytes of input shown in a message

bool is_continuation(std::uint8_t b) {
  return b >= 0x80 && b <= 0xBF;
}

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is ill-formed. The
// allowed second-byte ranges follow the Unicode standard's table of well-formed sequences, which
// is what excludes overlong forms, UTF-16 surrogates and code points above U+10FFFF.
std::size_t sequence_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t low = 0x80;   // allowed range of the second byte
  std::uint8_t high = 0xBF;  // ...
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!is_continuation(byte(k))) return 0;
  }
  return length;
}

char hex_digit(unsigned v) {
  return "0123456789ABCDEF"[v & 0xF];
}

}  // namespace

ParseError make_error(std::string what, std::size_t position) {
  what += " at position ";
  what += std::to_string(position);
  return ParseError{std::move(what), position};
}

std::size_t find_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t length = sequence_length(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::optional<ParseError> utf8_error(std::string_view text) {
  const std::size_t bad = find_invalid_utf8(text);
  if (bad == std::string_view::npos) return std::nullopt;
  return make_error("invalid UTF-8", bad);
}

bool is_identifier(std::string_view text) {
  if (text.empty()) return false;
  if (!is_ascii_letter(text[0]) && text[0] != '_') return false;
  for (char c : text) {
    if (!is_ascii_letter(c) && !is_ascii_digit(c) && c != '_') return false;
  }
  return true;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view char_at(std::string_view text, std::size_t i) {
  std::size_t end = i + 1;
  while (end < text.size() && is_continuation(static_cast<std::uint8_t>(text[end])))
    ++end;
  return text.substr(i, end - i);
}

// Cuts at kMessageTextLimit bytes without splitting a UTF-8 sequence (continuation bytes are
// backed over), then escapes ASCII control bytes so that the message prints on one line.
std::string sanitize_for_message(std::string_view text) {
  bool cut = false;
  if (text.size() > kMessageTextLimit) {
    std::size_t end = kMessageTextLimit;
    while (end > 0 && is_continuation(static_cast<std::uint8_t>(text[end])))
      --end;
    text = text.substr(0, end);
    cut = true;
  }
  std::string out;
  out.reserve(text.size() + 3);
  for (char c : text) {
    const auto b = static_cast<std::uint8_t>(c);
    if (b < 0x20 || b == 0x7F) {
      out += "\\x";
      out += hex_digit(b >> 4);
      out += hex_digit(b);
    } else {
      out += c;
    }
  }
  if (cut) out += "...";
  return out;
}

std::string quote_for_message(std::string_view text) {
  return "'" + sanitize_for_message(text) + "'";
}

}  // namespace tandem::query::detail
