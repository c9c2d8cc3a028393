// XapianSearch::search: the request checked (request.h), the filter compiled, `*` answered from
// the columns when they keep every field involved, else the words compiled and matched
// (match.h) with the facets counted (facets.h), the fallback that drops words from the end when
// nothing matches, and the retries when commits overtake the reader.
#include <xapian.h>

#include <mutex>
#include <shared_mutex>

#include "search/xapian/columns.h"
#include "search/xapian/compile.h"
#include "search/xapian/facets.h"
#include "search/xapian/index.h"
#include "search/xapian/layout.h"
#include "search/xapian/match.h"
#include "search/xapian/request.h"
#include "search/xapian/xapian_search.h"

namespace tandem::search {

using namespace xapian_backend;

namespace {

using core::fail;

constexpr Xapian::doccount kExactUpTo = 10000;  // `found` is exact at least this far

// The request's sort keys before any relevance, when every shard's columns can sort by them all.
// The caller holds the columns' shared locks.
std::optional<std::vector<SortKey>> column_keys(const std::vector<const Columns*>& shards,
                                                const SearchRequest& r) {
  std::vector<SortKey> keys;
  for (const auto* key : sort_plan(r).keys) {
    auto field = static_cast<std::size_t>(field_index(*r.collection, key->field));
    for (const auto* c : shards)
      if (!c->sortable(field)) return std::nullopt;
    keys.push_back({field, key->descending});
  }
  return keys;
}

std::optional<std::vector<SortKey>> sortable_keys(const std::vector<const Columns*>& shards,
                                                  const SearchRequest& r) {
  std::vector<std::shared_lock<std::shared_mutex>> locks;
  for (const auto* c : shards)
    locks.emplace_back(c->mutex);
  return column_keys(shards, r);
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
  auto keys = column_keys(shards, r);  // every score is 0 here
  if (!keys) return std::nullopt;
  for (const auto* c : shards)
    if (!c->covers(filter)) return std::nullopt;
  std::vector<Bits> matched;
  SearchResult out;
  for (const auto* c : shards) {
    matched.push_back(c->match(filter));
    out.found += count(matched.back());
  }
  if (!column_facets(shards, matched, r, out)) return std::nullopt;

  // The page, as (shard, docid) in the order of the database of every shard.
  using Doc = std::pair<std::size_t, Xapian::docid>;
  auto n = shards.size();
  auto combined = [n](const Doc& d) { return (d.second - 1) * n + d.first + 1; };
  std::size_t first = (r.page - 1) * r.per_page, want = first + r.per_page;
  std::vector<Doc> page;
  if (keys->empty()) {  // docid order: stop at the page's end
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
      int c = compare_keys(*keys, *shards[a.first], a.second, *shards[b.first], b.second);
      return c != 0 ? c < 0 : combined(a) < combined(b);
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
    out.hits.push_back(
        Hit{.id = doc.get_value(kIdSlot), .score = 0, .document = doc.get_value(kBodySlot)});
  }
  return out;
}

}  // namespace

core::Result<SearchResult> XapianSearch::search(const SearchRequest& r) {
  if (auto st = check_request(r); !st.is_ok()) return fail(st);
  auto query_by = *query_by_fields(r);
  auto prefixes = prefixes_for(query_by);
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
    set_sort(enquire, keys, r);
    // Facets of a text query are counted from the columns when they keep every facet field, and
    // a filter on fields they keep is evaluated there.
    // A text query sorted by fields they keep is ordered there.
    SortPlan plan = sort_plan(r);
    bool by_keys = !plan.keys.empty() && !plan.relevance_first;
    std::vector<const Columns*> columns;
    if (options_.columns && (r.text.match_all || !r.facets.empty() || r.filter || by_keys))
      columns = (*index)->columns(*r.collection);
    bool column_facets = !r.facets.empty() && !columns.empty() && countable(columns, r);
    auto spies = add_facets(enquire, r, !column_facets);
    if (r.text.match_all && options_.columns) {
      if (auto answer = scan(columns, reader.db, r)) return *answer;
    }
    std::optional<std::vector<SortKey>> sorted;
    if (by_keys && spies.empty() && !columns.empty()) sorted = sortable_keys(columns, r);
    bool by_shard = spies.empty() && (r.sort.empty() || sorted);  // else one match of every shard
    std::optional<std::vector<Bits>> filtered;
    if (r.filter && !columns.empty() && (by_shard || column_facets))
      filtered = filter_bits(columns, *r.filter);
    TextOptions options{
        .prefixes = prefixes,
        .heaviest = heaviest_prefixes(*r.collection, query_by),
        .typos = r.typos,
        .ranking = r.ranking.value_or(r.collection->ranking.value_or(schema::kDefaultRanking))};
    SearchResult result;
    Page page;
    Marks marks;
    std::vector<Bits> matched;  // each shard's matches, when gathered
    Xapian::Query words, q;     // the words alone, and with the filter
    auto on_shards = [&] {
      return filtered ? ShardQuery(words, &*filtered) : ShardQuery(q, nullptr);
    };
    Xapian::doccount check = spies.empty() ? kExactUpTo : reader.db.get_doccount();
    auto first = static_cast<Xapian::doccount>((r.page - 1) * r.per_page);
    auto size = static_cast<Xapian::doccount>(r.per_page);
    options.keep_words = r.text.words.size();
    XapianVocabulary vocabulary(reader.db);
    while (true) {
      auto compiled = compile_text(r.text, vocabulary, reader.stem, options);
      words = to_xapian(compiled.query);
      q = filter ? Xapian::Query(Xapian::Query::OP_FILTER, words, *filter) : words;
      enquire.set_query(q);
      if (!r.highlight.empty()) marks = marks_of(q);
      if (sorted) {
        matched = matched_bits(pool_, reader.parts, on_shards());
        page =
            match_sorted(pool_, reader.parts, columns, *sorted, on_shards(), matched, first, size);
      } else {
        page = by_shard ? match_ranked(pool_, reader.parts, on_shards(), first, size, check)
                        : match(enquire, first, size, check);
      }
      if (page.estimated > 0 || r.text.match_all) break;
      // Nothing matched: retry with the spellings of more typos, then without the last word
      // (never below one word).
      if (compiled.more_typos && !options.more_typos) {
        options.more_typos = true;
        continue;
      }
      if (options.keep_words <= 1) break;
      options.more_typos = false;
      result.dropped_words.insert(result.dropped_words.begin(),
                                  r.text.words[options.keep_words - 1].text);
      --options.keep_words;
    }
    if (page.estimated == 0) result.dropped_words.clear();
    result.found = page.estimated;
    result.found_is_estimate = page.lower != page.upper;
    for (const auto& item : page.items) {
      Xapian::Document doc = item.it.get_document();
      std::string body = doc.get_value(kBodySlot);
      result.hits.push_back(Hit{.id = doc.get_value(kIdSlot),
                                .score = item.it.get_weight(),
                                .document = body,
                                .highlights = highlights(body, marks, r)});
    }
    if (column_facets) {
      if (!sorted) matched = matched_bits(pool_, reader.parts, on_shards());
      count_facets(columns, matched, r, result);
    }
    for (std::size_t f = 0; f < spies.size(); ++f) {
      result.facets.emplace_back(r.facets[f], spies[f]->top(r.max_facet_values));
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
