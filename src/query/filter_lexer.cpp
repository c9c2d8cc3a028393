// The filter lexer: bare words, quoted strings with \" and \\ escapes, comparison operators and
// punctuation. Depends on query/filter_lexer.h and query/parse_util.h.
#include "query/filter_lexer.h"

#include <array>
#include <cstdint>

#include "query/parse_util.h"

namespace tandem::query::detail {
namespace {

// A byte that may appear in a bare word: ASCII letters and digits, _ - . : +, and every byte of
// a non-ASCII UTF-8 character (so "électronique" and "東京" are single words).
bool is_word_byte(char c) {
  return is_ascii_letter(c) || is_ascii_digit(c) || c == '_' || c == '-' || c == '.' || c == ':' ||
         c == '+' || static_cast<std::uint8_t>(c) >= 0x80;
}

bool is_operator_byte(char c) {
  return c == '=' || c == '!' || c == '<' || c == '>';
}

struct OperatorSpelling {
  std::string_view text;  // as written
  CompareOp op;           // what it means
};

constexpr std::array<OperatorSpelling, 6> kOperators{{
    {"=", CompareOp::kEq},
    {"!=", CompareOp::kNe},
    {"<", CompareOp::kLt},
    {"<=", CompareOp::kLe},
    {">", CompareOp::kGt},
    {">=", CompareOp::kGe},
}};

constexpr std::array<std::string_view, 5> kKeywords{"AND", "OR", "NOT", "IN", "TO"};

Token error_token(ParseError error) {
  Token token;
  token.kind = TokenKind::kError;
  token.position = error.position;
  token.error = std::move(error);
  return token;
}

// A quoted string starting at `open`; sets `end` past the closing quote. Only \" and \\ are
// escapes, so a Windows path or a regex must double its backslashes.
Token lex_string(std::string_view s, std::size_t open, std::size_t& end) {
  Token token;
  token.kind = TokenKind::kString;
  token.position = open;
  std::size_t i = open + 1;
  while (i < s.size() && s[i] != '"') {
    if (s[i] == '\\') {
      if (i + 1 == s.size()) return error_token(make_error("unterminated quote", open));
      if (s[i + 1] != '"' && s[i + 1] != '\\') {
        return error_token(make_error("unknown escape '\\" +
                                          sanitize_for_message(char_at(s, i + 1)) +
                                          "' in quoted value; only \\\" and \\\\ are allowed",
                                      i));
      }
      ++i;
    }
    token.text += s[i];
    ++i;
  }
  if (i >= s.size()) return error_token(make_error("unterminated quote", open));
  end = i + 1;
  token.source = s.substr(open, end - open);
  return token;
}

// A run of operator characters; anything but the six operators is reported whole ("=>", "==").
Token lex_operator(std::string_view s, std::size_t start, std::size_t& end) {
  end = start;
  while (end < s.size() && is_operator_byte(s[end]))
    ++end;
  const std::string_view text = s.substr(start, end - start);
  for (const OperatorSpelling& spelling : kOperators) {
    if (spelling.text == text) {
      Token token{TokenKind::kOperator, text, std::string(text), start};
      token.op = spelling.op;
      return token;
    }
  }
  return error_token(make_error("unknown operator " + quote_for_message(text), start));
}

TokenKind punctuation_kind(char c) {
  switch (c) {
    case '(': return TokenKind::kLParen;
    case ')': return TokenKind::kRParen;
    case '[': return TokenKind::kLBracket;
    case ']': return TokenKind::kRBracket;
    case ',': return TokenKind::kComma;
    default: return TokenKind::kError;
  }
}

// The token starting at `start` (not whitespace); sets `end` past it.
Token lex_one(std::string_view s, std::size_t start, std::size_t& end) {
  const char c = s[start];
  if (c == '"') return lex_string(s, start, end);
  if (is_operator_byte(c)) return lex_operator(s, start, end);
  if (is_word_byte(c)) {
    end = start;
    while (end < s.size() && is_word_byte(s[end]))
      ++end;
    const std::string_view text = s.substr(start, end - start);
    return Token{TokenKind::kWord, text, std::string(text), start};
  }
  const TokenKind kind = punctuation_kind(c);
  if (kind == TokenKind::kError) {
    return error_token(
        make_error("unexpected character " + quote_for_message(char_at(s, start)), start));
  }
  end = start + 1;
  return Token{kind, s.substr(start, 1), std::string(1, c), start};
}

}  // namespace

Token FilterLexer::next() {
  if (stopped_) return error_;
  while (pos_ < filter_.size() && is_space(filter_[pos_]))
    ++pos_;
  if (pos_ == filter_.size()) {
    Token end_token;
    end_token.position = pos_;
    return end_token;
  }
  std::size_t end = pos_;
  Token token = lex_one(filter_, pos_, end);
  if (token.kind == TokenKind::kError) {
    stopped_ = true;
    error_ = token;
    return token;
  }
  pos_ = end;
  return token;
}

bool is_keyword(const Token& token, std::string_view keyword) {
  return token.kind == TokenKind::kWord && equals_ignore_case(token.source, keyword);
}

bool is_any_keyword(const Token& token) {
  for (std::string_view keyword : kKeywords) {
    if (is_keyword(token, keyword)) return true;
  }
  return false;
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd: return "end of input";
    case TokenKind::kString: return sanitize_for_message(token.source);
    default: return quote_for_message(token.source);
  }
}

std::string_view op_text(CompareOp op) {
  for (const OperatorSpelling& spelling : kOperators) {
    if (spelling.op == op) return spelling.text;
  }
  return "?";
}

}  // namespace tandem::query::detail
