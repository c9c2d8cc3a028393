// API keys: scopes, what a key may do and where, and the key text itself. A key is
// "tdm_<id>_<secret>": the id (12 characters of [a-z0-9]) names it in lists, logs and
// DELETE /v1/keys/{id}; the whole text is shown once, at creation, and only its SHA-256 is kept.
// No HTTP types. Depends on core and OpenSSL (random bytes, SHA-256).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tandem::access {

enum class Scope : std::uint8_t {
  kSearch = 1,  // searches and cache reads (/search, /cache)
  kRead = 2,    // records by id, collections
  kWrite = 4,   // ingest, jobs/run
  kAdmin = 8,   // keys, collections, dead letters, config
};
using Scopes = std::uint8_t;  // a set of Scope bits

// "search", "read", "write", "admin".
std::string_view scope_name(Scope s);
// The set named by `names`; kInvalidArgument naming an unknown one.
core::Result<Scopes> parse_scopes(const std::vector<std::string>& names);
// The names of a set, in the order above.
std::vector<std::string> scope_names(Scopes scopes);
inline bool has(Scopes scopes, Scope s) {
  return (scopes & static_cast<Scopes>(s)) != 0;
}

// What a key may do. Everything but the scopes is optional.
struct KeySpec {
  std::string description;
  Scopes scopes = 0;
  std::vector<std::string> collections;  // empty: every collection
  std::int64_t expires_at_ms = 0;        // 0: never
  double rate = 0;                       // requests per second; 0: the configured default
  double burst = 0;                      // bucket size; 0: the configured default
  std::string filter;                    // search keys: AND-ed to every search (query syntax)
};

struct KeyRecord {
  std::string id;
  std::string hash;  // lowercase hex SHA-256 of the whole key text
  KeySpec spec;
  std::int64_t created_at_ms = 0;
  std::int64_t revoked_at_ms = 0;  // 0: live
};

struct NewKey {
  KeyRecord record;
  std::string key;  // the whole text: shown once, never stored
};

// A new key with a random id and secret (256 bits from OpenSSL's CSPRNG).
NewKey make_key(KeySpec spec, std::int64_t now_ms);

// A key whose text is given (auth.admin_key): its id is derived from its hash, so that the same
// text is the same key on every start. kInvalidArgument when it is too short to be a secret
// (under 16 characters), naming the setting but never the text.
core::Result<NewKey> key_from_text(std::string_view text, KeySpec spec, std::int64_t now_ms,
                                   std::string_view setting);

// Lowercase hex SHA-256.
std::string sha256_hex(std::string_view data);

// Equality of two hashes in time that does not depend on where they differ.
bool same_hash(std::string_view a, std::string_view b);

// The id of a key text of tandem's form, or nullopt.
std::optional<std::string> id_of(std::string_view key);

}  // namespace tandem::access
