// JobLease: which of several nodes runs a scheduled fire. Each node fires on its own timer; before
// running, it takes the job's lease for most of the time until the next fire, and the nodes that
// find it held skip the fire. Depends on core.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tandem::scheduler {

class JobLease {
 public:
  virtual ~JobLease() = default;
  // Takes the lease of `job` for `ttl` unless another node holds it: true when this node runs
  // the fire. An error (the lease's store unreachable) makes the fire skipped too: one missed run
  // is better than two.
  virtual core::Result<bool> take(std::string_view job, std::chrono::milliseconds ttl) = 0;
  // Where the leases are kept, for logs: "redis 127.0.0.1:6379".
  virtual std::string where() const = 0;
};

}  // namespace tandem::scheduler
