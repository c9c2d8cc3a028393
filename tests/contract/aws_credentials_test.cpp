// Where AWS credentials come from: the environment, a credentials file with profiles, and the
// container credentials endpoint (served by the fault-injecting HTTP server on loopback) with its
// authorization token, expiry and refresh; and the errors, which never show a secret.
#include "net/aws_credentials.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "support/http_fault_server.h"
#include "support/temp_dir.h"

namespace tandem::net {
namespace {

using namespace std::chrono_literals;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string iso(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

TEST(AwsCredentials, FromTheEnvironment) {
  auto p = AwsCredentialsProvider::from_environment(env_of({{"AWS_ACCESS_KEY_ID", "AKID"},
                                                            {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                                                            {"AWS_SESSION_TOKEN", "TOKEN"}}));
  ASSERT_TRUE(p) << p.error().message();
  auto c = (*p)->get();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "AKID");
  EXPECT_EQ(c->secret_access_key, "SECRET");
  EXPECT_EQ(c->session_token, "TOKEN");
  EXPECT_EQ((*p)->source(), "environment");
  auto half = AwsCredentialsProvider::from_environment(env_of({{"AWS_ACCESS_KEY_ID", "AKID"}}));
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message().find("go together"), std::string::npos);
}

TEST(AwsCredentials, FromAProfileOfTheCredentialsFile) {
  testing::TempDir dir;
  std::ofstream(dir.file("credentials")) << "# comment\n[default]\naws_access_key_id = D1\n"
                                            "aws_secret_access_key = DS\n\n[search]\n"
                                            "aws_access_key_id=S1\naws_secret_access_key=SS\n"
                                            "aws_session_token=ST\n";
  auto def = AwsCredentialsProvider::from_environment(
      env_of({{"AWS_SHARED_CREDENTIALS_FILE", dir.file("credentials")}}));
  ASSERT_TRUE(def) << def.error().message();
  EXPECT_EQ((*def)->get()->access_key_id, "D1");
  EXPECT_EQ((*def)->get()->session_token, "");
  auto search = AwsCredentialsProvider::from_environment(env_of(
      {{"AWS_SHARED_CREDENTIALS_FILE", dir.file("credentials")}, {"AWS_PROFILE", "search"}}));
  ASSERT_TRUE(search);
  EXPECT_EQ((*search)->get()->secret_access_key, "SS");
  EXPECT_EQ((*search)->get()->session_token, "ST");
  auto missing = AwsCredentialsProvider::from_environment(
      env_of({{"AWS_SHARED_CREDENTIALS_FILE", dir.file("credentials")}, {"AWS_PROFILE", "nope"}}));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("[nope]"), std::string::npos);
  auto none = AwsCredentialsProvider::from_environment(env_of({{"HOME", dir.file("empty")}}));
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

TEST(AwsCredentials, FromTheContainerEndpointAndAgainBeforeTheyExpire) {
  auto soon = iso(std::chrono::system_clock::now() + 2min);  // within the 5 min margin
  auto later = iso(std::chrono::system_clock::now() + 6h);
  testing::HttpFaultServer server(
      {{.body = R"({"AccessKeyId":"A1","SecretAccessKey":"S1","Token":"T1","Expiration":")" + soon +
                "\"}"},
       {.body = R"({"AccessKeyId":"A2","SecretAccessKey":"S2","Token":"T2","Expiration":")" +
                later + "\"}"}});
  testing::TempDir dir;
  std::ofstream(dir.file("token")) << "secret-token\n";
  auto p = AwsCredentialsProvider::from_environment(
      env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI",
               "http://127.0.0.1:" + std::to_string(server.port()) + "/v2/credentials/x"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir.file("token")}}));
  ASSERT_TRUE(p) << p.error().message();
  auto first = (*p)->get();  // expires within the margin: fetched again
  ASSERT_TRUE(first);
  EXPECT_EQ(first->access_key_id, "A2");
  EXPECT_EQ((*p)->get()->session_token, "T2");  // good for hours: kept
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].target, "/v2/credentials/x");
  EXPECT_EQ(seen[0].header("Authorization"), "secret-token");
}

TEST(AwsCredentials, AnEndpointThatFailsSaysSoWithoutSecrets) {
  testing::HttpFaultServer server({{.status = 500, .body = "boom"},
                                   {.status = 500, .body = "boom"},
                                   {.status = 500, .body = "boom"}});
  auto p = AwsCredentialsProvider::from_environment(
      env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI",
               "http://127.0.0.1:" + std::to_string(server.port()) + "/creds"},
              {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok-123"}}));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("answered 500"), std::string::npos) << p.error().message();
  EXPECT_EQ(p.error().message().find("tok-123"), std::string::npos);
  testing::HttpFaultServer garbage({{.body = R"({"nothing":1})"}});
  auto g = AwsCredentialsProvider::from_environment(
      env_of({{"AWS_CONTAINER_CREDENTIALS_FULL_URI",
               "http://127.0.0.1:" + std::to_string(garbage.port()) + "/creds"}}));
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message().find("without AccessKeyId"), std::string::npos);
}

}  // namespace
}  // namespace tandem::net
