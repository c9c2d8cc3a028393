// Where AWS credentials come from, in the order the AWS SDKs look: the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: Lambda sets these), then the
// container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on ECS, or
// AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]), then the
// shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile
// AWS_PROFILE or "default"). Temporary credentials from the endpoint are fetched again before
// they expire. Secrets never appear in messages. Thread-safe. Depends on core and net.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/sigv4.h"

namespace tandem::net {

class HttpClient;

// Reads an environment variable (tests pass their own).
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup process_environment();

class AwsCredentialsProvider {
 public:
  // kInvalidArgument when no source is configured, or one is configured wrongly (a file
  // without the profile, a malformed endpoint URI), naming what is missing.
  static core::Result<std::unique_ptr<AwsCredentialsProvider>> from_environment(
      const EnvLookup& env,
      std::chrono::milliseconds refresh_before_expiry = std::chrono::minutes(5));
  ~AwsCredentialsProvider();

  // The credentials to sign with now: fetched again from the endpoint when they expire within
  // the margin. kUnavailable when the endpoint cannot be read (the last good ones are kept
  // while they are still valid).
  core::Result<AwsCredentials> get();
  // "environment", "container endpoint http://...", "file /root/.aws/credentials [default]".
  const std::string& source() const { return source_; }

 private:
  AwsCredentialsProvider() = default;
  core::Status fetch();  // from the endpoint, under mutex_

  std::string source_;
  std::mutex mutex_;
  AwsCredentials current_;
  std::optional<std::chrono::system_clock::time_point> expires_;  // endpoint credentials only
  std::chrono::milliseconds margin_{0};
  // The endpoint's, when that is the source.
  std::unique_ptr<HttpClient> endpoint_;
  std::string endpoint_target_;
  std::string authorization_;       // the token, or
  std::string authorization_file_;  // a file holding it (read on each fetch: it rotates)
};

}  // namespace tandem::net
