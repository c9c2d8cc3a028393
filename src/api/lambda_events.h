// AWS Lambda's invocation payloads as our own requests, and our responses as Lambda wants them
// back: API Gateway REST API proxy events (payload format 1.0), HTTP API and function URL events
// (2.0), EventBridge scheduled events, and direct invocations naming a job or carrying records.
// No I/O: the runtime loop (app/lambda.h) fetches and answers invocations. Depends on core, json,
// simdjson and the rest of api.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/http.h"
#include "core/result.h"

namespace tandem::api::lambda {

// An HTTP request that API Gateway or a function URL passed on. Owns the strings that
// request()'s views point into.
struct HttpEvent {
  int version = 1;  // payload format: 1 (REST API) or 2 (HTTP API, function URL)
  Method method = Method::kGet;
  std::string target;  // path?query, percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;        // decoded when it came base64-encoded
  std::string client;      // the caller's address (requestContext's source IP)
  std::string request_id;  // API Gateway's (requestContext.requestId), may be empty

  // The request as the router takes it; valid while this event lives, unmoved.
  Request request() const;
};

// A job to run now: an EventBridge scheduled event (the rule names it) or {"job": "<name>"} (a
// rule's constant input, or a direct invocation).
struct JobEvent {
  std::string job;   // {"job": ...}; empty for a scheduled event
  std::string rule;  // the scheduled event's rule name ("...:rule/<name>")
};

// {"collection": "<name>", "records": [...]}: records to upsert, as a batch POST would.
struct RecordsEvent {
  std::string collection;
  std::string records;  // the array, as JSON text
};

using Event = std::variant<HttpEvent, JobEvent, RecordsEvent>;

// The payload as one of the events above. kInvalidArgument saying why when it is none of them:
// not JSON, not an object, an unknown shape, a member of the wrong type, a base64 body that does
// not decode.
core::Result<Event> parse_event(std::string_view payload);

// The job a JobEvent names among `jobs`: its "job", else the job named like the scheduled rule,
// or whose name ends the rule's after a '-' (a stack's "tandem-prod-generate" for "generate";
// the longest such name wins). kNotFound naming the rule or job when there is none.
core::Result<std::string> job_of(const JobEvent& e, const std::vector<std::string>& jobs);

// The answer to an HTTP event of payload format `version`: statusCode, headers (those a served
// response carries, with HSTS: API Gateway is HTTPS) and body, base64-encoded (isBase64Encoded)
// unless its content type is text, JSON, JavaScript or SVG.
std::string http_response(const Response& res, int version, std::string_view request_id);

// The body of an error report to the Runtime API: {"errorMessage", "errorType", "stackTrace"}.
std::string error_report(std::string_view type, std::string_view message);

}  // namespace tandem::api::lambda
