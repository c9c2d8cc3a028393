#include "search/xapian/highlight.h"

#include <gtest/gtest.h>

namespace tandem::search::xapian_backend {
namespace {

Marks marks(std::initializer_list<const char*> words) {
  return Marks(words.begin(), words.end());
}

TEST(Highlight, MarksEveryWordItIsGivenWhateverItsCase) {
  EXPECT_EQ(
      highlight("Wireless Headphones, and one headphone.", marks({"headphones", "headphone"}), 200),
      "Wireless <mark>Headphones</mark>, and one <mark>headphone</mark>.");
}

TEST(Highlight, NothingMarkedIsEmpty) {
  EXPECT_EQ(highlight("Wireless Headphones", marks({"speaker"}), 200), "");
  EXPECT_EQ(highlight("", marks({"speaker"}), 200), "");
}

TEST(Highlight, EscapesTheText) {
  EXPECT_EQ(highlight("<b>Rust</b> & \"tools\"", marks({"rust"}), 200),
            "&lt;b&gt;<mark>Rust</mark>&lt;/b&gt; &amp; &quot;tools&quot;");
}

// Marks are index terms: lower-cased, diacritics folded (as the text's words are to match them).
TEST(Highlight, WordsOutsideAsciiAreLowerCasedAndFoldedToMatch) {
  EXPECT_EQ(highlight("Crème BRÛLÉE kit", marks({"brulee"}), 200), "Crème <mark>BRÛLÉE</mark> kit");
  EXPECT_EQ(highlight("Crème BRÛLÉE kit", marks({"creme"}), 200), "<mark>Crème</mark> BRÛLÉE kit");
}

TEST(Highlight, LongTextIsCutAroundTheMostMarkedWords) {
  std::string filler;
  for (int i = 0; i < 40; ++i)
    filler += "lorem ipsum ";
  std::string text = filler + "the noise cancelling and more noise here " + filler + "noise";
  std::string out = highlight(text, marks({"noise"}), 60);
  EXPECT_EQ(out.rfind("…", 0), 0u) << out;  // cut at the start
  EXPECT_NE(out.find("<mark>noise</mark> cancelling and more <mark>noise</mark>"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.substr(out.size() - 3), "…") << out;  // and at the end
  std::string plain = out;
  for (const char* tag : {"<mark>", "</mark>", "…"}) {
    for (auto at = plain.find(tag); at != std::string::npos; at = plain.find(tag))
      plain.erase(at, std::string_view(tag).size());
  }
  EXPECT_LE(plain.size(), 60u) << out;
}

TEST(Highlight, AWindowNearTheEndUsesTheWholeLength) {
  std::string text;
  for (int i = 0; i < 30; ++i)
    text += "word ";
  text += "target";
  std::string out = highlight(text, marks({"target"}), 40);
  EXPECT_EQ(out, "…word word word word word word <mark>target</mark>");
}

TEST(Highlight, MarksComeFromTheTextTermsOfTheQueryNotItsExclusionsOrFilters) {
  Xapian::Query forms(Xapian::Query::OP_SYNONYM, Xapian::Query("headphone"),
                      Xapian::Query("XT1:headphones"));
  Xapian::Query wanted(Xapian::Query::OP_OR, Xapian::Query("wireless"), forms);
  Xapian::Query q(Xapian::Query::OP_AND_NOT, wanted, Xapian::Query("wired"));
  q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query("XK2:electronics"));
  q = Xapian::Query(Xapian::Query::OP_AND, q, Xapian::Query("Qsome-id"));
  EXPECT_EQ(marks_of(q), (Marks{"wireless", "headphone", "headphones"}));
}

}  // namespace
}  // namespace tandem::search::xapian_backend
