#include "generator/generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <set>

#include "schema/record.h"

namespace tandem::generator {
namespace {

using namespace std::chrono_literals;
const auto kNow = std::chrono::system_clock::time_point(1795732004s);

TEST(Generator, SameSeedSameRecords) {
  Generator a(42, kNow), b(42, kNow), c(43, kNow);
  for (int i = 0; i < 100; ++i) {
    std::string x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
  }
}

TEST(Generator, RecordsFitTheProductsSchema) {
  Generator gen(7, kNow);
  schema::Collection products = schema::products_collection();
  schema::RecordParser parser;
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    std::string text = gen.next();
    auto r = parser.validate(products, text);
    ASSERT_TRUE(r) << r.error().message() << "\n" << text;
    EXPECT_EQ(r->body, text);  // the generator always sets an id
    ids.insert(r->id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(Generator, ValuesAreBelievable) {
  Generator gen(11, kNow);
  simdjson::dom::parser parser;
  std::map<std::string, int> categories;
  int out_of_stock = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string text = gen.next();
    simdjson::dom::element doc = parser.parse(text);
    std::string_view category = doc["category"].get_string().value();
    ++categories[std::string(category)];
    double price = doc["price"].get_double().value();
    double rating = doc["rating"].get_double().value();
    std::int64_t stock = doc["stock"].get_int64().value();
    EXPECT_GT(price, 4.0);
    EXPECT_LT(price, 2000.0);
    EXPECT_GE(rating, 1.0);
    EXPECT_LE(rating, 5.0);
    EXPECT_EQ(doc["in_stock"].get_bool().value(), stock > 0);
    out_of_stock += stock == 0 ? 1 : 0;
    auto created = doc["created_at"].get_string().value();
    EXPECT_LE(created, "2026-11-26T22:26:44.000Z");
    EXPECT_GE(created, "2026-10-27T22:26:44.000Z");
    // Prices keep two decimals as written: "17.80", never "1.78E1".
    auto raw = text.substr(text.find("\"price\":") + 8);
    auto num = raw.substr(0, raw.find(','));
    ASSERT_NE(num.find('.'), std::string::npos) << num;
    EXPECT_EQ(num.size() - num.find('.'), 3u) << num;
  }
  EXPECT_EQ(categories.size(), 4u);
  for (const auto& [name, n] : categories)
    EXPECT_GT(n, 300) << name;
  EXPECT_GT(out_of_stock, 100);
  EXPECT_LT(out_of_stock, 350);
}

TEST(Rng, BelowIsInRangeAndCoversIt) {
  Rng rng(3);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 10000; ++i) {
    auto v = rng.below(7);
    ASSERT_LT(v, 7u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 7u);
  for (int i = 0; i < 1000; ++i) {
    auto v = rng.between(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
  }
}

}  // namespace
}  // namespace tandem::generator
