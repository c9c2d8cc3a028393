// Our own HTTP request and response types: handlers see these, never Beast's, so they can be
// tested without a socket. Depends on core and access (a request's principal).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access/keys_registry.h"

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
  std::string_view client;      // the peer's address ("" when unknown: tests, tools)
  access::Principal principal;  // who it acts as, set by the router's guard
  std::vector<std::pair<std::string, std::string>> response_headers;  // the guard's, for the answer

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

// "OK", "Not Found", ... for the statuses we answer with ("Unknown" otherwise).
std::string_view reason_phrase(int status);

// What the head of a response says besides the response itself.
struct HeadOptions {
  unsigned version = 11;        // of the request: 10 or 11
  bool keep_alive = true;       // whether the connection serves another request
  std::string_view date;        // IMF-fixdate for Date
  std::string_view request_id;  // X-Request-Id
  std::size_t content_length;   // of the body GET would send (HEAD sends the head alone)
  bool tls = false;             // over HTTPS: Strict-Transport-Security too
};

// Calls f(name, value) for each header of `res` after Server and Date, as every response carries
// them: Content-Type, X-Request-Id, the security headers (nosniff, no framing, no referrer; HSTS
// with `tls`), then the handler's.
template <typename F>
void for_each_header(const Response& res, std::string_view request_id, bool tls, F f) {
  f(std::string_view("Content-Type"), std::string_view(res.content_type));
  f(std::string_view("X-Request-Id"), request_id);
  f(std::string_view("X-Content-Type-Options"), std::string_view("nosniff"));
  f(std::string_view("X-Frame-Options"), std::string_view("DENY"));
  f(std::string_view("Referrer-Policy"), std::string_view("no-referrer"));
  if (tls) f(std::string_view("Strict-Transport-Security"), std::string_view("max-age=31536000"));
  for (const auto& [name, value] : res.headers)
    f(std::string_view(name), std::string_view(value));
}

// The status line and headers of `res`, ending with the empty line: Server, Date, Content-Type,
// X-Request-Id, the security headers (nosniff, no framing, no referrer; HSTS over TLS), the
// handler's headers, Content-Length (not for 204 and 304) and Connection when
// it differs from the version's default. Header values are ours (handlers' constants, checked
// request ids), so they hold no CR or LF.
std::string serialize_head(const Response& res, const HeadOptions& options);

}  // namespace tandem::api
