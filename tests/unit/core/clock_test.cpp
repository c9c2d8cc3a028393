#include "core/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace tandem::core {
namespace {

using namespace std::chrono_literals;

TEST(FakeClock, MovesOnlyWhenAdvanced) {
  FakeClock clock(std::chrono::system_clock::time_point(1000s));
  auto wall = clock.now();
  auto mono = clock.steady_now();
  EXPECT_EQ(clock.now(), wall);
  clock.advance(1500ms);
  EXPECT_EQ(clock.now() - wall, 1500ms);
  EXPECT_EQ(clock.steady_now() - mono, 1500ms);
}

// The readings are the real clocks: each falls between two readings of the standard clock it
// stands for, and steady time moves on across a sleep (a clock stuck at one value, or reading the
// wrong clock, fails).
TEST(SystemClock, ReadsTheStandardClocks) {
  SystemClock clock;
  auto steady_before = std::chrono::steady_clock::now();
  auto wall_before = std::chrono::system_clock::now();
  auto steady = clock.steady_now();
  auto wall = clock.now();
  auto steady_after = std::chrono::steady_clock::now();
  auto wall_after = std::chrono::system_clock::now();
  EXPECT_LE(steady_before, steady);
  EXPECT_LE(steady, steady_after);
  EXPECT_LE(wall_before, wall);
  EXPECT_LE(wall, wall_after);

  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GE(clock.steady_now() - steady, std::chrono::milliseconds(2));
}

// The coarse reading is the same clock at a lower resolution: never ahead, at most a few ticks
// behind. FakeClock gives the same time for both.
TEST(SystemClock, CoarseSteadyTimeTracksSteadyTime) {
  SystemClock clock;
  for (int i = 0; i < 100; ++i) {
    auto coarse = clock.coarse_steady_now();
    auto fine = clock.steady_now();
    EXPECT_LE(coarse, fine);
    EXPECT_LT(fine - coarse, std::chrono::milliseconds(50));
  }
  FakeClock fake;
  fake.advance(std::chrono::seconds(3));
  EXPECT_EQ(fake.coarse_steady_now(), fake.steady_now());
}

TEST(FormatRfc3339, UtcWithMilliseconds) {
  using std::chrono::system_clock;
  EXPECT_EQ(format_rfc3339_ms(system_clock::time_point(0s)), "1970-01-01T00:00:00.000Z");
  // 2026-11-26T22:26:44.123Z
  EXPECT_EQ(format_rfc3339_ms(system_clock::time_point(1795732004123ms)),
            "2026-11-26T22:26:44.123Z");
  // Same second, other milliseconds: the cached prefix is reused correctly.
  EXPECT_EQ(format_rfc3339_ms(system_clock::time_point(1795732004999ms)),
            "2026-11-26T22:26:44.999Z");
  EXPECT_EQ(format_rfc3339_ms(system_clock::time_point(-1ms)), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace tandem::core

namespace tandem::core {
namespace {

TEST(ParseRfc3339, AcceptsZonesAndFractions) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-26T22:26:44.123Z"), 1795732004123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-26T22:26:44.1234567Z"), 1795732004123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-26T23:26:44.5+01:00"), 1795732004500);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-26t22:26:44z"), 1795732004000);
  EXPECT_EQ(parse_rfc3339_ms("2024-02-29T00:00:00Z").has_value(), true);
  EXPECT_EQ(parse_rfc3339_ms("1969-12-31T23:59:59Z"), -1000);
}

TEST(ParseRfc3339, RejectsInvalidDates) {
  for (const char* bad :
       {"", "2026-11-26", "2026-11-26T22:26:44", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-11-26T24:00:00Z", "2026-11-26T22:60:00Z", "2026-11-26 22:26:44Z",
        "2026-11-26T22:26:44.Z", "2026-11-26T22:26:44+0100", "2026-11-26T22:26:44Zjunk",
        "20x6-11-26T22:26:44Z"}) {
    EXPECT_FALSE(parse_rfc3339_ms(bad).has_value()) << bad;
  }
}

TEST(ParseRfc3339, RoundTripsWithTheFormatter) {
  for (std::int64_t ms : {0LL, 1795732004123LL, 951782400000LL, 4102444799999LL}) {
    auto text =
        format_rfc3339_ms(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
    EXPECT_EQ(parse_rfc3339_ms(text), ms) << text;
  }
}

}  // namespace
}  // namespace tandem::core
