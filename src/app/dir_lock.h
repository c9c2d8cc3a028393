// An exclusive lock on a data directory, so that one `tandem serve` (or `reindex`) owns the
// store's writer role and the search index at a time. `import` does not take it: SQLite
// serialises its writes with the service's.
#pragma once

#include <string>

#include "core/result.h"

namespace tandem::app {

class DirLock {
 public:
  // flock(LOCK_EX | LOCK_NB) on dir/tandem.lock (creating dir when missing), which then holds
  // our pid. kFailedPrecondition naming the holder's pid when another process has it;
  // kUnavailable when it cannot be created. Take it before opening anything in the directory.
  static core::Result<DirLock> acquire(const std::string& dir);
  DirLock(DirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirLock& operator=(DirLock&&) = delete;
  ~DirLock();  // releases

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;  // the open lock file, or -1
};

}  // namespace tandem::app
