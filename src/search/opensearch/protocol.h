// What tandem says to OpenSearch and how it reads the answers, without I/O: the index body
// (settings and mappings derived from a collection's schema), the _bulk NDJSON of a batch of
// changes (external versions: the change's seq), the per-item outcome of a _bulk response, and
// a _search response as our hit model.
// The OpenSearch backend sends these over net's HTTP client. Depends on core, json, schema and
// changes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "changes/changes.h"
#include "core/result.h"
#include "schema/collection.h"
#include "search/search_backend.h"

namespace tandem::search::opensearch {

// The subfield a searchable keyword is matched and highlighted through ("brand.text").
inline constexpr std::string_view kTextSubfield = ".text";

struct IndexSettings {
  int shards = 1;
  int replicas = 1;
  std::string refresh_interval = "1s";
  std::string language = "english";  // search.language: the text analyzer's stemmer
};

// The Snowball stemmer OpenSearch names for search.language ("english" -> "English", "fr" ->
// "French"), the one Xapian uses, so that both engines stem alike; "" for "none".
// kInvalidArgument for a language OpenSearch has no Snowball stemmer for.
core::Result<std::string> snowball_language(std::string_view language);

// The key of the index mapping's _meta that holds the collection (schema::collection_to_json),
// so that every node reads the collections from OpenSearch in direct mode.
inline constexpr std::string_view kCollectionMeta = "tandem_collection";

// The body of PUT /<index>: settings (shards, replicas, refresh interval, the "tandem_text"
// analyzer: standard tokenizer, lowercase, Snowball stemmer) and strict mappings from the
// schema: text -> text with that analyzer; keyword and keyword[] -> keyword (a searchable one
// also gets a "text" subfield); int -> long; float -> double; bool -> boolean; timestamp ->
// date; id -> keyword; fields outside the schema are kept in _source, not indexed; the
// collection itself in _meta (kCollectionMeta).
// With `alias`, the index is created carrying it (one atomic step).
core::Result<std::string> index_body(const schema::Collection& collection,
                                     const IndexSettings& settings, std::string_view alias = {});

// The body of POST /_aliases that moves `alias` from the indexes in `from` to `to` atomically.
std::string move_alias_body(std::string_view alias, const std::vector<std::string>& from,
                            std::string_view to);

// The indexes of a GET /<pattern>/_alias response, each with whether it carries `alias`.
struct AliasedIndex {
  std::string index;
  bool has_alias = false;
};
core::Result<std::vector<AliasedIndex>> parse_alias_response(std::string_view body,
                                                             std::string_view alias);

// A document as OpenSearch holds it: its _source byte for byte, and what versions it.
struct StoredDoc {
  std::string source;
  std::uint64_t version = 0;       // _version
  std::int64_t seq_no = -1;        // _seq_no, for if_seq_no
  std::int64_t primary_term = -1;  // _primary_term, for if_primary_term
};

// The body of POST /<index>/_mget for `ids`, and each document (nullopt: not found) from its
// response, in the order asked.
std::string mget_body(std::span<const std::string> ids);
core::Result<std::vector<std::optional<StoredDoc>>> parse_mget_response(std::string_view body,
                                                                        std::size_t expected);
// The document of a GET /<index>/_doc/<id> response (status 200 or 404), nullopt when not found.
core::Result<std::optional<StoredDoc>> parse_get_response(std::string_view body);

// The collections of a GET /<pattern>/_mapping response (from each index's _meta; indexes
// without one are not tandem's), by name, each once.
core::Result<std::vector<schema::Collection>> parse_mapping_collections(std::string_view body);

// The "count" of a _count response.
core::Result<std::uint64_t> parse_count_response(std::string_view body);
// The "status" (green, yellow, red) of a GET /_cluster/health answer.
core::Result<std::string> parse_health_status(std::string_view body);

// kInvalidArgument naming search.opensearch.index_prefix unless `prefix` can start index names
// (lower-case a-z, 0-9, '-', '_', '.'; not starting with '_', '-' or '+').
core::Status check_index_prefix(std::string_view prefix);

// kUnavailable: "opensearch: <what> answered <status>: <error_reason(body)>".
core::Status refusal(std::string_view what, int status, std::string_view body);

// "type: reason" of an OpenSearch error response ({"error": {"type", "reason"}, "status"}), or
// the start of the body (at most 200 bytes, made printable) when it is not one.
std::string error_reason(std::string_view body);

// The _bulk body for `changes` into `index`: an upsert is an "index" action with
// version=seq, version_type=external and the record as its source; a delete is a "delete" with
// the same versioning. Changes of other kinds (a collection dropped) have no line.
std::string bulk_body(std::span<const changes::Change> changes, std::string_view index);

// What became of one item of a _bulk request.
enum class ItemOutcome {
  kApplied,   // written, or a newer version was already there (409 version conflict)
  kRetry,     // 429 or a 5xx: send it again later
  kRejected,  // the document cannot be indexed (mapping, parse): a dead letter with `reason`
};

struct BulkItem {
  ItemOutcome outcome = ItemOutcome::kApplied;
  int status = 0;
  std::string reason;         // OpenSearch's error type and reason, for dead letters and logs
  std::string type;           // the error's type alone ("version_conflict_engine_exception")
  std::uint64_t version = 0;  // _version of what was written (or deleted)
};

// Direct mode: one record write of a _bulk that OpenSearch versions itself (internal versions).
struct RecordWrite {
  enum class Kind {
    kIndex,   // insert or replace; with if_seq_no/if_primary_term only over that version
    kCreate,  // insert; a 409 item when the id exists
    kDelete,  // a 404 item when the id is not there
  };
  Kind kind = Kind::kIndex;
  std::string_view index;  // a name, or an alias of one index
  std::string_view id;
  std::string_view body;        // kIndex, kCreate
  std::int64_t if_seq_no = -1;  // >= 0: optimistic concurrency control (merges)
  std::int64_t if_primary_term = -1;
};
// The _bulk body for `writes`; line breaks in a body become spaces.
std::string record_bulk_body(std::span<const RecordWrite> writes);

// The items of a _bulk response, in request order. kUnavailable when the body is not a _bulk
// response or does not hold `expected` items.
core::Result<std::vector<BulkItem>> parse_bulk_response(std::string_view body,
                                                        std::size_t expected);

// The hits, the number found and the facets of a _search response: each hit's document is its
// _source byte for byte (as it was sent), highlights are the field's fragments joined with
// " ... " (a keyword's kTextSubfield named as the keyword), facets come in the order `facets` asks
// for them (a facet without an aggregation in the response has no values), and a total of relation
// "gte" makes `found` an estimate. kUnavailable for a body of another shape.
core::Result<SearchResult> parse_search_response(std::string_view body,
                                                 const std::vector<std::string>& facets);

}  // namespace tandem::search::opensearch
