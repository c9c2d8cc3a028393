// Our own HTTP request and response types: handlers see these, never Beast's, so they can be
// tested without a socket. Depends on core only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tandem::api {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view method_name(Method m);
Method parse_method(std::string_view name);

// "%41b+c" -> "Ab c" (with `plus_is_space`). Invalid escapes are kept literally.
std::string percent_decode(std::string_view s, bool plus_is_space);

// One request. The views point into the server's buffers and live as long as the request.
struct Request {
  Method method = Method::kGet;
  std::string_view target;  // as received: "/search?q=usb"
  std::string_view path;    // up to '?': "/search"
  std::string_view query;   // after '?': "q=usb"
  std::string request_id;   // X-Request-Id, taken or made
  std::string body;
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // as received
  std::vector<std::pair<std::string_view, std::string>> params;        // from the route pattern

  // The first header with this name (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
  // A decoded query parameter ("q" in "?q=usb+cable"); the first when repeated.
  std::optional<std::string> query_param(std::string_view name) const;
  // A path parameter captured by "{name}" in the route pattern.
  std::optional<std::string_view> param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Splits "path?query" into its parts.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

}  // namespace tandem::api
