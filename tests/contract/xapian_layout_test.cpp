// The Xapian backend's on-disk layout: an index written by another layout is refused with the
// way out, never searched with the wrong terms; a damaged one is an error, never an empty answer.
#include <gtest/gtest.h>
#include <xapian.h>

#include <fstream>
#include <random>

#include "query/parse.h"
#include "search/xapian/layout.h"
#include "search/xapian/xapian_search.h"
#include "support/temp_dir.h"

namespace tandem::search {
namespace {

std::shared_ptr<const schema::Collection> shop_schema() {
  return std::make_shared<const schema::Collection>(
      *schema::collection_from_json(R"({"name":"shop","fields":[{"name":"name","type":"text"}]})"));
}

// One record of the shop, as its first change.
const std::vector<changes::Change> kBrassLamp{{.seq = 1,
                                               .collection = "shop",
                                               .id = "a",
                                               .op = changes::ChangeOp::kUpsert,
                                               .body = R"({"id":"a","name":"Brass Lamp"})"}};

// Words as Xapian's own iterator cuts them, a character at a time, Latin letters folded: the
// reference for the tokenizer's ASCII fast path.
std::vector<std::string> reference_words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (Xapian::Utf8Iterator it(text.data(), text.size()); it != Xapian::Utf8Iterator(); ++it) {
    if ((*it == '+' || *it == '#') && !word.empty()) {  // a word's own pluses and hashes
      auto end = it;
      std::string signs;
      for (; end != Xapian::Utf8Iterator() && (*end == '+' || *end == '#'); ++end)
        signs.push_back(static_cast<char>(*end));
      if (end == Xapian::Utf8Iterator() || (*end < 0x80 && !Xapian::Unicode::is_wordchar(*end))) {
        word += signs;
        for (std::size_t i = 1; i < signs.size(); ++i)
          ++it;
        continue;
      }
    }
    if (Xapian::Unicode::is_wordchar(*it)) {
      unsigned lower = Xapian::Unicode::tolower(*it);
      auto folded = xapian_backend::fold_latin(lower);
      if (folded.empty()) {
        Xapian::Unicode::append_utf8(word, lower);
      } else {
        word.append(folded);
      }
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

TEST(XapianLayout, WordsAreCutAsXapianCutsThemInAsciiAndBeyond) {
  using xapian_backend::tokenize;
  EXPECT_EQ(tokenize("Café_au-lait, 5.3 ÉCOLE naïve"),
            (std::vector<std::string>{"cafe_au", "lait", "5", "3", "ecole", "naive"}));
  // Diacritics folded, letters without a decomposition spelled out; other scripts kept as they are.
  EXPECT_EQ(tokenize("Straße Ærøskøbing Łódź Œuvre ĳssel Ünïcödé Москва 東京"),
            (std::vector<std::string>{"strasse", "aeroskobing", "lodz", "oeuvre", "ijssel",
                                      "unicode", "москва", "東京"}));
  // Pluses and hashes ending a word are part of it; elsewhere they separate words.
  EXPECT_EQ(tokenize("C++ and C#, F#. a+b #tag x++y g++-12 usb-c python3.11 4k"),
            (std::vector<std::string>{"c++", "and", "c#", "f#", "a", "b", "tag", "x", "y", "g++",
                                      "12", "usb", "c", "python3", "11", "4k"}));
  std::vector<std::pair<std::size_t, std::size_t>> places;
  xapian_backend::for_each_word("Über  Straße!", [&](const std::string&, std::size_t b,
                                                     std::size_t e) { places.emplace_back(b, e); });
  EXPECT_EQ(places, (std::vector<std::pair<std::size_t, std::size_t>>{{0, 5}, {7, 14}}));
  // Random bytes, valid UTF-8 or not, mostly ASCII with multi-byte characters among them.
  std::mt19937 rng(7);
  const std::vector<std::string> pieces{
      "a",    "Z",    "0",    "_",           " ", "-",  "+",
      "#",    ".",    "é",    "Ü",           "ß", "中", "\xe2\x80\x94",
      "\xff", "\xc3", "\x80", "\xf0\x9f\x98"};
  for (int i = 0; i < 5000; ++i) {
    std::string text;
    for (int n = static_cast<int>(rng() % 24); n > 0; --n)
      text += pieces[rng() % pieces.size()];
    ASSERT_EQ(tokenize(text), reference_words(text)) << "text: " << text;
  }
}

TEST(XapianLayout, AnIndexOfAnotherLayoutIsRefusedUntilRebuilt) {
  testing::TempDir dir;
  auto shop = shop_schema();
  {  // as the first layout left it: documents, and no layout in the metadata
    std::filesystem::create_directories(dir.file("shop"));
    Xapian::WritableDatabase old(dir.file("shop/shard-0"), Xapian::DB_CREATE_OR_OPEN);
    Xapian::Document doc;
    doc.add_term("lamp");
    old.add_document(doc);
    old.commit();
  }
  auto backend = XapianSearch::open({.dir = dir.path().string(),
                                     .shards = 1,
                                     .collection = [&](std::string_view) { return shop; }});
  ASSERT_TRUE(backend);
  SearchRequest r{.collection = shop, .text = *query::parse_text("lamp", true)};
  auto refused = (*backend)->search(r);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), core::StatusCode::kUnavailable);
  EXPECT_NE(refused.error().message().find("tandem reindex"), std::string::npos)
      << refused.error().message();

  ASSERT_TRUE((*backend)->clear("shop").is_ok());  // what `tandem reindex` does first
  ASSERT_TRUE((*backend)->apply(kBrassLamp));
  auto found = (*backend)->search(r);
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_EQ(found->found, 1u);
}

// Xapian's errors are not std::exceptions: each call catches them and answers kUnavailable with
// Xapian's message, and a count is never a silent 0.
TEST(XapianLayout, ADamagedIndexIsAnErrorNotAnEmptyAnswer) {
  testing::TempDir dir;
  auto shop = shop_schema();
  XapianOptions options{.dir = dir.path().string(),
                        .shards = 1,
                        .collection = [&](std::string_view) { return shop; }};
  {
    auto backend = XapianSearch::open(options);
    ASSERT_TRUE(backend);
    ASSERT_TRUE((*backend)->apply(kBrassLamp));
    ASSERT_EQ(*(*backend)->count("shop"), 1u);
  }
  for (const auto& f : std::filesystem::directory_iterator(dir.file("shop/shard-0")))
    std::ofstream(f.path(), std::ios::trunc) << "not a xapian table";
  auto backend = XapianSearch::open(options);
  ASSERT_TRUE(backend);
  auto count = (*backend)->count("shop");
  ASSERT_FALSE(count) << "counted " << *count;
  EXPECT_EQ(count.error().code(), core::StatusCode::kUnavailable);
  EXPECT_NE(count.error().message().find("DatabaseCorruptError"), std::string::npos)
      << count.error().message();
  SearchRequest r{.collection = shop, .text = *query::parse_text("lamp", true)};
  auto found = (*backend)->search(r);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code(), core::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tandem::search
