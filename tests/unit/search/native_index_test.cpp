// The native index's parts: batches versioned by seq, deletions, merges (also while batches
// arrive), and what a reopened index holds, checked against a plain map of the records.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "generator/generator.h"
#include "search/native/index.h"
#include "support/temp_dir.h"

namespace tandem::search::native {
namespace {

using changes::Change;
using changes::ChangeOp;
using testing::TempDir;

// A record's terms: the words of its body, with positions.
core::Status fill_words(SegmentWriter& w, const Change& c) {
  if (c.body.find("refuse") != std::string::npos) return core::invalid_argument("refused");
  std::uint32_t pos = 0;
  std::size_t at = 0;
  while (at < c.body.size()) {
    std::size_t end = c.body.find(' ', at);
    if (end == std::string::npos) end = c.body.size();
    if (end > at) w.add_posting(c.body.substr(at, end - at), ++pos);
    at = end + 1;
  }
  return core::Status::ok();
}

Change upsert(std::string id, std::uint64_t seq, std::string body) {
  return {.seq = seq,
          .collection = "c",
          .id = std::move(id),
          .op = ChangeOp::kUpsert,
          .body = std::move(body)};
}
Change erase(std::string id, std::uint64_t seq) {
  return {.seq = seq, .collection = "c", .id = std::move(id), .op = ChangeOp::kDelete};
}

std::vector<changes::Rejection> apply_batch(Index& index, const std::vector<Change>& batch) {
  std::vector<const Change*> pointers;
  for (const auto& c : batch)
    pointers.push_back(&c);
  auto r = index.apply(pointers, fill_words);
  EXPECT_TRUE(r.has_value()) << r.error().message();
  return r ? *r : std::vector<changes::Rejection>{};
}

using Records = std::map<std::string, std::pair<std::uint64_t, std::string>>;  // id -> seq, body

// The live documents of a snapshot; fails the test when an id is live twice or the counts lie.
Records live(const Snapshot& s) {
  Records out;
  std::uint64_t total = 0;
  for (const auto& p : s.parts) {
    DocId n = 0;
    for (DocId d = 0; d < p.segment->documents(); ++d) {
      if (test(*p.deleted, d)) continue;
      ++n;
      auto [it, fresh] =
          out.emplace(std::string(p.segment->id(d)),
                      std::make_pair(p.segment->seq(d), std::string(p.segment->body(d))));
      EXPECT_TRUE(fresh) << "live twice: " << it->first;
    }
    EXPECT_EQ(n, p.live) << "part " << p.number;
    total += n;
  }
  EXPECT_EQ(total, s.live);
  return out;
}

// The ids of the live documents with `term`, from the postings.
std::set<std::string> with_term(const Snapshot& s, const std::string& term) {
  std::set<std::string> out;
  for (const auto& p : s.parts) {
    auto i = p.segment->find(term);
    if (!i) continue;
    for (auto it = p.segment->postings(*i); !it.at_end(); it.next()) {
      if (!test(*p.deleted, it.doc())) out.insert(std::string(p.segment->id(it.doc())));
    }
  }
  return out;
}

std::unique_ptr<Index> open_index(const std::string& dir, std::size_t factor = 10,
                                  bool background = false) {
  auto index = Index::open({.dir = dir, .merge_factor = factor, .background_merges = background});
  EXPECT_TRUE(index.has_value()) << index.error().message();
  return index ? std::move(*index) : nullptr;
}

TEST(NativeIndex, BatchesReplaceAndDeleteByVersionAndSurviveAReopen) {
  TempDir dir;
  auto index = open_index(dir.file("i"));
  ASSERT_TRUE(index);
  apply_batch(*index,
              {upsert("a", 1, "red shoe"), upsert("b", 2, "blue shoe"), upsert("c", 3, "hat")});
  apply_batch(*index, {upsert("a", 4, "green shoe"), erase("c", 5), upsert("d", 6, "red hat")});
  Records want = {{"a", {4, "green shoe"}}, {"b", {2, "blue shoe"}}, {"d", {6, "red hat"}}};
  EXPECT_EQ(live(*index->snapshot()), want);
  EXPECT_EQ(with_term(*index->snapshot(), "red"), (std::set<std::string>{"d"}));
  EXPECT_EQ(with_term(*index->snapshot(), "shoe"), (std::set<std::string>{"a", "b"}));

  // Versions not newer than the one indexed change nothing: no segment is even written.
  auto generation = index->snapshot()->generation;
  apply_batch(*index, {upsert("a", 1, "red shoe"), upsert("b", 2, "blue shoe"), erase("a", 4)});
  EXPECT_EQ(live(*index->snapshot()), want);
  EXPECT_EQ(index->snapshot()->generation, generation);
  // A replay from the start (after a crash) ends where the first run did. Deleted records keep
  // no version, as in the Xapian backend: "c" is back until its deletion is replayed.
  apply_batch(*index,
              {upsert("a", 1, "red shoe"), upsert("b", 2, "blue shoe"), upsert("c", 3, "hat")});
  EXPECT_EQ(live(*index->snapshot()).size(), 4u);
  apply_batch(*index, {upsert("a", 4, "green shoe"), erase("c", 5), upsert("d", 6, "red hat")});
  EXPECT_EQ(live(*index->snapshot()), want);

  index.reset();
  index = open_index(dir.file("i"));
  ASSERT_TRUE(index);
  EXPECT_EQ(live(*index->snapshot()), want);
  EXPECT_EQ(with_term(*index->snapshot(), "red"), (std::set<std::string>{"d"}));
  // The ids are found again after the reopen: replacing "a" deletes the old version.
  apply_batch(*index, {upsert("a", 7, "red cap")});
  EXPECT_EQ(with_term(*index->snapshot(), "red"), (std::set<std::string>{"a", "d"}));
  EXPECT_EQ(live(*index->snapshot()).at("a"),
            std::make_pair(std::uint64_t{7}, std::string("red cap")));
}

TEST(NativeIndex, AnIdSeveralTimesInABatchKeepsTheNewest) {
  TempDir dir;
  auto index = open_index(dir.file("i"));
  ASSERT_TRUE(index);
  apply_batch(*index, {upsert("a", 1, "one"), upsert("a", 2, "two"), upsert("b", 3, "x"),
                       erase("b", 4), upsert("b", 5, "three"), upsert("a", 1, "stale")});
  EXPECT_EQ(live(*index->snapshot()), (Records{{"a", {2, "two"}}, {"b", {5, "three"}}}));
  index.reset();
  index = open_index(dir.file("i"));
  EXPECT_EQ(live(*index->snapshot()), (Records{{"a", {2, "two"}}, {"b", {5, "three"}}}));
}

TEST(NativeIndex, ARefusedRecordIsRejectedAndItsOlderVersionStays) {
  TempDir dir;
  auto index = open_index(dir.file("i"));
  ASSERT_TRUE(index);
  apply_batch(*index, {upsert("a", 1, "fine")});
  auto rejected = apply_batch(*index, {upsert("a", 2, "refuse me"), upsert("b", 3, "refuse")});
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].seq, 2u);
  EXPECT_EQ(rejected[0].reason, "refused");
  EXPECT_EQ(live(*index->snapshot()), (Records{{"a", {1, "fine"}}}));
  EXPECT_TRUE(with_term(*index->snapshot(), "refuse").empty());
}

TEST(NativeIndex, ClearRemovesEverythingAndItsFiles) {
  TempDir dir;
  auto index = open_index(dir.file("i"));
  ASSERT_TRUE(index);
  apply_batch(*index, {upsert("a", 1, "x")});
  apply_batch(*index, {upsert("b", 2, "x")});
  ASSERT_TRUE(index->clear().is_ok());
  EXPECT_TRUE(live(*index->snapshot()).empty());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.file("i")), {}), 1);  // manifest
  apply_batch(*index, {upsert("a", 1, "y")});  // (versions start again: the index forgot them)
  EXPECT_EQ(live(*index->snapshot()), (Records{{"a", {1, "y"}}}));
}

TEST(NativeIndex, OpeningRemovesLeftoversAndRefusesADamagedIndex) {
  TempDir dir;
  {
    auto index = open_index(dir.file("i"));
    ASSERT_TRUE(index);
    apply_batch(*index, {upsert("a", 1, "x")});
  }
  std::ofstream(dir.file("i/seg-99")) << "half a segment";
  std::ofstream(dir.file("i/seg-3.tmp")) << "being written";
  auto index = open_index(dir.file("i"));
  ASSERT_TRUE(index);
  EXPECT_FALSE(std::filesystem::exists(dir.file("i/seg-99")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("i/seg-3.tmp")));
  apply_batch(*index, {upsert("b", 2, "x")});  // numbered after the leftover: seg-100
  EXPECT_TRUE(std::filesystem::exists(dir.file("i/seg-100")));
  index.reset();

  std::ofstream(dir.file("i/seg-100"), std::ios::trunc) << "damaged";
  auto damaged = Index::open({.dir = dir.file("i"), .background_merges = false});
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(damaged.error().message().find("tandem reindex"), std::string::npos);
  std::ofstream(dir.file("i/manifest"), std::ios::trunc) << "something else\n";
  EXPECT_FALSE(Index::open({.dir = dir.file("i"), .background_merges = false}));
}

// Seeded random batches of upserts and deletes over 300 ids, merging every three parts of a size:
// after every batch, after the merges and after a reopen, the index holds what the map does.
TEST(NativeIndex, MergesKeepWhatTheBatchesMade) {
  TempDir dir;
  auto index = open_index(dir.file("i"), 3);
  ASSERT_TRUE(index);
  generator::Rng rng(11);
  Records want;
  std::uint64_t seq = 0;
  std::size_t merges = 0;
  for (int round = 0; round < 120; ++round) {
    std::vector<Change> batch;
    auto size = 1 + rng.below(round % 10 == 0 ? 200 : 12);
    for (std::uint64_t i = 0; i < size; ++i) {
      std::string id = "r" + std::to_string(rng.below(300));
      if (rng.chance(0.2)) {
        batch.push_back(erase(id, ++seq));
        want.erase(id);
      } else {
        std::string body =
            "w" + std::to_string(rng.below(20)) + " w" + std::to_string(rng.below(20));
        batch.push_back(upsert(id, ++seq, body));
        want[id] = {seq, body};
      }
    }
    apply_batch(*index, batch);
    ASSERT_EQ(live(*index->snapshot()), want) << "round " << round;
    if (round % 5 == 4) {
      auto merged = index->merge_pending();
      ASSERT_TRUE(merged.has_value()) << merged.error().message();
      merges += *merged;
      ASSERT_EQ(live(*index->snapshot()), want) << "merged, round " << round;
    }
  }
  EXPECT_GT(merges, 10u);
  EXPECT_LT(index->snapshot()->parts.size(), 20u);
  std::set<std::string> w3;
  for (const auto& [id, record] : want) {
    if (record.second.starts_with("w3 ") || record.second.ends_with(" w3")) w3.insert(id);
  }
  EXPECT_EQ(with_term(*index->snapshot(), "w3"), w3);
  index.reset();
  index = open_index(dir.file("i"), 3);
  ASSERT_TRUE(index);
  EXPECT_EQ(live(*index->snapshot()), want);
  // Every file is a part the manifest names (the merged inputs are gone).
  std::size_t files = std::distance(std::filesystem::directory_iterator(dir.file("i")), {});
  EXPECT_EQ(files, index->snapshot()->parts.size() + 1);
}

// A batch that lands while a merge writes: the documents it deletes or replaces in the merge's
// inputs stay deleted in the merged part (in a segment of deletions), also after a reopen, and
// the ids of the moved documents still find them.
TEST(NativeIndex, ABatchDuringAMergeIsKeptByTheMerge) {
  TempDir dir;
  std::function<void()> during;
  auto opened = Index::open(
      {.dir = dir.file("i"), .merge_factor = 2, .background_merges = false, .merge_written = [&] {
         if (during) std::exchange(during, nullptr)();
       }});
  ASSERT_TRUE(opened.has_value());
  auto& index = **opened;
  apply_batch(index, {upsert("a", 1, "x"), upsert("b", 2, "x"), upsert("c", 3, "x")});
  apply_batch(index, {upsert("d", 4, "x"), upsert("e", 5, "x")});
  during = [&] { apply_batch(index, {erase("a", 6), upsert("d", 7, "y"), upsert("f", 8, "y")}); };
  auto merged = index.merge_pending();
  ASSERT_TRUE(merged.has_value()) << merged.error().message();
  EXPECT_GE(*merged, 1u);
  Records want = {
      {"b", {2, "x"}}, {"c", {3, "x"}}, {"d", {7, "y"}}, {"e", {5, "x"}}, {"f", {8, "y"}}};
  EXPECT_EQ(live(*index.snapshot()), want);
  EXPECT_EQ(with_term(*index.snapshot(), "x"), (std::set<std::string>{"b", "c", "e"}));
  apply_batch(index, {upsert("b", 9, "z"), erase("e", 10)});  // moved documents, found by id
  want["b"] = {9, "z"};
  want.erase("e");
  EXPECT_EQ(live(*index.snapshot()), want);
  opened->reset();
  auto reopened = open_index(dir.file("i"), 2);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(live(*reopened->snapshot()), want);
}

// Batches while the background merges run: what each batch made is there at every step, and
// after a reopen.
TEST(NativeIndex, BackgroundMergesKeepUpWithBatches) {
  TempDir dir;
  auto index = open_index(dir.file("i"), 4, true);
  ASSERT_TRUE(index);
  generator::Rng rng(5);
  Records want;
  std::uint64_t seq = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<Change> batch;
    for (std::uint64_t i = 0, n = 1 + rng.below(30); i < n; ++i) {
      std::string id = "r" + std::to_string(rng.below(2000));
      if (rng.chance(0.15)) {
        batch.push_back(erase(id, ++seq));
        want.erase(id);
      } else {
        ++seq;
        batch.push_back(upsert(id, seq, "v" + std::to_string(seq)));
        want[id] = {seq, "v" + std::to_string(seq)};
      }
    }
    apply_batch(*index, batch);
    if (round % 50 == 0) {
      ASSERT_EQ(live(*index->snapshot()), want) << "round " << round;
    }
  }
  ASSERT_TRUE(index->merge_pending().has_value());
  EXPECT_EQ(live(*index->snapshot()), want);
  EXPECT_LT(index->snapshot()->parts.size(), 30u);
  index.reset();
  index = open_index(dir.file("i"), 4, true);
  ASSERT_TRUE(index);
  EXPECT_EQ(live(*index->snapshot()), want);
}

}  // namespace
}  // namespace tandem::search::native
