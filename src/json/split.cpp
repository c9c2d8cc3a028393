// NDJSON and array splitting. Depends on core only.
#include "json/split.h"

#include <string>

namespace tandem::json {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

core::Status error_at(std::size_t offset, std::string what) {
  return core::invalid_argument(what + " at byte " + std::to_string(offset));
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

std::vector<Piece> split_lines(std::string_view body) {
  std::vector<Piece> out;
  std::size_t line = 0;
  while (!body.empty()) {
    ++line;
    auto nl = body.find('\n');
    std::string_view text = trim(body.substr(0, nl));
    if (!text.empty()) out.push_back({text, line});
    if (nl == std::string_view::npos) break;
    body.remove_prefix(nl + 1);
  }
  return out;
}

core::Result<std::vector<Piece>> split_array(std::string_view body) {
  std::string_view text = trim(body);
  std::size_t base = static_cast<std::size_t>(text.data() - body.data());
  if (text.empty() || text.front() != '[') return core::fail(error_at(base, "expected '['"));
  std::vector<Piece> out;
  int depth = 0;
  bool in_string = false;
  std::size_t start = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth < 0)
        return core::fail(error_at(base + i, "unbalanced '" + std::string(1, c) + "'"));
      if (depth == 0) {
        if (i + 1 != text.size()) return core::fail(error_at(base + i + 1, "text after the array"));
        std::string_view last = trim(text.substr(start, i - start));
        if (!last.empty() || !out.empty()) out.push_back({last, out.size()});
        return out;
      }
    } else if (c == ',' && depth == 1) {
      out.push_back({trim(text.substr(start, i - start)), out.size()});
      start = i + 1;
    }
  }
  return core::fail(error_at(base + text.size(), "unterminated array"));
}

std::vector<MemberText> split_object(std::string_view text) {
  text = trim(text);
  std::vector<MemberText> out;
  std::size_t i = 1;  // after '{'
  auto skip_space = [&] {
    while (i < text.size() && is_space(text[i]))
      ++i;
  };
  auto skip_string = [&] {  // text[i] == '"'
    for (++i; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\') ++i;
    }
    ++i;
  };
  while (i < text.size()) {
    skip_space();
    if (i >= text.size() || text[i] != '"') break;  // '}' of an empty or finished object
    std::size_t key_start = i;
    skip_string();
    std::string_view key = text.substr(key_start, i - key_start);
    skip_space();
    ++i;  // ':'
    skip_space();
    std::size_t value_start = i;
    int depth = 0;
    for (; i < text.size(); ++i) {
      char c = text[i];
      if (c == '"') {
        skip_string();
        --i;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if ((c == ']' || c == '}') && depth-- == 0) {
        break;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    out.push_back({key, trim(text.substr(value_start, i - value_start))});
    if (i < text.size() && text[i] == ',') ++i;
  }
  return out;
}

}  // namespace tandem::json
