// gzip of request bodies: a round trip, real compression of an NDJSON-like body, the empty
// body, and what is not gzip (garbage, truncated, past the bound) refused.
#include "net/gzip.h"

#include <gtest/gtest.h>

namespace tandem::net {
namespace {

TEST(Gzip, RoundTripsAndCompresses) {
  std::string bulk;
  for (int i = 0; i < 1000; ++i)
    bulk += R"({"index":{"_index":"products-v1","_id":"p)" + std::to_string(i) + R"(","version":)" +
            std::to_string(i) + "}}\n";
  auto z = gzip(bulk);
  EXPECT_LT(z.size() * 5, bulk.size());
  EXPECT_EQ(static_cast<unsigned char>(z[0]), 0x1f);  // the gzip magic
  EXPECT_EQ(static_cast<unsigned char>(z[1]), 0x8b);
  auto back = gunzip(z);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, bulk);
  EXPECT_EQ(*gunzip(gzip("")), "");
}

TEST(Gzip, WhatIsNotGzipIsRefused) {
  EXPECT_FALSE(gunzip("plain text"));
  auto z = gzip(std::string(10000, 'a'));
  EXPECT_FALSE(gunzip(std::string_view(z).substr(0, z.size() / 2)));  // truncated
  EXPECT_FALSE(gunzip(z, 1000));                                      // past the bound
}

}  // namespace
}  // namespace tandem::net
