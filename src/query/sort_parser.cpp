// parse_sort: "price:asc,rating:desc" into SortKeys. Whitespace around names, ':' and ',' is
// allowed; directions are case-insensitive. Depends on query/parse.h and query/parse_util.h.
#include <string>
#include <vector>

#include "query/parse.h"
#include "query/parse_util.h"

namespace tandem::query {
namespace {

using detail::make_error;

constexpr std::size_t kMaxSortKeys = 8;             // more is almost surely a mistake
constexpr std::string_view kScoreField = "_score";  // relevance, descending by default

bool is_delimiter(char c) {
  return c == ',' || c == ':' || detail::is_space(c);
}

// Reads keys left to right; each error names what was expected and what was found instead.
class SortParser {
 public:
  explicit SortParser(std::string_view sort) : sort_(sort) {}

  ParseResult<std::vector<SortKey>> parse();

 private:
  ParseResult<SortKey> parse_key();
  ParseResult<bool> parse_direction(bool default_descending);
  std::string_view read_run(bool stop_at_colon);
  void skip_space();
  bool at(char c) const { return pos_ < sort_.size() && sort_[pos_] == c; }
  ParseError expected(const std::string& what) const;

  std::string_view sort_;      // the whole parameter, valid UTF-8
  std::size_t pos_ = 0;        // next byte to read
  std::vector<SortKey> keys_;  // read so far
};

ParseResult<std::vector<SortKey>> SortParser::parse() {
  skip_space();
  if (pos_ == sort_.size()) return tl::unexpected(make_error("empty sort", 0));
  while (true) {
    auto key = parse_key();
    if (!key) return tl::unexpected(key.error());
    keys_.push_back(std::move(*key));
    skip_space();
    if (pos_ == sort_.size()) return std::move(keys_);
    if (!at(',')) {
      return tl::unexpected(
          expected("',' after sort key " + detail::quote_for_message(keys_.back().field)));
    }
    ++pos_;
    skip_space();
  }
}

// field [":" direction], checked against the key limit and the keys already read.
ParseResult<SortKey> SortParser::parse_key() {
  const std::size_t start = pos_;
  const std::string_view field = read_run(true);
  if (!detail::is_identifier(field)) {
    pos_ = start;
    const std::string after = keys_.empty() ? "" : " after ','";
    return tl::unexpected(expected("a field name" + after));
  }
  if (keys_.size() == kMaxSortKeys) {
    return tl::unexpected(
        make_error("more than " + std::to_string(kMaxSortKeys) + " sort keys", start));
  }
  for (const SortKey& key : keys_) {
    if (key.field == field) {
      return tl::unexpected(
          make_error("duplicate sort field " + detail::quote_for_message(field), start));
    }
  }
  auto descending = parse_direction(field == kScoreField);
  if (!descending) return tl::unexpected(descending.error());
  return SortKey{std::string(field), *descending, start};
}

// An optional ":asc" or ":desc" after a field; without one, the field's default applies.
ParseResult<bool> SortParser::parse_direction(bool default_descending) {
  skip_space();
  if (!at(':')) return default_descending;
  ++pos_;
  skip_space();
  const std::size_t start = pos_;
  const std::string_view direction = read_run(false);
  if (direction.empty()) return tl::unexpected(expected("asc or desc after ':'"));
  if (detail::equals_ignore_case(direction, "asc")) return false;
  if (detail::equals_ignore_case(direction, "desc")) return true;
  return tl::unexpected(make_error(
      "unknown sort direction " + detail::quote_for_message(direction) + "; expected asc or desc",
      start));
}

// The bytes from pos_ up to the next ',' or whitespace (and ':' when stop_at_colon).
std::string_view SortParser::read_run(bool stop_at_colon) {
  const std::size_t start = pos_;
  while (pos_ < sort_.size() && !detail::is_space(sort_[pos_]) && sort_[pos_] != ',' &&
         !(stop_at_colon && sort_[pos_] == ':')) {
    ++pos_;
  }
  return sort_.substr(start, pos_ - start);
}

void SortParser::skip_space() {
  while (pos_ < sort_.size() && detail::is_space(sort_[pos_]))
    ++pos_;
}

// "expected <what>, found <x>" at pos_, where x is the end, a lone ',' or ':', or the run of
// text up to the next delimiter.
ParseError SortParser::expected(const std::string& what) const {
  std::string found = "end of input";
  if (pos_ < sort_.size()) {
    std::size_t end = pos_ + 1;
    if (!is_delimiter(sort_[pos_])) {
      while (end < sort_.size() && !is_delimiter(sort_[end]))
        ++end;
    }
    found = detail::quote_for_message(sort_.substr(pos_, end - pos_));
  }
  return make_error("expected " + what + ", found " + found, pos_);
}

}  // namespace

ParseResult<std::vector<SortKey>> parse_sort(std::string_view sort) {
  if (auto bad = detail::utf8_error(sort)) return tl::unexpected(*bad);
  return SortParser(sort).parse();
}

}  // namespace tandem::query
