// Query compilation. Depends on query, schema, Xapian.
#include "search/xapian/compile.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "core/clock.h"
#include "search/xapian/layout.h"

namespace tandem::search::xapian_backend {
namespace {

using core::fail;
using core::invalid_argument;

constexpr std::size_t kMaxPrefixExpansion = 20;        // completions of the prefix word
constexpr std::size_t kMaxShortPrefixExpansion = 5;    // of a prefix of one or two letters
constexpr std::size_t kShortPrefixBucket = 50;         // its vocabulary read per next letter
constexpr std::size_t kMaxCompletionsScanned = 20000;  // vocabulary read per prefix
constexpr std::size_t kMaxTypoCandidates = 10;         // spellings kept per word
constexpr std::size_t kMaxTermsScanned = 50000;        // vocabulary read per word for typos
constexpr std::size_t kMaxFormsScanned = 1000;         // vocabulary read per word for its forms
// A prefix word's completions are taken from the documents the rest of the query matches when
// there are at most this many of them (see Context).
constexpr Xapian::doccount kMaxContext = 256;

// The ranking rules' tiers (rank_rules()): a rule counts whole units of its tier, each exact word
// 1, a field equal to the query 4, equal with its last word completed 2, starting with it 1, each
// word of the phrase 1, each word in a heaviest field 1; at most 63 in all, as the rules count
// the first kMaxRankedWords words only. So a unit of the first rule of the order, 2^30, outweighs
// any count of the second's, 2^24, and so on to the fourth's, 2^12, which outweighs every BM25 sum
// (at most about 2 x idf (< 20) per alternative of a word). A factor of kFlatWeight or more is a
// tier, not an idf (see Bm25). Scores stay below 2^36, where a double still resolves BM25 to
// about 1e-5.
constexpr double kRuleTiers[] = {0x1p30, 0x1p24, 0x1p18, 0x1p12};
using native::kFlatWeight;
constexpr std::size_t kMaxRankedWords = 15;
// A field completed from the query, a field's start and the phrase read a list for every match:
// they are left out when the query may match more documents than this, which keeps a query of
// common words as fast as its words alone.
constexpr Xapian::doccount kMaxRankedByAllRules = 20000;

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

using Q = native::Query;
using Op = native::Query::Op;

Q weighted(Q q, double factor) {
  return Q::scaled(std::move(q), factor);
}
Q weightless(Q q) {
  return weighted(std::move(q), 0.0);
}
Q match_all_query() {
  return Q(std::string());
}

// Inverse document frequency as Lucene's BM25 has it: always above zero.
double idf(std::uint64_t docs, std::uint64_t all) {
  double n = docs, total = all;
  return std::log(1.0 + (total - n + 0.5) / (n + 0.5));
}

// BM25's saturation of a term's frequency in the document (k1 = 1, so f / (1 + f), times 2, where
// f is the wdf in units of kWdfUnits), times the scale factor, which the compiled query sets to
// the term's idf. The idf thus comes from the statistics of the whole index, never of the shard
// at hand: a document weighs the same whichever way shards are matched. The wdf already holds the
// fields' weights and lengths (BM25F, occurrence_wdf() in layout.h), so the matcher never reads
// document lengths, whose list it would decode from the start for every query.
// A factor of kFlatWeight or more is a ranking rule's tier, not an idf: the term weighs the factor
// itself, however often it occurs (see rank_rules()).
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
    flat_ = factor >= kFlatWeight;
    max_ = flat_ ? factor : saturation(get_wdf_upper_bound()) * factor;
  }
  double get_sumpart(Xapian::termcount wdf, Xapian::termcount, Xapian::termcount) const override {
    return flat_ ? factor_ : saturation(wdf) * factor_;
  }
  double get_maxpart() const override { return max_; }
  double get_sumextra(Xapian::termcount, Xapian::termcount) const override { return 0; }
  double get_maxextra() const override { return 0; }

 private:
  static double saturation(Xapian::termcount wdf) {
    double f = wdf / kWdfUnits;
    return 2.0 * f / (1.0 + f);
  }
  double factor_ = 0, max_ = 0;
  bool flat_ = false;
};

int typo_budget(std::string_view word, int typos) {
  if (typos >= 0) return typos;
  return word.size() >= 9 ? 2 : word.size() >= 5 ? 1 : 0;
}

using Terms = std::vector<std::pair<std::uint64_t, std::string>>;  // (documents, term)

// Known spellings of `term` within the budget: the fewest typos first, then the most frequent;
// each with its number of typos.
std::vector<std::pair<int, std::pair<std::uint64_t, std::string>>> spellings(
    const Vocabulary& v, const std::string& prefix, const std::string& term, int budget) {
  std::vector<std::pair<int, std::pair<std::uint64_t, std::string>>> found;
  std::string start = prefix + term.substr(0, 1);
  std::size_t scanned = 0;
  v.scan(start, [&](std::string_view t, std::uint64_t docs) {
    if (scanned++ >= kMaxTermsScanned || !t.starts_with(start)) return false;
    std::string_view candidate = t.substr(prefix.size());
    if (int d = edit_distance(term, candidate, budget); d <= budget)
      found.push_back({d, {docs, std::string(t)}});
    return true;
  });
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.first > b.second.first;
  });
  if (found.size() > kMaxTypoCandidates) found.resize(kMaxTypoCandidates);
  return found;
}

// The rest of a query, for its prefix word: the words before it, and the tokens before the last
// of a hyphenated one. When the prefix has more completions than are expanded, and the rest
// matches at most kMaxContext documents, the completions expanded are those found in these
// documents: `nginx li` completes `li` to the `light` of "nginx-light" although thousands of
// commoner words begin with `li`. A rest that matches more documents likely holds the commonest
// completions of the whole index too.
class Context {
 public:
  Context() = default;
  Context(const Vocabulary& v, std::vector<Q> rest) : v_(&v), rest_(std::move(rest)) {}
  bool has_rest() const { return !rest_.empty(); }
  // The documents' bodies, or null when there is no rest or it matches too many; found on first
  // use.
  const std::vector<std::string>* bodies() {
    if (!v_ || rest_.empty()) return nullptr;
    if (!looked_) {
      looked_ = true;
      bodies_ = v_->bodies_if_few(Q(Op::kAnd, rest_), kMaxContext);
    }
    return bodies_ ? &*bodies_ : nullptr;
  }

 private:
  const Vocabulary* v_ = nullptr;
  std::vector<Q> rest_;
  bool looked_ = false;
  std::optional<std::vector<std::string>> bodies_;
};

// The indexed terms that start with `prefix`, other than `prefix` itself (matched already), at
// most kMaxPrefixExpansion of them (kMaxShortPrefixExpansion for a prefix of a letter or two
// that is the whole query), each with its number of documents: the most frequent among the first
// `scan` of the vocabulary (in its order), or when there are more than that many and the context
// has its documents, the most frequent in them (see Context).
Terms completions(const Vocabulary& v, const std::string& prefix,
                  std::size_t scan = kMaxCompletionsScanned, Context* context = nullptr,
                  std::size_t field_prefix = 0) {
  Terms found;
  std::size_t scanned = 0;
  std::string from = prefix;  // where reading goes on
  bool all_read = false;      // every term with the prefix
  auto read = [&](std::size_t upto) {
    if (all_read) return;
    std::string last;
    bool stopped = false;  // at `upto`, before the prefix's terms ended
    v.scan(from, [&](std::string_view t, std::uint64_t docs) {
      if (!t.starts_with(prefix)) return false;
      if (scanned >= upto) {
        stopped = true;
        return false;
      }
      ++scanned;
      if (t.size() > prefix.size()) found.emplace_back(docs, std::string(t));
      last.assign(t);
      return true;
    });
    all_read = !stopped;
    if (!last.empty()) from = last + '\0';  // (the first term after it)
  };
  // Alone, a prefix of a letter or two begins thousands of words: only its commonest few are
  // worth their cost (each about 5 us a shard to open and weigh, on long lists). With other words
  // the matches are theirs, and the prefix's usual number of completions is cheap.
  bool short_prefix = prefix.size() - field_prefix <= 2;
  std::size_t expand = short_prefix && !(context && context->has_rest()) ? kMaxShortPrefixExpansion
                                                                         : kMaxPrefixExpansion;
  read(std::min(scan, expand + 2));  // (the prefix itself may come first)
  if (const auto* bodies = found.size() > expand && context ? context->bodies() : nullptr) {
    // The words of each document's text that begin with the prefix: read from its body (about
    // 2 us a document; its list of terms took 10 to 14).
    std::map<std::string, std::uint64_t> in_context;           // term -> documents of the context
    std::string term_prefix = prefix.substr(0, field_prefix);  // "XT2:" of "XT2:li"
    std::string_view word_start = std::string_view(prefix).substr(field_prefix);
    std::vector<std::string> seen;
    for (const auto& body : *bodies) {
      seen.clear();
      for_each_string(body, [&](std::string_view text) {
        for_each_word(text, [&](const std::string& w, std::size_t, std::size_t) {
          if (w.size() > word_start.size() && w.starts_with(word_start)) seen.push_back(w);
        });
      });
      std::sort(seen.begin(), seen.end());
      seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
      for (const auto& w : seen)
        ++in_context[term_prefix + w];
    }
    // The commonest in the context that the index has as terms: a word of the body may be in
    // another field than the prefix's, or in none that is text.
    std::vector<std::pair<std::uint64_t, const std::string*>> ranked;
    for (const auto& [term, n] : in_context)
      ranked.emplace_back(n, &term);
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    found.clear();
    for (const auto& [n, term] : ranked) {
      if (found.size() == expand) break;
      if (auto docs_with = v.docs_with(*term)) found.emplace_back(docs_with, *term);
    }
    return found;  // (the index's counts, in the context's order)
  } else if (short_prefix && found.size() > expand) {
    // A letter or two begin thousands of words, too many to read for every query: the commonest
    // are looked for among the first kShortPrefixBucket words of each next letter ("ca", "cb",
    // ...), where the short, common ones are.
    found.clear();
    from = prefix;
    while (true) {
      std::string bucket;  // the prefix and the next letter of the first term read
      std::size_t n = 0;
      enum { kPrefixEnded, kNextBucket, kBucketFull } stop = kPrefixEnded;
      v.scan(from, [&](std::string_view t, std::uint64_t docs) {
        if (!t.starts_with(prefix)) return false;
        if (t.size() == prefix.size()) return true;
        if (bucket.empty()) bucket = t.substr(0, prefix.size() + 1);
        if (!t.starts_with(bucket)) {
          from = t;
          stop = kNextBucket;
          return false;
        }
        if (n == kShortPrefixBucket) {
          stop = kBucketFull;
          return false;
        }
        found.emplace_back(docs, std::string(t));
        ++n;
        return true;
      });
      if (stop == kPrefixEnded) break;
      if (stop == kBucketFull) {
        if (bucket.back() == '\xff') break;
        ++bucket.back();
        from = bucket;  // the next letter's first word
      }
    }
  } else {
    read(scan);
  }
  auto keep = std::min<std::size_t>(found.size(), expand);
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  found.resize(keep);
  return found;
}

// The indexed words (under `prefix`) that share the stem of `word`, the word itself included when
// indexed. Stems are not indexed: forms are looked up in the vocabulary among the words that begin
// with the stem ("runs", "running" for "run"), or with the stem less its last letter when that is
// an e or an i, which the stemmer may have added or changed ("happy" and "happiness" -> "happi",
// "making" -> "make"). The scan is bounded; the word itself is looked up on its own, so however
// many words share its start ("cat" among thousands of words in "ca"), it is never missed.
Terms forms(const Vocabulary& v, const std::string& prefix, const std::string& word,
            const Xapian::Stem& stem) {
  std::string root = stem(word);
  std::size_t common = 0;
  while (common < root.size() && common < word.size() && word[common] == root[common])
    ++common;
  if (!root.empty() && common == root.size() && (root.back() == 'e' || root.back() == 'i'))
    --common;
  std::string start = prefix + word.substr(0, std::max<std::size_t>(common, 1));
  Terms out;
  std::string exact = prefix + word;
  if (auto docs = v.docs_with(exact)) out.emplace_back(docs, exact);
  std::size_t scanned = 0;
  v.scan(start, [&](std::string_view t, std::uint64_t docs) {
    if (scanned++ >= kMaxFormsScanned || !t.starts_with(start)) return false;
    if (t != exact && stem(std::string(t.substr(prefix.size()))) == root)
      out.emplace_back(docs, std::string(t));
    return true;
  });
  return out;
}

// What the ranking rules need to know of a word (see rank_rules()).
struct WordFacts {
  bool mixed = false;   // it matches both itself and other words (forms, completions): only then
                        // does "exact before other forms" order anything
  bool scored = false;  // it weighs at all (see the end of word_query())
  std::string meant;    // the word as typed, or for an unknown word its likeliest spelling
  std::vector<std::string> words;  // what it matches, unprefixed: itself, its forms, completions
  bool more_typos = false;         // spellings with more than the fewest typos were left out
  std::uint64_t reach = 0;         // documents it may match, at most
};

Q word_query(const std::string& word, bool prefix, const Vocabulary& v, const Xapian::Stem& stem,
             const TextOptions& o, Context* context, WordFacts& facts) {
  std::vector<Q> alternatives;
  bool exact_seen = false, others = false, completed = false;
  std::uint64_t all = v.documents(), most = 0;  // most: documents of the commonest form
  // A term weighing as one in `docs` documents would (times `times`), found in `reach` of them.
  auto term = [&](const std::string& t, std::uint64_t docs, double times = 1.0,
                  std::uint64_t reach = 0) {
    alternatives.push_back(weighted(Q(t), times * idf(docs, all)));
    facts.reach = std::min(all, facts.reach + (reach ? reach : docs));
  };
  for (const auto& p : o.prefixes) {
    // The exact word, plus every form of it (itself included) as one synonym: a document with
    // the exact word scores on both, one with another form only on the second.
    std::string exact = p + word;
    auto found = forms(v, p, word, stem);
    std::uint64_t exact_docs = 0, any_docs = 0;
    for (const auto& [docs, t] : found) {
      most = std::max(most, docs);
      any_docs = std::min(all, any_docs + docs);  // at most; forms of a word often meet
      if (t == exact) exact_docs = docs;
    }
    exact_seen = exact_seen || exact_docs > 0;
    others = others || found.size() > (exact_docs > 0 ? 1 : 0);
    if (found.size() == 1 && exact_docs > 0) {  // no other form: the same list twice, read once
      term(exact, exact_docs, 2.0);
    } else if (!found.empty()) {
      if (exact_docs > 0) term(exact, exact_docs);  // (counted in reach twice: still at most)
      std::vector<Q> synonyms;
      for (const auto& f : found)
        synonyms.emplace_back(f.second);
      alternatives.push_back(weighted(Q(Op::kSynonym, std::move(synonyms)), idf(any_docs, all)));
      facts.reach = std::min(all, facts.reach + any_docs);
    }
    if (prefix) {
      // Completions weigh as the commonest of them, down to half of that for the rarest: a
      // prefix more likely begins a common word than a rare one.
      auto found_completions = completions(v, exact, kMaxCompletionsScanned, context, p.size());
      std::uint64_t top = 0;
      for (const auto& c : found_completions)
        top = std::max(top, c.first);
      for (const auto& [docs, t] : found_completions) {
        term(t, top, 0.5 + 0.5 * static_cast<double>(docs) / static_cast<double>(top), docs);
        others = completed = true;
      }
    }
  }
  facts.mixed = exact_seen && others;
  facts.meant = word;
  int budget = typo_budget(word, o.typos);
  // An unknown word (its other forms aside: "definately" shares the stem of "define"), or a
  // prefix of none: its nearest spellings too, those with the fewest typos unless o.more_typos
  // (the search falls back to them when nothing else matches).
  if (!exact_seen && !completed && budget > 0) {
    std::vector<std::pair<int, std::pair<std::uint64_t, std::string>>> found;
    std::string meant;
    int fewest = budget + 1;
    for (const auto& p : o.prefixes) {
      for (auto& spelling : spellings(v, p, word, budget)) {
        if (spelling.first < fewest)
          fewest = spelling.first, meant = spelling.second.second.substr(p.size());
        found.push_back(std::move(spelling));
      }
    }
    for (const auto& [typos, spelling] : found) {
      if (typos == fewest || o.more_typos) {
        term(spelling.second, spelling.first, typos == 1 ? 0.5 : 0.25);
      } else {
        facts.more_typos = true;
      }
    }
    if (!meant.empty()) facts.meant = meant;
    facts.mixed = facts.meant != word && alternatives.size() > 1;
  }
  // The words it matches, for the rule `attribute`: the likeliest first, at most 8.
  facts.words.push_back(facts.meant);
  auto matched = [&](const std::string& t) {
    for (const auto& p : o.prefixes) {
      if (t.compare(0, p.size(), p) != 0) continue;
      std::string bare = t.substr(p.size());
      if (facts.words.size() < 8 &&
          std::find(facts.words.begin(), facts.words.end(), bare) == facts.words.end())
        facts.words.push_back(std::move(bare));
      return;
    }
  };
  std::vector<std::string> terms;
  for (const auto& a : alternatives)
    a.terms(terms);
  for (const auto& t : terms)
    matched(t);
  Q any(Op::kOr, std::move(alternatives));
  // A word in more than half the documents says little about which of them is more relevant,
  // so it only filters, and no ranking rule looks at it. When every part of a query is
  // weightless, the matcher can stop after the first page and the count it must check instead of
  // scoring every match.
  facts.scored = most <= all / 2;
  if (!facts.scored) {
    facts.mixed = false;
    return weightless(std::move(any));
  }
  return any;
}

// Queries as one synonym (one of them alone as itself).
Q any_of(std::vector<Q> list) {
  return list.size() == 1 ? std::move(list[0]) : Q(Op::kSynonym, std::move(list));
}

// A term and its completions, as one synonym.
Q with_completions(const Vocabulary& v, const std::string& field, const std::string& word,
                   Context* context) {
  std::string term = field + word;
  std::vector<Q> any{Q(term)};
  for (const auto& c : completions(v, term, kMaxCompletionsScanned, context, field.size()))
    any.emplace_back(c.second);
  return any_of(std::move(any));
}

// Unprefixed tokens in order and adjacent; with `prefix`, the last one or any of its completions
// (phrases take terms only, as Xapian 1.4's: one phrase per completion).
Q phrase_of(const std::vector<std::string>& tokens, bool prefix, const Vocabulary& v,
            Context* context = nullptr) {
  std::vector<Q> plain;
  for (const auto& t : tokens)
    plain.emplace_back(t);
  auto phrase = [&] {
    return plain.size() == 1 ? plain[0]
                             : Q(Op::kPhrase, plain, static_cast<std::uint32_t>(plain.size()));
  };
  if (!prefix) return phrase();
  std::vector<Q> any{phrase()};
  for (const auto& c : completions(v, tokens.back(), kMaxCompletionsScanned, context)) {
    plain.back() = Q(c.second);
    any.push_back(phrase());
  }
  return any.size() == 1 ? std::move(any[0]) : Q(Op::kOr, std::move(any));
}

// Words in order and adjacent, weighted by the mean idf of the words. Positions exist for
// unprefixed terms only, so with query_by the phrase is checked on the unprefixed terms and each
// word must also occur in one of the fields. With `prefix`, the last word also matches its
// completions ("nginx-li" is the phrase nginx li*, "t-shi" finds t-shirt).
Q phrase_query(const std::vector<std::string>& words, const Vocabulary& v, const TextOptions& o,
               bool prefix = false, Context* context = nullptr) {
  std::vector<std::string> tokens;
  for (const auto& w : words) {
    for (auto& t : tokenize(w))
      tokens.push_back(std::move(t));
  }
  if (tokens.empty()) return Q();
  std::uint64_t all = v.documents();
  auto alternatives = [&](std::size_t i, const std::string& p) {
    return prefix && i + 1 == tokens.size() ? with_completions(v, p, tokens[i], context)
                                            : Q(p + tokens[i]);
  };
  double sum = 0;
  for (const auto& t : tokens)
    sum += idf(v.docs_with(t), all);
  Q phrase =
      weighted(phrase_of(tokens, prefix, v, context), sum / static_cast<double>(tokens.size()));
  if (o.prefixes.size() == 1 && o.prefixes[0].empty()) return phrase;
  std::vector<Q> in_fields{weightless(phrase)};  // the fields' terms weigh instead
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::vector<Q> any;
    for (const auto& p : o.prefixes)
      any.push_back(weighted(alternatives(i, p), idf(v.docs_with(p + tokens[i]), all)));
    in_fields.emplace_back(Op::kOr, std::move(any));
  }
  return Q(Op::kAnd, std::move(in_fields));
}

// The ranking rules above BM25, in the order of o.ranking, as optional parts of the query whose
// flat weights (Bm25's tiers) order the matches before BM25 does. exact: for each word that
// matches both itself and other forms or completions, the documents with the word itself. field:
// those with a field whose whole value is the query's words, then one equal to them with the last
// completed when it is a prefix, then one that starts with them. proximity: the words as a phrase,
// in the query's order. attribute: for each scored word (`weighed`: what it matches), the
// documents with it in a heaviest field. A query of words that only filter (see word_query()) has
// none of these rules: it stays unscored. Without `all_rules` (kMaxRankedByAllRules), only exact
// and the whole field.
Q rank_rules(Q matches, std::vector<std::string> exact_words, std::vector<std::string> in_order,
             bool last_prefix, bool all_rules, std::vector<std::vector<std::string>> weighed,
             const Vocabulary& v, const TextOptions& o) {
  if (exact_words.size() > kMaxRankedWords) exact_words.resize(kMaxRankedWords);
  if (weighed.size() > kMaxRankedWords) weighed.resize(kMaxRankedWords);
  if (in_order.size() > kMaxRankedWords) {
    in_order.resize(kMaxRankedWords);
    last_prefix = false;  // (the prefix word is left out)
  }
  std::vector<Q> parts{std::move(matches)};
  auto add = [&](Q q, double tier) { parts.push_back(weighted(std::move(q), tier)); };
  for (std::size_t i = 0; i < o.ranking.size() && i < std::size(kRuleTiers); ++i) {
    double tier = kRuleTiers[i];
    switch (o.ranking[i]) {
      case schema::RankRule::kExact:
        for (const auto& w : exact_words) {
          std::vector<Q> fields;
          for (const auto& p : o.prefixes)
            fields.emplace_back(p + w);
          add(any_of(std::move(fields)), tier);
        }
        break;
      case schema::RankRule::kField: {
        if (in_order.empty() || in_order.size() > kMaxWholeWords) break;
        std::string whole(kWholePrefix);
        for (std::size_t w = 0; w < in_order.size(); ++w)
          whole.append(w ? " " : "").append(in_order[w]);
        add(Q(whole), 4 * tier);  // in any field
        if (!all_rules) break;
        // (Whole values are about as rare as each other: the first in order, not the commonest.)
        std::vector<Q> completed, start;
        for (const auto& t :
             completions(v, whole + (last_prefix ? "" : " "), kMaxPrefixExpansion)) {
          bool one_word = last_prefix && t.second.find(' ', whole.size()) == std::string::npos;
          (one_word ? completed : start).emplace_back(t.second);
        }
        if (!completed.empty()) add(any_of(std::move(completed)), 2 * tier);  // "ice cre"
        if (!start.empty()) add(any_of(std::move(start)), tier);              // "ice cream soda"
        break;
      }
      case schema::RankRule::kProximity:
        // As typed: a phrase for each completion of a prefix would cost too much.
        if (all_rules && in_order.size() > 1) add(phrase_of(in_order, false, v), tier);
        break;
      case schema::RankRule::kAttribute:
        if (!all_rules || o.heaviest.empty()) break;
        for (const auto& words : weighed) {
          std::vector<Q> terms;
          for (const auto& p : o.heaviest) {
            for (const auto& w : words)
              terms.emplace_back(p + w);
          }
          add(any_of(std::move(terms)), tier);
        }
        break;
    }
  }
  if (parts.size() == 1) return std::move(parts[0]);
  return Q(Op::kAndMaybe, std::move(parts));
}

}  // namespace

Xapian::Query to_xapian(const native::Query& q) {
  using Op = native::Query::Op;
  std::vector<Xapian::Query> subs;
  for (const auto& s : q.subs)
    subs.push_back(to_xapian(s));
  auto of = [&](Xapian::Query::op op) { return Xapian::Query(op, subs.begin(), subs.end()); };
  switch (q.op) {
    case Op::kNothing: return Xapian::Query();
    case Op::kAll: return match_all();
    case Op::kTerm: return Xapian::Query(q.term);
    case Op::kAnd: return of(Xapian::Query::OP_AND);
    case Op::kOr: return of(Xapian::Query::OP_OR);
    case Op::kAndNot: return of(Xapian::Query::OP_AND_NOT);
    case Op::kAndMaybe: return of(Xapian::Query::OP_AND_MAYBE);
    case Op::kSynonym: return of(Xapian::Query::OP_SYNONYM);
    case Op::kPhrase:
      return Xapian::Query(Xapian::Query::OP_PHRASE, subs.begin(), subs.end(), q.window);
    case Op::kScale:
      return subs.empty() ? Xapian::Query()
                          : Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, subs[0], q.factor);
  }
  return Xapian::Query();
}

const Xapian::Weight& ranking() {
  static const Bm25 weight;
  return weight;
}

CompiledText compile_text(const query::TextQuery& q, const Vocabulary& v, const Xapian::Stem& stem,
                          const TextOptions& o) {
  if (q.match_all) return {weightless(match_all_query())};  // else scored by document length
  bool more_typos = false;
  std::vector<Q> required;
  std::vector<std::string> exact_words, in_order;  // for rank_rules()
  std::vector<std::vector<std::string>> weighed;
  bool last_prefix = false, scored = !q.phrases.empty();
  std::uint64_t reach = v.documents();  // the matches, at most
  for (std::size_t i = 0; i < q.words.size() && i < o.keep_words; ++i) {
    auto tokens = tokenize(q.words[i].text);
    Context context;  // for a prefix word
    if (q.words[i].prefix && (!required.empty() || tokens.size() > 1)) {
      std::vector<Q> rest = required;
      for (std::size_t t = 0; t + 1 < tokens.size(); ++t)  // "nginx" of "nginx-li"
        rest.emplace_back(tokens[t]);
      context = Context(v, std::move(rest));
    }
    if (tokens.size() == 1) {
      WordFacts facts;
      required.push_back(word_query(tokens[0], q.words[i].prefix, v, stem, o, &context, facts));
      scored = scored || facts.scored;
      more_typos = more_typos || facts.more_typos;
      if (facts.mixed) exact_words.push_back(facts.meant);
      if (facts.scored) weighed.push_back(std::move(facts.words));
      tokens[0] = facts.meant;
      reach = std::min(reach, facts.reach);
    } else if (tokens.size() > 1) {  // "usb-c" is the phrase usb c
      required.push_back(phrase_query({q.words[i].text}, v, o, q.words[i].prefix, &context));
      scored = true;
      for (std::size_t t = 0; t + 1 < tokens.size(); ++t)  // (a prefix's completions aside)
        reach = std::min(reach, v.docs_with(tokens[t]));
      if (!q.words[i].prefix) reach = std::min(reach, v.docs_with(tokens.back()));
      for (const auto& t : tokens)
        weighed.push_back({t});
    }
    in_order.insert(in_order.end(), tokens.begin(), tokens.end());
    if (!tokens.empty()) last_prefix = q.words[i].prefix;
  }
  for (const auto& p : q.phrases)
    required.push_back(phrase_query(p.words, v, o));
  bool any_required = !required.empty();
  Q matches(Op::kAnd, std::move(required));
  Q all = !any_required ? weightless(match_all_query())
          : scored      ? rank_rules(std::move(matches), exact_words, in_order, last_prefix,
                                     reach <= kMaxRankedByAllRules, weighed, v, o)
                        : std::move(matches);
  std::vector<Q> excluded;
  for (const auto& w : q.excluded)
    excluded.push_back(phrase_query({w}, v, o));
  for (const auto& p : q.excluded_phrases)
    excluded.push_back(phrase_query(p.words, v, o));
  if (excluded.empty()) return {std::move(all), more_typos};
  return {Q(Op::kAndNot, {std::move(all), Q(Op::kOr, std::move(excluded))}), more_typos};
}

XapianVocabulary::XapianVocabulary(const Xapian::Database& db) : db_(db) {}

std::uint64_t XapianVocabulary::documents() const {
  return db_.get_doccount();
}

std::uint64_t XapianVocabulary::docs_with(std::string_view term) const {
  return db_.get_termfreq(std::string(term));
}

void XapianVocabulary::scan(std::string_view from, const ScanFn& fn) const {
  auto it = db_.allterms_begin();
  it.skip_to(std::string(from));
  for (; it != db_.allterms_end(); ++it) {
    if (!fn(*it, it.get_termfreq())) return;
  }
}

std::optional<std::vector<std::string>> XapianVocabulary::bodies_if_few(const native::Query& q,
                                                                        std::size_t limit) const {
  Xapian::Enquire enquire(db_);
  enquire.set_query(to_xapian(q));
  enquire.set_weighting_scheme(Xapian::BoolWeight());  // any limit + 1: no scores
  enquire.set_docid_order(Xapian::Enquire::DONT_CARE);
  Xapian::MSet found = enquire.get_mset(0, static_cast<Xapian::doccount>(limit + 1));
  if (found.size() > limit) return std::nullopt;
  std::vector<std::string> out;
  for (auto it = found.begin(); it != found.end(); ++it)
    out.push_back(it.get_document().get_value(kBodySlot));
  return out;
}

}  // namespace tandem::search::xapian_backend
