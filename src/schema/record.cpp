// Record validation and merging. Depends on core, json, simdjson.
#include "schema/record.h"

#include <optional>
#include <set>

#include "core/clock.h"
#include "core/uuid.h"
#include "json/split.h"
#include "json/writer.h"

namespace tandem::schema {
namespace {

using core::fail;
using core::invalid_argument;
using simdjson::dom::element;
using simdjson::dom::element_type;

std::string_view kind_of(element e) {
  switch (e.type()) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64: return "integer";
    case element_type::DOUBLE: return "number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "value";
}

std::string_view expected_of(FieldType t) {
  switch (t) {
    case FieldType::kText:
    case FieldType::kKeyword: return "string";
    case FieldType::kInt: return "integer";
    case FieldType::kFloat: return "number";
    case FieldType::kBool: return "boolean";
    case FieldType::kTimestamp: return "RFC 3339 timestamp string";
    case FieldType::kKeywordArray: return "array of strings";
  }
  return "value";
}

bool matches(FieldType t, element e) {
  switch (t) {
    case FieldType::kText:
    case FieldType::kKeyword: return e.is_string();
    case FieldType::kInt: return e.is_int64();
    case FieldType::kFloat: return e.is_number();
    case FieldType::kBool: return e.is_bool();
    case FieldType::kTimestamp: {
      std::string_view s;
      return !e.get_string().get(s) && core::parse_rfc3339_ms(s).has_value();
    }
    case FieldType::kKeywordArray: {
      simdjson::dom::array a;
      if (e.get_array().get(a)) return false;
      for (element x : a) {
        if (!x.is_string()) return false;
      }
      return true;
    }
  }
  return false;
}

core::Status check_fields(const Collection& c, simdjson::dom::object obj) {
  for (const auto& f : c.fields) {
    element value;
    bool present = !obj.at_key(f.name).get(value) && !value.is_null();
    if (!present) {
      if (f.optional) continue;
      return invalid_argument(f.name + ": required (" + std::string(expected_of(f.type)) + ")");
    }
    if (!matches(f.type, value)) {
      return invalid_argument(f.name + ": expected " + std::string(expected_of(f.type)) + ", got " +
                              std::string(kind_of(value)));
    }
  }
  return {};
}

// The record text with "id" inserted as its first member.
std::string with_id(std::string_view text, const std::string& id) {
  text = json::trim(text);
  std::string out = "{\"id\":";
  json::append_string(out, id);
  std::string_view rest = json::trim(text.substr(1));
  if (rest != "}") out += ',';
  out.append(rest);
  return out;
}

}  // namespace

core::Status RecordParser::check_id(std::string_view id) {
  if (id.empty()) return invalid_argument("id: must not be empty");
  if (id.size() > kMaxIdBytes) {
    return invalid_argument("id: " + std::to_string(id.size()) + " bytes is longer than " +
                            std::to_string(kMaxIdBytes));
  }
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f) return invalid_argument("id: must not contain control characters");
  }
  // UTF-8 validity: ids from JSON are validated by simdjson; ids from URLs are checked here.
  if (!simdjson::validate_utf8(id.data(), id.size())) return invalid_argument("id: invalid UTF-8");
  return {};
}

core::Result<simdjson::dom::object> RecordParser::parse_object(std::string_view text) {
  if (text.size() > max_bytes_) {
    return fail({core::StatusCode::kPayloadTooLarge, "record of " + std::to_string(text.size()) +
                                                         " bytes is over the limit of " +
                                                         std::to_string(max_bytes_)});
  }
  element root;
  if (auto err = parser_.parse(text.data(), text.size()).get(root)) {
    return fail(invalid_argument(std::string("invalid JSON: ") + simdjson::error_message(err)));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) {
    return fail(invalid_argument("expected a JSON object, got " + std::string(kind_of(root))));
  }
  std::set<std::string_view> keys;
  for (auto [key, value] : obj) {
    if (!keys.insert(key).second)
      return fail(invalid_argument("duplicate key '" + std::string(key) + "'"));
  }
  return obj;
}

// The object's id member: nullopt when absent, an error when it is not a valid string (null
// included: inserting a generated id next to it would duplicate the key).
static core::Result<std::optional<std::string_view>> id_of(simdjson::dom::object obj) {
  element value;
  if (obj.at_key("id").get(value)) return std::optional<std::string_view>();
  std::string_view id;
  if (value.get_string().get(id)) {
    return fail(invalid_argument("id: expected string, got " + std::string(kind_of(value))));
  }
  if (auto st = RecordParser::check_id(id); !st.is_ok()) return fail(st);
  return std::optional<std::string_view>(id);
}

static core::Status id_matches(std::optional<std::string_view> id, std::string_view expected) {
  if (id && !expected.empty() && *id != expected) {
    return invalid_argument("id: '" + std::string(*id) + "' in the body differs from '" +
                            std::string(expected) + "' in the URL");
  }
  return {};
}

core::Status RecordParser::check_patch(std::string_view text, std::string_view expected_id) {
  auto obj = parse_object(text);
  if (!obj) return obj.error();
  auto id = id_of(*obj);
  if (!id) return id.error();
  return id_matches(*id, expected_id);
}

core::Result<std::string> RecordParser::read_id(std::string_view text) {
  auto obj = parse_object(text);
  if (!obj) return fail(obj.error());
  auto id = id_of(*obj);
  if (!id) return fail(id.error());
  return std::string(id->value_or(""));
}

core::Result<Record> RecordParser::validate(const Collection& c, std::string_view text,
                                            std::string_view expected_id) {
  auto obj = parse_object(text);
  if (!obj) return fail(obj.error());
  auto id = id_of(*obj);
  if (!id) return fail(id.error());
  if (auto st = id_matches(*id, expected_id); !st.is_ok()) return fail(st);
  if (auto st = check_fields(c, *obj); !st.is_ok()) return fail(st);
  if (*id) return Record{.id = std::string(**id), .body = std::string(json::trim(text))};
  if (!expected_id.empty()) {
    if (auto st = check_id(expected_id); !st.is_ok()) return fail(st);
  }
  std::string new_id = expected_id.empty() ? core::uuid_v4() : std::string(expected_id);
  return Record{.id = new_id, .body = with_id(text, new_id)};
}

core::Result<Record> RecordParser::merge(const Collection& c, std::string_view base,
                                         std::string_view patch) {
  if (auto st = check_patch(patch); !st.is_ok()) return fail(st);
  auto base_members = json::split_object(base);
  auto patch_members = json::split_object(patch);
  // Keys compare as written; the same key with different escapes is treated as different.
  auto find = [](const std::vector<json::MemberText>& members, std::string_view key) {
    for (const auto& m : members) {
      if (m.key == key) return &m;
    }
    return static_cast<const json::MemberText*>(nullptr);
  };
  std::string out = "{";
  auto emit = [&](const json::MemberText& m) {
    if (m.value == "null") return;
    if (out.size() > 1) out += ',';
    out.append(m.key).append(":").append(m.value);
  };
  for (const auto& m : base_members) {
    const auto* p = find(patch_members, m.key);
    if (m.key == "\"id\"" && p != nullptr && p->value != m.value) {
      return fail(invalid_argument("id: cannot be changed by an update"));
    }
    emit(p != nullptr ? *p : m);
  }
  for (const auto& m : patch_members) {
    if (find(base_members, m.key) == nullptr) emit(m);
  }
  out += '}';
  return validate(c, out);
}

}  // namespace tandem::schema
