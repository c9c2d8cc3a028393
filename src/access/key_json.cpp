// Key specs as JSON. Depends on core, json, query (a scoped key's filter), access, simdjson.
#include "access/key_json.h"

#include <simdjson.h>

#include <chrono>

#include "core/clock.h"
#include "json/writer.h"
#include "query/parse.h"

namespace tandem::access {
namespace {

using core::fail;
using core::invalid_argument;

std::string rfc3339(std::int64_t ms) {
  return core::format_rfc3339_ms(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

bool collection_name(std::string_view n) {
  if (n.empty() || n.size() > 64 || n[0] < 'a' || n[0] > 'z') return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

void write_spec_members(json::Writer& w, const KeySpec& s) {
  w.field("description", s.description);
  w.key("scopes").begin_array();
  for (const auto& n : scope_names(s.scopes))
    w.value(n);
  w.end_array();
  w.key("collections").begin_array();
  for (const auto& c : s.collections)
    w.value(c);
  w.end_array();
  w.key("expires_at");
  if (s.expires_at_ms != 0) {
    w.value(rfc3339(s.expires_at_ms));
  } else {
    w.null();
  }
  w.field("rate", s.rate).field("burst", s.burst).field("filter", s.filter);
}

}  // namespace

core::Result<KeySpec> spec_from_json(std::string_view text, std::int64_t now_ms) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::object object;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS)
    return fail(invalid_argument("the body is not JSON"));
  if (doc.get(object) != simdjson::SUCCESS)
    return fail(invalid_argument("the body must be a JSON object"));
  KeySpec spec;
  bool scopes_given = false;
  for (auto [key, value] : object) {
    std::string name(key);
    auto wrong = [&](std::string_view what) {
      return fail(invalid_argument(name + ": " + std::string(what)));
    };
    if (name == "description" || name == "filter") {
      std::string_view s;
      if (value.get(s) != simdjson::SUCCESS) return wrong("expected a string");
      if (s.size() > 1024) return wrong("at most 1024 bytes");
      (name == "description" ? spec.description : spec.filter) = std::string(s);
    } else if (name == "scopes" || name == "collections") {
      simdjson::dom::array list;
      if (value.get(list) != simdjson::SUCCESS) return wrong("expected an array of strings");
      std::vector<std::string> items;
      for (auto item : list) {
        std::string_view s;
        if (item.get(s) != simdjson::SUCCESS) return wrong("expected an array of strings");
        items.emplace_back(s);
      }
      if (name == "scopes") {
        auto scopes = parse_scopes(items);
        if (!scopes) return fail(scopes.error());
        spec.scopes = *scopes;
        scopes_given = true;
      } else {
        for (const auto& c : items)
          if (!collection_name(c)) return wrong("'" + c + "' is not a collection name");
        spec.collections = std::move(items);
      }
    } else if (name == "expires_at") {
      if (value.is_null()) continue;
      std::string_view s;
      if (value.get(s) != simdjson::SUCCESS) return wrong("expected an RFC 3339 timestamp or null");
      auto ms = core::parse_rfc3339_ms(s);
      if (!ms) return wrong("'" + std::string(s) + "' is not an RFC 3339 timestamp");
      if (now_ms != 0 && *ms <= now_ms) return wrong("already past");
      spec.expires_at_ms = *ms;
    } else if (name == "rate" || name == "burst") {
      double d = 0;
      if (value.get(d) != simdjson::SUCCESS) return wrong("expected a number");
      if (!(d >= 0) || d > 1e9) return wrong("expected a number from 0 to 1e9");
      (name == "rate" ? spec.rate : spec.burst) = d;
    } else {
      return fail(invalid_argument(
          name +
          ": unknown member (description, scopes, collections, expires_at, rate, burst, "
          "filter)"));
    }
  }
  if (!spec.filter.empty()) {
    if (auto f = query::parse_filter(spec.filter); !f)
      return fail(invalid_argument("filter: " + f.error().message));
  }
  if (!scopes_given || spec.scopes == 0)
    return fail(invalid_argument("scopes: at least one of search, read, write, admin"));
  return spec;
}

std::string spec_to_json(const KeySpec& spec) {
  json::Writer w;
  w.begin_object();
  write_spec_members(w, spec);
  return w.end_object().take();
}

std::string key_to_json(const KeyRecord& key, std::string_view text) {
  json::Writer w;
  w.begin_object().field("id", key.id);
  write_spec_members(w, key.spec);
  w.field("created_at", rfc3339(key.created_at_ms)).key("revoked_at");
  if (key.revoked_at_ms != 0) {
    w.value(rfc3339(key.revoked_at_ms));
  } else {
    w.null();
  }
  if (!text.empty()) w.field("key", text);
  return w.end_object().take();
}

}  // namespace tandem::access
