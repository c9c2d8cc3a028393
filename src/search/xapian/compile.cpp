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

Xapian::Query weighted(const Xapian::Query& q, double factor) {
  return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, factor);
}
Xapian::Query weightless(const Xapian::Query& q) {
  return weighted(q, 0.0);
}

// Inverse document frequency as Lucene's BM25 has it: always above zero.
double idf(Xapian::doccount docs, Xapian::doccount all) {
  double n = docs, total = all;
  return std::log(1.0 + (total - n + 0.5) / (n + 0.5));
}

// BM25's saturation of a term's frequency in the document (k1 = 1, so wdf / (1 + wdf), times 2),
// times the scale factor, which the compiled query sets to the term's idf. The idf thus comes
// from the statistics of the whole index, never of the shard at hand: a document weighs the same
// whichever way shards are matched. There is no document-length normalisation (BM25's b = 0):
// fields are short and their importance is in their weights, and the matcher then never reads
// document lengths, whose list it would decode from the start for every query.
class Bm25 final : public Xapian::Weight {
 public:
  Bm25() {
    need_stat(WDF);
    need_stat(WDF_MAX);
  }
  std::string name() const override { return "tandem.bm25"; }
  Bm25* clone() const override { return new Bm25(); }
  void init(double factor) override {
    factor_ = factor;
    max_ = saturation(get_wdf_upper_bound()) * factor;
  }
  double get_sumpart(Xapian::termcount wdf, Xapian::termcount, Xapian::termcount) const override {
    return saturation(wdf) * factor_;
  }
  double get_maxpart() const override { return max_; }
  double get_sumextra(Xapian::termcount, Xapian::termcount) const override { return 0; }
  double get_maxextra() const override { return 0; }

 private:
  static double saturation(Xapian::termcount wdf) {
    double f = wdf;
    return 2.0 * f / (1.0 + f);
  }
  double factor_ = 0, max_ = 0;
};

int typo_budget(std::string_view word, int typos) {
  if (typos >= 0) return typos;
  return word.size() >= 9 ? 2 : word.size() >= 5 ? 1 : 0;
}

using Terms = std::vector<std::pair<Xapian::doccount, std::string>>;  // (documents, term)

// Known spellings of `term` within the budget, most frequent first.
Terms spellings(const Xapian::Database& db, const std::string& prefix, const std::string& term,
                int budget) {
  Terms found;
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
  if (found.size() > kMaxTypoCandidates) found.resize(kMaxTypoCandidates);
  return found;
}

// The indexed terms that start with `prefix`, other than `prefix` itself (matched already), the
// most frequent first, at most kMaxPrefixExpansion of them.
Terms completions(const Xapian::Database& db, const std::string& prefix) {
  Terms found;
  for (auto it = db.allterms_begin(prefix); it != db.allterms_end(prefix); ++it) {
    // Over several shards the iterator may stop on the first term after the prefix's.
    if ((*it).compare(0, prefix.size(), prefix) != 0) break;
    if ((*it).size() > prefix.size()) found.emplace_back(it.get_termfreq(), *it);
  }
  auto keep = std::min<std::size_t>(found.size(), kMaxPrefixExpansion);
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  found.resize(keep);
  return found;
}

// The indexed words (under `prefix`) that share the stem of `word`, the word itself included when
// indexed. Stems are not indexed: forms are looked up in the vocabulary among the words that
// begin like both the word and its stem without its last letter (Snowball stems keep the start
// of a word, changing at most its last letter: "happy" and "happiness" -> "happi", "making" ->
// "make").
Terms forms(const Xapian::Database& db, const std::string& prefix, const std::string& word,
            const Xapian::Stem& stem) {
  std::string root = stem(word);
  std::size_t common = 0;
  while (common + 1 < root.size() && common < word.size() && word[common] == root[common])
    ++common;
  std::string start = prefix + word.substr(0, std::max<std::size_t>(common, 1));
  Terms out;
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
  Xapian::doccount all = db.get_doccount(), most = 0;  // most: documents of the commonest form
  auto term = [&](const std::string& t, Xapian::doccount docs, double times = 1.0) {
    alternatives.push_back(weighted(Xapian::Query(t), times * idf(docs, all)));
  };
  for (const auto& p : o.prefixes) {
    // The exact word, plus every form of it (itself included) as one synonym: a document with
    // the exact word scores on both, one with another form only on the second.
    std::string exact = p + word;
    auto found = forms(db, p, word, stem);
    Xapian::doccount exact_docs = 0, any_docs = 0;
    for (const auto& [docs, t] : found) {
      most = std::max(most, docs);
      any_docs = std::min(all, any_docs + docs);  // at most; forms of a word often meet
      if (t == exact) exact_docs = docs;
    }
    if (found.size() == 1 && exact_docs > 0) {  // no other form: the same list twice, read once
      term(exact, exact_docs, 2.0);
    } else if (!found.empty()) {
      if (exact_docs > 0) term(exact, exact_docs);
      std::vector<Xapian::Query> synonyms;
      for (const auto& f : found)
        synonyms.emplace_back(f.second);
      alternatives.push_back(
          weighted(Xapian::Query(Xapian::Query::OP_SYNONYM, synonyms.begin(), synonyms.end()),
                   idf(any_docs, all)));
    }
    if (prefix) {
      for (const auto& [docs, t] : completions(db, exact))
        term(t, docs);
    }
  }
  int budget = typo_budget(word, o.typos);
  if (alternatives.empty() && budget > 0) {  // unseen word (or a prefix of none): nearest spellings
    for (const auto& p : o.prefixes) {
      for (const auto& [docs, t] : spellings(db, p, word, budget))
        term(t, docs, 0.5);
    }
  }
  Xapian::Query any(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
  // A word in more than half the documents says little about which of them is more relevant,
  // so it only filters. When every part of a query is weightless, the matcher can stop after the
  // first page and the count it must check instead of scoring every match.
  if (most > all / 2) return weightless(any);
  return any;
}

// Words in order and adjacent, weighted by the mean idf of the words. Positions exist for
// unprefixed terms only, so with query_by the phrase is checked on the unprefixed terms and each
// word must also occur in one of the fields.
Xapian::Query phrase_query(const std::vector<std::string>& words, const Xapian::Database& db,
                           const TextOptions& o) {
  std::vector<std::string> tokens;
  for (const auto& w : words) {
    for (auto& t : tokenize(w))
      tokens.push_back(std::move(t));
  }
  if (tokens.empty()) return Xapian::Query();
  Xapian::doccount all = db.get_doccount();
  double sum = 0;
  for (const auto& t : tokens)
    sum += idf(db.get_termfreq(t), all);
  std::vector<Xapian::Query> plain(tokens.begin(), tokens.end());
  Xapian::Query phrase = weighted(
      plain.size() == 1
          ? plain[0]
          : Xapian::Query(Xapian::Query::OP_PHRASE, plain.begin(), plain.end(), plain.size()),
      sum / static_cast<double>(tokens.size()));
  if (o.prefixes.size() == 1 && o.prefixes[0].empty()) return phrase;
  std::vector<Xapian::Query> in_fields{weightless(phrase)};  // the fields' terms weigh instead
  for (const auto& t : tokens) {
    std::vector<Xapian::Query> any;
    for (const auto& p : o.prefixes)
      any.push_back(weighted(Xapian::Query(p + t), idf(db.get_termfreq(p + t), all)));
    in_fields.emplace_back(Xapian::Query::OP_OR, any.begin(), any.end());
  }
  return Xapian::Query(Xapian::Query::OP_AND, in_fields.begin(), in_fields.end());
}

}  // namespace

const Xapian::Weight& ranking() {
  static const Bm25 weight;
  return weight;
}

Xapian::Query compile_text(const query::TextQuery& q, const Xapian::Database& db,
                           const Xapian::Stem& stem, const TextOptions& o) {
  if (q.match_all) return weightless(match_all());  // else scored by document length
  std::vector<Xapian::Query> required;
  for (std::size_t i = 0; i < q.words.size() && i < o.keep_words; ++i) {
    auto tokens = tokenize(q.words[i].text);
    if (tokens.size() == 1) {
      required.push_back(word_query(tokens[0], q.words[i].prefix, db, stem, o));
    } else if (tokens.size() > 1) {
      required.push_back(phrase_query({q.words[i].text}, db, o));  // "usb-c" is the phrase usb c
    }
  }
  for (const auto& p : q.phrases)
    required.push_back(phrase_query(p.words, db, o));
  Xapian::Query all = required.empty()
                          ? weightless(match_all())
                          : Xapian::Query(Xapian::Query::OP_AND, required.begin(), required.end());
  std::vector<Xapian::Query> excluded;
  for (const auto& w : q.excluded)
    excluded.push_back(phrase_query({w}, db, o));
  for (const auto& p : q.excluded_phrases)
    excluded.push_back(phrase_query(p.words, db, o));
  if (excluded.empty()) return all;
  return Xapian::Query(Xapian::Query::OP_AND_NOT, all,
                       Xapian::Query(Xapian::Query::OP_OR, excluded.begin(), excluded.end()));
}

}  // namespace tandem::search::xapian_backend
