// The native matcher against Xapian's: the same generated products indexed by both (the layout's
// terms), the same random query trees (every operator, scale factors, tiers, phrases), the same
// matches with the same weights, and the page in the same order.
#include <gtest/gtest.h>
#include <xapian.h>

#include <cmath>
#include <map>

#include "generator/generator.h"
#include "query/parse.h"
#include "search/native/match.h"
#include "search/xapian/columns.h"
#include "search/xapian/compile.h"
#include "search/xapian/layout.h"
#include "support/temp_dir.h"

namespace tandem::search::native {
namespace {

using testing::TempDir;
using Op = Query::Op;

constexpr std::size_t kRecords = 3000;

class NativeMatch : public ::testing::Test {
 protected:
  void SetUp() override {
    auto collection = schema::products_collection();
    generator::Generator gen(3, std::chrono::system_clock::time_point{});
    Xapian::WritableDatabase db(dir_.file("xapian"), Xapian::DB_CREATE);
    auto index =
        Index::open({.dir = dir_.file("native"), .merge_factor = 2, .background_merges = false});
    ASSERT_TRUE(index.has_value());
    index_ = std::move(*index);
    std::vector<changes::Change> batch;
    auto flush = [&] {
      std::vector<const changes::Change*> pointers;
      for (const auto& c : batch)
        pointers.push_back(&c);
      auto applied = index_->apply(pointers, [&](SegmentWriter& w, const changes::Change& c) {
        return xapian_backend::index_fields(w, collection, c.body);
      });
      ASSERT_TRUE(applied.has_value());
      batch.clear();
    };
    for (std::size_t i = 0; i < kRecords; ++i) {
      std::string id = "p" + std::to_string(i), body = gen.next();
      auto doc = xapian_backend::build_document(collection, id, body, i + 1);
      ASSERT_TRUE(doc.has_value());
      db.add_document(*doc);  // docid i + 1
      batch.push_back({.seq = i + 1, .collection = "products", .id = id, .body = body});
      if (batch.size() == 700) flush();
    }
    flush();
    db.commit();
    ASSERT_TRUE(index_->merge_pending().has_value());  // merged parts and batches' parts both
    snapshot_ = index_->snapshot();
    ASSERT_GE(snapshot_->parts.size(), 2u);
    reader_ = Xapian::Database(dir_.file("xapian"));
    // Terms of every kind and frequency, from the first part's dictionary.
    const Segment& seg = *snapshot_->parts[0].segment;
    for (std::size_t t = 0; t < seg.terms(); t += 1 + seg.terms() / 400) {
      std::string term(seg.term(t));
      (seg.positional(t) ? words_ : terms_).push_back(term);
    }
    ASSERT_GT(words_.size(), 20u);
    ASSERT_GT(terms_.size(), 20u);
  }

  // A document's place in Xapian's order: its part's documents before it, plus one.
  Xapian::docid xapian_id(const Match& m) const {
    Xapian::docid before = 0;
    for (std::size_t p = 0; p < m.part; ++p)
      before += snapshot_->parts[p].segment->documents();
    return before + m.doc + 1;
  }

  Query random_query(generator::Rng& rng, int depth) {
    auto pick = [&](const std::vector<std::string>& from) { return from[rng.below(from.size())]; };
    if (depth == 0 || rng.chance(0.3)) {
      return Query(rng.chance(0.6) ? pick(words_) : pick(terms_));
    }
    static constexpr double kFactors[] = {0.0, 0.5, 1.7, 3.0, 2 * kFlatWeight};
    std::vector<Query> subs;
    auto n = 2 + rng.below(3);
    switch (rng.below(8)) {
      case 0: return Query::scaled(random_query(rng, depth - 1), kFactors[rng.below(5)]);
      case 1: {  // adjacent words, or within a window
        std::vector<Query> words;
        for (std::uint64_t i = 0; i < n; ++i)
          words.emplace_back(pick(words_));
        return Query(Op::kPhrase, std::move(words),
                     static_cast<std::uint32_t>(n + rng.below(3) * 4));
      }
      case 2: {
        std::vector<Query> terms;
        for (std::uint64_t i = 0; i < n; ++i)
          terms.emplace_back(rng.chance(0.5) ? pick(words_) : pick(terms_));
        return Query::scaled(Query(Op::kSynonym, std::move(terms)), kFactors[1 + rng.below(4)]);
      }
      default: break;
    }
    static constexpr Op kOps[] = {Op::kAnd, Op::kOr, Op::kAndNot, Op::kAndMaybe, Op::kOr};
    Op op = kOps[rng.below(5)];
    for (std::uint64_t i = 0; i < n; ++i)
      subs.push_back(random_query(rng, depth - 1));
    return Query(op, std::move(subs));
  }

  // Every match of `q` by Xapian: docid -> weight.
  std::map<Xapian::docid, double> xapian_all(const Query& q) {
    Xapian::Enquire enquire(reader_);
    enquire.set_weighting_scheme(xapian_backend::ranking());
    enquire.set_query(xapian_backend::to_xapian(q));
    std::map<Xapian::docid, double> out;
    auto mset = enquire.get_mset(0, reader_.get_doccount());
    for (auto it = mset.begin(); it != mset.end(); ++it)
      out[*it] = it.get_weight();
    return out;
  }

  TempDir dir_;
  std::unique_ptr<Index> index_;
  std::shared_ptr<const Snapshot> snapshot_;
  Xapian::Database reader_;
  std::vector<std::string> words_, terms_;  // terms with positions, and without
};

bool same_weight(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a));
}

TEST_F(NativeMatch, RandomQueriesMatchAndWeighAsXapian) {
  generator::Rng rng(17);
  std::size_t matched = 0, phrases = 0;
  for (int round = 0; round < 400; ++round) {
    Query q = random_query(rng, 3);
    auto want = xapian_all(q);
    std::map<Xapian::docid, double> got;
    for_each_match(*snapshot_, q, [&](const Match& m) {
      got[xapian_id(m)] = m.weight;
      return true;
    });
    ASSERT_EQ(got.size(), want.size())
        << "round " << round << ": " << xapian_backend::to_xapian(q).get_description();
    for (const auto& [doc, weight] : want) {
      ASSERT_TRUE(got.contains(doc)) << round;
      ASSERT_TRUE(same_weight(got[doc], weight))
          << round << " doc " << doc << ": " << got[doc] << " vs " << weight << " in "
          << xapian_backend::to_xapian(q).get_description();
    }
    // The page: best first, equal weights in index order, which is Xapian's docid order.
    auto page = match(*snapshot_, q, 3, 15);
    EXPECT_EQ(page.found, want.size());
    std::vector<std::pair<double, Xapian::docid>> ranked;
    for (const auto& [doc, weight] : want)
      ranked.emplace_back(-weight, doc);
    std::sort(ranked.begin(), ranked.end());
    ASSERT_EQ(page.matches.size(),
              std::min<std::size_t>(15, ranked.size() > 3 ? ranked.size() - 3 : 0));
    for (std::size_t i = 0; i < page.matches.size(); ++i) {
      const auto& [negated, doc] = ranked[i + 3];
      // (weights a rounding apart may swap: then only the weight must agree)
      if (xapian_id(page.matches[i]) != doc) {
        ASSERT_TRUE(same_weight(page.matches[i].weight, -negated)) << round << " at " << i;
      }
    }
    matched += want.empty() ? 0 : 1;
    phrases += xapian_backend::to_xapian(q).get_description().find("PHRASE") != std::string::npos;
  }
  EXPECT_GT(matched, 150u);  // the trees are not all empty
  EXPECT_GT(phrases, 50u);
}

TEST_F(NativeMatch, PhrasesNeedTheWordsInOrderWithinTheWindow) {
  // Two words adjacent in some record's text, found through a positional term's postings.
  const Segment& seg = *snapshot_->parts[0].segment;
  std::vector<std::uint32_t> positions;
  std::map<std::uint32_t, std::string> at;  // position -> word, in document 0
  for (std::size_t t = 0; t < seg.terms(); ++t) {
    if (!seg.positional(t)) continue;
    auto it = seg.postings(t);
    if (it.doc() != 0) continue;
    it.positions(positions);
    for (auto p : positions)
      at[p] = std::string(seg.term(t));
  }
  ASSERT_GE(at.size(), 3u);
  auto first = at.begin();
  auto second = std::next(first);
  ASSERT_EQ(second->first, first->first + 1);
  auto phrase = [&](std::vector<std::string> words, std::uint32_t window) {
    std::vector<Query> subs;
    for (auto& w : words)
      subs.emplace_back(w);
    return Query(Op::kPhrase, std::move(subs), window);
  };
  for (const auto& q :
       {phrase({first->second, second->second}, 2), phrase({second->second, first->second}, 2),
        phrase({first->second, second->second}, 5), phrase({first->second, first->second}, 3)}) {
    auto want = xapian_all(q);
    std::size_t got = 0;
    bool has_first = false;
    for_each_match(*snapshot_, q, [&](const Match& m) {
      ++got;
      has_first = has_first || xapian_id(m) == 1;
      EXPECT_TRUE(want.contains(xapian_id(m)));
      return true;
    });
    EXPECT_EQ(got, want.size()) << xapian_backend::to_xapian(q).get_description();
    EXPECT_EQ(has_first, want.contains(1));
  }
  EXPECT_TRUE(xapian_all(phrase({first->second, second->second}, 2)).contains(1));
}

// Deleted documents (replaced, or deleted) never match, in any part.
TEST_F(NativeMatch, DeletedDocumentsNeverMatch) {
  const Segment& seg = *snapshot_->parts[0].segment;
  std::string word(seg.term(*seg.find(words_[words_.size() / 2])));
  std::size_t before = match(*snapshot_, Query(word), 0, 0).found;
  ASSERT_GT(before, 2u);
  std::vector<changes::Change> deletes;
  std::uint64_t seq = kRecords + 1;
  for_each_match(*snapshot_, Query(word), [&](const Match& m) {
    if (deletes.size() < 2)
      deletes.push_back({.seq = seq++,
                         .collection = "products",
                         .id = std::string(snapshot_->parts[m.part].segment->id(m.doc)),
                         .op = changes::ChangeOp::kDelete});
    return true;
  });
  std::vector<const changes::Change*> pointers;
  for (const auto& c : deletes)
    pointers.push_back(&c);
  ASSERT_TRUE(index_->apply(pointers, nullptr).has_value());
  EXPECT_EQ(match(*index_->snapshot(), Query(word), 0, 0).found, before - 2);
  EXPECT_EQ(match(*snapshot_, Query(word), 0, 0).found, before);  // (an older snapshot holds)
}

// A query that weighs nothing: its page in index order (Xapian's docid order), the count exact up
// to `check` and estimated beyond, with the matching stopped early.
// Matched in runs on two threads, the same matches, weights, page and count as on one, with a
// filter too.
TEST_F(NativeMatch, RunsOnThreadsMatchAsOneThread) {
  core::ForkJoin pool(1);
  generator::Rng rng(11);
  std::vector<Bits> halves;  // every other document of each part
  for (const auto& part : snapshot_->parts) {
    Bits b;
    for (DocId d = 0; d < part.segment->documents(); d += 2)
      set(b, d);
    halves.push_back(std::move(b));
  }
  std::vector<const Bits*> filter;
  for (const auto& b : halves)
    filter.push_back(&b);
  auto same = [](const Match& a, const Match& b) {
    return a.part == b.part && a.doc == b.doc && a.weight == b.weight;
  };
  for (int i = 0; i < 200; ++i) {
    Query q = random_query(rng, 3);
    std::span<const Bits* const> f;
    if (i % 2 == 1) f = filter;
    auto one = match(*snapshot_, q, 3, 20, UINT64_MAX, f);
    auto two = match(*snapshot_, q, 3, 20, UINT64_MAX, f, &pool, 0);
    EXPECT_EQ(two.found, one.found) << i;
    ASSERT_EQ(two.matches.size(), one.matches.size()) << i;
    for (std::size_t m = 0; m < one.matches.size(); ++m)
      EXPECT_TRUE(same(two.matches[m], one.matches[m])) << i << " #" << m;
    std::vector<Match> each;
    for_each_match(
        *snapshot_, q,
        [&](const Match& m) {
          each.push_back(m);
          return true;
        },
        f);
    auto every = every_match(*snapshot_, q, f, &pool, 0);
    ASSERT_EQ(every.size(), each.size()) << i;
    for (std::size_t m = 0; m < each.size(); ++m)
      EXPECT_TRUE(same(every[m], each[m])) << i << " #" << m;
  }
}

TEST_F(NativeMatch, WeightlessQueriesStopOnceCountedEnough) {
  // A word in about half the first part's documents.
  const Segment& seg = *snapshot_->parts[0].segment;
  std::size_t common = 0;
  auto distance = [&](std::size_t t) {
    return std::abs(static_cast<double>(seg.term_docs(t)) / seg.documents() - 0.5);
  };
  for (std::size_t t = 0; t < seg.terms(); ++t)
    if (seg.positional(t) && distance(t) < distance(common)) common = t;
  Query q = Query::scaled(Query(std::string(seg.term(common))), 0);
  auto want = xapian_all(q);
  ASSERT_GT(want.size(), 1000u);
  auto exact = match(*snapshot_, q, 5, 10);
  EXPECT_EQ(exact.found, want.size());
  EXPECT_FALSE(exact.estimated);
  auto early = match(*snapshot_, q, 5, 10, 200);
  EXPECT_TRUE(early.estimated);
  EXPECT_GE(early.found, 200u);
  EXPECT_LT(early.found, kRecords);
  EXPECT_NEAR(static_cast<double>(early.found), static_cast<double>(want.size()),
              want.size() * 0.5);
  ASSERT_EQ(early.matches.size(), 10u);
  auto in_order = want.begin();
  std::advance(in_order, 5);
  for (std::size_t i = 0; i < 10; ++i, ++in_order) {
    EXPECT_EQ(xapian_id(early.matches[i]), in_order->first);
    EXPECT_EQ(early.matches[i].weight, 0);
    EXPECT_EQ(xapian_id(exact.matches[i]), in_order->first);
  }
  EXPECT_EQ(match(*snapshot_, q, 0, 10, want.size()).estimated, false);  // (counted to the end)
}

// Columns read from the native parts' segments answer filters, facets and sort keys as those
// read from the Xapian index of the same records (Xapian's docid n is the n - 1th document in
// the parts, one after the other).
TEST_F(NativeMatch, ColumnsFromSegmentsAnswerAsFromXapian) {
  auto collection = schema::products_collection();
  xapian_backend::Columns from_xapian(collection);
  from_xapian.load(dir_.file("xapian"));
  std::vector<std::unique_ptr<xapian_backend::Columns>> parts;
  for (const auto& p : snapshot_->parts) {
    parts.push_back(std::make_unique<xapian_backend::Columns>(collection));
    parts.back()->load(*p.segment);
  }
  // A document's bits in the parts' columns, as Xapian docids.
  auto combined = [&](const std::function<Bits(const xapian_backend::Columns&)>& of) {
    Bits out;
    Xapian::docid before = 0;
    for (std::size_t p = 0; p < parts.size(); ++p) {
      Bits bits = of(*parts[p]);
      for (DocId d = 0; d < snapshot_->parts[p].segment->documents(); ++d)
        if (test(bits, d)) set(out, before + d + 1);
      before += snapshot_->parts[p].segment->documents();
    }
    return out;
  };
  for (const char* text : {"price < 50", "brand IN [acme, globex]", "in_stock = true",
                           "category = Electronics AND price >= 20", "stock 5 TO 50",
                           "NOT rating > 4", "created_at > \"1969-12-15T00:00:00Z\""}) {
    auto f = query::parse_filter(text);
    ASSERT_TRUE(f.has_value()) << text;
    ASSERT_TRUE(xapian_backend::compile_filter(*f, collection).has_value()) << text;
    ASSERT_TRUE(from_xapian.covers(&*f));
    for (const auto& c : parts)
      ASSERT_TRUE(c->covers(&*f)) << text;
    Bits want = from_xapian.match(&*f);
    Bits got = combined([&](const xapian_backend::Columns& c) { return c.match(&*f); });
    want.resize(std::max(want.size(), got.size()));
    got.resize(want.size());
    EXPECT_EQ(got, want) << text;
    EXPECT_GT(count(got), 0u) << text;
  }
  // Facet counts over every document, and the sort keys of a few.
  for (std::size_t field : {2u, 3u, 8u}) {
    std::unordered_map<std::string, std::uint64_t> want, got;
    ASSERT_TRUE(from_xapian.count(field, from_xapian.match(nullptr), want));
    for (const auto& c : parts)
      ASSERT_TRUE(c->count(field, c->match(nullptr), got));
    EXPECT_EQ(got, want) << field;
  }
  Xapian::docid before = 0;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    for (DocId d = 0; d < 50; ++d) {
      for (std::size_t field : {3u, 4u, 10u}) {
        auto a = parts[p]->key(field, d);
        auto b = from_xapian.key(field, before + d + 1);
        ASSERT_EQ(a.has_value(), b.has_value());
        if (!a) continue;
        EXPECT_EQ(a->number, b->number);
        EXPECT_EQ(a->text ? *a->text : "", b->text ? *b->text : "");
      }
    }
    before += snapshot_->parts[p].segment->documents();
  }
}

}  // namespace
}  // namespace tandem::search::native

namespace tandem::search::native {
namespace {

// A keyword list with more values than a bit set holds (65 and more): its columns switch to
// lists of codes, keep what they had, and still filter and count.
TEST(NativeColumns, KeywordListsBeyondSixtyFourValuesAreKept) {
  TempDir dir;
  auto collection = schema::products_collection();
  std::size_t tags = static_cast<std::size_t>(xapian_backend::field_index(collection, "tags"));
  SegmentWriter w;
  for (DocId d = 0; d < 300; ++d) {
    std::string value = "t" + std::to_string(d % 100);
    value += xapian_backend::kListSeparator;
    value += "Common";
    w.add_value(xapian_backend::slot_of(tags), value);
    w.end_document("r" + std::to_string(d), d + 1, "");
  }
  ASSERT_TRUE(w.write(dir.file("seg"), false).is_ok());
  auto seg = Segment::open(dir.file("seg"));
  ASSERT_TRUE(seg.has_value());
  xapian_backend::Columns columns(collection);
  columns.load(**seg);
  auto f = query::parse_filter("tags IN [t5, T70]");
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE(columns.covers(&*f));
  Bits matched = columns.match(&*f);
  EXPECT_EQ(count(matched), 6u);  // 5, 105, 205, 70, 170, 270
  EXPECT_TRUE(test(matched, 5) && test(matched, 270) && !test(matched, 6));
  auto all = query::parse_filter("tags = common");
  EXPECT_EQ(count(columns.match(&*all)), 300u);
  std::unordered_map<std::string, std::uint64_t> counts;
  ASSERT_TRUE(columns.count(tags, matched, counts));
  EXPECT_EQ(counts,
            (std::unordered_map<std::string, std::uint64_t>{{"t5", 3}, {"t70", 3}, {"Common", 6}}));
}

}  // namespace
}  // namespace tandem::search::native
