// libFuzzer target for Lambda's payloads (api/lambda_events.h). Any crash, sanitizer report or
// broken invariant is a finding: a payload is an event or a kInvalidArgument with a message; an
// HTTP event's request points into the event and its path is a valid target (no spaces,
// controls, bytes above ASCII or '#'); a response's body comes back from its JSON, base64-decoded
// when it is binary.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/lambda_events.h"
#include "core/base64.h"

namespace {

namespace lambda = tandem::api::lambda;

void require(bool condition) {
  if (!condition) std::abort();
}

void check_http(const lambda::HttpEvent& e) {
  require(e.version == 1 || e.version == 2);
  tandem::api::Request r = e.request();
  require(r.target.data() == e.target.data() && r.body.size() == e.body.size());
  require(r.headers.size() >= e.headers.size());
  for (char ch : r.path) {
    auto c = static_cast<unsigned char>(ch);
    require(c > 0x20 && c < 0x7f && c != '#' && c != '?');
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto event = lambda::parse_event(input);
  if (!event) {
    require(event.error().code() == tandem::core::StatusCode::kInvalidArgument);
    require(!event.error().message().empty());
  } else if (auto* http = std::get_if<lambda::HttpEvent>(&*event)) {
    check_http(*http);
  } else if (auto* job = std::get_if<lambda::JobEvent>(&*event)) {
    require(job->job.empty() != job->rule.empty());
  } else {
    auto& records = std::get<lambda::RecordsEvent>(*event);
    require(!records.records.empty() && records.records.front() == '[');
  }
  // The input as a binary response body: it comes back byte for byte.
  tandem::api::Response res{.content_type = "application/octet-stream", .body = std::string(input)};
  simdjson::dom::parser parser;
  for (int version : {1, 2}) {
    std::string json = lambda::http_response(res, version, "id");
    simdjson::dom::element doc;
    require(!parser.parse(json).get(doc));
    std::string_view body;
    require(!doc["body"].get_string().get(body));
    require(tandem::core::base64_decode(body) == res.body);
  }
  return 0;
}
