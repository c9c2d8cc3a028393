// Status and StatusCode: how every module reports an expected failure.
// Depends on the standard library only. HTTP statuses are derived from StatusCode in src/api alone.
#pragma once

#include <string>
#include <string_view>

namespace tandem::core {

// What went wrong, independent of transport. Add codes sparingly: each one needs a mapping in
// api/errors.cpp and a stable wire name (see code_name()).
enum class StatusCode {
  kOk,
  kInvalidArgument,      // the caller sent something malformed or out of range
  kNotFound,             // the named thing does not exist
  kAlreadyExists,        // create of something that exists
  kFailedPrecondition,   // valid request, wrong state
  kPayloadTooLarge,      // input over a configured size limit
  kResourceExhausted,    // rate limit or quota
  kInsufficientStorage,  // the disk is full; retrying after space is freed will work
  kUnauthenticated,      // no or bad credentials
  kPermissionDenied,     // credentials lack the scope
  kUnavailable,          // a dependency is down; retrying later may help
  kInternal,             // a bug or an unexpected library failure
};

// Stable snake_case name of a code, used in logs and in error bodies ("invalid_argument").
std::string_view code_name(StatusCode code);

// A code and a human-readable message. Cheap to move; the ok status carries no message.
class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "invalid_argument: server.port: expected ..." — for logs and CLI output.
  std::string to_string() const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;  // kOk means success
  std::string message_;                // empty for ok
};

// Shorthands for the common constructors.
inline Status invalid_argument(std::string message) {
  return {StatusCode::kInvalidArgument, std::move(message)};
}
inline Status not_found(std::string message) {
  return {StatusCode::kNotFound, std::move(message)};
}
inline Status internal_error(std::string message) {
  return {StatusCode::kInternal, std::move(message)};
}
inline Status unavailable(std::string message) {
  return {StatusCode::kUnavailable, std::move(message)};
}

}  // namespace tandem::core
