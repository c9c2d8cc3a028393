// Segments of the native index: what a writer adds is what the file reads back, skip_to lands
// where a plain scan does, and a damaged file is refused or read without reading past its end.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "generator/generator.h"
#include "search/native/segment.h"
#include "search/xapian/layout.h"
#include "support/temp_dir.h"

namespace tandem::search::native {
namespace {

using testing::TempDir;

std::shared_ptr<const Segment> write_and_open(const SegmentWriter& w, const std::string& path) {
  auto st = w.write(path, false);
  EXPECT_TRUE(st.is_ok()) << st.message();
  auto s = Segment::open(path);
  EXPECT_TRUE(s.has_value()) << s.error().message();
  return s ? *s : nullptr;
}

std::vector<std::pair<DocId, std::uint32_t>> scan(const Segment& s, std::string_view term) {
  std::vector<std::pair<DocId, std::uint32_t>> out;
  auto i = s.find(term);
  if (!i) return out;
  for (auto it = s.postings(*i); !it.at_end(); it.next())
    out.emplace_back(it.doc(), it.wdf());
  return out;
}

TEST(NativeSegment, ReadsBackTermsPositionsValuesAndRecords) {
  TempDir dir;
  SegmentWriter w;
  w.add_posting("red", 1, 2);
  w.add_posting("shoe", 2);
  w.add_posting("red", 5);  // again: wdf adds up, positions too
  w.add_term("XT0:red", 3);
  w.add_boolean_term("XK1:shoes");
  w.add_value(1, "first");
  w.add_value(2, "two");
  w.add_value(1, "last");  // a slot set twice keeps the last
  EXPECT_EQ(w.end_document("a", 7, R"({"id":"a"})"), 0u);
  w.add_posting("shoe", 3);
  w.add_posting("shoe", 3);  // the same position twice: kept once
  EXPECT_EQ(w.end_document("b", 9, R"({"id":"b"})"), 1u);
  w.add_term("XT0:lost");
  w.discard_document();
  EXPECT_EQ(w.end_document("c", 10, ""), 2u);  // a document without terms
  w.add_deletion({.segment = 4, .doc = 11});
  auto s = write_and_open(w, dir.file("seg"));
  ASSERT_TRUE(s);

  EXPECT_EQ(s->documents(), 3u);
  ASSERT_EQ(s->terms(), 4u);  // in byte order; the discarded document's term is not there
  EXPECT_EQ(s->term(0), "XK1:shoes");
  EXPECT_EQ(s->term(1), "XT0:red");
  EXPECT_EQ(s->term(2), "red");
  EXPECT_EQ(s->term(3), "shoe");
  EXPECT_FALSE(s->find("XT0:lost"));
  EXPECT_FALSE(s->find("sho"));
  EXPECT_EQ(s->lower_bound("s"), 3u);
  EXPECT_EQ(s->lower_bound("zzz"), 4u);

  EXPECT_EQ(scan(*s, "red"), (std::vector<std::pair<DocId, std::uint32_t>>{{0, 3}}));
  EXPECT_EQ(scan(*s, "shoe"), (std::vector<std::pair<DocId, std::uint32_t>>{{0, 1}, {1, 2}}));
  EXPECT_EQ(scan(*s, "XK1:shoes"), (std::vector<std::pair<DocId, std::uint32_t>>{{0, 0}}));
  EXPECT_EQ(s->term_docs(*s->find("shoe")), 2u);
  EXPECT_EQ(s->term_wdf_max(*s->find("shoe")), 2u);

  std::vector<std::uint32_t> positions;
  auto red = s->postings(*s->find("red"));
  red.positions(positions);
  EXPECT_EQ(positions, (std::vector<std::uint32_t>{1, 5}));
  auto shoe = s->postings(*s->find("shoe"));
  shoe.positions(positions);
  EXPECT_EQ(positions, (std::vector<std::uint32_t>{2}));
  shoe.next();
  shoe.positions(positions);
  EXPECT_EQ(positions, (std::vector<std::uint32_t>{3}));
  auto prefixed = s->postings(*s->find("XT0:red"));
  prefixed.positions(positions);
  EXPECT_TRUE(positions.empty());

  EXPECT_EQ(s->id(0), "a");
  EXPECT_EQ(s->seq(1), 9u);
  EXPECT_EQ(s->body(1), R"({"id":"b"})");
  EXPECT_EQ(s->body(2), "");
  EXPECT_EQ(s->value(0, 1), "last");
  EXPECT_EQ(s->value(0, 2), "two");
  EXPECT_FALSE(s->value(0, 3));
  EXPECT_FALSE(s->value(1, 1));
  EXPECT_EQ(s->values(0).size(), 3u);
  EXPECT_EQ(s->find_id("b"), std::vector<DocId>{1});
  EXPECT_TRUE(s->find_id("d").empty());
  EXPECT_EQ(s->deletions(), (std::vector<Deletion>{{4, 11}}));
}

// A term in some of 5,000 documents (every 1st, 3rd or 97th), wdf and positions varying: every
// skip_to from every few documents lands on the first posting at or after its target, with the
// wdf and positions a plain scan finds there.
TEST(NativeSegment, SkipToLandsWhereAScanDoes) {
  TempDir dir;
  SegmentWriter w;
  constexpr DocId kDocs = 5000;
  std::map<std::string, std::map<DocId, std::vector<std::uint32_t>>> expected;
  for (DocId d = 0; d < kDocs; ++d) {
    for (DocId step : {1u, 3u, 97u}) {
      if (d % step != 0) continue;
      std::string term = "t" + std::to_string(step);
      auto& pos = expected[term][d];
      for (std::uint32_t p = 0; p <= d % 4; ++p) {
        pos.push_back(d % 13 + p * 1000);
        w.add_posting(term, d % 13 + p * 1000);
      }
    }
    w.add_term("u" + std::to_string(d % 2));  // without positions
    w.end_document("id" + std::to_string(d), d, "");
  }
  auto s = write_and_open(w, dir.file("seg"));
  ASSERT_TRUE(s);
  std::vector<std::uint32_t> positions;
  for (const auto& [term, docs] : expected) {
    for (DocId from = 0; from < kDocs; from += 7) {
      for (DocId target : {from, from + 1, from + 130, from + 1000, kDocs + 5}) {
        auto it = s->postings(*s->find(term));
        it.skip_to(from);
        it.skip_to(target);
        auto want = docs.lower_bound(std::max(from, target));
        if (want == docs.end()) {
          EXPECT_TRUE(it.at_end()) << term << " " << target;
          continue;
        }
        ASSERT_FALSE(it.at_end()) << term << " " << target;
        ASSERT_EQ(it.doc(), want->first) << term << " " << from << " " << target;
        EXPECT_EQ(it.wdf(), want->second.size());
        it.positions(positions);
        auto sorted = want->second;
        std::sort(sorted.begin(), sorted.end());
        EXPECT_EQ(positions, sorted);
      }
    }
  }
  EXPECT_EQ(s->term_docs(*s->find("t97")), 52u);
  EXPECT_EQ(scan(*s, "u1").size(), kDocs / 2);
}

// A term first added without positions and later with: the earlier postings keep no positions,
// and skips still land (its postings were re-encoded).
TEST(NativeSegment, ATermGainingPositionsKeepsItsPostings) {
  TempDir dir;
  SegmentWriter w;
  for (DocId d = 0; d < 600; ++d) {
    if (d < 300) {
      w.add_term("w", 2);
    } else {
      w.add_posting("w", d);
    }
    w.end_document(std::to_string(d), d, "");
  }
  auto s = write_and_open(w, dir.file("seg"));
  ASSERT_TRUE(s);
  std::vector<std::uint32_t> positions;
  for (DocId target : {0u, 129u, 256u, 299u, 300u, 450u, 599u}) {
    auto it = s->postings(*s->find("w"));
    it.skip_to(target);
    ASSERT_FALSE(it.at_end());
    EXPECT_EQ(it.doc(), target);
    EXPECT_EQ(it.wdf(), target < 300 ? 2u : 1u);
    it.positions(positions);
    EXPECT_EQ(positions,
              target < 300 ? std::vector<std::uint32_t>{} : std::vector<std::uint32_t>{target});
  }
}

TEST(NativeSegment, AnIdInABatchTwiceIsFoundTwiceOldestFirst) {
  TempDir dir;
  SegmentWriter w;
  w.end_document("x", 1, "old");
  w.end_document("y", 2, "");
  w.end_document("x", 3, "new");
  auto s = write_and_open(w, dir.file("seg"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->find_id("x"), (std::vector<DocId>{0, 2}));
  EXPECT_EQ(s->body(2), "new");
}

TEST(NativeSegment, ASegmentOfDeletionsOnlyHasNoDocuments) {
  TempDir dir;
  SegmentWriter w;
  w.add_deletion({.segment = 1, .doc = 0});
  w.add_deletion({.segment = 2, .doc = 5});
  auto s = write_and_open(w, dir.file("seg"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->documents(), 0u);
  EXPECT_EQ(s->terms(), 0u);
  EXPECT_EQ(s->deletions().size(), 2u);
}

TEST(NativeSegment, AMissingFileIsNotFound) {
  TempDir dir;
  auto s = Segment::open(dir.file("none"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), core::StatusCode::kNotFound);
}

TEST(NativeSegment, WritingWhereNoFileCanBeIsUnavailableAndLeavesNothing) {
  TempDir dir;
  SegmentWriter w;
  w.end_document("a", 1, "");
  auto st = w.write(dir.file("no/such/dir/seg"), true);
  EXPECT_EQ(st.code(), core::StatusCode::kUnavailable);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Reads everything a segment offers (under ASan, any read past the mapping fails the test).
std::size_t read_everything(const Segment& s) {
  std::size_t n = 0;
  std::vector<std::uint32_t> positions;
  for (std::size_t t = 0; t < s.terms(); ++t) {
    n += s.term(t).size();
    for (auto it = s.postings(t); !it.at_end(); it.next()) {
      it.positions(positions);
      n += positions.size();
    }
    auto it = s.postings(t);
    it.skip_to(200);
  }
  for (DocId d = 0; d < s.documents(); ++d)
    n += s.id(d).size() + s.body(d).size() + s.values(d).size() + s.find_id(s.id(d)).size();
  return n + s.deletions().size();
}

// Every truncation is refused; every single byte changed is refused or read within the file.
TEST(NativeSegment, DamagedFilesAreRefusedOrReadWithinTheirBounds) {
  TempDir dir;
  SegmentWriter w;
  for (DocId d = 0; d < 140; ++d) {
    w.add_posting("common", d + 1);
    w.add_term("XT0:w" + std::to_string(d % 5), 1 + d % 3);
    w.add_value(1, "v" + std::to_string(d));
    w.end_document("id" + std::to_string(d), d, "body");
  }
  w.add_deletion({3, 4});
  std::string path = dir.file("seg");
  ASSERT_TRUE(w.write(path, false).is_ok());
  std::string good = read_file(path);
  std::string bad = dir.file("bad");
  for (std::size_t size : {std::size_t{0}, std::size_t{7}, good.size() / 2, good.size() - 1}) {
    write_file(bad, good.substr(0, size));
    auto s = Segment::open(bad);
    ASSERT_FALSE(s) << size;
    EXPECT_EQ(s.error().code(), core::StatusCode::kInvalidArgument);
  }
  std::size_t refused = 0;
  for (std::size_t at = 0; at < good.size(); ++at) {
    std::string damaged = good;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x5a);
    write_file(bad, damaged);
    auto s = Segment::open(bad);
    if (!s) {
      ++refused;
      continue;
    }
    read_everything(**s);
  }
  EXPECT_GT(refused, 0u);
}

// A term entry whose start and size wrap around 2^64 when added (found by segment_fuzz) is
// refused, not read from far outside the file.
TEST(NativeSegment, ATermEntryThatOverflowsIsRefused) {
  TempDir dir;
  SegmentWriter w;
  w.add_posting("word", 1);
  w.end_document("a", 1, "");
  std::string path = dir.file("seg");
  ASSERT_TRUE(w.write(path, false).is_ok());
  std::string bytes = read_file(path);
  // The footer: nine section starts, four counts, the magic; the terms are the ninth section.
  std::size_t footer = bytes.size() - 14 * 8;
  std::uint64_t terms_at;
  std::memcpy(&terms_at, bytes.data() + footer + 8 * 8, 8);
  std::uint64_t start = 1, size = UINT64_MAX;  // the entry's positions: 1 + size wraps to 0
  std::memcpy(bytes.data() + terms_at + 16, &start, 8);
  std::memcpy(bytes.data() + terms_at + 24, &size, 8);
  write_file(path, bytes);
  auto s = Segment::open(path);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), core::StatusCode::kInvalidArgument);
}

// The layout that indexes records into Xapian feeds a segment the same terms: every term of a
// generated record's Xapian document is in the segment with the same wdf and positions.
TEST(NativeSegment, TheLayoutIndexesARecordAsForXapian) {
  TempDir dir;
  auto c = schema::products_collection();
  generator::Generator gen(42, std::chrono::system_clock::time_point{});
  SegmentWriter w;
  std::vector<Xapian::Document> docs;
  for (int i = 0; i < 20; ++i) {
    std::string body = gen.next();
    auto doc = xapian_backend::build_document(c, "r" + std::to_string(i), body, 1);
    ASSERT_TRUE(doc.has_value());
    docs.push_back(*doc);
    ASSERT_TRUE(xapian_backend::index_fields(w, c, body).is_ok());
    w.end_document("r" + std::to_string(i), 1, body);
  }
  auto s = write_and_open(w, dir.file("seg"));
  ASSERT_TRUE(s);
  std::vector<std::uint32_t> positions;
  for (DocId d = 0; d < docs.size(); ++d) {
    std::size_t terms = 0;
    for (auto t = docs[d].termlist_begin(); t != docs[d].termlist_end(); ++t) {
      if ((*t)[0] == 'Q') continue;  // the id term: the segment keeps ids apart
      ++terms;
      auto i = s->find(*t);
      ASSERT_TRUE(i) << *t;
      auto it = s->postings(*i);
      it.skip_to(d);
      ASSERT_EQ(it.doc(), d) << *t;
      EXPECT_EQ(it.wdf(), t.get_wdf()) << *t;
      it.positions(positions);
      std::vector<std::uint32_t> want(t.positionlist_begin(), t.positionlist_end());
      EXPECT_EQ(positions, want) << *t;
    }
    EXPECT_GT(terms, 5u);
    for (Xapian::valueno slot = 1; slot < 20; ++slot) {
      std::string want = docs[d].get_value(slot);
      auto got = s->value(d, slot);
      EXPECT_EQ(got.value_or(""), want) << slot;
    }
  }
}

}  // namespace
}  // namespace tandem::search::native

namespace tandem::search::native {
namespace {

// Everything a segment says, as text: two segments with the same documents dump the same.
std::string dump(const Segment& s) {
  std::string out;
  std::vector<std::uint32_t> positions;
  for (std::size_t t = 0; t < s.terms(); ++t) {
    out += std::string(s.term(t)) + " docs=" + std::to_string(s.term_docs(t)) +
           " max=" + std::to_string(s.term_wdf_max(t)) + ":";
    for (auto it = s.postings(t); !it.at_end(); it.next()) {
      out += " " + std::to_string(it.doc()) + "/" + std::to_string(it.wdf());
      it.positions(positions);
      for (auto p : positions)
        out += "@" + std::to_string(p);
    }
    for (DocId target : {1u, 200u, 333u, 900u}) {
      auto it = s.postings(t);
      it.skip_to(target);
      out += it.at_end() ? " >end" : " >" + std::to_string(it.doc());
    }
    out += "\n";
  }
  for (DocId d = 0; d < s.documents(); ++d) {
    out += std::string(s.id(d)) + " " + std::to_string(s.seq(d)) + " " + std::string(s.body(d));
    for (const auto& [slot, v] : s.values(d))
      out += " " + std::to_string(slot) + "=" + std::string(v);
    out += " found=" + std::to_string(s.find_id(s.id(d)).size()) + "\n";
  }
  auto deletions = s.deletions();
  std::sort(deletions.begin(), deletions.end(),
            [](auto a, auto b) { return std::tie(a.segment, a.doc) < std::tie(b.segment, b.doc); });
  for (const auto& d : deletions)
    out += "deleted " + std::to_string(d.segment) + "/" + std::to_string(d.doc) + "\n";
  return out;
}

// Adds document `n` of a seeded sequence: a few of 40 words with positions, a prefixed copy,
// sometimes a value.
void add_document(SegmentWriter& w, std::uint64_t n) {
  generator::Rng rng(n * 7919 + 1);
  std::uint32_t words = 1 + static_cast<std::uint32_t>(rng.below(6));
  for (std::uint32_t p = 1; p <= words; ++p) {
    std::string word = "w" + std::to_string(rng.below(40));
    w.add_posting(word, p);
    w.add_term("XT0:" + word, 1 + static_cast<std::uint32_t>(rng.below(3)));
  }
  if (rng.chance(0.5)) w.add_value(1, "v" + std::to_string(n));
  w.end_document("id" + std::to_string(n), n, "body" + std::to_string(n));
}

TEST(NativeSegment, AMergeHoldsWhatOneSegmentOfTheLiveDocumentsWould) {
  TempDir dir;
  // Three inputs (numbers 10, 11, 12) of 300, 50 and 700 documents; deleted: every 7th of the
  // first, all of the second, none of the third.
  const std::vector<std::uint64_t> sizes = {300, 50, 700};
  std::vector<std::shared_ptr<const Segment>> segments;
  std::vector<Bits> deleted(3);
  SegmentWriter reference;  // the live documents, in order, as one segment
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    SegmentWriter w;
    for (std::uint64_t d = 0; d < sizes[i]; ++d, ++n) {
      add_document(w, n);
      bool gone = (i == 0 && d % 7 == 0) || i == 1;
      if (gone) {
        set(deleted[i], d);
      } else {
        add_document(reference, n);
      }
    }
    // Deletions held: of an input (consumed by the merge), of a segment kept, of one gone.
    w.add_deletion({.segment = 10, .doc = 3});
    w.add_deletion({.segment = 5, .doc = static_cast<DocId>(i)});
    w.add_deletion({.segment = 6, .doc = 1});
    segments.push_back(write_and_open(w, dir.file("in" + std::to_string(i))));
    ASSERT_TRUE(segments.back());
  }
  for (DocId i = 0; i < 3; ++i)
    reference.add_deletion({.segment = 5, .doc = i});
  std::vector<MergeInput> inputs;
  for (std::size_t i = 0; i < 3; ++i)
    inputs.push_back({.number = 10 + i, .segment = segments[i].get(), .deleted = &deleted[i]});
  auto renumbered = merge(
      inputs, [](std::uint64_t number) { return number == 5; }, dir.file("merged"), false);
  ASSERT_TRUE(renumbered.has_value()) << renumbered.error().message();
  auto merged = Segment::open(dir.file("merged"));
  ASSERT_TRUE(merged.has_value()) << merged.error().message();
  auto expected = write_and_open(reference, dir.file("reference"));
  ASSERT_TRUE(expected);
  EXPECT_EQ(dump(**merged), dump(*expected));
  EXPECT_EQ((*merged)->documents(), 300u - 43u + 700u);
  EXPECT_EQ((*renumbered)[0][0], kDropped);
  EXPECT_EQ((*renumbered)[0][1], 0u);
  EXPECT_EQ((*renumbered)[1][10], kDropped);
  EXPECT_EQ((*renumbered)[2][0], 257u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("merged.positions.tmp")));
}

}  // namespace
}  // namespace tandem::search::native
