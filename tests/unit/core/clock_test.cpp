#include "core/clock.h"

#include <gtest/gtest.h>

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

TEST(SystemClock, SteadyTimeDoesNotGoBack) {
  SystemClock clock;
  auto a = clock.steady_now();
  auto b = clock.steady_now();
  EXPECT_LE(a, b);
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
