// SharedQueryCache: direct mode's query-result cache, in the Redis every node shares, so that a
// response one node computed is served by all of them, and none once the index it came from
// changed, whichever node changed it.
//
// Keys (cache.redis.prefix first; docs/OPERATIONS.md):
//   <prefix>q:<collection>                       the collection's generation: an integer that
//                                                 INCR moves; absent is 0
//   <prefix>q:<collection>:<canonical params>     an entry: "<generation>\n<response body>",
//                                                 with the query ttl (PX)
// A lookup reads both in one pipeline and is a hit only when the entry carries the generation
// read. A write's node calls changed() once the write is visible to searches (after the
// _refresh, or the refresh=wait_for, that made it so) and before acknowledging a ?wait=indexed
// write: whoever reads the generation after that searches an index that has the write, and
// whatever was computed before carries an older generation. Entries are never deleted: they
// become unreachable and expire. An INCR Redis does not take is owed: sent again ahead of this
// node's next lookup and by a retry thread (backoff with jitter) until Redis answers; meanwhile
// other nodes may serve entries computed before the write, for at most the ttl. Depends on net
// and obs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/backoff.h"
#include "net/redis.h"
#include "obs/log.h"
#include "pipeline/query_cache.h"

namespace tandem::pipeline {

struct SharedQueryCacheOptions {
  std::string prefix = "tandem:";          // cache.redis.prefix
  std::chrono::milliseconds ttl{60000};    // cache.query_ttl
  std::size_t max_entry_bytes = 1u << 20;  // larger responses are not kept
  net::BackoffOptions retry{.initial = std::chrono::milliseconds(100),
                            .max = std::chrono::milliseconds(5000)};
};

class SharedQueryCache final : public QueryCache {
 public:
  SharedQueryCache(std::unique_ptr<net::Redis> redis, SharedQueryCacheOptions options,
                   const obs::Logger& log);
  ~SharedQueryCache() override;  // stops the retry thread; owed INCRs are given up

  std::string_view name() const override { return "redis"; }
  Lookup lookup(std::string_view collection, std::vector<std::string_view> params) override;
  void store(const Lookup& looked, std::string_view body) override;

  // Writes to `collections` are visible to searches now: every node's entries of them stop being
  // served. Blocks for one Redis round trip at most (its deadline); a failure is owed.
  void changed(const std::vector<std::string>& collections);
  // The collections whose INCR Redis has not taken yet.
  std::size_t owed() const;

 private:
  std::string generation_key(std::string_view collection) const;
  // Sends `commands` after the owed INCRs; the owed ones Redis took are settled. The replies of
  // `commands`, or why there are none.
  core::Result<std::vector<net::Reply>> run_after_owed(std::vector<net::Command> commands);
  void owe(const std::vector<std::string>& collections, const std::string& why);
  void retry_loop();

  std::unique_ptr<net::Redis> redis_;
  const SharedQueryCacheOptions options_;
  const obs::Logger& log_;
  net::Backoff backoff_;  // the retry thread's

  mutable std::mutex mutex_;  // guards the members below
  std::condition_variable wake_;
  // Collections whose INCR is owed, each with the count of the owe() that last named it: an INCR
  // that was on its way when a newer one was owed does not settle that one.
  std::map<std::string, std::uint64_t, std::less<>> owed_;
  std::uint64_t owes_ = 0;
  bool stopping_ = false;
  std::thread retrier_;
};

}  // namespace tandem::pipeline
