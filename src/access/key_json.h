// Key specs as JSON: the body of POST /v1/keys ({"description", "scopes", "collections",
// "expires_at", "rate", "burst", "filter"}), how the store keeps a spec, and a key as lists show
// it (never its hash or text). Depends on core, json, query, access and simdjson.
#pragma once

#include <string>
#include <string_view>

#include "access/keys.h"
#include "core/result.h"

namespace tandem::access {

// Parses a spec. kInvalidArgument naming the member for: not an object, unknown members, wrong
// types, no scopes, an unknown scope, a filter that does not parse, a timestamp that is not RFC
// 3339 (or already past, with `now_ms` set), a negative rate or burst, collections that are not
// names.
core::Result<KeySpec> spec_from_json(std::string_view text, std::int64_t now_ms = 0);

// The spec as JSON, as spec_from_json reads it back.
std::string spec_to_json(const KeySpec& spec);

// {"id", "description", "scopes", "collections", "expires_at", "rate", "burst", "filter",
// "created_at", "revoked_at"} (expires_at and revoked_at null when unset), and "key" with
// `text` when given: a new key's answer, the one time its text is shown.
std::string key_to_json(const KeyRecord& key, std::string_view text = {});

}  // namespace tandem::access
