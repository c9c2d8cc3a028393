#include "json/split.h"

#include <gtest/gtest.h>

namespace tandem::json {
namespace {

TEST(SplitLines, SkipsBlankLinesAndKeepsLineNumbers) {
  auto pieces = split_lines("{\"a\":1}\n\n  {\"b\":2}\r\n{\"c\":3}");
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].text, "{\"a\":1}");
  EXPECT_EQ(pieces[0].position, 1u);
  EXPECT_EQ(pieces[1].text, "{\"b\":2}");
  EXPECT_EQ(pieces[1].position, 3u);
  EXPECT_EQ(pieces[2].position, 4u);
  EXPECT_TRUE(split_lines("\n \n").empty());
}

TEST(SplitArray, FindsTopLevelElements) {
  auto pieces = split_array(R"( [ {"a":[1,2],"s":"x,]}\"y"} , {"b":{"c":[]}},3 ] )");
  ASSERT_TRUE(pieces) << pieces.error().message();
  ASSERT_EQ(pieces->size(), 3u);
  EXPECT_EQ((*pieces)[0].text, R"({"a":[1,2],"s":"x,]}\"y"})");
  EXPECT_EQ((*pieces)[1].text, R"({"b":{"c":[]}})");
  EXPECT_EQ((*pieces)[2].text, "3");
  EXPECT_EQ((*pieces)[2].position, 2u);
}

TEST(SplitArray, EmptyArrayHasNoElements) {
  EXPECT_TRUE(split_array("[]")->empty());
  EXPECT_TRUE(split_array(" [ ] ")->empty());
}

TEST(SplitArray, ReportsBrokenStructureWithOffsets) {
  EXPECT_FALSE(split_array("{\"a\":1}"));
  EXPECT_FALSE(split_array(""));
  auto open = split_array("[{\"a\":1}");
  ASSERT_FALSE(open);
  EXPECT_NE(open.error().message().find("unterminated array"), std::string::npos);
  auto extra = split_array("[1] [2]");
  ASSERT_FALSE(extra);
  EXPECT_NE(extra.error().message().find("at byte 3"), std::string::npos)
      << extra.error().message();
  EXPECT_FALSE(split_array("[1]]"));
  EXPECT_FALSE(split_array("[\"unterminated]"));
}

TEST(SplitArray, EmptyElementsAreKeptForPerRecordErrors) {
  auto pieces = split_array("[1,,2]");
  ASSERT_TRUE(pieces);
  ASSERT_EQ(pieces->size(), 3u);
  EXPECT_EQ((*pieces)[1].text, "");
}

TEST(SplitObject, KeepsMemberTextVerbatim) {
  auto members = split_object(R"({ "id" : "a", "price":19.990, "tags":["x","y"], "o":{"k":"}"} })");
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members[0].key, "\"id\"");
  EXPECT_EQ(members[0].value, "\"a\"");
  EXPECT_EQ(members[1].value, "19.990");
  EXPECT_EQ(members[2].value, R"(["x","y"])");
  EXPECT_EQ(members[3].value, R"({"k":"}"})");
  EXPECT_TRUE(split_object("{}").empty());
}

}  // namespace
}  // namespace tandem::json
