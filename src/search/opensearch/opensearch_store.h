// OpenSearchStore: direct mode's store (decision 0023): records, API keys and job runs in
// OpenSearch, so that nodes without a local store share them. OpenSearch is the system of
// record: a record lives in the index behind the alias <prefix><collection> that searches read,
// and OpenSearch versions it (internal versions), so that writers on different nodes are
// serialised by the primary shard and no node's clock or counter is involved.
//
// Writes: one writer thread takes every queued batch and sends them together as _bulk requests
// (group commit, as the SQLite store does). An upsert is an `index` action, a create a `create`,
// a delete a `delete`; a merge reads the record's _seq_no and _primary_term, merges, and writes
// with if_seq_no/if_primary_term, reading and merging again after a 409. Operations on one id are
// sent in order, one per request. A record is acknowledged once its item succeeded (OpenSearch's
// translog is durable per request); its version is the item's _version. Items answered 429 or
// 5xx are sent again after a backoff with jitter. A batch with `visible` is sent with
// refresh=wait_for. With a `visible` hook, the store also says when writes became visible (for
// the shared query cache), refreshing what it wrote itself.
//
// Reads: the real-time GET <alias>/_doc/<id>. Collections: each index's mapping carries its
// collection in _meta, so every node reads the same ones.
//
// Keys: one document per key in <prefix>.keys (a name no collection can have), written with
// refresh=wait_for so that keys() (a _search) sees it. Job runs: one document per job in
// <prefix>.jobs holding its newest kRunsKept runs, read in real time and written with
// if_seq_no. Both indexes are made on first use. Depends on the store's interfaces, the
// protocol of this directory, schema, net and simdjson.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/backoff.h"
#include "net/http_client.h"
#include "search/opensearch/client.h"
#include "search/opensearch/protocol.h"
#include "store/record_store.h"
#include "store/state.h"

namespace tandem::search {

struct OpenSearchStoreOptions {
  net::HttpClientOptions http;             // nodes, TLS, deadlines, retries, gzip, signing
  std::string index_prefix = "tandem-";    // lower-case; the alias is prefix + collection
  opensearch::IndexSettings index;         // for the indexes create_collection() makes
  std::size_t max_record_bytes = 1 << 20;  // for merged updates
  std::size_t bulk_max_ops = 1000;         // operations per _bulk request at most
  // Rounds an operation may take: sends of an item answered 429 or 5xx, and merges read again
  // after a 409. Then the record fails (kUnavailable) and nothing of it was acknowledged.
  int attempts = 6;
  net::BackoffOptions retry{.initial = std::chrono::milliseconds(50),
                            .max = std::chrono::milliseconds(2000)};
  // Called on the writer thread once writes to these collections are visible to searches: after
  // the refresh=wait_for of a batch with `visible` (before its callback), and after the _refresh
  // the store sends at most refresh_interval after writes sent without one. Unset: no _refresh
  // (OpenSearch's index.refresh_interval makes writes visible, unobserved).
  std::function<void(const std::vector<std::string>&)> visible;
  std::chrono::milliseconds refresh_interval{1000};
};

class OpenSearchStore final : public store::RecordStore,
                              public store::KeyStore,
                              public store::JobRunStore {
 public:
  static constexpr std::size_t kRunsKept = 100;  // per job

  // Checks the options; does not contact OpenSearch. kInvalidArgument naming the setting.
  static core::Result<std::unique_ptr<OpenSearchStore>> open(OpenSearchStoreOptions options);
  ~OpenSearchStore() override;  // finishes queued writes, then stops the writer

  // `done` runs on the writer thread. Per-record errors: kAlreadyExists (create), kNotFound
  // (update, delete), kInvalidArgument (a merge the schema refuses, a document OpenSearch cannot
  // map), kUnavailable (an item that kept failing or a merge that kept conflicting). A batch
  // none of whose records could be sent fails as a whole (kUnavailable).
  void submit(store::WriteBatch batch, store::WriteCallback done) override;
  // Document::updated_at_ms is 0: OpenSearch keeps no commit time apart from the record.
  core::Result<std::optional<store::Document>> get(std::string_view collection,
                                                   std::string_view id) override;
  core::Result<std::int64_t> count(std::string_view collection) override;
  std::uint64_t head_seq() const override { return 0; }  // versions are per record
  core::Result<std::vector<schema::Collection>> collections() override;
  // Creates <alias>-v1 carrying the alias, with the collection in its mapping's _meta.
  core::Status create_collection(const schema::Collection& collection) override;
  // Deletes every <alias>-vN index. kNotFound when there is none.
  core::Result<std::uint64_t> drop_collection(const std::string& name) override;

  core::Status put_key(const store::ApiKeyRow& key) override;
  // kUnavailable past 10,000 keys (one _search page).
  core::Result<std::vector<store::ApiKeyRow>> keys() override;
  core::Result<bool> revoke_key(std::string_view id, std::int64_t at_ms) override;

  core::Status add_job_run(const store::JobRun& run) override;
  core::Result<std::vector<store::JobRun>> job_runs(std::string_view job,
                                                    std::size_t limit) override;

  // GET /_cluster/health: answered, and not red. For /ready and tandem_backend_up.
  core::Status check();

  std::string alias(std::string_view collection) const;

 private:
  struct Pending {
    store::WriteBatch batch;
    store::WriteCallback done;
  };
  struct Op;
  explicit OpenSearchStore(OpenSearchStoreOptions options);

  void writer_loop();
  // Sends _refresh for the collections written without one, then tells `visible`. Writer thread.
  void refresh_written();
  // Writes a group of batches to the end: every operation succeeds or fails.
  void write_group(std::vector<Pending>& group);
  // One request's worth of operations: reads the bases of merges, sends one _bulk and records
  // what became of each item. Returns whether some item is to be sent again after a backoff.
  bool send_round(std::vector<Op*>& round, bool refresh);
  // Reads the current documents of the merges in `round` and merges their patches.
  void prepare_merges(std::vector<Op*>& round);
  // Creates one of the state indexes (<prefix>.keys, .jobs) unless it exists.
  core::Status ensure_state_index(const std::string& index);
  // Writes one state document (with refresh=wait_for; with if_seq_no when `base` has one; as a
  // create when `base` is null). A 409 is kFailedPrecondition: the caller reads and tries again.
  core::Status put_state(const std::string& index, std::string_view id, const std::string& body,
                         const opensearch::StoredDoc* base);
  // The real-time document `id` of an index or alias; nullopt when it (or the index) is not
  // there.
  core::Result<std::optional<opensearch::StoredDoc>> read_doc(const std::string& index,
                                                              std::string_view id);

  OpenSearchStoreOptions options_;
  opensearch::Client client_;
  net::Backoff backoff_;  // the writer thread's

  std::mutex mutex_;  // guards the queue
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  // The writer thread's: collections written without refresh=wait_for since the last _refresh
  // (only with a `visible` hook), and when the next one is due.
  std::set<std::string> unrefreshed_;
  std::chrono::steady_clock::time_point refresh_due_;
  std::thread writer_;
};

}  // namespace tandem::search
