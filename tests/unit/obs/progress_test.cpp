// Progress reports: the bar and the plain lines, their rate and time left, and how often they are
// drawn, on a fake clock.
#include "obs/progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tandem::obs {
namespace {

using namespace std::chrono_literals;

TEST(Progress, DigitsAreGroupedAndDurationsReadLikeAClock) {
  EXPECT_EQ(group_digits(0), "0");
  EXPECT_EQ(group_digits(999), "999");
  EXPECT_EQ(group_digits(1000), "1,000");
  EXPECT_EQ(group_digits(1234567), "1,234,567");
  EXPECT_EQ(clock_duration(0), "0:00");
  EXPECT_EQ(clock_duration(75), "1:15");
  EXPECT_EQ(clock_duration(3725), "1:02:05");
  EXPECT_EQ(clock_duration(-3), "0:00");
}

TEST(Progress, ATerminalGetsABarWithPercentageRateAndTimeLeft) {
  core::FakeClock clock;
  std::ostringstream out;
  Progress p(out, clock, {.label = "products", .terminal = true});
  clock.advance(10s);
  // A quarter in 10 s: 30 s left.
  EXPECT_EQ(p.line(250000, 0.25),
            "  products [#####---------------]  25%  250,000 records  25,000/s  0:30 left");
  EXPECT_EQ(p.line(1000000, 1.0),
            "  products [####################] 100%  1,000,000 records  100,000/s  in 0:10");
  EXPECT_EQ(p.line(5000, -1), "  products  5,000 records  500/s");
}

TEST(Progress, ElsewhereAPlainLineEveryFewSeconds) {
  core::FakeClock clock;
  std::ostringstream out;
  Progress p(out, clock, {.label = "import", .terminal = false, .every = 5000ms});
  clock.advance(1s);
  p.update(100, 0.1);
  EXPECT_EQ(out.str(), "");  // too soon
  clock.advance(4s);
  p.update(500, 0.5);
  EXPECT_EQ(out.str(), "  import:  50%  500 records  100/s  0:05 left\n");
  clock.advance(1s);
  p.update(600, 0.6);
  clock.advance(4s);
  p.update(1000, 1.0);
  p.finish();
  EXPECT_EQ(out.str(),
            "  import:  50%  500 records  100/s  0:05 left\n"
            "  import: 100%  1,000 records  100/s  in 0:10\n"
            "  import: 100%  1,000 records  100/s  in 0:10\n");
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

TEST(Progress, ATerminalIsRedrawnInPlaceAndEndsWithANewline) {
  core::FakeClock clock;
  std::ostringstream out;
  Progress p(out, clock, {.label = "books", .terminal = true, .redraw = 200ms});
  clock.advance(100ms);
  p.update(1, 0.01);
  EXPECT_EQ(out.str(), "");
  clock.advance(200ms);
  p.update(2, 0.02);
  clock.advance(200ms);
  p.update(3, 0.03);
  p.finish();
  auto text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\r'), 3);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_TRUE(text.ends_with("\x1b[K\n"));
}

TEST(Progress, NothingIsPrintedForQuickWorkOffATerminal) {
  core::FakeClock clock;
  std::ostringstream out;
  Progress p(out, clock, {.label = "import"});
  p.update(10, 1.0);
  p.finish();
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace tandem::obs
