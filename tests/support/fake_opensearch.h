// A test-only OpenSearch on loopback: the endpoints tandem's OpenSearch backend and direct
// mode's record store speak (index creation with aliases, GET <pattern>/_alias and _mapping,
// POST _aliases, DELETE of indexes, _bulk of index, create and delete actions with external or
// internal versions, if_seq_no/if_primary_term and refresh=wait_for, _refresh, _count, _mget,
// GET _doc, and _search of match_all pages), modelled in memory as OpenSearch documents them:
// a version conflict is a 409 item, a delete of a missing document a 404 item, what _refresh has
// not yet made visible is invisible to _count and _search but not to _mget and _doc (they are
// real-time), and every operation takes the index's next _seq_no. It does not search text (any
// query other than match_all is a 400): the contract suite meets real search behaviour against a
// real OpenSearch. Faults: scripted steps before the model answers (503, dropped connections,
// hangs, truncated bodies: HttpFaultServer's), statuses and delays per operation, and per-document
// item statuses in _bulk (429, 400).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/http_fault_server.h"

namespace tandem::testing {

class FakeOpenSearch {
 public:
  FakeOpenSearch();
  std::uint16_t port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // Steps that answer the next requests instead of the model.
  void inject(std::vector<HttpStep> steps) { server_->inject(std::move(steps)); }
  // The next `times` _bulk items for `id` answer `status` (429: es_rejected_execution_exception,
  // 400: mapper_parsing_exception) and change nothing.
  void fail_item(const std::string& id, int status, int times);
  // The next `times` requests whose path ends with `operation` ("_refresh") answer `status`.
  void fail_requests(const std::string& operation, int status, int times);
  // The next `times` such requests are answered by the model only after `delay`.
  void slow_requests(const std::string& operation, std::chrono::milliseconds delay, int times);
  // What GET /_cluster/health answers as the cluster's status: green (default), yellow, red.
  void set_health(const std::string& status) {
    std::lock_guard lock(mutex_);
    health_ = status;
  }

  struct Doc {
    std::uint64_t version = 0;
    std::string source;       // "" for a delete's tombstone
    std::int64_t seq_no = 0;  // of the operation that wrote it (the primary term is always 1)
  };
  // The document as stored in `index` (a name or an alias), visible or not.
  std::optional<Doc> doc(const std::string& index, const std::string& id) const;
  // Live documents of an index (or alias), visible or not.
  std::size_t size(const std::string& index) const;
  std::vector<std::string> indexes() const;
  // The indexes `alias` points to.
  std::set<std::string> alias(const std::string& alias) const;
  // The body an index was created with.
  std::string created_with(const std::string& index) const;
  std::vector<SeenRequest> requests() const { return server_->requests(); }

 private:
  struct Index {
    std::string body;
    std::map<std::string, Doc> docs;     // by id; tombstones kept (their versions count)
    std::map<std::string, Doc> visible;  // what the last refresh saw
    std::set<std::string> aliases;
    std::int64_t next_seq_no = 0;  // one shard: one sequence of operations
  };
  HttpStep handle(const SeenRequest& r);
  HttpStep bulk(const std::string& body, bool refresh);
  std::vector<std::string> resolve(const std::string& names) const;  // under mutex_

  mutable std::mutex mutex_;
  std::map<std::string, Index> indexes_;
  std::map<std::string, std::pair<int, int>> item_faults_;     // id -> (status, times)
  std::map<std::string, std::pair<int, int>> request_faults_;  // operation -> (status, times)
  std::map<std::string, std::pair<std::chrono::milliseconds, int>> slow_;  // -> (delay, times)
  std::string health_ = "green";
  std::unique_ptr<HttpFaultServer> server_;  // last: stopped before the model goes
};

}  // namespace tandem::testing
