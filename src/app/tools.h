// `tandem generate` and `tandem import`: command-line tools over the same modules as the service.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "config/config.h"

namespace tandem::app {

// Writes `count` generated product records as NDJSON to `out`. Same seed and `now_ms`, same bytes.
void generate(std::ostream& out, std::uint64_t count, std::uint64_t seed, std::int64_t now_ms);

struct ImportOptions {
  std::string file;  // NDJSON path, or "-" for standard input
  std::string collection = "products";
  std::size_t batch_size = 1000;  // records per store batch
  bool terminal = false;          // stderr is a terminal: a progress bar, not plain lines
};

// Streams NDJSON records straight into the store of config.data.dir. Prints progress (its share
// of the file read, when the input is a file), rejected lines (with their line numbers) and a
// summary (accepted, rejected, records/s) to stderr. Returns the exit
// code: 0 when every record was accepted, 1 when some were rejected or the store failed.
int import_file(const config::Config& config, const ImportOptions& options);

// `tandem reindex`: rebuilds the search index of every collection (or of `collection`) from the
// store's documents, then moves the search sink's cursor to the store's head as it was before the
// scan (later changes are applied again at the next start, idempotently). The service must be
// stopped: it holds the index's write locks. Prints progress to stderr (a bar when `terminal`);
// returns the exit code.
int reindex(const config::Config& config, const std::string& collection, bool terminal);

// `tandem keys`, against the store of config.data.dir (the service stopped; while it runs, use
// /v1/keys). create: `spec_json` is POST /v1/keys's body; prints the key as that route answers
// it, its text included (shown this once). list: one JSON line per key. revoke: by id. Return
// the exit code (2 for a bad spec, 1 for a store error or no such key).
int keys_create(const config::Config& config, const std::string& spec_json);
int keys_list(const config::Config& config);
int keys_revoke(const config::Config& config, const std::string& id);

}  // namespace tandem::app
