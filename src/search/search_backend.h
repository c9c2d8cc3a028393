// SearchBackend: the role of a full-text index that projects the store (embedded Xapian,
// OpenSearch). This header declares the write side the pipeline feeds; the query side is added
// with the query language (src/query). Depends on core and store types only.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/types.h"

namespace tandem::search {

class SearchBackend {
 public:
  virtual ~SearchBackend() = default;

  // "xapian", "opensearch": names the sink, its cursor and its dead letters.
  virtual std::string_view name() const = 0;

  // Applies changes in seq order, idempotently: a record's seq is its version and an older
  // version never replaces a newer one. kUnavailable (or any error): nothing is certain, the
  // whole batch is retried. Rejections are permanent per-change refusals (dead-lettered).
  virtual core::Result<std::vector<store::Rejection>> apply(
      std::span<const store::Change> changes) = 0;

  // The seq of the newest applied change that searches can see (after refresh).
  virtual std::uint64_t visible_seq() const = 0;
};

}  // namespace tandem::search
