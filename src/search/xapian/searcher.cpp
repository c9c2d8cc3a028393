// XapianSearch::search: validation of fields, compilation, ranking, sorting, facets, highlights,
// and the fallback that drops words from the end when nothing matches.
#include <simdjson.h>
#include <xapian.h>

#include <charconv>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "json/writer.h"
#include "search/xapian/columns.h"
#include "search/xapian/compile.h"
#include "search/xapian/highlight.h"
#include "search/xapian/index.h"
#include "search/xapian/layout.h"
#include "search/xapian/xapian_search.h"

namespace tandem::search {

using namespace xapian_backend;

namespace {

using core::fail;
using core::invalid_argument;
using schema::FieldType;

constexpr Xapian::doccount kExactUpTo = 10000;  // `found` is exact at least this far

// The n values counted most often (ties: in byte order).
std::vector<FacetValue> most_frequent(std::vector<FacetValue> values, std::size_t n) {
  std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
    return a.count != b.count ? a.count > b.count : a.value < b.value;
  });
  if (values.size() > n) values.resize(n);
  return values;
}

// Counts the values of one facet field over every match the matcher looks at.
class FacetSpy final : public Xapian::MatchSpy {
 public:
  FacetSpy(Xapian::valueno slot, FieldType type) : slot_(slot), type_(type) {}
  void operator()(const Xapian::Document& doc, double) override {
    std::string v = doc.get_value(slot_);
    if (v.empty()) return;
    if (type_ != FieldType::kKeywordArray) {
      ++counts_[v];
      return;
    }
    std::size_t start = 0;
    for (std::size_t sep; (sep = v.find(kListSeparator, start)) != std::string::npos;
         start = sep + 1) {
      ++counts_[v.substr(start, sep - start)];
    }
    ++counts_[v.substr(start)];
  }

  std::vector<FacetValue> top(std::size_t n) const {
    std::vector<FacetValue> out;
    for (const auto& [value, count] : counts_)
      out.push_back({display(value), count});
    return most_frequent(std::move(out), n);
  }

 private:
  std::string display(const std::string& stored) const {
    if (type_ == FieldType::kKeyword || type_ == FieldType::kKeywordArray) return stored;
    double d = Xapian::sortable_unserialise(stored);
    if (type_ == FieldType::kBool) return d != 0 ? "true" : "false";
    std::string out;
    json::append_number(out, d);
    return out;
  }

  Xapian::valueno slot_;
  FieldType type_;
  std::unordered_map<std::string, Xapian::doccount> counts_;
};

bool searchable(const schema::FieldSpec& f) {
  return f.type == FieldType::kText || f.searchable;
}

// The term prefixes searched: "" (the unprefixed terms of every field), or query_by's fields'.
core::Result<std::vector<std::string>> prefixes_for(const SearchRequest& r) {
  if (r.query_by.empty()) return std::vector<std::string>{""};
  std::vector<std::string> out;
  for (const auto& name : r.query_by) {
    int i = field_index(*r.collection, name);
    const auto* f = i < 0 ? nullptr : &r.collection->fields[static_cast<std::size_t>(i)];
    if (f == nullptr) return fail(invalid_argument("query_by: unknown field '" + name + "'"));
    if (!searchable(*f)) {
      return fail(invalid_argument("query_by: field '" + name + "' is not searchable text"));
    }
    out.push_back(text_prefix(static_cast<std::size_t>(i)));
  }
  return out;
}

// The sort keys that decide anything: those before the first "_score", or, when "_score" comes
// first (relevance, then keys for ties), those after it.
struct SortPlan {
  bool relevance_first = false;
  std::vector<const query::SortKey*> keys;
};

SortPlan sort_plan(const SearchRequest& r) {
  SortPlan plan;
  for (std::size_t k = 0; k < r.sort.size(); ++k) {
    if (r.sort[k].field == "_score") {
      plan.relevance_first = k == 0;
      if (!plan.relevance_first) break;  // keys after relevance would never decide anything
      continue;
    }
    plan.keys.push_back(&r.sort[k]);
  }
  return plan;
}

// Sorting: fields with `sort`, "_score" for relevance; documents without the value come last.
core::Status set_sort(Xapian::Enquire& enquire, Xapian::MultiValueKeyMaker& keys,
                      const SearchRequest& r) {
  SortPlan plan = sort_plan(r);
  for (const auto* key : plan.keys) {
    int i = field_index(*r.collection, key->field);
    if (i < 0)
      return invalid_argument("sort: unknown field '" + key->field + "' at position " +
                              std::to_string(key->position));
    if (!r.collection->fields[static_cast<std::size_t>(i)].sort) {
      return invalid_argument("sort: field '" + key->field +
                              "' is not sortable (declare it with \"sort\": true) at position " +
                              std::to_string(key->position));
    }
    keys.add_value(slot_of(static_cast<std::size_t>(i)), key->descending,
                   key->descending ? std::string() : std::string(8, '\xff'));
  }
  if (plan.keys.empty()) return {};
  if (plan.relevance_first) {
    enquire.set_sort_by_relevance_then_key(&keys, false);
  } else {
    enquire.set_sort_by_key_then_relevance(&keys, false);
  }
  return {};
}

// Checks the facet fields; with `attach`, adds a spy counting each one's values over the matches.
core::Result<std::vector<std::unique_ptr<FacetSpy>>> add_facets(Xapian::Enquire& enquire,
                                                                const SearchRequest& r,
                                                                bool attach) {
  std::vector<std::unique_ptr<FacetSpy>> spies;
  for (const auto& name : r.facets) {
    int i = field_index(*r.collection, name);
    if (i < 0) return fail(invalid_argument("facets: unknown field '" + name + "'"));
    const auto& f = r.collection->fields[static_cast<std::size_t>(i)];
    if (!f.facet)
      return fail(invalid_argument("facets: field '" + name +
                                   "' is not a facet (declare it with \"facet\": true)"));
    if (!attach) continue;
    spies.push_back(std::make_unique<FacetSpy>(slot_of(static_cast<std::size_t>(i)), f.type));
    enquire.add_matchspy(spies.back().get());
  }
  return spies;
}

core::Status check_highlights(const SearchRequest& r) {
  for (const auto& name : r.highlight) {
    const auto* f = r.collection->field(name);
    if (f == nullptr || !searchable(*f)) {
      return invalid_argument("highlight: field '" + name + "' is not a searchable text field");
    }
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> highlights(const std::string& body,
                                                            const Marks& marks,
                                                            const SearchRequest& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (r.highlight.empty()) return out;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return out;
  for (const auto& name : r.highlight) {
    std::string_view text;
    if (doc[name].get_string().get(text)) continue;
    std::string snippet = highlight(text, marks, 200);
    if (!snippet.empty()) out.emplace_back(name, std::move(snippet));
  }
  return out;
}

// One page of matches, in order, with the count.
struct Page {
  struct Item {
    Xapian::MSetIterator it;  // document and weight
    Xapian::docid order;      // its docid in the database of every shard
  };
  std::vector<Xapian::MSet> msets;
  std::vector<Item> items;
  Xapian::doccount estimated = 0, lower = 0, upper = 0;
};

Page match(Xapian::Enquire& enquire, Xapian::doccount first, Xapian::doccount size,
           Xapian::doccount check) {
  Page page;
  page.msets.push_back(enquire.get_mset(first, size, check));
  const Xapian::MSet& m = page.msets.back();
  for (auto it = m.begin(); it != m.end(); ++it)
    page.items.push_back({it, *it});
  page.estimated = m.get_matches_estimated();
  page.lower = m.get_matches_lower_bound();
  page.upper = m.get_matches_upper_bound();
  return page;
}

// A shard's documents in a bit set, as a posting list without weights.
class BitsSource final : public Xapian::PostingSource {
 public:
  explicit BitsSource(const Bits& bits) : bits_(bits) {
    for (auto w : bits_)
      count_ += static_cast<Xapian::doccount>(__builtin_popcountll(w));
  }
  void init(const Xapian::Database&) override { did_ = 0; }
  Xapian::doccount get_termfreq_min() const override { return count_; }
  Xapian::doccount get_termfreq_est() const override { return count_; }
  Xapian::doccount get_termfreq_max() const override { return count_; }
  void next(double) override { did_ = first_from(did_ + 1); }
  void skip_to(Xapian::docid did, double) override {
    if (did > did_) did_ = first_from(did);
  }
  bool at_end() const override { return did_ == kEnd; }
  Xapian::docid get_docid() const override { return did_; }
  BitsSource* clone() const override { return new BitsSource(bits_); }

 private:
  static constexpr Xapian::docid kEnd = std::numeric_limits<Xapian::docid>::max();
  Xapian::docid first_from(Xapian::docid from) const {
    for (std::size_t w = from / 64; w < bits_.size(); ++w) {
      std::uint64_t word = bits_[w];
      if (w == from / 64) word &= ~std::uint64_t{0} << (from % 64);
      if (word != 0) return static_cast<Xapian::docid>(w * 64 + __builtin_ctzll(word));
    }
    return kEnd;
  }
  const Bits& bits_;  // outlives the match
  Xapian::doccount count_ = 0;
  Xapian::docid did_ = 0;
};

// A query to run on each shard alone, on any thread: the compiled words, serialised (Query objects
// count references without atomics, so every thread reads its own copy back), and, when the
// columns evaluated the filter, each shard's matching documents as a posting list (Xapian would
// read a value stream for a range, about 1 µs a candidate).
class ShardQuery {
 public:
  ShardQuery(const Xapian::Query& q, const std::vector<Bits>* filter)
      : wire_(q.serialise()), filter_(filter) {}
  Xapian::Query on(std::size_t shard) const {
    thread_local const Xapian::Registry registry;  // made once: it registers every scheme
    Xapian::Query q = Xapian::Query::unserialise(wire_, registry);
    if (filter_ == nullptr) return q;
    auto* source = new BitsSource((*filter_)[shard]);
    return Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(source->release()));
  }

 private:
  std::string wire_;
  const std::vector<Bits>* filter_;
};

// Ordered by relevance, then by docid in the database of every shard. A document's weight does
// not depend on its shard (see ranking()), so each shard is matched alone, all at the same time
// (see core::ForkJoin), and the pages merged: the same result as one match over every shard,
// which Xapian runs one shard after the other. Unscored queries (`*`, filters, words in most
// documents) gain too: Xapian stops those after the page and the count it must check, but only
// over a single database.
//
// `found` must be exact up to `check` matches, and the matcher's cost grows with the matches it
// counts: each shard first counts its share of `check`, and only when those counts leave the
// total at most `check` do the shards not fully counted count up to `check` again.
Page match_ranked(core::ForkJoin& pool, const std::vector<Xapian::Database>& parts,
                  const ShardQuery& q, Xapian::doccount first, Xapian::doccount size,
                  Xapian::doccount check) {
  auto n = static_cast<Xapian::doccount>(parts.size());
  Page page;
  page.msets.resize(n);
  auto count = [&](const std::vector<Xapian::doccount>& which, Xapian::doccount up_to) {
    pool.run(which.size(), [&](std::size_t k) {
      Xapian::Enquire part(parts[which[k]]);
      part.set_weighting_scheme(ranking());
      part.set_query(q.on(which[k]));
      page.msets[which[k]] = part.get_mset(0, first + size, up_to);
    });
  };
  std::vector<Xapian::doccount> all(n);
  for (Xapian::doccount i = 0; i < n; ++i)
    all[i] = i;
  count(all, std::max(first + size, check / n + 1));
  std::vector<Xapian::doccount> uncounted;
  Xapian::doccount known = 0;
  for (Xapian::doccount i = 0; i < n; ++i) {
    const Xapian::MSet& m = page.msets[i];
    known += m.get_matches_lower_bound();
    if (m.get_matches_lower_bound() != m.get_matches_upper_bound()) uncounted.push_back(i);
  }
  if (!uncounted.empty() && known <= check) count(uncounted, check);
  for (Xapian::doccount i = 0; i < n; ++i) {
    const Xapian::MSet& m = page.msets[i];
    for (auto it = m.begin(); it != m.end(); ++it)
      page.items.push_back({it, (*it - 1) * n + i + 1});
    page.estimated += m.get_matches_estimated();
    page.lower += m.get_matches_lower_bound();
    page.upper += m.get_matches_upper_bound();
  }
  std::sort(page.items.begin(), page.items.end(), [](const auto& a, const auto& b) {
    double x = a.it.get_weight(), y = b.it.get_weight();
    return x != y ? x > y : a.order < b.order;
  });
  page.items.erase(page.items.begin(),
                   page.items.begin() + std::min<std::size_t>(first, page.items.size()));
  if (page.items.size() > size) page.items.resize(size);
  return page;
}

// `*` answered from the columns: the filter, the facets and the sort over every shard's documents
// in memory, then only the page's documents read from the index. Same answers as the matcher
// (unscored, docid order after the sort keys), found always exact. nullopt when a field involved
// is not kept in columns.
std::optional<SearchResult> scan(const std::vector<const Columns*>& shards, Xapian::Database& db,
                                 const SearchRequest& r) {
  std::vector<std::shared_lock<std::shared_mutex>> locks;
  for (const auto* c : shards)
    locks.emplace_back(c->mutex);
  const query::Filter* filter = r.filter ? &*r.filter : nullptr;
  std::vector<std::pair<std::size_t, bool>> keys;  // field, descending (every score is 0 here)
  for (const auto* key : sort_plan(r).keys) {
    keys.emplace_back(static_cast<std::size_t>(field_index(*r.collection, key->field)),
                      key->descending);
  }
  for (const auto* c : shards) {
    if (!c->covers(filter)) return std::nullopt;
    for (const auto& [field, _] : keys)
      if (!c->sortable(field)) return std::nullopt;
  }
  std::vector<Bits> matched;
  SearchResult out;
  for (const auto* c : shards) {
    matched.push_back(c->match(filter));
    for (auto w : matched.back())
      out.found += static_cast<std::uint64_t>(__builtin_popcountll(w));
  }
  for (const auto& name : r.facets) {
    std::unordered_map<std::string, std::uint64_t> counts;
    auto field = static_cast<std::size_t>(field_index(*r.collection, name));
    for (std::size_t s = 0; s < shards.size(); ++s)
      if (!shards[s]->count(field, matched[s], counts)) return std::nullopt;
    std::vector<FacetValue> values;
    for (auto& [value, count] : counts)
      values.push_back({value, count});
    out.facets.emplace_back(name, most_frequent(std::move(values), r.max_facet_values));
  }

  // The page, as (shard, docid) in the order of the database of every shard.
  using Doc = std::pair<std::size_t, Xapian::docid>;
  auto n = shards.size();
  auto combined = [n](const Doc& d) { return (d.second - 1) * n + d.first + 1; };
  std::size_t first = (r.page - 1) * r.per_page, want = first + r.per_page;
  std::vector<Doc> page;
  if (keys.empty()) {  // docid order: stop at the page's end
    Xapian::docid end = 0;
    for (const auto* c : shards)
      end = std::max(end, c->end());
    for (Xapian::docid did = 1; did < end && page.size() < want; ++did) {
      for (std::size_t s = 0; s < n && page.size() < want; ++s)
        if (test(matched[s], did)) page.emplace_back(s, did);
    }
  } else {
    for (std::size_t s = 0; s < n; ++s) {
      for (std::size_t w = 0; w < matched[s].size(); ++w) {
        for (std::uint64_t bits = matched[s][w]; bits != 0; bits &= bits - 1)
          page.emplace_back(s, w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits)));
      }
    }
    auto before = [&](const Doc& a, const Doc& b) {
      for (const auto& [field, descending] : keys) {
        auto x = shards[a.first]->key(field, a.second), y = shards[b.first]->key(field, b.second);
        if (!x || !y) {
          if (!x && !y) continue;
          return x.has_value();  // documents without the value come last
        }
        int c = x->text != nullptr ? x->text->compare(*y->text)
                                   : (x->number < y->number   ? -1
                                      : x->number > y->number ? 1
                                                              : 0);
        if (c != 0) return descending ? c > 0 : c < 0;
      }
      return combined(a) < combined(b);
    };
    auto end = page.begin() + static_cast<std::ptrdiff_t>(std::min(want, page.size()));
    std::partial_sort(page.begin(), end, page.end(), before);
    page.erase(end, page.end());
  }
  locks.clear();
  for (std::size_t i = first; i < page.size(); ++i) {
    Xapian::Document doc;
    try {
      doc = db.get_document(static_cast<Xapian::docid>(combined(page[i])));
    } catch (const Xapian::DocNotFoundError&) {  // columns are ahead of this reader's revision
      db.reopen();
      doc = db.get_document(static_cast<Xapian::docid>(combined(page[i])));
    }
    out.hits.push_back(Hit{.id = doc.get_value(kIdSlot), .score = 0, .document = doc.get_data()});
  }
  return out;
}

// Each shard's documents matching `f` (which compiled), from the columns; nullopt when they do
// not keep every field it names.
std::optional<std::vector<Bits>> filter_bits(const std::vector<const Columns*>& shards,
                                             const query::Filter& f) {
  std::vector<Bits> out;
  for (const auto* c : shards) {
    std::shared_lock lock(c->mutex);
    if (!c->covers(&f)) return std::nullopt;
    out.push_back(c->match(&f));
  }
  return out;
}

// Sets the bit of every document it is shown.
class BitsSpy final : public Xapian::MatchSpy {
 public:
  explicit BitsSpy(Bits& bits) : bits_(bits) {}
  void operator()(const Xapian::Document& doc, double) override {
    Xapian::docid did = doc.get_docid();
    if (did / 64 >= bits_.size()) bits_.resize(did / 64 + 1);
    bits_[did / 64] |= std::uint64_t{1} << (did % 64);
  }

 private:
  Bits& bits_;
};

bool countable(const std::vector<const Columns*>& shards, const SearchRequest& r) {
  for (const auto& name : r.facets) {
    auto field = static_cast<std::size_t>(field_index(*r.collection, name));
    for (const auto* c : shards)
      if (!c->countable(field)) return false;
  }
  return true;
}

// The facets of a text query from the columns: every shard's matches gathered as a bit set by
// an unscored match of the query (the shards at the same time), then counted in memory. Xapian's
// spies would read each match's values from the index (about 1.4 µs a match for two facets);
// this costs about 50 ns. Sets `found`, exact.
void count_facets(core::ForkJoin& pool, const std::vector<Xapian::Database>& parts,
                  const std::vector<const Columns*>& shards, const ShardQuery& q,
                  const SearchRequest& r, SearchResult& out) {
  std::vector<Bits> matched(parts.size());
  pool.run(parts.size(), [&](std::size_t i) {
    Xapian::Enquire part(parts[i]);
    part.set_query(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q.on(i), 0.0));
    BitsSpy spy(matched[i]);
    part.add_matchspy(&spy);
    part.get_mset(0, 0, std::max<Xapian::doccount>(parts[i].get_doccount(), 1));
  });
  std::vector<std::shared_lock<std::shared_mutex>> locks;
  for (const auto* c : shards)
    locks.emplace_back(c->mutex);
  out.found = 0;
  for (const auto& bits : matched)
    for (auto w : bits)
      out.found += static_cast<std::uint64_t>(__builtin_popcountll(w));
  out.found_is_estimate = false;
  for (const auto& name : r.facets) {
    std::unordered_map<std::string, std::uint64_t> counts;
    auto field = static_cast<std::size_t>(field_index(*r.collection, name));
    for (std::size_t s = 0; s < shards.size(); ++s)
      shards[s]->count(field, matched[s], counts);
    std::vector<FacetValue> values;
    for (auto& [value, count] : counts)
      values.push_back({value, count});
    out.facets.emplace_back(name, most_frequent(std::move(values), r.max_facet_values));
  }
}

}  // namespace

core::Result<SearchResult> XapianSearch::search(const SearchRequest& r) {
  auto prefixes = prefixes_for(r);
  if (!prefixes) return fail(prefixes.error());
  if (auto st = check_highlights(r); !st.is_ok()) return fail(st);
  std::optional<Xapian::Query> filter;
  if (r.filter) {
    auto compiled = compile_filter(*r.filter, *r.collection);
    if (!compiled) return fail(compiled.error());
    filter = *compiled;
  }
  auto index = index_for(r.collection->name, false);
  if (!index) return fail(index.error());
  if (!*index) return SearchResult{};
  // One attempt on one reader. Every Xapian object made from the reader is gone when this
  // returns: their reference counts are not atomic, so none may outlive the reader's return to
  // the pool, where another thread may take it at once.
  auto run = [&](Index::Reader& reader) -> core::Result<SearchResult> {
    Xapian::Enquire enquire(reader.db);
    enquire.set_weighting_scheme(ranking());
    Xapian::MultiValueKeyMaker keys;
    if (auto st = set_sort(enquire, keys, r); !st.is_ok()) return fail(st);
    // Facets of a text query are counted from the columns when they keep every facet field, and
    // a filter on fields they keep is evaluated there.
    std::vector<const Columns*> columns;
    if (options_.columns && (r.text.match_all || !r.facets.empty() || r.filter))
      columns = (*index)->columns(*r.collection);
    bool column_facets = !r.facets.empty() && !columns.empty() && countable(columns, r);
    auto spies = add_facets(enquire, r, !column_facets);
    if (!spies) return fail(spies.error());
    if (r.text.match_all && options_.columns) {
      if (auto answer = scan(columns, reader.db, r)) return *answer;
    }
    bool by_shard = spies->empty() && r.sort.empty();  // else one match over every shard
    std::optional<std::vector<Bits>> filtered;
    if (r.filter && !columns.empty() && (by_shard || column_facets))
      filtered = filter_bits(columns, *r.filter);
    TextOptions options{.prefixes = *prefixes, .typos = r.typos};
    SearchResult result;
    Page page;
    Marks marks;
    Xapian::Query words, q;  // the words alone, and with the filter
    auto on_shards = [&] {
      return filtered ? ShardQuery(words, &*filtered) : ShardQuery(q, nullptr);
    };
    Xapian::doccount check = spies->empty() ? kExactUpTo : reader.db.get_doccount();
    auto first = static_cast<Xapian::doccount>((r.page - 1) * r.per_page);
    auto size = static_cast<Xapian::doccount>(r.per_page);
    for (options.keep_words = r.text.words.size();; --options.keep_words) {
      words = compile_text(r.text, reader.db, reader.stem, options);
      q = filter ? Xapian::Query(Xapian::Query::OP_FILTER, words, *filter) : words;
      enquire.set_query(q);
      if (!r.highlight.empty()) marks = marks_of(q);
      page = by_shard ? match_ranked(pool_, reader.parts, on_shards(), first, size, check)
                      : match(enquire, first, size, check);
      // Nothing matched all words: retry without the last one (never below one word).
      if (page.estimated > 0 || options.keep_words <= 1 || r.text.match_all) break;
      result.dropped_words.insert(result.dropped_words.begin(),
                                  r.text.words[options.keep_words - 1].text);
    }
    if (page.estimated == 0) result.dropped_words.clear();
    result.found = page.estimated;
    result.found_is_estimate = page.lower != page.upper;
    for (const auto& item : page.items) {
      Xapian::Document doc = item.it.get_document();
      std::string body = doc.get_data();
      result.hits.push_back(Hit{.id = doc.get_value(kIdSlot),
                                .score = item.it.get_weight(),
                                .document = body,
                                .highlights = highlights(body, marks, r)});
    }
    if (column_facets) count_facets(pool_, reader.parts, columns, on_shards(), r, result);
    for (std::size_t f = 0; f < spies->size(); ++f) {
      result.facets.emplace_back(r.facets[f], (*spies)[f]->top(r.max_facet_values));
    }
    return result;
  };
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Index::Reader> reader;
    try {
      reader = (*index)->acquire();  // opening a shard mid-commit may throw too
      auto result = run(*reader);
      (*index)->release(std::move(reader));
      return result;
    } catch (const Xapian::DatabaseModifiedError&) {
      // A commit overtook this reader: read again from the new revision. A reader that cannot
      // reopen is dropped, and the next attempt opens a fresh one.
      if (reader && (*index)->reopen(*reader)) (*index)->release(std::move(reader));
      if (attempt >= 4) return fail(core::unavailable("the index kept changing during the search"));
    } catch (const Xapian::Error& e) {  // the reader is dropped, not reused
      return fail(
          core::unavailable(std::string("search failed: ") + e.get_type() + ": " + e.get_msg()));
    } catch (const std::exception& e) {
      return fail(core::unavailable(std::string("search failed: ") + e.what()));
    }
  }
}

}  // namespace tandem::search
