// Highlights from the compiled query's text terms. Depends on Xapian.
#include "search/xapian/highlight.h"

#include <algorithm>
#include <vector>

#include "search/xapian/layout.h"

namespace tandem::search::xapian_backend {
namespace {

// "word" and "XT3:word" are words; terms with other prefixes (uppercase) are not text.
void add_term(const std::string& term, Marks& out) {
  if (term.starts_with("XT")) {
    auto colon = term.find(':');
    if (colon != std::string::npos) out.insert(term.substr(colon + 1));
  } else if (!term.empty() && !(term[0] >= 'A' && term[0] <= 'Z')) {
    out.insert(term);
  }
}

void collect(const Xapian::Query& q, Marks& out) {
  if (q.get_type() == Xapian::Query::LEAF_TERM) {
    for (auto it = q.get_terms_begin(); it != q.get_terms_end(); ++it)
      add_term(*it, out);
    return;
  }
  std::size_t n = q.get_num_subqueries();
  if (q.get_type() == Xapian::Query::OP_AND_NOT || q.get_type() == Xapian::Query::OP_FILTER) {
    n = std::min<std::size_t>(n, 1);  // what is excluded or only filters is not highlighted
  }
  for (std::size_t i = 0; i < n; ++i)
    collect(q.get_subquery(i), out);
}

struct Word {
  std::size_t begin, end;  // bytes in the text
  bool marked;
};

void append_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
}

}  // namespace

Marks marks_of(const Xapian::Query& q) {
  Marks out;
  collect(q, out);
  return out;
}

std::string highlight(std::string_view text, const Marks& marks, std::size_t length) {
  std::vector<Word> words;  // as the indexer cuts them
  std::size_t marked = 0;
  for_each_word(text, [&](const std::string& word, std::size_t begin, std::size_t end) {
    bool hit = marks.contains(word);
    words.push_back({begin, end, hit});
    marked += hit ? 1 : 0;
  });
  if (marked == 0) return {};

  // The window: the run of whole words within `length` bytes that holds the most marked words
  // (the first such run), widened backwards to use the whole length near the end of the text.
  std::size_t from = 0, to = words.size();  // words [from, to)
  if (text.size() > length) {
    std::size_t best = 0, count = 0;
    for (std::size_t i = 0, j = 0; i < words.size(); ++i) {
      while (j < words.size() && words[j].end - words[i].begin <= length)
        count += words[j++].marked ? 1 : 0;
      if (count > best) {
        best = count;
        from = i;
        to = j;
      }
      if (j == i)
        ++j;  // a single word longer than the window
      else
        count -= words[i].marked ? 1 : 0;
    }
    while (from > 0 && words[to - 1].end - words[from - 1].begin <= length)
      --from;
  }

  std::string out;
  std::size_t start = from == 0 ? 0 : words[from].begin;
  std::size_t stop = to == words.size() ? text.size() : words[to - 1].end;
  if (start > 0) out += "…";
  std::size_t at = start;
  for (std::size_t i = from; i < to; ++i) {
    if (!words[i].marked) continue;
    append_escaped(out, text.substr(at, words[i].begin - at));
    out += "<mark>";
    append_escaped(out, text.substr(words[i].begin, words[i].end - words[i].begin));
    out += "</mark>";
    at = words[i].end;
  }
  append_escaped(out, text.substr(at, stop - at));
  if (stop < text.size()) out += "…";
  return out;
}

}  // namespace tandem::search::xapian_backend
