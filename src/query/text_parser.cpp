// parse_text: the free-text `q` parameter (DESIGN.md §3) into a TextQuery — words, "phrases",
// -exclusions, '*' for everything and the search-as-you-type prefix on the last bare word.
// Depends on query/ast.h and the shared helpers in query/parse_util.h.
#include <optional>
#include <string_view>
#include <vector>

#include "query/parse.h"
#include "query/parse_util.h"

namespace tandem::query {
namespace {

using detail::make_error;

constexpr std::size_t kMaxTerms = 32;        // words + phrases + exclusions in one query
constexpr std::size_t kMaxWordBytes = 256;   // one word, bare or inside a phrase
constexpr std::size_t kMaxPhraseWords = 32;  // words inside one phrase

// What the most recent term was, which decides whether the prefix flag applies.
enum class LastTerm { kNone, kBareWord, kOther };

// A word inside a phrase and where it starts.
struct Located {
  std::string_view text;  // never empty, never holds whitespace
  std::size_t position;   // byte offset in q
};

using MaybeError = std::optional<ParseError>;

// Scans q once from left to right, so the first error in reading order is the one reported.
// Whitespace separates terms; a '"' also ends a bare word and starts a phrase ("a"b is two terms).
class TextParser {
 public:
  explicit TextParser(std::string_view q) : q_(q) {}

  ParseResult<TextQuery> parse(bool prefix_last);

 private:
  MaybeError parse_term();
  MaybeError parse_word(bool excluded, std::size_t start);
  MaybeError parse_phrase(bool excluded, std::size_t start);
  MaybeError parse_star(bool excluded);
  MaybeError add_term(std::size_t start);
  ParseResult<TextQuery> finish(bool prefix_last);

  std::string_view q_;               // the whole parameter, valid UTF-8
  std::size_t pos_ = 0;              // next byte to read
  TextQuery query_;                  // what has been read so far
  std::size_t terms_ = 0;            // words, phrases and exclusions added
  std::optional<std::size_t> star_;  // where a lone '*' was, if any
  LastTerm last_ = LastTerm::kNone;  // kind of the latest term added
};

MaybeError check_word_length(std::string_view word, std::size_t position) {
  if (word.size() <= kMaxWordBytes) return std::nullopt;
  return make_error("word longer than " + std::to_string(kMaxWordBytes) + " bytes", position);
}

// The whitespace-separated words between two quotes, with their offsets in q.
std::vector<Located> split_words(std::string_view q, std::size_t begin, std::size_t end) {
  std::vector<Located> words;
  std::size_t i = begin;
  while (i < end) {
    while (i < end && detail::is_space(q[i]))
      ++i;
    const std::size_t start = i;
    while (i < end && !detail::is_space(q[i]))
      ++i;
    if (i > start) words.push_back({q.substr(start, i - start), start});
  }
  return words;
}

ParseResult<TextQuery> TextParser::parse(bool prefix_last) {
  if (auto bad = detail::utf8_error(q_)) return tl::unexpected(*bad);
  while (true) {
    while (pos_ < q_.size() && detail::is_space(q_[pos_]))
      ++pos_;
    if (pos_ == q_.size()) break;
    if (auto error = parse_term()) return tl::unexpected(*error);
  }
  return finish(prefix_last);
}

// One term starting at pos_ (not whitespace): an optional '-', then a phrase or a word.
MaybeError TextParser::parse_term() {
  const std::size_t start = pos_;
  bool excluded = false;
  if (q_[pos_] == '-') {
    excluded = true;
    ++pos_;
    if (pos_ == q_.size()) {
      return make_error("expected a word or phrase right after '-', found end of input", pos_);
    }
    if (detail::is_space(q_[pos_])) {
      return make_error("expected a word or phrase right after '-', found whitespace", pos_);
    }
  }
  if (q_[pos_] == '"') return parse_phrase(excluded, start);
  return parse_word(excluded, start);
}

MaybeError TextParser::parse_word(bool excluded, std::size_t start) {
  std::size_t end = pos_;
  while (end < q_.size() && !detail::is_space(q_[end]) && q_[end] != '"')
    ++end;
  const std::string_view word = q_.substr(pos_, end - pos_);
  if (word == "*") return parse_star(excluded);
  if (auto error = add_term(start)) return error;
  if (auto error = check_word_length(word, pos_)) return error;
  pos_ = end;
  if (excluded) {
    query_.excluded.emplace_back(word);
    last_ = LastTerm::kOther;
  } else {
    query_.words.push_back(Word{std::string(word), false});
    last_ = LastTerm::kBareWord;
  }
  return std::nullopt;
}

// A lone '*' means "everything"; it is not a term and cannot be excluded or combined.
MaybeError TextParser::parse_star(bool excluded) {
  if (excluded) return make_error("'*' cannot be excluded", pos_);
  if (star_ || terms_ > 0) {
    return make_error("'*' matches everything and cannot be combined with other words", pos_);
  }
  star_ = pos_;
  ++pos_;
  return std::nullopt;
}

// A quoted phrase at pos_. An empty phrase is dropped; a one-word phrase is a word, but never a
// prefix (the quotes say the word is complete).
MaybeError TextParser::parse_phrase(bool excluded, std::size_t start) {
  const std::size_t open = pos_;
  const std::size_t close = q_.find('"', open + 1);
  if (close == std::string_view::npos) return make_error("unterminated quote", open);
  pos_ = close + 1;
  const std::vector<Located> words = split_words(q_, open + 1, close);
  if (words.empty()) return std::nullopt;
  if (auto error = add_term(start)) return error;
  if (words.size() > kMaxPhraseWords) {
    return make_error("phrase longer than " + std::to_string(kMaxPhraseWords) + " words", open);
  }
  Phrase phrase;
  for (const Located& word : words) {
    if (auto error = check_word_length(word.text, word.position)) return error;
    phrase.words.emplace_back(word.text);
  }
  last_ = LastTerm::kOther;
  if (phrase.words.size() == 1) {
    if (excluded) query_.excluded.push_back(std::move(phrase.words[0]));
    if (!excluded) query_.words.push_back(Word{std::move(phrase.words[0]), false});
  } else {
    (excluded ? query_.excluded_phrases : query_.phrases).push_back(std::move(phrase));
  }
  return std::nullopt;
}

// Counts a term that starts at `start`, enforcing the term limit and the '*' rule.
MaybeError TextParser::add_term(std::size_t start) {
  if (star_) {
    return make_error("'*' matches everything and cannot be combined with other words", *star_);
  }
  if (terms_ == kMaxTerms) {
    return make_error("more than " + std::to_string(kMaxTerms) + " words and phrases", start);
  }
  ++terms_;
  return std::nullopt;
}

ParseResult<TextQuery> TextParser::finish(bool prefix_last) {
  if (star_ || terms_ == 0) {
    query_.match_all = true;
    return std::move(query_);
  }
  if (query_.words.empty() && query_.phrases.empty()) {
    return tl::unexpected(make_error("nothing to search for; add a word or use *", 0));
  }
  if (prefix_last && last_ == LastTerm::kBareWord) query_.words.back().prefix = true;
  return std::move(query_);
}

}  // namespace

ParseResult<TextQuery> parse_text(std::string_view q, bool prefix_last) {
  return TextParser(q).parse(prefix_last);
}

}  // namespace tandem::query
