// Lambda payloads <-> our requests and responses. Depends on core, json, simdjson, api.
#include "api/lambda_events.h"

#include <simdjson.h>

#include "core/base64.h"
#include "core/text.h"
#include "json/writer.h"

namespace tandem::api::lambda {
namespace {

using core::fail;
using core::invalid_argument;
using simdjson::dom::element;
using simdjson::dom::object;

// A path as it goes into a target: REST APIs and function URLs pass it percent-encoded, HTTP APIs
// decoded, and nothing says which. What cannot stand in an encoded path is encoded (spaces,
// controls, bytes above ASCII, '?', '#', a '%' not starting an escape); an encoded path passes
// unchanged.
std::string safe_path(std::string_view path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    auto c = static_cast<unsigned char>(path[i]);
    bool escape_start = c == '%' && i + 2 < path.size() && core::hex_value(path[i + 1]) >= 0 &&
                        core::hex_value(path[i + 2]) >= 0;
    if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#' || (c == '%' && !escape_start)) {
      out += core::percent_encode(path.substr(i, 1));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// A member that may be missing or null: nullopt then; an error when it has another type.
core::Result<std::optional<std::string_view>> optional_string(object o, std::string_view key) {
  element e;
  if (o[key].get(e) || e.is_null()) return std::optional<std::string_view>();
  std::string_view s;
  if (e.get(s)) return fail(invalid_argument("'" + std::string(key) + "' must be a string"));
  return std::optional<std::string_view>(s);
}

core::Result<std::string_view> required_string(object o, std::string_view key,
                                               std::string_view where) {
  auto s = optional_string(o, key);
  if (!s) return fail(s.error());
  if (!*s) return fail(invalid_argument(std::string(where) + " has no '" + std::string(key) + "'"));
  return **s;
}

// An object member that may be missing or null.
core::Result<std::optional<object>> optional_object(object o, std::string_view key) {
  element e;
  if (o[key].get(e) || e.is_null()) return std::optional<object>();
  object inner;
  if (e.get(inner)) return fail(invalid_argument("'" + std::string(key) + "' must be an object"));
  return std::optional<object>(inner);
}

// A string member of an object member ("requestContext" -> "requestId"), or "" when missing.
std::string nested_string(object o, std::initializer_list<std::string_view> path) {
  element e;
  bool first = true;
  for (auto key : path) {
    if ((first ? o[key] : e[key]).get(e)) return "";
    first = false;
  }
  std::string_view s;
  return e.get(s) ? "" : std::string(s);
}

// The body, decoded when isBase64Encoded.
core::Status read_body(object o, HttpEvent& out) {
  auto body = optional_string(o, "body");
  if (!body) return body.error();
  bool encoded = false;
  element flag;
  if (!o["isBase64Encoded"].get(flag) && !flag.is_null() && flag.get(encoded))
    return invalid_argument("'isBase64Encoded' must be a boolean");
  if (!*body) return {};
  if (!encoded) {
    out.body = std::string(**body);
    return {};
  }
  auto decoded = core::base64_decode(**body);
  if (!decoded) return invalid_argument("'body' is not base64, though isBase64Encoded says so");
  out.body = std::move(*decoded);
  return {};
}

// A map of strings (or, with `lists`, of arrays of strings) as (name, value) pairs.
core::Status read_pairs(object map, bool lists, std::string_view what,
                        std::vector<std::pair<std::string, std::string>>& out) {
  for (auto [name, value] : map) {
    if (value.is_null()) continue;
    std::string_view s;
    if (!lists) {
      if (value.get(s)) return invalid_argument(std::string(what) + " values must be strings");
      out.emplace_back(std::string(name), std::string(s));
      continue;
    }
    simdjson::dom::array items;
    if (value.get(items)) return invalid_argument(std::string(what) + " values must be arrays");
    for (element item : items) {
      if (item.get(s)) return invalid_argument(std::string(what) + " values must be strings");
      out.emplace_back(std::string(name), std::string(s));
    }
  }
  return {};
}

// Payload format 1.0: API Gateway's REST API proxy integration (and HTTP APIs set to 1.0).
core::Result<Event> rest_event(object o) {
  HttpEvent e{.version = 1};
  auto method = required_string(o, "httpMethod", "the event");
  auto path = required_string(o, "path", "the event");
  if (!method) return fail(method.error());
  if (!path) return fail(path.error());
  e.method = parse_method(*method);
  e.target = safe_path(*path);
  // Query values come decoded: encoded again for the target.
  std::vector<std::pair<std::string, std::string>> query;
  auto multi = optional_object(o, "multiValueQueryStringParameters");
  if (!multi) return fail(multi.error());
  if (*multi) {
    if (auto st = read_pairs(**multi, true, "multiValueQueryStringParameters", query); !st.is_ok())
      return fail(st);
  } else {
    auto single = optional_object(o, "queryStringParameters");
    if (!single) return fail(single.error());
    if (*single) {
      if (auto st = read_pairs(**single, false, "queryStringParameters", query); !st.is_ok())
        return fail(st);
    }
  }
  for (std::size_t i = 0; i < query.size(); ++i) {
    e.target.append(i == 0 ? "?" : "&").append(core::percent_encode(query[i].first));
    e.target.append("=").append(core::percent_encode(query[i].second));
  }
  auto multi_headers = optional_object(o, "multiValueHeaders");
  if (!multi_headers) return fail(multi_headers.error());
  if (*multi_headers) {
    if (auto st = read_pairs(**multi_headers, true, "multiValueHeaders", e.headers); !st.is_ok())
      return fail(st);
  } else {
    auto headers = optional_object(o, "headers");
    if (!headers) return fail(headers.error());
    if (*headers) {
      if (auto st = read_pairs(**headers, false, "headers", e.headers); !st.is_ok())
        return fail(st);
    }
  }
  if (auto st = read_body(o, e); !st.is_ok()) return fail(st);
  e.client = nested_string(o, {"requestContext", "identity", "sourceIp"});
  e.request_id = nested_string(o, {"requestContext", "requestId"});
  return Event(std::move(e));
}

// Payload format 2.0: HTTP APIs and function URLs.
core::Result<Event> http_api_event(object o) {
  HttpEvent e{.version = 2};
  auto path = required_string(o, "rawPath", "the event");
  if (!path) return fail(path.error());
  e.target = safe_path(*path);
  auto query = optional_string(o, "rawQueryString");
  if (!query) return fail(query.error());
  if (*query && !(*query)->empty()) e.target.append("?").append(**query);
  std::string method = nested_string(o, {"requestContext", "http", "method"});
  if (method.empty()) return fail(invalid_argument("the event has no requestContext.http.method"));
  e.method = parse_method(method);
  auto headers = optional_object(o, "headers");
  if (!headers) return fail(headers.error());
  if (*headers) {
    if (auto st = read_pairs(**headers, false, "headers", e.headers); !st.is_ok()) return fail(st);
  }
  element cookies;
  if (!o["cookies"].get(cookies) && !cookies.is_null()) {
    simdjson::dom::array list;
    if (cookies.get(list)) return fail(invalid_argument("'cookies' must be an array"));
    std::string joined;
    for (element c : list) {
      std::string_view s;
      if (c.get(s)) return fail(invalid_argument("'cookies' must hold strings"));
      joined.append(joined.empty() ? "" : "; ").append(s);
    }
    if (!joined.empty()) e.headers.emplace_back("cookie", std::move(joined));
  }
  if (auto st = read_body(o, e); !st.is_ok()) return fail(st);
  e.client = nested_string(o, {"requestContext", "http", "sourceIp"});
  e.request_id = nested_string(o, {"requestContext", "requestId"});
  return Event(std::move(e));
}

bool textual(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  std::string_view type = content_type.substr(0, semicolon);
  return type.starts_with("text/") || type.ends_with("/json") || type.ends_with("+json") ||
         type.ends_with("/javascript") || type == "image/svg+xml" ||
         type == "application/x-ndjson" || type.empty();
}

}  // namespace

Request HttpEvent::request() const {
  Request r;
  r.method = method;
  r.target = target;
  std::tie(r.path, r.query) = split_target(r.target);
  r.body = body;
  for (const auto& [name, value] : headers)
    r.headers.emplace_back(name, value);
  r.client = client;
  return r;
}

core::Result<Event> parse_event(std::string_view payload) {
  thread_local simdjson::dom::parser parser;
  element doc;
  if (auto error = parser.parse(payload.data(), payload.size()).get(doc))
    return fail(invalid_argument(std::string("the payload is not JSON: ") +
                                 simdjson::error_message(error)));
  object o;
  if (doc.get(o)) return fail(invalid_argument("the payload is not a JSON object"));
  std::string_view version;
  if (!o["version"].get(version) && version == "2.0") return http_api_event(o);
  element unused;
  if (!o["httpMethod"].get(unused)) return rest_event(o);
  std::string_view source, detail_type;
  if (!o["source"].get(source) && source == "aws.events" && !o["detail-type"].get(detail_type) &&
      detail_type == "Scheduled Event") {
    std::string rule;
    simdjson::dom::array resources;
    if (!o["resources"].get(resources)) {
      for (element r : resources) {
        std::string_view arn;
        if (r.get(arn)) continue;
        if (auto at = arn.find(":rule/"); at != std::string_view::npos) {
          rule = std::string(arn.substr(at + 6));
          break;
        }
      }
    }
    if (auto slash = rule.rfind('/'); slash != std::string::npos) rule.erase(0, slash + 1);
    if (rule.empty()) return fail(invalid_argument("the scheduled event names no rule"));
    return Event(JobEvent{.rule = std::move(rule)});
  }
  if (!o["job"].get(unused)) {
    auto job = required_string(o, "job", "the event");
    if (!job) return fail(job.error());
    if (job->empty()) return fail(invalid_argument("'job' must name a job"));
    return Event(JobEvent{.job = std::string(*job)});
  }
  if (!o["records"].get(unused)) {
    auto collection = required_string(o, "collection", "a records event");
    if (!collection) return fail(collection.error());
    simdjson::dom::array records;
    if (unused.get(records)) return fail(invalid_argument("'records' must be an array"));
    return Event(
        RecordsEvent{.collection = std::string(*collection), .records = simdjson::minify(records)});
  }
  return fail(invalid_argument(
      "the payload is none of: an API Gateway REST API or HTTP API event, a function URL event, "
      "an EventBridge scheduled event, {\"job\": \"<name>\"}, "
      "{\"collection\": \"<name>\", \"records\": [...]}"));
}

core::Result<std::string> job_of(const JobEvent& e, const std::vector<std::string>& jobs) {
  const std::string& wanted = e.job.empty() ? e.rule : e.job;
  std::string best;
  for (const auto& name : jobs) {
    if (name == wanted) return name;
    bool suffix = e.job.empty() && wanted.size() > name.size() && wanted.ends_with(name) &&
                  wanted[wanted.size() - name.size() - 1] == '-';
    if (suffix && name.size() > best.size()) best = name;
  }
  if (!best.empty()) return best;
  return fail(core::not_found(e.job.empty() ? "no job for the scheduled rule '" + e.rule + "'"
                                            : "no job named '" + e.job + "'"));
}

std::string http_response(const Response& res, int version, std::string_view request_id) {
  json::Writer w;
  w.begin_object().field("statusCode", res.status);
  w.key(version == 1 ? "multiValueHeaders" : "headers").begin_object();
  // Names in the order first seen, each with its values: version 2 takes one value per name
  // (repeated headers joined with commas), version 1 a list.
  std::vector<std::pair<std::string_view, std::vector<std::string_view>>> headers;
  for_each_header(res, request_id, true, [&](std::string_view name, std::string_view value) {
    for (auto& [seen, values] : headers) {
      if (core::iequals(seen, name)) {
        values.push_back(value);
        return;
      }
    }
    headers.push_back({name, {value}});
  });
  for (const auto& [name, values] : headers) {
    w.key(name);
    if (version == 1) {
      w.begin_array();
      for (auto v : values)
        w.value(v);
      w.end_array();
      continue;
    }
    std::string joined;
    for (auto v : values)
      joined.append(joined.empty() ? "" : ", ").append(v);
    w.value(joined);
  }
  w.end_object();
  bool binary = !textual(res.content_type);
  w.field("body", binary ? core::base64(res.body) : res.body);
  w.field("isBase64Encoded", binary);
  w.end_object();
  return w.take();
}

std::string error_report(std::string_view type, std::string_view message) {
  json::Writer w;
  w.begin_object().field("errorMessage", message).field("errorType", type);
  w.key("stackTrace").begin_array().end_array().end_object();
  return w.take();
}

}  // namespace tandem::api::lambda
