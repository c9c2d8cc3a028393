// What a node keeps besides records, seen by its users: API keys (access::KeyService) and the
// history of job runs (scheduler::JobRunner). Store keeps both in SQLite; in direct mode
// search::OpenSearchState keeps them in OpenSearch, where every node sees the same. Depends on
// core and the store's value types.
#pragma once

#include <string_view>
#include <vector>

#include "store/types.h"

namespace tandem::store {

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // Adds or replaces the key of that id.
  virtual core::Status put_key(const ApiKeyRow& key) = 0;
  // Every key, revoked ones too, oldest first.
  virtual core::Result<std::vector<ApiKeyRow>> keys() = 0;
  // Marks the key revoked at `at_ms`; whether a live key of that id was there.
  virtual core::Result<bool> revoke_key(std::string_view id, std::int64_t at_ms) = 0;
};

class JobRunStore {
 public:
  virtual ~JobRunStore() = default;
  virtual core::Status add_job_run(const JobRun& run) = 0;
  // The newest runs of a job, newest first, at most `limit`.
  virtual core::Result<std::vector<JobRun>> job_runs(std::string_view job, std::size_t limit) = 0;
};

}  // namespace tandem::store
