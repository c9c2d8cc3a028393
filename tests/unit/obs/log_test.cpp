#include "obs/log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "support/log_sinks.h"
#include "support/temp_dir.h"

namespace tandem::obs {
namespace {

using testing::CollectingSink;

TEST(Logger, WritesOneJsonObjectPerLine) {
  auto sink = std::make_shared<CollectingSink>();
  Logger log(Level::kInfo, Format::kJson, sink);
  TANDEM_LOG(log, Level::kInfo, "listening", {"host", "127.0.0.1"}, {"port", 8080}, {"ratio", 0.5},
             {"tls", false}, {"bytes", std::size_t{12}});
  auto lines = sink->lines();
  ASSERT_EQ(lines.size(), 1u);
  const std::string& line = lines[0];
  EXPECT_TRUE(line.starts_with("{\"ts\":\"")) << line;
  EXPECT_NE(line.find(R"("level":"info","msg":"listening","host":"127.0.0.1","port":8080,)"
                      R"("ratio":0.5,"tls":false,"bytes":12})"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Logger, EscapesHostileValues) {
  auto sink = std::make_shared<CollectingSink>();
  Logger log(Level::kInfo, Format::kJson, sink);
  TANDEM_LOG(log, Level::kWarn, "bad \"path\"", {"path", "/a\nb\x01"});
  EXPECT_NE(sink->lines()[0].find(R"("msg":"bad \"path\"","path":"/a\nb\u0001")"),
            std::string::npos)
      << sink->lines()[0];
}

TEST(Logger, LevelIsCheckedBeforeFieldsAreBuilt) {
  auto sink = std::make_shared<CollectingSink>();
  Logger log(Level::kWarn, Format::kJson, sink);
  int evaluated = 0;
  auto expensive = [&] {
    ++evaluated;
    return std::string("value");
  };
  TANDEM_LOG(log, Level::kDebug, "skipped", {"field", expensive()});
  TANDEM_LOG(log, Level::kInfo, "skipped", {"field", expensive()});
  EXPECT_EQ(evaluated, 0);
  EXPECT_TRUE(sink->lines().empty());
  TANDEM_LOG(log, Level::kError, "kept", {"field", expensive()});
  EXPECT_EQ(evaluated, 1);
  EXPECT_EQ(sink->lines().size(), 1u);
}

TEST(Logger, OffWritesNothing) {
  auto sink = std::make_shared<CollectingSink>();
  Logger log(Level::kOff, Format::kJson, sink);
  TANDEM_LOG(log, Level::kError, "nothing");
  EXPECT_TRUE(sink->lines().empty());
}

TEST(Logger, TextFormatIsReadable) {
  auto sink = std::make_shared<CollectingSink>();
  Logger log(Level::kTrace, Format::kText, sink);
  TANDEM_LOG(log, Level::kInfo, "request", {"path", "/health"}, {"status", 200},
             {"agent", "curl 8"});
  std::string line = sink->lines()[0];
  EXPECT_NE(line.find(" info request path=/health status=200 agent=\"curl 8\""), std::string::npos)
      << line;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Info lines are buffered and flushed shortly after; warnings go out at once; nothing is lost
// when the logger closes.
TEST(Logger, FileSinkFlushesWarningsAtOnceAndEverythingSoon) {
  testing::TempDir dir;
  std::string path = dir.file("tandem.log");
  auto log = Logger::open({.level = Level::kInfo, .file = path});
  ASSERT_TRUE(log) << log.error().message();
  TANDEM_LOG(**log, Level::kWarn, "disk nearly full");
  EXPECT_NE(read_all(path).find("disk nearly full"), std::string::npos);

  TANDEM_LOG(**log, Level::kInfo, "request", {"n", 1});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (read_all(path).find("\"n\":1") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_NE(read_all(path).find("\"n\":1"), std::string::npos) << "info line never flushed";

  for (int i = 0; i < 1000; ++i)
    TANDEM_LOG(**log, Level::kInfo, "request", {"i", i});
  log->reset();  // closes: the last lines reach the file
  std::string text = read_all(path);
  EXPECT_NE(text.find("\"i\":999}"), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1002);
}

TEST(Logger, LevelNamesRoundTrip) {
  for (auto l :
       {Level::kTrace, Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kOff}) {
    EXPECT_EQ(*parse_level(level_name(l)), l);
  }
  EXPECT_FALSE(parse_level("verbose"));
}

}  // namespace
}  // namespace tandem::obs
