// The native backend: collections' indexes, apply, and searches over snapshots. Depends on the
// search interface, the native index and the Xapian backend's compiler, columns and layout.
#include "search/native/native_search.h"

#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <unordered_set>

#include "search/batches.h"
#include "search/native/index.h"
#include "search/native/match.h"
#include "search/native/vocabulary.h"
#include "search/xapian/columns.h"
#include "search/xapian/compile.h"
#include "search/xapian/facets.h"
#include "search/xapian/layout.h"
#include "search/xapian/request.h"

namespace tandem::search {

using namespace xapian_backend;
using core::fail;

namespace {

constexpr std::uint64_t kExactUpTo = 10000;  // `found` is exact at least this far

// Each part's columns, as plain pointers. Columns made from a segment never change once made
// (before they are shared), so they are read without their lock: a search of many parts would
// otherwise hold one lock for each.
class ColumnsView {
 public:
  explicit ColumnsView(std::vector<std::shared_ptr<const Columns>> owned)
      : owned_(std::move(owned)) {
    for (const auto& c : owned_)
      parts_.push_back(c.get());
  }
  const std::vector<const Columns*>& parts() const { return parts_; }
  const Columns& operator[](std::size_t p) const { return *parts_[p]; }

 private:
  std::vector<std::shared_ptr<const Columns>> owned_;
  std::vector<const Columns*> parts_;
};

// Matches first .. first + size - 1 of `all`, ordered by `keys` (each part's columns in `view`),
// relevance before or after them, then index order. Each match's keys are read once, a run of
// matches per thread of `pool`, in index order (a sort reading them at every comparison would
// miss the cache each time).
std::vector<native::Match> page_of(std::vector<native::Match>& all,
                                   const std::vector<SortKey>& keys, const ColumnsView* view,
                                   bool relevance_first, std::size_t first, std::size_t size,
                                   core::ForkJoin& pool) {
  std::size_t want = std::min(all.size(), first + size);
  if (first >= want) return {};
  auto by_weight = [](const native::Match& a, const native::Match& b) {
    if (a.weight != b.weight) return a.weight > b.weight;
    return a.part != b.part ? a.part < b.part : a.doc < b.doc;
  };
  auto cut = [&](std::size_t n) { return all.begin() + static_cast<std::ptrdiff_t>(n); };
  if (keys.empty()) {
    std::partial_sort(all.begin(), cut(want), all.end(), by_weight);
    return {cut(first), cut(want)};
  }
  std::size_t k = keys.size();
  std::vector<std::optional<Columns::Key>> values(all.size() * k);
  constexpr std::size_t kWorthCutting = 16384;  // matches; a thread takes about 30 µs to wake
  std::size_t runs = all.size() >= kWorthCutting ? pool.threads() + 1 : 1;
  pool.run(runs, [&](std::size_t r) {
    for (std::size_t i = all.size() * r / runs; i < all.size() * (r + 1) / runs; ++i) {
      for (std::size_t j = 0; j < k; ++j)
        values[i * k + j] = (*view)[all[i].part].key(keys[j].field, all[i].doc);
    }
  });
  std::vector<std::uint32_t> order(all.size());
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = static_cast<std::uint32_t>(i);
  auto before = [&](std::uint32_t a, std::uint32_t b) {
    const auto &x = all[a], &y = all[b];
    if (relevance_first && x.weight != y.weight) return x.weight > y.weight;
    for (std::size_t j = 0; j < k; ++j) {
      int c = compare_key(values[a * k + j], values[b * k + j], keys[j].descending);
      if (c != 0) return c < 0;
    }
    return by_weight(x, y);
  };
  auto end = order.begin() + static_cast<std::ptrdiff_t>(want);
  std::partial_sort(order.begin(), end, order.end(), before);
  std::vector<native::Match> out;
  for (std::size_t i = first; i < want; ++i)
    out.push_back(all[order[i]]);
  return out;
}

}  // namespace

// One collection's index, and the columns of its parts, made on first use.
struct NativeSearch::Index {
  ~Index() {
    if (index) index->stop_merging();  // a merge's callback uses the members below
  }
  std::unique_ptr<native::Index> index;
  std::mutex columns_mutex;                                         // guards the members below
  std::map<std::uint64_t, std::shared_ptr<const Columns>> columns;  // by part number
  bool columns_used = false;  // a search has needed them: apply() makes those of new parts

  // Each part's columns in `s`, made for those without (outside the lock: a merge's thread makes
  // them at a low priority, and a search never waits for it); those of parts `newest` no longer
  // has are forgotten (searches still using them hold their own).
  std::vector<std::shared_ptr<const Columns>> columns_of(const native::Snapshot& s,
                                                         const native::Snapshot& newest,
                                                         const schema::Collection& c) {
    std::vector<std::shared_ptr<const Columns>> out(s.parts.size());
    {
      std::lock_guard lock(columns_mutex);
      columns_used = true;
      for (std::size_t p = 0; p < s.parts.size(); ++p) {
        if (auto it = columns.find(s.parts[p].number); it != columns.end()) out[p] = it->second;
      }
    }
    for (std::size_t p = 0; p < s.parts.size(); ++p) {
      if (out[p]) continue;
      auto made = std::make_shared<Columns>(c);
      made->load(*s.parts[p].segment);
      out[p] = std::move(made);
    }
    std::unordered_set<std::uint64_t> present;
    for (const auto* snap : {&s, &newest}) {
      for (const auto& part : snap->parts)
        present.insert(part.number);
    }
    std::lock_guard lock(columns_mutex);
    for (std::size_t p = 0; p < s.parts.size(); ++p)
      columns.try_emplace(s.parts[p].number, out[p]);
    std::erase_if(columns, [&](const auto& entry) { return !present.contains(entry.first); });
    return out;
  }

  // After a batch or a merge: the columns of the parts it made, when searches use columns, so
  // that the next search finds them made.
  void warm(const native::Snapshot& newest, const schema::Collection& c) {
    {
      std::lock_guard lock(columns_mutex);
      if (!columns_used) return;
    }
    columns_of(newest, newest, c);
  }

  core::Result<SearchResult> search(const SearchRequest& r,
                                    const std::vector<std::size_t>& query_by,
                                    const std::string& language, core::ForkJoin& pool);
};

core::Result<SearchResult> NativeSearch::Index::search(const SearchRequest& r,
                                                       const std::vector<std::size_t>& query_by,
                                                       const std::string& language,
                                                       core::ForkJoin& pool) {
  auto snapshot = index->snapshot();
  const native::Snapshot& s = *snapshot;
  std::size_t first = (r.page - 1) * r.per_page, size = r.per_page;
  SortPlan plan = sort_plan(r);
  std::vector<SortKey> keys;
  for (const auto* key : plan.keys)
    keys.push_back(
        {static_cast<std::size_t>(field_index(*r.collection, key->field)), key->descending});
  std::optional<ColumnsView> view;
  if (r.filter || !r.facets.empty() || !keys.empty())
    view.emplace(columns_of(s, *index->snapshot(), *r.collection));
  // Each part's documents of the filter; null for a part with none.
  std::vector<Bits> filtered;
  std::vector<const Bits*> filter;
  if (r.filter) {
    filtered.resize(s.parts.size());
    pool.run(s.parts.size(), [&](std::size_t p) { filtered[p] = (*view)[p].match(&*r.filter); });
    for (const auto& bits : filtered)
      filter.push_back(native::count(bits) > 0 ? &bits : nullptr);
  }
  const ColumnsView* part_columns = view ? &*view : nullptr;

  SearchResult out;
  std::vector<native::Match> page;
  std::vector<Bits> matched(s.parts.size());  // each part's matches, for facets
  native::Query q;
  if (r.text.match_all) {
    // Every live document of the filter: counted exactly from bits, ordered by the keys or in
    // index order.
    pool.run(s.parts.size(), [&](std::size_t p) {
      const native::Part& part = s.parts[p];
      Bits bits;
      if (r.filter) {
        bits = filtered[p];
      } else {
        bits.assign((part.segment->documents() + 63) / 64, ~std::uint64_t{0});
        if (auto tail = part.segment->documents() % 64; tail != 0)
          bits.back() = (std::uint64_t{1} << tail) - 1;
      }
      for (std::size_t w = 0; w < std::min(bits.size(), part.deleted->size()); ++w)
        bits[w] &= ~(*part.deleted)[w];
      matched[p] = std::move(bits);
    });
    std::vector<native::Match> all;
    std::size_t want = first + size;
    for (std::size_t p = 0; p < s.parts.size(); ++p) {
      out.found += native::count(matched[p]);
      const Bits& bits = matched[p];
      for (std::size_t w = 0; w < bits.size() && (!keys.empty() || all.size() < want); ++w) {
        for (std::uint64_t word = bits[w]; word != 0; word &= word - 1)
          all.push_back({p, static_cast<native::DocId>(w * 64 + __builtin_ctzll(word)), 0});
      }
    }
    page = page_of(all, keys, part_columns, plan.relevance_first, first, size, pool);
  } else {
    TextOptions options{
        .prefixes = prefixes_for(query_by),
        .heaviest = heaviest_prefixes(*r.collection, query_by),
        .typos = r.typos,
        .ranking = r.ranking.value_or(r.collection->ranking.value_or(schema::kDefaultRanking))};
    options.keep_words = r.text.words.size();
    native::NativeVocabulary vocabulary(s);
    Xapian::Stem stem(language);
    // Every match is needed to sort by keys or count facets; else the matcher keeps the page.
    bool every = !keys.empty() || !r.facets.empty();
    while (true) {
      auto compiled = compile_text(r.text, vocabulary, stem, options);
      q = std::move(compiled.query);
      if (r.filter && std::all_of(filter.begin(), filter.end(), [](auto* f) { return !f; })) {
        out.found = 0;  // nothing passes the filter
      } else if (every) {
        auto all = native::every_match(s, q, filter, &pool);
        out.found = all.size();
        out.found_is_estimate = false;
        if (!r.facets.empty()) {
          matched.assign(s.parts.size(), {});
          for (const auto& m : all)
            set(matched[m.part], m.doc);
        }
        page = page_of(all, keys, part_columns, plan.relevance_first, first, size, pool);
      } else {
        auto got = native::match(s, q, first, size, kExactUpTo, filter, &pool);
        out.found = got.found;
        out.found_is_estimate = got.estimated;
        page = std::move(got.matches);
      }
      if (out.found > 0) break;
      // Nothing matched: retry with the spellings of more typos, then without the last word
      // (never below one word).
      if (compiled.more_typos && !options.more_typos) {
        options.more_typos = true;
        continue;
      }
      if (options.keep_words <= 1) break;
      options.more_typos = false;
      out.dropped_words.insert(out.dropped_words.begin(),
                               r.text.words[options.keep_words - 1].text);
      --options.keep_words;
    }
    if (out.found == 0) out.dropped_words.clear();
  }
  if (!r.facets.empty() && !column_facets(view->parts(), matched, r, out, &pool))
    return fail(core::unavailable("facets: a field is not kept in the native index's columns"));
  Marks marks;
  if (!r.highlight.empty() && !q.empty()) marks = marks_of(to_xapian(q));
  for (const auto& m : page) {
    const native::Segment& seg = *s.parts[m.part].segment;
    std::string body(seg.body(m.doc));
    auto lit = highlights(body, marks, r);
    out.hits.push_back(Hit{.id = std::string(seg.id(m.doc)),
                           .score = m.weight,
                           .document = std::move(body),
                           .highlights = std::move(lit)});
  }
  return out;
}

NativeSearch::NativeSearch(NativeOptions options)
    : options_(std::move(options)),
      pool_(options_.threads > 0 ? options_.threads - 1
                                 : std::max(1u, std::thread::hardware_concurrency()) - 1) {}

NativeSearch::~NativeSearch() = default;

core::Result<std::unique_ptr<NativeSearch>> NativeSearch::open(NativeOptions options) {
  try {
    Xapian::Stem check(options.language);
  } catch (const Xapian::Error&) {
    return fail(
        core::invalid_argument("search.language: unknown language '" + options.language + "'"));
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return fail(core::unavailable("cannot create " + options.dir + ": " + ec.message()));
  return std::unique_ptr<NativeSearch>(new NativeSearch(std::move(options)));
}

core::Result<std::shared_ptr<NativeSearch::Index>> NativeSearch::index_for(const std::string& name,
                                                                           bool create) {
  std::lock_guard lock(mutex_);
  if (auto it = indexes_.find(name); it != indexes_.end()) return it->second;
  std::string dir = options_.dir + "/" + name;
  if (!create && !std::filesystem::exists(dir)) return std::shared_ptr<Index>();
  auto index = std::make_shared<Index>();
  // After a merge, the new part's columns, when searches use them (on the merging thread).
  auto merged = [raw = index.get(), lookup = options_.collection,
                 name](const native::Snapshot& newest) {
    if (auto schema = lookup(name)) raw->warm(newest, *schema);
  };
  auto opened = native::Index::open({.dir = dir, .sync = options_.sync, .merged = merged});
  if (!opened) {
    return fail(core::unavailable("cannot open the search index of '" + name +
                                  "': " + opened.error().message() +
                                  " (stop the service and run `tandem reindex` to rebuild it)"));
  }
  index->index = std::move(*opened);
  indexes_[name] = index;
  return index;
}

core::Status NativeSearch::drop(const std::string& collection) {
  std::shared_ptr<Index> index;
  {
    std::lock_guard lock(mutex_);
    if (auto it = indexes_.find(collection); it != indexes_.end()) {
      index = it->second;
      indexes_.erase(it);
    }
  }
  // Nothing writes to the directory once it is gone (searches under way keep their snapshots'
  // files mapped).
  if (index) index->index->stop_merging();
  std::error_code ec;
  std::filesystem::remove_all(options_.dir + "/" + collection, ec);
  generations_.bump(collection);
  if (ec)
    return core::unavailable("cannot remove the index of " + collection + ": " + ec.message());
  return {};
}

core::Result<std::vector<changes::Rejection>> NativeSearch::apply(
    std::span<const changes::Change> changes) {
  std::vector<changes::Rejection> rejected;
  auto apply_one = [&](const std::string& name,
                       const std::vector<const changes::Change*>& list) -> core::Status {
    auto schema = options_.collection(name);
    if (!schema) return {};  // the collection was deleted meanwhile; a kDrop follows
    auto index = index_for(name, true);
    if (!index) return index.error();
    auto fill = [&](native::SegmentWriter& w, const changes::Change& ch) {
      return index_fields(w, *schema, ch.body);
    };
    auto r = (*index)->index->apply(list, fill);
    if (!r) return r.error();
    rejected.insert(rejected.end(), r->begin(), r->end());
    generations_.bump(name);
    (*index)->warm(*(*index)->index->snapshot(), *schema);
    return {};
  };
  auto drop_one = [&](const std::string& name) { return drop(name); };
  try {
    if (auto st = apply_by_collection(changes, apply_one, drop_one); !st.is_ok()) return fail(st);
  } catch (const Xapian::Error& e) {  // the layout's tokenizer
    return fail(
        core::unavailable(std::string("indexing failed: ") + e.get_type() + ": " + e.get_msg()));
  } catch (const std::exception& e) {  // bad_alloc
    return fail(core::unavailable(std::string("indexing failed: ") + e.what()));
  }
  return rejected;
}

std::uint64_t NativeSearch::generation(std::string_view collection) const {
  return generations_.of(collection);
}

core::Result<std::unique_ptr<Rebuild>> NativeSearch::rebuild(std::string_view collection) {
  if (auto st = drop(std::string(collection)); !st.is_ok()) return fail(st);
  return std::unique_ptr<Rebuild>(std::make_unique<InPlaceRebuild>(*this));
}

core::Result<std::uint64_t> NativeSearch::count(std::string_view collection) {
  auto index = index_for(std::string(collection), false);
  if (!index) return fail(index.error());
  if (!*index) return std::uint64_t{0};
  return (*index)->index->snapshot()->live;
}

core::Status NativeSearch::check() {
  if (::access(options_.dir.c_str(), W_OK | X_OK) != 0) {
    return core::unavailable("native: cannot write " + options_.dir + ": " + std::strerror(errno));
  }
  return {};
}

core::Result<SearchResult> NativeSearch::search(const SearchRequest& r) {
  if (auto st = check_request(r); !st.is_ok()) return fail(st);
  auto query_by = *query_by_fields(r);
  try {
    if (r.filter) {  // the same checks and messages as the Xapian backend's
      auto compiled = compile_filter(*r.filter, *r.collection);
      if (!compiled) return fail(compiled.error());
    }
    auto index = index_for(r.collection->name, false);
    if (!index) return fail(index.error());
    if (!*index) return SearchResult{};
    return (*index)->search(r, query_by, options_.language, pool_);
  } catch (const Xapian::Error& e) {
    return fail(
        core::unavailable(std::string("search failed: ") + e.get_type() + ": " + e.get_msg()));
  } catch (const std::exception& e) {
    return fail(core::unavailable(std::string("search failed: ") + e.what()));
  }
}

}  // namespace tandem::search
