// libFuzzer target for parse_text (the `q` parameter). Any crash, sanitizer report or broken
// invariant is a finding: errors point inside the input and end with their position; accepted
// queries respect the limits; printing a query canonically and parsing it again gives the same
// tree; the prefix flag changes nothing but the prefix.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "query/parse.h"
#include "query/parse_util.h"

namespace {

using tandem::query::ParseError;
using tandem::query::Phrase;
using tandem::query::TextQuery;
using tandem::query::Word;

void require(bool condition) {
  if (!condition) std::abort();
}

void check_error(const ParseError& error, std::string_view input) {
  require(error.position <= input.size());
  const std::string suffix = " at position " + std::to_string(error.position);
  require(error.message.size() > suffix.size());
  require(error.message.compare(error.message.size() - suffix.size(), suffix.size(), suffix) == 0);
  require(tandem::query::detail::find_invalid_utf8(error.message) == std::string_view::npos);
}

bool has_space_or_quote(std::string_view word) {
  for (char c : word) {
    if (c == '"' || tandem::query::detail::is_space(c)) return true;
  }
  return false;
}

void check_word(std::string_view word, std::string_view input) {
  require(!word.empty() && word.size() <= 256);
  require(!has_space_or_quote(word));
  require(input.find(word) != std::string_view::npos);
}

void check_phrase(const Phrase& phrase, std::string_view input) {
  require(phrase.words.size() >= 2 && phrase.words.size() <= 32);
  for (const std::string& word : phrase.words)
    check_word(word, input);
}

// Limits and shapes promised by parse.h.
void check_query(const TextQuery& q, std::string_view input, bool prefix_last) {
  const std::size_t terms =
      q.words.size() + q.phrases.size() + q.excluded.size() + q.excluded_phrases.size();
  if (q.match_all) {
    require(terms == 0);
    return;
  }
  require(!q.words.empty() || !q.phrases.empty());
  require(terms <= 32);
  for (std::size_t i = 0; i < q.words.size(); ++i) {
    check_word(q.words[i].text, input);
    require(!q.words[i].prefix || (prefix_last && i + 1 == q.words.size()));
  }
  for (const std::string& word : q.excluded)
    check_word(word, input);
  for (const Phrase& phrase : q.phrases)
    check_phrase(phrase, input);
  for (const Phrase& phrase : q.excluded_phrases)
    check_phrase(phrase, input);
}

std::string print_phrase(const Phrase& phrase) {
  std::string out = "\"";
  for (std::size_t i = 0; i < phrase.words.size(); ++i)
    out += (i > 0 ? " " : "") + phrase.words[i];
  return out + "\"";
}

// q text that parses back to `q`. Words go last so that the prefix word, printed bare, is the
// last term; every other word is quoted (a one-word phrase), which keeps it from being a prefix
// and lets words such as "*" or "-x" through unchanged.
std::string print(const TextQuery& q) {
  if (q.match_all) return "*";
  std::string out;
  for (const Phrase& phrase : q.phrases)
    out += print_phrase(phrase) + " ";
  for (const std::string& word : q.excluded)
    out += "-\"" + word + "\" ";
  for (const Phrase& phrase : q.excluded_phrases)
    out += "-" + print_phrase(phrase) + " ";
  for (const Word& word : q.words)
    out += (word.prefix ? word.text : "\"" + word.text + "\"") + " ";
  return out;
}

bool same_phrases(const std::vector<Phrase>& a, const std::vector<Phrase>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].words != b[i].words) return false;
  }
  return true;
}

bool same(const TextQuery& a, const TextQuery& b, bool compare_prefix) {
  if (a.match_all != b.match_all || a.words.size() != b.words.size()) return false;
  for (std::size_t i = 0; i < a.words.size(); ++i) {
    if (a.words[i].text != b.words[i].text) return false;
    if (compare_prefix && a.words[i].prefix != b.words[i].prefix) return false;
  }
  return a.excluded == b.excluded && same_phrases(a.phrases, b.phrases) &&
         same_phrases(a.excluded_phrases, b.excluded_phrases);
}

// Without quotes, q is just whitespace-separated tokens: check the words and exclusions against
// a plain split, independently of the parser.
void check_without_quotes(const TextQuery& q, std::string_view input) {
  if (input.find('"') != std::string_view::npos || q.match_all) return;
  std::vector<std::string> words;
  std::vector<std::string> excluded;
  std::size_t i = 0;
  while (i < input.size()) {
    while (i < input.size() && tandem::query::detail::is_space(input[i]))
      ++i;
    const std::size_t start = i;
    while (i < input.size() && !tandem::query::detail::is_space(input[i]))
      ++i;
    if (i == start) break;
    const std::string_view token = input.substr(start, i - start);
    if (token[0] == '-') excluded.emplace_back(token.substr(1));
    if (token[0] != '-') words.emplace_back(token);
  }
  require(q.excluded == excluded && q.words.size() == words.size());
  for (std::size_t k = 0; k < words.size(); ++k)
    require(q.words[k].text == words[k]);
}

// When the last whitespace-separated token of q holds no quote it is a term of its own (inside a
// phrase it would need a closing quote after it). Then the prefix word is exactly that token if it
// is a bare word (no leading '-', not '*'), and nothing is a prefix otherwise.
void check_prefix(const TextQuery& q, std::string_view input) {
  std::size_t end = input.size();
  while (end > 0 && tandem::query::detail::is_space(input[end - 1]))
    --end;
  std::size_t start = end;
  while (start > 0 && !tandem::query::detail::is_space(input[start - 1]))
    --start;
  const std::string_view last = input.substr(start, end - start);
  if (last.empty() || last.find('"') != std::string_view::npos) return;
  const bool bare = last[0] != '-' && last != "*";
  const bool prefixed = !q.words.empty() && q.words.back().prefix;
  require(bare == prefixed);
  if (prefixed) require(q.words.back().text == last);
}

bool has_prefix(const TextQuery& q) {
  return !q.words.empty() && q.words.back().prefix;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto with_prefix = tandem::query::parse_text(input, true);
  const auto without_prefix = tandem::query::parse_text(input, false);
  require(with_prefix.has_value() == without_prefix.has_value());
  // Every '"' opens or closes a phrase, so an odd number of them cannot parse.
  if (std::count(input.begin(), input.end(), '"') % 2 == 1) require(!with_prefix);
  if (!with_prefix) {
    check_error(with_prefix.error(), input);
    require(with_prefix.error().message == without_prefix.error().message);
    require(with_prefix.error().position == without_prefix.error().position);
    return 0;
  }
  check_query(*with_prefix, input, true);
  check_query(*without_prefix, input, false);
  check_without_quotes(*with_prefix, input);
  check_prefix(*with_prefix, input);
  require(same(*with_prefix, *without_prefix, false));
  require(!has_prefix(*without_prefix));

  const std::string canonical = print(*with_prefix);
  const auto again = tandem::query::parse_text(canonical, has_prefix(*with_prefix));
  require(again.has_value());
  require(same(*with_prefix, *again, true));
  require(print(*again) == canonical);
  return 0;
}
