// Unit tests for the query language parsers (q, filter, sort): tables of valid inputs with the
// expected trees, rendered by a small test-only printer, and of invalid inputs with the exact
// message and position. Depends on query/parse.h and the private query/parse_util.h.
#include "query/parse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "query/parse_util.h"

namespace tandem::query {
namespace {

// ---- printers -------------------------------------------------------------------------------

std::string render(const Literal& literal) {
  if (!literal.quoted) return literal.text;
  std::string out = "\"";
  for (char c : literal.text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string render(const Filter& filter);

std::string render_operands(const char* name, const std::vector<Filter>& operands) {
  std::string out = std::string(name) + "(";
  for (std::size_t i = 0; i < operands.size(); ++i) {
    if (i > 0) out += ", ";
    out += render(operands[i]);
  }
  return out + ")";
}

const char* op_name(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
  }
  return "?";
}

// AND(price>=10, OR(category=electronics, brand IN [acme,"globex inc"]), NOT(...), p 1 TO 2)
std::string render(const Filter& filter) {
  if (auto* c = std::get_if<Comparison>(&filter.node)) {
    return c->field + op_name(c->op) + render(c->value);
  }
  if (auto* in = std::get_if<InList>(&filter.node)) {
    std::string out = in->field + " IN [";
    for (std::size_t i = 0; i < in->values.size(); ++i) {
      if (i > 0) out += ",";
      out += render(in->values[i]);
    }
    return out + "]";
  }
  if (auto* r = std::get_if<Range>(&filter.node)) {
    return r->field + " " + render(r->low) + " TO " + render(r->high);
  }
  if (auto* n = std::get_if<Not>(&filter.node)) return "NOT(" + render(*n->operand) + ")";
  if (auto* a = std::get_if<And>(&filter.node)) return render_operands("AND", a->operands);
  return render_operands("OR", std::get<Or>(filter.node).operands);
}

// "<all>" or: words (prefix marked with a trailing *), "phrases", -excluded, -"phrases".
std::string render(const TextQuery& q) {
  if (q.match_all) return "<all>";
  std::vector<std::string> parts;
  for (const Word& w : q.words)
    parts.push_back(w.text + (w.prefix ? "*" : ""));
  auto phrase = [](const Phrase& p) {
    std::string out;
    for (const std::string& w : p.words)
      out += (out.empty() ? "" : " ") + w;
    return "\"" + out + "\"";
  };
  for (const Phrase& p : q.phrases)
    parts.push_back(phrase(p));
  for (const std::string& w : q.excluded)
    parts.push_back("-" + w);
  for (const Phrase& p : q.excluded_phrases)
    parts.push_back("-" + phrase(p));
  std::string out;
  for (const std::string& part : parts)
    out += (out.empty() ? "" : " ") + part;
  return out;
}

std::string render(const std::vector<SortKey>& keys) {
  std::string out;
  for (const SortKey& k : keys) {
    out += (out.empty() ? "" : ",") + k.field + (k.descending ? ":desc" : ":asc");
  }
  return out;
}

// ---- table helpers --------------------------------------------------------------------------

struct Valid {
  std::string input;     // what the caller sends
  std::string expected;  // the rendered tree
};

struct Invalid {
  std::string input;     // what the caller sends
  std::string message;   // the exact error message
  std::size_t position;  // the exact error position
};

template <class Result>
void expect_error(const Result& result, const Invalid& row) {
  ASSERT_FALSE(result) << "accepted: " << row.input;
  EXPECT_EQ(result.error().message, row.message);
  EXPECT_EQ(result.error().position, row.position);
}

std::string repeat(const std::string& piece, std::size_t n, const std::string& separator = "") {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += (i > 0 ? separator : "") + piece;
  return out;
}

// ---- q --------------------------------------------------------------------------------------

TEST(ParseText, ValidQueries) {
  const std::vector<Valid> rows = {
      {"usb cable", "usb cable*"},
      {"  usb\tcable\n", "usb cable*"},
      {"USB Cable", "USB Cable*"},
      {"\"usb c\" cable", "cable* \"usb c\""},
      {"cable \"usb c\"", "cable \"usb c\""},
      {"usb -cheap", "usb -cheap"},
      {"-cheap usb", "usb* -cheap"},
      {"usb -\"very cheap\"", "usb -\"very cheap\""},
      {"\"usb\"", "usb"},
      {"usb -\"cheap\"", "usb -cheap"},
      {"usb \"\"", "usb*"},
      {"usb \" \" -\"\"", "usb*"},
      {"usb-c", "usb-c*"},
      {"foo- bar", "foo- bar*"},
      {"--foo bar", "bar* --foo"},
      {"a\"b c\"d", "a d* \"b c\""},
      {"\"usb  c\tcable\"", "\"usb c cable\""},
      {"\"a -b\"", "\"a -b\""},
      {"café \"東京 タワー\"", "café \"東京 タワー\""},
      {"\"*\"", "*"},
      {"usb \"*\"", "usb *"},
      {"a*b", "a*b*"},
      {"*", "<all>"},
      {"  *\t", "<all>"},
      {"", "<all>"},
      {" \t\r\n\v\f", "<all>"},
      {"\"\"", "<all>"},
      {"\"  \"", "<all>"},
  };
  for (const Valid& row : rows) {
    SCOPED_TRACE(row.input);
    auto q = parse_text(row.input, true);
    ASSERT_TRUE(q) << q.error().message;
    EXPECT_EQ(render(*q), row.expected);
  }
}

TEST(ParseText, PrefixOnlyWhenAskedAndOnlyOnALastBareWord) {
  EXPECT_EQ(render(*parse_text("usb cable", false)), "usb cable");
  EXPECT_EQ(render(*parse_text("usb ca", true)), "usb ca*");
  EXPECT_EQ(render(*parse_text("usb \"ca\"", true)), "usb ca");
  EXPECT_EQ(render(*parse_text("usb -ca", true)), "usb -ca");
  EXPECT_EQ(render(*parse_text("ca \"usb c\"", true)), "ca \"usb c\"");
  EXPECT_EQ(render(*parse_text("ca -\"usb c\"", true)), "ca -\"usb c\"");
  EXPECT_EQ(render(*parse_text("ca  ", true)), "ca*");
}

TEST(ParseText, Limits) {
  std::vector<std::string> words;
  for (int i = 0; i < 32; ++i)
    words.push_back("w" + std::to_string(i));
  std::string q32;
  for (const auto& w : words)
    q32 += w + " ";
  auto ok = parse_text(q32, true);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->words.size(), 32u);
  // Mixed kinds count together: 30 words, a phrase and an exclusion.
  auto mixed = parse_text(repeat("x", 30, " ") + " \"a b\" -c", true);
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->words.size(), 30u);
  EXPECT_EQ(mixed->phrases.size(), 1u);
  EXPECT_EQ(mixed->excluded.size(), 1u);
  EXPECT_TRUE(parse_text(std::string(256, 'a'), true));
  EXPECT_TRUE(parse_text("\"" + repeat("p", 32, " ") + "\"", true));
  // A multi-byte word is measured in bytes: 128 two-byte letters are 256 bytes.
  EXPECT_TRUE(parse_text(repeat("é", 128), true));
  EXPECT_FALSE(parse_text(repeat("é", 129), true));
}

TEST(ParseText, Errors) {
  const std::string long_word(257, 'a');
  const std::vector<Invalid> rows = {
      {"\"usb c", "unterminated quote at position 0", 0},
      {"usb \"c", "unterminated quote at position 4", 4},
      {"usb -\"c d", "unterminated quote at position 5", 5},
      {"usb -", "expected a word or phrase right after '-', found end of input at position 5", 5},
      {"-", "expected a word or phrase right after '-', found end of input at position 1", 1},
      {"usb - cable", "expected a word or phrase right after '-', found whitespace at position 5",
       5},
      {"* usb", "'*' matches everything and cannot be combined with other words at position 0", 0},
      {"usb *", "'*' matches everything and cannot be combined with other words at position 4", 4},
      {"* *", "'*' matches everything and cannot be combined with other words at position 2", 2},
      {"* \"a b\"", "'*' matches everything and cannot be combined with other words at position 0",
       0},
      {"-*", "'*' cannot be excluded at position 1", 1},
      {"usb -*", "'*' cannot be excluded at position 5", 5},
      {"-usb", "nothing to search for; add a word or use * at position 0", 0},
      {"-usb -\"a b\" -\"c\"", "nothing to search for; add a word or use * at position 0", 0},
      {repeat("w", 33, " "), "more than 32 words and phrases at position 64", 64},
      {repeat("w", 32, " ") + " -\"x y\"", "more than 32 words and phrases at position 64", 64},
      {"usb " + long_word, "word longer than 256 bytes at position 4", 4},
      {"usb -" + long_word, "word longer than 256 bytes at position 5", 5},
      {"\"usb " + long_word + "\"", "word longer than 256 bytes at position 5", 5},
      {"x \"" + repeat("p", 33, " ") + "\"", "phrase longer than 32 words at position 2", 2},
      {"caf\xc3", "invalid UTF-8 at position 3", 3},
      {"a \xc0\xaf", "invalid UTF-8 at position 2", 2},
      {"\xed\xa0\x80", "invalid UTF-8 at position 0", 0},
      {"x\xf4\x90\x80\x80", "invalid UTF-8 at position 1", 1},
      {"\xf8\x88\x80\x80\x80", "invalid UTF-8 at position 0", 0},
      {"ok \x80", "invalid UTF-8 at position 3", 3},
  };
  for (const Invalid& row : rows) {
    SCOPED_TRACE(row.input);
    expect_error(parse_text(row.input, true), row);
    expect_error(parse_text(row.input, false), row);
  }
}

TEST(ParseText, ErrorBecomesInvalidArgument) {
  auto q = parse_text("\"x", true);
  ASSERT_FALSE(q);
  core::Status status = q.error().to_status();
  EXPECT_EQ(status.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "unterminated quote at position 0");
}

// ---- filter ---------------------------------------------------------------------------------

TEST(ParseFilter, ValidFilters) {
  const std::vector<Valid> rows = {
      {"category = electronics", "category=electronics"},
      {"category = electronics AND price >= 10 AND price < 100",
       "AND(category=electronics, price>=10, price<100)"},
      {"brand IN [acme, globex]", "brand IN [acme,globex]"},
      {"NOT in_stock = false", "NOT(in_stock=false)"},
      {"price 10 TO 100", "price 10 TO 100"},
      {"price >= 10 AND (category = electronics OR brand IN [acme, \"globex inc\"]) AND NOT "
       "in_stock = false AND price 10 TO 100",
       "AND(price>=10, OR(category=electronics, brand IN [acme,\"globex inc\"]), "
       "NOT(in_stock=false), price 10 TO 100)"},
      // Operators, with and without spaces.
      {"a != 1", "a!=1"},
      {"a<1", "a<1"},
      {"a<=1", "a<=1"},
      {"a>1", "a>1"},
      {"a>=1", "a>=1"},
      {"a=1", "a=1"},
      {"a!=-1", "a!=-1"},
      {"a<=-1", "a<=-1"},
      {"NOT x = 1", "NOT(x=1)"},
      // Precedence: AND over OR, NOT over AND.
      {"a = 1 OR b = 2 AND c = 3", "OR(a=1, AND(b=2, c=3))"},
      {"a = 1 AND b = 2 OR c = 3", "OR(AND(a=1, b=2), c=3)"},
      {"(a = 1 OR b = 2) AND c = 3", "AND(OR(a=1, b=2), c=3)"},
      {"NOT a = 1 AND b = 2", "AND(NOT(a=1), b=2)"},
      {"NOT (a = 1 AND b = 2)", "NOT(AND(a=1, b=2))"},
      {"NOT NOT a = 1", "NOT(NOT(a=1))"},
      {"a = 1 OR NOT b = 2 AND c = 3", "OR(a=1, AND(NOT(b=2), c=3))"},
      // Flattening, including through parentheses.
      {"a=1 AND b=2 AND c=3 AND d=4", "AND(a=1, b=2, c=3, d=4)"},
      {"a=1 AND (b=2 AND c=3)", "AND(a=1, b=2, c=3)"},
      {"(a=1 OR b=2) OR c=3", "OR(a=1, b=2, c=3)"},
      {"(a=1 AND b=2) OR (c=3 AND d=4)", "OR(AND(a=1, b=2), AND(c=3, d=4))"},
      {"((a = 1))", "a=1"},
      {"(((a=1) AND ((b=2))))", "AND(a=1, b=2)"},
      // Keywords in any case, only as separate tokens.
      {"a = 1 and b = 2 Or c = 3", "OR(AND(a=1, b=2), c=3)"},
      {"not x = 1", "NOT(x=1)"},
      {"brand in [a]", "brand IN [a]"},
      {"brand In[a,b]", "brand IN [a,b]"},
      {"price 1 to 2", "price 1 TO 2"},
      {"a=1 AND(b=2)", "AND(a=1, b=2)"},
      {"order = 1", "order=1"},
      {"notes = x", "notes=x"},
      {"inventory > 3", "inventory>3"},
      {"android = yes", "android=yes"},
      {"tone 1 TO 2", "tone 1 TO 2"},
      {"index IN [1]", "index IN [1]"},
      {"or_else = 1 AND and_then = 2", "AND(or_else=1, and_then=2)"},
      {"NOTE = x", "NOTE=x"},
      {"_private = 1", "_private=1"},
      {"a = order", "a=order"},
      {"a = notable", "a=notable"},
      {"a = \"and\"", "a=\"and\""},
      {"a IN [\"or\", \"NOT\"]", "a IN [\"or\",\"NOT\"]"},
      // Quoted values and escapes.
      {"brand IN [acme, \"globex inc\"]", "brand IN [acme,\"globex inc\"]"},
      {"name = \"say \\\"hi\\\"\"", "name=\"say \\\"hi\\\"\""},
      {"path = \"C:\\\\temp\"", "path=\"C:\\\\temp\""},
      {"a = \"\"", "a=\"\""},
      {"a = \"x(y) AND [z], 'q'\"", "a=\"x(y) AND [z], 'q'\""},
      // Unicode values, bare and quoted.
      {"category = électronique", "category=électronique"},
      {"city = \"東京\"", "city=\"東京\""},
      {"name = \"naïve café\" AND city IN [東京, Zürich]",
       "AND(name=\"naïve café\", city IN [東京,Zürich])"},
      // Numbers and timestamps as bare values.
      {"price > -5.5", "price>-5.5"},
      {"price >= +3", "price>=+3"},
      {"x = 1e-3", "x=1e-3"},
      {"rating 3.5 TO 5", "rating 3.5 TO 5"},
      {"price -10 TO -1", "price -10 TO -1"},
      {"created_at >= 2026-01-01T00:00:00Z", "created_at>=2026-01-01T00:00:00Z"},
      {"t 2026-01-01 TO 2026-12-31T23:59:59+02:00", "t 2026-01-01 TO 2026-12-31T23:59:59+02:00"},
      {"v = a_b-c.d:e+f", "v=a_b-c.d:e+f"},
      // Whitespace of every ASCII kind.
      {"\ta\n=\r1\fAND\vb=2 ", "AND(a=1, b=2)"},
  };
  for (const Valid& row : rows) {
    SCOPED_TRACE(row.input);
    auto filter = parse_filter(row.input);
    ASSERT_TRUE(filter) << filter.error().message;
    EXPECT_EQ(render(*filter), row.expected);
  }
}

TEST(ParseFilter, RecordsPositions) {
  auto f = parse_filter("price >= 10 AND brand IN [acme, \"globex inc\"] AND p \"1\" TO 9");
  ASSERT_TRUE(f);
  const auto& operands = std::get<And>(f->node).operands;
  ASSERT_EQ(operands.size(), 3u);
  const auto& cmp = std::get<Comparison>(operands[0].node);
  EXPECT_EQ(cmp.position, 0u);
  EXPECT_EQ(cmp.value.position, 9u);
  EXPECT_FALSE(cmp.value.quoted);
  const auto& in = std::get<InList>(operands[1].node);
  EXPECT_EQ(in.position, 16u);
  ASSERT_EQ(in.values.size(), 2u);
  EXPECT_EQ(in.values[0].position, 26u);
  EXPECT_EQ(in.values[1].position, 32u);
  EXPECT_TRUE(in.values[1].quoted);
  EXPECT_EQ(in.values[1].text, "globex inc");
  const auto& range = std::get<Range>(operands[2].node);
  EXPECT_EQ(range.position, 50u);
  EXPECT_EQ(range.low.position, 52u);
  EXPECT_EQ(range.high.position, 59u);
}

TEST(ParseFilter, Errors) {
  const std::vector<Invalid> rows = {
      {"", "empty filter at position 0", 0},
      {" \t\n", "empty filter at position 0", 0},
      {"price >=", "expected a value after '>=', found end of input at position 8", 8},
      {"price >= )", "expected a value after '>=', found ')' at position 9", 9},
      {"price >= AND x = 1",
       "expected a value after '>=', found keyword 'AND' (quote it to use it as a value) at "
       "position 9",
       9},
      {"a = \"abc", "unterminated quote at position 4", 4},
      {"a = \"abc\\\"", "unterminated quote at position 4", 4},
      {"a = \"abc\\", "unterminated quote at position 4", 4},
      {"price => 5", "unknown operator '=>' at position 6", 6},
      {"a == 1", "unknown operator '==' at position 2", 2},
      {"a <> 1", "unknown operator '<>' at position 2", 2},
      {"a ! 1", "unknown operator '!' at position 2", 2},
      {"a =! 1", "unknown operator '=!' at position 2", 2},
      {"a > = 1", "expected a value after '>', found '=' at position 4", 4},
      {"brand IN [acme, globex", "expected ']' to close IN list, found end of input at position 22",
       22},
      {"brand IN [acme globex]",
       "expected ',' or ']' in IN list after 'acme', found 'globex' at position 15", 15},
      {"brand IN []", "expected a value after '[', found ']' at position 10", 10},
      {"brand IN [a,]", "expected a value after ',', found ']' at position 12", 12},
      {"brand IN [a,,b]", "expected a value after ',', found ',' at position 12", 12},
      {"brand IN acme", "expected '[' after IN, found 'acme' at position 9", 9},
      {"brand IN", "expected '[' after IN, found end of input at position 8", 8},
      {"brand IN [a, AND]",
       "expected a value after ',', found keyword 'AND' (quote it to use it as a value) at "
       "position 13",
       13},
      {"a = 1)", "unexpected ')' at position 5", 5},
      {"a = 1 OR b = 2)", "unexpected ')' at position 14", 14},
      {")", "expected a field name, '(' or NOT, found ')' at position 0", 0},
      {"(a = 1", "expected ')' to close '(' at position 0, found end of input at position 6", 6},
      {"a = 1 AND ((b = 2)",
       "expected ')' to close '(' at position 10, found end of input at position 18", 18},
      {"(a = 1 b = 2)", "expected AND, OR or ')' after '1', found 'b' at position 7", 7},
      {"a = 1 b = 2", "expected AND or OR after '1', found 'b' at position 6", 6},
      {"a = \"x\" b", "expected AND or OR after \"x\", found 'b' at position 8", 8},
      {"a = 1 AND",
       "expected a field name, '(' or NOT after 'AND', found end of input at position 9", 9},
      {"a = 1 or", "expected a field name, '(' or NOT after 'or', found end of input at position 8",
       8},
      {"AND a = 1", "expected a field name, '(' or NOT, found 'AND' at position 0", 0},
      {"a = 1 OR OR b = 2",
       "expected a field name, '(' or NOT after 'OR', found 'OR' at position 9", 9},
      {"()", "expected a field name, '(' or NOT after '(', found ')' at position 1", 1},
      {"NOT", "expected a field name, '(' or NOT after 'NOT', found end of input at position 3", 3},
      {"a = 1 AND \"b\" = 2",
       "expected a field name, '(' or NOT after 'AND', found \"b\" at position 10", 10},
      {"9abc = 1", "expected a field name, '(' or NOT, found '9abc' at position 0", 0},
      {"a.b = 1", "expected a field name, '(' or NOT, found 'a.b' at position 0", 0},
      {"price",
       "expected an operator, IN or a range after field 'price', found end of input at "
       "position 5",
       5},
      {"price AND x = 1",
       "expected an operator, IN or a range after field 'price', found 'AND' at position 6", 6},
      {"price 10", "expected TO after '10', found end of input at position 8", 8},
      {"price 10 100", "expected TO after '10', found '100' at position 9", 9},
      {"price 10 TO", "expected a value after 'TO', found end of input at position 11", 11},
      {"price 10 TO TO",
       "expected a value after 'TO', found keyword 'TO' (quote it to use it as a value) at "
       "position 12",
       12},
      {"a = 1 @", "unexpected character '@' at position 6", 6},
      {"a = x/y", "unexpected character '/' at position 5", 5},
      {"a = 1\x01", "unexpected character '\\x01' at position 5", 5},
      {"a = *", "unexpected character '*' at position 4", 4},
      {"a = \"x\\n\"",
       "unknown escape '\\n' in quoted value; only \\\" and \\\\ are allowed at position 6", 6},
      {"a = \"x\\é\"",
       "unknown escape '\\é' in quoted value; only \\\" and \\\\ are allowed at position 6", 6},
      {"a = \"\xff\"", "invalid UTF-8 at position 5", 5},
      {"caf\xc3 = 1", "invalid UTF-8 at position 3", 3},
      // The first problem in reading order wins, whichever stage finds it.
      {"a = = 1 AND b => 2", "expected a value after '=', found '=' at position 4", 4},
      {"a = 1 AND b => 2 AND (", "unknown operator '=>' at position 12", 12},
      {"a = 1 b = \"open", "expected AND or OR after '1', found 'b' at position 6", 6},
      {"a = 1 \"open", "unterminated quote at position 6", 6},
      // Long tokens are shortened in messages.
      {"a = 1 " + std::string(100, 'b'),
       "expected AND or OR after '1', found '" + std::string(32, 'b') + "...' at position 6", 6},
  };
  for (const Invalid& row : rows) {
    SCOPED_TRACE(row.input);
    expect_error(parse_filter(row.input), row);
  }
}

std::string nested_parens(std::size_t depth) {
  return std::string(depth, '(') + "a = 1" + std::string(depth, ')');
}

TEST(ParseFilter, NestingUpToTheLimit) {
  auto ok = parse_filter(nested_parens(32));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(render(*ok), "a=1");
  expect_error(parse_filter(nested_parens(33)),
               {"", "nesting deeper than 32 levels of parentheses and NOT at position 32", 32});

  auto nots = parse_filter(repeat("NOT", 32, " ") + " a = 1");
  ASSERT_TRUE(nots);
  EXPECT_EQ(render(*nots), repeat("NOT(", 32) + "a=1" + std::string(32, ')'));
  expect_error(parse_filter(repeat("NOT", 33, " ") + " a = 1"),
               {"", "nesting deeper than 32 levels of parentheses and NOT at position 128", 128});

  // Parentheses and NOT share the budget: 16 of each is fine, one more is not.
  EXPECT_TRUE(parse_filter(repeat("NOT (", 16) + "a=1" + std::string(16, ')')));
  EXPECT_FALSE(parse_filter(repeat("NOT (", 16) + "NOT a=1" + std::string(16, ')')));

  // Nesting that alternates operators keeps its structure up to the limit.
  std::string alternating = "a=0";
  for (int i = 1; i <= 31; ++i) {
    alternating = "(" + alternating + (i % 2 ? " OR " : " AND ") + "a=" + std::to_string(i) + ")";
  }
  EXPECT_TRUE(parse_filter(alternating + " AND b=1"));
}

TEST(ParseFilter, HostileDepthFailsWithoutOverflowingTheStack) {
  expect_error(parse_filter(std::string(200000, '(')),
               {"", "nesting deeper than 32 levels of parentheses and NOT at position 32", 32});
  expect_error(parse_filter(repeat("NOT ", 100000)),
               {"", "nesting deeper than 32 levels of parentheses and NOT at position 128", 128});
  EXPECT_FALSE(parse_filter(std::string(100000, ')')));
}

TEST(ParseFilter, VeryLongInputs) {
  const std::size_t n = 20000;
  auto ands = parse_filter(repeat("price >= 10", n, " AND "));
  ASSERT_TRUE(ands);
  EXPECT_EQ(std::get<And>(ands->node).operands.size(), n);
  auto ors = parse_filter(repeat("(a = 1 AND b = 2)", n, " OR "));
  ASSERT_TRUE(ors);
  EXPECT_EQ(std::get<Or>(ors->node).operands.size(), n);
  auto list = parse_filter("brand IN [" + repeat("acme", n, ", ") + "]");
  ASSERT_TRUE(list);
  EXPECT_EQ(std::get<InList>(list->node).values.size(), n);
  const std::string big(1 << 20, 'x');
  auto value = parse_filter("name = \"" + big + "\"");
  ASSERT_TRUE(value);
  EXPECT_EQ(std::get<Comparison>(value->node).value.text, big);
  auto bare = parse_filter("name = " + big);
  ASSERT_TRUE(bare);
  EXPECT_EQ(std::get<Comparison>(bare->node).value.text.size(), big.size());
  auto late = parse_filter(repeat("a = 1", n, " AND ") + " AND");
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().position, n * 5 + (n - 1) * 5 + 4);
}

// ---- sort -----------------------------------------------------------------------------------

TEST(ParseSort, ValidSorts) {
  const std::vector<Valid> rows = {
      {"price:asc,rating:desc", "price:asc,rating:desc"},
      {"price", "price:asc"},
      {"_score", "_score:desc"},
      {"_score:asc", "_score:asc"},
      {"price:DESC,Rating:Asc", "price:desc,Rating:asc"},
      {" price : desc , rating ", "price:desc,rating:asc"},
      {"a,b,c,d,e,f,g,h", "a:asc,b:asc,c:asc,d:asc,e:asc,f:asc,g:asc,h:asc"},
      {"created_at:desc,_score", "created_at:desc,_score:desc"},
      {"Price,price", "Price:asc,price:asc"},
  };
  for (const Valid& row : rows) {
    SCOPED_TRACE(row.input);
    auto keys = parse_sort(row.input);
    ASSERT_TRUE(keys) << keys.error().message;
    EXPECT_EQ(render(*keys), row.expected);
  }
  auto keys = parse_sort("price:asc, rating");
  ASSERT_TRUE(keys);
  EXPECT_EQ((*keys)[0].position, 0u);
  EXPECT_EQ((*keys)[1].position, 11u);
}

TEST(ParseSort, Errors) {
  const std::vector<Invalid> rows = {
      {"", "empty sort at position 0", 0},
      {"  ", "empty sort at position 0", 0},
      {"price:up", "unknown sort direction 'up'; expected asc or desc at position 6", 6},
      {"price:asc:desc", "unknown sort direction 'asc:desc'; expected asc or desc at position 6",
       6},
      {"price:", "expected asc or desc after ':', found end of input at position 6", 6},
      {"price:,rating", "expected asc or desc after ':', found ',' at position 6", 6},
      {"price,,rating", "expected a field name after ',', found ',' at position 6", 6},
      {",price", "expected a field name, found ',' at position 0", 0},
      {":asc", "expected a field name, found ':' at position 0", 0},
      {"price,", "expected a field name after ',', found end of input at position 6", 6},
      {"price, ", "expected a field name after ',', found end of input at position 7", 7},
      {"price,price:desc", "duplicate sort field 'price' at position 6", 6},
      {"a,b,c,d,e,f,g,h,i", "more than 8 sort keys at position 16", 16},
      {"price asc", "expected ',' after sort key 'price', found 'asc' at position 6", 6},
      {"price:asc rating", "expected ',' after sort key 'price', found 'rating' at position 10",
       10},
      {"9x", "expected a field name, found '9x' at position 0", 0},
      {"price-x:asc", "expected a field name, found 'price-x' at position 0", 0},
      {"prix_é", "expected a field name, found 'prix_é' at position 0", 0},
      {"price:\xff", "invalid UTF-8 at position 6", 6},
  };
  for (const Invalid& row : rows) {
    SCOPED_TRACE(row.input);
    expect_error(parse_sort(row.input), row);
  }
}

// ---- helpers --------------------------------------------------------------------------------

TEST(Utf8, AcceptsWellFormedAndFindsTheFirstBadByte) {
  constexpr auto npos = std::string_view::npos;
  EXPECT_EQ(detail::find_invalid_utf8(""), npos);
  EXPECT_EQ(detail::find_invalid_utf8("ascii é 東京 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"), npos);
  EXPECT_EQ(detail::find_invalid_utf8("\xef\xbf\xbf"), npos);    // U+FFFF
  EXPECT_EQ(detail::find_invalid_utf8("\xed\x9f\xbf"), npos);    // U+D7FF
  EXPECT_EQ(detail::find_invalid_utf8("ab\xc1\xbf"), 2u);        // overlong 2-byte
  EXPECT_EQ(detail::find_invalid_utf8("\xe0\x9f\xbf"), 0u);      // overlong 3-byte
  EXPECT_EQ(detail::find_invalid_utf8("\xf0\x8f\xbf\xbf"), 0u);  // overlong 4-byte
  EXPECT_EQ(detail::find_invalid_utf8("\xed\xbf\xbf"), 0u);      // surrogate
  EXPECT_EQ(detail::find_invalid_utf8("\xf5\x80\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(detail::find_invalid_utf8("x\xe2\x82"), 1u);         // truncated
  EXPECT_EQ(detail::find_invalid_utf8("x\xe2\x28\xa1"), 1u);     // bad continuation
  EXPECT_EQ(detail::find_invalid_utf8("\xbf"), 0u);              // lone continuation
}

TEST(MessageText, IsShortAndPrintable) {
  EXPECT_EQ(detail::quote_for_message("abc"), "'abc'");
  EXPECT_EQ(detail::quote_for_message("a\nb\x7f"), "'a\\x0Ab\\x7F'");
  // 31 ASCII bytes then a two-byte letter straddling the cut: the letter is dropped whole.
  EXPECT_EQ(detail::quote_for_message(std::string(31, 'a') + "éé"),
            "'" + std::string(31, 'a') + "...'");
}

}  // namespace
}  // namespace tandem::query
