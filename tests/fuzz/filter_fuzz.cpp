// libFuzzer target for parse_filter and parse_sort. Any crash, sanitizer report or broken
// invariant is a finding: errors point inside the input and end with their position; accepted
// trees are flattened, within the nesting limit and point back at their text; a tree printed
// canonically parses back to the same tree and the same canonical text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "query/parse.h"
#include "query/parse_util.h"

namespace {

namespace q = tandem::query;

constexpr int kMaxDepth = 32;  // parse.h: levels of '(' and NOT

void require(bool condition) {
  if (!condition) std::abort();
}

void check_error(const q::ParseError& error, std::string_view input) {
  require(error.position <= input.size());
  const std::string suffix = " at position " + std::to_string(error.position);
  require(error.message.size() > suffix.size());
  require(error.message.compare(error.message.size() - suffix.size(), suffix.size(), suffix) == 0);
  require(q::detail::find_invalid_utf8(error.message) == std::string_view::npos);
}

// ---- canonical printer ----------------------------------------------------------------------

// A bare literal stays bare (it lexed as a word, so it will again); a quoted one is quoted with
// \" and \\ escaped, whatever bytes it holds.
std::string print(const q::Literal& literal) {
  if (!literal.quoted) return literal.text;
  std::string out = "\"";
  for (char c : literal.text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* op_text(q::CompareOp op) {
  switch (op) {
    case q::CompareOp::kEq: return "=";
    case q::CompareOp::kNe: return "!=";
    case q::CompareOp::kLt: return "<";
    case q::CompareOp::kLe: return "<=";
    case q::CompareOp::kGt: return ">";
    case q::CompareOp::kGe: return ">=";
  }
  return "?";
}

std::string print(const q::Filter& filter);

bool is_group(const q::Filter& f) {
  return std::holds_alternative<q::And>(f.node) || std::holds_alternative<q::Or>(f.node);
}

// Operands joined by the keyword. Parentheses go only where precedence needs them (an Or inside
// an And, any And/Or under NOT), so the printed nesting never exceeds the parsed nesting.
std::string print_operands(const std::vector<q::Filter>& operands, bool is_and) {
  std::string out;
  for (const q::Filter& operand : operands) {
    if (!out.empty()) out += is_and ? " AND " : " OR ";
    const bool needs_parens =
        is_and ? is_group(operand) : std::holds_alternative<q::Or>(operand.node);
    out += needs_parens ? "(" + print(operand) + ")" : print(operand);
  }
  return out;
}

std::string print(const q::Filter& filter) {
  if (auto* c = std::get_if<q::Comparison>(&filter.node)) {
    return c->field + " " + op_text(c->op) + " " + print(c->value);
  }
  if (auto* in = std::get_if<q::InList>(&filter.node)) {
    std::string out = in->field + " IN [";
    for (std::size_t i = 0; i < in->values.size(); ++i)
      out += (i ? ", " : "") + print(in->values[i]);
    return out + "]";
  }
  if (auto* r = std::get_if<q::Range>(&filter.node)) {
    return r->field + " " + print(r->low) + " TO " + print(r->high);
  }
  if (auto* n = std::get_if<q::Not>(&filter.node)) {
    return "NOT " + (is_group(*n->operand) ? "(" + print(*n->operand) + ")" : print(*n->operand));
  }
  if (auto* a = std::get_if<q::And>(&filter.node)) return print_operands(a->operands, true);
  return print_operands(std::get<q::Or>(filter.node).operands, false);
}

// ---- structural checks ----------------------------------------------------------------------

bool is_keyword(std::string_view text) {
  for (std::string_view k : {"AND", "OR", "NOT", "IN", "TO"}) {
    if (q::detail::equals_ignore_case(text, k)) return true;
  }
  return false;
}

// parse.h: a bare value is letters, digits, _ - . : + (and non-ASCII letters).
bool is_bare_byte(char c) {
  const auto b = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':' || c == '+' || b >= 0x80;
}

void check_field(const std::string& field, std::size_t position, std::string_view input) {
  require(q::detail::is_identifier(field) && !is_keyword(field));
  require(input.substr(position, field.size()) == field);
}

// The quoted string at `open`, decoded independently of the lexer: the text up to the first
// unescaped '"', with \" and \\ resolved. Nothing when no closing quote follows.
std::optional<std::string> decode_quoted(std::string_view input, std::size_t open) {
  std::string out;
  for (std::size_t i = open + 1; i < input.size(); ++i) {
    if (input[i] == '"') return out;
    if (input[i] == '\\') {
      if (++i == input.size()) return std::nullopt;
      require(input[i] == '"' || input[i] == '\\');
    }
    out += input[i];
  }
  return std::nullopt;
}

void check_literal(const q::Literal& literal, std::string_view input) {
  require(literal.position < input.size());
  if (literal.quoted) {
    require(input[literal.position] == '"');
    require(decode_quoted(input, literal.position) == literal.text);
  } else {
    require(!literal.text.empty() && !is_keyword(literal.text));
    require(input.substr(literal.position, literal.text.size()) == literal.text);
    for (char c : literal.text)
      require(is_bare_byte(c));
    const std::size_t end = literal.position + literal.text.size();
    require(end == input.size() || !is_bare_byte(input[end]));
  }
}

void check_tree(const q::Filter& f, std::string_view input, int depth);

// And/Or: two or more operands, none of the same kind (they are spliced in when parsed).
template <class Node>
void check_group(const Node& node, std::string_view input, int depth, bool is_and) {
  require(node.operands.size() >= 2);
  for (const q::Filter& operand : node.operands) {
    require(!std::holds_alternative<Node>(operand.node));
    const bool parens = is_and && std::holds_alternative<q::Or>(operand.node);
    check_tree(operand, input, depth + (parens ? 1 : 0));
  }
}

// `depth` counts the NOT and '(' levels that the source must have had to produce this tree.
void check_tree(const q::Filter& f, std::string_view input, int depth) {
  require(depth <= kMaxDepth);
  if (auto* c = std::get_if<q::Comparison>(&f.node)) {
    check_field(c->field, c->position, input);
    check_literal(c->value, input);
  } else if (auto* in = std::get_if<q::InList>(&f.node)) {
    check_field(in->field, in->position, input);
    require(!in->values.empty());
    for (const q::Literal& value : in->values)
      check_literal(value, input);
  } else if (auto* r = std::get_if<q::Range>(&f.node)) {
    check_field(r->field, r->position, input);
    check_literal(r->low, input);
    check_literal(r->high, input);
  } else if (auto* n = std::get_if<q::Not>(&f.node)) {
    require(n->operand != nullptr);
    check_tree(*n->operand, input, depth + 1 + (is_group(*n->operand) ? 1 : 0));
  } else if (auto* a = std::get_if<q::And>(&f.node)) {
    check_group(*a, input, depth, true);
  } else {
    check_group(std::get<q::Or>(f.node), input, depth, false);
  }
}

// ---- entry points ---------------------------------------------------------------------------

void fuzz_filter(std::string_view input) {
  auto filter = q::parse_filter(input);
  if (!filter) {
    check_error(filter.error(), input);
    return;
  }
  check_tree(*filter, input, 0);
  const std::string canonical = print(*filter);
  auto again = q::parse_filter(canonical);
  require(again.has_value());
  check_tree(*again, canonical, 0);
  require(print(*again) == canonical);
}

std::string print(const std::vector<q::SortKey>& keys) {
  std::string out;
  for (const q::SortKey& key : keys) {
    out += (out.empty() ? "" : ",") + key.field + (key.descending ? ":desc" : ":asc");
  }
  return out;
}

void fuzz_sort(std::string_view input) {
  auto keys = q::parse_sort(input);
  if (!keys) {
    check_error(keys.error(), input);
    return;
  }
  require(!keys->empty() && keys->size() <= 8);
  for (std::size_t i = 0; i < keys->size(); ++i) {
    const q::SortKey& key = (*keys)[i];
    require(q::detail::is_identifier(key.field));
    require(input.substr(key.position, key.field.size()) == key.field);
    for (std::size_t j = 0; j < i; ++j)
      require((*keys)[j].field != key.field);
  }
  const std::string canonical = print(*keys);
  auto again = q::parse_sort(canonical);
  require(again.has_value() && print(*again) == canonical);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz_filter(input);
  fuzz_sort(input);
  return 0;
}
