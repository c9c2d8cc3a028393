// The Xapian backend's on-disk layout: an index written by another layout is refused with the
// way out, never searched with the wrong terms.
#include <gtest/gtest.h>
#include <xapian.h>

#include "query/parse.h"
#include "search/xapian/xapian_search.h"
#include "support/temp_dir.h"

namespace tandem::search {
namespace {

TEST(XapianLayout, AnIndexOfAnotherLayoutIsRefusedUntilRebuilt) {
  testing::TempDir dir;
  auto shop = std::make_shared<const schema::Collection>(
      *schema::collection_from_json(R"({"name":"shop","fields":[{"name":"name","type":"text"}]})"));
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
  std::vector<changes::Change> changes{{.seq = 1,
                                        .collection = "shop",
                                        .id = "a",
                                        .op = changes::ChangeOp::kUpsert,
                                        .body = R"({"id":"a","name":"Brass Lamp"})"}};
  ASSERT_TRUE((*backend)->apply(changes));
  auto found = (*backend)->search(r);
  ASSERT_TRUE(found) << found.error().message();
  EXPECT_EQ(found->found, 1u);
}

}  // namespace
}  // namespace tandem::search
