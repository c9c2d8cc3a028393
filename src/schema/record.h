// Record validation against a collection's schema, and partial updates (merge). Depends on core,
// json, simdjson. A record is a JSON object with a string id (1-512 bytes, no control characters;
// a missing id gets a UUIDv4). Its body is kept byte-for-byte as accepted.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"
#include "schema/collection.h"

namespace tandem::schema {

inline constexpr std::size_t kMaxIdBytes = 512;

struct Record {
  std::string id;    // validated id
  std::string body;  // the JSON object as accepted (with the id inserted when it was missing)
};

// Reusable parsing state; one per thread. Not thread-safe.
class RecordParser {
 public:
  explicit RecordParser(std::size_t max_record_bytes = 1 << 20) : max_bytes_(max_record_bytes) {}

  // Validates one record. Errors:
  //   kPayloadTooLarge  over max_record_bytes;
  //   kInvalidArgument  "invalid JSON: ...", "expected a JSON object", "duplicate key 'x'",
  //                     "id: ...", "price: expected number, got string", "name: required".
  // With `expected_id` (the id from a URL), the record's own id must be absent (it is inserted)
  // or equal to it.
  core::Result<Record> validate(const Collection& collection, std::string_view text,
                                std::string_view expected_id = {});

  // Checks that `text` is a JSON object without duplicate keys whose id, if any, is valid and
  // equals `expected_id` when that is given (for patches and deletes). Same errors.
  core::Status check_patch(std::string_view text, std::string_view expected_id = {});

  // The record's id, or "" when it has none. Same errors as check_patch.
  core::Result<std::string> read_id(std::string_view text);

  // Applies a patch to a stored body: top-level keys of `patch` replace those of `base`, a null
  // removes the key, new keys are appended; untouched values keep their bytes. The id cannot
  // change. The result is validated like a new record.
  core::Result<Record> merge(const Collection& collection, std::string_view base,
                             std::string_view patch);

  // Checks an id taken from a URL or a record.
  static core::Status check_id(std::string_view id);

 private:
  core::Result<simdjson::dom::object> parse_object(std::string_view text);

  simdjson::dom::parser parser_;  // reused buffers
  std::size_t max_bytes_;         // largest accepted record
};

}  // namespace tandem::schema
