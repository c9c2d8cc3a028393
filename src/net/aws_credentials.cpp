// AWS credential sources. Depends on core, net and simdjson.
#include "net/aws_credentials.h"

#include <simdjson.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "net/http_client.h"

namespace tandem::net {
namespace {

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// The profile's keys in an INI credentials file; nullopt when the profile is not there.
std::optional<AwsCredentials> read_profile(std::istream& in, const std::string& profile) {
  std::optional<AwsCredentials> out;
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      inside = trim(std::string_view(t).substr(1, t.size() - 2)) == profile;
      if (inside && !out) out.emplace();
      continue;
    }
    if (!inside) continue;
    auto eq = t.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(std::string_view(t).substr(0, eq));
    std::string value = trim(std::string_view(t).substr(eq + 1));
    if (key == "aws_access_key_id") out->access_key_id = value;
    if (key == "aws_secret_access_key") out->secret_access_key = value;
    if (key == "aws_session_token") out->session_token = value;
  }
  return out;
}

std::optional<std::chrono::system_clock::time_point> parse_time(std::string_view s) {
  std::tm tm{};
  std::istringstream in{std::string(s)};
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

AwsCredentialsProvider::~AwsCredentialsProvider() = default;

core::Result<std::unique_ptr<AwsCredentialsProvider>> AwsCredentialsProvider::from_environment(
    const EnvLookup& env, std::chrono::milliseconds refresh_before_expiry) {
  std::unique_ptr<AwsCredentialsProvider> p(new AwsCredentialsProvider());
  p->margin_ = refresh_before_expiry;
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (id || secret) {
    if (!id || !secret) {
      return core::fail(core::invalid_argument(
          "aws credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together"));
    }
    p->current_ = {.access_key_id = *id,
                   .secret_access_key = *secret,
                   .session_token = env("AWS_SESSION_TOKEN").value_or("")};
    p->source_ = "environment";
    return p;
  }
  auto relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  auto full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (relative || full) {
    std::string uri = relative ? "http://169.254.170.2" + *relative : *full;
    auto slash = uri.find('/', uri.find("://") + 3);
    auto endpoint = parse_http_endpoint(uri.substr(0, slash));
    if (!endpoint) {
      return core::fail(core::invalid_argument("aws credentials: the container endpoint " +
                                               endpoint.error().message()));
    }
    p->endpoint_target_ = slash == std::string::npos ? "/" : uri.substr(slash);
    p->endpoint_ = std::make_unique<HttpClient>(
        HttpClientOptions{.endpoints = {*endpoint},
                          .pool_size = 1,
                          .connect_timeout = std::chrono::milliseconds(1000),
                          .request_timeout = std::chrono::milliseconds(3000),
                          .max_attempts = 3});
    p->authorization_ = env("AWS_CONTAINER_AUTHORIZATION_TOKEN").value_or("");
    p->authorization_file_ = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").value_or("");
    p->source_ = "container endpoint " + describe(*endpoint);
    std::lock_guard lock(p->mutex_);
    if (auto st = p->fetch(); !st.is_ok()) return core::fail(st);
    return p;
  }
  std::string file =
      env("AWS_SHARED_CREDENTIALS_FILE").value_or(env("HOME").value_or("") + "/.aws/credentials");
  std::string profile = env("AWS_PROFILE").value_or("default");
  std::ifstream in(file);
  if (!in) {
    return core::fail(core::invalid_argument(
        "aws credentials: none found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, run "
        "where the container credentials endpoint is set, or write " +
        file));
  }
  auto creds = read_profile(in, profile);
  if (!creds || creds->access_key_id.empty() || creds->secret_access_key.empty()) {
    return core::fail(core::invalid_argument("aws credentials: " + file + " has no profile [" +
                                             profile +
                                             "] with aws_access_key_id and aws_secret_access_key"));
  }
  p->current_ = *creds;
  p->source_ = "file " + file + " [" + profile + "]";
  return p;
}

core::Status AwsCredentialsProvider::fetch() {
  HttpRequest r{.target = endpoint_target_};
  std::string token = authorization_;
  if (!authorization_file_.empty()) {
    std::ifstream in(authorization_file_);
    if (!in) return core::unavailable("aws credentials: cannot read " + authorization_file_);
    std::getline(in, token);
    token = trim(token);
  }
  if (!token.empty()) r.headers.emplace_back("Authorization", token);
  auto res = endpoint_->send(std::move(r));
  if (!res) return core::unavailable("aws credentials: " + source_ + ": " + res.error().message());
  if (res->status != 200) {
    return core::unavailable("aws credentials: " + source_ + " answered " +
                             std::to_string(res->status));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view id, secret, session, expiration;
  if (parser.parse(res->body).get(doc) != simdjson::SUCCESS ||
      doc["AccessKeyId"].get(id) != simdjson::SUCCESS ||
      doc["SecretAccessKey"].get(secret) != simdjson::SUCCESS) {
    return core::unavailable("aws credentials: " + source_ +
                             " answered without AccessKeyId and SecretAccessKey");
  }
  if (doc["Token"].get(session) != simdjson::SUCCESS) session = {};
  expires_.reset();
  if (doc["Expiration"].get(expiration) == simdjson::SUCCESS) expires_ = parse_time(expiration);
  current_ = {.access_key_id = std::string(id),
              .secret_access_key = std::string(secret),
              .session_token = std::string(session)};
  return {};
}

core::Result<AwsCredentials> AwsCredentialsProvider::get() {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::system_clock::now();
  if (endpoint_ && expires_ && now + margin_ >= *expires_) {
    auto st = fetch();
    if (!st.is_ok() && now >= *expires_) return core::fail(st);  // the old ones are no good
  }
  return current_;
}

}  // namespace tandem::net
