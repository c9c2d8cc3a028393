// parse_filter: a recursive-descent parser for the filter expression language (grammar in
// query/parse.h). OR binds loosest, then AND, then NOT; nesting is bounded so that hostile input
// cannot exhaust the stack. Depends on query/filter_lexer.h and query/parse_util.h.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "query/filter_lexer.h"
#include "query/parse.h"
#include "query/parse_util.h"

namespace tandem::query {
namespace {

using detail::is_any_keyword;
using detail::is_keyword;
using detail::make_error;
using detail::Token;
using detail::TokenKind;

// Levels of '(' and NOT together. Each level costs a few stack frames here and one tree level
// in every compiler and destructor downstream, so the bound protects all of them.
constexpr int kMaxDepth = 32;

bool is_value(const Token& token) {
  return token.kind == TokenKind::kString ||
         (token.kind == TokenKind::kWord && !is_any_keyword(token));
}

// Appends `filter` to the operands of a Node (And or Or) being built, splicing in the operands
// of a Node of the same kind, so that "a AND (b AND c)" is one And with three operands.
template <class Node>
void append_flattened(std::vector<Filter>& operands, Filter filter) {
  if (auto* same = std::get_if<Node>(&filter.node)) {
    for (Filter& operand : same->operands)
      operands.push_back(std::move(operand));
  } else {
    operands.push_back(std::move(filter));
  }
}

class FilterParser {
 public:
  explicit FilterParser(std::string_view filter) : lexer_(filter), current_(lexer_.next()) {}

  ParseResult<Filter> parse();

 private:
  using OperandParser = ParseResult<Filter> (FilterParser::*)();

  template <class Node>
  ParseResult<Filter> parse_chain(std::string_view keyword, OperandParser operand);
  ParseResult<Filter> parse_or() { return parse_chain<Or>("OR", &FilterParser::parse_and); }
  ParseResult<Filter> parse_and() { return parse_chain<And>("AND", &FilterParser::parse_unary); }
  ParseResult<Filter> parse_unary();
  ParseResult<Filter> parse_not();
  ParseResult<Filter> parse_group();
  ParseResult<Filter> parse_condition();
  ParseResult<Filter> parse_in_list(const Token& field);
  ParseResult<Filter> parse_range(const Token& field);
  ParseResult<Literal> parse_value();
  tl::unexpected<ParseError> enter(const Token& token);

  const Token& peek() const { return current_; }
  const Token& advance();
  std::string after_previous() const;
  tl::unexpected<ParseError> expected(const std::string& what) const;

  detail::FilterLexer lexer_;  // hands out tokens one at a time
  Token current_;              // the next token to read
  Token previous_;             // the token read last, named in messages ("after '>='")
  bool has_previous_ = false;  // false until the first advance()
  int depth_ = 0;              // enclosing '(' and NOT levels
};

// The whole filter: one `or` expression and nothing after it.
ParseResult<Filter> FilterParser::parse() {
  if (peek().kind == TokenKind::kEnd) return tl::unexpected(make_error("empty filter", 0));
  auto filter = parse_or();
  if (!filter) return filter;
  const Token& token = peek();
  if (token.kind == TokenKind::kEnd) return filter;
  if (token.kind == TokenKind::kRParen) {
    return tl::unexpected(make_error("unexpected ')'", token.position));
  }
  return expected("AND or OR" + after_previous());
}

// operand (keyword operand)*, building one flattened Node when the keyword appears.
template <class Node>
ParseResult<Filter> FilterParser::parse_chain(std::string_view keyword, OperandParser operand) {
  auto first = (this->*operand)();
  if (!first || !is_keyword(peek(), keyword)) return first;
  Node node;
  append_flattened<Node>(node.operands, std::move(*first));
  while (is_keyword(peek(), keyword)) {
    advance();
    auto next = (this->*operand)();
    if (!next) return next;
    append_flattened<Node>(node.operands, std::move(*next));
  }
  return Filter{std::move(node)};
}

ParseResult<Filter> FilterParser::parse_unary() {
  const Token& token = peek();
  if (is_keyword(token, "NOT")) return parse_not();
  if (token.kind == TokenKind::kLParen) return parse_group();
  return parse_condition();
}

ParseResult<Filter> FilterParser::parse_not() {
  const Token& keyword = advance();
  if (depth_ == kMaxDepth) return enter(keyword);
  ++depth_;
  auto operand = parse_unary();
  --depth_;
  if (!operand) return operand;
  return Filter{Not{std::make_unique<Filter>(std::move(*operand))}};
}

ParseResult<Filter> FilterParser::parse_group() {
  const std::size_t open = advance().position;
  if (depth_ == kMaxDepth) return enter(previous_);
  ++depth_;
  auto inner = parse_or();
  --depth_;
  if (!inner) return inner;
  const Token& token = peek();
  if (token.kind == TokenKind::kRParen) {
    advance();
    return inner;
  }
  if (token.kind == TokenKind::kEnd) {
    return tl::unexpected(make_error(
        "expected ')' to close '(' at position " + std::to_string(open) + ", found end of input",
        token.position));
  }
  return expected("AND, OR or ')'" + after_previous());
}

// The error for a '(' or NOT that would nest one level too deep.
tl::unexpected<ParseError> FilterParser::enter(const Token& token) {
  return tl::unexpected(make_error(
      "nesting deeper than " + std::to_string(kMaxDepth) + " levels of parentheses and NOT",
      token.position));
}

// field op value | field IN [...] | field low TO high. The token after the field decides.
ParseResult<Filter> FilterParser::parse_condition() {
  const Token& next = peek();
  if (next.kind != TokenKind::kWord || is_any_keyword(next) || !detail::is_identifier(next.text)) {
    return expected("a field name, '(' or NOT" + after_previous());
  }
  const Token field = advance();
  const Token& token = peek();
  if (token.kind == TokenKind::kOperator) {
    const CompareOp op = advance().op;
    auto value = parse_value();
    if (!value) return tl::unexpected(value.error());
    return Filter{Comparison{field.text, op, std::move(*value), field.position}};
  }
  if (is_keyword(token, "IN")) return parse_in_list(field);
  if (is_value(token)) return parse_range(field);
  return expected("an operator, IN or a range after field " +
                  detail::quote_for_message(field.text));
}

ParseResult<Filter> FilterParser::parse_in_list(const Token& field) {
  advance();  // IN
  if (peek().kind != TokenKind::kLBracket) return expected("'[' after IN");
  advance();
  InList list{field.text, {}, field.position};
  while (true) {
    auto value = parse_value();
    if (!value) return tl::unexpected(value.error());
    list.values.push_back(std::move(*value));
    const Token& token = peek();
    if (token.kind == TokenKind::kRBracket) break;
    if (token.kind == TokenKind::kEnd) {
      return tl::unexpected(
          make_error("expected ']' to close IN list, found end of input", token.position));
    }
    if (token.kind != TokenKind::kComma)
      return expected("',' or ']' in IN list" + after_previous());
    advance();
  }
  advance();  // ]
  return Filter{std::move(list)};
}

ParseResult<Filter> FilterParser::parse_range(const Token& field) {
  auto low = parse_value();
  if (!low) return tl::unexpected(low.error());
  if (!is_keyword(peek(), "TO")) return expected("TO" + after_previous());
  advance();
  auto high = parse_value();
  if (!high) return tl::unexpected(high.error());
  return Filter{Range{field.text, std::move(*low), std::move(*high), field.position}};
}

// A bare word or a quoted string. A bare keyword is refused with a hint, since `category = or`
// more likely lost a value than names the category "or".
ParseResult<Literal> FilterParser::parse_value() {
  const Token& token = peek();
  if (is_value(token)) {
    const Token& value = advance();
    return Literal{value.text, value.kind == TokenKind::kString, value.position};
  }
  if (is_any_keyword(token)) {
    return tl::unexpected(make_error("expected a value" + after_previous() + ", found keyword " +
                                         detail::quote_for_message(token.source) +
                                         " (quote it to use it as a value)",
                                     token.position));
  }
  return expected("a value" + after_previous());
}

// Moves to the next token and returns the one just read. At the end or at a lexing error
// nothing moves, so the error stays in view for expected().
const Token& FilterParser::advance() {
  if (current_.kind == TokenKind::kEnd || current_.kind == TokenKind::kError) return current_;
  previous_ = std::move(current_);
  has_previous_ = true;
  current_ = lexer_.next();
  return previous_;
}

// " after 'x'" naming the token just read, or "" at the start of the filter.
std::string FilterParser::after_previous() const {
  if (!has_previous_) return "";
  return " after " + detail::describe(previous_);
}

// "expected <what>, found <next token>" at the next token, unless the lexer stopped there: then
// its own error ("unterminated quote", "unknown operator '=>'") is the one to report.
tl::unexpected<ParseError> FilterParser::expected(const std::string& what) const {
  const Token& token = peek();
  if (token.kind == TokenKind::kError) return tl::unexpected(token.error);
  return tl::unexpected(
      make_error("expected " + what + ", found " + detail::describe(token), token.position));
}

}  // namespace

ParseResult<Filter> parse_filter(std::string_view filter) {
  if (auto bad = detail::utf8_error(filter)) return tl::unexpected(*bad);
  return FilterParser(filter).parse();
}

}  // namespace tandem::query
