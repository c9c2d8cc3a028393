#include "pipeline/ingest.h"

#include <gtest/gtest.h>

#include <tuple>

#include "core/clock.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace tandem::pipeline {
namespace {

const std::string kRest = R"("name":"n","category":"c","brand":"b","price":1)";

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::open({.path = dir_.file("t.db"), .clock = &clock_});
    ASSERT_TRUE(s) << s.error().message();
    store_ = std::move(*s);
    catalog_ = std::make_unique<Catalog>(*store_);
    ASSERT_TRUE(catalog_->load().is_ok());
    ASSERT_TRUE(catalog_->declare(schema::products_collection(), false).is_ok());
    ingest_ = std::make_unique<Ingest>(*store_, *catalog_, 4096);
  }

  core::Result<IngestResult> write(std::string body, BodyFormat format = BodyFormat::kJson,
                                   store::Action action = store::Action::kUpsert) {
    return ingest_->write(
        {.collection = "products", .action = action, .format = format, .body = std::move(body)});
  }

  testing::TempDir dir_;
  core::SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<Ingest> ingest_;
};

TEST_F(IngestTest, OneObjectIsASingleResult) {
  auto r = write(R"({"id":"a",)" + kRest + "}");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->single);
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->records[0].id, "a");
  EXPECT_TRUE(r->records[0].seq);
  EXPECT_EQ(store_->get("products", "a")->value().body, R"({"id":"a",)" + kRest + "}");
}

TEST_F(IngestTest, ArrayReportsEveryRecordAndStoresTheGoodOnes) {
  auto r = write(R"([{"id":"a",)" + kRest + R"(}, {"id":"b","price":"x"}, 5, {"id":"c",)" + kRest +
                 "}]");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->single);
  EXPECT_EQ(r->accepted, 2u);
  EXPECT_EQ(r->rejected, 2u);
  ASSERT_EQ(r->records.size(), 4u);
  EXPECT_EQ(r->records[1].position, 1u);
  EXPECT_FALSE(r->records[1].seq);
  EXPECT_FALSE(r->records[2].seq);
  EXPECT_TRUE(store_->get("products", "c")->has_value());
  EXPECT_FALSE(store_->get("products", "b")->has_value());
}

TEST_F(IngestTest, NdjsonPositionsAreLineNumbers) {
  auto r = write("{\"id\":\"a\"," + kRest + "}\n\n{broken\n{\"id\":\"b\"," + kRest + "}\n",
                 BodyFormat::kNdjson);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->records.size(), 3u);
  EXPECT_EQ(r->records[0].position, 1u);
  EXPECT_EQ(r->records[1].position, 3u);
  EXPECT_FALSE(r->records[1].seq);
  EXPECT_EQ(r->records[2].position, 4u);
  EXPECT_EQ(r->accepted, 2u);
}

TEST_F(IngestTest, WholeRequestErrorsStoreNothing) {
  EXPECT_EQ(write("[{\"id\":\"a\"," + kRest + "}").error().code(),
            core::StatusCode::kInvalidArgument);
  EXPECT_EQ(write("").error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(write("[]").error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(write("\n\n", BodyFormat::kNdjson).error().code(), core::StatusCode::kInvalidArgument);
  auto unknown = ingest_->write({.collection = "nope", .body = "{}"});
  EXPECT_EQ(unknown.error().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store_->head_seq(), 0u);
}

TEST_F(IngestTest, UpdateAndDeleteNeedAnId) {
  ASSERT_TRUE(write(R"({"id":"a",)" + kRest + "}"));
  auto upd =
      write(R"([{"id":"a","price":2},{"price":3}])", BodyFormat::kJson, store::Action::kUpdate);
  ASSERT_TRUE(upd);
  EXPECT_TRUE(upd->records[0].seq);
  ASSERT_FALSE(upd->records[1].seq);
  EXPECT_NE(upd->records[1].seq.error().message().find("id: required"), std::string::npos);
  EXPECT_NE(store_->get("products", "a")->value().body.find("\"price\":2"), std::string::npos);
  auto del = write(R"({"id":"a"})", BodyFormat::kJson, store::Action::kDelete);
  ASSERT_TRUE(del);
  EXPECT_TRUE(del->records[0].seq);
  EXPECT_FALSE(store_->get("products", "a")->has_value());
}

TEST_F(IngestTest, UrlIdAppliesToTheOneRecord) {
  auto r = ingest_->write({.collection = "products", .body = "{" + kRest + "}", .id = "from-url"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->records[0].id, "from-url");
  auto many = ingest_->write({.collection = "products", .body = "[{},{}]", .id = "x"});
  EXPECT_FALSE(many);
  auto del = ingest_->write(
      {.collection = "products", .action = store::Action::kDelete, .id = "from-url"});
  ASSERT_TRUE(del) << del.error().message();
  EXPECT_TRUE(del->records[0].seq);
}

// The commit hook sees every accepted record (deletes included) with its seq, before the
// writer's answer: that is what lets the by-id cache drop an entry before a client can read it.
TEST_F(IngestTest, TheCommitHookSeesEveryAcceptedRecordBeforeTheAnswer) {
  std::vector<std::tuple<std::string, std::string, std::uint64_t>> seen;
  ingest_->on_commit([&](std::string_view collection, std::string_view id, std::uint64_t seq) {
    seen.emplace_back(collection, id, seq);
  });
  auto r =
      write(R"([{"id":"a",)" + kRest + R"(}, {"id":"b","price":"x"}, {"id":"c",)" + kRest + "}]");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(seen.size(), 2u);  // as soon as write() returns: the hook ran before the answer
  EXPECT_EQ(seen[0],
            std::make_tuple(std::string("products"), std::string("a"), *r->records[0].seq));
  EXPECT_EQ(seen[1],
            std::make_tuple(std::string("products"), std::string("c"), *r->records[2].seq));
  auto del =
      ingest_->write({.collection = "products", .action = store::Action::kDelete, .id = "a"});
  ASSERT_TRUE(del) << del.error().message();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(std::get<2>(seen[2]), *del->records[0].seq);
}

TEST_F(IngestTest, DeclaredCollectionsAreCreatedOnceAndKeepTheirSchema) {
  auto books =
      schema::collection_from_json(R"({"name":"books","fields":[{"name":"title","type":"text"}]})");
  ASSERT_TRUE(books);
  ASSERT_TRUE(catalog_->declare(*books, true).is_ok());
  ASSERT_TRUE(catalog_->declare(*books, true).is_ok());  // idempotent
  Catalog reloaded(*store_);
  ASSERT_TRUE(reloaded.load().is_ok());
  ASSERT_NE(reloaded.find("books"), nullptr);
  auto changed = *books;
  changed.fields[0].weight = 2;
  auto st = reloaded.declare(changed, true);
  EXPECT_EQ(st.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("different schema"), std::string::npos);
  EXPECT_TRUE(reloaded.declare(changed, false).is_ok());  // the built-in way: keep what is stored
  auto bad = *books;
  bad.name = "Bad Name";
  EXPECT_EQ(reloaded.declare(bad, true).code(), core::StatusCode::kInvalidArgument);
}

// Nodes sharing one store start at once: each loads the (empty) catalog, one creates the
// collection first, and the others adopt the stored one instead of failing to start.
TEST_F(IngestTest, DeclaringACollectionAnotherNodeJustCreatedAdoptsTheStoredOne) {
  auto books =
      schema::collection_from_json(R"({"name":"books","fields":[{"name":"title","type":"text"}]})");
  ASSERT_TRUE(books);
  Catalog second(*store_), third(*store_);
  ASSERT_TRUE(second.load().is_ok());
  ASSERT_TRUE(third.load().is_ok());
  ASSERT_TRUE(catalog_->declare(*books, true).is_ok());

  auto st = second.declare(*books, true);
  EXPECT_TRUE(st.is_ok()) << st.message();
  ASSERT_NE(second.find("books"), nullptr);
  EXPECT_EQ(schema::collection_to_json(*second.find("books")), schema::collection_to_json(*books));

  auto changed = *books;
  changed.fields[0].weight = 2;
  EXPECT_EQ(third.declare(changed, true).code(), core::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(third.declare(changed, false).is_ok());
  EXPECT_EQ(third.find("books")->fields[0].weight, books->fields[0].weight);  // the stored one
}

}  // namespace
}  // namespace tandem::pipeline
