// Relevance: a small hand-built corpus with queries and their expected top results, checking
// the ranking rules of DESIGN.md §3 on the embedded engines (Xapian and native, which must rank
// alike): phrases, typos, prefixes, field weights, exact before stemmed, exact before typo.
#include <gtest/gtest.h>

#include <algorithm>

#include "query/parse.h"
#include "search/native/native_search.h"
#include "search/xapian/xapian_search.h"
#include "support/temp_dir.h"

namespace tandem::search {
namespace {

class Relevance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto c = schema::collection_from_json(R"({"name":"shop","fields":[
      {"name":"name","type":"text","weight":3},
      {"name":"description","type":"text","optional":true},
      {"name":"brand","type":"keyword","searchable":true}]})");
    shop_ = std::make_shared<const schema::Collection>(*c);
    auto lookup = [this](std::string_view) { return shop_; };
    if (GetParam() == "native") {
      auto b = NativeSearch::open({.dir = dir_.path().string(), .collection = lookup});
      ASSERT_TRUE(b) << b.error().message();
      backend_ = std::move(*b);
    } else {
      auto b = XapianSearch::open({.dir = dir_.path().string(), .shards = 2, .collection = lookup});
      ASSERT_TRUE(b) << b.error().message();
      backend_ = std::move(*b);
    }
    std::vector<std::pair<std::string, std::string>> corpus = {
        {"runner-name",
         R"("name":"Trail Runner Shoes","description":"Light shoes for rough paths","brand":"Ridge")"},
        {"running-desc",
         R"("name":"Water Bottle","description":"Ideal for running and cycling","brand":"Ridge")"},
        {"runs-name", R"("name":"Runs Tracker","description":"Counts your steps","brand":"Pulse")"},
        {"cable-name", R"("name":"USB Cable","description":"Braided, two metres","brand":"Acme")"},
        {"cable-desc",
         R"("name":"Phone Stand","description":"Comes with a USB cable","brand":"Acme")"},
        {"phrase-exact",
         R"("name":"Noise Cancelling Headphones","description":"Over-ear, wireless","brand":"Voltix")"},
        {"phrase-apart",
         R"("name":"Headphones","description":"Cancelling hum and noise from fans","brand":"Voltix")"},
        {"keyboard",
         R"("name":"Mechanical Keyboard","description":"Tactile switches","brand":"Kestrel")"},
        {"keyring", R"("name":"Key Ring","description":"Brass","brand":"Kestrel")"},
        {"acoustic", R"("name":"Acoustic Guitar","description":"Spruce top","brand":"Lumora")"},
    };
    put(corpus);
  }

  // Upserts records given as (id, the body's other fields), with the next seqs.
  void put(const std::vector<std::pair<std::string, std::string>>& records) {
    std::vector<changes::Change> changes;
    for (const auto& [id, body] : records) {
      changes.push_back({.seq = ++seq_,
                         .collection = "shop",
                         .id = id,
                         .op = changes::ChangeOp::kUpsert,
                         .body = R"({"id":")" + id + "\"," + body + "}"});
    }
    ASSERT_TRUE(backend_->apply(changes));
  }

  std::vector<std::string> top(const std::string& q, std::size_t n = 3,
                               std::optional<std::vector<schema::RankRule>> ranking = {}) {
    SearchRequest r{.collection = shop_,
                    .text = *query::parse_text(q, true),
                    .per_page = n,
                    .ranking = std::move(ranking)};
    auto result = backend_->search(r);
    EXPECT_TRUE(result) << result.error().message();
    std::vector<std::string> ids;
    for (const auto& h : result->hits)
      ids.push_back(h.id);
    return ids;
  }

  testing::TempDir dir_;
  std::uint64_t seq_ = 0;
  std::shared_ptr<const schema::Collection> shop_;
  std::unique_ptr<SearchBackend> backend_;
};

// A word in more than half of the documents carries no information for ranking: it filters and
// adds nothing to the score, and a query of such words alone is unscored. (Whole words, and no
// field equal to or starting with the query: no ranking rule's tier adds to the scores either.)
TEST_P(Relevance, AWordInMostDocumentsOnlyFilters) {
  std::vector<std::pair<std::string, std::string>> sale;
  for (int i = 0; i < 12; ++i) {
    std::string description = i == 0 ? "On sale today, in brass" : "On sale today";
    sale.emplace_back("sale-" + std::to_string(i), R"("name":"Lamp )" + std::to_string(i) +
                                                       R"(","description":")" + description +
                                                       R"(","brand":"Lumora")");
  }
  put(sale);  // "sale": 12 of 22 documents
  auto score_of = [&](const std::string& q, const std::string& id) {
    SearchRequest r{.collection = shop_, .text = *query::parse_text(q, false), .per_page = 50};
    auto result = backend_->search(r);
    EXPECT_TRUE(result) << result.error().message();
    for (const auto& h : result->hits)
      if (h.id == id) return h.score;
    return -1.0;
  };
  EXPECT_EQ(score_of("sale", "sale-3"), 0.0);
  EXPECT_GT(score_of("brass", "sale-0"), 0.0);
  EXPECT_DOUBLE_EQ(score_of("sale brass", "sale-0"), score_of("brass", "sale-0"));
  EXPECT_EQ(top("sale brass", 5), (std::vector<std::string>{"sale-0"}));
}

TEST_P(Relevance, NameOutweighsDescription) {
  auto ids = top("usb cable", 2);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], "cable-name");
  EXPECT_EQ(ids[1], "cable-desc");
}

TEST_P(Relevance, ExactFormRanksAboveStemmedForms) {
  auto ids = top("running", 3);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], "running-desc");  // the exact word, although only in the description
}

// Stems are looked up in the vocabulary, not indexed: every form of a word must still be found,
// also where the stem is not the start of the word ("happy" -> "happi", "making" -> "make").
TEST_P(Relevance, EveryFormOfAWordMatches) {
  put({{"happy", R"("name":"Happy Lamp","brand":"Glow")"},
       {"happiness", R"("name":"Mood Light","description":"Pure happiness","brand":"Glow")"},
       {"make", R"("name":"Maker Kit","description":"Make your own","brand":"Glow")"},
       {"making", R"("name":"Making Tools","brand":"Glow")"}});
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(sorted(top("happy", 10)), (Ids{"happiness", "happy"}));
  EXPECT_EQ(sorted(top("happiness", 10)), (Ids{"happiness", "happy"}));
  EXPECT_EQ(sorted(top("making", 10)), (Ids{"make", "making"}));
  EXPECT_EQ(sorted(top("makes", 10)), (Ids{"make", "making"}));  // a form no record has
  EXPECT_EQ(top("happiness", 1), (Ids{"happiness"}));            // the exact word first
}

TEST_P(Relevance, PhrasesMatchOnlyAdjacentWords) {
  EXPECT_EQ(top("\"noise cancelling\""), std::vector<std::string>{"phrase-exact"});
  auto loose = top("noise cancelling", 2);
  ASSERT_EQ(loose.size(), 2u);
  EXPECT_EQ(loose[0], "phrase-exact");  // both words in the heavier field
}

TEST_P(Relevance, PrefixCompletesTheLastWord) {
  auto ids = top("mechanical keyb");
  EXPECT_EQ(ids, std::vector<std::string>{"keyboard"});
  auto key = top("key");
  EXPECT_EQ(key.size(), 2u);  // keyboard and key ring
}

TEST_P(Relevance, TypoMatchesRankBelowExactOnes) {
  EXPECT_EQ(top("acoustc"), std::vector<std::string>{"acoustic"});  // one typo, 7 letters
  auto swapped = top("headphnoes");  // a transposition counts as one typo
  std::sort(swapped.begin(), swapped.end());
  EXPECT_EQ(swapped, (std::vector<std::string>{"phrase-apart", "phrase-exact"}));
  auto exact_first = top("tracker runs");
  ASSERT_FALSE(exact_first.empty());
  EXPECT_EQ(exact_first[0], "runs-name");
}

// Fewer typos before more: a corrected word matches its spellings with the fewest typos, and
// those with more only when nothing else matches ("lanternss": "lanterns" is 1 typo away,
// "lanterne" 2; the rarer "lanterne" in the heavier field would outweigh it by BM25 alone).
TEST_P(Relevance, FewerTyposComeFirstAndMoreOnlyWhenNothingElseMatches) {
  put({{"l1", R"("name":"Camping Light","description":"Folding lanterns for tents","brand":"Wn")"},
       {"l2", R"("name":"Garden Light","description":"Solar lanterns","brand":"Wn")"},
       {"rouge",
        R"("name":"Lanterne Rouge","description":"Last rider of the race","brand":"Wn")"}});
  auto ids = top("lanternss", 5);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"l1", "l2"}));
  SearchRequest r{.collection = shop_, .text = *query::parse_text("lanternss rouge", true)};
  auto found = backend_->search(r);
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->hits.size(), 1u);
  EXPECT_EQ(found->hits[0].id, "rouge");
  EXPECT_TRUE(found->dropped_words.empty());  // more typos are tried before fewer words
}

// The ranking rules of docs/API.md, on top of one another: the word itself before its other forms
// and completions, then a field equal to the query, then one equal to it with the last word
// completed, then one starting with it, then the words as a phrase, then BM25.
TEST_P(Relevance, TheWordItselfRanksAboveItsCompletions) {
  put({{"dog", R"("name":"Dog","description":"A domestic animal","brand":"Wn")"},
       {"doggie", R"("name":"Doggie Bag","description":"Leftovers, for a dog","brand":"Wn")"},
       {"dogsled", R"("name":"Dogsled","description":"A sled","brand":"Wn")"}});
  EXPECT_EQ(top("dog", 3), (std::vector<std::string>{"dog", "doggie", "dogsled"}));
}

// The order of the rules is the request's (or the collection's): a field completed from the query
// above the word itself, when field comes first; the word itself first by default.
TEST_P(Relevance, RankingRulesCanBeReorderedOrLeftOut) {
  put({{"dog", R"("name":"Dog","description":"A domestic animal","brand":"Wn")"},
       {"doggie", R"("name":"Doggie Bag","description":"Leftovers, for a dog","brand":"Wn")"},
       {"dogsled", R"("name":"Dogsled","description":"A sled","brand":"Wn")"}});
  using enum schema::RankRule;
  EXPECT_EQ(top("dog", 3), (std::vector<std::string>{"dog", "doggie", "dogsled"}));
  EXPECT_EQ(top("dog", 3, std::vector{kField, kExact}),
            (std::vector<std::string>{"dog", "dogsled", "doggie"}));
  // BM25 alone: the completion in the heavier field and the word in the description outweigh
  // the word alone in the name.
  EXPECT_EQ(top("dog", 1, std::vector<schema::RankRule>{}), std::vector<std::string>{"doggie"});
  auto shop = *shop_;
  shop.ranking = std::vector{kField, kExact};
  shop_ = std::make_shared<const schema::Collection>(shop);
  EXPECT_EQ(top("dog", 3), (std::vector<std::string>{"dog", "dogsled", "doggie"}));
}

TEST_P(Relevance, AFieldEqualToTheQueryRanksFirst) {
  put({{"oak", R"("name":"Oak","description":"A tree","brand":"Wn")"},
       {"red-oak", R"("name":"Red Oak","description":"An oak with red leaves","brand":"Wn")"},
       {"southern", R"("name":"Southern Red Oak","description":"A red oak","brand":"Wn")"},
       {"oaken", R"("name":"Oak Table","description":"Made of oak, red oak","brand":"Wn")"}});
  EXPECT_EQ(top("oak", 1), std::vector<std::string>{"oak"});
  EXPECT_EQ(top("red oak", 2), (std::vector<std::string>{"red-oak", "southern"}));
  EXPECT_EQ(top("oak t", 1), std::vector<std::string>{"oaken"});  // equal, the last word completed
}

TEST_P(Relevance, AFieldStartingWithTheQueryRanksAboveOneContainingIt) {
  put({{"maker", R"("name":"Soft Ice Cream Maker","brand":"Wn")"},
       {"cone", R"("name":"Ice Cream Cone","brand":"Wn")"},
       {"ice-cream", R"("name":"Ice cream","brand":"Wn")"}});
  EXPECT_EQ(top("ice cream", 3), (std::vector<std::string>{"ice-cream", "cone", "maker"}));
  EXPECT_EQ(top("ice cre", 3), (std::vector<std::string>{"ice-cream", "cone", "maker"}));
}

TEST_P(Relevance, AHyphenatedWordIsAPrefixToo) {
  put({{"tshirt", R"("name":"T-Shirt","brand":"Wn")"},
       {"light", R"("name":"nginx-light","description":"A small web server","brand":"Wn")"}});
  EXPECT_EQ(top("t-shi", 1), std::vector<std::string>{"tshirt"});
  EXPECT_EQ(top("nginx-li", 1), std::vector<std::string>{"light"});
}

TEST_P(Relevance, ACorrectedWordRanksAsIfTypedRight) {
  put({{"python", R"("name":"Python","description":"A large snake","brand":"Wn")"},
       {"indian", R"("name":"Indian Python","description":"A python of Asia","brand":"Wn")"}});
  EXPECT_EQ(top("pyhton", 2), (std::vector<std::string>{"python", "indian"}));
  // A word unknown as typed, though it shares a stem with known words, is corrected too.
  put({{"surely", R"("name":"Certainly","description":"Definitely so","brand":"Wn")"},
       {"define", R"("name":"Define","description":"State the meaning","brand":"Wn")"}});
  EXPECT_EQ(top("definately", 1), std::vector<std::string>{"surely"});
}

// The forms of a word are looked up in the vocabulary from the word's start: with more words
// sharing that start than a lookup reads, the word itself is still found.
TEST_P(Relevance, AShortWordIsFoundAmongManyWithTheSameStart) {
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 1100; ++i)
    many.emplace_back("ca-" + std::to_string(i),
                      R"("name":"Caa)" + std::to_string(10000 + i) + R"(","brand":"Wn")");
  many.emplace_back("cat", R"("name":"Cat","description":"Small feline","brand":"Wn")");
  put(many);
  EXPECT_EQ(top("small cat", 1), std::vector<std::string>{"cat"});
}

TEST_P(Relevance, APrefixCompletesToCommonWordsFirst) {
  std::vector<std::pair<std::string, std::string>> docs;
  for (int i = 0; i < 5; ++i)
    docs.emplace_back("meter-" + std::to_string(i),
                      R"("name":"Gauge )" + std::to_string(i) +
                          R"(","description":"uses a thermometer","brand":"Wn")");
  docs.emplace_back("metric",
                    R"("name":"Gauge","description":"on a thermometric scale","brand":"Wn")");
  put(docs);
  auto ids = top("thermom", 6);
  ASSERT_EQ(ids.size(), 6u);
  EXPECT_EQ(ids.back(), "metric");
}

// More than 20 words begin with "li", each commoner than "light": the expanded completions of
// "li" alone leave "light" out, and those of the records the rest of the query matches keep it.
TEST_P(Relevance, APrefixCompletesToWordsOfTheRecordsTheRestOfTheQueryMatches) {
  std::vector<std::pair<std::string, std::string>> docs;
  for (int w = 0; w < 30; ++w) {
    for (int i = 0; i < 3; ++i)
      docs.emplace_back("li-" + std::to_string(w) + "-" + std::to_string(i),
                        R"("name":"Li)" + std::string(1, static_cast<char>('a' + w % 26)) +
                            std::to_string(w) + R"(x Tool","brand":"Wn")");
  }
  docs.emplace_back("light", R"("name":"nginx-light","description":"web server","brand":"Wn")");
  docs.emplace_back("full", R"("name":"nginx-full","description":"web server","brand":"Wn")");
  put(docs);
  EXPECT_EQ(top("nginx li", 5), std::vector<std::string>{"light"});
  EXPECT_EQ(top("nginx-li", 5), std::vector<std::string>{"light"});
  EXPECT_EQ(top("web server li", 5), std::vector<std::string>{"light"});
  EXPECT_EQ(top("nginx", 5).size(), 2u);
  // Alone, a prefix of two letters expands to its 5 commonest completions (3 records each).
  EXPECT_EQ(top("li", 50).size(), 15u);
}

// Searching the descriptions only, where 30 words begin with "lu": the completions of "lu" are
// taken from the two records the rest matches, and those of their words that no description has
// (21 in a name, all before "lumen") are passed over for the one a description has.
TEST_P(Relevance, APrefixInOneFieldIsNotCompletedFromAnother) {
  std::vector<std::pair<std::string, std::string>> docs;
  for (int w = 0; w < 30; ++w)
    docs.emplace_back("lu-" + std::to_string(w),
                      R"("name":"Item","description":"Lu)" +
                          std::string(1, static_cast<char>('a' + w % 26)) + std::to_string(w) +
                          R"(x","brand":"Wn")");
  std::string name;
  for (char c = 'a'; c <= 'u'; ++c)
    name += std::string("Lua") + c + " ";
  docs.emplace_back(
      "lumen", R"("name":")" + name + R"(Server","description":"web server lumen","brand":"Wn")");
  docs.emplace_back("other", R"("name":"Other Server","description":"web server","brand":"Wn")");
  put(docs);
  SearchRequest r{.collection = shop_,
                  .text = *query::parse_text("web server lu", true),
                  .query_by = {"description"}};
  auto found = backend_->search(r);
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->hits.size(), 1u);
  EXPECT_EQ(found->hits[0].id, "lumen");
  EXPECT_TRUE(found->dropped_words.empty());
}

// BM25 weighs a word by the length of the field it is in: the same words in a short description
// rank above a long one that repeats one of them.
TEST_P(Relevance, AShortFieldOutranksALongOneRepeatingTheWord) {
  put({{"svn", R"("name":"Subversion","description":"Advanced version control system")"
               R"(,"brand":"Wn")"},
       {"vcv", R"("name":"Vcversioner","description":"Use version control tags to discover )"
               R"(version numbers for your Python package in its setup script, Python3 )"
               R"(version","brand":"Wn")"}});
  EXPECT_EQ(top("version control", 2), (std::vector<std::string>{"svn", "vcv"}));
}

// BM25 alone ranks the record repeating "lantern" in its description above the one with it once in
// its name (weight 3); the rule `attribute` puts the heaviest field first.
TEST_P(Relevance, AWordInTheHeaviestFieldRanksFirst) {
  put({{"in-name", R"("name":"Lantern Holder Stand Pro Max Deluxe Edition Set Kit Large")"
                   R"(,"brand":"Wn")"},
       {"in-desc", R"("name":"Camping Kit","description":"lantern lantern lantern lantern for the )"
                   R"(tent at night","brand":"Wn")"}});
  EXPECT_EQ(top("lantern", 2), (std::vector<std::string>{"in-name", "in-desc"}));
  using enum schema::RankRule;
  EXPECT_EQ(top("lantern", 2, std::vector{kExact, kField, kProximity}),
            (std::vector<std::string>{"in-desc", "in-name"}));
}

TEST_P(Relevance, AccentsAreFoldedBothWays) {
  put({{"cafe", R"("name":"Café Table","brand":"Wn")"},
       {"creme", R"("name":"Creme Brulee Set","brand":"Wn")"}});
  EXPECT_EQ(top("cafe", 1), std::vector<std::string>{"cafe"});
  EXPECT_EQ(top("CAFÉ", 1), std::vector<std::string>{"cafe"});
  EXPECT_EQ(top("crème brûlée", 1), std::vector<std::string>{"creme"});
}

TEST_P(Relevance, PlusesAndHashesEndingAWordKeepItApart) {
  put({{"cpp", R"("name":"C++ Primer","brand":"Wn")"},
       {"csharp", R"("name":"C# in Depth","brand":"Wn")"},
       {"c", R"("name":"The C Programming Language","brand":"Wn")"}});
  EXPECT_EQ(top("c++", 5), std::vector<std::string>{"cpp"});
  EXPECT_EQ(top("C#", 5), std::vector<std::string>{"csharp"});
  EXPECT_EQ(top("c programming", 5), std::vector<std::string>{"c"});
}

TEST_P(Relevance, SearchableKeywordsMatchAsText) {
  auto ids = top("kestrel", 5);
  EXPECT_EQ(ids.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Engines, Relevance, ::testing::Values("xapian", "native"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace tandem::search
