// Indexing generated products, batch by batch as the search sink applies them: into Xapian
// (XapianSearch::apply, the embedded backend as it runs, one shard or two); into a native
// segment per batch (the layout's terms into a SegmentWriter, then the file written); and into a
// native Index (a segment per batch, merged in the background, ten of a size into one, the last
// merges waited for). Each Xapian or segment iteration is one batch of kBatch new records into
// the index built by the iterations before it; the Index's one iteration is all of them.
// Records/s in real time (two Xapian shards use both cores, a segment writer one, the Index's
// merges the other).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "changes/changes.h"
#include "generator/generator.h"
#include "schema/collection.h"
#include "search/native/index.h"
#include "search/native/segment.h"
#include "search/xapian/layout.h"
#include "search/xapian/xapian_search.h"

namespace tandem::search {
namespace {

constexpr std::size_t kBatch = 5000;
constexpr std::size_t kRecords = 200000;  // generated once, reused in turn

const std::vector<changes::Change>& records() {
  static const auto all = [] {
    std::vector<changes::Change> out;
    generator::Generator gen(7, std::chrono::system_clock::time_point{});
    for (std::size_t i = 0; i < kRecords; ++i) {
      out.push_back({.seq = i + 1,
                     .collection = "products",
                     .id = "p" + std::to_string(i),
                     .op = changes::ChangeOp::kUpsert,
                     .body = gen.next()});
    }
    return out;
  }();
  return all;
}

std::string fresh_dir(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void BM_IndexXapian(benchmark::State& state) {
  const auto& all = records();
  auto collection = std::make_shared<const schema::Collection>(schema::products_collection());
  std::string dir = fresh_dir("tandem-bench-xapian");
  auto backend = XapianSearch::open({.dir = dir,
                                     .shards = static_cast<std::size_t>(state.range(0)),
                                     .collection = [&](std::string_view) { return collection; }});
  if (!backend) {
    state.SkipWithError(backend.error().message().c_str());
    return;
  }
  std::size_t at = 0;
  for (auto _ : state) {
    if (at + kBatch > all.size()) {
      state.SkipWithError("out of records: fewer iterations");
      break;
    }
    auto applied = (*backend)->apply(std::span(all).subspan(at, kBatch));
    if (!applied) state.SkipWithError(applied.error().message().c_str());
    at += kBatch;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(at));
  backend->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_IndexXapian)->ArgName("shards")->Arg(1)->Arg(2)->Iterations(30)->UseRealTime();

void BM_IndexNativeSegment(benchmark::State& state) {
  const auto& all = records();
  auto collection = schema::products_collection();
  std::string dir = fresh_dir("tandem-bench-native");
  std::size_t at = 0, segments = 0;
  for (auto _ : state) {
    if (at + kBatch > all.size()) {
      state.SkipWithError("out of records: fewer iterations");
      break;
    }
    native::SegmentWriter w;
    for (std::size_t i = at; i < at + kBatch; ++i) {
      if (!xapian_backend::index_fields(w, collection, all[i].body).is_ok()) {
        state.SkipWithError("a record does not parse");
        return;
      }
      w.end_document(all[i].id, all[i].seq, all[i].body);
    }
    auto st = w.write(dir + "/" + std::to_string(++segments), false);
    if (!st.is_ok()) state.SkipWithError(st.message().c_str());
    at += kBatch;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(at));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_IndexNativeSegment)->Iterations(30)->UseRealTime();

void BM_IndexNative(benchmark::State& state) {
  const auto& all = records();
  auto collection = schema::products_collection();
  std::string dir = fresh_dir("tandem-bench-index");
  std::size_t indexed = 0;
  native::Index::Fill fill = [&](native::SegmentWriter& w, const changes::Change& c) {
    return xapian_backend::index_fields(w, collection, c.body);
  };
  for (auto _ : state) {
    auto index = native::Index::open({.dir = dir + "/products"});
    if (!index) {
      state.SkipWithError(index.error().message().c_str());
      return;
    }
    std::vector<const changes::Change*> batch;
    for (std::size_t at = 0; at + kBatch <= 30 * kBatch; at += kBatch) {
      batch.clear();
      for (std::size_t i = at; i < at + kBatch; ++i)
        batch.push_back(&all[i]);
      if (auto applied = (*index)->apply(batch, fill); !applied) {
        state.SkipWithError(applied.error().message().c_str());
        return;
      }
      indexed += kBatch;
    }
    if (auto merged = (*index)->merge_pending(); !merged) {
      state.SkipWithError(merged.error().message().c_str());
      return;
    }
    state.counters["parts"] = static_cast<double>((*index)->snapshot()->parts.size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(indexed));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_IndexNative)->Iterations(1)->UseRealTime();

}  // namespace
}  // namespace tandem::search
