// Query compilation. Depends on query, schema, Xapian.
#include "search/xapian/compile.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/clock.h"
#include "search/xapian/layout.h"

namespace tandem::search::xapian_backend {
namespace {

using core::fail;
using core::invalid_argument;

constexpr std::size_t kMaxPrefixExpansion = 100;  // completions of the prefix word
constexpr std::size_t kMaxTypoCandidates = 10;    // spellings kept per word
constexpr std::size_t kMaxTermsScanned = 50000;   // vocabulary read per word for typos
constexpr std::size_t kMaxFormsScanned = 1000;    // vocabulary read per word for its forms

// Optimal string alignment distance (Damerau-Levenshtein without repeated edits), capped.
int edit_distance(std::string_view a, std::string_view b, int cap) {
  if (std::abs(static_cast<int>(a.size()) - static_cast<int>(b.size())) > cap) return cap + 1;
  std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    int row_min = cap + 1;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
      row_min = std::min(row_min, d[i][j]);
    }
    if (row_min > cap) return cap + 1;
  }
  return d[a.size()][b.size()];
}

Xapian::Query weightless(const Xapian::Query& q) {
  return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, 0.0);
}

int typo_budget(std::string_view word, int typos) {
  if (typos >= 0) return typos;
  return word.size() >= 9 ? 2 : word.size() >= 5 ? 1 : 0;
}

// Known spellings of `term` within the budget, most frequent first.
std::vector<std::string> spellings(const Xapian::Database& db, const std::string& prefix,
                                   const std::string& term, int budget) {
  std::vector<std::pair<Xapian::doccount, std::string>> found;
  std::string start = prefix + term.substr(0, 1);
  std::size_t scanned = 0;
  for (auto it = db.allterms_begin(start);
       it != db.allterms_end(start) && scanned < kMaxTermsScanned; ++it, ++scanned) {
    if ((*it).compare(0, start.size(), start) != 0) break;
    std::string candidate = (*it).substr(prefix.size());
    if (edit_distance(term, candidate, budget) <= budget)
      found.emplace_back(it.get_termfreq(), *it);
  }
  std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < found.size() && i < kMaxTypoCandidates; ++i)
    out.push_back(found[i].second);
  return out;
}

// The indexed terms that start with `prefix`, other than `prefix` itself (matched already), the
// most frequent first, at most kMaxPrefixExpansion of them.
std::vector<std::string> completions(const Xapian::Database& db, const std::string& prefix) {
  std::vector<std::pair<Xapian::doccount, std::string>> found;
  for (auto it = db.allterms_begin(prefix); it != db.allterms_end(prefix); ++it) {
    // Over several shards the iterator may stop on the first term after the prefix's.
    if ((*it).compare(0, prefix.size(), prefix) != 0) break;
    if ((*it).size() > prefix.size()) found.emplace_back(it.get_termfreq(), *it);
  }
  auto keep = std::min<std::size_t>(found.size(), kMaxPrefixExpansion);
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < keep; ++i)
    out.push_back(std::move(found[i].second));
  return out;
}

// The indexed words (under `prefix`) that share the stem of `word`, the word itself included when
// indexed. Stems are not indexed: forms are looked up in the vocabulary among the words that
// begin like both the word and its stem without its last letter (Snowball stems keep the start
// of a word, changing at most its last letter: "happy" and "happiness" -> "happi", "making" ->
// "make").
std::vector<std::pair<Xapian::doccount, std::string>> forms(const Xapian::Database& db,
                                                            const std::string& prefix,
                                                            const std::string& word,
                                                            const Xapian::Stem& stem) {
  std::string root = stem(word);
  std::size_t common = 0;
  while (common + 1 < root.size() && common < word.size() && word[common] == root[common])
    ++common;
  std::string start = prefix + word.substr(0, std::max<std::size_t>(common, 1));
  std::vector<std::pair<Xapian::doccount, std::string>> out;
  std::size_t scanned = 0;
  for (auto it = db.allterms_begin(start);
       it != db.allterms_end(start) && scanned < kMaxFormsScanned; ++it, ++scanned) {
    if ((*it).compare(0, start.size(), start) != 0) break;
    if (stem((*it).substr(prefix.size())) == root) out.emplace_back(it.get_termfreq(), *it);
  }
  return out;
}

Xapian::Query word_query(const std::string& word, bool prefix, const Xapian::Database& db,
                         const Xapian::Stem& stem, const TextOptions& o) {
  std::vector<Xapian::Query> alternatives;
  Xapian::doccount most = 0;  // documents of the word's commonest form
  for (const auto& p : o.prefixes) {
    // The exact word, plus every form of it (itself included) as one synonym: a document with
    // the exact word scores on both, one with another form only on the second.
    std::string exact = p + word;
    auto found = forms(db, p, word, stem);
    bool has_exact = false;
    for (const auto& [docs, term] : found) {
      most = std::max(most, docs);
      has_exact = has_exact || term == exact;
    }
    if (found.size() == 1 && has_exact) {  // no other form: the same list twice, merged once
      alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(exact), 2.0);
    } else if (!found.empty()) {
      std::vector<Xapian::Query> synonyms;
      for (const auto& f : found)
        synonyms.emplace_back(f.second);
      if (has_exact) alternatives.emplace_back(exact);
      alternatives.emplace_back(Xapian::Query::OP_SYNONYM, synonyms.begin(), synonyms.end());
    }
    if (prefix) {
      for (auto& t : completions(db, exact))
        alternatives.emplace_back(std::move(t));
    }
  }
  int budget = typo_budget(word, o.typos);
  if (alternatives.empty() && budget > 0) {  // unseen word (or a prefix of none): nearest spellings
    for (const auto& p : o.prefixes) {
      for (const auto& t : spellings(db, p, word, budget)) {
        alternatives.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(t), 0.5);
      }
    }
  }
  Xapian::Query any(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
  // A word in more than half the documents says nothing about which of them is more relevant
  // (BM25 gives it an idf of about zero), so it only filters. When every part of a query is
  // weightless, the matcher can stop after the first page and the count it must check instead of
  // scoring every match.
  if (most > db.get_doccount() / 2) return weightless(any);
  return any;
}

// Words in order and adjacent. Positions exist for unprefixed terms only, so with query_by the
// phrase is checked on the unprefixed terms and each word must also occur in one of the fields.
Xapian::Query phrase_query(const std::vector<std::string>& words, const TextOptions& o) {
  std::vector<std::string> tokens;
  for (const auto& w : words) {
    for (auto& t : tokenize(w))
      tokens.push_back(std::move(t));
  }
  std::vector<Xapian::Query> plain(tokens.begin(), tokens.end());
  Xapian::Query phrase = plain.size() == 1 ? plain[0]
                                           : Xapian::Query(Xapian::Query::OP_PHRASE, plain.begin(),
                                                           plain.end(), plain.size());
  if (o.prefixes.size() == 1 && o.prefixes[0].empty()) return phrase;
  std::vector<Xapian::Query> in_fields{phrase};
  for (const auto& t : tokens) {
    std::vector<Xapian::Query> any;
    for (const auto& p : o.prefixes)
      any.emplace_back(p + t);
    in_fields.emplace_back(Xapian::Query::OP_OR, any.begin(), any.end());
  }
  return Xapian::Query(Xapian::Query::OP_AND, in_fields.begin(), in_fields.end());
}

}  // namespace

Xapian::Query compile_text(const query::TextQuery& q, const Xapian::Database& db,
                           const Xapian::Stem& stem, const TextOptions& o) {
  if (q.match_all) return weightless(match_all());  // else scored by document length
  std::vector<Xapian::Query> required;
  for (std::size_t i = 0; i < q.words.size() && i < o.keep_words; ++i) {
    auto tokens = tokenize(q.words[i].text);
    if (tokens.size() == 1) {
      required.push_back(word_query(tokens[0], q.words[i].prefix, db, stem, o));
    } else if (tokens.size() > 1) {
      required.push_back(phrase_query({q.words[i].text}, o));  // "usb-c" is the phrase usb c
    }
  }
  for (const auto& p : q.phrases)
    required.push_back(phrase_query(p.words, o));
  Xapian::Query all = required.empty()
                          ? weightless(match_all())
                          : Xapian::Query(Xapian::Query::OP_AND, required.begin(), required.end());
  std::vector<Xapian::Query> excluded;
  for (const auto& w : q.excluded)
    excluded.push_back(phrase_query({w}, o));
  for (const auto& p : q.excluded_phrases)
    excluded.push_back(phrase_query(p.words, o));
  if (excluded.empty()) return all;
  return Xapian::Query(Xapian::Query::OP_AND_NOT, all,
                       Xapian::Query(Xapian::Query::OP_OR, excluded.begin(), excluded.end()));
}

}  // namespace tandem::search::xapian_backend
