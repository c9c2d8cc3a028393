// WriteThrough: direct mode's cache writes (decision 0023). A RecordStore in front of the shared
// store (OpenSearch) that, once a batch is durable there and before it is acknowledged, writes
// every accepted record into the cache at the version the store gave it (a delete as a
// tombstone at its version), in one write_many: the versioned cache keeps a newer version from
// being replaced by an older, so writers on several nodes and read-through fills can race
// safely, and every node that shares the cache (Redis) reads the new version at once.
// A cache write that fails does not fail the write (the store has it): its entries are retried
// in the background, with backoff, until the cache takes them; until then other nodes may serve
// the version before (for at most cache.ttl). Depends on core, obs, cache, net's backoff and the
// store's interface.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "cache/cache_backend.h"
#include "net/backoff.h"
#include "obs/log.h"
#include "store/record_store.h"

namespace tandem::pipeline {

class WriteThrough final : public store::RecordStore {
 public:
  WriteThrough(store::RecordStore& store, cache::CacheBackend& cache, const obs::Logger& log,
               net::BackoffOptions retry = {.initial = std::chrono::milliseconds(100),
                                            .max = std::chrono::milliseconds(5000)});
  ~WriteThrough() override;  // stops retrying; what is still pending is left to the cache's TTL

  void submit(store::WriteBatch batch, store::WriteCallback done) override;
  core::Result<std::optional<store::Document>> get(std::string_view collection,
                                                   std::string_view id) override {
    return store_.get(collection, id);
  }
  core::Result<std::int64_t> count(std::string_view collection) override {
    return store_.count(collection);
  }
  std::uint64_t head_seq() const override { return store_.head_seq(); }
  core::Result<std::vector<schema::Collection>> collections() override {
    return store_.collections();
  }
  core::Status create_collection(const schema::Collection& collection) override {
    return store_.create_collection(collection);
  }
  // kFailedPrecondition: the cache may hold the collection's records at versions that a new
  // index of that name would take long to reach, and it cannot be emptied by collection.
  core::Result<std::uint64_t> drop_collection(const std::string& name) override;

  // Cache writes waiting to be retried (for /health and the tests).
  std::size_t pending() const;

 private:
  struct Entry {
    std::string value;  // "" with `remove`
    std::uint64_t version = 0;
    bool remove = false;
  };
  // Keeps the newest entry per key for the retry thread.
  void defer(std::vector<std::pair<std::string, Entry>> entries);
  void retry_loop();

  store::RecordStore& store_;
  cache::CacheBackend& cache_;
  const obs::Logger& log_;
  net::Backoff backoff_;  // the retry thread's

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Entry> pending_;
  bool stopping_ = false;
  std::thread retrier_;
};

}  // namespace tandem::pipeline
