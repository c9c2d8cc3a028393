#include "net/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace tandem::net {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, TheCeilingDoublesUpToTheMaximum) {
  Backoff b({.initial = 100ms, .max = 1000ms, .seed = 1});
  EXPECT_EQ(b.ceiling(1), 100ms);
  EXPECT_EQ(b.ceiling(2), 200ms);
  EXPECT_EQ(b.ceiling(4), 800ms);
  EXPECT_EQ(b.ceiling(5), 1000ms);
  EXPECT_EQ(b.ceiling(1000), 1000ms);  // no overflow after many failures
}

// Every delay lies in [ceiling / 2, ceiling]: never an immediate retry, never past the ceiling,
// and drawn at random across that range, so that callers failing together do not retry together.
TEST(Backoff, DelaysAreJitteredWithinHalfTheCeilingAndTheCeiling) {
  Backoff b({.initial = 100ms, .max = 1000ms, .seed = 7});
  for (int failures = 1; failures <= 8; ++failures) {
    std::set<std::int64_t> seen;
    for (int i = 0; i < 200; ++i) {
      auto d = b.delay(failures);
      ASSERT_GE(d, b.ceiling(failures) / 2) << failures;
      ASSERT_LE(d, b.ceiling(failures)) << failures;
      seen.insert(d.count());
    }
    EXPECT_GT(seen.size(), 20u) << "hardly any jitter after " << failures << " failures";
  }
}

TEST(Backoff, ASeedMakesTheDelaysRepeatable) {
  Backoff a({.initial = 10ms, .max = 10000ms, .seed = 42});
  Backoff b({.initial = 10ms, .max = 10000ms, .seed = 42});
  Backoff other({.initial = 10ms, .max = 10000ms, .seed = 43});
  bool differs = false;
  for (int f = 1; f < 12; ++f) {
    auto d = a.delay(f);
    EXPECT_EQ(d, b.delay(f));
    differs |= d != other.delay(f);
  }
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace tandem::net
