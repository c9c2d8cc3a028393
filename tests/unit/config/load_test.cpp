#include "config/load.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "config/render.h"

namespace tandem::config {
namespace {

// A TOML file in a unique temporary directory, removed with the fixture.
class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tandem-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& text) {
    auto path = (dir_ / "tandem.toml").string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(LoadTest, NoSourcesGiveDefaults) {
  auto c = load({});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->server.host, "127.0.0.1");
  EXPECT_EQ(c->server.port, 8080);
  EXPECT_EQ(c->data.dir, "./data");
  EXPECT_EQ(c->log.format, "json");
}

TEST_F(LoadTest, PrecedenceIsDefaultsFileEnvFlags) {
  Sources s{.file = write("[server]\nport = 1000\nhost = \"::1\"\nthreads = 3\n"),
            .env = {{"TANDEM_SERVER_PORT", "2000"}, {"TANDEM_SERVER_THREADS", "4"}, {"PATH", "/x"}},
            .flags = {{"server.port", "3000", "--port"}}};
  auto c = load(s);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->server.port, 3000);   // flag beats env and file
  EXPECT_EQ(c->server.threads, 4);   // env beats file
  EXPECT_EQ(c->server.host, "::1");  // file beats default
  EXPECT_EQ(c->data.dir, "./data");  // default
}

TEST_F(LoadTest, UnknownFileKeyIsNamedWithItsPosition) {
  auto c = load({.file = write("[server]\nprot = 80\n")});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("unknown setting 'server.prot'"), std::string::npos);
  EXPECT_NE(c.error().message().find("tandem.toml:2:8"), std::string::npos) << c.error().message();
}

TEST_F(LoadTest, UnknownSectionAndTopLevelValuesAreRejected) {
  EXPECT_FALSE(load({.file = write("[sever]\nport = 80\n")}));
  auto c = load({.file = write("port = 80\n")});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("must be in a section"), std::string::npos);
}

TEST_F(LoadTest, WrongTypeInFileIsRejected) {
  auto c = load({.file = write("[server]\nport = \"8080\"\n")});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("server.port"), std::string::npos);
  EXPECT_NE(c.error().message().find("got a string"), std::string::npos) << c.error().message();
  auto f = load({.file = write("[server]\nport = 80.5\n")});
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message().find("floating-point"), std::string::npos) << f.error().message();
}

TEST_F(LoadTest, SyntaxErrorsCarryLineAndColumn) {
  auto c = load({.file = write("[server]\nport = = 1\n")});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(c.error().message().find("tandem.toml:2:"), std::string::npos) << c.error().message();
}

TEST_F(LoadTest, MissingFileIsNotFound) {
  auto c = load({.file = (dir_ / "absent.toml").string()});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), core::StatusCode::kNotFound);
}

TEST_F(LoadTest, UnknownTandemEnvironmentVariableIsAnError) {
  auto c = load({.env = {{"TANDEM_SERVER_PROT", "1"}}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("TANDEM_SERVER_PROT"), std::string::npos);
}

TEST_F(LoadTest, BadEnvironmentValueNamesTheVariable) {
  auto c = load({.env = {{"TANDEM_SERVER_PORT", "http"}}});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("server.port (from TANDEM_SERVER_PORT)"), std::string::npos)
      << c.error().message();
}

TEST_F(LoadTest, RenderedDefaultsParseBackToDefaults) {
  std::string text = render_toml(Config{});
  auto c = load({.file = write(text)});
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(render_toml(*c), text);
}

TEST_F(LoadTest, RenderedConfigRoundTripsChangedValues) {
  Sources s{.flags = {{"server.port", "9", "t"},
                      {"log.access", "false", "t"},
                      {"server.idle_timeout", "90s", "t"},
                      {"data.dir", "/var/lib/\"q\"", "t"}}};
  auto c = load(s);
  ASSERT_TRUE(c) << c.error().to_string();
  auto back = load({.file = write(render_toml(*c))});
  ASSERT_TRUE(back) << back.error().to_string();
  EXPECT_EQ(back->server.port, 9);
  EXPECT_FALSE(back->log.access);
  EXPECT_EQ(back->server.idle_timeout, std::chrono::seconds(90));
  EXPECT_EQ(back->data.dir, "/var/lib/\"q\"");
}

TEST(Render, SecretsAreRedacted) {
  // A table whose data.dir is marked secret stands in for the real secrets of later settings.
  std::vector<Setting> table(settings_table().begin(), settings_table().end());
  for (auto& s : table) {
    if (s.key == "data.dir") s.secret = true;
  }
  Config c;
  c.data.dir = "hunter2";
  std::string text = render_toml(c, table);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_NE(text.find("dir = \"<redacted>\""), std::string::npos);
}

TEST(Render, DocumentsEverySettingWithEnvAndFlag) {
  std::string text = render_toml(Config{});
  for (const auto& s : settings_table()) {
    EXPECT_NE(text.find(env_name(s.key)), std::string::npos) << s.key;
    EXPECT_NE(text.find(std::string(name_of(s.key)) + " = "), std::string::npos) << s.key;
  }
  EXPECT_NE(text.find("Flag: --port"), std::string::npos);
}

TEST(Settings, EnvNamesFollowTheContract) {
  EXPECT_EQ(env_name("server.port"), "TANDEM_SERVER_PORT");
  EXPECT_EQ(env_name("data.dir"), "TANDEM_DATA_DIR");
  EXPECT_EQ(env_name("server.max_body_bytes"), "TANDEM_SERVER_MAX_BODY_BYTES");
}

TEST(Settings, KeysAreUniqueAndSectioned) {
  std::set<std::string_view> keys;
  for (const auto& s : settings_table()) {
    EXPECT_TRUE(keys.insert(s.key).second) << s.key;
    EXPECT_NE(s.key.find('.'), std::string_view::npos) << s.key;
    EXPECT_FALSE(s.help.empty()) << s.key;
  }
}

}  // namespace
}  // namespace tandem::config
