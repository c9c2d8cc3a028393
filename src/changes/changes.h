// The change log's value types, shared by the store that writes the log and the projections that
// apply it (search, cache): a change and a projection's refusal of one. Depends on core only, so
// that neither side has to depend on the other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::changes {

// What the change log records: the resulting state change, which is what sinks apply.
enum class ChangeOp {
  kUpsert = 1,  // body is the full new record
  kDelete = 2,  // body is empty
  kDrop = 3,    // the whole collection was deleted; id is empty
};

// "upsert" | "delete" | "drop".
std::string_view op_name(ChangeOp op);

struct Change {
  std::uint64_t seq = 0;   // change-log sequence number, also the record's version
  std::string collection;  // collection name
  std::string id;          // record id (empty for kDrop)
  ChangeOp op = ChangeOp::kUpsert;
  std::string body;        // full record for kUpsert
  std::int64_t at_ms = 0;  // commit time, ms since the epoch
};

// A change a projection (search index, cache) refused permanently, with the reason. It goes to
// the dead letters; the projection's cursor moves past it.
struct Rejection {
  std::uint64_t seq = 0;
  std::string reason;
};

}  // namespace tandem::changes
