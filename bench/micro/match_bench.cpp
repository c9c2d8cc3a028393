// The search mix's text queries compiled and matched on one thread, over the same 100,000
// generated products: by Xapian (one database, the compiled query converted, the first 10 of
// get_mset with `found` exact up to 10,000, as the backend asks) and by the native index
// (NativeVocabulary, then native::match, found exact up to 10,000 for queries that weigh
// nothing, every match weighed and counted otherwise). The engines alone: no
// request checks, hits, facets or highlights.
#include <benchmark/benchmark.h>
#include <xapian.h>

#include <filesystem>
#include <string>
#include <vector>

#include "generator/generator.h"
#include "query/parse.h"
#include "schema/collection.h"
#include "search/native/match.h"
#include "search/native/vocabulary.h"
#include "search/request_checks.h"
#include "search/xapian/compile.h"
#include "search/xapian/layout.h"
#include "search/xapian/request.h"

namespace tandem::search {
namespace {

constexpr std::size_t kProducts = 100000;
const char* const kQueries[] = {
    "quill", "made", "wireless headphones", "\"active noise cancellation\"", "headph", "hedphones"};

struct Indexes {
  std::string dir;
  std::unique_ptr<Xapian::Database> xapian;
  std::unique_ptr<native::Index> native;
  xapian_backend::TextOptions options;
};

const Indexes& indexes() {
  static const Indexes built = [] {
    Indexes ix;
    ix.dir = (std::filesystem::temp_directory_path() / "tandem-bench-match").string();
    std::filesystem::remove_all(ix.dir);
    std::filesystem::create_directories(ix.dir);
    auto collection = schema::products_collection();
    generator::Generator gen(9, std::chrono::system_clock::time_point{});
    {
      Xapian::WritableDatabase db(ix.dir + "/xapian", Xapian::DB_CREATE | Xapian::DB_NO_SYNC);
      auto index = native::Index::open({.dir = ix.dir + "/native"});
      std::vector<changes::Change> batch;
      auto flush = [&] {
        std::vector<const changes::Change*> pointers;
        for (const auto& c : batch)
          pointers.push_back(&c);
        (void)(*index)->apply(pointers, [&](native::SegmentWriter& w, const changes::Change& c) {
          return xapian_backend::index_fields(w, collection, c.body);
        });
        batch.clear();
      };
      for (std::size_t i = 0; i < kProducts; ++i) {
        std::string id = "p" + std::to_string(i), body = gen.next();
        db.add_document(*xapian_backend::build_document(collection, id, body, i + 1));
        batch.push_back({.seq = i + 1, .collection = "products", .id = id, .body = body});
        if (batch.size() == 5000) flush();
      }
      flush();
      db.commit();
      (void)(*index)->merge_pending();
      ix.native = std::move(*index);
    }
    ix.xapian = std::make_unique<Xapian::Database>(ix.dir + "/xapian");
    SearchRequest r{.collection = std::make_shared<const schema::Collection>(collection)};
    auto query_by = *query_by_fields(r);
    ix.options = {.prefixes = xapian_backend::prefixes_for(query_by),
                  .heaviest = xapian_backend::heaviest_prefixes(collection, query_by),
                  .ranking = schema::kDefaultRanking};
    return ix;
  }();
  return built;
}

query::TextQuery text(int which) {
  return *query::parse_text(kQueries[which], true);
}

void BM_MatchXapian(benchmark::State& state) {
  const auto& ix = indexes();
  Xapian::Stem stem("english");
  auto q = text(static_cast<int>(state.range(0)));
  std::size_t found = 0;
  for (auto _ : state) {
    xapian_backend::XapianVocabulary vocabulary(*ix.xapian);
    auto compiled = xapian_backend::compile_text(q, vocabulary, stem, ix.options);
    Xapian::Enquire enquire(*ix.xapian);
    enquire.set_weighting_scheme(xapian_backend::ranking());
    enquire.set_query(xapian_backend::to_xapian(compiled.query));
    auto mset = enquire.get_mset(0, 10, 10000);
    found = mset.get_matches_estimated();
    benchmark::DoNotOptimize(mset.size());
  }
  state.counters["found"] = static_cast<double>(found);
  state.SetLabel(kQueries[state.range(0)]);
}
BENCHMARK(BM_MatchXapian)->DenseRange(0, 5)->Unit(benchmark::kMicrosecond);

void BM_MatchNative(benchmark::State& state) {
  const auto& ix = indexes();
  Xapian::Stem stem("english");
  auto q = text(static_cast<int>(state.range(0)));
  std::size_t found = 0;
  for (auto _ : state) {
    auto snapshot = ix.native->snapshot();
    native::NativeVocabulary vocabulary(*snapshot);
    auto compiled = xapian_backend::compile_text(q, vocabulary, stem, ix.options);
    auto page = native::match(*snapshot, compiled.query, 0, 10, 10000);
    found = page.found;
    benchmark::DoNotOptimize(page.matches.size());
  }
  state.counters["found"] = static_cast<double>(found);
  state.SetLabel(kQueries[state.range(0)]);
}
BENCHMARK(BM_MatchNative)->DenseRange(0, 5)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tandem::search
